"""Regenerate the malformed-input corpus of this folder (see README.md).

Run: ``.venv/bin/python tests/bad_inputs/generate.py``. Every file is small
(a few KiB at most) and is committed, so tests never depend on this script's
libraries behaving the same tomorrow.
"""

from __future__ import annotations

import io
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pikepdf
from PIL import Image

HERE = Path(__file__).resolve().parent


def _png(width: int = 64, height: int = 32) -> bytes:
    buf = io.BytesIO()
    Image.new("L", (width, height), 200).save(buf, format="PNG")
    return buf.getvalue()


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("L", (64, 32), 200).save(buf, format="JPEG", quality=90)
    return buf.getvalue()


def _tiff(frames: int = 1, size: tuple[int, int] = (64, 32)) -> bytes:
    buf = io.BytesIO()
    pages = [Image.new("L", size, 100 + i) for i in range(frames)]
    pages[0].save(buf, format="TIFF", save_all=True, append_images=pages[1:])
    return buf.getvalue()


def _pdf(pages: int = 1, **save: object) -> bytes:
    buf = io.BytesIO()
    with pikepdf.new() as pdf:
        for _ in range(pages):
            pdf.add_blank_page(page_size=(200, 200))
        pdf.save(buf, **save)  # type: ignore[arg-type]
    return buf.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header declares ``width`` × ``height`` with a token image body."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", body) + _chunk(b"IEND", b"")


def _flip_idat(png: bytes) -> bytes:
    start = png.index(b"IDAT") + 8
    return png[:start] + bytes(b ^ 0xFF for b in png[start : start + 8]) + png[start + 8 :]


def _gif() -> bytes:
    buf = io.BytesIO()
    Image.new("L", (8, 8), 0).save(buf, format="GIF")
    return buf.getvalue()


def _bmp() -> bytes:
    buf = io.BytesIO()
    Image.new("L", (8, 8), 0).save(buf, format="BMP")
    return buf.getvalue()


def _zip() -> bytes:
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        archive.writestr("scan.txt", "not a scan")
    return buf.getvalue()


CORPUS: dict[str, Callable[[], bytes]] = {
    "empty.pdf": lambda: b"",
    "empty.jpg": lambda: b"",
    "notes.txt": lambda: "Biên bản họp — không phải bản quét\n".encode(),
    "picture.gif": _gif,
    "picture.bmp": _bmp,
    "dossier.zip": _zip,
    "png-named.pdf": _png,
    "pdf-named.jpg": _pdf,
    "jpeg-named.png": _jpeg,
    "tiff-named.jpg": _tiff,
    "html-named.pdf": lambda: b"<!doctype html><html><body>404 Not Found</body></html>\n",
    "truncated.jpg": lambda: _jpeg()[: len(_jpeg()) // 2],
    "truncated.png": lambda: _png()[:-20],
    "truncated.pdf": lambda: _pdf()[:-40],
    "truncated.tif": lambda: _tiff(size=(640, 480))[: 640 * 480 // 3],
    "encrypted-user.pdf": lambda: _pdf(encryption=pikepdf.Encryption(user="mat-khau", owner="chu")),
    "encrypted-owner.pdf": lambda: _pdf(encryption=pikepdf.Encryption(user="", owner="chu")),
    "garbage.pdf": lambda: b"%PDF-1.7\n" + bytes(range(256)) * 4 + b"\n%%EOF\n",
    "no-pages.pdf": lambda: _pdf(pages=0),
    "bomb.png": lambda: _png_header_only(40_000, 40_000),
    "zero-width.png": lambda: _png_header_only(0, 100),
    "bad-crc.png": lambda: _flip_idat(_png()),
    "corrupt.jpg": lambda: b"\xff\xd8\xff\xe0" + b"\x13\x37" * 200 + b"\xff\xd9",
    "three-frames.tif": lambda: _tiff(frames=3),
    "three-pages.pdf": lambda: _pdf(pages=3),
    "valid-but-large.png": lambda: _png(256, 256),  # > 500 bytes
}


def main() -> None:
    for name, build in CORPUS.items():
        (HERE / name).write_bytes(build())


if __name__ == "__main__":
    main()
