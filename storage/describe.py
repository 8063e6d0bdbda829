"""What the catalog needs to know about a document, read from its extraction and manifest meta.

The owner is the manifest's owner id when given, else the document's own ID
number or enterprise code; validity comes from the fields the contract defines
(``issue_date`` / registration dates, ``expiry_date``). Document ids are
derived from the original scan's hash, so the same scan always maps to the
same document.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date

from sohoa.model import DocType, DocumentMeta, Extraction
from storage.catalog import normalise_owner_id

OWNER_ID_FIELDS = ("id_number", "enterprise_code")
OWNER_NAME_FIELDS = ("full_name", "enterprise_name")
ISSUE_DATE_FIELDS = ("issue_date", "registration_date", "first_registration_date")
VALID_UNTIL_FIELDS = ("expiry_date",)
# Types of which an owner holds one valid document at a time: a new one supersedes the old.
SINGLE_VALID_TYPES = frozenset({DocType.CCCD_FRONT, DocType.CCCD_BACK})


@dataclass(frozen=True)
class Description:
    owner_id: str | None
    owner_name: str | None
    issue_date: date | None
    valid_until: date | None


def document_id_for(original_sha256: str) -> str:
    """A stable id (UUID form) for the document made from this original scan."""
    return str(uuid.UUID(hashlib.sha256(b"sohoa-document\0" + original_sha256.encode()).hexdigest()[:32]))


def _first(values: dict[str, str | int | None], names: tuple[str, ...]) -> str | None:
    for name in names:
        value = values.get(name)
        if value not in (None, ""):
            return str(value)
    return None


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


def describe(extraction: Extraction, meta: DocumentMeta) -> Description:
    values = extraction.values()
    owner = meta.owner_id or _first(values, OWNER_ID_FIELDS)
    return Description(
        owner_id=normalise_owner_id(owner) if owner else None,
        owner_name=_first(values, OWNER_NAME_FIELDS),
        issue_date=_date(_first(values, ISSUE_DATE_FIELDS)),
        valid_until=_date(_first(values, VALID_UNTIL_FIELDS)),
    )
