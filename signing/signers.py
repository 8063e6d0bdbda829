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
from pathlib import Path

from pyhanko.sign import signers
from pyhanko.sign.signers import Signer

from sohoa.errors import ConfigurationError, SigningError
from sohoa.settings import Settings, SignerBackend


@contextmanager
def _pkcs12_signer(settings: Settings) -> Iterator[Signer]:
    """Key and chain from a PKCS#12 file (the development officer when none is configured)."""
    path, password = _pkcs12_source(settings)
    if not path.is_file():
        raise ConfigurationError(
            f"Không tìm thấy tệp khóa ký {path}", f"signer PKCS#12 file {path} not found"
        )
    try:
        signer = signers.SimpleSigner.load_pkcs12(str(path), passphrase=password)
    except Exception as e:  # pyHanko/cryptography raise many types for a bad file or password
        raise ConfigurationError(
            "Không đọc được tệp khóa ký (sai mật khẩu?)", "cannot load the signer PKCS#12 (wrong password?)",
            detail=f"{path}: {e}",
        ) from e
    if signer is None:
        raise ConfigurationError("Tệp khóa ký không hợp lệ", "invalid signer PKCS#12 file", detail=str(path))
    yield signer


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
