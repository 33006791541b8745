"""The Flask interface: ``create_app(test_config=None)`` builds it; importing this package does no work.

One blueprint per area (auth, documents, upload, search, tasks, api); views parse the request,
call one function of archive / ingest.pipeline / search, and render.
"""
from __future__ import annotations

from pathlib import Path

from flask import Flask

UPLOAD_REQUEST_FILES = 4  # a form's total size, in units of the per-file limit

# test_config keys that are congvan settings rather than Flask settings.
_SETTING_KEYS = {
    "CONGVAN_DATA": "data_dir",
    "CONGVAN_DATABASE_URL": "database_url",
    "CONGVAN_MAX_UPLOAD_BYTES": "max_upload_bytes",
    "CONGVAN_MAX_PAGES": "max_pages",
    "CONGVAN_MAX_PIXELS": "max_pixels",
    "CONGVAN_MAX_TEXT_CHARS": "max_text_chars",
    "CONGVAN_OCR_SECONDS": "ocr_seconds_per_page",
    "CONGVAN_WORKERS": "workers",
    "CONGVAN_SECRET_KEY": "secret_key",
}


def create_app(test_config: dict | None = None) -> Flask:
    from archive.settings import Settings

    from . import api, auth, commands, documents, errors, search, tasks, upload
    from .exports import recurrence_label
    from .extensions import csrf, login_manager, open_db_session

    test_config = dict(test_config or {})
    overrides = {_SETTING_KEYS[k]: test_config.pop(k) for k in list(test_config) if k in _SETTING_KEYS}
    if "data_dir" in overrides:
        overrides["data_dir"] = Path(overrides["data_dir"])
    settings = test_config.pop("SETTINGS", None) or Settings.from_env(**overrides)
    settings.ensure_dirs()

    app = Flask(__name__)
    app.config.from_mapping(
        SECRET_KEY=settings.load_secret_key(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        # One request may carry several files (each still checked against max_upload_bytes by the
        # pipeline); werkzeug refuses anything larger with 413 before reading it.
        MAX_CONTENT_LENGTH=settings.max_upload_bytes * UPLOAD_REQUEST_FILES + 1024 * 1024,
        MAX_FORM_MEMORY_SIZE=settings.max_text_chars * 4 + 64 * 1024,  # a corrected letter's text, in UTF-8
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        START_WORKERS=True,
        LOGIN_MAX_FAILURES=10,
        LOGIN_WINDOW_SECONDS=300,
    )
    app.config.update(test_config)
    app.extensions["congvan_settings"] = settings
    app.json.ensure_ascii = False  # Vietnamese in API answers as UTF-8, not \u escapes

    login_manager.init_app(app)
    auth.init_app(app)  # the sign-in gate runs first: an anonymous POST is sent to sign in, not told about CSRF
    csrf.init_app(app)
    app.teardown_appcontext(open_db_session.close)

    for module in (auth, documents, upload, search, tasks, api):
        app.register_blueprint(module.bp)
    csrf.exempt(api.bp)  # the API authenticates by Bearer token, never by cookie
    errors.init_app(app)
    commands.init_app(app)

    app.add_url_rule("/", endpoint="index", view_func=search.index_redirect)
    app.add_template_filter(recurrence_label, "recurrence")

    if app.config["START_WORKERS"] and settings.workers > 0 and not settings.queue_url:  # else: RQ workers
        from archive.jobs import WorkerPool

        app.extensions["congvan_workers"] = WorkerPool(settings, size=settings.workers,
                                                          processes=app.config.get("WORKER_PROCESSES", True)).start()
    return app
