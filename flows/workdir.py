"""Per-document working folders and the OCR cache, keyed by the file's content SHA-256.

A document's intermediate files (page images, page PDFs, searchable PDF,
result PDF, signed PDF) live in ``var/work/<sha256>/``. The OCR result is kept
there as ``ocr.pickle`` so a re-run of a batch, a resumed crashed run or the
``finalize`` flow after review never OCRs the same content twice. The folder is
removed once the document is signed and stored; a draft keeps it until review.

The pickle is only ever read back from our own ``var/`` folder, written
atomically (temporary file, then rename) so a kill -9 cannot leave half a cache.
"""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

from sohoa.model import OcrResult
from sohoa.settings import Settings

_CACHE_NAME = "ocr.pickle"


def work_dir(settings: Settings, sha256: str) -> Path:
    """The working folder of the content ``sha256`` (created on demand)."""
    path = settings.var_dir / "work" / sha256
    path.mkdir(parents=True, exist_ok=True)
    return path


def _usable(result: OcrResult) -> bool:
    """A cached result is usable only while every file it points to still exists."""
    paths = [p.pdf_path for p in result.pages] + [p.page.image_path for p in result.pages]
    return all(p is None or p.exists() for p in paths)


def load_cached(work: Path, sha256: str) -> OcrResult | None:
    """The cached OCR result of this content, or None (missing, stale or unreadable)."""
    cache = work / _CACHE_NAME
    if not cache.exists():
        return None
    try:
        result = pickle.loads(cache.read_bytes())
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None
    if not isinstance(result, OcrResult) or result.sha256 != sha256 or not _usable(result):
        return None
    return result


def save_cached(work: Path, result: OcrResult) -> None:
    """Write the OCR result atomically next to the files it refers to."""
    tmp = work / f".{_CACHE_NAME}.{os.getpid()}"
    tmp.write_bytes(pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
    tmp.replace(work / _CACHE_NAME)


def discard(settings: Settings, sha256: str) -> None:
    """Remove a finished document's working folder (its outputs are in the object store)."""
    shutil.rmtree(settings.var_dir / "work" / sha256, ignore_errors=True)
