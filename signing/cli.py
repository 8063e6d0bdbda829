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
from pathlib import Path

from sohoa.errors import ExitCode, FileNotFound, IntegrityError
from sohoa.model import Check, Verdict, VerificationReport
from sohoa.settings import Settings

from signing.verify import verify_pdf

_EXIT = {Verdict.VALID: ExitCode.OK, Verdict.INVALID: ExitCode.FAILURE, Verdict.INDETERMINATE: ExitCode.INDETERMINATE}


def verdict_exit_code(verdict: Verdict) -> ExitCode:
    return _EXIT[verdict]


def verify_target(target: str, settings: Settings) -> VerificationReport:
    """Verify a signed PDF file, or a stored document by its id."""
    path = Path(target)
    if path.is_file():
        return verify_pdf(path, settings)
    if path.suffix.lower() == ".pdf" or "/" in target:
        raise FileNotFound(f"Không tìm thấy tệp {target}", f"file not found: {target}")
    return verify_stored(target, settings)


def verify_stored(document_id: str, settings: Settings) -> VerificationReport:
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
        return verify_pdf(pdf, settings, expected_extraction_sha256=expected)
