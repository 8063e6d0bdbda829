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
from dataclasses import dataclass
from pathlib import Path

import img2pdf
import qrcode
from PIL import Image, ImageDraw, ImageFont

HERE = Path(__file__).resolve().parent
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BOLD = "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"
SERIF = tuple(f"/usr/share/fonts/truetype/liberation2/LiberationSerif-{s}.ttf"
              for s in ("Regular", "Bold", "Italic", "BoldItalic"))
A4_DPI, A4_W, A4_H = 200, 1654, 2339
LEFT, RIGHT, TOP = 236, 118, 157  # 30 mm, 15 mm, 20 mm at 200 dpi
PT11, PT12, PT13, PT14 = 31, 33, 36, 39  # point sizes in pixels at 200 dpi
LINE13, LINE14, INDENT = 46, 52, 70
SEAL = 150  # a red seal as a greyscale scan renders it
OWNER_ID = "001099012345"  # synthetic: Hà Nội (001), male 1900s (0), born 1999
OWNER_NAME = "NGUYỄN VĂN MẪU"
RESIDENCE = "Số 12 Phố Mẫu, Phường Thử Nghiệm, Hà Nội"


def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(BOLD if bold else FONT, size)


def _serif(size: int, style: int = 0) -> ImageFont.FreeTypeFont:
    """Liberation Serif: ``style`` 0 regular, 1 bold, 2 italic, 3 bold italic."""
    return ImageFont.truetype(SERIF[style], size)


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
    payload = f"{OWNER_ID}|123456789|{OWNER_NAME}|15031999|Nam|{RESIDENCE}|01072023"
    code = qrcode.make(payload, box_size=4, border=2).get_image().convert("L")
    img.paste(code, (1348 - code.width - 30, 200))
    return img


def a4_letterhead(doc: AdminDoc) -> tuple[Image.Image, ImageDraw.ImageDraw, int]:
    """A4 at 200 dpi (Decree 30 asks ≥ 200 dpi for electronic copies) with the Decree 30 letterhead.

    Margins 30 mm left, 15 mm right, 20 mm top; Times-metric serif (Liberation Serif). Left
    column: the issuing body in bold capitals over a short rule, the number line under it;
    right column: the national motto (bold), ``Độc lập - Tự do - Hạnh phúc`` underlined, the
    italic place-date line level with the number. Returns the page, its pen and the y below.
    """
    img = Image.new("L", (A4_W, A4_H), 255)
    d = ImageDraw.Draw(img)
    left_x, right_x = LEFT + 250, A4_W - RIGHT - 390  # column centres
    y = TOP
    for line in doc.body:
        _centred(d, left_x, y, line, _serif(PT13, 1))
        y += LINE13
    d.line((left_x - 90, y + 6, left_x + 90, y + 6), fill=0, width=2)
    _centred(d, right_x, TOP, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", _serif(PT12, 1))
    motto = _centred(d, right_x, TOP + LINE13, "Độc lập - Tự do - Hạnh phúc", _serif(PT13, 1))
    d.line((motto[0], motto[3] + 6, motto[2], motto[3] + 6), fill=0, width=2)
    y += 40
    _centred(d, left_x, y, f"Số: {doc.number}", _serif(PT13))
    _centred(d, right_x, y, f"{doc.place}, {doc.date}", _serif(PT14, 2))
    return img, d, y + 2 * LINE13


def render_admin(doc: AdminDoc) -> Image.Image:
    """A one-page Decree 30 document: letterhead, title and summary, body, recipients, signer block."""
    img, d, y = a4_letterhead(doc)
    centre = (LEFT + A4_W - RIGHT) // 2
    _centred(d, centre, y, doc.title, _serif(PT14, 1))
    y += LINE14
    for line in doc.summary:
        box = _centred(d, centre, y, line, _serif(PT14, 1))
        y += LINE14
    d.line((centre - 110, box[3] + 22, centre + 110, box[3] + 22), fill=0, width=2)
    y += 40
    for paragraph in doc.paragraphs:
        if paragraph.isupper():  # the signer's authority before the body, ``QUYẾT ĐỊNH:`` before the articles
            _centred(d, centre, y, paragraph, _serif(PT14, 1))
            y += LINE14 + 12
            continue
        for i, line in enumerate(_wrap(d, paragraph, _serif(PT14), A4_W - LEFT - RIGHT - INDENT)):
            d.text((LEFT + (INDENT if i == 0 else 0), y), line, font=_serif(PT14), fill=0)
            y += LINE14
        y += 12
    _signer_block(d, y + 40, doc)
    return img


def _signer_block(d: ImageDraw.ImageDraw, y: int, doc: AdminDoc) -> None:
    """Recipients bottom left; the authority lines, a signature, the seal and the name bottom right."""
    d.text((LEFT, y), "Nơi nhận:", font=_serif(PT12, 3), fill=0)
    for i, line in enumerate(doc.recipients):
        d.text((LEFT, y + 50 + 40 * i), line, font=_serif(PT11), fill=0)
    x = A4_W - RIGHT - 330
    for i, line in enumerate(doc.authority):
        _centred(d, x, y + LINE13 * i, line, _serif(PT13, 1))
    top = y + LINE13 * len(doc.authority)
    d.ellipse((x - 250, top - 10, x - 20, top + 220), outline=SEAL, width=6)  # the seal, over the signature's left
    d.ellipse((x - 215, top + 25, x - 55, top + 185), outline=SEAL, width=3)
    d.line([(x - 60, top + 130), (x + 10, top + 60), (x + 40, top + 150), (x + 110, top + 70)], fill=40, width=4)
    _centred(d, x, top + 250, doc.signer, _serif(PT14, 1))


def _centred(d: ImageDraw.ImageDraw, x: int, y: int, text: str, face: ImageFont.FreeTypeFont) -> tuple[int, int, int, int]:
    d.text((x, y), text, font=face, fill=0, anchor="ma")
    return d.textbbox((x, y), text, font=face, anchor="ma")


def _wrap(d: ImageDraw.ImageDraw, text: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """``text`` broken at spaces into lines no wider than ``width`` pixels."""
    lines: list[str] = []
    for word in text.split():
        if lines and d.textlength(f"{lines[-1]} {word}", font=face) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


@dataclass(frozen=True)
class AdminDoc:
    """The parts of a Decree 30 document that the samples vary."""

    body: tuple[str, ...]
    number: str
    place: str
    date: str
    title: str
    summary: tuple[str, ...]
    paragraphs: tuple[str, ...]
    recipients: tuple[str, ...]
    authority: tuple[str, ...]
    signer: str


BODY = ("ỦY BAN NHÂN DÂN", "PHƯỜNG THỬ NGHIỆM")
DECISION = AdminDoc(
    BODY, "05/QĐ-UBND", "Hà Nội", "ngày 05 tháng 01 năm 2026", "QUYẾT ĐỊNH",
    ("Về việc cấp giấy phép xây dựng nhà ở riêng lẻ",),
    ("CHỦ TỊCH ỦY BAN NHÂN DÂN PHƯỜNG THỬ NGHIỆM",
     "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
     "Căn cứ Luật Xây dựng ngày 18 tháng 6 năm 2014;",
     "Xét hồ sơ đề nghị cấp giấy phép xây dựng của ông Nguyễn Văn Mẫu.",
     "QUYẾT ĐỊNH:",
     "Điều 1. Cấp giấy phép xây dựng nhà ở riêng lẻ cho ông Nguyễn Văn Mẫu tại Số 12 Phố Mẫu, "
     "Phường Thử Nghiệm, Hà Nội.",
     "Điều 2. Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng và ông Nguyễn Văn Mẫu "
     "chịu trách nhiệm thi hành Quyết định này./."),
    ("- Như Điều 2;", "- Lưu: VT, ĐC."),
    ("TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH"), "Trần Thị Thử",
)
NOTICE = AdminDoc(
    BODY, "12/TB-UBND", "Hà Nội", "ngày 10 tháng 02 năm 2026", "THÔNG BÁO",
    ("Về lịch tiếp công dân tháng 02 năm 2026",),
    ("Ủy ban nhân dân phường Thử Nghiệm thông báo lịch tiếp công dân định kỳ tháng 02 năm 2026 như sau:",
     "1. Chủ tịch Ủy ban nhân dân phường tiếp công dân vào sáng thứ Năm tuần thứ hai của tháng.",
     "2. Địa điểm: Trụ sở Ủy ban nhân dân phường, Số 1 Phố Mẫu, Phường Thử Nghiệm.",
     "Ủy ban nhân dân phường thông báo để công dân biết./."),
    ("- Thường trực Đảng ủy phường;", "- Bảng tin trụ sở;", "- Lưu: VT."),
    ("TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"), "Lê Văn Mẫu",
)


def scanned(img: Image.Image, degrees: float) -> Image.Image:
    """An office scan of a printed page laid slightly askew on the bed, in 16 grey levels (a small file)."""
    return img.rotate(degrees, resample=Image.BICUBIC, fillcolor=255).point(lambda v: round(v / 17) * 17)


def _png(img: Image.Image, dpi: int) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", dpi=(dpi, dpi), optimize=True)
    return buf.getvalue()


def main(out: Path = HERE) -> None:
    first, second = out / "HS-2026-0001", out / "HS-2026-0002"
    first.mkdir(parents=True, exist_ok=True)
    second.mkdir(parents=True, exist_ok=True)
    (first / "cccd-mat-truoc.png").write_bytes(_png(cccd_front(), 400))
    (first / "quyet-dinh.pdf").write_bytes(img2pdf.convert(_png(render_admin(DECISION), A4_DPI)))
    (second / "thong-bao.png").write_bytes(_png(scanned(render_admin(NOTICE), 1.2), A4_DPI))
    with (out / "manifest.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["path", "dossier_code", "procedure_code", "agency", "owner_id", "doc_type"])
        writer.writerow(["HS-2026-0001", "HS-2026-0001", "1.009994", "UBND phường Thử Nghiệm", OWNER_ID, ""])
        writer.writerow(["HS-2026-0001/cccd-mat-truoc.png", "HS-2026-0001", "1.009994", "UBND phường Thử Nghiệm", OWNER_ID, "cccd_front"])
        writer.writerow(["HS-2026-0002", "HS-2026-0002", "2.000305", "UBND phường Thử Nghiệm", "", "administrative_document"])


if __name__ == "__main__":
    main()
