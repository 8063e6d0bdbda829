"""Born-digital PDF pages: deciding whether the text layer is usable, and reading it.

A page whose text layer is usable is read here (words with boxes) and never
OCRed: its text is exact and costs milliseconds. Boxes are returned in pixels
of the page rendered at a given dpi (origin top-left), the same convention as
OCR words, so field extraction treats both alike.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from pdfplumber.page import Page as PlumberPage

from sohoa.model import Word

MIN_CHARS = 20  # fewer characters than this is a stamp or page number, not a text layer
MAX_BAD_SHARE = 0.10  # share of unmapped glyphs ("(cid:NN)", U+FFFD, private use) tolerated


def _bad_char(text: str) -> bool:
    if text.startswith("(cid:") or text == "\ufffd":
        return True
    return any(unicodedata.category(c) in ("Co", "Cn") for c in text)


def has_text_layer(page: PlumberPage) -> bool:
    """True when the page carries enough correctly mapped characters to be read without OCR.

    Characters without a Unicode mapping (subset fonts lacking ToUnicode) count as
    bad; more than ``MAX_BAD_SHARE`` of them and the page is OCRed instead.
    """
    chars = [c["text"] for c in page.chars if c["text"].strip()]
    if len(chars) < MIN_CHARS:
        return False
    bad = sum(1 for c in chars if _bad_char(c))
    return bad / len(chars) <= MAX_BAD_SHARE


def read_words(page: PlumberPage, dpi: int) -> tuple[Word, ...]:
    """Words of the text layer, boxes in pixels at ``dpi``, numbered into lines top to bottom.

    Text is NFC-normalised; text-layer words get confidence 1.0.
    """
    scale = dpi / 72.0
    raw = page.extract_words(keep_blank_chars=False, use_text_flow=False)
    words: list[Word] = []
    for line, members in enumerate(_lines(raw)):
        for w in sorted(members, key=lambda m: m["x0"]):
            bbox = (int(w["x0"] * scale), int(w["top"] * scale), int(round(w["x1"] * scale)), int(round(w["bottom"] * scale)))
            text = unicodedata.normalize("NFC", w["text"])
            words.append(Word(text=text, bbox=bbox, confidence=1.0, line=line, block=0))
    return tuple(words)


def _lines(raw: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """Group words into lines: a word joins the current line when its middle lies within it."""
    lines: list[list[dict[str, Any]]] = []
    bottom = -1.0
    for w in sorted(raw, key=lambda m: (m["top"], m["x0"])):
        middle = (w["top"] + w["bottom"]) / 2
        if lines and middle <= bottom:
            lines[-1].append(w)
            bottom = max(bottom, w["bottom"])
        else:
            lines.append([w])
            bottom = w["bottom"]
    return lines
