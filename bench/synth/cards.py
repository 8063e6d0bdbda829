"""Synthetic CCCD cards, front (with QR) and back (with MRZ), in three layouts each.

Layout 0: bilingual labels, several values on one line (the 2021 chip card).
Layout 1: Vietnamese labels only, one field per line, value beside its label.
Layout 2: labels above their values, photo and QR swapped.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import qrcode
from PIL import Image

from bench.synth import people
from bench.synth.render import Canvas
from extractors.fields.mrz import build_td1
from extractors.fields.normalise import fold

W, H, DPI = 1400, 882, 400
LABEL, VALUE, SMALL = 24, 31, 22
MOTTO = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")


def _card(family: str, tint: tuple[int, int, int]) -> Canvas:
    canvas = Canvas(W, H, DPI, family)
    canvas.draw.rounded_rectangle((4, 4, W - 5, H - 5), radius=40, fill=tint, outline=(120, 120, 120), width=3)
    return canvas


def _photo(canvas: Canvas, x: int, y: int) -> None:
    canvas.draw.rectangle((x, y, x + 250, y + 320), fill=(200, 205, 215), outline=(90, 90, 90), width=2)
    canvas.draw.ellipse((x + 70, y + 50, x + 180, y + 180), fill=(150, 150, 160))
    canvas.draw.chord((x + 30, y + 190, x + 220, y + 450), 180, 360, fill=(150, 150, 160))


def _qr(payload: str, size: int) -> Image.Image:
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2, box_size=4)
    code.add_data(payload.encode("utf-8"))
    return code.make_image(fill_color="black", back_color="white").get_image().convert("RGB").resize(
        (size, size), Image.NEAREST)


def _front_truth(rng: random.Random) -> tuple[dict[str, Any], str]:
    who = people.person(rng, 1960, 2004)
    origin, _ = people.address(rng, street=False)
    residence, code = people.address(rng)
    issue = date(rng.randint(2021, 2024), rng.randint(1, 12), rng.randint(1, 28))
    if issue < people.birthday(who.birth, 14):
        issue = people.birthday(who.birth, 14) + timedelta(days=30)
    expiry = people.cccd_expiry(who.birth, issue)
    number = people.id_number(rng, who, code)
    truth = {"id_number": number, "full_name": who.name.upper(), "date_of_birth": who.birth.isoformat(),
             "sex": who.sex, "nationality": "Việt Nam", "place_of_origin": origin, "place_of_residence": residence,
             "expiry_date": expiry.isoformat() if expiry else None}
    old = f"{rng.randint(0, 999_999_999):09d}" if rng.random() < 0.5 else ""
    payload = "|".join((number, old, who.name, who.birth.strftime("%d%m%Y"), who.sex, residence,
                        issue.strftime("%d%m%Y")))
    return truth, payload


def front(rng: random.Random, layout: int, family: str) -> tuple[Canvas, dict[str, Any]]:
    truth, payload = _front_truth(rng)
    c = _card(family, (236, 242, 236) if layout != 1 else (240, 238, 228))
    c.text(W / 2, 30, MOTTO[0], 28, 1, anchor="ma")
    c.text(W / 2, 68, MOTTO[1], 26, 1, anchor="ma")
    c.text(W / 2, 120, "CĂN CƯỚC CÔNG DÂN", 44, 1, anchor="ma", fill=(170, 20, 20))
    photo_x, qr_x = (40, W - 300) if layout != 2 else (W - 300, 40)
    _photo(c, photo_x, 230)
    c.paste(_qr(payload, 250), qr_x if layout != 2 else 40, 30 if layout != 2 else 560)
    exp = "Không thời hạn" if truth["expiry_date"] is None else people.ddmmyyyy(date.fromisoformat(truth["expiry_date"]))
    c.text(photo_x + 5, 800, f"Có giá trị đến: {exp}" if layout != 0 else f"Có giá trị đến/Date of expiry: {exp}", SMALL)
    [_front_l0, _front_l1, _front_l2][layout](c, truth, 330)
    return c, truth


def _front_l0(c: Canvas, t: dict[str, Any], x: int) -> None:
    c.text(x, 200, "Số / No.:", LABEL)
    c.text(x + 150, 192, t["id_number"], 40, 1)
    c.text(x, 262, "Họ và tên / Full name:", LABEL)
    c.text(x, 298, t["full_name"], VALUE, 1)
    c.text(x, 356, f"Ngày sinh / Date of birth: {_dmy(t['date_of_birth'])}", LABEL)
    c.text(x, 404, f"Giới tính / Sex: {t['sex']}", LABEL)
    c.text(x + 400, 404, f"Quốc tịch / Nationality: {t['nationality']}", LABEL)
    _block(c, x, 452, "Quê quán / Place of origin:", t["place_of_origin"], below=True)
    _block(c, x, 580, "Nơi thường trú / Place of residence:", t["place_of_residence"], below=True)


def _front_l1(c: Canvas, t: dict[str, Any], x: int) -> None:
    rows = (("Số:", t["id_number"]), ("Họ và tên:", t["full_name"]), ("Ngày sinh:", _dmy(t["date_of_birth"])),
            ("Giới tính:", t["sex"]), ("Quốc tịch:", t["nationality"]))
    y = 200
    for label, value in rows:
        c.text(x, y, label, LABEL)
        c.text(x + 190, y - 6, value, VALUE, 1 if label != "Giới tính:" else 0)
        y += 56
    y = _block(c, x, y, "Quê quán:", t["place_of_origin"], below=False)
    _block(c, x, y + 10, "Nơi thường trú:", t["place_of_residence"], below=False)


def _front_l2(c: Canvas, t: dict[str, Any], x: int) -> None:
    c.text(x, 190, "SỐ ĐỊNH DANH CÁ NHÂN / PERSONAL IDENTIFICATION NUMBER", SMALL)
    c.text(x, 222, t["id_number"], 40, 1)
    c.text(x, 285, "Họ, chữ đệm và tên khai sinh / Full name", SMALL)
    c.text(x, 315, t["full_name"], VALUE, 1)
    c.text(x, 370, "Ngày, tháng, năm sinh / Date of birth", SMALL)
    c.text(x + 560, 370, "Giới tính / Sex", SMALL)
    c.text(x, 400, _dmy(t["date_of_birth"]), VALUE)
    c.text(x + 560, 400, t["sex"], VALUE)
    c.text(x, 455, "Quốc tịch / Nationality", SMALL)
    c.text(x, 485, t["nationality"], VALUE)
    _block(c, x, 540, "Quê quán / Place of origin", t["place_of_origin"], below=True, size=SMALL, right=1080)
    _block(c, x, 660, "Nơi thường trú / Place of residence", t["place_of_residence"], below=True, size=SMALL, right=1080)


def _dmy(iso: str) -> str:
    return people.ddmmyyyy(date.fromisoformat(iso))


def _block(c: Canvas, x: int, y: int, label: str, value: str, *, below: bool, size: int = LABEL, right: int = 1330) -> int:
    """A label with a value that may wrap; returns the y below it."""
    width = right - x
    if below:
        c.text(x, y, label, size)
        lines, y = c.wrap(value, VALUE - 3, width), y + size + 10
    else:
        c.text(x, y, label, LABEL)
        offset = int(c.width_of(label, LABEL)) + 14
        first = c.wrap(value, VALUE - 3, width - offset)
        c.text(x + offset, y - 5, first[0], VALUE - 3)
        rest = c.wrap(" ".join(first[1:]), VALUE - 3, width) if len(first) > 1 else []
        lines, y = rest, y + 44
    for line in lines:
        c.text(x, y, line, VALUE - 3)
        y += 42
    return y


MARKS = ("Nốt ruồi C:1cm trên trước cánh mũi trái", "Sẹo chấm C:2cm dưới sau đuôi mắt phải",
         "Nốt ruồi C:3cm dưới trước mép phải")


def back(rng: random.Random, layout: int, family: str) -> tuple[Canvas, dict[str, Any]]:
    front_truth, payload = _front_truth(rng)
    issue = date(int(payload[-4:]), int(payload[-6:-4]), int(payload[-8:-6]))
    birth = date.fromisoformat(front_truth["date_of_birth"])
    expiry = date.fromisoformat(front_truth["expiry_date"]) if front_truth["expiry_date"] else None
    parts = fold(front_truth["full_name"]).upper().split()
    lines = build_td1(front_truth["id_number"], birth, front_truth["sex"], expiry, parts[0], " ".join(parts[1:]))
    truth = {"issue_date": issue.isoformat(), "id_number": front_truth["id_number"],
             "date_of_birth": front_truth["date_of_birth"], "sex": front_truth["sex"],
             "expiry_date": front_truth["expiry_date"], "mrz": "\n".join(lines)}
    c = _card(family, (236, 240, 244) if layout != 1 else (244, 240, 232))
    text_x, finger_x = (40, 880) if layout != 2 else (520, 40)
    _fingers(c, finger_x)
    label = {0: "Đặc điểm nhận dạng / Personal identification:", 1: "Đặc điểm nhận dạng:",
             2: "Đặc điểm nhận dạng / Personal identification"}[layout]
    c.text(text_x, 60, label, LABEL)
    c.text(text_x, 100, rng.choice(MARKS), LABEL + 2)
    dated = {0: f"Ngày, tháng, năm / Date, month, year: {people.ddmmyyyy(issue)}",
             1: f"Ngày, tháng, năm: {people.ddmmyyyy(issue)}", 2: f"Ngày cấp / Date of issue: {people.ddmmyyyy(issue)}"}
    c.text(text_x, 190, dated[layout], LABEL)
    c.text(text_x + 40, 240, "CỤC TRƯỞNG CỤC CẢNH SÁT", LABEL, 1)
    c.text(text_x + 40, 275, "QUẢN LÝ HÀNH CHÍNH VỀ TRẬT TỰ XÃ HỘI", LABEL, 1)
    c.text(text_x + 120, 420, "Tô Văn Huệ", VALUE, 1)
    c.draw.rectangle((0 + 6, 560, W - 7, H - 40), fill=(250, 250, 250))
    for i, line in enumerate(lines):
        c.text(60, 585 + i * 80, line, 50, family="mono")
    return c, truth


def _fingers(c: Canvas, x: int) -> None:
    for i, label in enumerate(("Ngón trỏ trái", "Ngón trỏ phải")):
        left = x + i * 250
        c.draw.rectangle((left, 40, left + 220, 330), outline=(120, 120, 120), width=2)
        for r in range(20, 100, 12):
            c.draw.ellipse((left + 110 - r, 180 - int(r * 1.3), left + 110 + r, 180 + int(r * 1.3)),
                           outline=(170, 170, 170), width=2)
        c.text(left + 110, 345, label, SMALL, anchor="ma")

