"""Parsers of the extractor on constructed OCR results: value normalisation, anchors, QR, classification, decision.

The OcrResult objects here are built by hand: they are the input of the parser under test,
the way a Tesseract run would deliver them (words with boxes, confidences and line indices).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import qrcode
from hypothesis import given
from hypothesis import strategies as st

from extractors.fields import extract, extract_as, lines_of
from extractors.fields.anchors import find_label
from extractors.fields.classify import classify
from extractors.fields.crosscheck import ocr_slip
from extractors.fields.normalise import fold, parse_date, parse_money, parse_sex, parse_tax_code
from extractors.fields.qr import parse_cccd_qr, read_cccd_qr
from sohoa.model import Decision, DocType, OcrPage, OcrResult, Page, PageOrigin, Source, Word
from sohoa.settings import load_settings

CHAR_W, LINE_H = 18, 40


def page_of(rows: list[list[tuple[int, str]]], image: Path | None = None, confidence: float = 0.96) -> OcrResult:
    """An OcrResult whose row ``i`` holds words starting at the given x positions, one line per row."""
    words = []
    for i, row in enumerate(rows):
        for x, text in row:
            for k, word in enumerate(text.split()):
                x0 = x + sum(len(w) + 1 for w in text.split()[:k]) * CHAR_W
                words.append(Word(word, (x0, 100 + i * LINE_H * 2, x0 + len(word) * CHAR_W, 100 + i * LINE_H * 2 + LINE_H),
                                  confidence, line=i, block=0))
    page = Page(Path("scan.png"), 1, PageOrigin.IMAGE, image, 2000, 1400, 300)
    text = "\n".join(" ".join(t for _, t in row) for row in rows)
    return OcrResult(Path("scan.png"), "0" * 64, (OcrPage(page, tuple(words), text, Source.OCR),))


def test_fold_keeps_length_and_strips_marks() -> None:
    for text in ("Họ và tên", "ĐỒNG THÁP", "Nơi thường trú"):
        assert len(fold(text)) == len(text)
    assert fold("Họ và tên / ĐỒNG") == "ho va ten / dong"


@pytest.mark.parametrize(("raw", "expected"), [
    ("15/08/2001", date(2001, 8, 15)), ("5-8-2001", date(2001, 8, 5)), ("ngày 05 tháng 01 năm 2020", date(2020, 1, 5)),
    ("Ngày 5 tháng 1 năm 2020", date(2020, 1, 5)), ("15082001", date(2001, 8, 15)), ("1O/O8/2O01", date(2001, 8, 10)),
    ("31/02/2001", None), ("hôm qua", None),
])
def test_parse_date(raw: str, expected: date | None) -> None:
    assert parse_date(raw) == expected


@given(st.dates(date(1900, 1, 1), date(2100, 12, 31)))
def test_parse_date_round_trips_every_printed_form(value: date) -> None:
    forms = (value.strftime("%d/%m/%Y"), f"ngày {value.day:02d} tháng {value.month:02d} năm {value.year}",
             value.strftime("%d%m%Y"), f"{value.day}.{value.month}.{value.year}")
    assert all(parse_date(form) == value for form in forms)


def test_parse_sex_money_tax() -> None:
    assert [parse_sex(s) for s in ("Nam", "Nữ", "Nu", "nữ.", "Female", "Không")] == ["Nam", "Nữ", "Nữ", "Nữ", "Nữ", None]
    assert parse_money("15.000.000.000 đồng") == 15_000_000_000
    assert parse_money("500 000 000 VNĐ") == 500_000_000
    assert parse_tax_code("0312687878 - 001") == "0312687878-001"
    assert parse_tax_code("O1OO233488") == "0100233488"
    assert parse_tax_code("12345") is None


@pytest.mark.parametrize(("raw", "expected"), [
    ("1 1.700.000.000 đồng", 11_700_000_000),  # OCR split the first group: the grouping still holds
    ("1.5OO.000.000 đồng", 1_500_000_000),  # look-alike letters inside the amount
    ("1,500,000,000 VNĐ", 1_500_000_000), ("1.500,000.000 đồng", 1_500_000_000),  # a comma read for a dot
    ("2.900.000.000 đồng (Hai tỷ chín trăm triệu đồng)", 2_900_000_000), ("1500000000", 1_500_000_000),
    ("500", 500), ("1.500.000.000.", 1_500_000_000),
    ("11.70.000.000 đồng", None),  # a digit lost: broken grouping is unreadable, never ``11``
    ("1.5000.000 đồng", None), ("500 000 00", None), ("đồng", None), ("", None),
])
def test_parse_money_checks_the_thousands_grouping(raw: str, expected: int | None) -> None:
    assert parse_money(raw) == expected


@given(st.integers(0, 10**13), st.sampled_from([".", ",", " "]))
def test_parse_money_round_trips_every_grouping(amount: int, separator: str) -> None:
    printed = f"{amount:,}".replace(",", separator)
    assert parse_money(f"{printed} đồng") == amount


def test_labels_match_through_ocr_noise_and_values_stop_at_the_next_label() -> None:
    result = page_of([[(100, "Ho va tến / Full name:")], [(100, "NGUYỄN VĂN AN")],
                      [(100, "Giói tính / Sex: Nam"), (600, "Quốc tịch / Nationality: Việt Nam")]])
    lines = lines_of(result)
    assert find_label(lines, ("Họ và tên",)) is not None
    extraction = extract_as(result, load_settings(), DocType.CCCD_FRONT)
    fields = extraction.fields
    assert fields["full_name"].value == "NGUYỄN VĂN AN" and fields["full_name"].page == 1
    assert fields["full_name"].bbox == (100, 180, 100 + 13 * CHAR_W, 220)  # "NGUYỄN VĂN AN": 13 characters
    assert fields["sex"].value == "Nam" and fields["nationality"].value == "Việt Nam"
    assert fields["id_number"].value is None
    assert extraction.decision is Decision.NEEDS_REVIEW
    assert any(w.startswith("id_number") for w in extraction.warnings)


def test_every_field_of_the_type_appears_even_when_not_found() -> None:
    extraction = extract_as(page_of([[(100, "nothing here")]]), load_settings(), DocType.BIRTH_CERTIFICATE)
    assert set(extraction.to_json()["fields"]) == {
        "full_name", "date_of_birth", "sex", "ethnicity", "nationality", "place_of_birth", "id_number", "father_name",
        "mother_name", "registration_number", "registration_date", "registration_authority"}
    assert all(f["value"] is None for f in extraction.to_json()["fields"].values())


def test_a_disagreeing_qr_is_kept_as_the_value_with_the_ocr_reading_as_alternative(tmp_path: Path) -> None:
    payload = "079301234567||Trần Thị Mai|15082001|Nữ|Số 1 Lê Lợi, Phường 9, Quận 3, TP. Hồ Chí Minh|01022022"
    image = tmp_path / "qr.png"
    qrcode.make(payload.encode()).save(image)
    result = page_of([[(100, "Số / No.: 079301234568")], [(100, "Họ và tên / Full name:")], [(100, "TRẦN THỊ MAI")],
                      [(100, "Ngày sinh / Date of birth: 15/08/2001")], [(100, "Giới tính / Sex: Nữ")]], image)
    extraction = extract_as(result, load_settings(), DocType.CCCD_FRONT)
    id_field = extraction.fields["id_number"]
    assert id_field.value == "079301234567" and id_field.source is Source.QR and not id_field.verified
    assert id_field.alternatives == ((Source.OCR, "079301234568"),)
    assert extraction.fields["full_name"].verified and extraction.fields["date_of_birth"].verified
    assert extraction.decision is Decision.NEEDS_REVIEW


def test_qr_payload_parsing() -> None:
    parsed = parse_cccd_qr("079301234567|123456789|Trần Thị Mai|15082001|Nữ|Phường 9, Quận 3|01022022|extra")
    assert parsed is not None and parsed.date_of_birth == date(2001, 8, 15) and parsed.old_id == "123456789"
    assert parse_cccd_qr("079301234567|x|too short") is None
    assert parse_cccd_qr("not-an-id||a|b|c|d|e") is None


def test_qr_decoding_of_a_real_image(tmp_path: Path) -> None:
    payload = "001190012345||Lê Văn Hùng|01011990|Nam|Xã Tam Hiệp, Huyện Thanh Trì, Hà Nội|05062021"
    image = tmp_path / "card.png"
    qrcode.make(payload.encode()).save(image)
    code = read_cccd_qr(image)
    assert code is not None and code.full_name == "Lê Văn Hùng" and code.bbox is not None
    assert read_cccd_qr(tmp_path / "missing.png") is None


@pytest.mark.parametrize(("text", "expected"), [
    ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nCĂN CƯỚC CÔNG DÂN\nQuê quán: x\nNơi thường trú: y\nCó giá trị đến: z", DocType.CCCD_FRONT),
    ("Đặc điểm nhận dạng: x\nNgón trỏ trái\nNgón trỏ phải\nIDVNM301234567907930", DocType.CCCD_BACK),
    ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nGIẤY KHAI SINH\nNơi sinh: x\nQuyển số: 01", DocType.BIRTH_CERTIFICATE),
    ("GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP\nMã số doanh nghiệp: 0100233488\nVốn điều lệ: 1", DocType.BUSINESS_REGISTRATION),
    ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nQUYẾT ĐỊNH\nCăn cứ Luật\nNơi nhận:\n- Lưu: VT", DocType.ADMINISTRATIVE_DOCUMENT),
    ("Thực đơn nhà hàng\nPhở bò 50.000", DocType.OTHER),
])
def test_classification(text: str, expected: DocType) -> None:
    assert classify(text).doc_type is expected


def test_a_contradicted_manifest_hint_is_reported() -> None:
    text = "GIẤY KHAI SINH\nNơi sinh: x\nQuyển số: 01\nngười mẹ\nngười cha"
    result = classify(text, DocType.CCCD_FRONT)
    assert result.doc_type is DocType.BIRTH_CERTIFICATE and result.confidence <= 0.5 and result.warnings


def test_low_confidence_unverified_fields_are_not_auto_approved() -> None:
    rows = [[(100, "GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP")], [(100, "Mã số doanh nghiệp: 0100233488")]]
    high = extract_as(page_of(rows, confidence=0.97), load_settings(), DocType.BUSINESS_REGISTRATION)
    low = extract_as(page_of(rows, confidence=0.5), load_settings(), DocType.BUSINESS_REGISTRATION)
    assert high.fields["enterprise_code"].value == "0100233488"
    assert not any(w.startswith("enterprise_code") for w in high.warnings)
    assert any(w.startswith("enterprise_code: độ tin cậy thấp") for w in low.warnings)


def test_an_invalid_tax_code_is_flagged() -> None:
    rows = [[(100, "Mã số doanh nghiệp: 0100233480")]]
    extraction = extract_as(page_of(rows), load_settings(), DocType.BUSINESS_REGISTRATION)
    assert extraction.fields["enterprise_code"].value == "0100233480"
    assert any("check digit" in w for w in extraction.warnings)
    assert not extraction.fields["enterprise_code"].verified


@pytest.mark.parametrize(("confidence", "verified"), [(0.8, True), (0.6, True), (0.55, False)])
def test_a_tax_code_whose_check_digit_holds_is_verified_unless_ocr_doubted_it(confidence: float, verified: bool) -> None:
    rows = [[(100, "Mã số doanh nghiệp: 0100233488")]]
    field = extract_as(page_of(rows, confidence=confidence), load_settings(), DocType.BUSINESS_REGISTRATION).fields["enterprise_code"]
    assert field.value == "0100233488" and field.verified is verified


MRZ_LINES = ["IDVNM3012345679079301234567<<9", "0108157F2608156VNM<<<<<<<<<<<0", "TRAN<<THI<MAI<<<<<<<<<<<<<<<<<"]


def test_cccd_back_from_a_valid_mrz_but_an_unconfirmed_name_line() -> None:
    rows = [[(100, "Đặc điểm nhận dạng: Nốt ruồi")], [(100, "Ngày, tháng, năm / Date, month, year: 01/02/2022")],
            *[[(100, line)] for line in MRZ_LINES]]
    extraction = extract_as(page_of(rows), load_settings(), DocType.CCCD_BACK)
    values = extraction.values()
    assert values["id_number"] == "079301234567" and values["date_of_birth"] == "2001-08-15"
    assert values["sex"] == "Nữ" and values["expiry_date"] == "2026-08-15" and values["issue_date"] == "2022-02-01"
    assert extraction.fields["id_number"].verified and extraction.fields["id_number"].source is Source.MRZ
    assert not extraction.fields["mrz"].verified  # one reading only: the name line has no check digit
    assert extraction.decision is Decision.NEEDS_REVIEW


def test_cccd_back_with_a_failing_check_digit_verifies_nothing() -> None:
    broken = [MRZ_LINES[0][:20] + "8" + MRZ_LINES[0][21:], *MRZ_LINES[1:]]
    rows = [[(100, "Đặc điểm nhận dạng")], *[[(100, line)] for line in broken]]
    extraction = extract_as(page_of(rows), load_settings(), DocType.CCCD_BACK)
    assert not any(f.verified for f in extraction.fields.values())
    assert any("MRZ check digit failed" in w for w in extraction.warnings)


def test_closed_vocabularies_repair_diacritics() -> None:
    rows = [[(100, "GIẤY KHAI SINH")], [(100, "Dân tộc: Muong")], [(100, "Quốc tịch: Viet Nam")]]
    extraction = extract_as(page_of(rows, confidence=0.8), load_settings(), DocType.BIRTH_CERTIFICATE)
    assert extraction.fields["ethnicity"].value == "Mường" and extraction.fields["nationality"].value == "Việt Nam"
    assert extraction.fields["ethnicity"].confidence >= 0.95


def test_administrative_letterhead_by_position() -> None:
    rows = [[(100, "ỦY BAN NHÂN DÂN"), (1100, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")],
            [(100, "TỈNH QUẢNG NINH"), (1100, "Độc lập - Tự do - Hạnh phúc")],
            [(100, "Số: O5 / QĐ-UBND"), (1100, "Quảng Ninh, ngày 05 tháng 01 năm 2020")],
            [(800, "QUYẾT ĐỊNH")], [(500, "Về việc phê duyệt kế hoạch")],
            [(100, "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;")],
            [(100, "Nơi nhận:"), (1300, "KT. CHỦ TỊCH")], [(100, "- Lưu: VT."), (1300, "PHÓ CHỦ TỊCH")],
            [(1300, "Nguyễn Văn An")]]
    values = extract_as(page_of(rows), load_settings(), DocType.ADMINISTRATIVE_DOCUMENT).values()
    assert values == {"issuing_agency": "ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH", "document_number": "05/QĐ-UBND",
                      "document_type": "Quyết định", "issue_place": "Quảng Ninh", "issue_date": "2020-01-05",
                      "summary": "Về việc phê duyệt kế hoạch", "signer_name": "Nguyễn Văn An",
                      "signer_title": "Phó Chủ tịch"}


def test_a_card_whose_text_is_unreadable_is_recognised_by_its_qr(tmp_path: Path) -> None:
    payload = "048064760926||Lê Thành Thắng|09051964|Nam|Xã Hòa Tiến, Huyện Hòa Vang, Đà Nẵng|01022022"
    image = tmp_path / "qr.png"
    qrcode.make(payload.encode()).save(image)
    extraction = extract(page_of([[(100, "NVN LIA VỊHĐN H2 IÒH")]], image), load_settings())
    assert extraction.doc_type is DocType.CCCD_FRONT
    assert extraction.fields["full_name"].value == "LÊ THÀNH THẮNG" and extraction.fields["full_name"].verified
    assert extraction.decision is Decision.NEEDS_REVIEW  # the printed-only fields are missing


def test_a_card_without_expiry_is_a_known_null() -> None:
    rows = [[(100, "CĂN CƯỚC CÔNG DÂN")], [(100, "Có giá trị đến: Không thời hạn")]]
    extraction = extract_as(page_of(rows), load_settings(), DocType.CCCD_FRONT)
    assert extraction.fields["expiry_date"].value is None
    assert not any(w.startswith("expiry_date") for w in extraction.warnings)
    missing = extract_as(page_of([[(100, "CĂN CƯỚC CÔNG DÂN")]]), load_settings(), DocType.CCCD_FRONT)
    assert any(w.startswith("expiry_date") for w in missing.warnings)


@pytest.mark.parametrize("doc_type", list(DocType))
@pytest.mark.parametrize("rows", [[], [[(100, "@@ ## %%")]], [[(100, "Số:"), (900, "ngày")], [(100, ":")]]])
def test_every_type_survives_empty_or_junk_pages(doc_type: DocType, rows: list) -> None:
    extraction = extract_as(page_of(rows), load_settings(), doc_type)
    assert extraction.decision is Decision.NEEDS_REVIEW
    assert all(field.value is None for field in extraction.fields.values())


vn_text = st.text(st.sampled_from(list("abcdeghiklmnopqrstuvxyĐđăâêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ ,.")),
                  min_size=1, max_size=40).map(lambda s: " ".join(s.split())).filter(lambda s: any(c.isalpha() for c in s))


@given(st.from_regex(r"0[0-9]{11}", fullmatch=True), vn_text, st.dates(date(1900, 1, 1), date(2100, 12, 31)),
       st.sampled_from(["Nam", "Nữ"]), vn_text, st.dates(date(2016, 1, 1), date(2030, 12, 31)))
def test_qr_payload_round_trip(id_number: str, name: str, birth: date, sex: str, residence: str, issue: date) -> None:
    payload = "|".join((id_number, "", name, birth.strftime("%d%m%Y"), sex, residence, issue.strftime("%d%m%Y")))
    parsed = parse_cccd_qr(payload)
    assert parsed is not None
    assert (parsed.id_number, parsed.date_of_birth, parsed.sex, parsed.issue_date) == (id_number, birth, sex, issue)
    assert parsed.full_name == name.strip(" .,")


def test_the_longest_label_variant_on_a_line_wins() -> None:
    rows = [[(100, "Tên doanh nghiệp viết bằng tiếng Việệ CÔNG TY TNHH AN PHÁT")]]
    extraction = extract_as(page_of(rows), load_settings(), DocType.BUSINESS_REGISTRATION)
    assert extraction.fields["enterprise_name"].value == "CÔNG TY TNHH AN PHÁT"


def test_free_text_read_from_an_enlarged_low_resolution_scan_or_photo_goes_to_review() -> None:
    """Tone marks misread at 150 dpi (or on a 200-dpi photo) come with 0.95 confidence: unconfirmed text
    is not approved there."""
    rows = [[(100, "GIẤY CHỨNG NHẬN ĐĂNG KÝ DOANH NGHIỆP")], [(100, "Mã số doanh nghiệp: 0100233488")],
            [(100, "Tên công ty viết bằng tiếng Việt: CÔNG TY TNHH MẪU")]]
    sharp = page_of(rows, confidence=0.97)
    page = sharp.pages[0]
    settings = load_settings()
    for steps, flagged in (((), False), (("upsample200",), False), (("deskew", "upsample150"), True),
                           (("perspective", "contrast"), False), (("perspective", "upsample200"), True)):
        result = replace(sharp, pages=(replace(page, page=replace(page.page, steps=steps)),))
        found = extract_as(result, settings, DocType.BUSINESS_REGISTRATION)
        assert any(w.startswith("enterprise_name: ảnh chụp/quét độ phân giải thấp") for w in found.warnings) is flagged
        assert not any(w.startswith("enterprise_code: ảnh chụp") for w in found.warnings)  # verified by its check digit


def test_a_bilingual_label_above_its_value_is_not_read_as_the_value() -> None:
    rows = [[(100, "CĂN CƯỚC CÔNG DÂN")], [(100, "Họ, chữ đệm và tên khai sinh / Full name")], [(100, "VÕ CÔNG HẢI")],
            [(100, "Quê quán / Place of origin")], [(100, "Xã Vĩnh Quỳnh, Huyện Thanh Trì, Hà Nội")]]
    values = extract_as(page_of(rows), load_settings(), DocType.CCCD_FRONT).values()
    assert values["full_name"] == "VÕ CÔNG HẢI"
    assert values["place_of_origin"] == "Xã Vĩnh Quỳnh, Huyện Thanh Trì, Hà Nội"


@pytest.mark.parametrize(("ocr", "qr", "slip"), [
    ("Số 23 Võ Văn Tân, Xã Nghỉ Thạch", "Số 23 Võ Văn Tần, Xã Nghi Thạch", True),  # tone marks only
    ("Số 193 Phan Đình Phùng, Xã Vĩnh Quỳnh, Huyện Thanh", "Số 193 Phan Đình Phùng, Xã Vĩnh Quỳnh, Huyện Thanh Trì, Hà Nội",
     True),  # the wrapped last line went unread
    ("Số 14 Trần Hưng Đạo, Huyện Nghi Lộc", "Số 14 Trần Hưng Đạo, Huyện Nghi Xuân", False),  # another district
    ("Số 193 Phan Đình Phùng, Xã Vĩnh Quỳnh, Huyện Than", "Số 193 Phan Đình Phùng, Xã Vĩnh Quỳnh, Huyện Thanh Trì",
     False),  # cut inside a word
    ("Số 193", "Số 193 Phan Đình Phùng, Xã Vĩnh Quỳnh", False),  # too little read to speak for the rest
    ("079301234568", "079301234567", False),
])
def test_an_ocr_slip_is_told_from_a_contradiction(ocr: str, qr: str, slip: bool) -> None:
    assert ocr_slip(ocr, qr) is slip


def qr_card(tmp_path: Path, rows: list[list[tuple[int, str]]], residence: str = "Xã Nghi Thạch, Huyện Nghi Lộc, Nghệ An",
            issue: str = "01022022") -> OcrResult:
    """A CCCD front page (Trần Thị Mai, born 15/08/2001) whose QR carries ``residence`` and ``issue``."""
    image = tmp_path / "qr.png"
    qrcode.make(f"079301234567||Trần Thị Mai|15082001|Nữ|{residence}|{issue}".encode()).save(image)
    head = [[(100, "CĂN CƯỚC CÔNG DÂN")], [(100, "Số / No.: 079301234567")], [(100, "Họ và tên / Full name: TRẦN THỊ MAI")],
            [(100, "Ngày sinh / Date of birth: 15/08/2001")], [(100, "Giới tính / Sex: Nữ")]]
    return page_of([*head, *rows], image)


def test_a_residence_differing_from_the_qr_by_tone_marks_only_is_verified(tmp_path: Path) -> None:
    slip = extract_as(qr_card(tmp_path, [[(100, "Nơi thường trú: Xã Nghỉ Thạch, Huyện Nghỉ Lộc, Nghệ An")]]),
                      load_settings(), DocType.CCCD_FRONT)
    residence = slip.fields["place_of_residence"]
    assert residence.value == "Xã Nghi Thạch, Huyện Nghi Lộc, Nghệ An" and residence.verified
    assert residence.alternatives == ((Source.OCR, "Xã Nghỉ Thạch, Huyện Nghỉ Lộc, Nghệ An"),)
    assert not any(w.startswith("place_of_residence") for w in slip.warnings)
    other = extract_as(qr_card(tmp_path, [[(100, "Nơi thường trú: Xã Nghi Thạch, Huyện Nghi Xuân, Nghệ An")]]),
                       load_settings(), DocType.CCCD_FRONT)
    assert not other.fields["place_of_residence"].verified
    assert any(w.startswith("place_of_residence: QR và OCR không khớp") for w in other.warnings)


@pytest.mark.parametrize(("printed", "verified"), [("Việt Nam", True), ("Viet Nam", True), ("Viêt Nan", False),
                                                   ("Lào", False)])
def test_a_cccd_nationality_is_verified_only_when_it_spells_viet_nam(printed: str, verified: bool) -> None:
    rows = [[(100, "CĂN CƯỚC CÔNG DÂN")], [(100, f"Quốc tịch / Nationality: {printed}")]]
    field = extract_as(page_of(rows, confidence=0.5), load_settings(), DocType.CCCD_FRONT).fields["nationality"]
    assert field.verified is verified and (field.value == "Việt Nam") is verified


@pytest.mark.parametrize(("printed", "verified", "flagged"), [("15/08/2026", True, False), ("15/08/2041", False, True),
                                                               ("16/08/2026", False, True)])
def test_the_expiry_is_verified_only_when_it_is_the_one_due_by_birth_and_issue_dates(
        tmp_path: Path, printed: str, verified: bool, flagged: bool) -> None:
    """Issued 01/02/2022 at 20: due at 25. A 40th birthday is a valid expiry for someone, not for this card: flagged."""
    found = extract_as(qr_card(tmp_path, [[(100, f"Có giá trị đến: {printed}")]]), load_settings(), DocType.CCCD_FRONT)
    assert found.fields["expiry_date"].verified is verified
    assert any(w.startswith("expiry_date") for w in found.warnings) is flagged


def test_no_expiry_is_verified_for_a_card_issued_from_58(tmp_path: Path) -> None:
    rows = [[(100, "Có giá trị đến: Không thời hạn")]]
    late = extract_as(qr_card(tmp_path, rows, issue="01022060"), load_settings(), DocType.CCCD_FRONT)
    assert late.fields["expiry_date"].value is None and late.fields["expiry_date"].verified
    early = extract_as(qr_card(tmp_path, rows), load_settings(), DocType.CCCD_FRONT)
    assert not early.fields["expiry_date"].verified and any(w.startswith("expiry_date") for w in early.warnings)


def test_a_value_below_its_label_is_read_past_a_rule_beside_the_label() -> None:
    rows = [[(100, "CĂN CƯỚC CÔNG DÂN")], [(100, "Quê quán / Place of origin"), (1100, "——")],
            [(100, "Xã Vĩnh Quỳnh, Huyện Thanh Trì, Hà Nội")]]
    values = extract_as(page_of(rows), load_settings(), DocType.CCCD_FRONT).values()
    assert values["place_of_origin"] == "Xã Vĩnh Quỳnh, Huyện Thanh Trì, Hà Nội"
