"""A second, MRZ-only reading of the bottom of a card with an uppercase/digit/filler whitelist.

The page OCR uses the Vietnamese model, which reads ``<`` runs and OCR-B digits poorly. A
restricted English pass over the lower part of the image is cheap (one small Tesseract call)
and only its check digits decide whether lines 1-2 are believed. Line 3 (the name) has no
check digit: ``MrzReading.name_confidence`` (its weakest word) is what vouches for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import cv2

from extractors.fields.mrz import Mrz, find_td1, repair_line
from extractors.tesseract import read_words, text_of
from sohoa.errors import ToolError
from sohoa.settings import Settings

_WHITELIST = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
BOTTOM_SHARE = 0.45  # the MRZ sits in the lower part of the card back


@dataclass(frozen=True)
class MrzReading:
    mrz: Mrz
    name_confidence: float  # 0-1, weakest word of the line that became line 3


def read_mrz_image(image_path: Path, settings: Settings, *, binarise: bool = False) -> MrzReading | None:
    """The TD1 zone read from the bottom of a page image, or None when none is found (never raises).

    ``binarise`` reads an Otsu-thresholded, 1.5× enlarged copy instead: a second, differently
    conditioned reading whose agreement confirms the name line.
    """
    image = cv2.imread(str(image_path), cv2.IMREAD_GRAYSCALE)
    if image is None:
        return None
    crop = image[int(image.shape[0] * (1 - BOTTOM_SHARE)) :, :]
    if binarise:
        crop = cv2.resize(crop, None, fx=1.5, fy=1.5, interpolation=cv2.INTER_CUBIC)
        crop = cv2.threshold(cv2.GaussianBlur(crop, (3, 3), 0), 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)[1]
    try:
        words = read_words(crop, settings, languages="eng", psm=6, whitelist=_WHITELIST)
    except ToolError:
        return None
    mrz = find_td1(text_of(words))
    if mrz is None:
        return None
    lines: dict[int, list[str]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word.text)
    name_lines = [i for i, ws in lines.items() if repair_line("".join(ws), 2) == mrz.lines[2]]
    confidence = min((w.confidence for w in words if name_lines and w.line == name_lines[-1]), default=0.0)
    return MrzReading(mrz, confidence)
