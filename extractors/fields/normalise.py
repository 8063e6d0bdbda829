"""Turn raw OCR strings into the contract's value formats, tolerating common OCR confusions.

Every parser returns None when it cannot read a value with certainty; it never guesses.
Dates come back as ``datetime.date`` (rendered ISO by the caller), sex as ``Nam``/``Nữ``,
codes as digits only.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from rapidfuzz import fuzz

from sohoa.model import nfc

# Letters that OCR returns in place of digits inside numeric fields.
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "D": "0", "Q": "0", "I": "1", "l": "1", "|": "1",
                                   "!": "1", "i": "1", "z": "2", "Z": "2", "Ø": "0", "ø": "0", "b": "6", "q": "9", "S": "5", "s": "5", "B": "8", "G": "6", "g": "9"})
_DATE_NUMERIC = re.compile(r"(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{4})")
_D = r"[\dolizsbgq|!ø]"  # a digit or a letter OCR confuses with one (folded text is lower case)
_DATE_WORDS = re.compile(rf"ngay\W*({_D}{{1,2}})\W*thang\W*({_D}{{1,2}})\W*nam\W*({_D}{{4}})")
_DATE_COMPACT = re.compile(r"(?<!\d)(\d{2})(\d{2})(\d{4})(?!\d)")


def fold(text: str) -> str:
    """Lower-case, diacritics removed, ``đ`` → ``d``; the SAME LENGTH as ``nfc``-normalised input.

    Keeping one character per character lets a match in folded text be mapped back to
    the original words and their boxes.
    """
    out = []
    for ch in unicodedata.normalize("NFC", text):
        base = unicodedata.normalize("NFD", ch)[0]
        out.append("d" if ch in "đĐ" else base.lower())
    return "".join(out)


def digits(raw: str, *, tolerant: bool = True) -> str:
    """The digits of a numeric field; with ``tolerant``, letters OCR confuses with digits count as digits."""
    text = raw.translate(_DIGIT_LOOKALIKES) if tolerant else raw
    return "".join(ch for ch in text if ch.isdigit())


def _make_date(day: str, month: str, year: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def parse_date(raw: str) -> date | None:
    """A day-month-year date in ``dd/mm/yyyy``, ``ngày dd tháng mm năm yyyy`` or ``ddmmyyyy`` form."""
    text = nfc(raw)
    match = _DATE_NUMERIC.search(text) or _DATE_NUMERIC.search(text.translate(_DIGIT_LOOKALIKES))
    if match:
        return _make_date(*match.groups())
    match = _DATE_WORDS.search(fold(text))
    if match:
        return _make_date(*(digits(g) for g in match.groups()))
    match = _DATE_COMPACT.search(digits(text))
    return _make_date(*match.groups()) if match else None


def parse_sex(raw: str) -> str | None:
    """``Nam`` or ``Nữ`` from OCR text (``Nu``, ``Nũ``, ``Male``/``Female`` tolerated)."""
    word = fold(nfc(raw)).strip(" .:;,/")
    if not word:
        return None
    head = word.split()[0]
    if head in ("nam", "male", "m"):
        return "Nam"
    if head in ("nu", "female", "f"):
        return "Nữ"
    return None


_AMOUNT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1"})
_AMOUNT = re.compile(r"\d[\d.,\s]*\d|\d")  # the first run of digits and separators
_DOTTED = re.compile(r"\d{1,3}(?:[.,]\d{3})+")  # ``1.500.000.000`` (``,`` read for ``.`` is forgiven)
_SPACED = re.compile(r"\d{1,3}(?: \d{3})+")  # ``500 000 000``


def parse_money(raw: str) -> int | None:
    """An amount in đồng, grouped by thousands (``15.000.000.000 đồng``, ``500 000 000 VNĐ``) or not (``500``).

    The grouping is the amount's own check digit: every group after the first has exactly three
    digits. OCR's spaces inside a dotted amount (``1 1.700.000.000``) and look-alike letters
    (``1.5OO.000``) are forgiven because the grouping must still hold; an amount whose grouping is
    broken (``11.70.000.000``: a digit lost) is unreadable — never the first group alone.
    """
    match = _AMOUNT.search(nfc(raw).translate(_AMOUNT_LOOKALIKES))
    if not match:
        return None
    run = re.sub(r"\s+", " ", match.group().rstrip(" ,."))
    if re.search(r"[.,]", run):  # a dotted amount: any space in it is OCR's
        run = run.replace(" ", "")
    if not (_DOTTED.fullmatch(run) or _SPACED.fullmatch(run) or run.isdigit()):
        return None
    return int(digits(run, tolerant=False))


def parse_tax_code(raw: str) -> str | None:
    """A 10-digit code, or a 13-digit branch code rendered ``NNNNNNNNNN-NNN``."""
    compact = re.sub(r"\s+", "", raw.translate(_DIGIT_LOOKALIKES))
    match = re.search(r"(?<!\d)(\d{10})(?:[-–](\d{3}))?(?!\d)", compact)
    if not match:
        return None
    main, branch = match.groups()
    return f"{main}-{branch}" if branch else main


def parse_id12(raw: str) -> str | None:
    """A 12-digit personal ID number from a value that may contain spaces or look-alike letters."""
    found = re.search(r"(?<!\d)\d{12}(?!\d)", digits(raw))
    return found.group() if found else None


def clean_text(raw: str) -> str | None:
    """NFC text with stray OCR punctuation trimmed from both ends; None when nothing is left."""
    text = nfc(raw).strip(" .:;,|_-–—/\\'\"`~")
    return text or None


def same_text(a: str, b: str) -> bool:
    """The contract's text comparison: case and whitespace folded (diacritics kept)."""
    return nfc(a).casefold() == nfc(b).casefold()


def similarity(a: str, b: str) -> float:
    """0-1 similarity of two texts ignoring case, diacritics and spacing."""
    return fuzz.ratio(fold(nfc(a)), fold(nfc(b))) / 100.0
