"""The `congvan` command line: every subcommand has --help and does real work."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from archive.cli import main

COMMANDS = [[], ["ingest"], ["ocr"], ["restore"], ["parse"], ["search"], ["tasks"], ["serve"], ["reindex"],
            ["check"], ["user", "add"], ["token", "create"], ["worker"]]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "congvan")
def test_every_command_has_help(command):
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage:" in result.output


@pytest.fixture
def cli(tmp_path):
    data = tmp_path / "data"

    def run(*args, input=None):
        return CliRunner().invoke(main, ["--data", str(data), *args], input=input, catch_exceptions=False)
    return run


def test_ingest_search_tasks_check_flow(cli, sample_paths):
    """GIVEN the samples WHEN ingested by the CLI THEN search, tasks and check work on that archive."""
    out = cli("ingest", *map(str, sample_paths))
    assert out.exit_code == 0, out.output
    lines = out.output.strip().splitlines()
    assert len(lines) == 3 and all("\txong\t" in line for line in lines)
    again = cli("ingest", str(sample_paths[0]))
    assert again.output.split("\t")[0] == lines[0].split("\t")[0]

    hits = json.loads(cli("search", "--json", "--limit", "5", "doan ket").output)
    assert hits[0]["number_symbol"] == "1987/MTTQ-BTT"
    assert {"id", "number_symbol", "doc_type", "date", "subject", "score", "snippet"} <= set(hits[0])
    by_number = json.loads(cli("search", "--json", "1987/MTTQ-BTT").output)
    assert by_number[0]["number_symbol"] == "1987/MTTQ-BTT"

    tasks = json.loads(cli("tasks", "--json").output)
    assert tasks and all("assignees" in t for t in tasks)
    due = json.loads(cli("tasks", "--json", "--due-before", "2022-02-10").output)
    assert {t["deadline"] for t in due} == {"2022-02-08"}

    assert cli("check").exit_code == 0
    assert "3" in cli("reindex").output


def test_restore_keep_lines_and_json(cli, sample_paths):
    source = sample_paths[0]
    out = cli("restore", "--keep-lines", str(source))
    assert out.exit_code == 0
    assert len(out.output.splitlines()) == len(source.read_text(encoding="utf-8").splitlines())
    assert "Số: 1987/MTTQ-BTT" in out.output
    data = json.loads(cli("restore", "--json", str(source)).output)
    assert data["changes"] and all(0.0 <= c["confidence"] <= 1.0 for c in data["changes"])


def test_restore_reads_stdin(cli):
    out = cli("restore", "-", input="Kinh gui: Uy ban nhan dan cac xa\n")
    assert out.exit_code == 0
    assert "Kính gửi" in out.output


def test_parse_prints_schema_json(cli, sample_paths):
    letter = json.loads(cli("parse", str(sample_paths[2])).output)
    assert letter["number_symbol"] == "305/MTTQ-BTT"
    assert letter["date"] == "2022-01-24"
    for key in ("doc_type", "issuer", "place", "subject", "recipients", "distribution", "signer", "references",
                "tasks"):
        assert key in letter


def test_bad_file_gives_clear_error_and_exit_code(cli, tmp_path):
    empty = tmp_path / "rỗng.pdf"
    empty.write_bytes(b"")
    result = CliRunner().invoke(main, ["--data", str(tmp_path / "d"), "ingest", str(empty)])
    assert result.exit_code == 2
    assert "rỗng" in result.output


def test_user_and_token(cli):
    assert cli("user", "add", "lan", "--role", "archivist", "--password-stdin", input="mật-khẩu-dài\n").exit_code == 0
    out = cli("token", "create", "lan")
    assert out.exit_code == 0
    assert len(out.output.split()[-1]) >= 20


def test_console_script_is_installed():
    exe = Path(sys.executable).parent / "congvan"
    result = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "ingest" in result.stdout
