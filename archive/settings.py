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
