"""One settings object with every default in one place.

Precedence: explicit overrides (``--data``, ``create_app(test_config)``) > environment > defaults.
"""
from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

from .errors import ConfigError


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"Biến môi trường {name} phải là số nguyên, nhận được {value!r}.") from exc


SEARCH_BACKENDS = ("whoosh", "postgres")

_ENSURED: set[Path] = set()  # data folders already created in this process


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("var")
    database_url: str | None = None
    max_upload_bytes: int = 50 * 1024 * 1024
    max_pages: int = 300
    max_pixels: int = 100_000_000
    max_text_chars: int = 2_000_000
    ocr_seconds_per_page: int = 180
    workers: int = 2
    secret_key: str | None = None
    queue_url: str | None = None  # redis://… : ingest jobs go through RQ (archive.queue), else in-process
    job_stale_seconds: int = 120  # a running job whose heartbeat is older than this is taken again
    search_backend: str = "whoosh"  # "whoosh" (index folder) | "postgres" (search.pg, in database_url)
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        values = dict(
            data_dir=Path(os.environ.get("CONGVAN_DATA") or "var"),
            database_url=os.environ.get("CONGVAN_DATABASE_URL") or None,
            max_upload_bytes=_env_int("CONGVAN_MAX_UPLOAD_BYTES", cls.max_upload_bytes),
            max_pages=_env_int("CONGVAN_MAX_PAGES", cls.max_pages),
            max_pixels=_env_int("CONGVAN_MAX_PIXELS", cls.max_pixels),
            max_text_chars=_env_int("CONGVAN_MAX_TEXT_CHARS", cls.max_text_chars),
            ocr_seconds_per_page=_env_int("CONGVAN_OCR_SECONDS", cls.ocr_seconds_per_page),
            workers=_env_int("CONGVAN_WORKERS", cls.workers),
            secret_key=os.environ.get("CONGVAN_SECRET_KEY") or None,
            queue_url=os.environ.get("CONGVAN_QUEUE_URL") or None,
            job_stale_seconds=_env_int("CONGVAN_JOB_STALE_SECONDS", cls.job_stale_seconds),
            search_backend=(os.environ.get("CONGVAN_SEARCH_BACKEND") or cls.search_backend).strip().lower(),
        )
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        settings.validate()
        return settings

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)

    def validate(self) -> None:
        if self.max_upload_bytes <= 0 or self.max_pages <= 0 or self.max_pixels <= 0:
            raise ConfigError("Các giới hạn (dung lượng, số trang, số điểm ảnh) phải lớn hơn 0.")
        if self.workers < 0:
            raise ConfigError("Số tiến trình xử lý (CONGVAN_WORKERS) không được âm.")
        if self.search_backend not in SEARCH_BACKENDS:
            raise ConfigError(f"CONGVAN_SEARCH_BACKEND phải là một trong {', '.join(SEARCH_BACKENDS)}, "
                              f"nhận được {self.search_backend!r}.")
        if self.search_backend == "postgres" and not (self.database_url or "").startswith("postgresql"):
            raise ConfigError("Tìm kiếm bằng PostgreSQL (CONGVAN_SEARCH_BACKEND=postgres) cần "
                              "CONGVAN_DATABASE_URL=postgresql://….")
        if self.queue_url and not self.queue_url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError(f"CONGVAN_QUEUE_URL phải là địa chỉ Redis (redis://…), nhận được {self.queue_url!r}.")
        if self.job_stale_seconds < 5:
            raise ConfigError("CONGVAN_JOB_STALE_SECONDS phải từ 5 giây trở lên.")

    # Paths inside the data folder -------------------------------------------------
    @cached_property
    def data_path(self) -> Path:
        return Path(self.data_dir).resolve()

    @property
    def files_dir(self) -> Path:
        return self.data_path / "files"

    @property
    def derived_dir(self) -> Path:
        return self.data_path / "derived"

    @property
    def index_dir(self) -> Path:
        return self.data_path / "index"

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_path / 'congvan.sqlite3'}"

    def ensure_dirs(self) -> None:
        if self.data_path in _ENSURED:
            return
        for path in (self.data_path, self.files_dir, self.derived_dir, self.index_dir):
            path.mkdir(parents=True, exist_ok=True)
        _ENSURED.add(self.data_path)

    def load_secret_key(self) -> str:
        """The Flask secret: from the environment, else a random one kept in the data folder (never in git)."""
        if self.secret_key:
            return self.secret_key
        self.ensure_dirs()
        path = self.data_path / "secret_key"
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(secrets.token_hex(32))
        return path.read_text().strip()

    def limits(self):
        from ingest.intake import Limits

        return Limits(
            max_bytes=self.max_upload_bytes,
            max_pages=self.max_pages,
            max_pixels=self.max_pixels,
            ocr_seconds_per_page=self.ocr_seconds_per_page,
        )
