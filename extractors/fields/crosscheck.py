"""Confirm OCR values with an independent machine-readable source (QR, MRZ) and check dates.

Agreement makes a field ``verified``. Disagreement keeps both values — the machine value
(error-corrected QR or check-digit-valid MRZ) as the value, the OCR reading as an
alternative — and records a problem, so the document goes to review.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from extractors.fields.normalise import fold, same_text
from extractors.fields.reader import Findings, Value
from extractors.fields.validators import (cccd_expiry_consistent, cccd_expiry_due, ordered_dates, plausible_date,
                                          valid_cccd)
from sohoa.model import BBox, Field, Source

MACHINE_CONFIDENCE = 0.99


def agree(a: Value, b: Value) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return same_text(a, b)
    return a == b


def ocr_slip(ocr: Value, machine: Value) -> bool:
    """True when an OCR text differs from the machine's only the way Tesseract fails, never by content:
    tone marks or case alone (``Nghỉ`` for ``Nghi``), or a wrapped value whose last line(s) went
    unread (the reading is the machine text cut at a word boundary, at least half of it)."""
    if not (isinstance(ocr, str) and isinstance(machine, str)):
        return False
    a, b = fold(ocr).strip(), fold(machine).strip()
    if a == b:
        return True
    return len(a) * 2 >= len(b) and b.startswith(a) and b[len(a)] in " ,"


def confirm(found: Findings, name: str, machine: Value, source: Source, *, page: int, bbox: BBox | None = None,
            trusted: bool = True, slips: bool = False) -> None:
    """Merge a machine-read value into ``found``; ``trusted`` is False when its check digits failed.

    With ``slips`` (a source that carries the full diacritics, like the CCCD QR), an OCR reading
    that is only an ``ocr_slip`` of a trusted machine value does not contradict it: the machine
    value is kept, verified, with the OCR reading as an alternative for the record."""
    if machine is None:
        return
    ocr = found.fields.get(name)
    if ocr is None or ocr.value is None:
        found.fields[name] = Field(name, machine, MACHINE_CONFIDENCE if trusted else 0.5, source,
                                   verified=trusted, page=page, bbox=bbox)
        found.problems.pop(name, None) if trusted else None
        return
    if agree(ocr.value, machine):
        found.fields[name] = replace(ocr, source=source, verified=trusted,
                                     confidence=max(ocr.confidence, MACHINE_CONFIDENCE if trusted else 0.0))
        return
    slip = slips and trusted and ocr_slip(ocr.value, machine)
    found.fields[name] = Field(name, machine, MACHINE_CONFIDENCE if trusted else 0.5, source, verified=slip,
                               page=ocr.page, bbox=ocr.bbox, alternatives=((ocr.source, ocr.value),))
    if not slip:
        found.flag(name, f"{source.value.upper()} và OCR không khớp", f"{source.value} and OCR disagree")


def check_person_dates(found: Findings, birth_name: str = "date_of_birth", *later: str) -> None:
    """Birth not in the future, and birth ≤ each later date in order (issue ≤ expiry)."""
    birth = found.date(birth_name)
    if birth is not None and not plausible_date(birth):
        found.flag(birth_name, "ngày sinh không hợp lý", "implausible birth date")
    dates = [birth, *(found.date(n) for n in later)]
    if not ordered_dates(*dates):
        for name in (birth_name, *later):
            found.flag(name, "thứ tự ngày không hợp lý", "dates out of order (birth ≤ issue ≤ expiry)")


def check_id_against_person(found: Findings) -> None:
    """The ID's sex/century digit and birth year must match the printed sex and date of birth."""
    id_number, sex, birth = found.value("id_number"), found.value("sex"), found.date("date_of_birth")
    if not isinstance(id_number, str):
        return
    if not valid_cccd(id_number, sex if isinstance(sex, str) else None, birth):
        found.flag("id_number", "số định danh không khớp giới tính/năm sinh hoặc mã tỉnh",
                   "ID number inconsistent with sex, birth year or province code")


def check_expiry(found: Findings, issue: date | None = None) -> None:
    """A CCCD expires on a 25th/40th/60th birthday; a date that is none of them is flagged.

    With the QR's issue date and a QR-verified birth date the expiry due is known
    (``cccd_expiry_due``): a printed expiry, or a ``Không thời hạn`` read as a known null, that
    equals it is verified; a known null where an expiry is due, or another renewal birthday, is
    flagged (a misread year such as 2059 for 2039 can land on another renewal birthday, and
    transitional cards that really differ are for a reviewer to confirm). Without an issue date, an OCR'd expiry landing exactly on such a birthday of a verified birth
    date is confirmed by it: a misread digit almost never produces another valid combination.
    """
    birth, expiry = found.date("date_of_birth"), found.date("expiry_date")
    if birth is None or "expiry_date" not in found.fields or "expiry_date" in found.problems:
        return
    if expiry is not None and not cccd_expiry_consistent(birth, expiry):
        found.flag("expiry_date", "ngày hết hạn không khớp ngày sinh", "expiry date inconsistent with birth date")
        return
    if not found.fields["date_of_birth"].verified:
        return
    due = cccd_expiry_due(birth, issue) if issue is not None else expiry
    if expiry is None and due is not None:
        found.flag("expiry_date", "thẻ ghi không thời hạn nhưng phải có hạn theo ngày sinh và ngày cấp",
                   "no expiry printed although one is due by birth and issue dates")
    elif expiry == due and (expiry is not None or issue is not None):
        found.fields["expiry_date"] = replace(found.fields["expiry_date"], verified=True)
    elif issue is not None:
        found.flag("expiry_date", "ngày hết hạn khác hạn tính theo ngày sinh và ngày cấp",
                   "expiry date differs from the one due by birth and issue dates")


def iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
