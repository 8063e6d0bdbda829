"""PAdES signing of result documents, and re-timestamping of archives.

Levels (``settings.signature_level``), per ETSI EN 319 142-1:

* ``B-T``: CMS signature plus an RFC 3161 signature timestamp;
* ``B-LT`` (default): B-T plus the OCSP responses, CRLs and certificates needed
  to validate it offline, in the document security store (DSS);
* ``B-LTA``: B-LT plus a document timestamp covering the DSS.

Signatures are invisible by default (the Decree 30 convention for electronic
copies; ``settings.signature_visible`` adds a stamp, see ``stamp.py``) and
added as an incremental update, so the PDF/A-3b content before them is kept
byte for byte. The output is written next to ``dst`` and renamed into place,
so a failure never leaves a half-signed file.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers.pdf_signer import PdfTimeStamper
from pyhanko.sign.validation import EmbeddedPdfSignature

from sohoa.errors import CorruptFileError, FileNotFound, SigningError, TimestampError
from sohoa.logs import get_logger
from sohoa.model import SignedDocument, sha256_file
from sohoa.settings import Settings

from signing.embed import extraction_sha256_of
from signing.presign import BatchPdfSigner
from signing.signers import open_signer, signer_name
from signing.stamp import stamp_options
from signing.timestamps import signature_timestamp_time
from signing.trust import signing_context, timestamper

log = get_logger(__name__)

FIELD_NAME = "SohoaSignature"
# Hex digits reserved for the CMS blob (signer chain + timestamp token with the
# TSA chain; revocation data goes to the DSS): ~13,500 with the development PKI.
# Reserving skips pyHanko's dry-run signature (a second CMS per document); a
# blob that does not fit is signed again with pyHanko's own estimate. Kept
# tight because every verification parses these digits.
BYTES_RESERVED = 16 * 1024
REASON = "Bản sao điện tử có chữ ký số / certified electronic copy"


def signature_metadata(settings: Settings, name: str) -> signers.PdfSignatureMetadata:
    """pyHanko's signature description for the configured PAdES level."""
    level = settings.signature_level
    return signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        name=name,
        reason=REASON,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        embed_validation_info=level in ("B-LT", "B-LTA"),
        use_pades_lta=level == "B-LTA",
        validation_context=signing_context(settings) if level != "B-T" else None,
    )


def sign_pdf(src: Path, dst: Path, settings: Settings) -> SignedDocument:
    """Sign ``src`` into ``dst`` at ``settings.signature_level``; return what was signed.

    Raises ``SigningError`` (e.g. the signer is revoked or expired, so no
    revocation data can vouch for it), ``TimestampError`` when the TSA fails,
    ``CorruptFileError`` for an unreadable input.
    """
    if not src.is_file():
        raise FileNotFound(f"Không tìm thấy tệp {src}", f"file not found: {src}")
    tmp = dst.with_name(f".{dst.name}.{os.getpid()}.part")
    stamper = timestamper(settings)
    with open_signer(settings) as signer:
        name = signer_name(signer)
        pdf_signer = BatchPdfSigner(
            signature_metadata(settings, name), signer=signer, timestamper=stamper,
            **stamp_options(settings, FIELD_NAME),
        )  # fmt: skip
        try:
            _write_signed(pdf_signer, src, tmp)
        except Exception as e:
            tmp.unlink(missing_ok=True)
            raise _signing_error(e) from e
    tmp.replace(dst)
    signed = SignedDocument(
        pdf_path=dst,
        sha256=sha256_file(dst),
        extraction_sha256=extraction_sha256_of(src) or "",
        signer=name,
        signed_at=stamper.first_time or signature_time(dst),
        level=settings.signature_level,
    )
    log.info("signing.signed", path=str(dst), level=signed.level, signer=name)
    return signed


def _write_signed(pdf_signer: signers.PdfSigner, src: Path, out: Path) -> None:
    """Sign into ``out`` with ``BYTES_RESERVED``; if the CMS does not fit, once more with pyHanko's estimate."""
    for reserved in (BYTES_RESERVED, None):
        try:
            with src.open("rb") as inf, out.open("wb") as outf:
                pdf_signer.sign_pdf(IncrementalPdfFileWriter(inf, strict=False), output=outf, bytes_reserved=reserved)
            return
        except PyHankoSigningError as e:
            if reserved is None or "larger than expected" not in str(e):
                raise


def retimestamp(path: Path, settings: Settings) -> Path:
    """Add revocation data for the newest timestamp and a new document timestamp (B-LTA).

    For archives: run before the last timestamp's TSA certificate expires or its
    algorithms weaken; each run extends the evidence chain. Updates ``path``
    in place by an incremental update and returns it.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    stamper = PdfTimeStamper(timestamper(settings))
    try:
        with path.open("rb") as inf, tmp.open("wb") as outf:
            stamper.update_archival_timestamp_chain(
                PdfFileReader(inf, strict=False), signing_context(settings), in_place=False, output=outf
            )
    except Exception as e:
        tmp.unlink(missing_ok=True)
        raise _signing_error(e) from e
    tmp.replace(path)
    log.info("signing.retimestamped", path=str(path))
    return path


def signature_time(path: Path) -> datetime:
    """Time of the first signature's timestamp token (UTC); the claimed time if it has none."""
    with path.open("rb") as f:
        sig = PdfFileReader(f, strict=False).embedded_regular_signatures[0]
        return timestamp_time(sig) or sig.self_reported_timestamp or datetime.now(UTC)


def timestamp_time(sig: EmbeddedPdfSignature) -> datetime | None:
    """``genTime`` of the signature's RFC 3161 timestamp token (unsigned attribute), or None."""
    return signature_timestamp_time(sig.signer_info)


def _signing_error(e: Exception) -> Exception:
    """Translate pyHanko and network errors into sohoa's (bilingual) errors."""
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError

    if isinstance(e, TimestampRequestError):
        return TimestampError("Dịch vụ dấu thời gian không trả lời đúng", "the TSA request failed", detail=str(e))
    if isinstance(e, PdfReadError):
        return CorruptFileError("Tệp PDF hỏng, không ký được", "the PDF is corrupt and cannot be signed", detail=str(e))
    return SigningError(
        "Ký số thất bại (chứng thư bị thu hồi, hết hạn hoặc không kiểm tra được?)",
        "signing failed (certificate revoked, expired or unverifiable?)",
        detail=f"{type(e).__name__}: {e}",
    )
