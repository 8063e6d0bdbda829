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
