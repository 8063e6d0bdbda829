"""The CCCD QR code: decode it from the page image and parse its ``|``-separated string.

Layout (vn-documents.md): ``id | old CMND | full name | ddmmyyyy birth | sex | residence |
ddmmyyyy issue`` and possibly more fields on the 2024 card. Decoding tries zxing-cpp on the
image, then on a 2× upscale and a binarised copy, because phone photos often defeat one pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import cv2
import numpy as np
import zxingcpp

from extractors.fields.normalise import clean_text, parse_date, parse_sex
from sohoa.model import BBox


@dataclass(frozen=True)
class CccdQr:
    """The values a CCCD QR carries, normalised; ``bbox`` is the code's box on the page."""

    id_number: str
    old_id: str | None
    full_name: str
    date_of_birth: date | None
    sex: str | None
    place_of_residence: str | None
    issue_date: date | None
    bbox: BBox | None = None


def parse_cccd_qr(text: str, bbox: BBox | None = None) -> CccdQr | None:
    """Parse a QR payload; None when it is not a CCCD string (fewer than 7 fields or no 12-digit ID)."""
    parts = text.strip().split("|")
    if len(parts) < 7 or not (len(parts[0]) == 12 and parts[0].isdigit()):
        return None
    return CccdQr(
        id_number=parts[0],
        old_id=parts[1] or None,
        full_name=clean_text(parts[2]) or "",
        date_of_birth=parse_date(parts[3]),
        sex=parse_sex(parts[4]),
        place_of_residence=clean_text(parts[5]),
        issue_date=parse_date(parts[6]),
        bbox=bbox,
    )


def _variants(image: np.ndarray) -> list[tuple[np.ndarray, float]]:
    """The image and the copies to retry on, each with its scale back to page pixels."""
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    binary = cv2.adaptiveThreshold(grey, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY, 51, 10)
    out: list[tuple[np.ndarray, float]] = [(grey, 1.0), (binary, 1.0)]
    if max(grey.shape) < 2500:
        out.append((cv2.resize(grey, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC), 2.0))
    return out


def _box(position: zxingcpp.Position, scale: float) -> BBox:
    xs = [p.x for p in (position.top_left, position.top_right, position.bottom_left, position.bottom_right)]
    ys = [p.y for p in (position.top_left, position.top_right, position.bottom_left, position.bottom_right)]
    return (int(min(xs) / scale), int(min(ys) / scale), int(max(xs) / scale) + 1, int(max(ys) / scale) + 1)


def decode_qr_texts(image_path: Path) -> list[tuple[str, BBox]]:
    """Every QR payload found on a page image, with its box; an empty list when none (never raises)."""
    image = cv2.imread(str(image_path), cv2.IMREAD_COLOR)
    if image is None:
        return []
    for variant, scale in _variants(image):
        found = zxingcpp.read_barcodes(variant, formats=zxingcpp.BarcodeFormat.QRCode)
        texts = [(r.text, _box(r.position, scale)) for r in found if r.valid and r.text]
        if texts:
            return texts
    return []


def read_cccd_qr(image_path: Path | None) -> CccdQr | None:
    """The CCCD QR of a page image, or None when absent or unreadable."""
    if image_path is None:
        return None
    for text, bbox in decode_qr_texts(image_path):
        parsed = parse_cccd_qr(text, bbox)
        if parsed is not None:
            return parsed
    return None
