"""What a batch is made of and what it ends as: items in, outcomes and a summary out.

Only paths, hashes and keys travel between tasks (never image bytes), so these
types are small and picklable.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path, PurePosixPath

from sohoa.model import DocumentMeta

from flows.manifest import Manifest, load_manifest, manifest_files, meta_for, find_manifest

_SKIPPED_SUFFIXES = (".txt", ".md", ".json", ".csv", ".py")  # notes, labels, manifests, scripts: not scans


class Outcome(StrEnum):
    """How one file of a batch ended. Every value but FAILED is a finished state."""

    STORED = "stored"  # signed and stored, or found already stored
    NEEDS_REVIEW = "needs_review"  # draft stored under governance lock, waiting for a reviewer
    QUARANTINED = "quarantined"  # bad input, copied to the quarantine bucket with its reason
    FAILED = "failed"  # a system failure survived every retry; re-run the batch


@dataclass(frozen=True)
class BatchItem:
    """One file to ingest: where it is, its name within the batch, its context."""

    path: Path
    name: str  # POSIX path relative to the batch folder
    meta: DocumentMeta


@dataclass(frozen=True)
class DocumentOutcome:
    """What happened to one file. ``reason`` is an error code (quarantine) or message (failure)."""

    name: str
    outcome: Outcome
    sha256: str | None = None
    document_id: str | None = None
    doc_type: str | None = None
    pages: int = 0
    reason: str | None = None
    reused: bool = False  # True when an earlier run had already finished this file


@dataclass(frozen=True)
class BatchSummary:
    """The end of a batch: one outcome per file and how long it took."""

    batch_id: str
    outcomes: tuple[DocumentOutcome, ...]
    seconds: float

    @property
    def complete(self) -> bool:
        """Every file ended stored, waiting for review or quarantined (the CLI's exit 0)."""
        return all(o.outcome is not Outcome.FAILED for o in self.outcomes)

    @property
    def pages(self) -> int:
        return sum(o.pages for o in self.outcomes)

    @property
    def pages_processed(self) -> int:
        """Pages recognised by this run (files finished by an earlier run excluded): the rate's numerator."""
        return sum(o.pages for o in self.outcomes if not o.reused)

    def counts(self) -> Counter[Outcome]:
        return Counter(o.outcome for o in self.outcomes)

    def with_outcome(self, outcome: Outcome) -> list[DocumentOutcome]:
        return [o for o in self.outcomes if o.outcome is outcome]


def _is_document(path: Path) -> bool:
    name = path.name.lower()
    return path.is_file() and not name.startswith(".") and not name.endswith(_SKIPPED_SUFFIXES)


def _walk(directory: Path) -> Iterator[Path]:
    """Files under ``directory`` in a stable order, hidden folders skipped."""
    for path in sorted(directory.rglob("*")):
        if not any(part.startswith(".") for part in path.relative_to(directory).parts[:-1]):
            yield path


def discover(directory: Path, manifest_path: Path | None) -> list[BatchItem]:
    """The files of a batch folder (one sub-folder per dossier), each with its context.

    A ``manifest.csv``/``manifest.json`` at the top of the folder is used when no
    manifest is given. Text, JSON and CSV files are notes or labels, not scans.
    """
    manifest_path = manifest_path or find_manifest(directory)
    manifest: Manifest = load_manifest(manifest_path) if manifest_path else {}
    skip = set(manifest_files(directory, manifest_path))
    items = []
    for path in _walk(directory):
        if _is_document(path) and path.resolve() not in skip:
            relative = PurePosixPath(path.relative_to(directory).as_posix())
            items.append(BatchItem(path=path, name=str(relative), meta=meta_for(relative, manifest)))
    return items


def estimate_pages(path: Path) -> int:
    """Cheap page count for the progress bar's total (1 when the file cannot be opened)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".pdf":
            import pikepdf

            with pikepdf.open(path) as pdf:
                return len(pdf.pages)
        if suffix in (".tif", ".tiff"):
            from PIL import Image

            with Image.open(path) as img:
                return int(getattr(img, "n_frames", 1))
    except Exception:  # a bad file is triage's business; here it only counts as one page
        return 1
    return 1


def total_pages(items: Sequence[BatchItem]) -> int:
    return sum(estimate_pages(i.path) for i in items)
