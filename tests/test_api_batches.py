"""Batch progress survives a restart: it is read back from the flows' ledger of finished files."""

from __future__ import annotations

from pathlib import Path

from flows import ledger
from flows.batch import DocumentOutcome, Outcome
from sohoa.model import sha256_file
from sohoa.settings import Settings, load_settings


def _batch(settings: Settings) -> tuple[str, Path]:
    """A batch folder as an upload leaves it (two scans), with its ``batch.json`` as ``start`` writes it."""
    from api.batches import BATCH_RECORD, BatchRunner

    batch_id, folder = BatchRunner(settings).new_folder()
    for name in ("a.png", "b.png"):
        (folder / name).write_bytes(name.encode() * 100)
    (folder.parent / BATCH_RECORD).write_text('{"started_by": "test-staff", "total": 2}', encoding="utf-8")
    return batch_id, folder


def test_progress_is_read_back_after_a_restart(tmp_path: Path) -> None:
    from api.batches import BatchRunner

    settings = load_settings(var_dir=tmp_path / "var")
    batch_id, folder = _batch(settings)
    done = DocumentOutcome("a.png", Outcome.STORED, sha256_file(folder / "a.png"), "doc-a", "cccd_front", 1)
    ledger.record(settings, done)  # what the flow wrote before the old process died

    restarted = BatchRunner(settings)
    state = restarted.get(batch_id)
    assert state is not None
    shown = state.to_json()
    assert (shown["started_by"], shown["total"], shown["finished"], shown["done"]) == ("test-staff", 2, 1, True)
    assert shown["outcomes"][0]["document_id"] == "doc-a" and shown["error"]["code"] == "interrupted"
    assert [s.batch_id for s in restarted.all()] == [batch_id]

    ledger.record(settings, DocumentOutcome("b.png", Outcome.NEEDS_REVIEW, sha256_file(folder / "b.png"), "doc-b", "other", 1))
    complete = BatchRunner(settings).get(batch_id)
    assert complete is not None and complete.error is None and complete.to_json()["finished"] == 2


def test_unknown_or_malformed_batch_ids_are_not_found(tmp_path: Path) -> None:
    from api.batches import BatchRunner

    runner = BatchRunner(load_settings(var_dir=tmp_path / "var"))
    assert runner.get("0123456789ab") is None
    assert runner.get("../../etc") is None
