"""Result document, PAdES levels, offline verification, detached CMS, and poppler's pdfsig."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pikepdf
import pytest

from signing import (
    read_embedded_extraction,
    retimestamp,
    sign_detached,
    sign_pdf,
    verify_detached,
    verify_pdf,
)
from signing.embed import xmp_extraction_sha256
from sohoa.errors import CorruptFileError, FileNotFound, SigningError, TimestampError
from sohoa.model import Verdict
from sohoa.settings import Settings
from sohoa.tools import require, run
from tests.fixtures_signing import DevPkiFixture, sample_extraction


def _names(report) -> dict[str, bool | None]:
    return {c.name: c.ok for c in report.checks}


def test_result_pdf_is_pdfa3b_with_associated_extraction(result_pdf: Path) -> None:
    extraction = sample_extraction()
    assert read_embedded_extraction(result_pdf) == extraction.to_json()
    assert xmp_extraction_sha256(result_pdf) == extraction.sha256()
    with pikepdf.open(result_pdf) as pdf:
        meta = pdf.open_metadata()
        assert meta.pdfa_status == "3B"
        assert "Sở KH&amp;ĐT" in pdf.Root.Metadata.read_bytes().decode() or "Sở KH&ĐT" in str(meta)
        (spec,) = list(pdf.Root.AF)
        assert spec.AFRelationship == pikepdf.Name.Data
        assert spec.EF.F.Subtype == pikepdf.Name("/application/json")


def test_b_lt_signature_verifies_offline(signed_pdf: Path, pki_settings: Settings) -> None:
    report = verify_pdf(signed_pdf, pki_settings, expected_extraction_sha256=sample_extraction().sha256())
    assert report.verdict == Verdict.VALID, report.to_json()
    assert report.level == "B-LT"
    assert report.signer == "Nguyễn Văn An"
    assert report.timestamp_at is not None
    assert report.sha256 == hashlib.sha256(signed_pdf.read_bytes()).hexdigest()
    assert set(_names(report)) == {"integrity", "coverage", "modifications", "signer_trust", "timestamp", "extraction"}


def test_signature_keeps_pdfa_content_byte_for_byte(result_pdf: Path, signed_pdf: Path) -> None:
    original = result_pdf.read_bytes()
    assert signed_pdf.read_bytes()[: len(original)] == original


def test_b_t_without_revocation_data_is_indeterminate(result_pdf: Path, pki_settings: Settings, tmp_path: Path) -> None:
    settings = pki_settings.model_copy(update={"signature_level": "B-T"})
    signed = sign_pdf(result_pdf, tmp_path / "bt.pdf", settings)
    assert signed.level == "B-T"
    report = verify_pdf(signed.pdf_path, settings)
    assert report.level == "B-T"
    assert report.verdict == Verdict.INDETERMINATE
    assert _names(report)["signer_trust"] is None
    assert _names(report)["integrity"] is True


def test_b_lta_and_retimestamp_extend_the_evidence_chain(result_pdf: Path, pki_settings: Settings, tmp_path: Path) -> None:
    settings = pki_settings.model_copy(update={"signature_level": "B-LTA"})
    signed = sign_pdf(result_pdf, tmp_path / "lta.pdf", settings)
    report = verify_pdf(signed.pdf_path, settings)
    assert (report.verdict, report.level) == (Verdict.VALID, "B-LTA"), report.to_json()
    assert _names(report)["document_timestamp_1"] is True
    retimestamp(signed.pdf_path, settings)
    again = verify_pdf(signed.pdf_path, settings)
    assert again.verdict == Verdict.VALID, again.to_json()
    assert _names(again)["document_timestamp_2"] is True


def test_signed_document_describes_itself(result_pdf: Path, pki_settings: Settings, tmp_path: Path) -> None:
    signed = sign_pdf(result_pdf, tmp_path / "s.pdf", pki_settings)
    assert signed.level == "B-LT"
    assert signed.extraction_sha256 == sample_extraction().sha256()
    assert signed.sha256 == hashlib.sha256(signed.pdf_path.read_bytes()).hexdigest()
    assert signed.signed_at.tzinfo is not None
    assert not list(tmp_path.glob(".*part"))


def test_revoked_and_expired_signers_are_refused_at_b_lt(
    result_pdf: Path, dev_pki: DevPkiFixture, pki_settings: Settings, tmp_path: Path
) -> None:
    for signer in ("officer-revoked", "officer-expired"):
        settings = dev_pki.signing_settings(pki_settings, signer=signer)
        with pytest.raises(SigningError):
            sign_pdf(result_pdf, tmp_path / f"{signer}.pdf", settings)
        assert not (tmp_path / f"{signer}.pdf").exists()


def test_missing_input_is_bad_input(pki_settings: Settings, tmp_path: Path) -> None:
    with pytest.raises(FileNotFound):
        sign_pdf(tmp_path / "nope.pdf", tmp_path / "out.pdf", pki_settings)
    with pytest.raises(FileNotFound):
        verify_pdf(tmp_path / "nope.pdf", pki_settings)


def test_unsigned_pdf_is_invalid(result_pdf: Path, pki_settings: Settings) -> None:
    report = verify_pdf(result_pdf, pki_settings)
    assert report.verdict == Verdict.INVALID
    assert _names(report) == {"signature": False}


def test_detached_signature_round_trip(pki_settings: Settings, dev_pki: DevPkiFixture) -> None:
    data = b'{"checkpoint": 42, "head": "abc"}'
    signature = sign_detached(data, pki_settings)
    assert verify_detached(data, signature, pki_settings)
    assert not verify_detached(data + b" ", signature, pki_settings)
    assert not verify_detached(data, b"not a signature", pki_settings)
    outsider = sign_detached(data, dev_pki.signing_settings(pki_settings, signer="outsider-signer"))
    assert not verify_detached(data, outsider, pki_settings)


def _nss_db(dev_pki: DevPkiFixture, tmp_path: Path) -> str:
    db = tmp_path / "nssdb"
    db.mkdir()
    certutil = require("certutil", hint="apt-get install libnss3-tools")
    run([certutil, "-N", "-d", f"sql:{db}", "--empty-password"], timeout=60)
    run([certutil, "-A", "-d", f"sql:{db}", "-n", "sohoa-dev-root", "-t", "CT,C,C", "-i", dev_pki.pki.trust_root], timeout=60)
    return f"sql:{db}"


def _poppler_version() -> tuple[int, ...]:
    first = run([require("pdfsig"), "-v"], timeout=30).stderr.decode().split()[2]
    return tuple(int(x) for x in first.split("."))


def _signer_chain_der(signed: Path, tmp_path: Path) -> list[Path]:
    from pyhanko.pdf_utils.reader import PdfFileReader

    with signed.open("rb") as f:
        sig = PdfFileReader(f).embedded_regular_signatures[0]
        certs = [sig.signer_cert, *sig.other_embedded_certs]
    paths = []
    for index, cert in enumerate(certs):
        path = tmp_path / f"chain{index}.der"
        path.write_bytes(cert.dump())
        paths.append(path)
    return paths


def test_poppler_pdfsig_accepts_signature_and_trusts_chain(
    signed_pdf: Path, dev_pki: DevPkiFixture, tmp_path: Path
) -> None:
    """pdfsig (NSS) checks the signature; the chain is trusted by NSS with our root.

    Poppler before 23 reads NSS's error code even when ``CERT_PKIXVerifyCert``
    succeeded, so its certificate line can say "Unknown issue" for a trusted
    chain (later releases check the return value first). There the same NSS
    verification (PKIX, e-mail signer usage, same database) is run with
    ``vfychain`` on the chain embedded in the signature.
    """
    copy = tmp_path / "signed.pdf"
    shutil.copy(signed_pdf, copy)
    nssdir = _nss_db(dev_pki, tmp_path)
    out = run([require("pdfsig"), "-nssdir", nssdir, copy], timeout=120).stdout.decode()
    assert "Signature is Valid" in out, out
    assert "Nguyễn Văn An" in out
    if _poppler_version() >= (23,):
        assert "Certificate is Trusted" in out, out
        return
    for problem in ("issuer is unknown", "Untrusted", "revoked", "expired"):
        assert problem not in out, out
    chain = _signer_chain_der(signed_pdf, tmp_path)
    proc = run([require("vfychain"), "-d", nssdir, "-pp", "-u", "4", *chain], timeout=60, ok_codes=(0, 1))
    assert "Chain is good" in proc.stdout.decode() + proc.stderr.decode()


def test_nss_rejects_chain_without_our_root(signed_pdf: Path, tmp_path: Path) -> None:
    """The NSS cross-check can fail: an empty database does not trust the development root."""
    db = tmp_path / "emptydb"
    db.mkdir()
    run([require("certutil"), "-N", "-d", f"sql:{db}", "--empty-password"], timeout=60)
    chain = _signer_chain_der(signed_pdf, tmp_path)
    proc = run([require("vfychain"), "-d", f"sql:{db}", "-pp", "-u", "4", *chain], timeout=60, ok_codes=(0, 1))
    assert "Chain is bad" in proc.stdout.decode() + proc.stderr.decode()


def test_unreachable_tsa_is_a_timestamp_error(result_pdf: Path, pki_settings: Settings, tmp_path: Path) -> None:
    from storage.local_minio import free_port

    settings = pki_settings.model_copy(update={"tsa_url": f"http://127.0.0.1:{free_port()}/tsa"})
    with pytest.raises(TimestampError):
        sign_pdf(result_pdf, tmp_path / "out.pdf", settings)
    assert not (tmp_path / "out.pdf").exists()


def test_corrupt_input_is_bad_input(pki_settings: Settings, tmp_path: Path) -> None:
    junk = tmp_path / "junk.pdf"
    junk.write_bytes(b"%PDF-1.7\nnot really a pdf")
    with pytest.raises(CorruptFileError) as caught:
        sign_pdf(junk, tmp_path / "out.pdf", pki_settings)
    assert caught.value.exit_code == 2


def test_verification_needs_no_pki_once_signed(result_pdf: Path, tmp_path: Path) -> None:
    """Years later the OCSP responder, CRL server and TSA are gone: B-LT still verifies.

    A private development PKI is started, signs, and is stopped before verifying;
    verification is anchored at the timestamp's time, not at today's clock.
    """
    from signing.devpki import ensure_dev_pki, stop_dev_pki
    from sohoa.settings import load_settings
    from storage.local_minio import free_port

    base = load_settings(var_dir=tmp_path / "var", dev_pki_port=free_port())
    try:
        pki = ensure_dev_pki(base)
        signed = sign_pdf(result_pdf, tmp_path / "signed.pdf", base)  # default settings: the dev PKI
    finally:
        stop_dev_pki(base)
    settings = base.model_copy(update={"trust_roots": (pki.trust_root,)})
    report = verify_pdf(signed.pdf_path, settings)
    assert (report.verdict, report.level) == (Verdict.VALID, "B-LT"), report.to_json()
    assert report.timestamp_at == signed.signed_at


def test_cms_larger_than_reserved_is_signed_again(
    result_pdf: Path, pki_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A signer chain bigger than the reserved space (simulated by reserving too little) still signs."""
    import signing.sign

    monkeypatch.setattr(signing.sign, "BYTES_RESERVED", 2048)
    signed = sign_pdf(result_pdf, tmp_path / "big.pdf", pki_settings)
    assert verify_pdf(signed.pdf_path, pki_settings).verdict == Verdict.VALID


def test_dev_pki_is_reused_not_regenerated(dev_pki: DevPkiFixture) -> None:
    from signing.devpki import _CACHE, ensure_dev_pki
    from sohoa.settings import load_settings

    keys = sorted((dev_pki.pki.pki_dir / "keys").glob("*.key.pem"))
    before = {k: k.read_bytes() for k in keys}
    pid = (dev_pki.pki.pki_dir / "animator.pid").read_text()
    _CACHE.clear()  # as a fresh process would see it
    again = ensure_dev_pki(load_settings(var_dir=dev_pki.pki.pki_dir.parent, dev_pki_port=dev_pki.pki.port))
    assert again == dev_pki.pki
    assert {k: k.read_bytes() for k in keys} == before
    assert (dev_pki.pki.pki_dir / "animator.pid").read_text() == pid
    assert len(keys) == 11


def test_wrong_pkcs12_password_is_a_configuration_error(
    result_pdf: Path, pki_settings: Settings, tmp_path: Path
) -> None:
    from pydantic import SecretStr

    from sohoa.errors import ConfigurationError

    settings = pki_settings.model_copy(update={"signer_pkcs12_password": SecretStr("wrong")})
    with pytest.raises(ConfigurationError):
        sign_pdf(result_pdf, tmp_path / "x.pdf", settings)


def test_visible_stamp_in_vietnamese(result_pdf: Path, pki_settings: Settings, tmp_path: Path) -> None:
    settings = pki_settings.model_copy(update={"signature_visible": True})
    signed = sign_pdf(result_pdf, tmp_path / "visible.pdf", settings)
    assert verify_pdf(signed.pdf_path, settings).verdict == Verdict.VALID
    with pikepdf.open(signed.pdf_path) as pdf:
        (widget,) = [a for a in pdf.pages[0].get("/Annots", []) if a.get("/FT") == pikepdf.Name.Sig]
        assert float(widget.Rect[2]) - float(widget.Rect[0]) > 100
        assert "/AP" in widget
    text = run([require("pdftotext"), "-f", "1", "-l", "1", signed.pdf_path, "-"], timeout=60).stdout.decode()
    assert "Đã ký số bởi" in text and "Nguyễn Văn An" in text
    _assert_stamp_font_widths_match_program(signed.pdf_path)


def _assert_stamp_font_widths_match_program(path: Path) -> None:
    """PDF/A 6.2.11.5 (what veraPDF checks): the stamp font's /W widths, in 1/1000 em, equal the
    advance widths of the embedded TrueType program (CIDs are glyph ids: CIDToGIDMap Identity)."""
    from io import BytesIO

    from fontTools.ttLib import TTFont

    with pikepdf.open(path) as pdf:
        (widget,) = [a for a in pdf.pages[0].Annots if a.get("/FT") == pikepdf.Name.Sig]
        fonts = _fonts_in(widget.AP.N)
        assert fonts, "the stamp uses no font"
        for font in fonts:
            (cid_font,) = font.DescendantFonts
            program = TTFont(BytesIO(cid_font.FontDescriptor.FontFile2.read_bytes()))
            scale = 1000 / program["head"].unitsPerEm
            advances = program["hmtx"].metrics
            order = program.getGlyphOrder()
            widths = list(cid_font.W)
            assert widths
            for first, run_ in zip(widths[::2], widths[1::2]):
                for cid, width in enumerate(run_, start=int(first)):
                    assert abs(float(width) - advances[order[cid]][0] * scale) <= 1, (cid, float(width))


def _fonts_in(xobject: pikepdf.Object) -> list[pikepdf.Object]:
    """Type0 fonts used by an appearance XObject and the XObjects it draws."""
    resources = xobject.get("/Resources", pikepdf.Dictionary())
    found = [f for f in resources.get("/Font", pikepdf.Dictionary()).values() if f.get("/Subtype") == pikepdf.Name.Type0]
    for inner in resources.get("/XObject", pikepdf.Dictionary()).values():
        found += _fonts_in(inner)
    return found


def test_batch_reuses_presign_validation_only_within_one_context(
    result_pdf: Path, pki_settings: Settings, tmp_path: Path
) -> None:
    """Documents of a batch share the signer/TSA validation; each still carries full LTV data and verifies."""
    from signing import presign
    from signing.trust import signing_context

    first = sign_pdf(result_pdf, tmp_path / "a.pdf", pki_settings)
    (context, status) = next(v for v in presign._RESULTS.memo.values() if v[0] is signing_context(pki_settings))
    second = sign_pdf(result_pdf, tmp_path / "b.pdf", pki_settings)
    assert any(v[1] is status for v in presign._RESULTS.memo.values())  # reused, not recomputed
    for signed in (first, second):
        report = verify_pdf(signed.pdf_path, pki_settings)
        assert (report.verdict, report.level) == (Verdict.VALID, "B-LT"), report.to_json()
    roots_twice = (*pki_settings.trust_roots, pki_settings.trust_roots[0])  # another context, same signer and TSA
    other = pki_settings.model_copy(update={"trust_roots": roots_twice})
    sign_pdf(result_pdf, tmp_path / "c.pdf", other)
    (fresh_context, fresh_status) = next(v for v in presign._RESULTS.memo.values() if v[0] is signing_context(other))
    assert fresh_context is not context and fresh_status is not status  # validated afresh
