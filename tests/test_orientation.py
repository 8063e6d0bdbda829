"""Page orientation on generated cards and paper documents at 0/90/180/270°, with the real Tesseract judge.

Regression of a review finding: the up/down cue summed over whole rows turned upright CCCD
cards over (a photo and a QR code span the rows of several text lines), so their printed text
became unreadable. Every document below must come out upright whichever way it was fed in.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from bench.synth import Sample, generate
from extractors.geometry import binarise_small, orientation_and_skew, upright_score
from extractors.preprocess import flatten_perspective, grey, rotate_quarter
from extractors.tesseract import upright_opinion
from extractors.triage import decode_frame, file_dpi
from sohoa.model import DocType
from sohoa.settings import Settings

TURNS = (0, 90, 180, 270)
# (type, layout, font, condition, seed): every card layout, both card sides, clean and photographed,
# the reported case (front, layout 2, DejaVu Sans, clean, seed 1002) and one paper of each kind.
DOCUMENTS = [
    (DocType.CCCD_FRONT, 2, "dejavu-sans", "clean", 1002),
    (DocType.CCCD_FRONT, 0, "liberation-serif", "clean", 1000),
    (DocType.CCCD_FRONT, 1, "freeserif", "phone", 1001),
    (DocType.CCCD_FRONT, 2, "liberation-serif", "scanner", 1004),
    (DocType.CCCD_BACK, 0, "freeserif", "scanner", 1005),
    (DocType.CCCD_BACK, 1, "liberation-serif", "clean", 1000),
    (DocType.CCCD_BACK, 2, "noto-sans", "jpeg150", 1003),
    (DocType.CCCD_BACK, 2, "dejavu-sans", "clean", 1002),  # its MRZ name line alone pointed the wrong way
    (DocType.BIRTH_CERTIFICATE, 0, "liberation-serif", "jpeg150", 1008),
    (DocType.BUSINESS_REGISTRATION, 1, "liberation-serif", "scanner", 1000),
    (DocType.ADMINISTRATIVE_DOCUMENT, 2, "noto-sans", "phone", 1007),
]


def _page(sample: Sample) -> tuple[np.ndarray, int]:
    """The greyscale page as the pipeline straightens it (flattened first when photographed), and its dpi."""
    image = np.asarray(decode_frame(sample.path, 0))
    flat = flatten_perspective(image)
    with Image.open(sample.path) as img:
        dpi = file_dpi(img)
    return grey(image if flat is None else flat), dpi


@pytest.mark.parametrize(("doc_type", "layout", "font", "condition", "seed"), DOCUMENTS,
                         ids=[f"{d[0].value}-l{d[1]}-{d[3]}-{d[4]}" for d in DOCUMENTS])
def test_document_fed_in_any_way_comes_out_upright(doc_type: DocType, layout: int, font: str, condition: str,
                                                   seed: int, ocr_settings: Settings, tmp_path: Path) -> None:
    sample = generate(doc_type, layout=layout, font=font, condition=condition, seed=seed, out_dir=tmp_path)
    page, dpi = _page(sample)
    judge = lambda strip: upright_opinion(strip, ocr_settings)  # noqa: E731 - what the pipeline passes
    found = {turn: orientation_and_skew(rotate_quarter(page, turn) if turn else page, dpi, judge)[0] for turn in TURNS}
    assert found == {turn: (360 - turn) % 360 for turn in TURNS}


def test_page_without_an_up_down_cue_is_never_turned_over_without_a_judge(ocr_settings: Settings, tmp_path: Path) -> None:
    """Capitals and digits only: no band above or below the letters, so the page's own cue is silent.

    Left alone it stays as fed (an upside-down page costs a review, a wrongly flipped upright one
    its text); the Tesseract judge then puts the upside-down copy right.
    """
    sample = generate(DocType.CCCD_BACK, layout=1, font="liberation-serif", condition="clean", seed=1000,
                      out_dir=tmp_path)
    page, dpi = _page(sample)
    mrz = page[int(page.shape[0] * 0.62):, :]  # the MRZ zone alone: OCR-B capitals, digits and fillers
    assert abs(upright_score(binarise_small(mrz, dpi))[0]) < 0.15
    assert orientation_and_skew(mrz, dpi)[0] == 0
    assert orientation_and_skew(rotate_quarter(mrz, 180), dpi)[0] == 0
    judge = lambda strip: upright_opinion(strip, ocr_settings)  # noqa: E731
    assert orientation_and_skew(rotate_quarter(mrz, 180), dpi, judge)[0] == 180
    assert orientation_and_skew(mrz, dpi, judge)[0] == 0


def test_judge_prefers_the_upright_reading(ocr_settings: Settings, tmp_path: Path) -> None:
    sample = generate(DocType.CCCD_FRONT, layout=0, font="noto-sans", condition="clean", seed=1003, out_dir=tmp_path)
    page, _ = _page(sample)
    strip = page[180:520, 300:1100]  # labels and values of the card's upper half
    upright, turned = upright_opinion(strip, ocr_settings), upright_opinion(strip[::-1, ::-1].copy(), ocr_settings)
    assert upright is not None and turned is not None
    assert upright > 0.1 and turned < -0.1
