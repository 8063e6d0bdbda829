"""Render the committed sample batch: synthetic (never real) dossiers for ``sohoa demo``.

Run ``.venv/bin/python samples/make_samples.py`` to regenerate ``samples/``:

- ``HS-2026-0001/cccd-mat-truoc.png`` — a CCCD front (400 dpi card) with its QR code;
- ``HS-2026-0001/quyet-dinh.pdf`` — a one-page administrative decision, scanned (image-only PDF);
- ``HS-2026-0002/thong-bao.png`` — a one-page notice;
- ``manifest.csv`` — dossier code, procedure code, agency, owner ID, type hints.

Every name, number and address is invented; the ID numbers follow the
``PPP G YY NNNNNN`` rule so cross-checks pass, and belong to nobody.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import img2pdf
import qrcode
from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
OWNER_ID = "001099012345"  # synthetic: Hà Nội (001), male 1900s (0), born 1999
OWNER_NAME = "NGUYỄN VĂN MẪU"
RESIDENCE = "Số 12 Phố Mẫu, Phường Thử Nghiệm, Hà Nội"


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(BOLD if bold else FONT, size)


def cccd_front() -> Image.Image:
    """A CCCD front at 400 dpi (1348 × 850 px): labels, values and the QR code top right."""
    img = Image.new("L", (1348, 850), 255)
    d = ImageDraw.Draw(img)
    d.text((200, 30), "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", font=_font(30, True), fill=0)
    d.text((320, 72), "Độc lập - Tự do - Hạnh phúc", font=_font(28), fill=0)
    d.text((260, 125), "CĂN CƯỚC CÔNG DÂN", font=_font(44, True), fill=0)
    lines = [
        ("Số / No.:", OWNER_ID, 40, True),
        ("Họ và tên / Full name:", OWNER_NAME, 34, True),
        ("Ngày sinh / Date of birth:", "15/03/1999", 30, False),
        ("Giới tính / Sex:", "Nam", 30, False),
        ("Quốc tịch / Nationality:", "Việt Nam", 30, False),
        ("Quê quán / Place of origin:", "Xã Mẫu Sơn, Huyện Thử, Hà Nội", 30, False),
        ("Nơi thường trú / Place of residence:", RESIDENCE, 28, False),
        ("Có giá trị đến / Date of expiry:", "15/03/2039", 30, False),
    ]
    y = 215
    for label, value, size, bold in lines:
        d.text((40, y), label, font=_font(26), fill=0)
        d.text((40 + int(d.textlength(label, font=_font(26))) + 14, y - 4), value, font=_font(size, bold), fill=0)
        y += 74
    payload = f"{OWNER_ID}|123456789|{OWNER_NAME}|15031999|Nam|{RESIDENCE}|01072021"
    code = qrcode.make(payload, box_size=4, border=2).get_image().convert("L")
    img.paste(code, (1348 - code.width - 30, 200))
    return img


def a4_page(blocks: list[tuple[str, int, bool, str]]) -> Image.Image:
    """An A4 page at 150 dpi; each block is (text, size, bold, align) on its own line."""
    img = Image.new("L", (1240, 1754), 255)
    d = ImageDraw.Draw(img)
    y = 110
    for text, size, bold, align in blocks:
        font = _font(size, bold)
        width = d.textlength(text, font=font)
        x = {"left": 150, "right": 1240 - 100 - width, "center": (1240 - width) / 2}[align]
        d.text((x, y), text, font=font, fill=0)
        y += int(size * 1.7)
    return img


DECISION = [
    ("ỦY BAN NHÂN DÂN", 22, True, "left"),
    ("PHƯỜNG THỬ NGHIỆM", 22, True, "left"),
    ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 22, True, "right"),
    ("Độc lập - Tự do - Hạnh phúc", 22, True, "right"),
    ("Số: 05/QĐ-UBND", 22, False, "left"),
    ("Hà Nội, ngày 05 tháng 01 năm 2026", 22, False, "right"),
    ("QUYẾT ĐỊNH", 30, True, "center"),
    ("Về việc cấp phép xây dựng nhà ở riêng lẻ", 24, True, "center"),
    ("CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG THỬ NGHIỆM", 22, True, "center"),
    ("Căn cứ Luật Xây dựng và hồ sơ đề nghị của công dân;", 22, False, "left"),
    ("QUYẾT ĐỊNH:", 24, True, "center"),
    ("Điều 1. Cấp phép xây dựng cho ông Nguyễn Văn Mẫu.", 22, False, "left"),
    ("Điều 2. Quyết định có hiệu lực kể từ ngày ký.", 22, False, "left"),
    ("TM. ỦY BAN NHÂN DÂN", 22, True, "right"),
    ("CHỦ TỊCH", 22, True, "right"),
    ("Trần Thị Thử", 24, True, "right"),
]

NOTICE = [
    ("ỦY BAN NHÂN DÂN", 22, True, "left"),
    ("PHƯỜNG THỬ NGHIỆM", 22, True, "left"),
    ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", 22, True, "right"),
    ("Độc lập - Tự do - Hạnh phúc", 22, True, "right"),
    ("Số: 12/TB-UBND", 22, False, "left"),
    ("Hà Nội, ngày 10 tháng 02 năm 2026", 22, False, "right"),
    ("THÔNG BÁO", 30, True, "center"),
    ("Về lịch tiếp công dân tháng 02 năm 2026", 24, True, "center"),
    ("Ủy ban nhân dân phường tiếp công dân vào sáng thứ Hai hằng tuần.", 22, False, "left"),
    ("TM. ỦY BAN NHÂN DÂN", 22, True, "right"),
    ("KT. CHỦ TỊCH", 22, True, "right"),
    ("PHÓ CHỦ TỊCH", 22, True, "right"),
    ("Lê Văn Mẫu", 24, True, "right"),
]


def _png(img: Image.Image, dpi: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", dpi=(dpi, dpi), optimize=True)
    return buf.getvalue()


def main(out: Path = HERE) -> None:
    first, second = out / "HS-2026-0001", out / "HS-2026-0002"
    first.mkdir(parents=True, exist_ok=True)
    second.mkdir(parents=True, exist_ok=True)
    (first / "cccd-mat-truoc.png").write_bytes(_png(cccd_front(), 400))
    (first / "quyet-dinh.pdf").write_bytes(img2pdf.convert(_png(a4_page(DECISION), 150)))
    (second / "thong-bao.png").write_bytes(_png(a4_page(NOTICE), 150))
    with (out / "manifest.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["path", "dossier_code", "procedure_code", "agency", "owner_id", "doc_type"])
        writer.writerow(["HS-2026-0001", "HS-2026-0001", "1.009994", "UBND phường Thử Nghiệm", OWNER_ID, ""])
        writer.writerow(["HS-2026-0001/cccd-mat-truoc.png", "HS-2026-0001", "1.009994", "UBND phường Thử Nghiệm", OWNER_ID, "cccd_front"])
        writer.writerow(["HS-2026-0002", "HS-2026-0002", "2.000305", "UBND phường Thử Nghiệm", "", "administrative_document"])


if __name__ == "__main__":
    main()
