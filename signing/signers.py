"""Signer backends behind one factory: PKCS#12 file, PKCS#11 token/HSM.

``open_signer(settings)`` is the only place that looks at
``settings.signer_backend``; it picks an opener from ``OPENERS`` (a remote CSC
signer is added there as one more entry). Each opener is a context manager
yielding a pyHanko ``Signer`` and releasing what it holds (a PKCS#11 session).
With default settings (no PKCS#12 file configured) the development PKI's valid
officer signs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import cached_property, lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes
from pyhanko.sign import signers
from pyhanko_certvalidator.util import get_pyca_cryptography_hash
from pyhanko.sign.signers import Signer

from sohoa.errors import ConfigurationError, SigningError
from sohoa.settings import Settings, SignerBackend


class LoadedKeySigner(signers.SimpleSigner):
    """``SimpleSigner`` that parses its private key once, not at every signature.

    pyHanko's ``SimpleSigner.sign_raw`` re-loads the key from DER each time,
    and loading an RSA key runs its consistency check — most of the CPU of a
    signature. RSA PKCS#1 v1.5 (what the PKCS#12 signers here use) signs with
    the cached key; other mechanisms fall back to pyHanko's own path.
    """

    @cached_property
    def _private_key(self) -> PrivateKeyTypes:
        return serialization.load_der_private_key(self.signing_key.dump(), password=None)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm)
        key = self._private_key
        if mechanism.signature_algo == "rsassa_pkcs1v15" and isinstance(key, rsa.RSAPrivateKey):
            return key.sign(data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        return super().sign_raw(data, digest_algorithm)


@lru_cache(maxsize=8)
def _load_pkcs12(path: Path, mtime_ns: int, password: bytes) -> LoadedKeySigner:
    """Decrypting a PKCS#12 costs a key derivation: once per file version and process."""
    try:
        loaded = signers.SimpleSigner.load_pkcs12(str(path), passphrase=password)
    except Exception as e:  # pyHanko/cryptography raise many types for a bad file or password
        raise ConfigurationError(
            "Không đọc được tệp khóa ký (sai mật khẩu?)", "cannot load the signer PKCS#12 (wrong password?)",
            detail=f"{path}: {e}",
        ) from e
    if loaded is None:
        raise ConfigurationError("Tệp khóa ký không hợp lệ", "invalid signer PKCS#12 file", detail=str(path))
    return LoadedKeySigner(
        signing_cert=loaded.signing_cert, signing_key=loaded.signing_key,
        cert_registry=loaded.cert_registry, signature_mechanism=loaded.signature_mechanism,
    )  # fmt: skip


@contextmanager
def _pkcs12_signer(settings: Settings) -> Iterator[Signer]:
    """Key and chain from a PKCS#12 file (the development officer when none is configured)."""
    path, password = _pkcs12_source(settings)
    if not path.is_file():
        raise ConfigurationError(
            f"Không tìm thấy tệp khóa ký {path}", f"signer PKCS#12 file {path} not found"
        )
    yield _load_pkcs12(path.resolve(), path.stat().st_mtime_ns, password)


def _pkcs12_source(settings: Settings) -> tuple[Path, bytes]:
    if settings.signer_pkcs12 is not None:
        return settings.signer_pkcs12, settings.signer_pkcs12_password.get_secret_value().encode()
    from signing.devpki import PKCS12_PASSWORD, ensure_dev_pki

    return ensure_dev_pki(settings).signer_pkcs12, PKCS12_PASSWORD


@contextmanager
def _pkcs11_signer(settings: Settings) -> Iterator[Signer]:
    """Key (and certificates) on a PKCS#11 token; the key never leaves the token."""
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign import pkcs11

    if settings.signer_pkcs11_module is None or settings.signer_pkcs11_key_label is None:
        raise ConfigurationError(
            "Thiếu cấu hình PKCS#11 (module, nhãn khóa)", "PKCS#11 module and key label must be set"
        )
    try:
        session = pkcs11.open_pkcs11_session(
            str(settings.signer_pkcs11_module),
            token_criteria=TokenCriteria(label=settings.signer_pkcs11_token),
            user_pin=settings.signer_pkcs11_pin.get_secret_value(),
        )
    except Exception as e:  # python-pkcs11 errors: wrong PIN, no token, bad module
        raise SigningError("Không mở được thiết bị ký PKCS#11", "cannot open the PKCS#11 token", detail=str(e)) from e
    try:
        yield pkcs11.PKCS11Signer(
            session, key_label=settings.signer_pkcs11_key_label, other_certs_to_pull=None
        )
    finally:
        session.close()


OPENERS: dict[SignerBackend, Callable[[Settings], AbstractContextManager[Signer]]] = {
    SignerBackend.PKCS12: _pkcs12_signer,
    SignerBackend.PKCS11: _pkcs11_signer,
}


def open_signer(settings: Settings) -> AbstractContextManager[Signer]:
    """The configured signer, as a context manager (``with open_signer(s) as signer:``)."""
    return OPENERS[settings.signer_backend](settings)


def signer_name(signer: Signer) -> str:
    """Common name of the signing certificate (what reports and the catalog show)."""
    cert = signer.signing_cert
    if cert is None:
        raise SigningError("Thiết bị ký không có chứng thư", "the signer has no certificate")
    return str(cert.subject.native.get("common_name", cert.subject.human_friendly))
