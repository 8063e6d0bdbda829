"""Confirm OCR values with an independent machine-readable source (QR, MRZ) and check dates.

Agreement makes a field ``verified``. Disagreement keeps both values — the machine value
(error-corrected QR or check-digit-valid MRZ) as the value, the OCR reading as an
alternative — and records a problem, so the document goes to review.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from extractors.fields.normalise import same_text
from extractors.fields.reader import Findings, Value
from extractors.fields.validators import cccd_expiry_consistent, ordered_dates, plausible_date, valid_cccd
from sohoa.model import BBox, Field, Source

MACHINE_CONFIDENCE = 0.99


def agree(a: Value, b: Value) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return same_text(a, b)
    return a == b


def confirm(found: Findings, name: str, machine: Value, source: Source, *, page: int, bbox: BBox | None = None,
            trusted: bool = True) -> None:
    """Merge a machine-read value into ``found``; ``trusted`` is False when its check digits failed."""
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
    found.fields[name] = Field(name, machine, MACHINE_CONFIDENCE if trusted else 0.5, source, verified=False,
                               page=ocr.page, bbox=ocr.bbox, alternatives=((ocr.source, ocr.value),))
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


def check_expiry(found: Findings) -> None:
    """A CCCD expires on a 25th/40th/60th birthday; anything else is suspicious.

    An OCR'd expiry that lands exactly on such a birthday of a QR-verified birth date is
    confirmed by it: a misread digit almost never produces another valid combination.
    """
    birth, expiry = found.date("date_of_birth"), found.date("expiry_date")
    if birth is None or expiry is None:
        return
    if not cccd_expiry_consistent(birth, expiry):
        found.flag("expiry_date", "ngày hết hạn không khớp ngày sinh", "expiry date inconsistent with birth date")
    elif found.fields["date_of_birth"].verified:
        found.fields["expiry_date"] = replace(found.fields["expiry_date"], verified=True)


def iso(value: date | None) -> str | None:
    return value.isoformat() if value else None
