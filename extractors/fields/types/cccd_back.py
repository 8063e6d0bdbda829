"""CCCD back: the issue date by its label, everything else from the MRZ and its check digits."""

from __future__ import annotations

from dataclasses import dataclass

from extractors.fields import crosscheck
from extractors.fields.mrz import Mrz, find_td1
from extractors.fields.mrz_ocr import read_mrz_image
from extractors.fields.reader import Document, Findings, read_labelled
from extractors.fields.schema import DocSchema, FieldSpec, Kind
from extractors.fields.validators import cccd_sex_century
from sohoa.model import DocType, Field, Source

SCHEMA = DocSchema(
    DocType.CCCD_BACK,
    fields=(
        FieldSpec("issue_date", ("Ngày, tháng, năm", "Date, month, year", "Ngày cấp", "Date of issue"), Kind.DATE),
        FieldSpec("id_number", kind=Kind.ID12),
        FieldSpec("date_of_birth", kind=Kind.DATE),
        FieldSpec("sex", kind=Kind.SEX),
        FieldSpec("expiry_date", kind=Kind.DATE),
        FieldSpec("mrz"),
    ),
    keywords=(("đặc điểm nhận dạng", 3.0), ("personal identification", 1.0), ("ngón trỏ trái", 2.0),
              ("ngón trỏ phải", 2.0), ("cục trưởng cục cảnh sát", 2.0), ("quản lý hành chính về trật tự xã hội", 1.5),
              ("idvnm", 3.0), ("left index finger", 1.0)),
)


def best_mrz(doc: Document) -> tuple[Mrz, int] | None:
    """A valid MRZ from the page text, else from a whitelisted re-reading; else the best invalid one."""
    fallback: tuple[Mrz, int] | None = None
    for page_no, page in enumerate(doc.result.pages, start=1):
        for reading in (lambda: find_td1(page.text), lambda: _reread(doc, page_no)):
            mrz = reading()
            if mrz is not None and mrz.valid:
                return mrz, page_no
            if mrz is not None and fallback is None:
                fallback = (mrz, page_no)
    return fallback


def _reread(doc: Document, page: int) -> Mrz | None:
    image = doc.image(page)
    return None if image is None else read_mrz_image(image, doc.settings)


def apply_mrz(found: Findings, mrz: Mrz, page: int) -> None:
    """MRZ values become the fields; verified only if every check digit holds."""
    coded = cccd_sex_century(mrz.id_number)
    birth = mrz.birth_date(coded[1] if coded else None)
    values = {"id_number": mrz.id_number, "date_of_birth": crosscheck.iso(birth), "sex": mrz.sex,
              "expiry_date": crosscheck.iso(mrz.expiry_date())}
    for name, value in values.items():
        crosscheck.confirm(found, name, value, Source.MRZ, page=page, trusted=mrz.valid)
    found.fields["mrz"] = Field("mrz", mrz.text, 0.99 if mrz.valid else 0.3, Source.MRZ, verified=mrz.valid, page=page)
    if not mrz.valid:
        failed = ", ".join(k for k, ok in mrz.checks.items() if not ok)
        found.flag("mrz", f"sai số kiểm tra MRZ ({failed})", f"MRZ check digit failed ({failed})")


@dataclass(frozen=True)
class CccdBackExtractor:
    schema: DocSchema = SCHEMA

    def extract(self, doc: Document) -> Findings:
        found = read_labelled(doc, self.schema)
        located = best_mrz(doc)
        if located is None:
            found.flag("mrz", "không tìm thấy MRZ", "MRZ not found")
        else:
            apply_mrz(found, *located)
            crosscheck.check_id_against_person(found)
        crosscheck.check_person_dates(found, "date_of_birth", "issue_date", "expiry_date")
        return found


EXTRACTOR = CccdBackExtractor()
