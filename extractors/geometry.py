"""Page geometry estimated on a small binarised copy: orientation, skew, and the page outline.

Why our own and not Tesseract's OSD: OSD costs about as much as a third of the
OCR pass itself, and the projection-profile method below is both cheaper
(tens of milliseconds per A4 page) and exact to 0.1° over ±15°.
Up from down is read from the text lines themselves (ink above versus below the
x-height band, line by line, photos and QR codes left out); only when that cue is
faint (capitals, digits, an MRZ) is a second opinion asked: one small Tesseract
pass over a strip of lines both ways up (``tesseract.upright_opinion``).

Conventions: ``rotation`` is the clockwise multiple of 90° that makes the page
upright; ``skew`` is the angle in degrees to pass to ``preprocess.rotate_fine``
(OpenCV convention, counter-clockwise positive) after that rotation.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

# A second opinion on a strip of text lines: > 0 if they read better as given, < 0 if turned
# over (180°), None when it cannot tell.
Judge = Callable[[np.ndarray], "float | None"]

ANALYSIS_DPI = 150
MAX_SKEW = 15.0
MARGIN = 0.04  # share of each side ignored (scanner edges, punch holes)
MIN_ANALYSIS_SIDE = 1400
SURE_UPRIGHT = 0.15  # upright_score from which the cue alone keeps the page as it is
SURE_UPSIDE_DOWN = 0.3  # -upright_score from which the cue alone turns the page over
MIN_CUE_LINES = 8  # line stretches the cue must rest on to decide alone
FLAT_LINE = 0.75  # a line whose core band covers more of its height carries no up/down cue
STRIP_LINES = 6  # text-line stretches shown to a second opinion
MAX_POINTS = 40_000  # ink pixels kept for the coarse angle search (twice as many for the fine one)


def analysis_factor(shape: tuple[int, ...], dpi: int) -> float:
    """Scale of the analysis copy: about ``ANALYSIS_DPI``, but small images (cards) keep
    ``MIN_ANALYSIS_SIDE`` pixels on their long side, so their diacritics survive; never enlarged."""
    return min(1.0, max(ANALYSIS_DPI / max(dpi, 1), MIN_ANALYSIS_SIDE / max(shape[:2])))


def binarise_small(image: np.ndarray, dpi: int) -> np.ndarray:
    """Ink = 1 on a copy scaled by ``analysis_factor``, with the page margins blanked."""
    factor = analysis_factor(image.shape, dpi)
    small = cv2.resize(image, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA) if factor < 1 else image
    small = cv2.GaussianBlur(small, (3, 3), 0)  # scanner noise would otherwise look like ink
    ink = cv2.adaptiveThreshold(small, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 20)
    h, w = ink.shape
    my, mx = int(h * MARGIN), int(w * MARGIN)
    ink[:my], ink[h - my :], ink[:, :mx], ink[:, w - mx :] = 0, 0, 0, 0
    return ink


def profile_score(ys: np.ndarray, xs: np.ndarray, degrees: float) -> float:
    """Sharpness of the horizontal projection after rotating ink points by ``degrees``.

    Sum of squared differences of adjacent row counts: largest when text lines
    are exactly horizontal (sharp line/gap edges), and blind to the uniform
    background that noise adds to every row.
    """
    a = np.deg2rad(degrees)
    rows = np.round(ys * np.cos(a) - xs * np.sin(a)).astype(np.int64)
    steps = np.diff(np.bincount(rows - rows.min()))
    return float(np.dot(steps, steps))


def best_angle(ys: np.ndarray, xs: np.ndarray, angles: np.ndarray) -> tuple[float, float]:
    """The angle of ``angles`` with the sharpest profile, and that score."""
    scores = [profile_score(ys, xs, float(a)) for a in angles]
    i = int(np.argmax(scores))
    return float(angles[i]), scores[i]


def _points(ink: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """At most ``limit`` ink pixels (rows, columns) in random order (drawn with replacement beyond ``limit``).

    Random, not strided: a regular stride would alias with the rows. Shuffled even when all are
    kept, so that any half of them (the coarse search) covers the whole page, not its top half.
    """
    ys, xs = np.nonzero(ink)
    rng = np.random.default_rng(0)
    pick = rng.integers(0, len(ys), limit) if len(ys) > limit else rng.permutation(len(ys))
    return ys[pick].astype(np.float64), xs[pick].astype(np.float64)


def estimate_skew(ys: np.ndarray, xs: np.ndarray, fine: bool = True) -> tuple[float, float]:
    """Angle (degrees, OpenCV convention) that makes text lines horizontal, and its score.

    A 1° search over ±``MAX_SKEW`` on half of the (random) ink points, then
    (``fine``) a 0.1° search around the best on all of them.
    """
    if len(ys) < 50:
        return 0.0, 0.0
    half = len(ys) // 2
    coarse, score = best_angle(ys[:half], xs[:half], np.arange(-MAX_SKEW, MAX_SKEW + 0.5, 1.0))
    if not fine:
        return coarse, score
    return best_angle(ys, xs, np.arange(coarse - 0.9, coarse + 0.95, 0.1))


def text_segments(ink: np.ndarray) -> list[tuple[int, int, int, int, np.ndarray]]:
    """Stretches of text lines (x, y, w, h, ink mask of the stretch), found by smearing ink sideways.

    Letters of a word and the marks above and below them merge into one stretch; what is not
    a line of text (photos, QR codes, rules, frames) is too tall or too short for one and is left out.
    """
    height = char_height(ink)
    if height is None:
        return []
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (max(3, int(1.5 * height)), max(1, int(0.35 * height)) | 1))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(ink, kernel), connectivity=8)
    out = []
    for i in range(1, count):
        x, y, w, h = (int(v) for v in stats[i, :4])
        if 0.8 * height <= h <= 3.5 * height and w >= 3 * h:
            out.append((x, y, w, h, (labels[y : y + h, x : x + w] == i) & (ink[y : y + h, x : x + w] > 0)))
    return out


def char_height(ink: np.ndarray) -> float | None:
    """Median height (pixels) of letter-sized ink blobs; None when there are too few to be text."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    heights, widths = stats[1:, cv2.CC_STAT_HEIGHT], stats[1:, cv2.CC_STAT_WIDTH]
    letters = (heights >= 4) & (heights <= 80) & (widths <= 3 * heights)
    return float(np.median(heights[letters])) if letters.sum() >= 10 else None


def upright_score(ink: np.ndarray) -> tuple[float, int]:
    """How upright the (horizontal) text lines look, in [-1, 1], and how many line stretches were read.

    Within a line, ink above the x-height band (ascenders, capitals and, in Vietnamese, most
    diacritics) outweighs ink below it (descenders, the dot-below). The score is (above − below)
    / (above + below) summed over all stretches: positive upright, negative upside down, near 0
    when the lines carry no such cue (digits, capitals, MRZ), which ``orientation_and_skew`` treats as unsure.
    """
    above = below = 0.0
    segments = text_segments(ink)
    for *_, mask in segments:
        rows = mask.sum(axis=1).astype(np.float64)
        core, inked = np.flatnonzero(rows >= 0.45 * rows.max()), np.flatnonzero(rows)
        if len(core) > FLAT_LINE * len(inked):
            continue  # no band above or below the core: digits, capitals without marks, MRZ
        above += rows[: core[0]].sum()
        below += rows[core[-1] + 1 :].sum()
    return ((above - below) / (above + below) if above + below else 0.0), len(segments)


def orientation_and_skew(image: np.ndarray, dpi: int, judge: Judge | None = None) -> tuple[int, float]:
    """Clockwise quarter rotation and then deskew angle that together make the page upright.

    Lines are first made horizontal (0° or 90°, by projection sharpness); whether they are
    then upside down is decided by ``upright_score`` when its cue is clear: at least
    ``SURE_UPRIGHT`` over ``MIN_CUE_LINES`` line stretches (or ``SURE_UPSIDE_DOWN`` over fewer)
    keeps the page; turning it over takes the stricter bar: at most ``-SURE_UPSIDE_DOWN`` over
    at least ``MIN_CUE_LINES`` stretches, as the costs are unequal.
    When it is not, ``judge`` (a second opinion, e.g. OCR confidence of a strip of the lines
    both ways up) decides; with no judge, or a judge with no opinion, the page is not turned
    over: turning an upright page over ruins it, leaving an upside-down one merely costs a review.
    """
    factor = analysis_factor(image.shape, dpi)
    ink = binarise_small(image, dpi)
    ys, xs = _points(ink, MAX_POINTS * 2)
    turned_ys, turned_xs = xs, (ink.shape[0] - 1) - ys  # the same points after a clockwise quarter turn
    if estimate_skew(turned_ys, turned_xs, fine=False)[1] > estimate_skew(ys, xs, fine=False)[1] * 1.1:
        rotation, ink, ys, xs = 90, cv2.rotate(ink, cv2.ROTATE_90_CLOCKWISE), turned_ys, turned_xs
    else:
        rotation = 0
    skew, _ = estimate_skew(ys, xs)
    level = _rotate_ink(ink, skew)
    score, lines = upright_score(level)
    flip = score <= -SURE_UPSIDE_DOWN and lines >= MIN_CUE_LINES
    keep = score >= SURE_UPSIDE_DOWN or (score >= SURE_UPRIGHT and lines >= MIN_CUE_LINES)
    if not (flip or keep):
        opinion = judge(text_strip(image, rotation, skew, level, factor)) if judge is not None else None
        flip = opinion is not None and opinion < 0
    if flip:
        rotation = (rotation + 180) % 360
    return rotation, round(skew, 2)


def text_strip(image: np.ndarray, rotation: int, skew: float, level: np.ndarray, factor: float) -> np.ndarray:
    """The widest text-line stretches of the page, cut from the full-resolution image turned by
    ``rotation`` and ``skew`` and stacked into one short strip (what a second opinion reads)."""
    turned = cv2.rotate(image, cv2.ROTATE_90_CLOCKWISE) if rotation == 90 else image
    paper = int(np.percentile(turned[::8, ::8], 90))
    turned = _rotate_ink(turned, skew, smooth=True, fill=paper)
    boxes = sorted(text_segments(level), key=lambda seg: -seg[2])[:STRIP_LINES]
    pieces = []
    for x, y, w, h, _ in sorted(boxes, key=lambda seg: seg[1]):
        pad = h // 4
        top, bottom = int(max(0, y - pad) / factor), int(min(level.shape[0], y + h + pad) / factor)
        pieces.append(turned[top:bottom, int(x / factor) : int((x + w) / factor)])
    if not pieces:
        return turned
    width = max(p.shape[1] for p in pieces)
    return np.vstack([cv2.copyMakeBorder(p, 0, 0, 0, width - p.shape[1], cv2.BORDER_CONSTANT, value=paper) for p in pieces])


def _rotate_ink(ink: np.ndarray, degrees: float, smooth: bool = False, fill: int = 0) -> np.ndarray:
    """``ink`` (or, ``smooth``, a grey image) turned counter-clockwise by ``degrees`` about its centre."""
    if abs(degrees) < 0.05:
        return ink
    h, w = ink.shape
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    flags = cv2.INTER_LINEAR if smooth else cv2.INTER_NEAREST
    return cv2.warpAffine(ink, matrix, (w, h), flags=flags, borderMode=cv2.BORDER_CONSTANT, borderValue=fill)


def find_page_quad(image: np.ndarray, min_area: float = 0.2, contrast: float = 60.0) -> np.ndarray | None:
    """Corners (tl, tr, br, bl; full-resolution pixels) of a bright page photographed on a darker background.

    None when the image is already a flat scan: no four-cornered bright region
    covering at least ``min_area`` of the image, the region is (nearly) the whole
    image, or its surroundings are not darker by ``contrast`` grey levels.
    """
    scale = 800 / max(image.shape)
    small = cv2.resize(image, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else image
    scale = min(scale, 1.0)
    _, bright = cv2.threshold(cv2.GaussianBlur(small, (5, 5), 0), 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    bright = cv2.morphologyEx(bright, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    contours, _ = cv2.findContours(bright, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    outline = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(outline) / (small.shape[0] * small.shape[1])
    quad = cv2.approxPolyDP(outline, 0.02 * cv2.arcLength(outline, True), True)
    if len(quad) != 4 or not min_area <= area <= 0.93:
        return None
    mask = np.zeros_like(small)
    cv2.fillConvexPoly(mask, quad.reshape(4, 2), 255)
    if cv2.mean(small, mask)[0] - cv2.mean(small, 255 - mask)[0] < contrast:
        return None
    return order_corners(quad.reshape(4, 2).astype(np.float32) / scale)


def order_corners(points: np.ndarray) -> np.ndarray:
    """Corners ordered top-left, top-right, bottom-right, bottom-left."""
    total, diff = points.sum(axis=1), np.diff(points, axis=1).ravel()
    return np.array(
        [points[np.argmin(total)], points[np.argmin(diff)], points[np.argmax(total)], points[np.argmax(diff)]],
        dtype=np.float32,
    )


def warp_quad(image: np.ndarray, quad: np.ndarray) -> np.ndarray:
    """The quadrilateral warped to a flat rectangle sized by its longest opposite edges (grey or RGB)."""
    tl, tr, br, bl = quad
    width = int(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = int(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    target = np.array([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(quad, target)
    white = 255 if image.ndim == 2 else (255, 255, 255)
    return cv2.warpPerspective(image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=white)
