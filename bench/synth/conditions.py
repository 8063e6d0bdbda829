"""Capture conditions applied to a rendered page: clean, scanner, phone photo, 150-dpi JPEG.

Each returns the degraded image, the dpi to record and the file suffix. All randomness comes
from the ``random.Random`` passed in, so a seed reproduces the same degradation.
"""

from __future__ import annotations

import random

import cv2
import numpy as np
from PIL import Image

CONDITIONS = ("clean", "scanner", "phone", "jpeg150")


def _to_cv(image: Image.Image) -> np.ndarray:
    return cv2.cvtColor(np.asarray(image), cv2.COLOR_RGB2BGR)


def scanner(image: Image.Image, rng: random.Random) -> np.ndarray:
    """A flatbed scan: small skew on a white bed, sensor noise, slight blur."""
    img = _to_cv(image)
    h, w = img.shape[:2]
    angle = rng.uniform(1.0, 3.0) * rng.choice((-1, 1))
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    img = cv2.warpAffine(img, matrix, (w, h), borderValue=(255, 255, 255), flags=cv2.INTER_LINEAR)
    img = cv2.GaussianBlur(img, (3, 3), 0.6)
    noise = np.empty(img.shape, np.int16)
    cv2.setRNGSeed(rng.randint(0, 2**31))
    cv2.randn(noise, 0, 9)
    return np.clip(img.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def phone(image: Image.Image, rng: random.Random) -> np.ndarray:
    """A phone photo: the page on a dark desk in perspective, uneven light, blur; JPEG on write."""
    img = _to_cv(image)
    h, w = img.shape[:2]
    margin = int(0.08 * max(w, h))
    out_w, out_h = w + 2 * margin, h + 2 * margin
    j = lambda: rng.uniform(0, 0.04) * max(w, h)  # noqa: E731 - one-line jitter
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32([[margin + j(), margin + j()], [margin + w - j(), margin + j()],
                      [margin + w - j(), margin + h - j()], [margin + j(), margin + h - j()]])
    warped = cv2.warpPerspective(img, cv2.getPerspectiveTransform(src, dst), (out_w, out_h),
                                 borderValue=(60, 55, 50))
    ys, xs = np.mgrid[0:out_h:8, 0:out_w:8].astype(np.float32)  # light varies slowly: compute coarse, upscale
    cx, cy = rng.uniform(0, out_w), rng.uniform(0, out_h)
    coarse = 1.0 - 0.3 * np.sqrt((xs - cx) ** 2 + (ys - cy) ** 2) / max(out_w, out_h)
    light = cv2.resize(coarse, (out_w, out_h), interpolation=cv2.INTER_LINEAR)
    lit = cv2.multiply(warped, cv2.merge([light] * 3), dtype=cv2.CV_8U)
    return cv2.GaussianBlur(lit, (3, 3), rng.uniform(0.6, 1.0))


def jpeg150(image: Image.Image, rng: random.Random, dpi: int) -> np.ndarray:
    """A low-resolution office scan: resampled to 150 dpi (JPEG on write)."""
    img = _to_cv(image)
    scale = 150 / dpi
    return cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def apply(condition: str, image: Image.Image, rng: random.Random, dpi: int) -> tuple[np.ndarray, int, str]:
    """The degraded image, its dpi and file suffix (``.png`` lossless, ``.jpg`` for phone and 150 dpi)."""
    if condition == "clean":
        return _to_cv(image), dpi, ".png"
    if condition == "scanner":
        return scanner(image, rng), dpi, ".png"
    if condition == "phone":
        return phone(image, rng), dpi, ".jpg"
    if condition == "jpeg150":
        return jpeg150(image, rng, dpi), 150, ".jpg"
    raise ValueError(f"unknown condition {condition!r}; one of {CONDITIONS}")
