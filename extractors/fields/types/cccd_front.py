"""CCCD front: printed fields read by their labels, confirmed field by field by the QR code."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from extractors.fields import anchors, crosscheck, vocab
from extractors.fields.normalise import fold
from extractors.fields.reader import Document, Findings, read_labelled, read_span
from extractors.fields.schema import DocSchema, FieldSpec, Kind
from sohoa.model import DocType, Field, Source

SCHEMA = DocSchema(
    DocType.CCCD_FRONT,
    fields=(
        FieldSpec("id_number", ("Số / No.", "Số định danh cá nhân", "Personal identification number", "No."), Kind.ID12),
        FieldSpec("full_name", ("Họ và tên", "Full name", "Họ, chữ đệm và tên khai sinh")),
        FieldSpec("date_of_birth", ("Ngày sinh", "Date of birth", "Ngày, tháng, năm sinh"), Kind.DATE),
        FieldSpec("sex", ("Giới tính", "Sex"), Kind.SEX),
        FieldSpec("nationality", ("Quốc tịch", "Nationality")),
        FieldSpec("place_of_origin", ("Quê quán", "Place of origin"), max_lines=2, place=True),
        FieldSpec("place_of_residence", ("Nơi thường trú", "Place of residence", "Nơi cư trú"), max_lines=2, place=True),
        FieldSpec("expiry_date", ("Có giá trị đến", "Date of expiry"), Kind.DATE, required=False),
    ),
    keywords=(("căn cước công dân", 3.0), ("citizen identity card", 2.0), ("căn cước", 1.0), ("quê quán", 1.0),
              ("nơi thường trú", 1.5), ("có giá trị đến", 1.5), ("date of expiry", 1.0), ("place of origin", 1.0),
              ("personal identification", 1.0)),
)
_ID_RUN = re.compile(r"(?<!\d)\d{12}(?!\d)")


def id_fallback(doc: Document, found: Findings) -> None:
    """The ID printed without a readable label: the only 12-digit run on the card."""
    if found.value("id_number") is not None:
        return
    runs = [(line, m) for line in doc.lines for m in _ID_RUN.finditer(line.text.replace(" ", ""))]
    if len(runs) == 1:
        line, match = runs[0]
        conf = min(w.confidence for w in line.words)
        found.fields["id_number"] = Field("id_number", match.group(), conf, line.source, page=line.page, bbox=line.bbox)
        found.problems.pop("id_number", None)


def no_expiry(doc: Document, found: Findings) -> None:
    """``Không thời hạn`` (a card issued after 58 never expires) is a known null, not a missing value."""
    if "expiry_date" not in found.fields:
        found.flag("expiry_date", "không tìm thấy", "not found")
        return
    hit = anchors.find_label(doc.lines, SCHEMA.spec("expiry_date").labels)
    span = read_span(doc.lines, hit, [hit]) if hit is not None and found.value("expiry_date") is None else None
    if span is not None and anchors.contains("khong thoi han", fold(span.text)):
        found.problems.pop("expiry_date", None)
        found.fields["expiry_date"] = replace(found.fields["expiry_date"], confidence=span.confidence)


def apply_qr(doc: Document, found: Findings) -> bool:
    """Confirm or contradict OCR values with the QR code; True when a QR was read."""
    if doc.cccd_qr is None:
        return False
    code, page = doc.cccd_qr
    for name, value in (("id_number", code.id_number), ("full_name", code.full_name.upper()),
                        ("date_of_birth", crosscheck.iso(code.date_of_birth)), ("sex", code.sex),
                        ("place_of_residence", code.place_of_residence)):
        crosscheck.confirm(found, name, value, Source.QR, page=page, bbox=code.bbox, slips=True)
    return True


@dataclass(frozen=True)
class CccdFrontExtractor:
    schema: DocSchema = SCHEMA

    def extract(self, doc: Document) -> Findings:
        found = read_labelled(doc, self.schema)
        id_fallback(doc, found)
        no_expiry(doc, found)
        vocab.snap(found, "nationality", vocab.NATIONALITIES, only=True)  # citizens only
        if not apply_qr(doc, found):
            found.flag("id_number", "không đọc được mã QR", "QR code not read")
        crosscheck.check_id_against_person(found)
        crosscheck.check_person_dates(found, "date_of_birth", "expiry_date")
        crosscheck.check_expiry(found, doc.cccd_qr[0].issue_date if doc.cccd_qr else None)
        return found


EXTRACTOR = CccdFrontExtractor()
