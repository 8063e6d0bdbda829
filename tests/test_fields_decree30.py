"""Administrative documents (Decree 30/2020): classification by the document's own shape, the
number/symbol line and its cross-check with the type title, and the bundled samples end to end."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors import extract, recognise_file
from extractors.fields import extract_as
from extractors.fields.classify import classify
from extractors.fields.decree30 import ABBREVIATIONS, clean_number
from extractors.fields.places import respell
from sohoa.model import Decision, DocType
from sohoa.settings import PROJECT_ROOT, load_settings
from tests.test_fields_parsers import page_of

HEADER = [[(100, "ỦY BAN NHÂN DÂN"), (1100, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")],
          [(100, "PHƯỜNG THỬ NGHIỆM"), (1100, "Độc lập - Tự do - Hạnh phúc")]]
SIGNER = [[(1300, "TM. ỦY BAN NHÂN DÂN")], [(1300, "CHỦ TỊCH")], [(1300, "Trần Thị Thử")]]


def letter(number: str, title: str, summary: str = "Về lịch tiếp công dân") -> list[list[tuple[int, str]]]:
    return [*HEADER, [(100, f"Số: {number}"), (1100, "Hà Nội, ngày 10 tháng 02 năm 2026")],
            [(800, title)], [(600, summary)], *SIGNER]


def test_a_notice_without_recipients_or_legal_grounds_is_still_an_administrative_document() -> None:
    """The review finding: a short notice (no ``Nơi nhận``, no ``Căn cứ``) was classified ``other``."""
    text = ("ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nPHƯỜNG THỬ NGHIỆM Độc lập - Tự do - Hạnh phúc\n"
            "Số: 12/TB-UBND Hà Nội, ngày 10 tháng 02 năm 2026\nTHÔNG BÁO\nVề lịch tiếp công dân\n"
            "TM. ỦY BAN NHÂN DÂN\nLê Văn Mẫu")
    result = classify(text)
    assert result.doc_type is DocType.ADMINISTRATIVE_DOCUMENT and result.confidence == 1.0


@pytest.mark.parametrize("text", [
    "Số: 12/UBND-VX\nV/v triển khai chuyển đổi số\nKính gửi: các phòng",  # an official letter
    "Số: 05/2024/NQ-HĐND\nNGHỊ QUYẾT\nHà Nội, ngày 05 tháng 01 năm 2024",
])
def test_other_decree_30_shapes_are_recognised(text: str) -> None:
    assert classify(text).doc_type is DocType.ADMINISTRATIVE_DOCUMENT


def test_a_birth_certificate_with_a_dated_signature_stays_a_birth_certificate() -> None:
    text = "GIẤY KHAI SINH\nNơi sinh: x\nQuyển số: 01\nSố: 125\nHà Nội, ngày 05 tháng 01 năm 2020"
    assert classify(text).doc_type is DocType.BIRTH_CERTIFICATE


@pytest.mark.parametrize(("raw", "expected", "repaired"), [
    ("05/QĐ-UBND", "05/QĐ-UBND", False),
    ("O5 / QĐ-UBND", "05/QĐ-UBND", False),
    ("05QĐÐ-UBND", "05/QĐĐ-UBND", True),  # slash lost by OCR, restored and reported
    ("12/UBND-VX", "12/UBND-VX", False),
    ("05/2024/NQ-HĐND", "05/2024/NQ-HĐND", False),
])
def test_clean_number(raw: str, expected: str, repaired: bool) -> None:
    assert clean_number(raw) == (expected, repaired)


@given(st.integers(1, 9999), st.sampled_from(sorted(ABBREVIATIONS.values())), st.sampled_from(["UBND", "VP", "SGDĐT"]))
def test_clean_number_keeps_every_well_formed_symbol(number: int, abbreviation: str, body: str) -> None:
    symbol = f"{number:02d}/{abbreviation}-{body}"
    assert clean_number(symbol) == (symbol, False)
    assert clean_number(symbol.replace("/", " / ").replace("-", " - ")) == (symbol, False)


def test_a_symbol_agreeing_with_the_title_confirms_the_type() -> None:
    found = extract_as(page_of(letter("12/TB-UBND", "THÔNG BÁO")), load_settings(), DocType.ADMINISTRATIVE_DOCUMENT)
    assert found.fields["document_type"].value == "Thông báo" and found.fields["document_type"].verified
    assert found.fields["document_number"].value == "12/TB-UBND"
    assert not any(w.startswith("document_number") for w in found.warnings)


def test_a_symbol_slip_is_repaired_but_never_approved_unseen() -> None:
    found = extract_as(page_of(letter("05/QĐĐ-UBND", "QUYẾT ĐỊNH")), load_settings(), DocType.ADMINISTRATIVE_DOCUMENT)
    assert found.fields["document_number"].value == "05/QĐ-UBND"
    assert found.decision is Decision.NEEDS_REVIEW
    assert any("QĐĐ → QĐ" in w for w in found.warnings)


def test_a_symbol_contradicting_the_title_is_flagged_and_kept_as_read() -> None:
    found = extract_as(page_of(letter("05/TB-UBND", "QUYẾT ĐỊNH")), load_settings(), DocType.ADMINISTRATIVE_DOCUMENT)
    assert found.fields["document_number"].value == "05/TB-UBND" and not found.fields["document_type"].verified
    assert found.decision is Decision.NEEDS_REVIEW
    assert any(w.startswith("document_number: ký hiệu TB không khớp") for w in found.warnings)


@pytest.mark.parametrize(("body", "place", "verified"), [
    ("TỈNH QUẢNG NINH", "Quảng Ninh", True),
    ("THÀNH PHỐ HÀ NỘI", "Hà Nội", True),
    ("TỈNH QUẢNG NINH", "Quang Ninh", False),  # marks lost in one reading: no agreement (the name is respelled after)
    ("THÀNH PHỐ HÀ NỘI", "Hà", False),  # a truncated place is not the body's place
    ("PHƯỜNG THỬ NGHIỆM", "Hà Nội", False),  # the body does not name the place
])
def test_the_place_is_confirmed_only_by_the_same_name_in_the_issuing_body(body: str, place: str, verified: bool) -> None:
    rows = [[(100, "ỦY BAN NHÂN DÂN"), (1100, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")], [(100, body)],
            [(100, "Số: 12/TB-UBND"), (1100, f"{place}, ngày 10 tháng 02 năm 2026")], [(800, "THÔNG BÁO")],
            [(600, "Về lịch tiếp công dân")], *SIGNER]
    found = extract_as(page_of(rows), load_settings(), DocType.ADMINISTRATIVE_DOCUMENT)
    assert found.fields["issue_place"].value == respell(place) and found.fields["issue_place"].verified is verified


@pytest.mark.parametrize(("sample", "number", "kind"), [
    ("HS-2026-0002/thong-bao.png", "12/TB-UBND", "Thông báo"),
    ("HS-2026-0001/quyet-dinh.pdf", "05/QĐ-UBND", "Quyết định"),
])
def test_bundled_samples_are_read_with_their_fields(sample: str, number: str, kind: str) -> None:
    """What ``sohoa demo`` and the review UI show: the type and every Decree 30 field, with a value."""
    settings = load_settings(workers=1)
    with tempfile.TemporaryDirectory(prefix="sohoa-test-") as work:
        found = extract(recognise_file(PROJECT_ROOT / "samples" / sample, settings, Path(work)), settings)
    values = found.values()
    assert found.doc_type is DocType.ADMINISTRATIVE_DOCUMENT
    assert values["document_number"] == number and values["document_type"] == kind
    assert values["issuing_agency"] == "ỦY BAN NHÂN DÂN PHƯỜNG THỬ NGHIỆM" and values["issue_place"] == "Hà Nội"
    assert all(value is not None for value in values.values())


@pytest.mark.parametrize(("title", "flagged"), [("CHỦ TỊCH", False), ("PHÓ TRƯỞNG BAN", False), ("TỊCH", True)])
def test_a_signer_title_outside_the_known_titles_goes_to_review(title: str, flagged: bool) -> None:
    """``TỊCH``: the last line of ``PHÓ CHỦ TỊCH`` when OCR broke the title over two lines."""
    rows = [*letter("12/TB-UBND", "THÔNG BÁO")[:-3], [(1300, "TM. ỦY BAN NHÂN DÂN")], [(1300, title)],
            [(1300, "Trần Thị Thử")]]
    found = extract_as(page_of(rows), load_settings(), DocType.ADMINISTRATIVE_DOCUMENT)
    assert any(w.startswith("signer_title: chức danh không có trong danh mục") for w in found.warnings) is flagged
