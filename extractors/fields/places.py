"""Province names as officially spelled: OCR's tone-mark slips in addresses and bodies' names put right.

Tesseract often reads ``PHỐ`` as ``PHÔ`` or ``CẦN`` as ``CẤN``: same letters, another mark. The
names of provinces are a closed vocabulary (``validators.PROVINCES``; the 2025 merger kept 34 of
these names and added none but ``Huế``), so where one stands as a place — right after a level
word (``THÀNH PHỐ CẦN THƠ``, ``UBND TỈNH QUẢNG NINH``, ``TP. Hồ Chí Minh``) or as a whole
comma-separated part of an address or the whole value (``…, Huyện Phong Điền, Cần Thơ``) — and
its letters match once marks are ignored, the official marks are restored, keeping the reading's
case. District, ward and street names are an open set (no commune list here) and stay as read.

A respelled value keeps its confidence: the vocabulary repairs marks, it does not vouch for the
rest of the text.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache

from extractors.fields.normalise import fold
from extractors.fields.reader import Findings
from extractors.fields.schema import DocSchema
from extractors.fields.validators import PROVINCES
from sohoa.model import Source, nfc

PROVINCE_NAMES = (*PROVINCES.values(), "Huế")
LEVEL_WORDS = ("Thành phố", "Tỉnh")  # ``TP.`` has no marks to restore
SYLLABLES_NOT_LEVELS = {"tịnh", "tĩnh"}  # place-name syllables (``Sơn Tịnh``, ``Hà Tĩnh``) that fold like ``tỉnh``


@cache
def _patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """(pattern on folded text, official spelling) per province, longest names first.

    Group ``level`` is the level word when there is one, group ``name`` the province name.
    """
    out = []
    for name in sorted(PROVINCE_NAMES, key=len, reverse=True):
        folded = re.escape(fold(name))
        level = r"\b(?:thanh pho|tinh)\s+|\btp\s*\.\s*"
        # after a level word, up to a word boundary; else a whole comma-separated part
        out.append((re.compile(rf"(?:(?P<level>{level})|(?:^|(?<=,))\s*)(?P<name>{folded})"
                               rf"(?(level)(?![^\W_])|\s*(?=,|$))"), name))
    return tuple(out)


def respell(text: str) -> str:
    """``text`` with every province name (and its level word) in its official spelling, see the module docstring."""
    text = nfc(text)
    folded = fold(text)
    chars = list(text)
    for pattern, official in _patterns():
        for match in pattern.finditer(folded):
            level = match.group("level")
            if level and text[match.start("level") : match.start("level") + 4].lower() in SYLLABLES_NOT_LEVELS:
                continue
            _overwrite(chars, match.start("name"), official)
            if level and not level.startswith("tp"):
                word = next(w for w in LEVEL_WORDS if fold(w) == " ".join(level.split()))
                _overwrite(chars, match.start("level"), word)
    return "".join(chars)


def _overwrite(chars: list[str], start: int, official: str) -> None:
    """Put ``official``'s letters at ``start`` in the case the reading had (fold keeps lengths, so they align)."""
    for k, letter in enumerate(nfc(official)):
        if letter != " ":
            chars[start + k] = letter.upper() if chars[start + k].isupper() else letter.lower()


def respell_fields(schema: DocSchema, found: Findings) -> None:
    """Respell the OCR-read values of the schema's place fields (``FieldSpec.place``)."""
    for spec in schema.fields:
        field = found.fields.get(spec.name)
        if spec.place and field is not None and field.source is Source.OCR and isinstance(field.value, str):
            found.fields[spec.name] = replace(field, value=respell(field.value))
