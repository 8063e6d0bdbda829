"""Session fixtures of the extract tests (registered in conftest.py): generated scans and PDFs.

Inputs are generated, not committed: a short Vietnamese text block rendered
with DejaVu Sans at 300 dpi (small, so a Tesseract pass takes about a second),
turned or skewed as a scanner would, wrapped into TIFF/PDF containers, and a
born-digital PDF with a real embedded font and ToUnicode map.
The helpers are plain functions so field-extraction tests can render their own
text (``render_lines``).
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import cv2
import img2pdf
import numpy as np
import pikepdf
import pytest
from PIL import Image, ImageDraw, ImageFont

from sohoa.settings import Settings, load_settings

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DPI = 300
VN_LINES: tuple[str, ...] = (
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
    "Độc lập - Tự do - Hạnh phúc",
    "Ủy ban nhân dân phường Bến Nghé, quận Một",
    "Giấy xác nhận thông tin về cư trú số 1234",
    "Người đề nghị: Nguyễn Thị Phương Thảo",
)
BORN_DIGITAL_LINES: tuple[str, ...] = (
    "Giấy chứng nhận đăng ký doanh nghiệp",
    "Tên công ty: Công ty TNHH Dịch vụ Sông Hồng",
    "Mã số doanh nghiệp: 0101234567",
    "Địa chỉ trụ sở chính: số 12 phố Hàng Bài, Hà Nội",
)


def render_lines(lines: Sequence[str], *, size_px: int = 50, margin: int = 80) -> np.ndarray:
    """Black text on white paper, one line per entry (greyscale array at 300 dpi: 50 px ≈ 12 pt)."""
    font = ImageFont.truetype(str(FONT), size_px)
    pitch = int(size_px * 1.5)
    width = max(int(font.getlength(line)) for line in lines) + 2 * margin
    page = Image.new("L", (width, pitch * len(lines) + 2 * margin), 255)
    draw = ImageDraw.Draw(page)
    for i, line in enumerate(lines):
        draw.text((margin, margin + i * pitch), line, font=font, fill=0)
    return np.asarray(page)


def skew(image: np.ndarray, degrees: float) -> np.ndarray:
    """The image rotated counter-clockwise by ``degrees`` on an enlarged white canvas (nothing cut)."""
    h, w = image.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    matrix[0, 2] += nw / 2 - w / 2
    matrix[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(image, matrix, (nw, nh), flags=cv2.INTER_CUBIC, borderValue=255)


def phone_photo(page: np.ndarray, *, background: int = 70, seed: int = 3) -> np.ndarray:
    """The page as a phone would photograph it on a desk: a tilted quadrilateral on a dark background.

    Corners move by up to 8 % of the page size, the desk is ``background`` grey
    with noise, and the paper is slightly dimmed: what ``flatten_perspective`` must undo.
    """
    rng = np.random.default_rng(seed)
    h, w = page.shape
    pad = int(0.15 * max(h, w))
    canvas_w, canvas_h = w + 2 * pad, h + 2 * pad
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
    jitter = rng.uniform(-0.08, 0.08, (4, 2)) * [w, h]
    dst = (src + pad + jitter).astype(np.float32)
    matrix = cv2.getPerspectiveTransform(src, dst)
    paper = (page.astype(np.float32) * 0.92).astype(np.uint8)
    warped = cv2.warpPerspective(paper, matrix, (canvas_w, canvas_h), flags=cv2.INTER_CUBIC, borderValue=0)
    mask = cv2.warpPerspective(np.full_like(page, 255), matrix, (canvas_w, canvas_h), borderValue=0)
    desk = np.clip(rng.normal(background, 8, (canvas_h, canvas_w)), 0, 255).astype(np.uint8)
    return np.where(mask > 127, warped, desk)


def save_image(image: np.ndarray, path: Path, dpi: int = DPI) -> Path:
    """Write an image file (format from the suffix) declaring ``dpi``."""
    Image.fromarray(image).save(path, dpi=(dpi, dpi))
    return path


def save_tiff_pages(images: Sequence[np.ndarray], path: Path, dpi: int = DPI) -> Path:
    """A multi-page TIFF (one frame per image), lossless."""
    frames = [Image.fromarray(a) for a in images]
    frames[0].save(path, save_all=True, append_images=frames[1:], dpi=(dpi, dpi), compression="tiff_deflate")
    return path


def scanned_pdf(image: np.ndarray, path: Path, dpi: int = DPI) -> Path:
    """An image-only PDF as scanners deliver it (img2pdf: the PNG embedded losslessly)."""
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="PNG", dpi=(dpi, dpi))
    path.write_bytes(img2pdf.convert(buf.getvalue()))
    return path


def _to_unicode(glyphs: dict[int, str]) -> bytes:
    """A ToUnicode CMap mapping each 2-byte glyph id to its character (how extractors get text back)."""
    pairs = sorted(glyphs.items())
    blocks = []
    for start in range(0, len(pairs), 100):
        chunk = pairs[start : start + 100]
        entries = "\n".join(f"<{g:04X}> <{ord(c):04X}>" for g, c in chunk)
        blocks.append(f"{len(chunk)} beginbfchar\n{entries}\nendbfchar")
    body = "\n".join(blocks)
    return (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
        f"1 begincodespacerange <0000> <FFFF> endcodespacerange\n{body}\n"
        "endcmap CMapName currentdict /CMap defineresource pop end end\n"
    ).encode()


def born_digital_pdf(lines: Sequence[str], path: Path, size: float = 12) -> Path:
    """A one-page A4 PDF whose text is real text: DejaVu Sans embedded (Type0, Identity-H) with a ToUnicode map.

    Written by hand with fontTools + pikepdf so glyph widths, positions and the
    rendering agree exactly, as in a word processor's export.
    """
    from fontTools.ttLib import TTFont

    font = TTFont(str(FONT))
    cmap, order, hmtx = font.getBestCmap(), font.getGlyphOrder(), font["hmtx"]
    gid = {name: i for i, name in enumerate(order)}
    scale = 1000 / font["head"].unitsPerEm
    used: dict[int, str] = {}
    content = []
    for i, line in enumerate(lines):
        codes = [gid[cmap[ord(c)]] for c in unicodedata.normalize("NFC", line)]
        used.update(zip(codes, unicodedata.normalize("NFC", line)))
        content.append(f"BT /F1 {size} Tf 60 {760 - i * size * 1.8:.2f} Td <{''.join(f'{g:04X}' for g in codes)}> Tj ET")
    widths = [x for g in sorted(used) for x in (g, [round(hmtx[order[g]][0] * scale)])]
    with pikepdf.new() as pdf:
        page = pdf.add_blank_page(page_size=(595, 842))
        descriptor = pikepdf.Dictionary(
            Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name("/DejaVuSans"), Flags=32,
            FontBBox=[-1021, -463, 1793, 1232], ItalicAngle=0, Ascent=928, Descent=-236, CapHeight=729, StemV=80,
            FontFile2=pdf.make_stream(FONT.read_bytes()),
        )
        cid_font = pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.CIDFontType2, BaseFont=pikepdf.Name("/DejaVuSans"),
            CIDSystemInfo=pikepdf.Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
            FontDescriptor=descriptor, CIDToGIDMap=pikepdf.Name.Identity, W=widths,
        )
        type0 = pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type0, BaseFont=pikepdf.Name("/DejaVuSans"),
            Encoding=pikepdf.Name("/Identity-H"), DescendantFonts=[cid_font], ToUnicode=pdf.make_stream(_to_unicode(used)),
        )
        page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=type0))
        page.Contents = pdf.make_stream("\n".join(content).encode())
        pdf.save(path)
    return path


def concat_pdfs(parts: Sequence[Path], path: Path) -> Path:
    """One PDF with the pages of ``parts`` in order (a mixed born-digital + scanned file)."""
    with pikepdf.new() as merged:
        for part in parts:
            with pikepdf.open(part) as src:
                merged.pages.extend(src.pages)
        merged.save(path)
    return path


@pytest.fixture(scope="session")
def ocr_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for OCR tests: two workers, everything else default, var/ in a temp folder."""
    return load_settings(workers=2, var_dir=tmp_path_factory.mktemp("ocr-var"))


@pytest.fixture(scope="session")
def vn_block() -> np.ndarray:
    """The upright Vietnamese text block (``VN_LINES``) at 300 dpi."""
    return render_lines(VN_LINES)


@pytest.fixture(scope="session")
def scans_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A session folder for generated input files."""
    return tmp_path_factory.mktemp("scans")
