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
import numpy as np
from PIL import Image

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
    _write(path, image, dpi)
    return Sample(path, truth, doc_type, layout, font, condition, seed)


def _write(path: Path, image: np.ndarray, dpi: int) -> None:
    """One encode, with the resolution recorded in the file (the pipeline reads it to know the scale)."""
    rgb = Image.fromarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    if path.suffix == ".jpg":
        rgb.save(path, quality=72, dpi=(dpi, dpi))
    else:
        rgb.save(path, compress_level=1, dpi=(dpi, dpi))
