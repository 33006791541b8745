"""Shared fixtures: every test gets its own data folder (database, files, index)."""
from __future__ import annotations

from pathlib import Path

import pytest

from archive.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "corpus" / "samples"


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", workers=1)


@pytest.fixture
def sample_paths() -> list[Path]:
    return sorted(SAMPLES.glob("*.txt"))
