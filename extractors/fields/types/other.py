"""``other``: a document of no known type; no fields, the full text only."""

from __future__ import annotations

from dataclasses import dataclass

from extractors.fields.reader import Document, Findings
from extractors.fields.schema import DocSchema
from sohoa.model import DocType

SCHEMA = DocSchema(DocType.OTHER, fields=(), keywords=())


@dataclass(frozen=True)
class OtherExtractor:
    schema: DocSchema = SCHEMA

    def extract(self, doc: Document) -> Findings:
        return Findings()


EXTRACTOR = OtherExtractor()
