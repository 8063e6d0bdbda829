"""signing: the result document, PAdES signing and offline verification for auditors.

Public face (``docs/architecture.md``): ``build_result_pdf``, ``sign_pdf``,
``verify_pdf``, ``read_embedded_extraction``, ``sign_detached``,
``verify_detached``, ``retimestamp``; ``signing.devpki`` (development PKI) and
``signing.cli`` (``sohoa verify``).
"""

from signing import speedups

speedups.install()  # before any signature is parsed (see speedups.py: same results, less CPU)

from signing.detached import sign_detached, verify_detached  # noqa: E402
from signing.embed import build_result_pdf, read_embedded_extraction  # noqa: E402
from signing.sign import retimestamp, sign_pdf  # noqa: E402
from signing.verify import verify_pdf  # noqa: E402

__all__ = [
    "build_result_pdf",
    "read_embedded_extraction",
    "retimestamp",
    "sign_detached",
    "sign_pdf",
    "verify_detached",
    "verify_pdf",
]
