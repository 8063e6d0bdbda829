"""Decree 30/2020/NĐ-CP's closed vocabularies and the number/symbol line of an administrative document.

``Số: 05/QĐ-UBND`` is number ``/`` type abbreviation ``-`` body abbreviation (official letters,
which have no type title, write ``Số: 12/UBND-VX``). The abbreviation and the title printed
under the letterhead (``QUYẾT ĐỊNH``) name the type twice, in two places OCR reads separately:
their agreement confirms the type, their disagreement is a reason for review, and a symbol
that differs from the expected abbreviation only by an OCR slip (a doubled letter, ``D`` for
``Đ``) is put right but still flagged, so a repaired value is never approved unseen.
"""

from __future__ import annotations

import re
from dataclasses import replace

from extractors.fields import normalise
from extractors.fields.normalise import fold
from extractors.fields.reader import Findings
from sohoa.model import nfc

# Document types of Appendix III and their abbreviations (``Công văn`` has none).
ABBREVIATIONS: dict[str, str] = {
    "Nghị quyết": "NQ", "Quyết định": "QĐ", "Chỉ thị": "CT", "Quy chế": "QC", "Quy định": "QyĐ",
    "Thông cáo": "TC", "Thông báo": "TB", "Hướng dẫn": "HD", "Chương trình": "CTr", "Kế hoạch": "KH",
    "Phương án": "PA", "Đề án": "ĐA", "Dự án": "DA", "Báo cáo": "BC", "Biên bản": "BB", "Tờ trình": "TTr",
    "Hợp đồng": "HĐ", "Công điện": "CĐ", "Bản ghi nhớ": "BGN", "Bản thỏa thuận": "BTT", "Giấy ủy quyền": "GUQ",
    "Giấy mời": "GM", "Giấy giới thiệu": "GGT", "Giấy nghỉ phép": "GNP", "Phiếu gửi": "PG", "Phiếu chuyển": "PC",
    "Phiếu báo": "PB",
}
DOCUMENT_TYPES = (*ABBREVIATIONS, "Công văn")
LEVELS = {"tỉnh", "phố", "huyện", "quận", "xã", "phường", "trấn"}  # last word before a place name in a body's name
BODY_WORDS = {"sở", "phòng", "ủy", "ban", "cục", "chi", "văn", "trung", "ubnd", "hội", "trường"}  # first words of a next body
_LEADING_NUMBER = re.compile(r"^([0-9OoIl|]{1,4})(?=[^\W\d_])")  # ``05QĐ-UBND``: the slash OCR dropped
_SYMBOL = re.compile(r"^(\d{1,4}/(?:\d{4}/)?)([^\W\d_]+)(-.+)$")


def clean_number(raw: str) -> tuple[str, bool]:
    """``I1 / QĐ-UBND`` → ``11/QĐ-UBND``, and whether a character had to be inserted.

    Spaces OCR put around ``/`` and ``-`` go, digit look-alikes in the number are fixed; a slash
    missing between the number and the symbol (``05QĐ-UBND``) is restored and reported.
    """
    compact = re.sub(r"\s+", "", raw).strip(".,;").replace("Ð", "Đ")
    repaired = "/" not in compact and _LEADING_NUMBER.match(compact) is not None and "-" in compact
    if repaired:
        compact = _LEADING_NUMBER.sub(r"\1/", compact, count=1)
    number, slash, rest = compact.partition("/")
    return (normalise.digits(number) + slash + rest if slash else compact), repaired


def check_symbol(found: Findings) -> None:
    """Cross-check the number's type abbreviation with the printed type title (see module docstring)."""
    number, kind = found.fields.get("document_number"), found.fields.get("document_type")
    if number is None or kind is None or not isinstance(number.value, str) or kind.value not in ABBREVIATIONS:
        return
    match = _SYMBOL.match(number.value)
    expected = ABBREVIATIONS[str(kind.value)]
    if match is None:
        return
    printed = match.group(2)
    if printed == expected:
        found.fields["document_type"] = replace(kind, verified=True)
    elif _slip_of(printed, expected):
        found.fields["document_number"] = replace(number, value=match.group(1) + expected + match.group(3))
        found.flag("document_number", f"ký hiệu đã sửa lỗi nhận dạng ({printed} → {expected})",
                   f"symbol corrected from an OCR slip ({printed} → {expected})")
    else:
        found.flag("document_number", f"ký hiệu {printed} không khớp loại văn bản ({kind.value})",
                   f"symbol {printed} does not match the document type ({kind.value})")


def _slip_of(printed: str, expected: str) -> bool:
    """``QĐĐ``, ``QD`` or ``qđ`` for ``QĐ``: the same letters once doubles collapse and marks and case go."""
    def collapse(text: str) -> str:
        return re.sub(r"(.)\1+", r"\1", fold(text))

    return collapse(printed) == collapse(expected)


def check_place(found: Findings) -> None:
    """The place-date line's place, printed again in the issuing body's name, confirms it.

    ``ỦY BAN NHÂN DÂN TỈNH QUẢNG NINH`` … ``Quảng Ninh, ngày 05 tháng 01 năm 2020``: bold capitals
    and italics, read separately, agreeing letter for letter (diacritics included, case aside)
    after an administrative level word, up to the end of the name (or of the place's body, when a
    second body follows). Anything short of that leaves the place as read.
    """
    place, agency = found.fields.get("issue_place"), found.fields.get("issuing_agency")
    if place is None or agency is None or not isinstance(place.value, str) or not isinstance(agency.value, str):
        return
    wanted, words = nfc(place.value).lower().split(), nfc(agency.value).lower().split()
    for start in range(1, len(words) - len(wanted) + 1):
        end = start + len(wanted)
        whole_name = end == len(words) or words[end] in BODY_WORDS  # ``HÀ`` is not ``HÀ NỘI``
        if words[start - 1] in LEVELS and words[start:end] == wanted and whole_name:
            found.fields["issue_place"] = replace(place, verified=True)
            return
