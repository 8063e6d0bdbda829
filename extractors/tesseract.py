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
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

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


class PageRecognition:
    """One page's Tesseract pass, started before the page image exists (a context manager).

    Why: Tesseract spends about 0.15 s loading its language model before it reads a pixel.
    Started first, it loads while we decode and clean the page, then waits on its stdin for
    the image's *name* (``feed``: a one-line file list). Only the name goes through the pipe:
    Tesseract reads stdin one ``getc`` at a time, which costs ~0.5 s for the pixels of an A4
    page, while a file it reads in one go. The image file must carry its true resolution
    (TIFF tags): it sizes the PDF page and spares Tesseract its own estimate (it cannot be
    given on the command line, since an upsampled page's dpi is known only after cleaning).

    ``result()`` waits for ``outbase.tsv`` and the text-only ``outbase.pdf``. Leaving the
    block without feeding (an error while cleaning) gives Tesseract an empty list and waits
    for it to end; its own failure then does not mask the error being raised.
    """

    def __init__(self, outbase: Path, settings: Settings) -> None:
        exe = require("tesseract", hint="apt-get install tesseract-ocr tesseract-ocr-vie")
        self._outbase = outbase
        read_end, self._feed = os.pipe()  # both non-inheritable: no other child keeps the list open
        args = [exe, "stdin", outbase, "-l", settings.ocr_languages, "-c", "textonly_pdf=1", "tsv", "pdf"]
        self._waiter = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tesseract")
        self._done: Future[None] = self._waiter.submit(self._run, args, read_end, settings)

    @staticmethod
    def _run(args: list[str | Path], read_end: int, settings: Settings) -> None:
        try:
            run(args, timeout=settings.tesseract_timeout, env=settings.tesseract_env, stdin=read_end)
        finally:
            os.close(read_end)

    def feed(self, image: Path) -> None:
        """Hand Tesseract the page image file (written completely before this call)."""
        try:
            os.write(self._feed, os.fsencode(image) + b"\n")
        except BrokenPipeError:
            pass  # Tesseract has already failed: ``result()`` raises its error
        finally:
            self._close_feed()

    def result(self) -> TesseractPage:
        """Words (pixel boxes of the fed image) and the text-only PDF, once Tesseract is done."""
        self._done.result()
        words = parse_tsv(self._outbase.with_suffix(".tsv").read_text(encoding="utf-8"))
        return TesseractPage(words=words, text=text_of(words), pdf_path=self._outbase.with_suffix(".pdf"))

    def _close_feed(self) -> None:
        if self._feed >= 0:
            os.close(self._feed)
            self._feed = -1

    def __enter__(self) -> PageRecognition:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        self._close_feed()
        try:
            self._done.result()
        except Exception:
            if error is None:
                raise
        finally:
            self._waiter.shutdown()


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
