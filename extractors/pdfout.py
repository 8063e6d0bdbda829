"""Searchable PDF pages and their merge, with pikepdf.

A one-page searchable PDF is Tesseract's text-only PDF (invisible text, page
sized from the image's dpi) with the page image drawn underneath. We embed
the image ourselves because Tesseract re-encodes any non-JPEG/PNG input as a
lossy JPEG: here an unchanged JPEG scan is embedded byte for byte (DCT), and any
other page as its exact pixels, reusing the Flate data of its PNG (``pngdata``). Text-layer pages
are copied from the original PDF unchanged. Nothing is re-rendered.
"""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import numpy as np
import pikepdf

from sohoa.errors import ToolError
from sohoa.model import OcrPage, OcrResult


def _image_stream(pdf: pikepdf.Pdf, pixels: np.ndarray, flate: bytes | None, jpeg: Path | None) -> pikepdf.Stream:
    """An image XObject of ``pixels``: the JPEG file's own bytes, or ``flate`` (``pngdata.deflate_rows``)."""
    height, width = pixels.shape[:2]
    colours = 1 if pixels.ndim == 2 else 3
    if jpeg is not None:
        stream = pikepdf.Stream(pdf, jpeg.read_bytes())
        stream.Filter = pikepdf.Name.DCTDecode
    elif flate is not None:
        stream = pikepdf.Stream(pdf, flate)
        stream.Filter = pikepdf.Name.FlateDecode
        stream.DecodeParms = pikepdf.Dictionary(Predictor=15, Colors=colours, BitsPerComponent=8, Columns=width)
    else:
        raise ValueError("an image needs its JPEG file or its deflated rows")
    stream.Type, stream.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    stream.Width, stream.Height, stream.BitsPerComponent = width, height, 8
    stream.ColorSpace = pikepdf.Name.DeviceGray if colours == 1 else pikepdf.Name.DeviceRGB
    return stream


def add_page_image(text_pdf: Path, pixels: np.ndarray, out: Path, *, flate: bytes | None = None, jpeg: Path | None = None) -> Path:
    """Draw the page image under the invisible text of Tesseract's one-page text-only PDF; write ``out``.

    The image is given as its JPEG file (embedded byte for byte) or as the
    deflated rows already written into the page's PNG.
    """
    try:
        with pikepdf.open(text_pdf) as pdf:
            page = pdf.pages[0]
            box = page.mediabox
            width, height = float(box[2]) - float(box[0]), float(box[3]) - float(box[1])
            name = page.add_resource(_image_stream(pdf, pixels, flate, jpeg), pikepdf.Name.XObject, prefix="Scan")
            page.contents_add(f"q {width:.4f} 0 0 {height:.4f} 0 0 cm {name} Do Q\n".encode(), prepend=True)
            pdf.save(out)
    except pikepdf.PdfError as e:
        raise ToolError("Không tạo được trang PDF có thể tìm kiếm", "could not build a searchable PDF page", detail=str(e)) from e
    return out


def _source_page(stack: ExitStack, cache: dict[Path, pikepdf.Pdf], page: OcrPage) -> pikepdf.Page:
    """The PDF page that represents ``page`` in the output (opened once per file)."""
    if page.pdf_path is not None:
        path, index = page.pdf_path, 0
    else:
        path, index = page.page.source, page.page.number - 1
    if path not in cache:
        cache[path] = stack.enter_context(pikepdf.open(path))
    return cache[path].pages[index]


def merge_pages(result: OcrResult, out: Path) -> None:
    """Write every page of ``result``, in order, into one PDF at ``out``."""
    try:
        with ExitStack() as stack, pikepdf.new() as merged:
            cache: dict[Path, pikepdf.Pdf] = {}
            for page in result.pages:
                merged.pages.append(_source_page(stack, cache, page))
            merged.docinfo["/Producer"] = "sohoa"
            merged.remove_unreferenced_resources()
            merged.save(out, compress_streams=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    except pikepdf.PdfError as e:
        raise ToolError("Không ghép được PDF có thể tìm kiếm", "could not merge the searchable PDF", detail=str(e)) from e
