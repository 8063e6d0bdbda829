"""Splitting a triaged file into page jobs, cheaply and in order.

Only headers are read here (limits are enforced before any pixel is decoded);
the pixels themselves are decoded by the page workers in parallel. Scanned PDF
pages yield their embedded image byte for byte (native resolution, no
re-rendering); born-digital pages are read from their text layer right away.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pikepdf
from PIL import Image
from pdfminer.pdfparser import PDFSyntaxError

from extractors import textlayer
from extractors.triage import Kind, Triaged, check_page_count, check_pixels, file_dpi, open_pdf
from sohoa.errors import CorruptFileError, InputFileError
from sohoa.model import PageOrigin, Word
from sohoa.settings import Settings

TEXT_DPI = 300  # resolution at which text-layer pages are rendered (QR codes stay readable)


@dataclass(frozen=True)
class PageJob:
    """One page to produce, in the form the workers need.

    ``image`` is a raster file to decode (frame ``frame`` of it), ``None`` for a
    page to render with pdftoppm. ``passthrough`` marks a JPEG that is embedded in
    the searchable PDF byte for byte when preprocessing changes nothing. ``quarter`` is a clockwise rotation
    the container asks for (PDF ``/Rotate``).
    """

    source: Path
    number: int
    origin: PageOrigin
    image: Path | None = None
    frame: int = 0
    dpi: int = 300
    quarter: int = 0
    passthrough: bool = False
    words: tuple[Word, ...] = ()


def split(triaged: Triaged, settings: Settings, workdir: Path) -> list[PageJob]:
    """Page jobs of a file, in page order."""
    if triaged.kind is Kind.PDF:
        return pdf_jobs(triaged.path, settings, workdir)
    return raster_jobs(triaged, settings)


def raster_jobs(triaged: Triaged, settings: Settings) -> list[PageJob]:
    """One job per frame of a JPEG/PNG/TIFF, after header checks (pixels, pages)."""
    path = triaged.path
    try:
        with Image.open(path) as img:
            count = getattr(img, "n_frames", 1)
            check_page_count(count, settings, path.name)
            jobs = []
            for index in range(count):
                img.seek(index)
                check_pixels(img.width, img.height, settings, path.name)
                # PNG keeps EXIF after the pixels: reading it would decode the image here
                upright = triaged.kind is not Kind.JPEG or img.getexif().get(0x0112, 1) in (0, 1)
                passthrough = count == 1 and upright and triaged.kind is Kind.JPEG and img.mode in ("L", "RGB")
                jobs.append(PageJob(path, index + 1, PageOrigin.IMAGE, path, index, file_dpi(img), 0, passthrough))
            return jobs
    except InputFileError:
        raise
    except (OSError, SyntaxError, ValueError, EOFError) as e:
        raise CorruptFileError("Ảnh bị hỏng, không đọc được", "the image is corrupt and cannot be read", detail=f"{path.name}: {e}") from e


def pdf_jobs(path: Path, settings: Settings, workdir: Path) -> list[PageJob]:
    """Text-layer pages read now, scanned pages extracted to ``workdir``, page by page."""
    with open_pdf(path, settings) as pdf:
        try:
            with pdfplumber.open(path) as plumber:
                return [_pdf_job(path, n, page, plumber.pages[n - 1], settings, workdir) for n, page in enumerate(pdf.pages, 1)]
        except (PDFSyntaxError, pikepdf.PdfError, ValueError, KeyError, TypeError) as e:
            raise CorruptFileError("PDF bị hỏng, không đọc được", "the PDF is corrupt and cannot be read", detail=f"{path.name}: {e}") from e


def _pdf_job(path: Path, number: int, page: pikepdf.Page, plumbed: pdfplumber.page.Page, settings: Settings, workdir: Path) -> PageJob:
    if textlayer.has_text_layer(plumbed):
        return PageJob(path, number, PageOrigin.PDF_TEXT, dpi=TEXT_DPI, words=textlayer.read_words(plumbed, TEXT_DPI))
    quarter = int(page.obj.get("/Rotate", 0)) % 360
    embedded = _embedded_image(page, settings, workdir / f"p{number:04d}-embedded", path.name)
    if embedded is None:
        return PageJob(path, number, PageOrigin.PDF_SCAN, None, dpi=TEXT_DPI)
    image, dpi = embedded
    return PageJob(path, number, PageOrigin.PDF_SCAN, image, 0, dpi, quarter, quarter == 0 and _plain_jpeg(image))


def _plain_jpeg(path: Path) -> bool:
    """A greyscale or RGB JPEG file: one that can be embedded again byte for byte."""
    if path.suffix.lower() != ".jpg":
        return False
    with Image.open(path) as img:
        return img.mode in ("L", "RGB")


def _embedded_image(page: pikepdf.Page, settings: Settings, prefix: Path, name: str) -> tuple[Path, int] | None:
    """The page's single full-page image extracted as stored, with its dpi; None to render instead."""
    images = list(page.get_images().values())
    if len(images) != 1:
        return None
    image = pikepdf.PdfImage(images[0])
    check_pixels(image.width, image.height, settings, name)
    box = page.mediabox
    width_pt, height_pt = float(box[2]) - float(box[0]), float(box[3]) - float(box[1])
    if width_pt <= 0 or height_pt <= 0 or abs(image.width / image.height - width_pt / height_pt) > 0.03:
        return None
    try:
        out = Path(image.extract_to(fileprefix=str(prefix)))
    except (pikepdf.PdfError, NotImplementedError, ValueError):  # JBIG2 and exotic filters: render instead
        return None
    return out, round(image.width * 72 / width_pt)
