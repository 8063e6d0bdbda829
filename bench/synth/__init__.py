"""A labelled synthetic corpus: documents of every type with their ground truth.

``generate(doc_type, layout=, font=, condition=, seed=, out_dir=)`` draws one document
(3 layouts per type, 4 font families, 4 capture conditions), writes it to ``out_dir`` and
returns its path and the exact field values the extractor should produce (contract formats).
Every value is synthetic (no real person); a seed fixes the document and its degradation.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2

from bench.synth import cards, conditions, papers
from bench.synth.render import FONTS, Canvas
from sohoa.model import DocType

Drawer = Callable[[random.Random, int, str], tuple[Canvas, dict[str, Any]]]
DRAWERS: dict[DocType, Drawer] = {
    DocType.CCCD_FRONT: cards.front,
    DocType.CCCD_BACK: cards.back,
    DocType.BIRTH_CERTIFICATE: papers.birth_certificate,
    DocType.BUSINESS_REGISTRATION: papers.business_registration,
    DocType.ADMINISTRATIVE_DOCUMENT: papers.administrative_document,
}
DOC_TYPES = tuple(DRAWERS)
LAYOUTS = (0, 1, 2)
FONT_NAMES = tuple(FONTS)
CONDITIONS = conditions.CONDITIONS


@dataclass(frozen=True)
class Sample:
    """One generated document: its file, its type and the expected field values."""

    path: Path
    truth: dict[str, Any]
    doc_type: DocType
    layout: int
    font: str
    condition: str
    seed: int


def generate(doc_type: DocType, *, layout: int = 0, font: str = "liberation-serif", condition: str = "clean",
             seed: int = 0, out_dir: Path) -> Sample:
    """Draw, degrade and write one document; the same arguments always give the same file."""
    rng = random.Random(f"{doc_type.value}/{layout}/{font}/{seed}")
    canvas, truth = DRAWERS[doc_type](rng, layout, font)
    image, dpi, suffix = conditions.apply(condition, canvas.image, random.Random(f"{condition}/{seed}"), canvas.dpi)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{doc_type.value}-l{layout}-{font}-{condition}-s{seed}{suffix}"
    params = [cv2.IMWRITE_JPEG_QUALITY, 72] if suffix == ".jpg" else [cv2.IMWRITE_PNG_COMPRESSION, 3]
    cv2.imwrite(str(path), image, params)
    _set_dpi(path, dpi)
    return Sample(path, truth, doc_type, layout, font, condition, seed)


def _set_dpi(path: Path, dpi: int) -> None:
    """Record the resolution in the file (OpenCV does not), so the pipeline knows the scale."""
    from PIL import Image

    with Image.open(path) as img:
        img.load()
        img.save(path, dpi=(dpi, dpi), **({"quality": 95} if path.suffix == ".jpg" else {}))
