"""Catalog from the object store: reconcile orphans, rebuild everything.

Writes go object first, then catalog row, so a crash in between leaves a
manifest without a row (an orphan). ``reconcile`` completes those rows;
``reindex`` empties the catalog and rebuilds every row from the manifests
alone, then replays what manifests and revocation records say about status
(superseded, revoked). Both check the detached signature of every manifest and
revocation record when a signer is configured.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace

from sohoa.errors import IntegrityError, NotFoundError
from sohoa.logs import get_logger
from sohoa.model import DocumentStatus
from storage import manifest as mf
from storage.catalog import Catalog
from storage.objects import ObjectStore
from storage.signer import DetachedSigner

log = get_logger(__name__)
SIGNED_PREFIX = "documents/"
DRAFT_PREFIX = "drafts/"
MANIFEST_NAME = "manifest.json"
REVOCATION_NAME = "revocation.json"


def sibling(key: str, name: str) -> str:
    """Key of ``name`` in the same document folder as ``key``."""
    return key.rsplit("/", 1)[0] + "/" + name


def read_signed(objects: ObjectStore, bucket: str, key: str, signer: DetachedSigner | None) -> bytes:
    """A stored record whose detached signature (``<key>.p7s``) is checked when a signer is configured."""
    body = objects.get_bytes(bucket, key)
    if signer is None:
        return body
    try:
        valid = signer.verify(body, objects.get_bytes(bucket, key + mf.SIGNATURE_SUFFIX))
    except NotFoundError:
        valid = False
    if not valid:
        raise IntegrityError("Chữ ký của bản ghi lưu trữ không hợp lệ", "Stored record's signature is invalid", detail=key)
    return body


def read_manifest(
    objects: ObjectStore, bucket: str, key: str, signer: DetachedSigner | None, revocations: set[str] | None = None
) -> mf.Manifest:
    """Load one manifest with a stored revocation applied, signatures checked. ``revocations``
    (every revocation key, listed once) saves a lookup per manifest when loading many."""
    loaded = mf.from_bytes(read_signed(objects, bucket, key, signer))
    revocation_key = sibling(key, REVOCATION_NAME)
    if revocations is not None:
        revoked = revocation_key in revocations
    else:
        revoked = objects.stored_sha256(bucket, revocation_key) is not None
    if revoked:
        document = mf.apply_revocation(loaded.document, read_signed(objects, bucket, revocation_key, signer))
        loaded = replace(loaded, document=document)
    return loaded


def manifest_keys(objects: ObjectStore, bucket: str) -> dict[str, str]:
    """Document id -> manifest key; a signed manifest wins over the draft of the same id."""
    found: dict[str, str] = {}
    for prefix in (DRAFT_PREFIX, SIGNED_PREFIX):  # signed last, so it replaces the draft
        for key in objects.keys(bucket, prefix, "/" + MANIFEST_NAME):
            found[key.split("/")[-2]] = key
    return found


def _apply_status(catalog: Catalog, manifests: Iterable[mf.Manifest]) -> None:
    """Replay supersessions declared by newer manifests, then revocations (which win)."""
    ordered = sorted(manifests, key=lambda m: (m.document.signed_at is None, m.document.signed_at))
    for item in ordered:
        if item.supersedes:
            catalog.mark_superseded(item.supersedes, by=item.document.id)
    for item in ordered:
        if item.document.revoked_reason is not None:
            catalog.mark_revoked(item.document.id, item.document.revoked_reason)


def _load(objects: ObjectStore, bucket: str, keys: Iterable[str], signer: DetachedSigner | None) -> Iterator[mf.Manifest]:
    revocations = set(objects.keys(bucket, SIGNED_PREFIX, "/" + REVOCATION_NAME))
    for key in keys:
        yield read_manifest(objects, bucket, key, signer, revocations)


def _unapplied_revocations(objects: ObjectStore, bucket: str, catalog: Catalog) -> list[str]:
    """Manifest keys of documents revoked in the store but not (yet) in the catalog."""
    revoked = catalog.ids(DocumentStatus.REVOKED)
    keys = objects.keys(bucket, SIGNED_PREFIX, "/" + REVOCATION_NAME)
    return [sibling(key, MANIFEST_NAME) for key in keys if key.split("/")[-2] not in revoked]


def reconcile(objects: ObjectStore, bucket: str, catalog: Catalog, signer: DetachedSigner | None) -> int:
    """Complete what a crash left half-done: manifests without a catalog row, revocations the
    catalog has not recorded. Returns how many documents were completed."""
    known = catalog.ids()
    orphans = [key for doc_id, key in manifest_keys(objects, bucket).items() if doc_id not in known]
    completed = list(_load(objects, bucket, orphans, signer))
    for item in completed:
        catalog.put(item.document, item.pdf_version)
        log.info("storage.reconciled", document_id=item.document.id)
    _apply_status(catalog, completed)
    late = list(_load(objects, bucket, _unapplied_revocations(objects, bucket, catalog), signer))
    _apply_status(catalog, late)
    return len(completed) + len(late)


def reindex(objects: ObjectStore, bucket: str, catalog: Catalog, signer: DetachedSigner | None) -> int:
    """Empty the catalog's documents and rebuild them from the manifests alone; returns the count."""
    loaded = list(_load(objects, bucket, manifest_keys(objects, bucket).values(), signer))
    catalog.clear()
    count = catalog.put_many((item.document, item.pdf_version) for item in loaded)
    _apply_status(catalog, loaded)
    log.info("storage.reindexed", documents=count)
    return count
