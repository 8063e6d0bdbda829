"""The validation data a signed document carries in its DSS: certificates, OCSP responses, CRLs.

Read with a per-process memo keyed by the exact DER bytes: documents of one
batch carry the same certificates and (reused for a minute while signing) the
same OCSP responses and CRLs, so each distinct blob is parsed once, and the
parsed objects keep what asn1crypto computes lazily — above all the normalised
names (RFC 4518 string preparation) that path building compares, which was a
large share of a verification. Identical bytes mean an identical object, so the
memo cannot change a verdict.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from asn1crypto import crl, ocsp, x509
from pyhanko.pdf_utils.decode_limits import DecodePurpose
from pyhanko.pdf_utils.reader import PdfFileReader

MEMO_SIZE = 512  # distinct blobs kept parsed (a few KB each)


@dataclass(frozen=True)
class EmbeddedEvidence:
    """The DSS contents of a document, parsed."""

    certs: tuple[x509.Certificate, ...]
    ocsps: tuple[ocsp.OCSPResponse, ...]
    crls: tuple[crl.CertificateList, ...]

    @property
    def has_revocation_data(self) -> bool:
        return bool(self.ocsps or self.crls)


def read_evidence(reader: PdfFileReader) -> EmbeddedEvidence | None:
    """The document's DSS, or None when it has none. Raises on a damaged DSS (caller decides)."""
    dss = reader.root.get("/DSS")
    if dss is None:
        return None
    dss = dss.get_object()
    return EmbeddedEvidence(
        certs=tuple(_load(x509.Certificate, der) for der in _blobs(dss, "/Certs", DecodePurpose.CERTIFICATE)),
        ocsps=tuple(_load(ocsp.OCSPResponse, der) for der in _blobs(dss, "/OCSPs", DecodePurpose.OCSP_RESPONSE)),
        crls=tuple(_load(crl.CertificateList, der) for der in _blobs(dss, "/CRLs", DecodePurpose.CRL)),
    )


def _blobs(dss: Any, key: str, purpose: DecodePurpose) -> list[bytes]:
    refs = dss.get(key)
    if refs is None:
        return []
    return [ref.get_object().read_data(purpose) for ref in refs.get_object()]


@lru_cache(maxsize=MEMO_SIZE)
def _load(kind: type, der: bytes) -> Any:
    return kind.load(der)
