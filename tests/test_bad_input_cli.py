"""Bad input through the CLI: a clear Vietnamese error, exit code 2, and the archive unchanged."""
from __future__ import annotations

import io
import os
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from archive import services
from archive.cli import main
from archive.models import Document, Job
from archive.settings import Settings

FILES = Path(__file__).parent / "data" / "files"


def _png_header(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def _zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("công văn.txt", "Số: 1/UBND")
    return buf.getvalue()


BAD = {
    "rỗng.txt": (lambda: b"", "rỗng"),
    "ngẫu nhiên.pdf": (lambda: os.urandom(4096), ""),
    "ngẫu nhiên.png": (lambda: bytes(range(256)) * 16, ""),
    "cắt cụt.png": (lambda: (FILES / "letter_header_200dpi.png").read_bytes()[:3000], ""),
    "cắt cụt.jpg": (lambda: (FILES / "letter_header_small.jpg").read_bytes()[:2000], ""),
    "cắt cụt.pdf": (lambda: (FILES / "letter_header_scanned.pdf").read_bytes()[:1500], ""),
    "bom.png": (lambda: _png_header(30000, 30000), "lớn"),
    "nén.zip": (_zip, "không được hỗ trợ"),
    "../../etc/Quyết định.txt": (lambda: b"", "rỗng"),
}


@pytest.mark.parametrize("name", list(BAD))
def test_bad_file_is_refused_with_a_reason_and_nothing_changes(tmp_path, name):
    """GIVEN a hostile or broken file WHEN ingested by the CLI THEN exit 2, a Vietnamese reason, no rows."""
    make, expected = BAD[name]
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / Path(name).name
    path.write_bytes(make())
    data_dir = tmp_path / "data"
    result = CliRunner().invoke(main, ["--data", str(data_dir), "ingest", str(path)])
    assert result.exit_code == 2, result.output
    line = result.output.strip()
    assert line.startswith("-\tlỗi\t")
    reason = line.split("\t")[-1]
    assert reason and reason[0].isupper() and expected in reason.lower()
    settings = Settings(data_dir=data_dir)
    with services.database(settings).session() as session:
        assert session.scalar(select(func.count(Document.id))) == 0
        assert session.scalar(select(func.count(Job.id))) == 0
    assert not any(settings.files_dir.rglob("*")), "a refused file must not be stored"


def test_one_bad_file_does_not_stop_the_others(tmp_path, sample_paths):
    bad = tmp_path / "rỗng.txt"
    bad.write_bytes(b"")
    result = CliRunner().invoke(main, ["--data", str(tmp_path / "d"), "ingest", str(bad), str(sample_paths[2])])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert "\tlỗi\t" in lines[0] and "\txong\t" in lines[1]
