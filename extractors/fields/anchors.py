"""Anchor-based reading: find a printed label by fuzzy matching, read the value beside or below it.

Labels are matched on folded text (lower case, no diacritics; see ``normalise.fold``) with
rapidfuzz, so ``Ho va ten``, ``Họ và tến`` and ``Ho và tên/Full name`` all find ``Họ và tên``.
Values keep the words they came from, so every field gets a page, a pixel box and the
confidence of its weakest word.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from rapidfuzz import fuzz

from extractors.fields.normalise import fold
from sohoa.model import BBox, OcrResult, Source, Word, nfc

LABEL_MIN_SCORE = 84.0
_LABEL_COLON_WINDOW = 32  # a label's colon (after an English gloss) must come this close
_LABEL_TAIL = 2  # letters of a label's last word OCR may add past the match (``Việệ``), skipped with it


@dataclass(frozen=True)
class TextLine:
    """One printed line: its words in reading order and their character spans in ``text``."""

    page: int  # 1-based
    words: tuple[Word, ...]
    source: Source
    row: int = 0  # visual row on the page; segments of one row share it

    @cached_property
    def text(self) -> str:
        return " ".join(nfc(w.text) for w in self.words)

    @cached_property
    def folded(self) -> str:
        return fold(self.text)

    @cached_property
    def spans(self) -> tuple[tuple[int, int], ...]:
        out, pos = [], 0
        for w in self.words:
            n = len(nfc(w.text))
            out.append((pos, pos + n))
            pos += n + 1
        return tuple(out)

    @property
    def bbox(self) -> BBox:
        return union([w.bbox for w in self.words])

    @property
    def height(self) -> int:
        return max(1, self.bbox[3] - self.bbox[1])


@dataclass(frozen=True)
class Span:
    """A piece of a line: the raw value text and its evidence."""

    text: str
    page: int
    bbox: BBox | None
    confidence: float
    source: Source


@dataclass(frozen=True)
class Hit:
    """A label found on line ``line`` at characters ``[start, end)``."""

    line: int
    start: int
    end: int
    score: float


def union(boxes: list[BBox]) -> BBox:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def lines_of(result: OcrResult) -> list[TextLine]:
    """Every printed line of every page, top to bottom and left to right.

    Lines are rebuilt from word boxes rather than taken from the OCR engine's blocks: words
    whose vertical centres align form a row, and a row is cut where the horizontal gap is wider
    than ``_COLUMN_GAP`` word heights, so a label and a value far to its right stay one line
    while two columns of a letterhead do not merge.
    """
    out: list[TextLine] = []
    for number, page in enumerate(result.pages, start=1):
        for row_index, row in enumerate(_rows([w for w in page.words if w.text.strip()])):
            out.extend(TextLine(number, segment, page.source, row_index) for segment in _segments(row))
    return out


_COLUMN_GAP = 3.0


def _rows(words: list[Word]) -> list[list[Word]]:
    rows: list[list[Word]] = []
    centre = height = 0.0
    for word in sorted(words, key=lambda w: (w.bbox[1] + w.bbox[3]) / 2):
        cy, h = (word.bbox[1] + word.bbox[3]) / 2, word.bbox[3] - word.bbox[1]
        if rows and abs(cy - centre) < 0.45 * max(h, height):
            rows[-1].append(word)
            centre += (cy - centre) / len(rows[-1])
            height = max(height, h)
        else:
            rows.append([word])
            centre, height = cy, h
    return rows


def _segments(row: list[Word]) -> list[tuple[Word, ...]]:
    ordered = sorted(row, key=lambda w: w.bbox[0])
    heights = sorted(w.bbox[3] - w.bbox[1] for w in ordered)
    gap = _COLUMN_GAP * max(1, heights[len(heights) // 2])
    segments: list[list[Word]] = [[ordered[0]]]
    for word in ordered[1:]:
        if word.bbox[0] - segments[-1][-1].bbox[2] > gap:
            segments.append([word])
        else:
            segments[-1].append(word)
    return [tuple(s) for s in segments]


def find_label(lines: list[TextLine], variants: tuple[str, ...], min_score: float = LABEL_MIN_SCORE) -> Hit | None:
    """The best match of any label variant; ties go to the earliest line. Labels shorter than 4 letters need an exact word.

    On one line the longest matching variant wins (``Tên doanh nghiệp viết bằng tiếng Việt`` over
    ``Tên doanh nghiệp``), so the rest of a long label never leaks into the value; across lines the
    best score wins.
    """
    best: Hit | None = None
    for index, line in enumerate(lines):
        hits = [h for v in variants if (h := _match(fold(v), line.folded, index, min_score)) is not None]
        if not hits:
            continue
        longest = max(hits, key=lambda h: (h.end - h.start, h.score))
        if best is None or longest.score > best.score + 0.5:
            best = longest
    return best


def contains(needle: str, haystack: str, min_score: float = LABEL_MIN_SCORE) -> bool:
    """Whether folded ``haystack`` contains folded ``needle`` up to OCR noise (never the other way round)."""
    return _match(needle, haystack, 0, min_score) is not None


def _match(needle: str, haystack: str, index: int, min_score: float) -> Hit | None:
    if len(needle) < 4:
        pos = _word_find(needle, haystack)
        return None if pos < 0 else Hit(index, pos, pos + len(needle), 100.0)
    found = fuzz.partial_ratio_alignment(needle, haystack, score_cutoff=min_score)
    if found is None or found.dest_end - found.dest_start < len(needle) * 0.7:
        return None
    return Hit(index, found.dest_start, found.dest_end, found.score)


def _word_find(needle: str, haystack: str) -> int:
    start = 0
    while (pos := haystack.find(needle, start)) >= 0:
        before = haystack[pos - 1] if pos else " "
        after = haystack[pos + len(needle)] if pos + len(needle) < len(haystack) else " "
        if not before.isalnum() and not after.isalnum():
            return pos
        start = pos + 1
    return -1


def span_of(line: TextLine, start: int, end: int) -> Span | None:
    """The words of ``line`` overlapping characters ``[start, end)``, trimmed to that range."""
    chosen = [(w, s) for w, s in zip(line.words, line.spans) if s[1] > start and s[0] < end]
    if not chosen:
        return None
    text = line.text[max(start, chosen[0][1][0]) : min(end, chosen[-1][1][1])]
    return Span(
        text=text,
        page=line.page,
        bbox=union([w.bbox for w, _ in chosen]),
        confidence=min(w.confidence for w, _ in chosen),
        source=line.source,
    )


def value_start(line: TextLine, hit: Hit) -> int:
    """Where the value begins after a label: past a colon that closes the label (and its English gloss),
    else past the end of the label's last word when OCR added at most ``_LABEL_TAIL`` letters to it."""
    colon = line.text.find(":", hit.end, hit.end + _LABEL_COLON_WINDOW)
    if colon >= 0:
        return colon + 1
    end = hit.end
    while end < len(line.text) and line.text[end].isalnum() and end - hit.end < _LABEL_TAIL:
        end += 1
    at_word_end = end >= len(line.text) or not line.text[end].isalnum()
    return end if at_word_end and hit.end > 0 and line.text[hit.end - 1].isalnum() else hit.end


def join_spans(spans: list[Span]) -> Span:
    """Spans of consecutive lines read as one value (a wrapped address)."""
    boxes = [s.bbox for s in spans if s.bbox is not None]
    return Span(
        text=" ".join(s.text.strip() for s in spans),
        page=spans[0].page,
        bbox=union(boxes) if boxes else None,
        confidence=min(s.confidence for s in spans),
        source=spans[0].source,
    )
