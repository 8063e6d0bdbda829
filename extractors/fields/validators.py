"""Validators for Vietnamese identifiers and dates (formats in vn-documents.md).

Every validator is pure and returns a bool or a small result; none raises for an
invalid value, because an invalid value is evidence for the reviewer, not an error.
"""

from __future__ import annotations

import re
from datetime import date

# Province codes of the 12-digit personal identification number (the 63 provinces
# before the 2025 merger; the code is fixed at birth registration).
PROVINCES: dict[str, str] = {
    "001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn", "008": "Tuyên Quang",
    "010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu", "014": "Sơn La", "015": "Yên Bái",
    "017": "Hòa Bình", "019": "Thái Nguyên", "020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang",
    "025": "Phú Thọ", "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
    "033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định", "037": "Ninh Bình",
    "038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh", "044": "Quảng Bình", "045": "Quảng Trị",
    "046": "Thừa Thiên Huế", "048": "Đà Nẵng", "049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định",
    "054": "Phú Yên", "056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum",
    "064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng", "070": "Bình Phước",
    "072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai", "077": "Bà Rịa - Vũng Tàu",
    "079": "Hồ Chí Minh", "080": "Long An", "082": "Tiền Giang", "083": "Bến Tre", "084": "Trà Vinh",
    "086": "Vĩnh Long", "087": "Đồng Tháp", "089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ",
    "093": "Hậu Giang", "094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau",
}

TAX_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)
_TAX_RE = re.compile(r"^(\d{10})(?:-(\d{3}))?$")
EARLIEST_DATE = date(1900, 1, 1)


def cccd_sex_century(id_number: str) -> tuple[str, int] | None:
    """Sex (``Nam``/``Nữ``) and birth century (1900, 2000, …) coded by digit 4, or None if malformed."""
    if not re.fullmatch(r"\d{12}", id_number):
        return None
    g = int(id_number[3])
    return ("Nam" if g % 2 == 0 else "Nữ"), 1900 + 100 * (g // 2)


def cccd_birth_year(id_number: str) -> int | None:
    """The birth year encoded by digits 4-6 of a 12-digit ID."""
    coded = cccd_sex_century(id_number)
    return None if coded is None else coded[1] + int(id_number[4:6])


def valid_cccd(id_number: str, sex: str | None = None, birth: date | None = None) -> bool:
    """A 12-digit ID with a real province code, consistent with the printed sex and birth date when given.

    There is no check digit; a first digit other than 0 is a country code and accepted.
    """
    coded = cccd_sex_century(id_number)
    if coded is None:
        return False
    if id_number[0] == "0" and id_number[:3] not in PROVINCES:
        return False
    if sex is not None and coded[0] != sex:
        return False
    return birth is None or cccd_birth_year(id_number) == birth.year


def tax_check_digit(first9: str) -> int | None:
    """The check digit of a 10-digit tax code from its first nine digits, None if no valid one exists."""
    remainder = sum(w * int(d) for w, d in zip(TAX_WEIGHTS, first9, strict=True)) % 11
    return None if remainder == 0 else 10 - remainder


def valid_tax_code(code: str) -> bool:
    """A 10-digit enterprise/tax code with a correct check digit, or a branch ``NNNNNNNNNN-NNN`` (suffix not 000)."""
    match = _TAX_RE.match(code)
    if match is None:
        return False
    main, branch = match.groups()
    if branch == "000" or main[2:9] == "0000000":
        return False
    return tax_check_digit(main[:9]) == int(main[9])


def plausible_date(value: date, *, today: date | None = None, future_ok: bool = False) -> bool:
    """A date after 1900 and, unless it is an expiry, not in the future."""
    limit = date.max if future_ok else (today or date.today())
    return EARLIEST_DATE <= value <= limit


def ordered_dates(*dates: date | None) -> bool:
    """True when the known dates are in non-decreasing order (birth ≤ issue ≤ expiry)."""
    known = [d for d in dates if d is not None]
    return all(a <= b for a, b in zip(known, known[1:]))


def cccd_expiry_consistent(birth: date, expiry: date) -> bool:
    """A CCCD expires on the holder's 25th, 40th or 60th birthday (Law on Identification)."""
    if (expiry.month, expiry.day) != (birth.month, birth.day) and not (birth.month == 2 and birth.day == 29):
        return False
    return expiry.year - birth.year in (25, 40, 60)


RENEWAL_AGES = (25, 40, 60)
RENEWAL_GRACE_YEARS = 2


def _anniversary(day: date, year: int) -> date:
    """``day`` in ``year``; a 29 February falls on the 28th in a common year."""
    try:
        return day.replace(year=year)
    except ValueError:
        return date(year, 2, 28)


def cccd_expiry_due(birth: date, issue: date) -> date | None:
    """The expiry a CCCD issued on ``issue`` must print: the first 25th/40th/60th birthday that is more
    than two years away (a card issued within two years before a renewal age stays valid until the
    next one, Law on Citizen Identification art. 21); None ("Không thời hạn") when none is, i.e. a
    card issued from age 58 never expires."""
    for age in RENEWAL_AGES:
        due = _anniversary(birth, birth.year + age)
        if issue < _anniversary(due, due.year - RENEWAL_GRACE_YEARS):
            return due
    return None
