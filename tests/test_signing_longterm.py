"""An auditor years later: after the signer's and the TSA's certificates have expired.

The documents are signed today with the session PKI: the signature timestamp
comes from ``tsa`` (certificate valid to 2050), the officer's certificate ends
in 2050 too. They are verified in June 2052 (``verify_pdf(at=...)``), offline,
with the one thing an auditor would fetch then: the current CRL of the root CA,
generated for 2052 by certomancer in process (time travel; the animator is not
asked). A B-LTA document whose archive timestamp was renewed in time with
``archive-tsa`` (valid to 2059) still validates; B-LT does not.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from certomancer.registry import ServiceLabel

from signing import retimestamp, sign_pdf, verify_pdf
from signing.devpki import load_architecture
from sohoa.model import VerificationReport, Verdict
from sohoa.settings import load_settings
from tests.cli_run import run_sohoa
from tests.fixtures_signing import DevPkiFixture

AUDIT = datetime(2052, 6, 1, tzinfo=UTC)


def _line(report: VerificationReport, name: str) -> bool | None:
    return next(c.ok for c in report.checks if c.name == name)


@pytest.fixture(scope="module")
def archive(result_pdf: Path, dev_pki: DevPkiFixture, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """B-LT, B-LTA as signed, and B-LTA renewed with the archive TSA; all signed today."""
    base = tmp_path_factory.mktemp("longterm")
    settings = dev_pki.signing_settings(load_settings(var_dir=base / "var"))
    lta = settings.model_copy(update={"signature_level": "B-LTA"})
    docs = {
        "B-LT": sign_pdf(result_pdf, base / "lt.pdf", settings).pdf_path,
        "B-LTA": sign_pdf(result_pdf, base / "lta.pdf", lta).pdf_path,
        "renewed": sign_pdf(result_pdf, base / "renewed.pdf", lta).pdf_path,
    }
    retimestamp(docs["renewed"], settings.model_copy(update={"tsa_url": dev_pki.pki.tsa_url("archive-tsa")}))
    return docs


@pytest.fixture(scope="module")
def crls_2052(dev_pki: DevPkiFixture) -> list[bytes]:
    """The root CA's CRL as published in June 2052 (covers tsa and archive-tsa)."""
    registry = load_architecture(dev_pki.pki).service_registry
    return [registry.get_crl(ServiceLabel("root"), at_time=AUDIT).dump()]


def test_today_every_level_is_valid_without_long_term_line(archive: dict[str, Path], pki_settings) -> None:
    for path in archive.values():
        report = verify_pdf(path, pki_settings)
        assert report.verdict == Verdict.VALID, report.to_json()
        assert "long_term" not in {c.name for c in report.checks}


def test_b_lt_is_indeterminate_after_tsa_expiry(archive: dict[str, Path], pki_settings, crls_2052) -> None:
    report = verify_pdf(archive["B-LT"], pki_settings, at=AUDIT, fresh_crls=crls_2052)
    assert report.verdict == Verdict.INDETERMINATE, report.to_json()
    assert _line(report, "long_term") is None
    assert "NO_POE" in next(c.en for c in report.checks if c.name == "long_term")
    assert _line(report, "integrity") is True  # the bytes are intact: only the evidence has aged


def test_b_lta_not_renewed_is_indeterminate(archive: dict[str, Path], pki_settings, crls_2052) -> None:
    """Its only archive timestamp is by ``tsa`` too: expired in 2050, protected by nothing newer."""
    report = verify_pdf(archive["B-LTA"], pki_settings, at=AUDIT, fresh_crls=crls_2052)
    assert report.verdict == Verdict.INDETERMINATE, report.to_json()
    assert _line(report, "long_term") is None


def test_renewed_b_lta_still_validates(archive: dict[str, Path], pki_settings, crls_2052) -> None:
    report = verify_pdf(archive["renewed"], pki_settings, at=AUDIT, fresh_crls=crls_2052)
    assert report.verdict == Verdict.VALID, report.to_json()
    assert _line(report, "long_term") is True and _line(report, "document_timestamp_2") is True


def test_renewed_b_lta_needs_current_revocation_data(archive: dict[str, Path], pki_settings) -> None:
    """Offline with only the 2026 data in the document, the newest archive TSA's status in 2052 is unknown."""
    report = verify_pdf(archive["renewed"], pki_settings, at=AUDIT)
    assert report.verdict == Verdict.INDETERMINATE, report.to_json()
    assert _line(report, "long_term") is None


def test_cli_verifies_years_later_with_the_auditors_crl(archive: dict[str, Path], pki_settings, crls_2052,
                                                        tmp_path: Path) -> None:
    """``sohoa verify --at --crl``: the same verdicts from the command line, exit codes per the contract."""
    crl = tmp_path / "root-2052.crl"
    crl.write_bytes(crls_2052[0])
    renewed = run_sohoa(pki_settings, "verify", archive["renewed"], "--at", "2052-06-01", "--crl", crl)
    assert renewed.returncode == 0, renewed.stderr
    assert run_sohoa(pki_settings, "verify", archive["B-LT"], "--at", "2052-06-01", "--crl", crl).returncode == 3
    assert run_sohoa(pki_settings, "verify", archive["renewed"], "--at", "2052-06-01").returncode == 3
    assert run_sohoa(pki_settings, "verify", archive["renewed"], "--at", "June 2052").returncode == 2
    not_a_crl = run_sohoa(pki_settings, "verify", archive["renewed"], "--at", "2052-06-01", "--crl", archive["B-LT"])
    assert not_a_crl.returncode == 2 and "is not a CRL" in not_a_crl.stderr
