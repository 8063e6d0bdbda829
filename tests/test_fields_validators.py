"""Validators of identifiers and dates: valid and invalid vectors, and properties over generated codes."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.vn import mst

from extractors.fields.validators import (
    PROVINCES,
    cccd_birth_year,
    cccd_expiry_consistent,
    cccd_expiry_due,
    cccd_sex_century,
    ordered_dates,
    plausible_date,
    tax_check_digit,
    valid_cccd,
    valid_tax_code,
)


@pytest.mark.parametrize("code", ["0100233488", "0312687878", "0312687878-001"])
def test_valid_tax_codes(code: str) -> None:
    assert valid_tax_code(code)


@pytest.mark.parametrize("code", ["0100233480", "0100233489", "010023348", "01002334888", "0312687878-000",
                                  "0100000000", "01002334 88", "", "abcdefghij"])
def test_invalid_tax_codes(code: str) -> None:
    assert not valid_tax_code(code)


nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


@given(nine_digits)
def test_tax_check_digit_agrees_with_python_stdnum(first9: str) -> None:
    check = tax_check_digit(first9)
    if check is None or first9[2:] == "0000000":
        return
    assert valid_tax_code(first9 + str(check))
    assert mst.is_valid(first9 + str(check))


@given(nine_digits, st.integers(0, 9), st.integers(1, 9))
def test_a_single_wrong_digit_never_validates(first9: str, position: int, delta: int) -> None:
    check = tax_check_digit(first9)
    if check is None:
        return
    code = list(first9 + str(check))
    code[position] = str((int(code[position]) + delta) % 10)
    assert not valid_tax_code("".join(code))


def test_province_table_has_the_63_provinces() -> None:
    assert len(PROVINCES) == 63
    assert PROVINCES["001"] == "Hà Nội" and PROVINCES["079"] == "Hồ Chí Minh" and PROVINCES["096"] == "Cà Mau"


def test_cccd_sex_and_century_digit() -> None:
    assert cccd_sex_century("079301234567") == ("Nữ", 2000)
    assert cccd_sex_century("001090123456") == ("Nam", 1900)
    assert cccd_sex_century("001290123456") == ("Nam", 2000)
    assert cccd_birth_year("079301234567") == 2001
    assert cccd_sex_century("07930123456") is None


def test_cccd_cross_checks_against_printed_sex_and_birth() -> None:
    assert valid_cccd("079301234567", "Nữ", date(2001, 8, 15))
    assert not valid_cccd("079301234567", "Nam", date(2001, 8, 15))  # digit 3 says female
    assert not valid_cccd("079301234567", "Nữ", date(1901, 8, 15))  # century 2000s
    assert not valid_cccd("079301234567", "Nữ", date(2002, 8, 15))  # year 01
    assert not valid_cccd("003301234567")  # 003 is not a province code
    assert not valid_cccd("07930123456X")


@given(st.sampled_from(sorted(PROVINCES)), st.sampled_from(["Nam", "Nữ"]),
       st.dates(date(1900, 1, 1), date(2099, 12, 31)), st.integers(0, 999_999))
def test_generated_ids_validate_and_a_wrong_year_does_not(code: str, sex: str, birth: date, serial: int) -> None:
    g = 2 * ((birth.year - 1900) // 100) + (sex == "Nữ")
    number = f"{code}{g}{birth.year % 100:02d}{serial:06d}"
    assert valid_cccd(number, sex, birth)
    assert not valid_cccd(number, sex, birth.replace(year=birth.year + 1 if birth.month != 2 else birth.year + 4))


def test_date_plausibility_and_order() -> None:
    today = date(2026, 11, 23)
    assert plausible_date(date(1990, 1, 1), today=today)
    assert not plausible_date(date(2027, 1, 1), today=today)
    assert plausible_date(date(2040, 1, 1), today=today, future_ok=True)
    assert not plausible_date(date(1899, 12, 31), today=today)
    assert ordered_dates(date(1990, 1, 1), None, date(2030, 1, 1))
    assert not ordered_dates(date(1990, 1, 1), date(1989, 1, 1))


def test_cccd_expiry_falls_on_a_25th_40th_or_60th_birthday() -> None:
    birth = date(2001, 8, 15)
    assert cccd_expiry_consistent(birth, date(2026, 8, 15))
    assert cccd_expiry_consistent(birth, date(2041, 8, 15))
    assert not cccd_expiry_consistent(birth, date(2026, 8, 16))
    assert not cccd_expiry_consistent(birth, date(2031, 8, 15))


@pytest.mark.parametrize(("birth", "issue", "due"), [
    (date(2001, 8, 15), date(2022, 2, 1), date(2026, 8, 15)),  # renewal at 25
    (date(2001, 8, 15), date(2024, 9, 1), date(2041, 8, 15)),  # within two years of 25: valid to 40
    (date(1964, 5, 5), date(2022, 3, 1), date(2024, 5, 5)),  # 57: renewed at 60
    (date(1964, 5, 5), date(2022, 6, 1), None),  # from 58: no expiry
    (date(1950, 1, 2), date(2021, 7, 1), None),  # after 60: no expiry
    (date(2000, 2, 29), date(2021, 1, 1), date(2025, 2, 28)),  # a 29 February birthday in a common year
])
def test_cccd_expiry_due_from_birth_and_issue(birth: date, issue: date, due: date | None) -> None:
    assert cccd_expiry_due(birth, issue) == due
