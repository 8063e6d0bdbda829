"""A signed PDF's newest timestamp: when it was made, and until when the TSA certificate behind it is valid.

The re-timestamp flow decides with these two facts whether a document's
evidence chain needs a new archive timestamp (ETSI EN 319 142-1 B-LTA): before
the newest timestamp's TSA certificate expires, and before its algorithms age.
The PDF is only read here (pyHanko, no validation — ``signing.verify_pdf`` is
the auditor's check); the newest of the signature timestamps and document
timestamps counts. Times are UTC.

It lives in ``signing`` (not ``flows``) because reading timestamp tokens and
asking the TSA are signing concerns; ``flows.maintenance`` only decides and
schedules.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import datetime
from pathlib import Path

from asn1crypto import cms
from pyhanko.pdf_utils.misc import PdfReadError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.general import extract_certificate_info
from pyhanko.sign.validation import EmbeddedPdfSignature
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter

from sohoa.errors import CorruptFileError, SigningError, TimestampError
from sohoa.model import ArchiveTimestamp
from sohoa.settings import Settings

from signing.trust import timestamper


def gen_time(token: cms.SignedData) -> datetime:
    """When the TSA made the RFC 3161 ``token`` (its TSTInfo's genTime, UTC)."""
    return token["encap_content_info"]["content"].parsed["gen_time"].native


def signature_timestamp_time(signer_info: cms.SignerInfo) -> datetime | None:
    """genTime of the signature timestamp in ``signer_info``'s unsigned attributes, or None (B-B)."""
    return next((gen_time(token) for token in extract_tst_data_iter(signer_info, signed=False)), None)


def token_timestamp(token: cms.SignedData) -> ArchiveTimestamp:
    """The genTime of an RFC 3161 token and the expiry of the TSA certificate that signed it."""
    return ArchiveTimestamp(gen_time(token), extract_certificate_info(token).signer_cert.not_valid_after)


def _signature_timestamps(sig: EmbeddedPdfSignature) -> list[ArchiveTimestamp]:
    return [token_timestamp(token) for token in extract_tst_data_iter(sig.signer_info, signed=False)]


def newest_timestamp(path: Path) -> ArchiveTimestamp:
    """The newest timestamp in the signed PDF at ``path``.

    ``CorruptFileError`` when the PDF cannot be read; ``SigningError`` when it
    carries no timestamp at all (a B-B signature cannot be archived this way)."""
    try:
        with path.open("rb") as f:
            reader = PdfFileReader(f, strict=False)
            found = [token_timestamp(sig.signed_data) for sig in reader.embedded_timestamp_signatures]
            for sig in reader.embedded_regular_signatures:
                found += _signature_timestamps(sig)
    except (PdfReadError, ValueError, KeyError, TypeError) as e:
        raise CorruptFileError("Không đọc được dấu thời gian trong PDF", "Cannot read the PDF's timestamps",
                               detail=str(e)[:200]) from e
    if not found:
        raise SigningError("Tài liệu không có dấu thời gian", "The document carries no timestamp", detail=str(path))
    return max(found, key=lambda stamp: stamp.at)


def current_tsa(settings: Settings) -> ArchiveTimestamp:
    """A fresh token from the configured TSA (the development TSA by default): now, and until when
    the TSA's current certificate is valid — what a re-timestamp made today would carry.

    It goes through the same TSA client as signing (``signing.trust.timestamper``: one kept-alive
    session per thread), so the answer is about the very TSA a re-timestamp would use."""
    from pyhanko.sign.timestamps.common_utils import TimestampRequestError

    digest = hashlib.sha256(b"sohoa: which TSA certificate stamps today").digest()
    try:
        token = asyncio.run(timestamper(settings).async_timestamp(digest, "sha256"))
    except (TimestampRequestError, OSError) as e:
        raise TimestampError("Dịch vụ dấu thời gian không trả lời", "The TSA did not answer", detail=str(e)[:200]) from e
    return token_timestamp(token["content"])
