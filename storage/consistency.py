"""Catalog from the object store: reconcile orphans, rebuild everything.

Writes go object first, then catalog row, so a crash in between leaves a
manifest without a row (an orphan). ``reconcile`` completes those rows;
``reindex`` rebuilds every row from the manifests alone, replays what
manifests and revocation records say about status (superseded, revoked) and
swaps the result in with one transaction. Manifests are read by a small thread
pool (``READERS``) and rows are inserted in bulk. Both check the detached signature of every manifest and
revocation record when a signer is configured.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

from sohoa.errors import IntegrityError, NotFoundError
from sohoa.logs import get_logger
from sohoa.model import DocumentStatus
from storage import manifest as mf
from storage.catalog import Catalog, CatalogRow
from storage.objects import ObjectStore
from storage.signer import DetachedSigner

log = get_logger(__name__)
SIGNED_PREFIX = "documents/"
DRAFT_PREFIX = "drafts/"
MANIFEST_NAME = "manifest.json"
REVOCATION_NAME = "revocation.json"
TIMESTAMPS_FOLDER = "timestamps"  # <document folder>/timestamps/<sequence>.json: re-timestamp records
TYPES_FOLDER = "types"  # <draft folder>/types/<sequence>.json: a reviewer's corrections of a draft's type
SEQUENCED_FOLDERS = (TIMESTAMPS_FOLDER, TYPES_FOLDER)
# Manifests read at once by reindex / reconcile: each read is one or two GETs (plus a signature
# check), so overlapping round trips is what speeds a rebuild up; the S3 client pools 16 connections.
READERS = 8


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


@dataclass(frozen=True)
class Listing:
    """The records of the documents bucket, from one listing: each document's manifest key (a signed
    manifest wins over the draft of the same id), revocation keys, and the keys of sequenced records
    (re-timestamps, type corrections)."""

    manifests: dict[str, str]
    revocations: set[str]
    sequenced: dict[tuple[str, str], list[str]]  # (manifest key, folder) -> its record keys, oldest first

    @classmethod
    def of(cls, objects: ObjectStore, bucket: str) -> Listing:
        listing = cls({}, set(), {})
        for prefix in (DRAFT_PREFIX, SIGNED_PREFIX):  # signed last, so it replaces the draft
            for key in objects.keys(bucket, prefix):
                listing._add(key)
        return listing

    def _add(self, key: str) -> None:
        folder, name = key.rsplit("/", 1)
        if name == MANIFEST_NAME:
            self.manifests[folder.rsplit("/", 1)[-1]] = key
        elif name == REVOCATION_NAME:
            self.revocations.add(key)
        elif folder.rsplit("/", 1)[-1] in SEQUENCED_FOLDERS and name.endswith(".json"):
            kind = folder.rsplit("/", 1)[-1]
            self.sequenced.setdefault((sibling(folder, MANIFEST_NAME), kind), []).append(key)  # keys list in order

    def records(self, manifest_key: str, folder: str) -> list[str]:
        return self.sequenced.get((manifest_key, folder), [])


def sequence_keys(objects: ObjectStore, bucket: str, manifest_key: str, folder: str) -> list[str]:
    """The keys of one document's records in ``folder`` (``SEQUENCED_FOLDERS``), oldest first
    (zero-padded sequence numbers)."""
    prefix = sibling(manifest_key, folder + "/")
    return list(objects.keys(bucket, prefix, ".json"))


def read_manifest(
    objects: ObjectStore, bucket: str, key: str, signer: DetachedSigner | None, listing: Listing | None = None
) -> mf.Manifest:
    """Load one manifest with a stored revocation, the newest re-timestamp record and the newest type
    correction applied, signatures checked. ``listing`` (one listing of the bucket) saves lookups when
    loading many."""
    loaded = mf.from_bytes(read_signed(objects, bucket, key, signer))
    revocation_key = sibling(key, REVOCATION_NAME)
    if listing is not None:
        revoked = revocation_key in listing.revocations
        stamps, types = listing.records(key, TIMESTAMPS_FOLDER), listing.records(key, TYPES_FOLDER)
    else:
        revoked = objects.stored_sha256(bucket, revocation_key) is not None
        stamps, types = (sequence_keys(objects, bucket, key, folder) for folder in (TIMESTAMPS_FOLDER, TYPES_FOLDER))
    if stamps:
        loaded = mf.apply_retimestamp(loaded, read_signed(objects, bucket, stamps[-1], signer))
    if types:
        loaded = mf.apply_retype(loaded, read_signed(objects, bucket, types[-1], signer))
    if revoked:
        document = mf.apply_revocation(loaded.document, read_signed(objects, bucket, revocation_key, signer))
        loaded = replace(loaded, document=document)
    return loaded


def status_changes(manifests: Iterable[mf.Manifest]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """What the manifests say about status: (superseded id, by id) pairs in signing order (a later
    supersession wins), then (revoked id, reason) pairs, which the catalog applies last."""
    ordered = sorted(manifests, key=lambda m: (m.document.signed_at is None, m.document.signed_at))
    superseded = [(old, item.document.id) for item in ordered for old in item.supersedes]
    revoked = [(item.document.id, item.document.revoked_reason) for item in ordered if item.document.revoked_reason]
    return superseded, revoked


def _load(
    objects: ObjectStore, bucket: str, listing: Listing, keys: Iterable[str], signer: DetachedSigner | None,
    readers: int = READERS,
) -> list[mf.Manifest]:
    """The manifests at ``keys`` (in that order), read by ``readers`` threads, signatures checked."""
    with ThreadPoolExecutor(max_workers=max(1, readers), thread_name_prefix="sohoa-manifests") as pool:
        return list(pool.map(lambda key: read_manifest(objects, bucket, key, signer, listing), keys))


def _row(item: mf.Manifest) -> CatalogRow:
    return CatalogRow(item.document, item.pdf_version, item.archive)


def _unapplied_revocations(listing: Listing, catalog: Catalog) -> list[str]:
    """Manifest keys of documents revoked in the store but not (yet) in the catalog. A draft
    rejected in review carries a revocation record too; its ``rejected`` status already reflects it."""
    revoked = catalog.ids(DocumentStatus.REVOKED) | catalog.ids(DocumentStatus.REJECTED)
    return [sibling(key, MANIFEST_NAME) for key in sorted(listing.revocations) if key.split("/")[-2] not in revoked]


def reconcile(objects: ObjectStore, bucket: str, catalog: Catalog, signer: DetachedSigner | None) -> int:
    """Complete what a crash left half-done: manifests without a catalog row, revocations the
    catalog has not recorded. Returns how many documents were completed."""
    listing = Listing.of(objects, bucket)
    known = catalog.ids()
    orphans = [key for doc_id, key in listing.manifests.items() if doc_id not in known]
    completed = _load(objects, bucket, listing, orphans, signer)
    for item in completed:
        catalog.put(item.document, item.pdf_version, item.archive)
        log.info("storage.reconciled", document_id=item.document.id)
    catalog.apply_status(*status_changes(completed))
    late = _load(objects, bucket, listing, _unapplied_revocations(listing, catalog), signer)
    catalog.apply_status(*status_changes(late))
    return len(completed) + len(late)


def reindex(
    objects: ObjectStore, bucket: str, catalog: Catalog, signer: DetachedSigner | None, readers: int = READERS
) -> int:
    """Rebuild every document row from the manifests alone (one listing, then ``readers`` threads
    reading), and swap them in with the status changes in one transaction (a portal never sees a
    half-empty catalog)."""
    listing = Listing.of(objects, bucket)
    loaded = _load(objects, bucket, listing, listing.manifests.values(), signer, readers)
    count = catalog.rebuild([_row(item) for item in loaded], *status_changes(loaded))
    log.info("storage.reindexed", documents=count)
    return count
