"""The optional visible signature stamp: signer and time, in Vietnamese, on page 1.

Invisible is the default (the Decree 30 convention for electronic copies);
``settings.signature_visible`` adds a stamp box in the bottom-right corner of
the first page. Text is set in DejaVu Sans, embedded as a TrueType subset
(PDF/A needs every font embedded; the standard 14 fonts have no Vietnamese
glyphs).

pyHanko 0.38 writes the CID font's ``/W`` widths in the font's own units
(2048 per em for DejaVu Sans) where PDF expects 1/1000 em, which veraPDF
rejects (ISO 19005-3 6.2.11.5, glyph widths inconsistent with the font
program). ``EmScaledGlyphAccumulator`` rescales them before the font is
written; the glyph positions in the content stream were already right.
"""

from __future__ import annotations

from io import BytesIO
from pathlib import Path
from typing import Any

from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields
from pyhanko.stamp import TextStampStyle

from sohoa.errors import MissingDependencyError
from sohoa.settings import Settings

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
BOX = (330, 24, 571, 96)  # PDF points from the page's lower-left corner (A4 bottom right)
TEXT = "Đã ký số bởi / signed by: %(signer)s\nThời gian / time: %(ts)s"


class EmScaledGlyphAccumulator(GlyphAccumulator):
    """pyHanko's glyph accumulator with ``/W`` widths in 1/1000 em, as PDF requires."""

    def prepare_write(self) -> None:
        if not self._write_prepared:
            scale = 1000 / self.units_per_em
            self._glyphs = {gid: (cid, round(width * scale)) for gid, (cid, width) in self._glyphs.items()}
        super().prepare_write()


class EmScaledGlyphAccumulatorFactory(GlyphAccumulatorFactory):
    """Makes ``EmScaledGlyphAccumulator`` engines (same options as pyHanko's factory)."""

    def create_font_engine(self, writer: BasePdfFileWriter, obj_stream: Any = None) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        font = BytesIO(Path(self.font_file).read_bytes())  # fontTools reads tables lazily: no open file left behind
        return EmScaledGlyphAccumulator(
            writer=writer, font_handle=font, font_size=self.font_size, ot_script_tag=self.ot_script_tag,
            ot_language_tag=self.ot_language_tag, writing_direction=self.writing_direction,
            bcp47_lang_code=self.bcp47_lang_code, obj_stream=obj_stream,
        )  # fmt: skip


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
        text_box_style=TextBoxStyle(font=EmScaledGlyphAccumulatorFactory(str(FONT)), font_size=8),
        timestamp_format="%d/%m/%Y %H:%M:%S %Z",
    )
    spec = fields.SigFieldSpec(sig_field_name=field_name, on_page=0, box=BOX)
    return {"stamp_style": style, "new_field_spec": spec}
