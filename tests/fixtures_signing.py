"""Session fixtures of the signing tests (registered in conftest.py).

``dev_pki`` starts the real development PKI once per session: keys generated
into a temporary folder, certomancer's animator serving the TSA, OCSP and CRLs
on a free loopback port. Other concerns use it like this::

    def test_store(settings, dev_pki):
        settings = dev_pki.signing_settings(settings)   # sign/verify against the session PKI
        signed = sign_pdf(src, dst, settings)

``signing_settings`` fills ``signer_pkcs12`` (the valid officer),
``tsa_url``, ``trust_roots`` and ``dev_pki_port`` so nothing starts a second
PKI under the test's own ``var_dir``. ``signer=`` picks another development
signer ("officer-revoked", "officer-expired", "outsider-signer").

``result_pdf`` is an unsigned PDF/A-3b result document (1 page, extraction
embedded) and ``signed_pdf`` the same signed at B-LT; both are built once per
session and must be copied, never modified, by tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest

from signing.devpki import PKCS12_PASSWORD, DevPki, ensure_dev_pki, stop_dev_pki
from sohoa.model import Decision, DocType, DocumentMeta, Extraction, Field, Source
from sohoa.settings import Settings, load_settings
from storage.local_minio import free_port


@dataclass(frozen=True)
class DevPkiFixture:
    """The running session PKI and a way to point any Settings at it."""

    pki: DevPki

    @property
    def base_url(self) -> str:
        return self.pki.base_url

    def signing_settings(self, settings: Settings, signer: str = "officer", **overrides: object) -> Settings:
        """``settings`` with the signer, TSA and trust root of the session PKI."""
        update = {
            "signer_pkcs12": self.pki.pkcs12_for(signer),
            "signer_pkcs12_password": PKCS12_PASSWORD.decode(),
            "tsa_url": self.pki.tsa_url(),
            "trust_roots": (self.pki.trust_root,),
            "dev_pki_port": self.pki.port,
            **overrides,
        }
        return load_settings(**{**settings.model_dump(), **update})


@pytest.fixture(scope="session")
def dev_pki(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevPkiFixture]:
    """The development PKI (real certomancer animator) for the whole session."""
    settings = load_settings(var_dir=tmp_path_factory.mktemp("devpki"), dev_pki_port=free_port())
    pki = ensure_dev_pki(settings)
    try:
        yield DevPkiFixture(pki)
    finally:
        stop_dev_pki(settings)


@pytest.fixture(scope="session", autouse=True)
def _no_leaked_animators() -> Iterator[None]:
    """At session end, stop any animator this test process started and did not stop (a test that
    signed with unconfigured settings, or one that failed before its own ``stop_dev_pki``)."""
    yield
    from signing import animator

    leaked = animator.stop_children()
    if leaked:
        import warnings

        warnings.warn(f"stopped {len(leaked)} development PKI animator(s) left running by tests", stacklevel=1)


@pytest.fixture
def pki_settings(dev_pki: DevPkiFixture, tmp_path: Path) -> Settings:
    """Settings for signing tests that need no object store: only the session PKI."""
    return dev_pki.signing_settings(load_settings(var_dir=tmp_path / "var"))


def make_text_pdf(path: Path, pages: int = 1) -> Path:
    """A small born-digital PDF with one line of text per page (A4, Helvetica)."""
    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
    )
    for number in range(1, pages + 1):
        page = pdf.add_blank_page(page_size=(595, 842))
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
        text = f"BT /F1 14 Tf 72 760 Td (GIAY CHUNG NHAN - trang {number}) Tj ET"
        page.Contents = pdf.make_stream(text.encode())
    pdf.save(path)
    return path


def sample_extraction() -> Extraction:
    return Extraction(
        doc_type=DocType.BUSINESS_REGISTRATION,
        decision=Decision.AUTO_APPROVED,
        fields={
            "enterprise_code": Field("enterprise_code", "0312345678", 0.98, Source.TEXT_LAYER, True, 1, (10, 20, 300, 40)),
            "enterprise_name": Field("enterprise_name", "CÔNG TY TNHH SỐ HÓA", 0.95, Source.TEXT_LAYER, False, 1, None),
        },
    )


SAMPLE_META = DocumentMeta(dossier_code="000.00.12.H29-261123-0001", procedure_code="1.001612", agency="Sở KH&ĐT")


@pytest.fixture(scope="session")
def result_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An unsigned PDF/A-3b result document with ``sample_extraction()`` embedded."""
    from signing import build_result_pdf

    base = tmp_path_factory.mktemp("result")
    return build_result_pdf(make_text_pdf(base / "in.pdf"), sample_extraction(), SAMPLE_META, base / "result.pdf")


@pytest.fixture(scope="session")
def signed_pdf(result_pdf: Path, dev_pki: DevPkiFixture, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``result_pdf`` signed at B-LT by the valid officer (read-only: copy before changing)."""
    from signing import sign_pdf

    base = tmp_path_factory.mktemp("signed")
    settings = dev_pki.signing_settings(load_settings(var_dir=base / "var"))
    return sign_pdf(result_pdf, base / "signed.pdf", settings).pdf_path


SOFTHSM_MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
SOFTHSM_PIN = "2468"


@pytest.fixture(scope="session")
def softhsm_settings(dev_pki: DevPkiFixture, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings signing with the valid officer's key inside a real SoftHSM2 token.

    The token is initialised and the key imported with ``softhsm2-util``; the
    officer and agency CA certificates are stored on the token through
    python-pkcs11 (softhsm2-util cannot import certificates). SoftHSM2 reads
    ``SOFTHSM2_CONF`` when the module is first loaded, so it is set for the
    whole session.
    """
    import os

    import pkcs11
    from pkcs11 import Attribute, CertificateType, ObjectClass
    from pyhanko.keys import load_cert_from_pemder

    from sohoa.tools import require, run

    base = tmp_path_factory.mktemp("softhsm")
    (base / "tokens").mkdir()
    conf = base / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {base / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n")
    previous = os.environ.get("SOFTHSM2_CONF")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    env = {**os.environ}
    util = require("softhsm2-util", hint="apt-get install softhsm2")
    run([util, "--init-token", "--free", "--label", "sohoa", "--pin", SOFTHSM_PIN, "--so-pin", "13579"], timeout=60, env=env)
    run([util, "--import", dev_pki.pki.key_pem("officer"), "--token", "sohoa", "--label", "officer", "--id", "01",
         "--pin", SOFTHSM_PIN], timeout=60, env=env)  # fmt: skip
    token = pkcs11.lib(str(SOFTHSM_MODULE)).get_token(token_label="sohoa")
    with token.open(rw=True, user_pin=SOFTHSM_PIN) as session:
        for label, ident in (("officer", b"\x01"), ("agency-ca", b"\x02")):
            cert = load_cert_from_pemder(str(dev_pki.pki.cert_pem(label)))
            session.create_object({
                Attribute.CLASS: ObjectClass.CERTIFICATE, Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True, Attribute.LABEL: label, Attribute.ID: ident, Attribute.VALUE: cert.dump(),
                Attribute.SUBJECT: cert.subject.dump(), Attribute.ISSUER: cert.issuer.dump(),
                Attribute.SERIAL_NUMBER: cert["tbs_certificate"]["serial_number"].dump(),
            })  # fmt: skip
    yield dev_pki.signing_settings(
        load_settings(var_dir=base / "var"),
        signer_backend="pkcs11", signer_pkcs11_module=SOFTHSM_MODULE, signer_pkcs11_token="sohoa",
        signer_pkcs11_key_label="officer", signer_pkcs11_pin=SOFTHSM_PIN, signer_pkcs12=None,
    )  # fmt: skip
    if previous is None:
        os.environ.pop("SOFTHSM2_CONF", None)
    else:
        os.environ["SOFTHSM2_CONF"] = previous

