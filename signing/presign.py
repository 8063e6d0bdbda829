"""Reusing pyHanko's pre-signing validation across the documents of a batch.

Before each B-LT signature pyHanko validates the signer's certificate chain and
the TSA's (a dummy timestamp tells it the TSA chain), with revocation checks,
to collect what goes into the DSS: ~15 % of a signature's CPU, and the same
answer for every document signed within the signing context's revocation
window (``trust.REVINFO_REUSE_SECONDS``), whose OCSP responses and CRLs it
reuses anyway. ``BatchPdfSigner`` keeps that result per thread, keyed by signer
certificate and TSA, and reuses it only while the *same* signing context
object is in use: when the context expires, validation runs afresh.

B-LTA signatures are not reused: their pre-signing step also looks at the
document's own earlier timestamps.
"""

from __future__ import annotations

import threading
from collections.abc import Awaitable, Callable
from typing import Any

from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.signers.pdf_signer import PdfSigningSession, PreSignValidationStatus
from pyhanko_certvalidator import ValidationContext

_RESULTS = threading.local()
Presign = Callable[..., Awaitable[PreSignValidationStatus | None]]


class BatchPdfSigner(signers.PdfSigner):
    """``PdfSigner`` whose sessions reuse the thread's last pre-signing validation for the same context."""

    def init_signing_session(self, pdf_out: BasePdfFileWriter, existing_fields_only: bool = False) -> PdfSigningSession:
        session = super().init_signing_session(pdf_out, existing_fields_only=existing_fields_only)
        meta = self.signature_meta
        cert = self.signer.signing_cert
        if meta.embed_validation_info and not meta.use_pades_lta and meta.validation_context and cert is not None:
            tsa = getattr(self.default_timestamper, "url", None)
            key = (cert.sha256, tsa)
            session.perform_presign_validation = _reusing(session.perform_presign_validation, meta.validation_context, key)
        return session


def _reusing(compute: Presign, context: ValidationContext, key: tuple[bytes, Any]) -> Presign:
    """``compute`` (a session's own pre-signing validation), answered from this thread's memo when possible."""

    async def perform_presign_validation(pdf_out: BasePdfFileWriter | None = None) -> PreSignValidationStatus | None:
        memo: dict[tuple[bytes, Any], tuple[ValidationContext, PreSignValidationStatus | None]]
        memo = _RESULTS.__dict__.setdefault("memo", {})
        hit = memo.get(key)
        if hit is not None and hit[0] is context:
            return hit[1]
        status = await compute(pdf_out)
        memo[key] = (context, status)
        return status

    return perform_presign_validation
