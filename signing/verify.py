"""Offline verification of a signed result document, for auditors.

``verify_pdf`` never fetches anything and never raises for a bad document: it
returns a ``VerificationReport`` whose checks say, in Vietnamese and English,
what holds and what does not. The signature is validated *at the time of its
signature timestamp* with the revocation data embedded in the document (DSS),
which is what lets a B-LT document be verified years after its OCSP responder
is gone. Document timestamps (B-LTA) are each validated at their own time.
Once the signature timestamp's own TSA certificate has expired, that is no
longer enough: ``signing.longterm`` then checks the archive evidence chain.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from datetime import datetime
from io import BytesIO
from pathlib import Path

from asn1crypto import x509
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import (
    EmbeddedPdfSignature,
    validate_pdf_signature,
    validate_pdf_timestamp,
)

from sohoa.errors import FileNotFound
from sohoa.model import Check, Verdict, VerificationReport
from sohoa.settings import Settings

from signing import checks
from signing.embed import extraction_evidence
from signing.evidence import EmbeddedEvidence, read_evidence
from signing.longterm import long_term_check, needs_long_term_check
from signing.sign import timestamp_time
from signing.speedups_verify import one_verification
from signing.trust import offline_context, trust_roots

# pyHanko logs each expected validation failure (revoked, untrusted...) as a
# warning with a traceback; the report already carries the reason.
logging.getLogger("pyhanko.sign.validation").setLevel(logging.ERROR)


def verify_pdf(
    path: Path,
    settings: Settings,
    expected_extraction_sha256: str | None = None,
    *,
    at: datetime | None = None,
    fresh_crls: Sequence[bytes] = (),
) -> VerificationReport:
    """Verify every aspect of a signed PDF; raise only if the file does not exist.

    ``at`` is the auditor's validation time (None = now). When it is given, or
    when the signature timestamp's TSA certificate has expired by then, a
    ``long_term`` line says whether the archive evidence (B-LTA) still holds;
    ``fresh_crls`` (DER) are current CRLs the auditor obtained for that check
    (see ``signing.longterm``).
    """
    if not path.is_file():
        raise FileNotFound(f"Không tìm thấy tệp {path}", f"file not found: {path}")
    data = path.read_bytes()
    sha256 = hashlib.sha256(data).hexdigest()
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        signatures = reader.embedded_regular_signatures
    except Exception as e:  # any parse failure of a damaged file is a verdict, not a crash
        return _unreadable(sha256, f"{type(e).__name__}: {e}")
    if not signatures:
        line = Check("signature", False, "Tài liệu không có chữ ký số", "the document carries no signature")
        return VerificationReport(Verdict.INVALID, (line,), sha256=sha256)
    roots = trust_roots(settings)
    evidence = _read_evidence(reader)
    sig = signatures[0]
    doc_timestamps = reader.embedded_timestamp_signatures  # re-parsed at every access: read once
    with one_verification():  # this document's repeated signing-certificate checks run once (speedups_verify)
        lines, signer, signed_at = _signature_lines(sig, roots, evidence)
        if at is not None or needs_long_term_check(sig, at):
            lines.append(long_term_check(sig, roots, at, fresh_crls))
        lines += _document_timestamp_lines(doc_timestamps, roots, evidence)
    extraction_line, embedded_sha = _extraction_line(path, expected_extraction_sha256)
    lines.append(extraction_line)
    return VerificationReport(
        verdict=checks.verdict_of(lines),
        checks=tuple(lines),
        signer=signer,
        signed_at=signed_at,
        timestamp_at=timestamp_time(sig),
        level=_level(sig, evidence, bool(doc_timestamps)),
        sha256=sha256,
        extraction_sha256=embedded_sha,
    )


def _signature_lines(
    sig: EmbeddedPdfSignature, roots: list[x509.Certificate], evidence: EmbeddedEvidence | None
) -> tuple[list[Check], str | None, datetime | None]:
    """Integrity, coverage, modifications, signer trust and timestamp of one signature."""
    moment = timestamp_time(sig)
    try:
        signer = str(sig.signer_cert.subject.native.get("common_name", ""))
    except Exception:  # a mangled CMS blob has no readable certificate
        signer = None
    try:
        context = offline_context(roots, moment, evidence)  # signer and its timestamp: same time, same data
        status = validate_pdf_signature(sig, signer_validation_context=context, ts_validation_context=context)
    except Exception as e:  # pyHanko raises for structurally broken signatures
        broken = Check("integrity", False, "Chữ ký hỏng, không kiểm tra được", f"signature is broken ({type(e).__name__}: {e})")
        return [broken], signer, moment
    lines = [
        checks.integrity_check(status),
        checks.coverage_check(status),
        checks.modification_check(status),
        checks.signer_check(status, "signer"),
        checks.timestamp_check(status.timestamp_validity),
    ]
    return lines, signer, moment or status.signer_reported_dt


def _document_timestamp_lines(
    timestamps: list[EmbeddedPdfSignature], roots: list[x509.Certificate], evidence: EmbeddedEvidence | None
) -> list[Check]:
    lines = []
    for index, ts in enumerate(timestamps, start=1):
        try:
            status = validate_pdf_timestamp(ts, validation_context=offline_context(roots, _doc_ts_time(ts), evidence))
            lines.append(checks.document_timestamp_check(index, status, None))
        except Exception as e:  # a broken token is a verdict
            lines.append(checks.document_timestamp_check(index, None, f"{type(e).__name__}: {e}"))
    return lines


def _doc_ts_time(ts: EmbeddedPdfSignature) -> datetime | None:
    content = ts.signed_data["encap_content_info"]["content"]
    return content.parsed["gen_time"].native


def _extraction_line(path: Path, expected: str | None) -> tuple[Check, str | None]:
    try:
        data, recorded = extraction_evidence(path)
    except Exception as e:  # unreadable attachments are a defect of the document
        return Check("extraction", False, "Không đọc được dữ liệu trích xuất", f"cannot read the embedded extraction ({e})"), None
    embedded = hashlib.sha256(data).hexdigest() if data is not None else None
    return checks.extraction_check(embedded, recorded, expected), embedded


def _read_evidence(reader: PdfFileReader) -> EmbeddedEvidence | None:
    try:
        return read_evidence(reader)
    except Exception:  # a damaged DSS: verify as if absent (revocation then cannot be decided)
        return None


def _level(sig: EmbeddedPdfSignature, evidence: EmbeddedEvidence | None, archived: bool) -> str:
    """The PAdES baseline level the document carries (B-B, B-T, B-LT, B-LTA)."""
    if timestamp_time(sig) is None:
        return "B-B"
    if evidence is None or not evidence.has_revocation_data:
        return "B-T"
    return "B-LTA" if archived else "B-LT"


def _unreadable(sha256: str, detail: str) -> VerificationReport:
    line = Check("readable", False, "Không đọc được tệp PDF (hỏng hoặc bị sửa)", f"the PDF cannot be read ({detail})")
    return VerificationReport(Verdict.INVALID, (line,), sha256=sha256)
