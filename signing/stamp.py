"""The optional visible signature stamp: signer and time, in Vietnamese, on page 1.

Invisible is the default (the Decree 30 convention for electronic copies);
``settings.signature_visible`` adds a stamp box in the bottom-right corner of
the first page. Text is set in DejaVu Sans, embedded as a subset (PDF/A needs
every font embedded; the standard 14 fonts have no Vietnamese glyphs).

Known limitation (checked 2026-11-23): veraPDF 1.28 fails such a document on
ISO 19005-3 6.2.11.5 (glyph widths in pyHanko's subset font dictionary differ
from the font program), while the EU DSS validator still rates its B-LT
signature TOTAL_PASSED. Keep stamps off where PDF/A-3b conformance matters.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields
from pyhanko.stamp import TextStampStyle

from sohoa.errors import MissingDependencyError
from sohoa.settings import Settings

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
BOX = (330, 24, 571, 96)  # PDF points from the page's lower-left corner (A4 bottom right)
TEXT = "Đã ký số bởi / signed by: %(signer)s\nThời gian / time: %(ts)s"


def stamp_options(settings: Settings, field_name: str) -> dict[str, Any]:
    """Extra ``PdfSigner`` arguments: none for an invisible signature, a stamp and a field otherwise."""
    if not settings.signature_visible:
        return {}
    if not FONT.is_file():
        raise MissingDependencyError(
            "Thiếu phông DejaVu Sans cho dấu chữ ký hiển thị; cài fonts-dejavu-core",
            "DejaVu Sans is needed for the visible stamp; install fonts-dejavu-core",
        )
    style = TextStampStyle(
        stamp_text=TEXT,
        text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(str(FONT)), font_size=8),
        timestamp_format="%d/%m/%Y %H:%M:%S %Z",
    )
    spec = fields.SigFieldSpec(sig_field_name=field_name, on_page=0, box=BOX)
    return {"stamp_style": style, "new_field_spec": spec}
