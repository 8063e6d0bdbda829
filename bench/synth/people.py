"""Synthetic people, places, bodies and identifiers — realistic in form, never real.

Names are drawn from common Vietnamese surnames and given names; ID numbers follow the
``PPP G YY NNNNNN`` structure with a real province code; tax codes carry a correct check
digit. Every draw comes from the ``random.Random`` passed in, so a seed fixes a sample.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from calendar import isleap
from datetime import date

from extractors.fields.validators import PROVINCES, tax_check_digit

SURNAMES = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
            "Dương", "Lý", "Đinh", "Trịnh", "Lương", "Mai")
MIDDLE_M = ("Văn", "Hữu", "Đức", "Minh", "Quang", "Thành", "Công", "Xuân", "Ngọc", "Anh")
MIDDLE_F = ("Thị", "Ngọc", "Thu", "Thanh", "Minh", "Kim", "Phương", "Hồng", "Bảo", "Diệu")
GIVEN_M = ("An", "Bình", "Cường", "Dũng", "Hải", "Hùng", "Khánh", "Long", "Nam", "Phúc", "Quân", "Sơn", "Tuấn",
           "Việt", "Đạt", "Hiếu", "Trung", "Thắng", "Lộc", "Huy")
GIVEN_F = ("Anh", "Hà", "Hương", "Lan", "Linh", "Mai", "Ngọc", "Nhung", "Phương", "Thảo", "Trang", "Yến", "Hằng",
           "Hạnh", "Loan", "Thủy", "Vy", "Quỳnh", "Diệp", "Huệ")
# (province as printed, province code, [(district, [wards])])
PLACES = (
    ("Hà Nội", "001", (("Quận Đống Đa", ("Phường Láng Hạ", "Phường Ô Chợ Dừa")), ("Huyện Thanh Trì", ("Xã Tam Hiệp", "Xã Vĩnh Quỳnh")))),
    ("Hồ Chí Minh", "079", (("Quận 3", ("Phường Võ Thị Sáu", "Phường 9")), ("Huyện Củ Chi", ("Xã Tân Thông Hội", "Xã Phước Vĩnh An")))),
    ("Quảng Ninh", "022", (("Thành phố Hạ Long", ("Phường Hồng Hải", "Phường Bãi Cháy")), ("Huyện Vân Đồn", ("Xã Đông Xá", "Xã Hạ Long")))),
    ("Nghệ An", "040", (("Thành phố Vinh", ("Phường Hưng Bình", "Phường Lê Lợi")), ("Huyện Nghi Lộc", ("Xã Nghi Thạch", "Xã Nghi Phong")))),
    ("Đà Nẵng", "048", (("Quận Hải Châu", ("Phường Thạch Thang", "Phường Hòa Cường Bắc")), ("Huyện Hòa Vang", ("Xã Hòa Phong", "Xã Hòa Tiến")))),
    ("Cần Thơ", "092", (("Quận Ninh Kiều", ("Phường An Hòa", "Phường Tân An")), ("Huyện Phong Điền", ("Xã Mỹ Khánh", "Xã Nhơn Ái")))),
    ("Thái Bình", "034", (("Thành phố Thái Bình", ("Phường Đề Thám", "Phường Bồ Xuyên")), ("Huyện Kiến Xương", ("Xã Vũ Quý", "Xã Bình Nguyên")))),
    ("Lâm Đồng", "068", (("Thành phố Đà Lạt", ("Phường 1", "Phường 8")), ("Huyện Đức Trọng", ("Xã Hiệp Thạnh", "Xã Ninh Gia")))),
)
STREETS = ("Nguyễn Trãi", "Lê Lợi", "Trần Hưng Đạo", "Hai Bà Trưng", "Lý Thường Kiệt", "Phan Đình Phùng", "Quang Trung",
           "Điện Biên Phủ", "Hùng Vương", "Võ Văn Tần")
ETHNICITIES = ("Kinh", "Kinh", "Kinh", "Tày", "Thái", "Mường", "Khmer", "Hoa", "Nùng")
BUSINESS_WORDS = ("THƯƠNG MẠI", "DỊCH VỤ", "XÂY DỰNG", "CÔNG NGHỆ", "VẬN TẢI", "DU LỊCH", "NÔNG SẢN", "THỰC PHẨM",
                  "GIẢI PHÁP SỐ", "KỸ THUẬT")
BRANDS = ("HƯNG THỊNH", "AN PHÁT", "MINH LONG", "SAO VIỆT", "HOÀNG GIA", "TÂN TIẾN", "PHÚ QUÝ", "ĐẠI NAM", "THIÊN ÂN",
          "BÌNH MINH")


@dataclass(frozen=True)
class Person:
    surname: str
    middle: str
    given: str
    sex: str  # Nam / Nữ
    birth: date
    ethnicity: str

    @property
    def name(self) -> str:
        return f"{self.surname} {self.middle} {self.given}"


def person(rng: random.Random, born_from: int = 1950, born_to: int = 2005, sex: str | None = None) -> Person:
    sex = sex or rng.choice(("Nam", "Nữ"))
    male = sex == "Nam"
    birth = date(rng.randint(born_from, born_to), rng.randint(1, 12), rng.randint(1, 28))
    return Person(rng.choice(SURNAMES), rng.choice(MIDDLE_M if male else MIDDLE_F),
                  rng.choice(GIVEN_M if male else GIVEN_F), sex, birth, rng.choice(ETHNICITIES))


def address(rng: random.Random, *, street: bool = True) -> tuple[str, str]:
    """An address as printed and its province code."""
    province, code, districts = rng.choice(PLACES)
    district, wards = rng.choice(districts)
    parts = [rng.choice(wards), district, province if province != "Hồ Chí Minh" else "TP. Hồ Chí Minh"]
    if street:
        parts.insert(0, f"Số {rng.randint(1, 250)} {rng.choice(STREETS)}")
    return ", ".join(parts), code


def id_number(rng: random.Random, who: Person, province_code: str | None = None) -> str:
    """A structurally valid 12-digit ID for ``who`` (sex/century digit and year consistent)."""
    code = province_code or rng.choice(sorted(PROVINCES))
    century = (who.birth.year - 1900) // 100
    g = 2 * century + (0 if who.sex == "Nam" else 1)
    return f"{code}{g}{who.birth.year % 100:02d}{rng.randint(0, 999999):06d}"


def tax_code(rng: random.Random) -> str:
    """A 10-digit enterprise code with a correct check digit (province prefix 01-96)."""
    while True:
        first9 = f"{rng.randint(1, 96):02d}{rng.randint(1, 9_999_999):07d}"
        check = tax_check_digit(first9)
        if check is not None and check < 10:
            return f"{first9}{check}"


CITIES = ("Hà Nội", "Hồ Chí Minh", "Đà Nẵng", "Cần Thơ", "Hải Phòng")


def province_body(province: str) -> str:
    """``TỈNH QUẢNG NINH`` or ``THÀNH PHỐ HÀ NỘI``: how a province names itself in a letterhead."""
    name = province.removeprefix("TP. ")
    return f"{'THÀNH PHỐ' if name in CITIES else 'TỈNH'} {name.upper()}"


def birthday(birth: date, age: int) -> date:
    """The day someone born on ``birth`` reaches ``age``: a 29 February birthday falls on the 28th in a
    common year (a period ending in a month without its day ends on the month's last day)."""
    year = birth.year + age
    return birth.replace(year=year) if (birth.month, birth.day) != (2, 29) or isleap(year) else date(year, 2, 28)


def age_on(birth: date, day: date) -> int:
    """Completed years of age on ``day``."""
    years = day.year - birth.year
    return years - 1 if day < birthday(birth, years) else years


def cccd_expiry(birth: date, issue: date) -> date | None:
    """The expiry printed on a CCCD (Law on Citizen Identification 2014, art. 21): the card must be
    renewed at 25, 40 and 60, and one issued within the two years before such an age (from the 23rd,
    38th or 58th birthday on, that day included) stays valid up to the next one; from 58 it never expires."""
    age = age_on(birth, issue)
    return next((birthday(birth, renewal) for renewal in (25, 40, 60) if age < renewal - 2), None)


def company_name(rng: random.Random) -> str:
    form = rng.choice(("CÔNG TY TNHH", "CÔNG TY CỔ PHẦN", "CÔNG TY TNHH MỘT THÀNH VIÊN"))
    return f"{form} {rng.choice(BUSINESS_WORDS)} {rng.choice(BRANDS)}"


def ddmmyyyy(value: date) -> str:
    return value.strftime("%d/%m/%Y")


def in_words_date(value: date) -> str:
    """``ngày 05 tháng 01 năm 2020`` with Decree 30's leading zeros (day < 10, months 1-2)."""
    month = f"{value.month:02d}" if value.month < 3 else str(value.month)
    return f"ngày {value.day:02d} tháng {month} năm {value.year}"
