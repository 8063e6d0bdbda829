"""Merging pages into one searchable PDF with pikepdf.

OCRed pages come as Tesseract's one-page PDFs (cleaned image embedded without
lossy re-encoding, invisible text aligned on it); text-layer pages are copied
from the original PDF unchanged. Nothing is re-rendered, so the merge costs
milliseconds and keeps every image byte.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import pikepdf

from sohoa.errors import ToolError
from sohoa.model import OcrPage, OcrResult


def _source_page(stack: ExitStack, cache: dict[Path, pikepdf.Pdf], page: OcrPage) -> pikepdf.Page:
    """The PDF page that represents ``page`` in the output (opened once per file)."""
    if page.pdf_path is not None:
        path, index = page.pdf_path, 0
    else:
        path, index = page.page.source, page.page.number - 1
    if path not in cache:
        cache[path] = stack.enter_context(pikepdf.open(path))
    return cache[path].pages[index]


def merge_pages(result: OcrResult, out: Path) -> None:
    """Write every page of ``result``, in order, into one PDF at ``out``."""
    try:
        with ExitStack() as stack, pikepdf.new() as merged:
            cache: dict[Path, pikepdf.Pdf] = {}
            for page in result.pages:
                merged.pages.append(_source_page(stack, cache, page))
            merged.docinfo["/Producer"] = "sohoa"
            merged.remove_unreferenced_resources()
            merged.save(out, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    except pikepdf.PdfError as e:
        raise ToolError("Không ghép được PDF có thể tìm kiếm", "could not merge the searchable PDF", detail=str(e)) from e
