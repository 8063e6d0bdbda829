"""One module per document type; adding a type means adding one module here.

Each module defines ``EXTRACTOR``, an object satisfying ``TypeExtractor``: its ``schema``
(fields, labels, classification keywords) and ``extract(doc) -> Findings``. Modules are
discovered, so nothing else changes when a type is added.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache
from typing import Protocol

from extractors.fields.reader import Document, Findings
from extractors.fields.schema import DocSchema
from sohoa.model import DocType


class TypeExtractor(Protocol):
    """Reads the fields of one document type."""

    schema: DocSchema

    def extract(self, doc: Document) -> Findings:
        """Every field it can find, with problems recorded per field; never raises for bad content."""
        ...


@cache
def registry() -> dict[DocType, TypeExtractor]:
    """Every type module's extractor, by document type."""
    found: dict[DocType, TypeExtractor] = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        extractor: TypeExtractor = module.EXTRACTOR
        found[extractor.schema.doc_type] = extractor
    return found
