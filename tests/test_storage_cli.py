"""The storage commands of the ``sohoa`` CLI against the real MinIO and a SQLite catalog."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sohoa.errors import ExitCode, InputFileError
from storage import Storage
from tests.cli_run import run_sohoa
from tests.fixtures_storage import MakeDocument, store


def test_find_get_and_audit_verify(object_storage: Storage, make_document: MakeDocument, tmp_path: Path) -> None:
    prepared = make_document("cli-scan")
    doc = store(object_storage, prepared)
    found = run_sohoa(object_storage.settings, "find", "--owner", "079301234567", "--type", "cccd_front", "--json")
    assert found.returncode == 0, found.stderr
    assert [d["id"] for d in json.loads(found.stdout)["documents"]] == [doc.id]
    out = tmp_path / "got.pdf"
    got = run_sohoa(object_storage.settings, "get", doc.id, "-o", str(out))
    assert got.returncode == 0, got.stderr
    assert out.read_bytes() == prepared.signed.pdf_path.read_bytes()
    assert run_sohoa(object_storage.settings, "get", "no-such-id").returncode == 4
    with pytest.raises(InputFileError) as bad_type:  # what `find --type passport` gets: exit code 2
        object_storage.find_for_cli("079301234567", "passport")
    assert bad_type.value.exit_code == ExitCode.BAD_INPUT
    verified = run_sohoa(object_storage.settings, "audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert "2 entries" in verified.stdout
    assert [e.action for e in object_storage.audit.entries_for_owner("079301234567")] == ["get", "find"]


def _library_lines(stderr: str) -> list[dict[str, object]]:
    """The JSON log lines written by libraries (they carry a ``logger`` name); any other line fails."""
    lines = [json.loads(line) for line in stderr.splitlines() if line.strip()]
    return [line for line in lines if "logger" in line]


def test_cli_output_is_free_of_library_chatter_unless_debugging(object_storage: Storage) -> None:
    quiet = run_sohoa(object_storage.settings, "find", "--owner", "079301234567", "--json")
    assert quiet.returncode == 0, quiet.stderr
    assert json.loads(quiet.stdout) == {"documents": []}
    assert [line for line in _library_lines(quiet.stderr) if line["level"] in ("debug", "info")] == []
    loud = run_sohoa(object_storage.settings, "find", "--owner", "079301234567", "--json", extra_env={"SOHOA_LOG_LEVEL": "debug"})
    assert loud.returncode == 0, loud.stderr
    assert any(str(line["logger"]).startswith("alembic") for line in _library_lines(loud.stderr))
