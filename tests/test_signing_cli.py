"""``sohoa sign`` / ``sohoa verify`` as a user runs them, and verification of a stored document."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest

from signing import sign_pdf
from signing.cli import verdict_exit_code, verify_target
from sohoa.errors import ExitCode, FileNotFound
from sohoa.model import DocumentMeta, Verdict
from sohoa.settings import Settings
from tests.cli_run import run_sohoa
from tests.fixtures_signing import DevPkiFixture, sample_extraction


def test_cli_sign_then_verify_valid_with_json_report(result_pdf: Path, pki_settings: Settings, tmp_path: Path) -> None:
    signed = tmp_path / "signed.pdf"
    sign = run_sohoa(pki_settings, "sign", result_pdf, signed)
    assert sign.returncode == 0, sign.stderr
    report_path = tmp_path / "report.json"
    verify = run_sohoa(pki_settings, "verify", signed, "--json", report_path)
    assert verify.returncode == 0, verify.stderr
    report = json.loads(report_path.read_text())
    assert report["verdict"] == "valid" and report["level"] == "B-LT"
    assert "Kết luận / verdict: valid" in verify.stderr


def test_cli_verify_exit_codes(signed_pdf: Path, result_pdf: Path, pki_settings: Settings, tmp_path: Path) -> None:
    tampered = tmp_path / "tampered.pdf"
    data = bytearray(signed_pdf.read_bytes())
    data[data.index(b"<sohoa:docType>") + len(b"<sohoa:docType>")] ^= 0x01
    tampered.write_bytes(bytes(data))
    assert run_sohoa(pki_settings, "verify", tampered).returncode == 1
    bt = sign_pdf(result_pdf, tmp_path / "bt.pdf", pki_settings.model_copy(update={"signature_level": "B-T"}))
    assert run_sohoa(pki_settings, "verify", bt.pdf_path).returncode == 3
    assert run_sohoa(pki_settings, "verify", tmp_path / "missing.pdf").returncode == 2


def test_verdict_exit_codes() -> None:
    assert [verdict_exit_code(v) for v in Verdict] == [ExitCode.OK, ExitCode.FAILURE, ExitCode.INDETERMINATE]


def test_missing_file_target_is_bad_input(pki_settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(FileNotFound):
        verify_target(str(tmp_path / "x.pdf"), pki_settings)


def test_verify_stored_document_by_id(
    signed_pdf: Path, dev_pki: DevPkiFixture, settings: Settings, tmp_path: Path
) -> None:
    """A document stored through ``storage`` verifies by id against its catalog row."""
    from storage import open_storage

    settings = dev_pki.signing_settings(settings)
    pdf = tmp_path / "stored.pdf"
    shutil.copy(signed_pdf, pdf)
    from signing.sign import signature_time
    from sohoa.model import SignedDocument

    extraction = sample_extraction()
    signed = SignedDocument(pdf, hashlib.sha256(pdf.read_bytes()).hexdigest(), extraction.sha256(),
                            "Nguyễn Văn An", signature_time(pdf), "B-LT")  # fmt: skip
    with open_storage(settings) as store:
        stored = store.store_signed(signed, extraction, DocumentMeta(procedure_code="1.001612"), "a" * 64)
    report = verify_target(stored.id, settings)
    assert report.verdict == Verdict.VALID, report.to_json()
    assert report.extraction_sha256 == extraction.sha256()
