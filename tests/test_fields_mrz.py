"""TD1 MRZ: the reference example, every check digit, OCR repairs, and corruption never verifying."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from extractors.fields.mrz import build_td1, check_digit, find_td1, parse_td1, repair_line
from extractors.fields.validators import PROVINCES

EXAMPLE = ("IDVNM3012345679079301234567<<9", "0108157F2608156VNM<<<<<<<<<<<0", "TRAN<<THI<MAI<<<<<<<<<<<<<<<<<")


def test_reference_example_parses_with_every_check_digit() -> None:
    mrz = parse_td1(EXAMPLE)
    assert mrz.valid and all(mrz.checks.values())
    assert (mrz.id_number, mrz.document_number, mrz.sex) == ("079301234567", "301234567", "Nữ")
    assert mrz.birth_date(2000) == date(2001, 8, 15)
    assert mrz.expiry_date() == date(2026, 8, 15)
    assert (mrz.surname, mrz.given_names) == ("TRAN", "THI MAI")


def test_check_digit_values() -> None:
    assert check_digit("301234567") == "9"
    assert check_digit("010815") == "7"
    assert check_digit("<<<") == "0"


def test_each_check_digit_is_checked() -> None:
    for line, pos, name in ((0, 14, "document_number"), (0, 29, "id_number"), (1, 6, "birth"), (1, 14, "expiry"),
                            (1, 29, "composite")):
        lines = list(EXAMPLE)
        wrong = str((int(lines[line][pos]) + 1) % 10)
        lines[line] = lines[line][:pos] + wrong + lines[line][pos + 1 :]
        mrz = parse_td1(tuple(lines))  # type: ignore[arg-type]
        assert not mrz.valid and not mrz.checks[name]


def test_no_expiry_code() -> None:
    lines = build_td1("079301234567", date(2001, 8, 15), "Nữ", None, "TRAN", "THI MAI")
    mrz = parse_td1(lines)
    assert mrz.valid and mrz.expiry == "991231" and mrz.expiry_date() is None


def test_find_in_ocr_text_with_confusions() -> None:
    text = "Đặc điểm nhận dạng\nIDVNM3O12345679O79301234567«9\n01O8157F26O8156VNM<<<<<<<<<<<0\nTRAN<<THI<MAI<<<<<<<<<<<<<<<<<\n"
    mrz = find_td1(text)
    assert mrz is not None and mrz.valid and mrz.lines == EXAMPLE


people = st.builds(
    lambda code, sex, birth, serial, surname, given: (code, sex, birth, serial, surname, given),
    st.sampled_from(sorted(PROVINCES)), st.sampled_from(["Nam", "Nữ"]), st.dates(date(1930, 1, 1), date(2020, 12, 31)),
    st.integers(0, 999_999), st.text("ABCDEFGHIKLMNOPQRSTUVXY", min_size=1, max_size=8),
    st.text("ABCDEFGHIKLMNOPQRSTUVXY ", min_size=1, max_size=14).map(lambda s: " ".join(s.split()) or "A"),
)


def _id(code: str, sex: str, birth: date, serial: int) -> str:
    return f"{code}{2 * ((birth.year - 1900) // 100) + (sex == 'Nữ')}{birth.year % 100:02d}{serial:06d}"


@given(people, st.dates(date(2025, 1, 1), date(2080, 12, 31)))
def test_round_trip(person: tuple, expiry: date) -> None:
    code, sex, birth, serial, surname, given_names = person
    number = _id(code, sex, birth, serial)
    mrz = parse_td1(build_td1(number, birth, sex, expiry, surname, given_names))
    assert mrz.valid
    assert (mrz.id_number, mrz.sex, mrz.expiry_date()) == (number, sex, expiry)
    assert mrz.birth_date(1900 + 100 * ((birth.year - 1900) // 100)) == birth


_NUMERIC = {0: [*range(5, 15), *range(15, 27), 29], 1: [*range(0, 7), *range(8, 15), 29]}


@given(people, st.sampled_from([(0, p) for p in _NUMERIC[0]] + [(1, p) for p in _NUMERIC[1]]), st.integers(1, 9))
def test_a_corrupted_digit_never_verifies(person: tuple, where: tuple[int, int], delta: int) -> None:
    code, sex, birth, serial, surname, given_names = person
    lines = list(build_td1(_id(code, sex, birth, serial), birth, sex, date(2040, 1, 1), surname, given_names))
    line, pos = where
    lines[line] = lines[line][:pos] + str((int(lines[line][pos]) + delta) % 10) + lines[line][pos + 1 :]
    assert not parse_td1(tuple(lines)).valid  # type: ignore[arg-type]


@given(people)
def test_ocr_letter_for_digit_confusions_are_repaired(person: tuple) -> None:
    code, sex, birth, serial, surname, given_names = person
    lines = build_td1(_id(code, sex, birth, serial), birth, sex, date(2040, 1, 1), surname, given_names)
    noisy = [lines[0][:5] + lines[0][5:].replace("0", "O").replace("1", "I"), lines[1].replace("5", "S"), lines[2]]
    assert tuple(repair_line(l, i) for i, l in enumerate(noisy)) == lines
