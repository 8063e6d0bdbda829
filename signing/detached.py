"""Detached CMS (CAdES) signatures over arbitrary bytes: audit-log checkpoints, manifests.

``sign_detached`` returns DER ``ContentInfo`` bytes holding a CAdES-T
signature (signing certificate attribute + RFC 3161 timestamp) by the
configured signer. ``verify_detached`` checks, offline, that the signature is
intact over exactly ``data``, that signer and timestamp chain to the configured
trust roots and were valid at the timestamp's time. Revocation is not checked
for detached signatures (nothing is embedded to check it with, and verification
must not go online); their evidential anchor is the timestamp.
"""

from __future__ import annotations

import asyncio

from asn1crypto import cms
from pyhanko.sign.validation import async_validate_detached_cms
from pyhanko_certvalidator import ValidationContext

from sohoa.errors import SigningError
from sohoa.settings import Settings

from signing.signers import open_signer
from signing.timestamps import signature_timestamp_time
from signing.trust import timestamper, trust_roots


def sign_detached(data: bytes, settings: Settings) -> bytes:
    """A timestamped detached CMS signature over ``data`` (DER bytes)."""
    with open_signer(settings) as signer:
        try:
            content_info = asyncio.run(
                signer.async_sign_general_data(
                    data, "sha256", detached=True, use_cades=True, timestamper=timestamper(settings)
                )
            )
        except Exception as e:  # TSA or token failures
            raise SigningError("Ký tách rời thất bại", "detached signing failed", detail=f"{type(e).__name__}: {e}") from e
    return content_info.dump()


def verify_detached(data: bytes, signature: bytes, settings: Settings) -> bool:
    """True iff ``signature`` is an intact, trusted, timestamped signature over ``data``."""
    try:
        signed_data = cms.ContentInfo.load(signature)["content"]
        moment = signature_timestamp_time(signed_data["signer_infos"][0])
        if moment is None:
            return False
        context = ValidationContext(
            trust_roots=trust_roots(settings), allow_fetching=False, revocation_mode="soft-fail", moment=moment
        )
        status = asyncio.run(
            async_validate_detached_cms(data, signed_data, signer_validation_context=context, ts_validation_context=context)
        )
    except Exception:  # garbage bytes are simply not a valid signature
        return False
    ts = status.timestamp_validity
    return bool(status.intact and status.valid and status.trusted and ts is not None and ts.intact and ts.trusted)
