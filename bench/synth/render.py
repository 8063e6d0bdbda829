"""Drawing helpers for the synthetic corpus: fonts by family, a canvas that writes lines of text.

Coordinates are pixels of the output image; ``Canvas.dpi`` is written into the file so the
pipeline sees the true resolution.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

_TT = Path("/usr/share/fonts/truetype")
# family → (regular, bold, italic)
FONTS: dict[str, tuple[Path, Path, Path]] = {
    "liberation-serif": tuple(_TT / "liberation2" / f"LiberationSerif-{s}.ttf" for s in ("Regular", "Bold", "Italic")),  # type: ignore[dict-item]
    "freeserif": (_TT / "freefont/FreeSerif.ttf", _TT / "freefont/FreeSerifBold.ttf", _TT / "freefont/FreeSerifItalic.ttf"),
    "dejavu-sans": (_TT / "dejavu/DejaVuSans.ttf", _TT / "dejavu/DejaVuSans-Bold.ttf", _TT / "dejavu/DejaVuSans-Oblique.ttf"),
    "noto-sans": tuple(_TT / "noto" / f"NotoSans-{s}.ttf" for s in ("Regular", "Bold", "Italic")),  # type: ignore[dict-item]
}
MONO = _TT / "dejavu/DejaVuSansMono.ttf"


@cache
def font(family: str, size: int, style: int = 0) -> ImageFont.FreeTypeFont:
    """``style`` 0 regular, 1 bold, 2 italic; ``family`` ``mono`` is the MRZ font."""
    path = MONO if family == "mono" else FONTS[family][style]
    return ImageFont.truetype(str(path), size)


@dataclass
class Canvas:
    """A white page with a text cursor; ``family`` is the document's font."""

    width: int
    height: int
    dpi: int
    family: str
    image: Image.Image = field(init=False)
    draw: ImageDraw.ImageDraw = field(init=False)

    def __post_init__(self) -> None:
        self.image = Image.new("RGB", (self.width, self.height), "white")
        self.draw = ImageDraw.Draw(self.image)

    def text(self, x: float, y: float, text: str, size: int, style: int = 0, *, anchor: str = "la",
             fill: str | tuple[int, int, int] = "black", family: str | None = None) -> tuple[int, int, int, int]:
        """Draw one line; returns its box. ``anchor`` as in Pillow (``ma`` centres on x)."""
        face = font(family or self.family, size, style)
        self.draw.text((x, y), text, font=face, fill=fill, anchor=anchor)
        return self.draw.textbbox((x, y), text, font=face, anchor=anchor)

    def width_of(self, text: str, size: int, style: int = 0) -> float:
        return self.draw.textlength(text, font=font(self.family, size, style))

    def wrap(self, text: str, size: int, max_width: float, style: int = 0) -> list[str]:
        """Break ``text`` into lines no wider than ``max_width`` at spaces."""
        lines: list[str] = []
        for word in text.split():
            if lines and self.width_of(f"{lines[-1]} {word}", size, style) <= max_width:
                lines[-1] = f"{lines[-1]} {word}"
            else:
                lines.append(word)
        return lines

    def rule(self, x0: float, x1: float, y: float, width: int = 2) -> None:
        self.draw.line((x0, y, x1, y), fill="black", width=width)

    def paste(self, other: Image.Image, x: int, y: int) -> None:
        self.image.paste(other, (x, y))
