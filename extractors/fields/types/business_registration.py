"""Certificate of business registration: labelled fields plus the issuing office from the letterhead."""

from __future__ import annotations

from dataclasses import dataclass

from extractors.fields import anchors, layout
from extractors.fields.normalise import fold
from extractors.fields.reader import Document, Findings, read_labelled, read_span, to_field
from extractors.fields.schema import DocSchema, FieldSpec, Kind
from sohoa.model import DocType

SCHEMA = DocSchema(
    DocType.BUSINESS_REGISTRATION,
    fields=(
        FieldSpec("enterprise_name", ("Tên doanh nghiệp viết bằng tiếng Việt", "Tên công ty viết bằng tiếng Việt",
                                      "Tên doanh nghiệp"), max_lines=2),
        FieldSpec("enterprise_code", ("Mã số doanh nghiệp", "Mã số thuế"), Kind.TAX),
        FieldSpec("head_office_address", ("Địa chỉ trụ sở chính",), max_lines=2, place=True),
        FieldSpec("legal_representative", ("Người đại diện theo pháp luật",)),
        FieldSpec("charter_capital", ("Vốn điều lệ",), Kind.MONEY),
        FieldSpec("first_registration_date", ("Đăng ký lần đầu",), Kind.DATE),
        FieldSpec("issuing_authority", place=True),
    ),
    keywords=(("giấy chứng nhận đăng ký doanh nghiệp", 4.0), ("mã số doanh nghiệp", 2.0), ("vốn điều lệ", 1.5),
              ("địa chỉ trụ sở chính", 1.5), ("đăng ký lần đầu", 1.5), ("phòng đăng ký kinh doanh", 1.0),
              ("người đại diện theo pháp luật", 1.0)),
    stops=("Điện thoại", "Email", "Fax", "Website", "Bằng chữ", "Tên doanh nghiệp viết bằng tiếng nước ngoài",
           "Tên công ty viết bằng tiếng nước ngoài", "Tên doanh nghiệp viết tắt", "Tên công ty viết tắt",
           "Chức danh", "Đăng ký thay đổi"),
)
_NAME_LABELS = ("Họ và tên", "Họ, chữ đệm và tên")
_TITLE = ("giấy chứng nhận", "certificate")


def legal_representative(doc: Document, found: Findings) -> None:
    """When the representative's section heading has no value, the ``Họ và tên`` line under it."""
    section = anchors.find_label(doc.lines, SCHEMA.spec("legal_representative").labels)
    current = found.fields.get("legal_representative")
    if section is None or (current is not None and current.value and "cong ty" not in fold(str(current.value))):
        return
    below = [i for i in range(section.line + 1, min(len(doc.lines), section.line + 5))]
    for index in below:
        hit = anchors.find_label(doc.lines[index : index + 1], _NAME_LABELS)
        if hit is None:
            continue
        moved = anchors.Hit(index, hit.start, hit.end, hit.score)
        stop = anchors.find_label(doc.lines[index : index + 1], ("Giới tính", "Sinh ngày", "Chức danh"))
        stops = [anchors.Hit(index, stop.start, stop.end, stop.score)] if stop else []
        span = read_span(doc.lines, moved, stops)
        if span is not None:
            found.problems.pop("legal_representative", None)
            found.fields["legal_representative"] = to_field(SCHEMA.spec("legal_representative"), span, found)
        return


def issuing_authority(doc: Document, found: Findings) -> None:
    """The registration office from the letterhead, above the certificate's title."""
    title = next((l.row for l in doc.lines if any(t in l.folded for t in map(fold, _TITLE))), None)
    span = layout.left_header(doc, title if title is not None else 10**6)
    if span is not None:
        found.fields["issuing_authority"] = to_field(SCHEMA.spec("issuing_authority"), span, found)


@dataclass(frozen=True)
class BusinessRegistrationExtractor:
    schema: DocSchema = SCHEMA

    def extract(self, doc: Document) -> Findings:
        found = read_labelled(doc, self.schema)
        legal_representative(doc, found)
        issuing_authority(doc, found)
        return found


EXTRACTOR = BusinessRegistrationExtractor()
