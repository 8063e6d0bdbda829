"""From an input file to recognised pages: triage, split, clean, OCR — pages in parallel.

Each page is one job: decode, preprocess (OpenCV), then ONE Tesseract pass giving
words+boxes and the invisible text of the one-page searchable PDF, under which the
page image is drawn with the compressed bytes of the page's lossless PNG. Jobs run on
a pool of ``settings.workers`` threads, each driving its own single-threaded Tesseract
process, so N cores OCR N pages at once. Within a job, Tesseract is started before the
page is decoded (it loads its model meanwhile) and the PNG is compressed while it
recognises, so the page's wall time is close to Tesseract's own (CPU time is not saved).
Text-layer PDF pages are only rendered (for QR reading), never OCRed.
"""

from __future__ import annotations

import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from extractors import pages as pagesplit
from extractors import pngdata, preprocess, tesseract
from extractors.pages import PageJob
from extractors.pdfout import add_page_image, merge_pages
from extractors.triage import decode_frame, triage
from sohoa.logs import get_logger
from sohoa.model import OcrPage, OcrResult, Page, PageOrigin, Source, sha256_file
from sohoa.settings import Settings
from sohoa.tools import require, run

log = get_logger(__name__)
# Tesseract reads cleaned pages from a temporary uncompressed TIFF: ~30× faster to write
# than a PNG and cheaper for Tesseract to read than PNG or PNM. Its resolution tags are the
# page's dpi (inches), which Tesseract uses instead of a ``--dpi`` option.
RAW_TIFF = [cv2.IMWRITE_TIFF_COMPRESSION, 1, cv2.IMWRITE_TIFF_RESUNIT, 2]


def recognise_file(path: Path, settings: Settings, workdir: Path, steps: preprocess.Steps = preprocess.Steps()) -> OcrResult:
    """Recognise every page of ``path`` (JPEG, PNG, TIFF, PDF).

    Bad input raises the specific ``InputFileError`` subclass. Word boxes are in
    pixels of each page's cleaned image (``Page.image_path``); confidences are in
    [0, 1]. ``workdir`` receives the cleaned images and one-page PDFs and must
    outlive the result's use.
    """
    started = time.perf_counter()
    triaged = triage(path, settings)
    workdir.mkdir(parents=True, exist_ok=True)
    jobs = pagesplit.split(triaged, settings, workdir)
    cv2.setNumThreads(1)  # parallelism is by page; OpenCV's own threads would fight Tesseract
    with ThreadPoolExecutor(max_workers=max(1, settings.workers), thread_name_prefix="ocr-page") as pool:
        done = list(pool.map(lambda job: process_page(job, settings, workdir, steps), jobs))
    log.info("recognised", file=path.name, pages=len(done), seconds=round(time.perf_counter() - started, 3))
    return OcrResult(source=path, sha256=sha256_file(path), pages=tuple(done))


def write_searchable_pdf(result: OcrResult, out: Path) -> None:
    """One searchable PDF of all pages: OCRed pages as image + invisible text, text-layer pages as in the original."""
    merge_pages(result, out)


def process_page(job: PageJob, settings: Settings, workdir: Path, steps: preprocess.Steps) -> OcrPage:
    """One page from job to recognised text (text layer or OCR) and, when OCRed, its one-page PDF."""
    start = time.perf_counter()
    if job.origin is PageOrigin.PDF_TEXT:
        page = Page(job.source, job.number, job.origin, *_render(job, settings, workdir))
        text = tesseract.text_of(job.words)
        return OcrPage(page, job.words, text, Source.TEXT_LAYER, None, time.perf_counter() - start)
    base = workdir / f"p{job.number:04d}-ocr"
    raw = base.with_suffix(".tif")
    try:
        with tesseract.PageRecognition(base, settings) as ocr:
            page, pixels, jpeg = _clean_page(job, settings, workdir, steps)
            ocr.feed(_write_raw(raw, pixels, page.dpi))
            flate = None if jpeg is not None else _write_png(_png_path(workdir, job), pixels, page.dpi)  # while Tesseract recognises
            found = ocr.result()
    finally:
        raw.unlink(missing_ok=True)
    pdf = add_page_image(found.pdf_path, pixels, workdir / f"p{job.number:04d}.pdf", flate=flate, jpeg=jpeg)
    return OcrPage(page, found.words, found.text, Source.OCR, pdf, time.perf_counter() - start)


def _write_raw(path: Path, pixels: np.ndarray, dpi: int) -> Path:
    """The temporary uncompressed TIFF that Tesseract reads, declaring ``dpi``."""
    bgr = pixels if pixels.ndim == 2 else cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)
    if not cv2.imwrite(str(path), bgr, [*RAW_TIFF, cv2.IMWRITE_TIFF_XDPI, dpi, cv2.IMWRITE_TIFF_YDPI, dpi]):
        raise OSError(f"could not write {path}")
    return path


def _png_path(workdir: Path, job: PageJob) -> Path:
    """Where an OCRed page's cleaned image is written as PNG (unless it is an unchanged JPEG)."""
    return workdir / f"p{job.number:04d}.png"


def _write_png(path: Path, pixels: np.ndarray, dpi: int) -> bytes:
    """Compress the page once, write it as the PNG page image, and return that Flate data for the PDF."""
    flate = pngdata.deflate_rows(pixels)
    pngdata.write_png(path, pixels, flate, dpi)
    return flate


def _clean_page(job: PageJob, settings: Settings, workdir: Path, steps: preprocess.Steps) -> tuple[Page, np.ndarray, Path | None]:
    """Decode and clean the page: its Page (image path, size, dpi, steps), pixels, and the JPEG to embed as is.

    An unchanged JPEG scan is copied byte for byte and is the page image;
    otherwise the page image is the PNG that ``process_page`` writes.
    """
    source, dpi = _decode(job, settings, workdir)
    image = np.asarray(source)
    if job.quarter:
        image = preprocess.rotate_quarter(image, job.quarter)
    cleaned = preprocess.clean(image, dpi, steps, judge=lambda strip: tesseract.upright_opinion(strip, settings))
    jpeg = None
    if job.passthrough and not cleaned.steps and job.image is not None:
        jpeg = workdir / f"p{job.number:04d}.jpg"
        shutil.copyfile(job.image, jpeg)
    h, w = cleaned.image.shape[:2]
    rotation = (cleaned.rotation + job.quarter) % 360
    image_path = jpeg or _png_path(workdir, job)
    page = Page(job.source, job.number, job.origin, image_path, w, h, cleaned.dpi, rotation, cleaned.skew, tuple(cleaned.steps))
    return page, cleaned.image, jpeg


def _decode(job: PageJob, settings: Settings, workdir: Path) -> tuple[Image.Image, int]:
    """The page's pixels (grey or RGB) and dpi: from its image file, or rendered when none was extractable."""
    if job.image is not None:
        return decode_frame(job.image, job.frame), job.dpi
    path, _, _, dpi = _render(job, settings, workdir)
    return decode_frame(path, 0), dpi


def _render(job: PageJob, settings: Settings, workdir: Path) -> tuple[Path, int, int, int]:
    """Render a PDF page with pdftoppm (greyscale PNG at ``job.dpi``): path, width, height, dpi."""
    exe = require("pdftoppm", hint="apt-get install poppler-utils")
    base = workdir / f"p{job.number:04d}-render"
    args = [exe, "-r", str(job.dpi), "-gray", "-png", "-f", str(job.number), "-l", str(job.number), "-singlefile", job.source, base]
    run(args, timeout=settings.tesseract_timeout)
    out = base.with_suffix(".png")
    with Image.open(out) as img:
        width, height = img.size
    return out, width, height, job.dpi
