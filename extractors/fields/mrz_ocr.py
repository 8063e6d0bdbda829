"""A second, MRZ-only reading of the bottom of a card with an uppercase/digit/filler whitelist.

The page OCR uses the Vietnamese model, which reads ``<`` runs and OCR-B digits poorly. A
restricted English pass over the lower part of the image is cheap (one small Tesseract call)
and only its check digits decide whether it is believed.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import cv2

from extractors.fields.mrz import Mrz, find_td1
from sohoa.errors import ToolError
from sohoa.settings import Settings
from sohoa.tools import run

_WHITELIST = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
BOTTOM_SHARE = 0.45  # the MRZ sits in the lower part of the card back


def read_mrz_image(image_path: Path, settings: Settings) -> Mrz | None:
    """The TD1 zone read from the bottom of a page image, or None when none is found."""
    image = cv2.imread(str(image_path), cv2.IMREAD_GRAYSCALE)
    if image is None:
        return None
    crop = image[int(image.shape[0] * (1 - BOTTOM_SHARE)) :, :]
    with tempfile.TemporaryDirectory(prefix="sohoa-mrz-") as work:
        path = Path(work) / "mrz.png"
        cv2.imwrite(str(path), crop)
        try:
            proc = run(["tesseract", path, "stdout", "-l", "eng", "--psm", "6",
                        "-c", f"tessedit_char_whitelist={_WHITELIST}"],
                       timeout=settings.tesseract_timeout, env=settings.tesseract_env)
        except ToolError:
            return None
    return find_td1(proc.stdout.decode(errors="replace"))
