"""Sign in and out; the gate that shows anonymous users nothing but the sign-in page."""
from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_login import UserMixin, current_user, login_required, login_user, logout_user

from .extensions import login_manager, settings

bp = Blueprint("auth", __name__)

ROLE_LABELS = {"admin": "quản trị viên", "archivist": "văn thư", "staff": "cán bộ"}
# Endpoints an anonymous visitor may reach; the API checks its own Bearer tokens.
_PUBLIC_ENDPOINTS = {"auth.login", "static"}


@dataclass
class SignedInUser(UserMixin):
    """What the web keeps of a ``User`` for one request (never the password hash)."""

    id: int
    name: str
    role: str

    @classmethod
    def of(cls, user) -> "SignedInUser":
        return cls(id=user.id, name=user.name, role=user.role)

    @property
    def can_edit(self) -> bool:
        return self.role in ("admin", "archivist")

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)


@login_manager.user_loader
def load_user(user_id: str):
    from archive.models import User

    from .extensions import db

    try:
        user = db().get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    return SignedInUser.of(user) if user is not None else None


class LoginThrottle:
    """At most ``limit`` failed sign-ins per (name, address) in ``window`` seconds (in memory, per process)."""

    def __init__(self, limit: int, window: float):
        self.limit, self.window = limit, window
        self._failures: dict[tuple[str, str], deque] = {}
        self._lock = threading.Lock()

    def _recent(self, key, now) -> deque:
        failures = self._failures.setdefault(key, deque())
        while failures and now - failures[0] > self.window:
            failures.popleft()
        return failures

    def blocked(self, key) -> bool:
        with self._lock:
            return len(self._recent(key, time.monotonic())) >= self.limit

    def fail(self, key) -> None:
        with self._lock:
            now = time.monotonic()
            self._recent(key, now).append(now)
            if len(self._failures) > 10_000:  # forget the quiet ones; an attacker cannot grow this forever
                for k in [k for k, v in self._failures.items() if not v]:
                    del self._failures[k]

    def clear(self, key) -> None:
        with self._lock:
            self._failures.pop(key, None)


def _throttle() -> LoginThrottle:
    return current_app.extensions["congvan_login_throttle"]


def _safe_next(target: str | None) -> str:
    """Only a local path: an open redirect would let a phishing link borrow our sign-in page."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//") \
                and "\\" not in target:
            return target
    return url_for("search.search")


@bp.route("/login", methods=["GET", "POST"])
def login():
    from archive.accounts import authenticate

    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    if request.method == "POST":
        name = (request.form.get("name") or "").strip()[:100]
        password = request.form.get("password") or ""
        key = (name.casefold(), request.remote_addr or "")
        if _throttle().blocked(key):
            return render_template(
                "auth/login.html", name=name,
                error="Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau vài phút."), 429
        user = authenticate(settings(), name, password)
        if user is None:
            _throttle().fail(key)
            return render_template("auth/login.html", name=name,
                                   error="Tên đăng nhập hoặc mật khẩu không đúng."), 401
        _throttle().clear(key)
        session.clear()  # a fresh session on sign-in: no fixation
        login_user(SignedInUser.of(user))
        flash(f"Xin chào, {user.name}.", "success")
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", name="", error=None)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    session.clear()
    flash("Đã đăng xuất.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=["GET", "POST"])
def account():
    """Who am I; a new personal API token, shown once (only its hash is kept)."""
    from archive.accounts import create_token

    token = create_token(settings(), current_user.name) if request.method == "POST" else None
    return render_template("auth/account.html", token=token)


def init_app(app) -> None:
    app.extensions["congvan_login_throttle"] = LoginThrottle(
        app.config["LOGIN_MAX_FAILURES"], app.config["LOGIN_WINDOW_SECONDS"])

    @app.before_request
    def require_sign_in():
        endpoint = request.endpoint or ""
        if endpoint in _PUBLIC_ENDPOINTS or endpoint.startswith("api.") or request.path.startswith("/api/"):
            return None  # the API answers for itself: 401 without a token, JSON 404 for unknown URLs
        if request.endpoint is None:  # an unknown URL: do not reveal which ones exist
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            return None
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        return None

    @app.context_processor
    def inject_user_helpers():
        return {"can_edit": bool(current_user.is_authenticated and current_user.can_edit)}

