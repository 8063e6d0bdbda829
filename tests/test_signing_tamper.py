"""Tampering and untrustworthy signers: each case gives the right verdict and reason.

Verdicts follow ETSI EN 319 102-1: proven defects (changed bytes, changes
after signing, revoked or expired signer) are *invalid*; a chain or timestamp
that does not lead to a configured trust root is *indeterminate*.
"""

from __future__ import annotations

import asyncio
import shutil
from io import BytesIO
from pathlib import Path

import pikepdf
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import DocumentSecurityStore
from pyhanko_certvalidator.authority import AuthorityWithCert
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

from signing import sign_pdf, verify_pdf
from sohoa.model import VerificationReport, Verdict
from sohoa.settings import Settings
from tests.fixtures_signing import DevPkiFixture, sample_extraction


def _oks(report: VerificationReport) -> dict[str, bool | None]:
    return {c.name: c.ok for c in report.checks}


def _copy(src: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "doc.pdf"
    shutil.copy(src, dst)
    return dst


def _incremental(path: Path, change) -> None:  # change(writer) -> None
    with path.open("rb") as f:
        writer = IncrementalPdfFileWriter(BytesIO(f.read()), strict=False)
    change(writer)
    with path.open("wb") as out:
        writer.write(out)


def test_one_byte_change_is_invalid(signed_pdf: Path, pki_settings: Settings, tmp_path: Path) -> None:
    doc = _copy(signed_pdf, tmp_path)
    data = bytearray(doc.read_bytes())
    at = data.index(b"<sohoa:agency>") + len(b"<sohoa:agency>")  # inside the signed XMP stream
    data[at] ^= 0x01
    doc.write_bytes(bytes(data))
    report = verify_pdf(doc, pki_settings)
    assert report.verdict == Verdict.INVALID
    assert _oks(report)["integrity"] is False


def _add_annotation(writer: IncrementalPdfFileWriter) -> None:
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    note = generic.DictionaryObject({
        generic.pdf_name("/Type"): generic.pdf_name("/Annot"),
        generic.pdf_name("/Subtype"): generic.pdf_name("/Text"),
        generic.pdf_name("/Rect"): generic.ArrayObject([generic.NumberObject(n) for n in (50, 50, 80, 80)]),
        generic.pdf_name("/Contents"): generic.pdf_string("Đã duyệt (giả mạo)"),
    })  # fmt: skip
    page[generic.pdf_name("/Annots")] = generic.ArrayObject([writer.add_object(note)])
    writer.update_container(page)


def _add_page(writer: IncrementalPdfFileWriter) -> None:
    page = generic.DictionaryObject({
        generic.pdf_name("/Type"): generic.pdf_name("/Page"),
        generic.pdf_name("/MediaBox"): generic.ArrayObject([generic.NumberObject(n) for n in (0, 0, 595, 842)]),
        generic.pdf_name("/Resources"): generic.DictionaryObject(),
    })  # fmt: skip
    writer.insert_page(page)


def test_incremental_annotation_is_invalid(signed_pdf: Path, pki_settings: Settings, tmp_path: Path) -> None:
    doc = _copy(signed_pdf, tmp_path)
    _incremental(doc, _add_annotation)
    report = verify_pdf(doc, pki_settings)
    assert report.verdict == Verdict.INVALID, report.to_json()
    assert _oks(report)["integrity"] is True  # the signed revision itself is intact
    assert _oks(report)["modifications"] is False


def test_incremental_page_is_invalid(signed_pdf: Path, pki_settings: Settings, tmp_path: Path) -> None:
    doc = _copy(signed_pdf, tmp_path)
    _incremental(doc, _add_page)
    report = verify_pdf(doc, pki_settings)
    assert report.verdict == Verdict.INVALID
    assert _oks(report)["modifications"] is False
    assert "modified after signing" in next(c.en for c in report.checks if c.name == "modifications")


def _replace_attachment(writer: IncrementalPdfFileWriter) -> None:
    spec = writer.root["/AF"][0].get_object()
    forged = generic.StreamObject(
        {generic.pdf_name("/Type"): generic.pdf_name("/EmbeddedFile")}, stream_data=b'{"doc_type":"other"}'
    )
    ef = spec["/EF"]
    ef[generic.pdf_name("/F")] = writer.add_object(forged)
    ef[generic.pdf_name("/UF")] = ef[generic.pdf_name("/F")]
    writer.update_container(spec)


def test_replaced_attachment_is_invalid(signed_pdf: Path, pki_settings: Settings, tmp_path: Path) -> None:
    doc = _copy(signed_pdf, tmp_path)
    _incremental(doc, _replace_attachment)
    report = verify_pdf(doc, pki_settings, expected_extraction_sha256=sample_extraction().sha256())
    assert report.verdict == Verdict.INVALID
    oks = _oks(report)
    assert oks["modifications"] is False
    assert oks["extraction"] is False


def test_rewritten_attachment_breaks_the_signature(signed_pdf: Path, pki_settings: Settings, tmp_path: Path) -> None:
    """A full rewrite (not an incremental update) with a forged attachment."""
    doc = tmp_path / "rewritten.pdf"
    with pikepdf.open(signed_pdf) as pdf:
        pdf.attachments["extraction.json"] = pikepdf.AttachedFileSpec(pdf, b'{"doc_type":"other"}', filename="extraction.json")
        pdf.save(doc)
    report = verify_pdf(doc, pki_settings)
    assert report.verdict == Verdict.INVALID


def test_catalog_hash_mismatch_is_invalid(signed_pdf: Path, pki_settings: Settings) -> None:
    report = verify_pdf(signed_pdf, pki_settings, expected_extraction_sha256="0" * 64)
    assert report.verdict == Verdict.INVALID
    assert _oks(report) == {**_oks(report), "extraction": False, "integrity": True}


def test_resigned_by_key_outside_trust_roots_is_indeterminate(
    result_pdf: Path, dev_pki: DevPkiFixture, pki_settings: Settings, tmp_path: Path
) -> None:
    forger = dev_pki.signing_settings(pki_settings, signer="outsider-signer", signature_level="B-T")
    forged = sign_pdf(result_pdf, tmp_path / "forged.pdf", forger)
    assert forged.signer == "Nguyễn Văn An"  # same name, different key and CA
    report = verify_pdf(forged.pdf_path, pki_settings)
    assert report.verdict == Verdict.INDETERMINATE
    line = next(c for c in report.checks if c.name == "signer_trust")
    assert line.ok is None and "trust root" in line.en


def test_timestamp_from_untrusted_tsa_is_indeterminate(
    result_pdf: Path, dev_pki: DevPkiFixture, pki_settings: Settings, tmp_path: Path
) -> None:
    settings = pki_settings.model_copy(update={"tsa_url": dev_pki.pki.tsa_url("outsider-tsa"), "signature_level": "B-T"})
    signed = sign_pdf(result_pdf, tmp_path / "badts.pdf", settings)
    report = verify_pdf(signed.pdf_path, pki_settings)
    assert report.verdict == Verdict.INDETERMINATE
    line = next(c for c in report.checks if c.name == "timestamp")
    assert line.ok is None and "timestamp certificate does not chain" in line.en


def test_expired_signer_is_invalid(
    result_pdf: Path, dev_pki: DevPkiFixture, pki_settings: Settings, tmp_path: Path
) -> None:
    """officer-expired was valid 2020-2021 only; the timestamp proves it signed long after."""
    settings = dev_pki.signing_settings(pki_settings, signer="officer-expired", signature_level="B-T")
    signed = sign_pdf(result_pdf, tmp_path / "expired.pdf", settings)
    _embed_live_revinfo(signed.pdf_path, dev_pki, "officer-expired")
    report = verify_pdf(signed.pdf_path, pki_settings)
    assert report.verdict == Verdict.INVALID
    line = next(c for c in report.checks if c.name == "signer_trust")
    assert line.ok is False and "expired" in line.en


def _embed_live_revinfo(path: Path, dev_pki: DevPkiFixture, label: str) -> str:
    """Fetch what a B-LT signer would embed from the real responders; store it in the DSS.

    The OCSP answer about ``label`` and the root's CRL (covering the agency CA
    and the TSA) come over HTTP from the animator. Returns the OCSP status.
    """
    pem = dev_pki.pki.cert_pem
    cert, agency, tsa = (load_cert_from_pemder(str(pem(x))) for x in (label, "agency-ca", "tsa"))
    fetchers = RequestsFetcherBackend().get_fetchers()
    response = asyncio.run(fetchers.ocsp_fetcher.fetch(cert, AuthorityWithCert(agency)))
    crls = asyncio.run(fetchers.crl_fetcher.fetch(agency))
    status = response["response_bytes"]["response"].parsed["tbs_response_data"]["responses"][0]["cert_status"].name
    with path.open("rb") as f:
        contents = PdfFileReader(f).embedded_regular_signatures[0].pkcs7_content
    data = BytesIO(path.read_bytes())
    DocumentSecurityStore.add_dss(data, contents, certs=[agency, tsa], ocsps=[response], crls=list(crls))
    path.write_bytes(data.getvalue())
    return status


def test_revoked_signer_is_invalid(
    result_pdf: Path, dev_pki: DevPkiFixture, pki_settings: Settings, tmp_path: Path
) -> None:
    """officer-revoked (since 2025-01-01) signs at B-T; the live OCSP answer is embedded."""
    settings = dev_pki.signing_settings(pki_settings, signer="officer-revoked", signature_level="B-T")
    signed = sign_pdf(result_pdf, tmp_path / "revoked.pdf", settings)
    assert _embed_live_revinfo(signed.pdf_path, dev_pki, "officer-revoked") == "revoked"
    report = verify_pdf(signed.pdf_path, pki_settings)
    assert report.verdict == Verdict.INVALID, report.to_json()
    line = next(c for c in report.checks if c.name == "signer_trust")
    assert line.ok is False and "revoked" in line.en


def test_garbage_file_is_invalid_not_an_exception(pki_settings: Settings, tmp_path: Path) -> None:
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    report = verify_pdf(junk, pki_settings)
    assert report.verdict == Verdict.INVALID
