"""signing/speedups_verify.py gives the libraries' own results: signature checks, certificates, whole reports.

The last test verifies valid, tampered, revoked, expired, foreign-signed and
foreign-timestamped documents with every speedup installed and with the
stock libraries, and requires the same report line by line: a verifier that
accepted what pyHanko rejects would be a vulnerability. Two of them are
signed by our own signer yet cannot be analysed by pyHanko: the signed
revision holds an object it cannot parse, or its catalog a reference to an
object that is never defined. pyHanko's difference analysis reads every
object of the signed revision and follows every reference of the catalog
that the DSS update rewrites, and fails on them ("signature is broken"); a
shortcut that judged the DSS update alone would call both documents valid.
"""

from __future__ import annotations

import shutil
from io import BytesIO
from pathlib import Path

import pytest
from asn1crypto import cms, x509
from cryptography.exceptions import InvalidSignature
from hypothesis import given, settings
from hypothesis import strategies as st
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import general
from pyhanko.sign.validation import generic_cms
from pyhanko_certvalidator.sig_validate import DefaultSignatureValidator, SignatureValidationContext

from signing import sign_pdf, speedups_verify, verify_pdf
from signing.speedups import stock_libraries
from signing.speedups_verify import RememberingSignatureValidator, extract_certificate_info
from sohoa.model import VerificationReport
from sohoa.settings import Settings, load_settings
from tests.fixtures_signing import DevPkiFixture
from tests.test_signing_tamper import _add_annotation, _embed_live_revinfo, _incremental


def _outcome(validator: object, args: tuple) -> str:
    try:
        validator.validate_signature(*args)  # type: ignore[attr-defined]
    except Exception as e:  # the error type is the behaviour compared
        return type(e).__name__
    return "valid"


def _flip(data: bytes, at: int) -> bytes:
    at %= len(data)
    return data[:at] + bytes((data[at] ^ 0x01,)) + data[at + 1 :]


@pytest.fixture(scope="module")
def certs(dev_pki: DevPkiFixture) -> tuple[x509.Certificate, x509.Certificate]:
    """The development root (self-signed) and the agency CA (signed by the root)."""
    return tuple(load_cert_from_pemder(str(dev_pki.pki.cert_pem(label))) for label in ("root", "agency-ca"))  # type: ignore[return-value]


@settings(max_examples=60, deadline=None)
@given(part=st.sampled_from(["none", "signature", "signed", "key"]), at=st.integers(min_value=0))
def test_remembered_signature_checks_give_the_library_verdict(
    certs: tuple[x509.Certificate, x509.Certificate], part: str, at: int
) -> None:
    """A good check is remembered; a changed signature, signed bytes or key still fails, every time."""
    root, agency = certs
    good = (agency["signature_value"].native, agency["tbs_certificate"].dump(), root.public_key, agency["signature_algorithm"])
    remembering = RememberingSignatureValidator()
    assert _outcome(remembering, good) == "valid"  # now remembered
    signature, signed, key, algorithm = good
    if part == "signature":
        signature = _flip(signature, at)
    elif part == "signed":
        signed = _flip(signed, at)
    elif part == "key":
        key = agency.public_key  # the agency's own key did not sign its certificate
    args = (signature, signed, key, algorithm)
    expected = _outcome(DefaultSignatureValidator(), args)
    assert (expected == "valid") == (part == "none")
    assert _outcome(remembering, args) == expected
    assert _outcome(remembering, args) == expected  # a failure is not remembered either way


def test_cms_signatures_are_checked_every_time(certs: tuple[x509.Certificate, x509.Certificate]) -> None:
    """Calls with their own context (the CMS signatures of a document) never enter the memo."""
    root, agency = certs
    args = (agency["signature_value"].native, agency["tbs_certificate"].dump(), root.public_key, agency["signature_algorithm"])
    before = set(speedups_verify._verified)
    RememberingSignatureValidator().validate_signature(*args, context=SignatureValidationContext(prehashed=False))
    assert speedups_verify._verified == before


def _cms_objects(path: Path) -> list[cms.SignedData]:
    """The signature's SignedData and its timestamp token's."""
    with path.open("rb") as f:
        sig = PdfFileReader(f, strict=False).embedded_regular_signatures[0]
        tokens = list(generic_cms.extract_tst_data_iter(sig.signer_info, signed=False))
        return [sig.signed_data, *tokens]


def _ders(info: general.SignedDataCerts) -> tuple[bytes, list[bytes], list[bytes]]:
    return info.signer_cert.dump(), [c.dump() for c in info.other_certs], [c.dump() for c in info.attribute_certs]


def test_certificate_info_same_as_pyhanko(signed_pdf: Path) -> None:
    """Same signer and other certificates (by DER, in order); one shared object per certificate."""
    first, second = (extract_certificate_info(_cms_objects(signed_pdf)[0]) for _ in range(2))  # two parses
    for signed_data in _cms_objects(signed_pdf):
        assert _ders(extract_certificate_info(signed_data)) == _ders(speedups_verify._PYHANKO_CERT_INFO(signed_data))
    assert first.signer_cert is second.signer_cert
    assert generic_cms.extract_certificate_info is extract_certificate_info  # installed where pyHanko looks it up
    with stock_libraries():
        assert generic_cms.extract_certificate_info is speedups_verify._PYHANKO_CERT_INFO


def test_indefinite_length_certificate_gets_pyhankos_copy(certs: tuple[x509.Certificate, x509.Certificate]) -> None:
    root = certs[0]
    ber = x509.Certificate.load(b"\x30\x80" + root.contents + b"\x00\x00")
    shared = speedups_verify._shared(ber)
    assert shared is not speedups_verify._shared(ber)  # a fresh copy each time, as pyHanko's
    assert shared.dump() == ber.untag().dump()


def _ess_outcome(check: object, cert: x509.Certificate, attrs: cms.CMSAttributes) -> str:
    try:
        check(cert, attrs)  # type: ignore[operator]
    except Exception as e:  # the error type is the behaviour compared
        return type(e).__name__
    return "matches"


def test_signing_certificate_check_same_as_pyhanko(signed_pdf: Path) -> None:
    """Within one verification a pass is not repeated; a mismatch fails every time, tagged attributes or not."""
    signature, token = _cms_objects(signed_pdf)[:2]
    signer, tsa = (speedups_verify._PYHANKO_CERT_INFO(sd).signer_cert for sd in (signature, token))
    attrs = signature["signer_infos"][0]["signed_attrs"]
    cases = [(signer, attrs), (signer, attrs.untag()), (tsa, attrs), (tsa, attrs.untag())]
    expected = [_ess_outcome(speedups_verify._PYHANKO_ESS_CHECK, *case) for case in cases]
    assert expected == ["matches", "matches", "SignatureValidationError", "SignatureValidationError"]
    for _ in range(2):  # outside a verification, then inside one (twice: remembered passes)
        assert [_ess_outcome(speedups_verify.check_signing_certificate, *case) for case in cases] == expected
    with speedups_verify.one_verification():
        for _ in range(2):
            assert [_ess_outcome(speedups_verify.check_signing_certificate, *case) for case in cases] == expected
        assert len(speedups_verify._ESS_PASSED.get() or ()) == 1  # tagged and untagged: one key
    assert speedups_verify._ESS_PASSED.get() is None  # the scope ends with the verification


def _catalog_piece_info(result_pdf: Path, dst: Path, kind: str) -> Path:
    """``result_pdf`` plus an incremental update whose catalog gains ``/PieceInfo``: a reference to an object
    that is never defined ("dangling"), or to a new object whose dictionary pyHanko cannot parse
    ("unparsable": written valid, then one digit turned into ``)``, so every offset holds)."""
    writer = IncrementalPdfFileWriter(BytesIO(result_pdf.read_bytes()), strict=False)
    if kind == "dangling":
        value = generic.IndirectObject(9999, 0, writer)
    else:
        value = writer.add_object(generic.DictionaryObject({generic.pdf_name("/Zz"): generic.NumberObject(12345)}))
    writer.root[generic.pdf_name("/PieceInfo")] = value
    writer.update_root()
    out = BytesIO()
    writer.write(out)
    data = out.getvalue()
    if kind == "unparsable":
        assert data.count(b"/Zz 12345") == 1
        data = data.replace(b"/Zz 12345", b"/Zz 12)45")
    dst.write_bytes(data)
    return dst


@pytest.fixture(scope="module")
def documents(
    result_pdf: Path, signed_pdf: Path, dev_pki: DevPkiFixture, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Settings, dict[str, Path]]:
    """Valid and defective signed documents, and the settings that verify them."""
    base = tmp_path_factory.mktemp("speedups-verify")
    settings = dev_pki.signing_settings(load_settings(var_dir=base / "var"))
    docs = {"valid B-LT": signed_pdf}
    docs["B-LTA"] = sign_pdf(result_pdf, base / "lta.pdf", settings.model_copy(update={"signature_level": "B-LTA"})).pdf_path
    tampered = bytearray(signed_pdf.read_bytes())
    tampered[tampered.index(b"<sohoa:agency>") + len(b"<sohoa:agency>")] ^= 0x01
    docs["one byte changed"] = base / "byte.pdf"
    docs["one byte changed"].write_bytes(bytes(tampered))
    docs["annotation added"] = Path(shutil.copy(signed_pdf, base / "annot.pdf"))
    _incremental(docs["annotation added"], _add_annotation)
    for kind in ("unparsable", "dangling"):
        source = _catalog_piece_info(result_pdf, base / f"{kind}-source.pdf", kind)
        docs[f"{kind} in signed revision"] = sign_pdf(source, base / f"{kind}.pdf", settings).pdf_path
    for label in ("officer-revoked", "officer-expired"):
        signer = dev_pki.signing_settings(settings, signer=label, signature_level="B-T")
        docs[label] = sign_pdf(result_pdf, base / f"{label}.pdf", signer).pdf_path
        _embed_live_revinfo(docs[label], dev_pki, label)
    outsider = dev_pki.signing_settings(settings, signer="outsider-signer", signature_level="B-T")
    docs["outsider signer"] = sign_pdf(result_pdf, base / "outsider.pdf", outsider).pdf_path
    foreign_tsa = settings.model_copy(update={"tsa_url": dev_pki.pki.tsa_url("outsider-tsa"), "signature_level": "B-T"})
    docs["untrusted TSA"] = sign_pdf(result_pdf, base / "tsa.pdf", foreign_tsa).pdf_path
    return settings, docs


def test_reports_same_with_and_without_speedups(documents: tuple[Settings, dict[str, Path]]) -> None:
    """Every report, line by line, whether the memos are cold, warm (second pass) or off."""
    settings, docs = documents
    ours: dict[str, list[VerificationReport]] = {name: [] for name in docs}
    for _ in range(2):  # the second pass meets remembered signatures and shared certificates
        for name, path in docs.items():
            ours[name].append(verify_pdf(path, settings))
    with stock_libraries():
        stock = {name: verify_pdf(path, settings) for name, path in docs.items()}
    verdicts = {name: report.verdict.value for name, report in stock.items()}
    assert verdicts == {
        "valid B-LT": "valid", "B-LTA": "valid", "one byte changed": "invalid", "annotation added": "invalid",
        "unparsable in signed revision": "invalid", "dangling in signed revision": "invalid",
        "officer-revoked": "invalid", "officer-expired": "invalid", "outsider signer": "indeterminate",
        "untrusted TSA": "indeterminate",
    }  # fmt: skip
    for name in ("unparsable in signed revision", "dangling in signed revision"):
        assert stock[name].checks[0].en.startswith("signature is broken"), name  # pyHanko's difference analysis raised
    for name, report in stock.items():
        assert ours[name] == [report, report], name
