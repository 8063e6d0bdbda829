"""What each document type contains: its fields, how to find them, and the words that name the type.

A ``DocSchema`` is data, not code: the generic reader (``reader.py``) finds every field
that has labels, and a type module adds only what labels cannot do (QR, MRZ, layout).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sohoa.model import DocType


class Kind(StrEnum):
    """How a raw value is normalised and validated."""

    TEXT = "text"  # NFC text as printed
    DATE = "date"  # ISO YYYY-MM-DD
    SEX = "sex"  # Nam / Nữ
    ID12 = "id12"  # 12-digit personal ID
    TAX = "tax"  # 10-digit tax code, or NNNNNNNNNN-NNN
    MONEY = "money"  # integer đồng


@dataclass(frozen=True)
class FieldSpec:
    """One field: its contract name, printed label variants, kind and whether approval needs it.

    ``max_lines`` > 1 lets a value wrap onto following lines (addresses, names of bodies);
    ``place`` marks an address or a body's name, whose province names are respelled officially
    (``places.respell``).
    """

    name: str
    labels: tuple[str, ...] = ()
    kind: Kind = Kind.TEXT
    required: bool = True
    max_lines: int = 1
    place: bool = False


@dataclass(frozen=True)
class DocSchema:
    """The fields of a type in contract order, and weighted keywords for classification."""

    doc_type: DocType
    fields: tuple[FieldSpec, ...]
    keywords: tuple[tuple[str, float], ...]
    stops: tuple[str, ...] = ()  # printed labels that end a value but are not fields (``Điện thoại``)
    # Regular expressions searched in each folded line (``normalise.fold``), with their weights: the
    # shape of a line names a type where no fixed word does (``Số: 12/TB-UBND``).
    patterns: tuple[tuple[str, float], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def spec(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)
