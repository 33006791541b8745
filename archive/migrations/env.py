"""Alembic environment: migrations run from ``archive.db.Database`` (programmatically) or the alembic CLI."""
from alembic import context
from sqlalchemy import engine_from_config, pool

from archive.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = engine_from_config(config.get_section(config.config_ini_section, {}), prefix="sqlalchemy.",
                                poolclass=pool.NullPool)
    with engine.connect() as conn:
        _run(conn)


def _ours(name, type_, _parent_names) -> bool:
    """Autogenerate leaves alone the tables search.pg creates and versions itself (search_*)."""
    return not (type_ == "table" and name and name.startswith("search_"))


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite", include_name=_ours)
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
