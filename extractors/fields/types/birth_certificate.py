"""Birth certificate (Giấy khai sinh): labelled fields; the child's section comes before the parents'."""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.fields import anchors, crosscheck, vocab
from extractors.fields.reader import Document, Findings, read_labelled
from extractors.fields.schema import DocSchema, FieldSpec, Kind
from sohoa.model import DocType, Field

SCHEMA = DocSchema(
    DocType.BIRTH_CERTIFICATE,
    fields=(
        FieldSpec("full_name", ("Họ, chữ đệm, tên", "Họ và tên", "Họ, chữ đệm và tên")),
        FieldSpec("date_of_birth", ("Ngày, tháng, năm sinh", "Ngày sinh"), Kind.DATE),
        FieldSpec("sex", ("Giới tính",), Kind.SEX),
        FieldSpec("ethnicity", ("Dân tộc",)),
        FieldSpec("nationality", ("Quốc tịch",)),
        FieldSpec("place_of_birth", ("Nơi sinh",), max_lines=2, place=True),
        FieldSpec("id_number", ("Số định danh cá nhân",), Kind.ID12, required=False),
        FieldSpec("father_name", ("Họ, chữ đệm, tên người cha", "Họ và tên cha", "Họ và tên người cha")),
        FieldSpec("mother_name", ("Họ, chữ đệm, tên người mẹ", "Họ và tên mẹ", "Họ và tên người mẹ")),
        FieldSpec("registration_number"),
        FieldSpec("registration_date", ("Ngày, tháng, năm đăng ký", "Ngày đăng ký"), Kind.DATE),
        FieldSpec("registration_authority", ("Nơi đăng ký", "Cơ quan đăng ký"), max_lines=2, place=True),
    ),
    keywords=(("giấy khai sinh", 4.0), ("birth certificate", 2.0), ("người mẹ", 1.0), ("người cha", 1.0),
              ("nơi đăng ký", 1.0), ("quyển số", 1.0), ("nơi sinh", 1.0)),
    stops=("Quê quán", "Năm sinh", "Nơi cư trú", "Quyển số", "Người đi khai sinh", "Ghi chú"),
)
# "Số: 125" but not "Quyển số: 01" nor "Số định danh ..."
_NUMBER = re.compile(r"(?<![a-z] )\bso\s*[:.]\s*(\w+)")


def registration_number(doc: Document, found: Findings) -> None:
    """The register entry number printed ``Số: 125`` (the book number ``Quyển số`` is a different thing)."""
    for line in doc.lines:
        match = _NUMBER.search(line.folded)
        if match is None:
            continue
        span = anchors.span_of(line, match.start(1), match.end(1))
        if span is not None:
            value = "".join(ch for ch in span.text if ch.isalnum())
            found.fields["registration_number"] = Field("registration_number", value or None, span.confidence,
                                                        span.source, page=span.page, bbox=span.bbox)
            return


@dataclass(frozen=True)
class BirthCertificateExtractor:
    schema: DocSchema = SCHEMA

    def extract(self, doc: Document) -> Findings:
        found = read_labelled(doc, self.schema)
        registration_number(doc, found)
        vocab.snap(found, "ethnicity", vocab.ETHNICITIES)
        vocab.snap(found, "nationality", vocab.NATIONALITIES)
        crosscheck.check_person_dates(found, "date_of_birth", "registration_date")
        if found.value("id_number") is not None:
            crosscheck.check_id_against_person(found)
        return found


EXTRACTOR = BirthCertificateExtractor()
