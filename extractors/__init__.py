"""From an input file to pages, recognised text and extracted fields.

Public face: ``recognise_file`` (triage, preprocessing, OCR or text layer, in
parallel by page), ``write_searchable_pdf`` and ``extract`` (classification and
fields with their evidence).
"""

from extractors.fields import extract
from extractors.pipeline import recognise_file, write_searchable_pdf

__all__ = ["extract", "recognise_file", "write_searchable_pdf"]
