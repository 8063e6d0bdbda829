"""Closed vocabularies: values that can only be one of a known list.

An OCR reading that matches an entry once diacritics are ignored is replaced by the entry
as printed officially; an exact match is strong evidence the reading is right (a misread
rarely lands on another valid entry), so its confidence is raised to ``VOCAB_CONFIDENCE``.
"""

from __future__ import annotations

from dataclasses import replace

from extractors.fields.normalise import fold
from extractors.fields.reader import Findings

VOCAB_CONFIDENCE = 0.95

# The 54 ethnic groups of Viet Nam (General Statistics Office list).
ETHNICITIES = (
    "Kinh", "Tày", "Thái", "Mường", "Khmer", "Hoa", "Nùng", "Mông", "Dao", "Gia Rai", "Ê Đê", "Ba Na", "Sán Chay",
    "Chăm", "Cơ Ho", "Xơ Đăng", "Sán Dìu", "Hrê", "Ra Glai", "Mnông", "Thổ", "Stiêng", "Khơ Mú", "Bru - Vân Kiều",
    "Cơ Tu", "Giáy", "Tà Ôi", "Mạ", "Giẻ Triêng", "Co", "Chơ Ro", "Xinh Mun", "Hà Nhì", "Chu Ru", "Lào", "La Chí",
    "Kháng", "Phù Lá", "La Hủ", "La Ha", "Pà Thẻn", "Lự", "Ngái", "Chứt", "Lô Lô", "Mảng", "Cơ Lao", "Bố Y", "Cống",
    "Si La", "Pu Péo", "Rơ Măm", "Brâu", "Ơ Đu",
)
NATIONALITIES = ("Việt Nam",)


def snap(found: Findings, name: str, entries: tuple[str, ...], *, only: bool = False) -> None:
    """Replace a field's OCR text by the vocabulary entry it spells (ignoring diacritics and case), if exactly one.

    ``only`` says the document can carry no other value than these entries (a CCCD is issued to
    Vietnamese citizens alone, so its nationality is ``Việt Nam``): a reading that spells an entry
    then verifies the field, while any other reading is left as read, unverified.
    """
    field = found.fields.get(name)
    if field is None or not isinstance(field.value, str):
        return
    matches = [e for e in entries if fold(e) == fold(field.value)]
    if len(matches) == 1:
        found.fields[name] = replace(field, value=matches[0], confidence=max(field.confidence, VOCAB_CONFIDENCE),
                                     verified=field.verified or only)
