"""Position-based reading for the parts of Decree 30 style documents that have no labels.

Letterheads put the issuing body top left and the national motto top right; the signer block
sits bottom right. These helpers find such blocks by geometry on page 1 (or the last page).
"""

from __future__ import annotations

from extractors.fields.anchors import Span, TextLine, join_spans, span_of
from extractors.fields.normalise import fold
from extractors.fields.reader import Document

MOTTO = ("cong hoa xa hoi chu nghia viet nam", "doc lap - tu do - hanh phuc", "doc lap", "tu do", "hanh phuc")


def page_width(doc: Document, page: int) -> int:
    return doc.result.pages[page - 1].page.width or max(l.bbox[2] for l in doc.lines)


def is_rule(line: TextLine) -> bool:
    """A printed rule or underline OCR'd as dashes and dots."""
    return sum(ch.isalnum() for ch in line.text) < 2


def is_caps(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    return bool(letters) and sum(ch.isupper() for ch in letters) / len(letters) > 0.8


def whole(line: TextLine) -> Span:
    span = span_of(line, 0, len(line.text))
    assert span is not None  # a TextLine always has words
    return span


def trimmed(line: TextLine) -> Span:
    """The line without the leading and trailing specks OCR made of a signature or a seal (no letter, no digit)."""
    keep = [i for i, w in enumerate(line.words) if any(ch.isalnum() for ch in w.text)]
    if not keep:
        return whole(line)
    start, end = line.spans[keep[0]][0], line.spans[keep[-1]][1]
    span = span_of(line, start, end)
    assert span is not None  # covers at least one word
    return span


def left_header(doc: Document, before_row: int, page: int = 1) -> Span | None:
    """The issuing body: capitals lines in the left half above row ``before_row``, motto and rules left out."""
    half = page_width(doc, page) / 2
    picked = [
        whole(line) for line in doc.lines
        if line.page == page and line.row < before_row and (line.bbox[0] + line.bbox[2]) / 2 < half
        and not is_rule(line) and is_caps(line.text) and not any(m in fold(line.text) for m in MOTTO)
    ]
    return join_spans(picked) if picked else None


def right_block(doc: Document, after_row: int, page: int) -> list[TextLine]:
    """Lines whose centre is in the right half of ``page`` below row ``after_row``, top to bottom."""
    half = page_width(doc, page) / 2
    return [l for l in doc.lines if l.page == page and l.row > after_row and (l.bbox[0] + l.bbox[2]) / 2 > half
            and not is_rule(l)]
