"""Trust configuration: trust anchors, the TSA, and validation contexts.

Production trust is configuration only (``settings.trust_roots``,
``settings.tsa_url``); when either is empty the development PKI fills it in.
Two kinds of validation context exist on purpose:

* ``signing_context`` fetches OCSP responses and CRLs online, so a B-LT
  signature can embed them;
* ``offline_context`` never fetches: verification years later must rest only
  on what the document carries (its DSS) and the configured trust anchors.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime

from asn1crypto import cms, x509
from pyhanko.keys import load_cert_from_pemder
from pyhanko.sign.timestamps.common_utils import dummy_digest
from pyhanko.sign.timestamps.requests_client import HTTPTimeStamper
from pyhanko.sign.validation import DocumentSecurityStore
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

from sohoa.errors import ConfigurationError
from sohoa.settings import Settings

HTTP_TIMEOUT = 10  # seconds, for the TSA and revocation fetches while signing


def trust_roots(settings: Settings) -> list[x509.Certificate]:
    """The configured trust anchors, or the development root CA."""
    paths = settings.trust_roots
    if not paths:
        from signing.devpki import ensure_dev_pki

        paths = (ensure_dev_pki(settings).trust_root,)
    try:
        return [load_cert_from_pemder(str(p)) for p in paths]
    except (OSError, ValueError) as e:
        raise ConfigurationError(
            "Không đọc được chứng thư gốc tin cậy", "cannot read a trust root certificate", detail=str(e)
        ) from e


def tsa_url(settings: Settings) -> str:
    """The RFC 3161 time-stamping service, or the development TSA."""
    if settings.tsa_url:
        return settings.tsa_url
    from signing.devpki import ensure_dev_pki

    return ensure_dev_pki(settings).tsa_url()


class RecordingTimeStamper(HTTPTimeStamper):
    """RFC 3161 client that remembers the time of the first real token it obtained.

    That token is the signature timestamp: its ``genTime`` is the
    signing time reported without re-reading the signed file. It runs over
    ``requests`` because pyHanko's sync calls start a fresh event loop each
    time, which would make an aiohttp session per call.
    """

    first_time: datetime | None = None

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> cms.ContentInfo:
        token = await super().async_timestamp(message_digest, md_algorithm)
        # pyHanko first stamps the digest of nothing to learn the TSA's chain: not the signature's
        if self.first_time is None and message_digest != dummy_digest(md_algorithm):
            self.first_time = token["content"]["encap_content_info"]["content"].parsed["gen_time"].native
        return token


_TIMESTAMPERS = threading.local()


def timestamper(settings: Settings) -> RecordingTimeStamper:
    """The TSA client of this thread for the configured URL, its recorded time cleared.

    Kept per thread so pyHanko's probe token (stamped once to learn the TSA's
    certificate chain) is not requested again for every document.
    """
    url = tsa_url(settings)
    clients: dict[str, RecordingTimeStamper] = _TIMESTAMPERS.__dict__.setdefault("clients", {})
    client = clients.get(url)
    if client is None:
        client = clients[url] = RecordingTimeStamper(url, timeout=HTTP_TIMEOUT)
    client.first_time = None
    return client


REVINFO_REUSE_SECONDS = 60.0
_SIGNING_CONTEXTS = threading.local()


def signing_context(settings: Settings) -> ValidationContext:
    """Online context used while signing to collect revocation data for embedding.

    Reused within one thread for ``REVINFO_REUSE_SECONDS``: the OCSP responses
    and CRLs fetched for one document then vouch for the next documents of the
    batch, as a responder's own caching would (fetching them is the largest
    part of a B-LT signature). Per thread because pyHanko's context is not
    meant to be shared across threads.
    """
    roots = trust_roots(settings)
    key = tuple(cert.sha256 for cert in roots)
    cache: dict[tuple[bytes, ...], tuple[float, ValidationContext]] = _SIGNING_CONTEXTS.__dict__.setdefault("cache", {})
    hit = cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < REVINFO_REUSE_SECONDS:
        return hit[1]
    context = ValidationContext(
        trust_roots=roots, allow_fetching=True, revocation_mode="hard-fail",
        fetcher_backend=RequestsFetcherBackend(per_request_timeout=HTTP_TIMEOUT),
    )  # fmt: skip
    cache[key] = (time.monotonic(), context)
    return context


def offline_context(
    roots: list[x509.Certificate], moment: datetime | None, dss: DocumentSecurityStore | None
) -> ValidationContext:
    """Offline, hard-fail context at ``moment`` (None = now), loaded with the document's DSS.

    ``retroactive_revinfo`` lets an OCSP response or CRL fetched a few seconds
    after the timestamp vouch for the certificate at the timestamp's time, as
    PAdES B-LT intends.
    """
    kwargs = {
        "trust_roots": roots,
        "allow_fetching": False,
        "revocation_mode": "hard-fail",
        "moment": moment,
        "best_signature_time": moment,
        "retroactive_revinfo": True,
        "crls": [],  # empty, not None: "nothing embedded" must mean "cannot tell", not an error
        "ocsps": [],
    }
    return dss.as_validation_context(kwargs) if dss is not None else ValidationContext(**kwargs)
