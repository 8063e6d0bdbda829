"""The one wrapper of the ``tesseract`` program.

One call per page produces both the words with boxes (TSV) and the one-page
text-only PDF (invisible text aligned on the page, no image: ``pdfout`` adds
the image losslessly), so no page is recognised twice.
Tesseract runs single-threaded (``settings.tesseract_env``); parallelism is one
process per page, decided by the caller.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from sohoa.errors import ToolError
from sohoa.model import Word
from sohoa.settings import Settings
from sohoa.tools import require, run


@dataclass(frozen=True)
class TesseractPage:
    """What one Tesseract pass yields: words (pixel boxes of the input image) and the text-only PDF."""

    words: tuple[Word, ...]
    text: str
    pdf_path: Path


def recognise_image(image: Path, outbase: Path, dpi: int, settings: Settings) -> TesseractPage:
    """OCR ``image`` once, writing ``outbase.tsv`` and the text-only ``outbase.pdf``.

    ``dpi`` is the image's true resolution: it sizes the PDF page and spares
    Tesseract its own estimate.
    """
    exe = require("tesseract", hint="apt-get install tesseract-ocr tesseract-ocr-vie")
    run(
        [exe, image, outbase, "-l", settings.ocr_languages, "--dpi", str(dpi), "-c", "textonly_pdf=1", "tsv", "pdf"],
        timeout=settings.tesseract_timeout,
        env=settings.tesseract_env,
    )
    tsv = outbase.with_suffix(".tsv").read_text(encoding="utf-8")
    words = parse_tsv(tsv)
    return TesseractPage(words=words, text=text_of(words), pdf_path=outbase.with_suffix(".pdf"))


def read_words(image: np.ndarray, settings: Settings, *, languages: str | None = None, psm: int = 6,
               whitelist: str | None = None) -> tuple[Word, ...]:
    """Words of a small in-memory image (a strip, a card's MRZ zone), piped to Tesseract as PNG.

    For second readings, not pages: no file is written and no PDF made. ``languages`` defaults
    to ``settings.ocr_languages``; ``whitelist`` restricts the characters Tesseract may output.
    Boxes are pixels of ``image``.
    """
    ok, png = cv2.imencode(".png", image)
    if not ok:
        raise ToolError("không mã hóa được ảnh", "could not encode the image for Tesseract")
    exe = require("tesseract", hint="apt-get install tesseract-ocr tesseract-ocr-vie")
    args: list[str | Path] = [exe, "stdin", "stdout", "-l", languages or settings.ocr_languages, "--psm", str(psm)]
    if whitelist:
        args += ["-c", f"tessedit_char_whitelist={whitelist}"]
    proc = run([*args, "tsv"], timeout=settings.tesseract_timeout, env=settings.tesseract_env, input=png.tobytes())
    return parse_tsv(proc.stdout.decode("utf-8", errors="replace"))


def parse_tsv(tsv: str) -> tuple[Word, ...]:
    """Words of Tesseract's TSV (level 5 rows) with 0-1 confidence and reading-order line indices.

    Lines are numbered 0.. across the page in the order Tesseract emits them
    (block, paragraph, line); ``block`` is Tesseract's block number.
    """
    words: list[Word] = []
    lines: dict[tuple[str, str, str], int] = {}
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row.get("text") or "").strip()
        if row.get("level") != "5" or not text:
            continue
        key = (row["block_num"], row["par_num"], row["line_num"])
        line = lines.setdefault(key, len(lines))
        left, top = int(row["left"]), int(row["top"])
        bbox = (left, top, left + int(row["width"]), top + int(row["height"]))
        conf = max(0.0, min(1.0, float(row["conf"]) / 100.0))
        words.append(Word(text=text, bbox=bbox, confidence=conf, line=line, block=int(row["block_num"])))
    return tuple(words)


def text_of(words: tuple[Word, ...]) -> str:
    """Page text: words of a line joined by spaces, lines by newlines."""
    lines: dict[int, list[str]] = {}
    for word in words:
        lines.setdefault(word.line, []).append(word.text)
    return "\n".join(" ".join(parts) for _, parts in sorted(lines.items()))


def upright_opinion(strip: np.ndarray, settings: Settings) -> float | None:
    """Does ``strip`` (a few text lines, grey) read better as given (> 0) or turned over (< 0)?

    The strip and its 180° turn are stacked into one image and read in ONE small Tesseract
    pass; the answer is the difference of their length-weighted mean word confidences (0-1).
    None when Tesseract fails or reads nothing: no opinion.
    """
    paper = int(np.percentile(strip[::4, ::4], 90))
    gap = np.full((max(20, strip.shape[0] // 4), strip.shape[1]), paper, dtype=strip.dtype)
    try:
        words = read_words(np.vstack([strip, gap, strip[::-1, ::-1]]), settings)
    except ToolError:
        return None
    middle = strip.shape[0] + gap.shape[0] / 2
    given = _mean_confidence([w for w in words if (w.bbox[1] + w.bbox[3]) / 2 < middle])
    turned = _mean_confidence([w for w in words if (w.bbox[1] + w.bbox[3]) / 2 >= middle])
    if given is None and turned is None:
        return None
    return (given or 0.0) - (turned or 0.0)


def _mean_confidence(words: list[Word]) -> float | None:
    """Mean confidence of ``words`` weighted by their letters and digits; None without any."""
    weights = [sum(c.isalnum() for c in w.text) for w in words]
    total = sum(weights)
    return sum(w.confidence * n for w, n in zip(words, weights)) / total if total else None
