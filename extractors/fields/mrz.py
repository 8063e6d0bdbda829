"""ICAO 9303 TD1 machine-readable zone of the CCCD back (layout in vn-documents.md).

``find_td1`` locates three 30-character lines in OCR text, repairing the usual OCR
confusions per position (``O``↔``0`` in numeric positions, ``«``→``<<``); ``parse_td1``
checks every check digit. A repaired character can make a check digit pass only if the
repair is right, so ``Mrz.valid`` is the single gate for "verified".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

WEIGHTS = (7, 3, 1)
_TO_DIGIT = str.maketrans({"O": "0", "Q": "0", "D": "0", "I": "1", "L": "1", "Z": "2", "S": "5", "B": "8", "G": "6"})
_TO_ALPHA = str.maketrans({"0": "O", "1": "I", "2": "Z", "5": "S", "8": "B", "6": "G"})
# Positions (0-based) that must be digits in each line; the rest are letters or '<'.
_NUMERIC = (set(range(5, 27)) | {29}, set(range(0, 7)) | set(range(8, 15)) | {29}, set())


def char_value(ch: str) -> int:
    """ICAO value: digits at face value, A-Z 10-35, '<' 0."""
    if ch.isdigit():
        return int(ch)
    if "A" <= ch <= "Z":
        return ord(ch) - 55
    if ch == "<":
        return 0
    raise ValueError(f"not an MRZ character: {ch!r}")


def check_digit(field: str) -> str:
    """The 7-3-1 check digit of an MRZ field, as a character."""
    return str(sum(char_value(c) * WEIGHTS[i % 3] for i, c in enumerate(field)) % 10)


@dataclass(frozen=True)
class Mrz:
    """A parsed TD1 zone. ``checks`` names each check digit and whether it matched."""

    lines: tuple[str, str, str]
    document_number: str
    id_number: str
    birth: str  # YYMMDD as printed
    sex: str | None  # "Nam" / "Nữ"
    expiry: str  # YYMMDD; 991231 may mean "no expiry"
    surname: str
    given_names: str
    checks: dict[str, bool]

    @property
    def valid(self) -> bool:
        return all(self.checks.values())

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def birth_date(self, century: int | None = None) -> date | None:
        """Birth date; the century comes from the ID's sex/century digit when known."""
        return _yymmdd(self.birth, century if century is not None else _pivot_century(self.birth))

    def expiry_date(self) -> date | None:
        if self.expiry == "991231":
            return None
        return _yymmdd(self.expiry, 2000)


def _pivot_century(yymmdd: str) -> int:
    return 2000 if int(yymmdd[:2]) <= date.today().year % 100 else 1900


def _yymmdd(value: str, century: int) -> date | None:
    try:
        return date(century + int(value[:2]), int(value[2:4]), int(value[4:6]))
    except ValueError:
        return None


def repair_line(raw: str, index: int) -> str:
    """Clean one OCR'd MRZ line: unify filler look-alikes, pad to 30, fix digit/letter confusions by position."""
    text = raw.upper().replace("«", "<<").replace("‹", "<").replace("≤", "<").replace(" ", "")
    text = re.sub(r"[^A-Z0-9<]", "<", text)[:30].ljust(30, "<")
    fixed = [c.translate(_TO_DIGIT) if i in _NUMERIC[index] else c for i, c in enumerate(text)]
    if index == 2:
        fixed = [c.translate(_TO_ALPHA) for c in fixed]
    if index == 1:
        fixed[7] = {"H": "M", "N": "M"}.get(fixed[7], fixed[7])
    return "".join(fixed)


def parse_td1(lines: tuple[str, str, str]) -> Mrz:
    """Parse three TD1 lines (already repaired); never raises on bad content, the checks say so."""
    l1, l2, l3 = lines
    checks = {
        "document_number": check_digit(l1[5:14]) == l1[14],
        "id_number": check_digit(l1[15:27]) == l1[29],
        "birth": check_digit(l2[0:6]) == l2[6],
        "expiry": check_digit(l2[8:14]) == l2[14],
        "composite": check_digit(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29]) == l2[29],
        "format": l1[:5] == "IDVNM" and l2[7] in "MF" and l1[9:14] == l1[22:27],
    }
    surname, _, given = l3.partition("<<")
    return Mrz(
        lines=lines,
        document_number=l1[5:14],
        id_number=l1[15:27],
        birth=l2[0:6],
        sex={"M": "Nam", "F": "Nữ"}.get(l2[7]),
        expiry=l2[8:14],
        surname=surname.replace("<", " ").strip(),
        given_names=given.replace("<", " ").strip(),
        checks=checks,
    )


def find_td1(text: str) -> Mrz | None:
    """The best TD1 zone in OCR text: a line starting ``IDVNM`` (first letters may be misread) and the next two."""
    rows = [re.sub(r"\s+", "", r) for r in text.splitlines()]
    rows = [r for r in rows if len(r) >= 24 and ("<" in r or "«" in r)]
    best: Mrz | None = None
    for i in range(len(rows) - 2):
        if "VNM" not in rows[i].upper()[:6]:
            continue
        candidate = parse_td1(tuple(repair_line(rows[i + k], k) for k in range(3)))  # type: ignore[arg-type]
        if best is None or sum(candidate.checks.values()) > sum(best.checks.values()):
            best = candidate
    return best


def build_td1(id_number: str, birth: date, sex: str, expiry: date | None, surname: str, given: str) -> tuple[str, str, str]:
    """Compose a correct TD1 zone (used by the synthetic corpus and property tests)."""
    doc = id_number[-9:]
    l1 = f"IDVNM{doc}{check_digit(doc)}{id_number}<<"
    l1 += check_digit(id_number)
    b = birth.strftime("%y%m%d")
    e = expiry.strftime("%y%m%d") if expiry else "991231"
    l2 = f"{b}{check_digit(b)}{'M' if sex == 'Nam' else 'F'}{e}{check_digit(e)}VNM" + "<" * 11
    l2 += check_digit(l1[5:30] + l2[0:7] + l2[8:15] + l2[18:29])
    name = (surname.replace(" ", "<") + "<<" + given.replace(" ", "<"))[:30].ljust(30, "<")
    return l1, l2, name
