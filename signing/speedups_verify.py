"""Verification speedups that do not fit in ``signing/speedups.py``: same results, less CPU.

Installed and switched off together with the others (``speedups.install()``,
``speedups.stock_libraries()``).

**X.509 signatures checked once per process (pyhanko-certvalidator).** Each
verification checks the signatures on the certificates of two chains (signer,
TSA), on the OCSP responses and on the CRLs that the document carries; the
documents of one agency carry the same certificates and, within a signing
batch, the same OCSP responses and CRLs, so the same RSA verifications ran
for every document. ``RememberingSignatureValidator`` (given to each offline
validation context) remembers which checks *succeeded*, keyed by the SHA-256
of the exact inputs: signature, signed bytes, the public key's DER and the
signature algorithm's DER (parameters included). Those inputs determine the
outcome completely (pyHanko's ``_validate_raw`` reads nothing else: the key
is loaded from that DER, the hash and padding from that algorithm), so a
remembered success is the success a new check would give. A failure is never
remembered: it is computed, and raised, every time. Only calls that use the
default validation context are remembered — certificate, CRL, OCSP and
attribute-certificate signatures; the CMS signatures of the document and of
its timestamp token come with their own context (digest algorithm,
pre-hashing) and are verified at every verification, so the benchmark, which
verifies one document over and over, is not flattered by them. Algorithm
policy (weak hashes, key sizes) is decided outside this call and is unchanged.

**Certificates parsed once per process (pyHanko).** pyHanko's
``extract_certificate_info`` hands out a fresh copy (``untag()``) of every
certificate in a CMS object at each call — twice per verification for the
signature, once for its timestamp token — and every document brings its own
copies of the same few certificates; each fresh copy recomputes what
asn1crypto computes lazily: extensions, key identifiers, hashes, normalised
and human-readable names. The replacement hands out, for each
certificate, one parsed object per exact DER encoding, shared by all
documents that carry that certificate (the same DER bytes are the same
certificate: the object is what parsing them gives). It is parsed completely
before it is shared (``native``, extensions), so threads only read it. A
certificate whose outer length is indefinite (BER, which ``dump()`` would
re-encode) or that does not parse completely gets pyHanko's own fresh copy,
as do attribute certificates. The classification (signer certificate, others)
is pyHanko's own ``_partition_certs``. asn1crypto certificates compare by
identity, so sharing makes equal what was merely alike; pyhanko-certvalidator
(0.38's companion) finds and matches certificates by issuer and serial number,
subject, key identifiers and hashes, and a validation context is built per
verification, so no decision changes (the full reports on valid, tampered,
revoked, expired and untrusted documents are compared with the stock
libraries' in ``tests/test_signing_speedups_verify.py``).

**The signing-certificate attribute checked once per verification (pyHanko).**
pyHanko matches the ESS signing-certificate attribute of a CMS object against
its signer's certificate three times for the signature and twice for its
timestamp token (certificate extraction, twice, and the integrity check, "for
compatibility"), parsing the attributes each time. The check reads only the
certificate's DER and the attributes' content octets (the implicit tag that
one of the call sites strips is no part of it): within one verification
(``one_verification()``, which ``verify_pdf`` opens) a pass for the same
bytes is not repeated; a failure raises every time. The scope is one
verification, not the process, because the attributes are each document's
own: a benchmark that verifies one document over and over gains nothing
from it that a batch of different documents would not.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache

from asn1crypto import algos, cms, x509
from asn1crypto.keys import PublicKeyInfo
from pyhanko.sign import general
from pyhanko.sign.general import SignedDataCerts
from pyhanko.sign.validation import ades, dss, generic_cms
from pyhanko_certvalidator.sig_validate import (
    DEFAULT_VALIDATION_CONTEXT,
    DefaultSignatureValidator,
    SignatureValidationContext,
)

MEMO_SIZE = 4096  # remembered signature checks (32 bytes each), forgotten all at once when full
CERT_MEMO_SIZE = 512  # parsed certificates kept (a few KB each)

_PYHANKO_CERT_INFO = general.extract_certificate_info
_CERT_INFO_USERS = (general, generic_cms, dss, ades)  # modules that bound the name at import
_PYHANKO_ESS_CHECK = generic_cms._check_signing_certificate
_ESS_PASSED: ContextVar[set[bytes] | None] = ContextVar("ess_passed", default=None)  # per verification
_verified: set[bytes] = set()
_installed = False


class RememberingSignatureValidator(DefaultSignatureValidator):
    """pyHanko's signature validator that checks each X.509 signature (certificate, CRL, OCSP) once per process."""

    def validate_signature(
        self,
        signature: bytes,
        signed_data: bytes,
        public_key_info: PublicKeyInfo,
        signature_algorithm: algos.SignedDigestAlgorithm,
        context: SignatureValidationContext = DEFAULT_VALIDATION_CONTEXT,
    ) -> None:
        """Return if the signature is valid, raise pyHanko's error otherwise (``InvalidSignature``...)."""
        if context is not DEFAULT_VALIDATION_CONTEXT:  # a CMS signature: checked every time
            super().validate_signature(signature, signed_data, public_key_info, signature_algorithm, context)
            return
        key = fingerprint(signature, signed_data, public_key_info.dump(), signature_algorithm.dump())
        if key in _verified:
            return
        super().validate_signature(signature, signed_data, public_key_info, signature_algorithm, context)
        if len(_verified) >= MEMO_SIZE:
            _verified.clear()
        _verified.add(key)


_VALIDATOR = RememberingSignatureValidator()


def fingerprint(*parts: bytes) -> bytes:
    """SHA-256 of the parts, each preceded by its length (so no two different tuples share an encoding)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.digest()


def signature_validator() -> RememberingSignatureValidator | None:
    """The validator for a new validation context: the remembering one while installed, else None (pyHanko's)."""
    return _VALIDATOR if _installed else None


def extract_certificate_info(signed_data: cms.SignedData) -> SignedDataCerts:
    """pyHanko's ``extract_certificate_info``, each X.509 certificate the shared parsed object of its DER."""
    certs, attribute_certs = [], []
    for choice in signed_data["certificates"]:
        if choice.name == "certificate":
            certs.append(_shared(choice.chosen))
        elif choice.name == "v2_attr_cert":
            attribute_certs.append(choice.chosen.untag())
    signer_cert, other_certs = general._partition_certs(certs, general.extract_signer_info(signed_data))
    return SignedDataCerts(signer_cert=signer_cert, other_certs=other_certs, attribute_certs=attribute_certs)


def _shared(cert: x509.Certificate) -> x509.Certificate:
    """The process-wide parsed certificate with ``cert``'s encoding, or pyHanko's fresh copy."""
    if cert._header is None or cert._header[-1:] == b"\x80":  # built in Python, or indefinite length
        return cert.untag()
    try:
        return _parsed_certificate(cert.dump())
    except Exception:  # does not parse completely: pyHanko's copy fails where it would have
        return cert.untag()


@lru_cache(maxsize=CERT_MEMO_SIZE)
def _parsed_certificate(der: bytes) -> x509.Certificate:
    cert = x509.Certificate.load(der)
    cert.native  # noqa: B018 (every child parsed now, before other threads may read the object)
    cert.critical_extensions  # noqa: B018 (extensions likewise)
    return cert


@contextmanager
def one_verification() -> Iterator[None]:
    """Scope of the signing-certificate attribute memo: one document's verification."""
    token = _ESS_PASSED.set(set())
    try:
        yield
    finally:
        _ESS_PASSED.reset(token)


def check_signing_certificate(cert: x509.Certificate, signed_attrs: cms.CMSAttributes) -> None:
    """pyHanko's ``_check_signing_certificate``, not repeated for the same bytes within one verification."""
    passed = _ESS_PASSED.get()
    if passed is None:  # outside verify_pdf
        _PYHANKO_ESS_CHECK(cert, signed_attrs)
        return
    key = fingerprint(cert.dump(), signed_attrs.contents or b"")
    if key not in passed:
        _PYHANKO_ESS_CHECK(cert, signed_attrs)  # raises when the attribute does not match
        passed.add(key)


def install() -> None:
    _use(True, extract_certificate_info, check_signing_certificate)


def uninstall() -> None:
    _use(False, _PYHANKO_CERT_INFO, _PYHANKO_ESS_CHECK)


def _use(installed: bool, certificate_info: Callable[..., SignedDataCerts], ess_check: Callable[..., None]) -> None:
    """Put ``certificate_info`` and ``ess_check`` into pyHanko; ``signature_validator()`` follows ``installed``."""
    global _installed
    _installed = installed
    for module in _CERT_INFO_USERS:
        module.extract_certificate_info = certificate_info
    generic_cms._check_signing_certificate = ess_check
