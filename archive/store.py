"""Originals stored under their SHA-256 name; derived files (page images, searchable PDF) beside them.

The client's filename is metadata only and never becomes part of a path. Writes are atomic
(temporary file + rename), so a crash leaves either the whole file or nothing.
"""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path

from .settings import Settings

SHA256_RE = re.compile(r"^[0-9a-f]{64}$")


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _checked(sha256: str) -> str:
    if not SHA256_RE.match(sha256 or ""):
        raise ValueError(f"not a SHA-256 hex digest: {sha256!r}")
    return sha256


def write_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


class FileStore:
    """The one interface to stored files (a shared folder by default; an object store could follow)."""

    def __init__(self, settings: Settings):
        self.root = settings.files_dir
        self.derived_root = settings.derived_dir

    def original_path(self, sha256: str) -> Path:
        sha256 = _checked(sha256)
        return self.root / sha256[:2] / sha256

    def put_original(self, data: bytes) -> str:
        sha = sha256_of(data)
        path = self.original_path(sha)
        if not path.exists():
            write_atomic(path, data)
        return sha

    def has_original(self, sha256: str) -> bool:
        return self.original_path(sha256).exists()

    def read_original(self, sha256: str) -> bytes:
        return self.original_path(sha256).read_bytes()

    def derived_dir(self, sha256: str) -> Path:
        return self.derived_root / _checked(sha256)

    def put_derived(self, sha256: str, name: str, data: bytes) -> Path:
        if "/" in name or "\\" in name or name.startswith("."):
            raise ValueError(f"bad derived file name {name!r}")
        path = self.derived_dir(sha256) / name
        write_atomic(path, data)
        return path

    def derived_path(self, sha256: str, name: str) -> Path:
        if "/" in name or "\\" in name or name.startswith("."):
            raise ValueError(f"bad derived file name {name!r}")
        return self.derived_dir(sha256) / name

    def remove(self, sha256: str) -> None:
        path = self.original_path(sha256)
        if path.exists():
            path.unlink()
        ddir = self.derived_dir(sha256)
        if ddir.exists():
            for child in ddir.iterdir():
                child.unlink()
            ddir.rmdir()
