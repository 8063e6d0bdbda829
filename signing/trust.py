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

import os
import threading
import time
from datetime import datetime
from functools import lru_cache

import requests
from asn1crypto import cms, tsp, x509
from pyhanko.keys import load_cert_from_pemder
from pyhanko.sign.timestamps.common_utils import TimestampRequestError, dummy_digest
from pyhanko.sign.timestamps.requests_client import HTTPTimeStamper
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.fetchers.requests_fetchers import RequestsFetcherBackend

from sohoa.errors import ConfigurationError
from sohoa.settings import Settings

from signing.evidence import EmbeddedEvidence
from signing.speedups_verify import signature_validator

HTTP_TIMEOUT = 10  # seconds, for the TSA and revocation fetches while signing


def trust_roots(settings: Settings) -> list[x509.Certificate]:
    """The configured trust anchors, or the development root CA."""
    paths = settings.trust_roots
    if not paths:
        from signing.devpki import ensure_dev_pki

        paths = (ensure_dev_pki(settings).trust_root,)
    try:
        return list(_load_roots(tuple((str(p), os.stat(p).st_mtime_ns) for p in paths)))
    except (OSError, ValueError) as e:
        raise ConfigurationError(
            "Không đọc được chứng thư gốc tin cậy", "cannot read a trust root certificate", detail=str(e)
        ) from e


@lru_cache(maxsize=16)
def _load_roots(versions: tuple[tuple[str, int], ...]) -> tuple[x509.Certificate, ...]:
    """Parsed once per file version (path, mtime): the same objects keep asn1crypto's cached name hashes."""
    return tuple(load_cert_from_pemder(path) for path, _ in versions)


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
    time, which would make an aiohttp session per call; and over one kept-alive
    ``requests.Session`` posted from the calling thread, where pyHanko's client
    opens a new connection and starts a worker thread for every token.
    """

    first_time: datetime | None = None

    def __init__(self, url: str, timeout: float) -> None:
        super().__init__(url, timeout=timeout)
        self._session = requests.Session()

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        """POST the request; once more on a fresh connection if the kept-alive one was closed meanwhile."""
        body = req.dump()
        try:
            try:
                reply = self._post(body)
            except requests.ConnectionError:  # the TSA closed an idle connection: a new token is harmless
                reply = self._post(body)
        except OSError as e:  # requests' errors are OSErrors
            raise TimestampRequestError("Error in communication with timestamp server") from e
        if reply.headers.get("Content-Type") != "application/timestamp-reply":
            raise TimestampRequestError("Timestamp server response is malformed.", reply)
        return tsp.TimeStampResp.load(reply.content)

    def _post(self, body: bytes) -> requests.Response:
        return self._session.post(self.url, body, headers=self.request_headers(), auth=self.auth, timeout=self.timeout)

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
    roots: list[x509.Certificate], moment: datetime | None, evidence: EmbeddedEvidence | None
) -> ValidationContext:
    """Offline, hard-fail context at ``moment`` (None = now), loaded with the document's DSS ``evidence``.

    ``retroactive_revinfo`` lets an OCSP response or CRL fetched a few seconds
    after the timestamp vouch for the certificate at the timestamp's time, as
    PAdES B-LT intends. Empty revocation lists (not None) make "nothing
    embedded" mean "cannot tell", not an error. Certificate, OCSP and CRL
    signatures that already verified in this process are not verified again
    (``signing.speedups_verify``: keyed by their exact bytes).
    """
    return ValidationContext(
        trust_roots=roots,
        other_certs=list(evidence.certs) if evidence else [],
        ocsps=list(evidence.ocsps) if evidence else [],
        crls=list(evidence.crls) if evidence else [],
        allow_fetching=False,
        revocation_mode="hard-fail",
        moment=moment,
        best_signature_time=moment,
        retroactive_revinfo=True,
        signature_validator=signature_validator(),
    )
