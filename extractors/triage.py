"""Triage of an input file: what it is, whether it is within limits, and its pages.

Every way an input can be wrong ends here as one specific ``InputFileError``
subclass (exit code 2 in the CLI, a quarantine reason in flows), never as a
library exception. The format is decided by the file's magic bytes; the
extension is only checked against them (a PNG named ``.pdf`` is mislabelled).
Nothing here modifies the original file.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import numpy as np
import pikepdf
from PIL import Image, ImageOps, UnidentifiedImageError

from sohoa.errors import (
    CorruptFileError,
    DecompressionBombError,
    EmptyFileError,
    EncryptedPdfError,
    FileNotFound,
    InputFileError,
    MislabelledFileError,
    NoPagesError,
    TooLargeError,
    TooManyPagesError,
    TruncatedFileError,
    UnsupportedFormatError,
)
from sohoa.settings import Settings

Image.MAX_IMAGE_PIXELS = None  # we enforce settings.max_page_pixels ourselves, before decoding


class Kind(StrEnum):
    """Input formats sohoa accepts."""

    JPEG = "jpeg"
    PNG = "png"
    TIFF = "tiff"
    PDF = "pdf"


_MAGIC: tuple[tuple[bytes, Kind], ...] = (
    (b"\xff\xd8\xff", Kind.JPEG),
    (b"\x89PNG\r\n\x1a\n", Kind.PNG),
    (b"II*\x00", Kind.TIFF),
    (b"MM\x00*", Kind.TIFF),
    (b"%PDF-", Kind.PDF),
)
_EXTENSIONS: dict[str, Kind] = {
    ".jpg": Kind.JPEG,
    ".jpeg": Kind.JPEG,
    ".png": Kind.PNG,
    ".tif": Kind.TIFF,
    ".tiff": Kind.TIFF,
    ".pdf": Kind.PDF,
}
_TAIL = 8192  # bytes read from the end to find an end marker


@dataclass(frozen=True)
class Triaged:
    """A file that passed the cheap checks: its path, format and size in bytes."""

    path: Path
    kind: Kind
    size: int


def sniff(head: bytes) -> Kind | None:
    """The format announced by the first bytes of a file, or None if not one we accept.

    A PDF header may sit after a little junk (the spec tolerates 1 KiB); images must
    start with their signature.
    """
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return Kind.PDF if b"%PDF-" in head[:1024] else None


def _read_ends(path: Path) -> tuple[bytes, bytes]:
    with path.open("rb") as handle:
        head = handle.read(2048)
        handle.seek(0, 2)
        handle.seek(max(0, handle.tell() - _TAIL))
        return head, handle.read()


def _check_extension(path: Path, kind: Kind) -> None:
    claimed = _EXTENSIONS.get(path.suffix.lower())
    if claimed is not None and claimed != kind:
        raise MislabelledFileError(
            f"Tệp có đuôi {path.suffix} nhưng nội dung là {kind.value.upper()}; hãy đổi tên tệp",
            f"the file is named {path.suffix} but contains {kind.value.upper()}; rename it",
            detail=path.name,
        )


def _check_complete(path: Path, kind: Kind, tail: bytes) -> None:
    """Reject files whose end marker is missing: the usual sign of an interrupted copy."""
    marker = {Kind.JPEG: b"\xff\xd9", Kind.PNG: b"IEND", Kind.PDF: b"%%EOF"}.get(kind)
    if marker is not None and marker not in tail:
        raise TruncatedFileError(
            "Tệp bị cắt cụt (thiếu phần cuối); hãy quét hoặc sao chép lại",
            "the file is truncated (its end is missing); scan or copy it again",
            detail=path.name,
        )


def triage(path: Path, settings: Settings) -> Triaged:
    """Existence, size limit, format by magic bytes, extension and completeness checks."""
    if not path.is_file():
        raise FileNotFound(f"Không tìm thấy tệp {path}", f"file not found: {path}")
    size = path.stat().st_size
    if size == 0:
        raise EmptyFileError("Tệp rỗng (0 byte)", "the file is empty (0 bytes)", detail=path.name)
    if size > settings.max_file_bytes:
        raise TooLargeError(
            f"Tệp quá lớn ({size} byte, tối đa {settings.max_file_bytes})",
            f"the file is too large ({size} bytes, limit {settings.max_file_bytes})",
            detail=path.name,
        )
    head, tail = _read_ends(path)
    kind = sniff(head)
    if kind is None:
        if path.suffix.lower() in _EXTENSIONS:
            raise CorruptFileError(
                f"Nội dung tệp không phải {path.suffix}; tệp hỏng",
                f"the content is not a valid {path.suffix} file; it is corrupt",
                detail=path.name,
            )
        raise UnsupportedFormatError(
            "Định dạng không được hỗ trợ; chỉ nhận JPEG, PNG, TIFF, PDF",
            "unsupported format; only JPEG, PNG, TIFF and PDF are accepted",
            detail=path.name,
        )
    _check_extension(path, kind)
    _check_complete(path, kind, tail)
    return Triaged(path, kind, size)


def check_page_count(count: int, settings: Settings, name: str) -> None:
    """Zero pages and more than ``settings.max_pages`` are both refused."""
    if count == 0:
        raise NoPagesError("Tệp không có trang nào", "the file has no pages", detail=name)
    if count > settings.max_pages:
        raise TooManyPagesError(
            f"Tệp có {count} trang, tối đa {settings.max_pages}",
            f"the file has {count} pages, limit {settings.max_pages}",
            detail=name,
        )


def check_pixels(width: int, height: int, settings: Settings, name: str) -> None:
    """Refuse empty pages and decompression bombs before any pixel is decoded."""
    if width <= 0 or height <= 0:
        raise CorruptFileError("Trang ảnh có kích thước 0", "a page image has zero size", detail=name)
    if width * height > settings.max_page_pixels:
        raise DecompressionBombError(
            f"Trang ảnh quá lớn ({width}×{height} điểm ảnh, tối đa {settings.max_page_pixels})",
            f"a page image is too large ({width}×{height} pixels, limit {settings.max_page_pixels})",
            detail=name,
        )


def _corrupt(name: str, e: Exception) -> InputFileError:
    if "truncated" in str(e).lower():
        return TruncatedFileError(
            "Ảnh bị cắt cụt; hãy quét lại", "the image is truncated; scan it again", detail=f"{name}: {e}"
        )
    return CorruptFileError("Ảnh bị hỏng, không đọc được", "the image is corrupt and cannot be read", detail=f"{name}: {e}")


_COLOUR_MODES = frozenset({"RGB", "RGBA", "RGBX", "CMYK", "YCbCr", "LAB", "HSV", "P", "PA"})


def decode_frame(path: Path, index: int) -> Image.Image:
    """Frame ``index`` of a JPEG/PNG/TIFF as an upright image, RGB if the frame has colour, else greyscale.

    EXIF orientation (phone photos) is applied. Decoding errors become
    Corrupt/TruncatedFileError. Limits must have been checked on the headers first.
    """
    try:
        with Image.open(path) as img:
            img.seek(index)
            frame = ImageOps.exif_transpose(img) if index == 0 else img
            if frame.mode.startswith("I;16"):  # 16-bit scanners: Pillow's convert("L") would clip to white
                return Image.fromarray((np.asarray(frame).astype(np.uint16) >> 8).astype(np.uint8))
            return frame.convert("RGB" if frame.mode in _COLOUR_MODES else "L")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as e:
        raise _corrupt(path.name, e) from e


def file_dpi(img: Image.Image) -> int:
    """Horizontal resolution from the file; 300 when absent or implausible (phones write 72)."""
    value = img.info.get("dpi", (0, 0))[0] or 0
    try:
        dpi = round(float(value))
    except (TypeError, ValueError):
        dpi = 0
    return dpi if 100 <= dpi <= 2400 else 300


@contextmanager
def open_pdf(path: Path, settings: Settings) -> Iterator[pikepdf.Pdf]:
    """Open a PDF for reading, refusing encrypted, corrupt, empty and over-long ones."""
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError as e:
        raise _encrypted(path) from e
    except (pikepdf.PdfError, OSError, ValueError) as e:
        raise CorruptFileError("PDF bị hỏng, không đọc được", "the PDF is corrupt and cannot be read", detail=f"{path.name}: {e}") from e
    with pdf:
        if pdf.is_encrypted:
            raise _encrypted(path)
        try:
            count = len(pdf.pages)
        except pikepdf.PdfError as e:
            raise CorruptFileError("Cây trang của PDF bị hỏng", "the PDF page tree is corrupt", detail=f"{path.name}: {e}") from e
        check_page_count(count, settings, path.name)
        yield pdf


def _encrypted(path: Path) -> EncryptedPdfError:
    return EncryptedPdfError(
        "PDF được mã hoá hoặc đặt mật khẩu; hãy gửi bản không mã hoá",
        "the PDF is encrypted or password-protected; send an unencrypted copy",
        detail=path.name,
    )
