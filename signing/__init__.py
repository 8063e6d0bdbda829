"""signing: the result document, PAdES signing and offline verification for auditors.

Public face (``docs/architecture.md``): ``build_result_pdf``, ``sign_pdf``,
``verify_pdf``, ``read_embedded_extraction``, ``sign_detached``,
``verify_detached``, ``retimestamp``; ``signing.devpki`` (development PKI) and
``signing.cli`` (``sohoa verify``).
"""

from signing.detached import sign_detached, verify_detached
from signing.embed import build_result_pdf, read_embedded_extraction
from signing.sign import retimestamp, sign_pdf
from signing.verify import verify_pdf

__all__ = [
    "build_result_pdf",
    "read_embedded_extraction",
    "retimestamp",
    "sign_detached",
    "sign_pdf",
    "verify_detached",
    "verify_pdf",
]
