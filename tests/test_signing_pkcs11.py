"""Signing with a key that never leaves a PKCS#11 token (SoftHSM2, a real PKCS#11 module)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from signing import sign_detached, sign_pdf, verify_detached, verify_pdf
from sohoa.errors import ConfigurationError, SigningError
from sohoa.model import Verdict
from sohoa.settings import Settings


def test_pkcs11_token_signs_b_lt_that_verifies(result_pdf: Path, softhsm_settings: Settings, tmp_path: Path) -> None:
    signed = sign_pdf(result_pdf, tmp_path / "hsm.pdf", softhsm_settings)
    assert signed.signer == "Nguyễn Văn An"
    report = verify_pdf(signed.pdf_path, softhsm_settings)
    assert (report.verdict, report.level) == (Verdict.VALID, "B-LT"), report.to_json()


def test_pkcs11_detached_signature(softhsm_settings: Settings) -> None:
    signature = sign_detached(b"manifest", softhsm_settings)
    assert verify_detached(b"manifest", signature, softhsm_settings)


def test_wrong_pin_is_a_signing_error(result_pdf: Path, softhsm_settings: Settings, tmp_path: Path) -> None:
    settings = softhsm_settings.model_copy(update={"signer_pkcs11_pin": SecretStr("0000")})
    with pytest.raises(SigningError):
        sign_pdf(result_pdf, tmp_path / "x.pdf", settings)


def test_missing_pkcs11_configuration_is_reported(result_pdf: Path, softhsm_settings: Settings, tmp_path: Path) -> None:
    settings = softhsm_settings.model_copy(update={"signer_pkcs11_key_label": None})
    with pytest.raises(ConfigurationError):
        sign_pdf(result_pdf, tmp_path / "x.pdf", settings)
