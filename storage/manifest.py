"""The manifest stored beside each document, so the object store alone is the truth.

A manifest is canonical JSON (sorted keys, UTF-8) holding everything the
catalog row holds — fields, owner, type, validity, hashes, object keys and the
signer — plus the ids the document supersedes. ``reindex`` rebuilds the
catalog from manifests alone. Its detached CMS signature (``.p7s``, made by
``signing.sign_detached``) sits beside it. Manifests are written create-only
under the document's retention lock, so a stored manifest is never replaced;
a forged later version would lack a valid signature.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sohoa.errors import IntegrityError
from sohoa.model import ArchiveTimestamp, DocType, DocumentMeta, DocumentStatus, StoredDocument

FORMAT = "sohoa-manifest/1"
SIGNATURE_SUFFIX = ".p7s"


@dataclass(frozen=True)
class Manifest:
    """A document as stored, with what only the store knows (the PDF's version id)."""

    document: StoredDocument
    pdf_version: str | None
    supersedes: tuple[str, ...] = ()
    level: str | None = None  # PAdES level of the signed PDF
    archive: ArchiveTimestamp | None = None  # set by the newest re-timestamp record, if any


def canonical(data: dict[str, Any]) -> bytes:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def to_bytes(manifest: Manifest) -> bytes:
    """The manifest's canonical JSON."""
    doc = manifest.document
    return canonical(
        {
            "format": FORMAT,
            "id": doc.id,
            "status": doc.status.value,
            "doc_type": doc.doc_type.value,
            "owner": {"id": doc.owner_id, "name": doc.owner_name},
            "meta": {"dossier_code": doc.meta.dossier_code, "procedure_code": doc.meta.procedure_code, "agency": doc.meta.agency},
            "validity": {"issue_date": _iso(doc.issue_date), "valid_until": _iso(doc.valid_until)},
            "fields": dict(doc.fields),
            "hashes": {"pdf_sha256": doc.sha256, "extraction_sha256": doc.extraction_sha256, "original_sha256": doc.original_sha256},
            "objects": {"pdf": doc.pdf_key, "pdf_version": manifest.pdf_version, "manifest": doc.manifest_key, "original": doc.original_key},
            "signer": {"name": doc.signer, "signed_at": _iso(doc.signed_at), "level": manifest.level},
            "supersedes": list(manifest.supersedes),
            "superseded_by": doc.superseded_by,
        }
    )


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def from_bytes(data: bytes) -> Manifest:
    """Parse a stored manifest (``IntegrityError`` when it is not one of ours)."""
    try:
        raw = json.loads(data)
        if raw.get("format") != FORMAT:
            raise ValueError(f"format {raw.get('format')!r}")
        document = StoredDocument(
            id=raw["id"],
            doc_type=DocType(raw["doc_type"]),
            owner_id=raw["owner"]["id"],
            owner_name=raw["owner"]["name"],
            status=DocumentStatus(raw["status"]),
            fields=raw["fields"],
            sha256=raw["hashes"]["pdf_sha256"],
            extraction_sha256=raw["hashes"]["extraction_sha256"],
            pdf_key=raw["objects"]["pdf"],
            manifest_key=raw["objects"]["manifest"],
            original_key=raw["objects"]["original"],
            original_sha256=raw["hashes"]["original_sha256"],
            signer=raw["signer"]["name"],
            signed_at=datetime.fromisoformat(raw["signer"]["signed_at"]) if raw["signer"]["signed_at"] else None,
            meta=DocumentMeta(owner_id=raw["owner"]["id"], **raw["meta"]),
            issue_date=_date(raw["validity"]["issue_date"]),
            valid_until=_date(raw["validity"]["valid_until"]),
            superseded_by=raw["superseded_by"],
        )
    except (ValueError, KeyError, TypeError) as e:
        raise IntegrityError("Manifest không hợp lệ", "Malformed manifest", detail=str(e)[:200]) from e
    return Manifest(document, raw["objects"]["pdf_version"], tuple(raw["supersedes"]), raw["signer"]["level"])


def revocation_bytes(document_id: str, reason: str, at: datetime) -> bytes:
    """The revocation record stored (locked) beside a manifest."""
    return canonical({"format": FORMAT, "revokes": document_id, "reason": reason, "at": at.isoformat()})


def apply_revocation(document: StoredDocument, data: bytes) -> StoredDocument:
    raw = json.loads(data)
    return replace(document, status=DocumentStatus.REVOKED, revoked_reason=raw["reason"])


def retype_bytes(document_id: str, sequence: int, doc_type: DocType, previous: DocType, at: datetime) -> bytes:
    """The record stored (create-only) beside a draft's manifest when a reviewer corrects its type:
    the catalog is rebuilt from the store, so a correction kept only in the catalog would be lost."""
    return canonical({"format": FORMAT, "retypes": document_id, "sequence": sequence, "doc_type": doc_type.value,
                      "previous_doc_type": previous.value, "at": at.isoformat()})


def apply_retype(manifest: Manifest, data: bytes) -> Manifest:
    """The draft's manifest as its newest type correction leaves it."""
    try:
        doc_type = DocType(json.loads(data)["doc_type"])
    except (ValueError, KeyError, TypeError) as e:
        raise IntegrityError("Bản ghi đổi loại giấy tờ không hợp lệ", "Malformed type correction record",
                             detail=str(e)[:200]) from e
    return replace(manifest, document=replace(manifest.document, doc_type=doc_type))


def retimestamp_bytes(document_id: str, sequence: int, pdf_version: str | None, pdf_sha256: str,
                      previous_sha256: str, archive: ArchiveTimestamp, at: datetime) -> bytes:
    """The record stored (locked, create-only) beside a manifest when the PDF got a new archive
    timestamp: which object version now holds the document, its hash, and the hash it replaced."""
    return canonical({
        "format": FORMAT, "retimestamps": document_id, "sequence": sequence, "pdf_version": pdf_version,
        "pdf_sha256": pdf_sha256, "previous_pdf_sha256": previous_sha256, "timestamped_at": archive.at.isoformat(),
        "tsa_not_after": _iso(archive.tsa_not_after), "at": at.isoformat(),
    })


def apply_retimestamp(manifest: Manifest, data: bytes) -> Manifest:
    """The manifest as the newest re-timestamp record leaves it: the new PDF version and hash."""
    try:
        raw = json.loads(data)
        archive = ArchiveTimestamp(datetime.fromisoformat(raw["timestamped_at"]),
                                   datetime.fromisoformat(raw["tsa_not_after"]) if raw["tsa_not_after"] else None)
        document = replace(manifest.document, sha256=raw["pdf_sha256"])
    except (ValueError, KeyError, TypeError) as e:
        raise IntegrityError("Bản ghi gia hạn dấu thời gian không hợp lệ", "Malformed re-timestamp record",
                             detail=str(e)[:200]) from e
    return replace(manifest, document=document, pdf_version=raw["pdf_version"], archive=archive, level="B-LTA")
