"""Page cleaning with OpenCV: each step is a small function with one job and a switch.

All steps take and return an 8-bit image, greyscale (rows × columns) or RGB
(rows × columns × 3: colour scans keep their colour, red seals matter).
Geometry is estimated on a small binarised copy (about 100 dpi) so that the
whole chain costs a small fraction of Tesseract's own time; only the final warp
touches full-resolution pixels. Nothing is ever downscaled (QR codes are read
from the cleaned page). The original file is never touched: the caller writes
the result to a new file.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from extractors.geometry import Judge, find_page_quad, orientation_and_skew, warp_quad

UPSAMPLE_BELOW_DPI = 250  # 150-dpi scans are enlarged to 300 dpi: Tesseract wants x-height ≥ ~20 px
TARGET_DPI = 300
MIN_SKEW = 1.0  # degrees; Tesseract copes with less on its own, and a resample costs time

StepFn = Callable[[np.ndarray], "np.ndarray | None"]


@dataclass(frozen=True)
class Steps:
    """Which steps run; every one can be switched off (bench/ocr.py measures each)."""

    perspective: bool = True
    orientation: bool = True
    deskew: bool = True
    crop: bool = True
    contrast: bool = True
    upsample: bool = True


@dataclass
class Cleaned:
    """A cleaned page: image, its resolution, what was done and how long each step took."""

    image: np.ndarray
    dpi: int
    rotation: int = 0  # degrees clockwise applied to upright the page (0/90/180/270)
    skew: float = 0.0  # degrees of deskew applied (counter-clockwise positive)
    steps: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def clean(image: np.ndarray, dpi: int, steps: Steps = Steps(), judge: Judge | None = None) -> Cleaned:
    """Run the switched-on steps in order: perspective, orientation+deskew, crop, contrast, upsample.

    ``judge`` is the second opinion asked when the page's own up/down cue is unclear
    (``geometry.orientation_and_skew``); without one such a page is left as it is.
    """
    page = Cleaned(image=image, dpi=dpi)
    _timed(page, "perspective", steps.perspective, flatten_perspective)
    if steps.orientation or steps.deskew:
        start = time.perf_counter()
        straighten(page, steps.orientation, steps.deskew, judge)
        page.seconds["straighten"] = time.perf_counter() - start
    _timed(page, "crop", steps.crop, crop_dark_borders)
    _timed(page, "contrast", steps.contrast, normalise_background)
    if steps.upsample and page.dpi < UPSAMPLE_BELOW_DPI:
        start = time.perf_counter()
        page.steps.append(f"upsample{page.dpi}")  # the source resolution stays known (``fields`` needs it)
        page.image, page.dpi = upsample(page.image, page.dpi), TARGET_DPI
        page.seconds["upsample"] = time.perf_counter() - start
    return page


def _timed(page: Cleaned, name: str, enabled: bool, step: StepFn) -> None:
    if not enabled:
        return
    start = time.perf_counter()
    out = step(page.image)
    page.seconds[name] = time.perf_counter() - start
    if out is not None:
        page.image = out
        page.steps.append(name)


def grey(image: np.ndarray) -> np.ndarray:
    """The greyscale view that geometry is estimated on (the image itself when already grey)."""
    return image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


def _fill(image: np.ndarray, level: int) -> int | tuple[int, int, int]:
    """An OpenCV border value of grey ``level`` for this image's channel count."""
    return level if image.ndim == 2 else (level, level, level)


def flatten_perspective(image: np.ndarray) -> np.ndarray | None:
    """Warp a photographed page or card to a flat rectangle; None when the image is already a scan."""
    quad = find_page_quad(grey(image))
    return None if quad is None else warp_quad(image, quad)


def straighten(page: Cleaned, orientation: bool, deskew: bool, judge: Judge | None = None) -> None:
    """Rotate the page upright (0/90/180/270) and remove its skew, in one resample."""
    rotation, skew = orientation_and_skew(grey(page.image), page.dpi, judge if orientation else None)
    rotation = rotation if orientation else 0
    skew = skew if deskew and abs(skew) >= MIN_SKEW else 0.0
    if rotation:
        page.image = rotate_quarter(page.image, rotation)
        page.rotation = rotation
        page.steps.append(f"rotate{rotation}")
    if skew:
        page.image = rotate_fine(page.image, skew)
        page.skew = skew
        page.steps.append("deskew")


def rotate_quarter(image: np.ndarray, clockwise: int) -> np.ndarray:
    """Exact (lossless) rotation by a multiple of 90 degrees clockwise."""
    codes = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    return cv2.rotate(image, codes[clockwise % 360])


def rotate_fine(image: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate counter-clockwise by ``degrees`` about the centre, keeping size, filling with paper white."""
    h, w = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    paper = int(np.percentile(grey(image)[::8, ::8], 90))
    return cv2.warpAffine(image, matrix, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=_fill(image, paper))


def crop_dark_borders(image: np.ndarray, dark: int = 90, limit: float = 0.15) -> np.ndarray | None:
    """Cut black scanner edges: rows/columns from each side whose mean is darker than ``dark``.

    At most ``limit`` of each dimension is cut, so a dark photo is never emptied.
    """
    view = grey(image)
    rows, cols = view.mean(axis=1), view.mean(axis=0)
    top, bottom = _dark_run(rows, dark, limit), _dark_run(rows[::-1], dark, limit)
    left, right = _dark_run(cols, dark, limit), _dark_run(cols[::-1], dark, limit)
    if top + bottom + left + right == 0:
        return None
    h, w = view.shape
    return np.ascontiguousarray(image[top : h - bottom, left : w - right])


def _dark_run(means: np.ndarray, dark: int, limit: float) -> int:
    """Length of the run of dark lines at the start of ``means`` (plus a small margin), capped."""
    cap = int(len(means) * limit)
    light = np.flatnonzero(means[:cap] >= dark)
    run = cap if light.size == 0 else int(light[0])
    return 0 if run == 0 else min(cap, run + 2)


def normalise_background(image: np.ndarray, spread: int = 30) -> np.ndarray | None:
    """Flatten uneven lighting by dividing by the paper's estimated brightness.

    Applied only when the paper brightness varies by more than ``spread`` grey
    levels across the page; uniform scans are returned untouched (None).
    """
    small = cv2.resize(image, None, fx=1 / 8, fy=1 / 8, interpolation=cv2.INTER_AREA)
    paper = cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    paper = cv2.medianBlur(paper, 5)
    low, high = np.percentile(paper, (5, 95))
    if high - low <= spread:
        return None
    paper = cv2.resize(paper, (image.shape[1], image.shape[0]), interpolation=cv2.INTER_LINEAR)
    return cv2.divide(image, np.maximum(paper, 1), scale=255)


def upsample(image: np.ndarray, dpi: int) -> np.ndarray:
    """Enlarge a low-resolution scan to ``TARGET_DPI`` with bicubic interpolation."""
    factor = TARGET_DPI / dpi
    return cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_CUBIC)
