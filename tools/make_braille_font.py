"""Make ``tutor/web/static/TutorBraille.ttf``: the 256 braille patterns (U+2800–U+28FF) and nothing else, drawn as
round dots on a grid that fits the cell of Roboto Mono, the browser page's font.

The charts draw with braille by default, and no monospace font in Debian has these glyphs (DejaVu Sans Mono,
FreeMono and Noto Sans Mono lack them). The page asks for this font for U+2800–U+28FF only (``unicode-range``),
so every other character still comes from Roboto Mono. The dots sit at a quarter and three quarters of the
cell's width and at the eighths of its height, so dots are evenly spaced across neighbouring cells too.

Run from the repository root with fontTools installed (``pip install fonttools``; only this script needs it):
``python tools/make_braille_font.py``. The font is the project's own work, under its MIT licence.
"""

from __future__ import annotations

import math
from pathlib import Path

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen

OUT = Path(__file__).resolve().parents[1] / "tutor" / "web" / "static" / "TutorBraille.ttf"
UNITS_PER_EM = 2048
ADVANCE = 1229  # Roboto Mono's advance width (units per em 2048)
ASCENT, DESCENT = 2146, 555  # Roboto Mono's line: the cell xterm.js measures spans both
RADIUS = 150
# Unicode numbers the dots 1-8; bit k of (code point - 0x2800) is dot k+1. (column, row) of each dot:
DOTS = [(0, 0), (0, 1), (0, 2), (1, 0), (1, 1), (1, 2), (0, 3), (1, 3)]


def dot_centre(column: int, row: int) -> tuple[float, float]:
    height = ASCENT + DESCENT
    return ADVANCE * (2 * column + 1) / 4, ASCENT - height * (2 * row + 1) / 8


def draw_dot(pen: TTGlyphPen, cx: float, cy: float) -> None:
    """A circle as one closed quadratic contour of eight off-curve points (clockwise, as TrueType wants)."""
    reach = RADIUS / math.cos(math.pi / 8)  # the off-curve points of a circle drawn with eight arcs
    points = [(round(cx + reach * math.cos(-k * math.pi / 4 + math.pi / 8)),
               round(cy + reach * math.sin(-k * math.pi / 4 + math.pi / 8))) for k in range(8)]
    pen.qCurveTo(*points, None)
    pen.closePath()


def build() -> None:
    names = [".notdef"] + [f"uni{code:04X}" for code in range(0x2800, 0x2900)]
    glyphs = {}
    for name in names:
        pen = TTGlyphPen(None)
        if name != ".notdef":
            pattern = int(name[3:], 16) - 0x2800
            for bit, (column, row) in enumerate(DOTS):
                if pattern >> bit & 1:
                    draw_dot(pen, *dot_centre(column, row))
        glyphs[name] = pen.glyph()
    builder = FontBuilder(UNITS_PER_EM, isTTF=True)
    builder.setupGlyphOrder(names)
    builder.setupCharacterMap({code: f"uni{code:04X}" for code in range(0x2800, 0x2900)})
    builder.setupGlyf(glyphs)
    metrics = {}
    for name in names:
        glyph = glyphs[name]
        glyph.recalcBounds(builder.font["glyf"])
        metrics[name] = (ADVANCE, getattr(glyph, "xMin", 0))
    builder.setupHorizontalMetrics(metrics)
    builder.setupHorizontalHeader(ascent=ASCENT, descent=-DESCENT)
    builder.setupNameTable({"familyName": "Tutor Braille", "styleName": "Regular",
                            "copyright": "rnn-tutor authors, MIT licence",
                            "uniqueFontIdentifier": "rnn-tutor: Tutor Braille"})
    builder.setupOS2(sTypoAscender=ASCENT, sTypoDescender=-DESCENT, usWinAscent=ASCENT, usWinDescent=DESCENT,
                     xAvgCharWidth=ADVANCE, fsType=0)
    builder.setupPost(isFixedPitch=1)
    builder.save(OUT)
    print(f"{OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    build()
