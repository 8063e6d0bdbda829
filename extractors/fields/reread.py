"""A second reading of doubtful values: the value's own box, cut out, enlarged and read again.

Tesseract's page pass sometimes misreads a word it is unsure of (``822/QĐ-UBND`` at confidence 0
for ``82/QĐ-UBND``, ``5Š`` for ``5``) and reads it right once the box is cut out and enlarged
``SCALE`` times: bigger glyphs, no neighbouring text to disturb line finding. So a value that the
first pass read with doubt (weakest word below ``REREAD_BELOW``) or could not read at all, on one
line of an OCR'd page, is read again; where the second reading is surer, its words replace the
first's and the type's extractor runs again, so every cross-check sees the new value.

Reading the same pixels twice is not independent evidence, so a second reading can correct a
value but never approve one: the words it brings keep the first reading's (lower) confidence,
and a value that changed carries a review reason with the first value kept as an alternative.
"""

from __future__ import annotations

from dataclasses import replace
from statistics import median

import cv2
import numpy as np

from extractors.fields.anchors import lines_of
from extractors.fields.reader import Document, Findings
from extractors.fields.types import TypeExtractor
from extractors.tesseract import read_words
from sohoa.errors import ToolError
from sohoa.model import BBox, Field, OcrResult, Source, Word

REREAD_BELOW = 0.7  # weakest-word confidence under which a value is read a second time
SCALE = 1.5
PAD = 20  # white pixels around the cut-out, so Tesseract sees a margin
ONE_LINE = 1.8  # a box taller than this many median word heights spans several lines: not re-read


def reread_doubtful(doc: Document, extractor: TypeExtractor, found: Findings) -> Findings:
    """``found``, or the findings of a second extraction over words read again (see the module docstring)."""
    result = doc.result
    for field in found.fields.values():
        if _doubtful(doc, field) and field.page is not None and field.bbox is not None:
            result = _with_second_reading(doc, result, field.page, field.bbox, first_value=field.value)
    if result is doc.result:
        return found
    again = extractor.extract(Document(result, lines_of(result), doc.settings, doc.images_read))
    lost = [n for n, f in found.fields.items() if f.value is not None and again.value(n) is None]
    return found if lost else _flag_changes(found, again)


def _doubtful(doc: Document, field: Field) -> bool:
    """An unverified OCR value, unreadable or weakly read, on one line of a page whose image is at hand."""
    if field.source is not Source.OCR or field.verified or field.page is None or field.bbox is None:
        return False
    if field.value is not None and field.confidence >= REREAD_BELOW:
        return False
    words = doc.result.pages[field.page - 1].words
    height = median(w.bbox[3] - w.bbox[1] for w in words) if words else 0
    return doc.image(field.page) is not None and field.bbox[3] - field.bbox[1] <= ONE_LINE * height


def _with_second_reading(doc: Document, result: OcrResult, page: int, box: BBox, first_value: object) -> OcrResult:
    """``result`` with the words inside ``box`` replaced by a second reading when that one is surer."""
    first = [w for w in result.pages[page - 1].words if _inside(w.bbox, box)]
    second = second_reading(doc, page, box)
    if not first or not second:
        return result
    floor = min(w.confidence for w in first)
    if first_value is not None and min(w.confidence for w in second) <= floor:
        return result
    kept = [w for w in result.pages[page - 1].words if not _inside(w.bbox, box)]
    brought = [replace(w, confidence=min(w.confidence, floor), line=first[0].line, block=first[0].block) for w in second]
    pages = list(result.pages)
    pages[page - 1] = replace(pages[page - 1], words=tuple(kept + brought))
    return replace(result, pages=tuple(pages))


def second_reading(doc: Document, page: int, box: BBox) -> list[Word]:
    """The words Tesseract reads in ``box`` (page pixels) cut out and enlarged; boxes mapped back to the page.

    Words whose centre falls outside ``box`` (pieces of a neighbouring label caught by the margin)
    are left out; no words when the image cannot be read, the box lies outside it, or Tesseract fails.
    """
    path = doc.image(page)
    image = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE) if path is not None else None
    if image is None:
        return []
    x0, y0, x1, y1 = box
    margin = max(4, (y1 - y0) // 6)
    left, top = max(0, x0 - margin), max(0, y0 - margin)
    crop = image[top : y1 + margin, left : x1 + margin]
    if crop.size == 0:  # a box outside the image
        return []
    big = cv2.resize(crop, None, fx=SCALE, fy=SCALE, interpolation=cv2.INTER_CUBIC)
    padded = cv2.copyMakeBorder(big, PAD, PAD, PAD, PAD, cv2.BORDER_CONSTANT, value=255)
    try:
        words = read_words(np.ascontiguousarray(padded), doc.settings, psm=7)
    except ToolError:
        return []
    mapped = [replace(w, bbox=_to_page(w.bbox, left, top)) for w in words]
    return [w for w in mapped if _inside(w.bbox, box)]


def _to_page(bbox: BBox, left: int, top: int) -> BBox:
    x0, y0, x1, y1 = ((v - PAD) / SCALE for v in bbox)
    return (round(x0) + left, round(y0) + top, round(x1) + left, round(y1) + top)


def _inside(bbox: BBox, box: BBox) -> bool:
    cx, cy = (bbox[0] + bbox[2]) / 2, (bbox[1] + bbox[3]) / 2
    return box[0] <= cx <= box[2] and box[1] <= cy <= box[3]


def _flag_changes(found: Findings, again: Findings) -> Findings:
    """``again`` with a review reason on every field whose value the second reading changed."""
    for name, field in again.fields.items():
        first = found.value(name)
        if field.value == first:
            continue
        if first is None:
            again.flag(name, "giá trị từ lần đọc thứ hai (lần đầu không đọc được)",
                       "value from a second reading (the first was unreadable)")
        else:
            again.flag(name, "giá trị từ lần đọc thứ hai, khác lần đầu", "value from a second reading, differs from the first")
            again.fields[name] = replace(field, alternatives=(*field.alternatives, (Source.OCR, first)))
    return again
