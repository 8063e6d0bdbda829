"""CCCD back: the issue date by its label, everything else from the MRZ and its check digits."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from extractors.fields import crosscheck
from extractors.fields.mrz import Mrz, find_td1
from extractors.fields.mrz_ocr import MrzReading, read_mrz_image
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


NAME_MIN_CONFIDENCE = 0.9


@dataclass(frozen=True)
class MrzChoice:
    """The MRZ believed, its page, and whether its unchecked name line is confirmed."""

    mrz: Mrz
    page: int
    name_confirmed: bool


def best_mrz(doc: Document) -> MrzChoice | None:
    """The readings of the zone (whitelisted re-read, page OCR, and, when neither passes its check
    digits, a binarised re-read); a check-digit-valid one wins.

    The name line has no check digit: it counts as confirmed when another reading agrees on it
    or the re-read saw it with high confidence.
    """
    for page_no, page in enumerate(doc.result.pages, start=1):
        image = doc.image(page_no)
        reread = _mrz_reading(doc, image, binarise=False) if image is not None else None
        candidates = [m for m in (reread.mrz if reread else None, find_td1(page.text)) if m is not None]
        if image is not None and not any(m.valid for m in candidates):
            binarised = _mrz_reading(doc, image, binarise=True)
            candidates += [binarised.mrz] if binarised is not None else []
        if not candidates:
            continue
        chosen = next((m for m in candidates if m.valid), candidates[0])
        return MrzChoice(chosen, page_no, chosen.valid and _name_confirmed(doc, page_no, chosen, candidates, reread))
    return None


def _name_confirmed(doc: Document, page: int, chosen: Mrz, readings: list[Mrz], reread: MrzReading | None) -> bool:
    """Another reading agrees on the name line, or the re-read is sure of it; a binarised reading is tried last."""
    if any(m is not chosen and m.lines[2] == chosen.lines[2] for m in readings):
        return True
    if reread is not None and reread.mrz is chosen and reread.name_confidence >= NAME_MIN_CONFIDENCE:
        return True
    image = doc.image(page)
    third = _mrz_reading(doc, image, binarise=True) if image is not None else None
    return third is not None and third.mrz is not chosen and third.mrz.lines[2] == chosen.lines[2]


def _mrz_reading(doc: Document, image: Path, *, binarise: bool) -> MrzReading | None:
    """The whitelisted re-reading of a page's MRZ zone, made once per document (see ``Document.once``)."""
    return doc.once(("mrz", image, binarise), lambda: read_mrz_image(image, doc.settings, binarise=binarise))


def apply_mrz(found: Findings, choice: MrzChoice) -> None:
    """MRZ values become the fields; verified only if every check digit holds."""
    mrz, page = choice.mrz, choice.page
    coded = cccd_sex_century(mrz.id_number)
    birth = mrz.birth_date(coded[1] if coded else None)
    values = {"id_number": mrz.id_number, "date_of_birth": crosscheck.iso(birth), "sex": mrz.sex,
              "expiry_date": crosscheck.iso(mrz.expiry_date())}
    for name, value in values.items():
        crosscheck.confirm(found, name, value, Source.MRZ, page=page, trusted=mrz.valid)
    found.fields["mrz"] = Field("mrz", mrz.text, 0.99 if choice.name_confirmed else 0.5, Source.MRZ,
                                verified=choice.name_confirmed, page=page)
    if not mrz.valid:
        failed = ", ".join(k for k, ok in mrz.checks.items() if not ok)
        found.flag("mrz", f"sai số kiểm tra MRZ ({failed})", f"MRZ check digit failed ({failed})")
    elif not choice.name_confirmed:
        found.flag("mrz", "dòng tên MRZ chưa được xác nhận", "MRZ name line (no check digit) not confirmed")


@dataclass(frozen=True)
class CccdBackExtractor:
    schema: DocSchema = SCHEMA

    def extract(self, doc: Document) -> Findings:
        found = read_labelled(doc, self.schema)
        choice = best_mrz(doc)
        if choice is None:
            found.flag("mrz", "không tìm thấy MRZ", "MRZ not found")
        else:
            apply_mrz(found, choice)
            crosscheck.check_id_against_person(found)
        crosscheck.check_person_dates(found, "date_of_birth", "issue_date", "expiry_date")
        return found


EXTRACTOR = CccdBackExtractor()
