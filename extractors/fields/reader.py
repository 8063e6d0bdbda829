"""The generic, schema-driven reader every type module starts from.

For each field with labels: find the label, read the value to its right (same line or the
next segment of the same row) or on the line below, let it wrap for ``max_lines``, stop at
the next label, then normalise it by ``Kind``. A value that cannot be normalised is null
with a problem recorded; nothing is guessed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from extractors.fields import anchors, normalise
from extractors.fields.anchors import Hit, Span, TextLine
from extractors.fields.normalise import fold
from extractors.fields.qr import CccdQr, read_cccd_qr
from extractors.fields.schema import DocSchema, FieldSpec, Kind
from extractors.fields.validators import plausible_date, valid_cccd, valid_tax_code
from sohoa.model import Field, OcrResult, Source
from sohoa.settings import Settings

Value = str | int | None
_GLOSS = re.compile(r"\s*/\s*")
CHECKED_MIN_CONFIDENCE = 0.6  # a check-digit-valid reading is trusted from this OCR confidence up
T = TypeVar("T")


@dataclass
class Document:
    """What a type module sees: the OCR result, its rebuilt lines and the settings.

    ``images_read`` keeps what was read from the page images (QR code, MRZ re-readings), computed
    once: a copy of the document with some words read again (``reread``) shares it, because
    those readings depend on the images alone.
    """

    result: OcrResult
    lines: list[TextLine]
    settings: Settings
    images_read: dict[tuple[Any, ...], Any] = field(default_factory=dict)

    def image(self, page: int) -> Path | None:
        return self.result.pages[page - 1].page.image_path

    def once(self, key: tuple[Any, ...], read: Callable[[], T]) -> T:
        """``read()`` the first time ``key`` is asked for, its remembered result afterwards."""
        if key not in self.images_read:
            self.images_read[key] = read()
        return self.images_read[key]  # type: ignore[no-any-return]

    @property
    def cccd_qr(self) -> tuple[CccdQr, int] | None:
        """The CCCD QR code of the first two pages (a card's two sides) and its page number, decoded once."""
        return self.once(("cccd_qr",), self._find_cccd_qr)

    def _find_cccd_qr(self) -> tuple[CccdQr, int] | None:
        for page in range(1, min(2, len(self.result.pages)) + 1):
            code = read_cccd_qr(self.image(page))
            if code is not None:
                return code, page
        return None

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


@dataclass
class Findings:
    """Fields found so far and, per field, the reasons it cannot be approved as is."""

    fields: dict[str, Field] = field(default_factory=dict)
    problems: dict[str, list[str]] = field(default_factory=dict)

    def flag(self, name: str, vi: str, en: str) -> None:
        self.problems.setdefault(name, []).append(f"{vi} / {en}")

    def value(self, name: str) -> Value:
        found = self.fields.get(name)
        return None if found is None else found.value

    def date(self, name: str) -> date | None:
        value = self.value(name)
        return date.fromisoformat(value) if isinstance(value, str) else None


def parse_value(kind: Kind, raw: str) -> Value:
    """Normalise a raw string by kind; None when it cannot be read with certainty."""
    if kind is Kind.DATE:
        parsed = normalise.parse_date(raw)
        return parsed.isoformat() if parsed else None
    parsers = {Kind.SEX: normalise.parse_sex, Kind.ID12: normalise.parse_id12, Kind.TAX: normalise.parse_tax_code,
               Kind.MONEY: normalise.parse_money, Kind.TEXT: normalise.clean_text}
    return parsers[kind](raw)


def kind_valid(kind: Kind, value: Value) -> bool:
    """Format-level validity: check digit, province code, plausible date."""
    if value is None:
        return False
    if kind is Kind.ID12:
        return valid_cccd(str(value))
    if kind is Kind.TAX:
        return valid_tax_code(str(value))
    if kind is Kind.DATE:
        return plausible_date(date.fromisoformat(str(value)), future_ok=True)
    return True


def read_labelled(doc: Document, schema: DocSchema) -> Findings:
    """Every labelled field of ``schema`` read from ``doc``; fields without labels are left out."""
    hits = {spec.name: anchors.find_label(doc.lines, spec.labels) for spec in schema.fields if spec.labels}
    stops = [anchors.find_label(doc.lines, (label,)) for label in schema.stops]
    every = [h for h in [*hits.values(), *stops] if h is not None]
    found = Findings()
    for spec in schema.fields:
        hit = hits.get(spec.name)
        if hit is None:
            continue
        span = read_span(doc.lines, with_gloss(doc.lines, hit, spec.labels), every, spec.max_lines)
        if span is not None:
            found.fields[spec.name] = to_field(spec, span, found)
    return found


def with_gloss(lines: list[TextLine], hit: Hit, labels: tuple[str, ...]) -> Hit:
    """The label with its gloss: ``Họ, chữ đệm và tên khai sinh / Full name`` is one label, so the
    English half is never read as the value (labels printed above their values have no colon)."""
    line = lines[hit.line]
    slash = _GLOSS.match(line.folded, hit.end)
    if slash is None:
        return hit
    for label in labels:
        if line.folded.startswith(fold(label), slash.end()):
            return Hit(hit.line, hit.start, slash.end() + len(fold(label)), hit.score)
    return hit


def to_field(spec: FieldSpec, span: Span, found: Findings) -> Field:
    """A field from a raw span; an unreadable or invalid value is flagged, an unreadable one is null.

    A tax code whose check digit holds is ``verified`` unless Tesseract itself doubted the
    reading (below ``CHECKED_MIN_CONFIDENCE``): every single-digit misreading breaks the mod-11
    check (no weight is a multiple of 11), so only a rarer double slip could pass it.
    """
    value = parse_value(spec.kind, span.text)
    valid = value is not None and kind_valid(spec.kind, value)
    if value is None:
        found.flag(spec.name, f"không đọc được «{normalise.clean_text(span.text) or ''}»", "unreadable value")
    elif not valid:
        found.flag(spec.name, "giá trị không hợp lệ", "invalid value (format or check digit)")
    checked = valid and spec.kind is Kind.TAX and span.confidence >= CHECKED_MIN_CONFIDENCE
    return Field(spec.name, value, span.confidence if value is not None else 0.0, span.source,
                 verified=checked, page=span.page, bbox=span.bbox)


def read_span(lines: list[TextLine], hit: Hit, all_hits: list[Hit], max_lines: int = 1) -> Span | None:
    """The value of a label: rest of its line, else the next segment of its row, else the line below."""
    line = lines[hit.line]
    start = anchors.value_start(line, hit)
    span = _segment_span(line, start, _stop(hit.line, start, all_hits, len(line.text)))
    index = hit.line
    if span is None:
        index = _next_value_line(lines, hit.line, all_hits)
        if index is None:
            return None
        span = _segment_span(lines[index], 0, _stop(index, 0, all_hits, len(lines[index].text)))
    if span is None:
        return None
    starts = (line.bbox[0], span.bbox[0] if span.bbox else line.bbox[0])
    return anchors.join_spans([span, *_continuations(lines, index, starts, all_hits, max_lines - 1)])


def _stop(index: int, start: int, all_hits: list[Hit], default: int) -> int:
    return min((h.start for h in all_hits if h.line == index and h.start >= start), default=default)


def _segment_span(line: TextLine, start: int, end: int) -> Span | None:
    span = anchors.span_of(line, start, end)
    if span is None or not any(ch.isalnum() for ch in span.text):
        return None
    return span


def _labelled(index: int, all_hits: list[Hit]) -> bool:
    return any(h.line == index for h in all_hits)


def _next_value_line(lines: list[TextLine], index: int, all_hits: list[Hit]) -> int | None:
    """The next segment of the same row, or the first line of the next row that carries no label.

    A segment without a letter or digit (a rule, a fragment of the QR code or photo read as
    ``——``) is no value and is passed over."""
    label = lines[index]
    for j in range(index + 1, min(len(lines), index + 6)):
        other = lines[j]
        if other.page != label.page or other.row > label.row + 1:
            return None
        if _labelled(j, all_hits):
            return None
        if not any(ch.isalnum() for ch in other.text):
            continue
        if other.row == label.row or other.bbox[2] > label.bbox[0]:
            return j
    return None


def _continuations(lines: list[TextLine], index: int, starts: tuple[int, int], all_hits: list[Hit],
                   budget: int) -> list[Span]:
    """Following lines that continue a wrapped value: next rows, close below, aligned with the label or
    the value's first line, unlabelled."""
    out: list[Span] = []
    last, j = lines[index], index + 1
    while budget > 0 and j < len(lines):
        other = lines[j]
        gap = other.bbox[1] - last.bbox[3]
        if other.row == last.row:
            j += 1
            continue
        if other.page != last.page or _labelled(j, all_hits) or gap > 1.2 * last.height:
            break
        if all(abs(other.bbox[0] - x) > 2 * last.height for x in starts):
            break
        span = _segment_span(other, 0, len(other.text))
        if span is None:
            break
        out.append(span)
        last, j, budget = other, j + 1, budget - 1
    return out


def empty_field(name: str) -> Field:
    """The contract's "not found": every field of the type appears, with a null value."""
    return Field(name, None, 0.0, Source.OCR)
