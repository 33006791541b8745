"""Users and personal API tokens.

Passwords are kept as werkzeug hashes; an API token is shown once and only its SHA-256 is stored,
so a copy of the database gives no one a working token.
"""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select, update
from werkzeug.security import check_password_hash, generate_password_hash

from . import services
from .errors import BadInputError, NotFoundError
from .models import ROLES, ApiToken, User, utcnow
from .settings import Settings

MIN_PASSWORD_LENGTH = 8
# Checked against when a name is unknown, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("congvan-dummy-password")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_user(settings: Settings, name: str, role: str, password: str) -> User:
    """A new account; raises ``BadInputError`` for a taken name, unknown role or short password."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise BadInputError("Tên đăng nhập phải có từ 1 đến 100 ký tự.")
    if role not in ROLES:
        raise BadInputError(f"Vai trò không hợp lệ: {role!r} (chọn một trong: {', '.join(ROLES)}).")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise BadInputError(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.")
    with services.database(settings).session() as session:
        if session.scalar(select(User.id).where(User.name == name)) is not None:
            raise BadInputError(f"Tên đăng nhập {name!r} đã có người dùng.")
        user = User(name=name, role=role, password_hash=generate_password_hash(password))
        session.add(user)
        session.flush()
        return user


def authenticate(settings: Settings, name: str, password: str) -> User | None:
    """The user if name and password match, else ``None`` (without saying which one was wrong)."""
    with services.database(settings).session() as session:
        user = session.scalar(select(User).where(User.name == (name or "").strip()))
        if user is None:
            check_password_hash(_DUMMY_HASH, password or "")
            return None
        return user if check_password_hash(user.password_hash, password or "") else None


def create_token(settings: Settings, name: str) -> str:
    """A new personal API token for user ``name``; the plaintext is returned once and never stored."""
    token = secrets.token_urlsafe(32)
    with services.database(settings).session() as session:
        user = session.scalar(select(User).where(User.name == name))
        if user is None:
            raise NotFoundError(f"Không có người dùng {name!r}.")
        session.add(ApiToken(user_id=user.id, token_hash=_token_hash(token)))
    return token


def user_for_token(settings: Settings, token: str) -> User | None:
    """The owner of a token, or ``None``; records (at most once a minute) when the token was last used."""
    if not token or len(token) > 200:
        return None
    with services.database(settings).session() as session:
        row = session.execute(select(ApiToken.id, ApiToken.last_used_at, User).join(User, User.id == ApiToken.user_id)
                              .where(ApiToken.token_hash == _token_hash(token))).first()
        if row is None:
            return None
        token_id, last_used_at, user = row
        now = utcnow()
        # Every API call is a read of one row; a write only once a minute keeps SQLite's writer free.
        if last_used_at is None or (now - last_used_at).total_seconds() > 60:
            session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
        session.expunge(user)
        return user
