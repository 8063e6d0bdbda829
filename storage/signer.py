"""Detached signatures of manifests and audit checkpoints, made by the signing engine.

Storage never handles keys: it asks ``signing.sign_detached`` for a CMS
signature over the exact bytes it stores and ``signing.verify_detached`` to
check one. The import happens at first use, so reading the catalog never needs
the signer's key or the PKI.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from sohoa.settings import Settings


class DetachedSigner(Protocol):
    def sign(self, data: bytes) -> bytes: ...

    def verify(self, data: bytes, signature: bytes) -> bool: ...


@dataclass(frozen=True)
class EngineSigner:
    """The project's signing engine (``signing.sign_detached`` / ``verify_detached``)."""

    settings: Settings

    def sign(self, data: bytes) -> bytes:
        from signing import sign_detached

        return sign_detached(data, self.settings)

    def verify(self, data: bytes, signature: bytes) -> bool:
        from signing import verify_detached

        return verify_detached(data, signature, self.settings)
