"""Flask CLI commands (``flask --app web …``), thin wrappers over ``archive.accounts`` like ``congvan user add``."""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext


@click.command("add-user")
@with_appcontext
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "archivist", "staff"]), default="staff", show_default=True)
@click.password_option("--password", help="Mật khẩu (ít nhất 8 ký tự).")
def add_user(name: str, role: str, password: str) -> None:
    """Tạo người dùng NAME."""
    from archive.accounts import create_user
    from archive.errors import CongvanError

    try:
        create_user(current_app.extensions["congvan_settings"], name, role, password)
    except CongvanError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(f"Đã tạo người dùng {name} ({role}).")


@click.command("create-token")
@with_appcontext
@click.argument("name")
def create_token(name: str) -> None:
    """In ra một mã truy cập API mới cho NAME (chỉ hiện một lần)."""
    from archive.accounts import create_token as make_token
    from archive.errors import CongvanError

    try:
        click.echo(make_token(current_app.extensions["congvan_settings"], name))
    except CongvanError as exc:
        raise click.ClickException(exc.message) from exc


def init_app(app) -> None:
    app.cli.add_command(add_user)
    app.cli.add_command(create_token)
