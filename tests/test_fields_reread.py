"""Second readings of doubtful values and the respelling of province names.

The second-reading tests render a real line of text, let Tesseract read it, then stand in a
doubtful first reading (a misread word at low confidence, the way the page pass delivers one)
for the words under test: the second reading itself is a real Tesseract run on the image.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import cv2
import pytest

from extractors.fields import extract_as
from extractors.fields.places import respell
from extractors.tesseract import read_words
from sohoa.model import Decision, DocType, OcrPage, OcrResult, Page, PageOrigin, Source, Word
from sohoa.settings import load_settings
from tests.fixtures_extract import DPI, render_lines


def first_reading(tmp_path: Path, line: str, misread: dict[str, str], confidence: float) -> OcrResult:
    """A page image of ``line`` and its OCR, with the words in ``misread`` replaced as a doubtful page pass would."""
    image = render_lines([line])
    path = tmp_path / "page.png"
    cv2.imwrite(str(path), image)
    words = tuple(replace(w, text=misread[w.text], confidence=confidence) if w.text in misread else w
                  for w in read_words(image, load_settings(), psm=7))
    assert any(w.text in misread.values() for w in words), [w.text for w in words]  # the stand-in took effect
    page = Page(path, 1, PageOrigin.IMAGE, path, image.shape[1], image.shape[0], DPI)
    return OcrResult(path, "0" * 64, (OcrPage(page, words, line, Source.OCR),))


def test_a_doubtful_misreading_is_corrected_by_a_second_reading_but_never_approved(tmp_path: Path) -> None:
    result = first_reading(tmp_path, "Ngày đăng ký: 21/05/2023", {"21/05/2023": "2l/O5/2O23"}, 0.95)
    confident = extract_as(result, load_settings(), DocType.BIRTH_CERTIFICATE).fields["registration_date"]
    assert confident.value == "2023-05-21"  # look-alike letters are read as digits on the first pass already
    result = first_reading(tmp_path, "Ngày đăng ký: 21/05/2023", {"21/05/2023": "21/55/2023"}, 0.3)
    extraction = extract_as(result, load_settings(), DocType.BIRTH_CERTIFICATE)
    field = extraction.fields["registration_date"]
    assert field.value == "2023-05-21" and field.confidence <= 0.3 and not field.verified
    assert any(w.startswith("registration_date: giá trị từ lần đọc thứ hai") for w in extraction.warnings)
    assert extraction.decision is Decision.NEEDS_REVIEW


def test_a_changed_value_keeps_the_first_reading_as_an_alternative(tmp_path: Path) -> None:
    result = first_reading(tmp_path, "Vốn điều lệ: 1.500.000.000 đồng", {"1.500.000.000": "1.800.000.000"}, 0.2)
    extraction = extract_as(result, load_settings(), DocType.BUSINESS_REGISTRATION)
    field = extraction.fields["charter_capital"]
    assert field.value == 1_500_000_000 and field.alternatives == ((Source.OCR, 1_800_000_000),)
    assert any(w.startswith("charter_capital: giá trị từ lần đọc thứ hai, khác lần đầu") for w in extraction.warnings)


def test_a_confident_reading_is_not_read_again(tmp_path: Path) -> None:
    result = first_reading(tmp_path, "Vốn điều lệ: 1.500.000.000 đồng", {"1.500.000.000": "1.800.000.000"}, 0.96)
    field = extract_as(result, load_settings(), DocType.BUSINESS_REGISTRATION).fields["charter_capital"]
    assert field.value == 1_800_000_000 and field.alternatives == ()


@pytest.mark.parametrize(("read", "official"), [
    ("SỞ KẾ HOẠCH VÀ ĐẦU TƯ THÀNH PHÔ CẤN THƠ PHÒNG ĐĂNG KÝ KINH DOANH",
     "SỞ KẾ HOẠCH VÀ ĐẦU TƯ THÀNH PHỐ CẦN THƠ PHÒNG ĐĂNG KÝ KINH DOANH"),  # after a level word, mid-text
    ("Số 217 Điện Biên Phủ, Xã Mỹ Khánh, Huyện Phong Điền, Cấn Thơ",
     "Số 217 Điện Biên Phủ, Xã Mỹ Khánh, Huyện Phong Điền, Cần Thơ"),  # a whole comma-separated part
    ("Quận 3, TP. Hổ Chí Minh", "Quận 3, TP. Hồ Chí Minh"),
    ("ỦY BAN NHÂN DÂN TÍNH QUANG NINH", "ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH"),  # the level word too, case kept
    ("Huyện Hòa Vang, Da Nang", "Huyện Hòa Vang, Đà Nẵng"),  # đ from d
    ("Hồ Chí Mính", "Hồ Chí Minh"),  # the whole value (an issue place)
])
def test_province_names_get_their_official_marks(read: str, official: str) -> None:
    assert respell(read) == official


@pytest.mark.parametrize("text", [
    "Bệnh viện Đa khoa Can Tho",  # not a place part: no level word, no comma before it
    "Phường Hà Nội Mới",  # a province name inside another name
    "Xã Tịnh Hà Nam",  # Tịnh is a place-name syllable, not a misread Tỉnh
    "Huyện Sơn Tịnh, Quảng Ngãi",  # already official
    "Xã Tân Thông Hội, Huyện Củ Chị",  # districts are an open set: left as read
    "Thành phố Vinh",  # a city that is no province
])
def test_other_text_is_left_as_read(text: str) -> None:
    assert respell(text) == text
