"""``sohoa verify FILE_OR_DOCUMENT_ID``: what the command verifies and how it exits.

A target that names an existing file is verified as is. Anything else is a
document id: the stored signed PDF is fetched through ``storage`` (exactly the
version catalogued, read-back hash checked, the access audit-logged) and
verified against the catalog's extraction hash. Exit codes (``contract.md``):
valid 0, invalid 1, indeterminate 3; bad input 2 and not found 4 come from
the errors raised.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from sohoa.errors import CorruptFileError, ExitCode, FileNotFound, IntegrityError
from sohoa.model import Check, Verdict, VerificationReport
from sohoa.settings import Settings

from signing.verify import verify_pdf

_EXIT = {Verdict.VALID: ExitCode.OK, Verdict.INVALID: ExitCode.FAILURE, Verdict.INDETERMINATE: ExitCode.INDETERMINATE}


def verdict_exit_code(verdict: Verdict) -> ExitCode:
    return _EXIT[verdict]


def read_crls(paths: Sequence[Path]) -> list[bytes]:
    """The DER bytes of CRL files (DER or PEM) an auditor supplies for a verification ``at`` a later time.

    Each file must hold CRLs and nothing else: a wrong file is bad input, not an
    indeterminate verdict (the auditor would otherwise not learn why)."""
    from asn1crypto import crl, pem

    found: list[bytes] = []
    for path in paths:
        if not path.is_file():
            raise FileNotFound(f"Không tìm thấy tệp CRL {path}", f"CRL file not found: {path}")
        data = path.read_bytes()
        blobs = [der for _, _, der in pem.unarmor(data, multiple=True)] if pem.detect(data) else [data]
        try:
            for der in blobs:
                crl.CertificateList.load(der, strict=True).native  # parse it whole: fail here, not mid-validation
        except (ValueError, TypeError) as e:
            raise CorruptFileError(f"Tệp {path.name} không phải danh sách thu hồi (CRL)", f"{path.name} is not a CRL",
                                   detail=str(e)[:200]) from e
        found += blobs
    return found


def verify_target(
    target: str, settings: Settings, *, at: datetime | None = None, fresh_crls: Sequence[bytes] = ()
) -> VerificationReport:
    """Verify a signed PDF file, or a stored document by its id.

    ``at`` and ``fresh_crls`` are the auditor's validation time and the current CRLs
    they obtained for it, as in ``verify_pdf`` (years after signing: ``signing.longterm``)."""
    path = Path(target)
    if path.is_file():
        return verify_pdf(path, settings, at=at, fresh_crls=fresh_crls)
    if path.suffix.lower() == ".pdf" or "/" in target:
        raise FileNotFound(f"Không tìm thấy tệp {target}", f"file not found: {target}")
    return verify_stored(target, settings, at=at, fresh_crls=fresh_crls)


def verify_stored(
    document_id: str, settings: Settings, *, at: datetime | None = None, fresh_crls: Sequence[bytes] = ()
) -> VerificationReport:
    """Fetch a stored document and verify it against its catalog row."""
    from storage import open_storage

    with open_storage(settings) as store:
        expected = store.get(document_id).extraction_sha256
        try:
            data = store.signed_pdf_for_cli(document_id)
        except IntegrityError as e:  # the stored bytes are not what was catalogued: a verdict
            line = Check("stored_hash", False, "Tệp lưu trữ không khớp mã băm trong danh mục", f"stored file does not match the catalog hash ({e.detail})")
            return VerificationReport(Verdict.INVALID, (line,))
    with tempfile.TemporaryDirectory(prefix="sohoa-verify-") as tmp:
        pdf = Path(tmp) / f"{document_id}.pdf"
        pdf.write_bytes(data)
        return verify_pdf(pdf, settings, expected_extraction_sha256=expected, at=at, fresh_crls=fresh_crls)
