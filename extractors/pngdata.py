"""One lossless compression per page, shared by the PNG page image and the PDF image stream.

A PNG's image data is a zlib stream of scanlines, each prefixed by a filter
byte; a PDF FlateDecode stream with ``/Predictor 15`` reads exactly the same
bytes. So each cleaned page is compressed once (level 1, run-length strategy:
about twice as fast as the default on scanner noise) and those bytes become both
``Page.image_path`` (a standard PNG the review UI and QR reader open) and the
image of the searchable PDF, without a second encoding.
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np

_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def deflate_rows(pixels: np.ndarray) -> bytes:
    """zlib stream of the image's rows, each prefixed by PNG filter type 0 (None). Grey or RGB, 8 bit."""
    rows = pixels.reshape(pixels.shape[0], -1)
    framed = np.empty((rows.shape[0], rows.shape[1] + 1), dtype=np.uint8)
    framed[:, 0] = 0
    framed[:, 1:] = rows
    packer = zlib.compressobj(1, zlib.DEFLATED, 15, 9, zlib.Z_RLE)
    return packer.compress(framed.tobytes()) + packer.flush()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def write_png(path: Path, pixels: np.ndarray, data: bytes, dpi: int) -> Path:
    """Write a PNG of ``pixels`` whose IDAT is ``data`` (from ``deflate_rows``), declaring ``dpi``."""
    height, width = pixels.shape[:2]
    colour_type = 0 if pixels.ndim == 2 else 2
    header = struct.pack(">IIBBBBB", width, height, 8, colour_type, 0, 0, 0)
    per_metre = round(dpi / 0.0254)
    physical = struct.pack(">IIB", per_metre, per_metre, 1)
    path.write_bytes(_SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"pHYs", physical) + _chunk(b"IDAT", data) + _chunk(b"IEND", b""))
    return path
