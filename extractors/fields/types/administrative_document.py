"""Administrative documents (Decree 30/2020): read by the fixed layout, not by labels.

Letterhead body top left, ``Số: 05/QĐ-UBND`` under it, the place-date line top right, the
type in capitals and the summary centred below, the signer block bottom right
(``KT. CHỦ TỊCH`` / ``PHÓ CHỦ TỊCH`` / signature / name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.fields import anchors, decree30, layout
from extractors.fields.decree30 import DOCUMENT_TYPES
from extractors.fields.anchors import Span, TextLine
from extractors.fields.normalise import clean_text, fold, parse_date
from extractors.fields.reader import Document, Findings, to_field
from extractors.fields.schema import DocSchema, FieldSpec, Kind
from sohoa.model import DocType, Field

SCHEMA = DocSchema(
    DocType.ADMINISTRATIVE_DOCUMENT,
    fields=(
        FieldSpec("issuing_agency", place=True), FieldSpec("document_number"), FieldSpec("document_type"),
        FieldSpec("issue_place", place=True), FieldSpec("issue_date", kind=Kind.DATE), FieldSpec("summary"),
        FieldSpec("signer_name"), FieldSpec("signer_title"),
    ),
    keywords=(("cộng hòa xã hội chủ nghĩa việt nam", 0.5), ("độc lập - tự do - hạnh phúc", 0.5), ("nơi nhận", 2.0),
              ("kính gửi", 1.5), ("trân trọng", 1.0),
              ("căn cứ", 1.0), ("lưu: vt", 1.5), ("tm. ủy ban nhân dân", 1.0), ("về việc", 1.0)),
    # Decree 30's fixed parts, as they look once folded: the number/symbol ``Số: 12/TB-UBND`` (or
    # ``Số: 12/UBND-VX``), the title line naming the type, the place-date line, a letter's ``V/v``.
    patterns=((r"\bso\s*[:.]\s*\w{1,4}\s*/\s*(?:\d{4}\s*/\s*)?[a-z]{1,5}\s*-\s*[a-z]{2,}", 2.5),
              (r"^(?:" + "|".join(fold(t) for t in DOCUMENT_TYPES) + r")\s*:?$", 1.5),
              (r"^[^\d,]{2,40},\s*ngay\s+\S{1,2}\s+thang\s+\S{1,2}\s+nam\s+\d{4}", 1.0),
              (r"^v\s*/\s*v\b", 1.0)),
)
TITLES = {fold(t): t for t in ("Chủ tịch", "Phó Chủ tịch", "Giám đốc", "Phó Giám đốc", "Chánh Văn phòng",
                               "Phó Chánh Văn phòng", "Trưởng phòng", "Phó Trưởng phòng", "Bộ trưởng", "Thứ trưởng",
                               "Cục trưởng", "Phó Cục trưởng", "Hiệu trưởng", "Tổng Giám đốc", "Chánh Thanh tra",
                               "Trưởng ban", "Phó Trưởng ban", "Phó Tổng Giám đốc", "Phó Hiệu trưởng", "Viện trưởng",
                               "Chánh án", "Bí thư", "Phó Bí thư", "Thủ trưởng", "Trưởng đoàn")}
_NUMBER = re.compile(r"\bso\s*[:.]\s*(\S+(?:\s*[/-]\s*\S+)*)")  # matched on folded text
_DATE_LINE = re.compile(r"^(.*?),?\s*ngay\s*[\dolizsbgq|!ø]")  # on folded text; OCR may misread the first digit
SUMMARY_GAP = 1.6
HEADER_ROWS = 8  # the letterhead (bodies, motto, number, place-date) fits in this many rows
_AUTHORITY = re.compile(r"^(tm|kt|q|tl|tuq)\s*\.\s*", re.IGNORECASE)


def _set(found: Findings, name: str, value: str | None, span: Span | None) -> None:
    if span is None:
        return
    found.fields[name] = Field(name, value, span.confidence if value else 0.0, span.source, page=span.page,
                               bbox=span.bbox)
    if value is None:
        found.flag(name, "không đọc được", "unreadable value")


def number_line(doc: Document, found: Findings) -> TextLine | None:
    """``Số: 05/QĐ-UBND`` → ``05/QĐ-UBND`` (spaces OCR inserted around ``/`` and ``-`` removed)."""
    for line in doc.lines:
        match = _NUMBER.search(line.folded)
        if not match:
            continue
        value, repaired = decree30.clean_number(line.text[match.start(1) : match.end(1)])
        if "/" in value:
            _set(found, "document_number", value, anchors.span_of(line, match.start(1), match.end(1)))
            if repaired:
                found.flag("document_number", "thêm dấu / bị mất khi nhận dạng", "a slash lost by OCR was restored")
            return line
    return None


def date_line(doc: Document, found: Findings, number: TextLine | None) -> TextLine | None:
    """``Hà Nội, ngày 05 tháng 01 năm 2020`` → issue place and ISO date.

    Only the letterhead's right column counts (near the number line when there is one), so a
    date inside the body (``Căn cứ Luật … ngày 19 tháng 6 năm 2015``) is never taken for it.
    """
    last_row = number.row + 2 if number is not None else HEADER_ROWS
    for line in doc.lines:
        if line.page != 1 or line.row > last_row or (line.bbox[0] + line.bbox[2]) / 2 < 0.4 * layout.page_width(doc, 1):
            continue
        match = _DATE_LINE.match(line.folded)
        if match and "thang" in line.folded and "nam" in line.folded:
            span = layout.whole(line)
            when = parse_date(line.text)
            _set(found, "issue_date", when.isoformat() if when else None, span)
            _set(found, "issue_place", clean_text(line.text[: match.end(1)]), span)
            return line
    return None


def type_and_summary(doc: Document, found: Findings, after_row: int) -> None:
    """The capitals title naming the type, then the centred summary lines; a letter has ``V/v`` instead."""
    lines = [l for l in doc.lines if l.page == 1 and l.row > after_row]
    for index, line in enumerate(lines):
        if line.folded.lstrip().startswith("v/v"):
            _set(found, "document_type", "Công văn", layout.whole(line))
            span = anchors.join_spans([layout.whole(l) for l in [line, *_wrapped(lines, index)]])
            _set(found, "summary", clean_text(re.sub(r"^\s*V\s*/\s*v\.?", "", span.text, flags=re.IGNORECASE)), span)
            return
        kind = next((t for t in DOCUMENT_TYPES if fold(t) == line.folded.strip()), None)
        if kind is not None and layout.is_caps(line.text):
            _set(found, "document_type", kind, layout.whole(line))
            body = _wrapped(lines, index)
            if body:
                span = anchors.join_spans([layout.whole(l) for l in body])
                _set(found, "summary", clean_text(span.text), span)
            return


def _wrapped(lines: list[TextLine], index: int) -> list[TextLine]:
    """Centred lines right below ``lines[index]`` forming one paragraph (the summary).

    The summary is set at the title's line spacing; the body starts after a rule and a wider
    gap, so a gap clearly wider than the title-to-summary one (``SUMMARY_GAP``) ends it.
    """
    out: list[TextLine] = []
    last = lines[index]
    first_gap: int | None = None
    for line in lines[index + 1 : index + 5]:
        gap = line.bbox[1] - last.bbox[3]
        wider = first_gap is not None and gap > SUMMARY_GAP * max(first_gap, 1) + 0.2 * last.height
        if gap > 1.6 * last.height or wider or line.folded.startswith(("can cu", "kinh gui")) or layout.is_rule(line):
            break
        first_gap = gap if first_gap is None else first_gap
        if out and layout.is_caps(line.text):
            break
        out.append(line)
        last = line
    return out


def signer(doc: Document, found: Findings) -> None:
    """Bottom-right block of the last page: the last capitals line is the title, the last line the name."""
    if not doc.lines:
        return
    page = max(l.page for l in doc.lines)
    start = max((l.row for l in doc.lines if l.page == page and l.folded.startswith("noi nhan")), default=-1)
    block = [l for l in layout.right_block(doc, start - 1, page) if not l.folded.startswith("noi nhan")]
    caps = [l for l in block if layout.is_caps(l.text)]
    if not caps:
        return
    title_line = caps[-1]
    span = layout.trimmed(title_line)
    title = _AUTHORITY.sub("", clean_text(span.text) or "")
    _set(found, "signer_title", TITLES.get(fold(title), title.capitalize() if title else None), span)
    if title and fold(title) not in TITLES:  # a fragment (``TỊCH`` of a title split over two lines) or an unusual title
        found.flag("signer_title", "chức danh không có trong danh mục", "title not in the list of known titles")
    names = [l for l in block if l.row > title_line.row and not layout.is_caps(l.text) and not layout.is_rule(l)]
    if names:
        name = layout.trimmed(names[-1])
        _set(found, "signer_name", clean_text(name.text), name)


@dataclass(frozen=True)
class AdministrativeDocumentExtractor:
    schema: DocSchema = SCHEMA

    def extract(self, doc: Document) -> Findings:
        found = Findings()
        number = number_line(doc, found)
        dated = date_line(doc, found, number)
        rows = [l.row for l in (number, dated) if l is not None]
        top = min(rows) if rows else 10**6
        agency = layout.left_header(doc, top)
        if agency is not None:
            found.fields["issuing_agency"] = to_field(SCHEMA.spec("issuing_agency"), agency, found)
        type_and_summary(doc, found, max(rows) if rows else -1)
        decree30.check_symbol(found)
        decree30.check_place(found)
        signer(doc, found)
        return found


EXTRACTOR = AdministrativeDocumentExtractor()
