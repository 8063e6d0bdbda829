"""Batch folders, manifests, the ledger and the OCR cache: the flow's bookkeeping, without servers."""

from __future__ import annotations

import json
import threading
from pathlib import Path, PurePosixPath

import pytest

from flows import ledger, workdir
from flows.batch import BatchSummary, DocumentOutcome, Outcome, discover
from flows.manifest import load_manifest, meta_for
from flows.slots import Slots
from sohoa.errors import CatalogError, CorruptFileError, InvalidManifestError, SigningError, StorageError, TimestampError
from sohoa.model import DocType, DocumentMeta, OcrPage, OcrResult, Page, PageOrigin, Source, Word
from sohoa.settings import load_settings

CSV = """path,dossier_code,procedure_code,agency,owner_id,doc_type
HS-1,HS-1,1.001,UBND,001099012345,
HS-1/cccd.png,HS-1,1.001,UBND,001099012345,cccd_front
,HS-2,2.002,,,administrative_document
"""


def _batch(root: Path) -> Path:
    for name in ("HS-1/cccd.png", "HS-1/scan.pdf", "HS-1/notes.txt", "HS-2/a.tif", "HS-3/b.jpg", ".hidden/x.png", "HS-1/.DS_Store"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(b"x")
    (root / "manifest.csv").write_text(CSV, encoding="utf-8")
    return root


def test_file_row_wins_over_dossier_row_and_folder_names_the_rest(tmp_path: Path) -> None:
    manifest = load_manifest(_batch(tmp_path) / "manifest.csv")
    cccd = meta_for(PurePosixPath("HS-1/cccd.png"), manifest)
    scan = meta_for(PurePosixPath("HS-1/scan.pdf"), manifest)
    assert cccd.doc_type_hint is DocType.CCCD_FRONT and cccd.owner_id == "001099012345"
    assert scan.doc_type_hint is None and scan.procedure_code == "1.001"
    assert meta_for(PurePosixPath("HS-2/a.tif"), manifest).doc_type_hint is DocType.ADMINISTRATIVE_DOCUMENT
    assert meta_for(PurePosixPath("HS-3/b.jpg"), manifest) == DocumentMeta(dossier_code="HS-3")
    assert meta_for(PurePosixPath("loose.png"), manifest) == DocumentMeta()


def test_discover_finds_scans_in_order_and_skips_manifest_notes_and_hidden_files(tmp_path: Path) -> None:
    items = discover(_batch(tmp_path), None)
    assert [i.name for i in items] == ["HS-1/cccd.png", "HS-1/scan.pdf", "HS-2/a.tif", "HS-3/b.jpg"]
    assert items[0].meta.doc_type_hint is DocType.CCCD_FRONT  # manifest.csv picked up on its own


def test_json_manifest_in_both_shapes(tmp_path: Path) -> None:
    rows = [{"path": "HS-9", "dossier_code": "HS-9", "owner_id": "0100233488", "doc_type": "business_registration"}]
    for shape in (rows, {"dossiers": rows}):
        path = tmp_path / "m.json"
        path.write_text(json.dumps(shape), encoding="utf-8")
        assert load_manifest(path)["HS-9"].doc_type_hint is DocType.BUSINESS_REGISTRATION


@pytest.mark.parametrize(
    "text",
    [
        "path,doc_type\nHS-1,passport\n",  # unknown type
        "path,colour\nHS-1,red\n",  # unknown column
        "path,dossier_code\nHS-1,A\nHS-1,B\n",  # listed twice
        "path,dossier_code\n,\n",  # row without a key
    ],
)
def test_bad_manifest_is_refused_before_any_work(tmp_path: Path, text: str) -> None:
    path = tmp_path / "manifest.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidManifestError) as caught:
        load_manifest(path)
    assert caught.value.exit_code == 2


def test_summary_is_complete_only_without_failures() -> None:
    done = (DocumentOutcome("a", Outcome.STORED, pages=2), DocumentOutcome("b", Outcome.QUARANTINED, reason="corrupt_file"))
    assert BatchSummary("b1", done, 1.0).complete
    assert BatchSummary("b1", done, 1.0).pages == 2
    assert not BatchSummary("b1", (*done, DocumentOutcome("c", Outcome.FAILED, reason="storage")), 1.0).complete


def test_ledger_remembers_finished_files_but_never_failures(tmp_path: Path) -> None:
    settings = load_settings(var_dir=tmp_path)
    ledger.record(settings, DocumentOutcome("HS-1/a.png", Outcome.STORED, sha256="ab" * 32, document_id="d1", pages=1))
    ledger.record(settings, DocumentOutcome("HS-1/b.png", Outcome.FAILED, sha256="cd" * 32, reason="storage"))
    again = ledger.recorded(settings, "ab" * 32, "HS-2/copy.png")
    assert again is not None and again.reused and again.document_id == "d1" and again.name == "HS-2/copy.png"
    assert ledger.recorded(settings, "cd" * 32, "HS-1/b.png") is None


def _result(work: Path, sha256: str) -> OcrResult:
    image = work / "p1.png"
    image.write_bytes(b"png")
    page = Page(source=work / "in.png", number=1, origin=PageOrigin.IMAGE, image_path=image, width=10, height=10, dpi=300)
    words = (Word("Số", (0, 0, 5, 5), 0.9),)
    return OcrResult(work / "in.png", sha256, (OcrPage(page, words, "Số", Source.OCR),))


def test_ocr_cache_round_trips_and_goes_stale_when_its_files_vanish(tmp_path: Path) -> None:
    settings = load_settings(var_dir=tmp_path)
    sha = "ef" * 32
    work = workdir.work_dir(settings, sha)
    result = _result(work, sha)
    workdir.save_cached(work, result)
    assert workdir.load_cached(work, sha) == result
    assert workdir.load_cached(work, "00" * 32) is None  # another content's cache is never used
    (work / "p1.png").unlink()
    assert workdir.load_cached(work, sha) is None
    workdir.discard(settings, sha)
    assert not work.exists()


def test_ocr_slots_never_hand_out_more_than_the_workers() -> None:
    slots = Slots(2)
    acquired = threading.Event()

    def single_page() -> None:
        with slots.hold(1):
            acquired.set()

    with slots.hold(9) as taken:  # a long PDF takes every slot, not nine
        assert taken == 2 and slots.held == 2
        waiter = threading.Thread(target=single_page)
        waiter.start()
        assert not acquired.wait(0.3)  # a one-page scan waits while every core is busy
    assert acquired.wait(30)
    waiter.join()
    assert slots.held == 0
    with slots.hold(1), slots.hold(1):  # two one-page scans side by side
        assert slots.held == 2


def test_documents_in_flight_follow_the_cores_this_process_may_use() -> None:
    import os

    from sohoa.settings import usable_cores

    allowed = os.sched_getaffinity(0)
    try:
        os.sched_setaffinity(0, {min(allowed)})  # as under taskset or a container's cpuset
        assert usable_cores() == 1
    finally:
        os.sched_setaffinity(0, allowed)
    assert usable_cores() == len(allowed)


def test_only_object_store_catalog_and_tsa_errors_are_retried() -> None:
    from prefect.states import Failed

    from flows.ingest import is_transient

    def failed(error: Exception) -> bool:
        return is_transient(None, None, Failed(data=error))

    assert failed(StorageError("kho", "store")) and failed(CatalogError("db", "db"))
    assert failed(TimestampError("tsa", "tsa"))
    assert not failed(CorruptFileError("hỏng", "corrupt")) and not failed(SigningError("ký", "signing"))
    assert not failed(ValueError("bug"))
