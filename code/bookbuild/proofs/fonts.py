"""The proofs PDF's fonts: DejaVu (from matplotlib), all embedded.

Text is set in DejaVu Serif, code in DejaVu Sans Mono, the end-of-proof
mark in DejaVu Sans; math is drawn as outlines of STIX Two Math by
:mod:`bookbuild.proofs.mathbox`.  ReportLab embeds a subset of every
TrueType font it uses.
"""

from pathlib import Path

import importlib.util
from reportlab.lib.colors import Color
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

# matplotlib ships DejaVu; find its data without importing it (0.2 s)
FONT_DIR = (Path(importlib.util.find_spec("matplotlib").origin).parent
            / "mpl-data" / "fonts" / "ttf")

#: role -> registered font name
FONTS = {
    "serif": "DejaVuSerif",
    "bold": "DejaVuSerif-Bold",
    "italic": "DejaVuSerif-Italic",
    "bolditalic": "DejaVuSerif-BoldItalic",
    "mono": "DejaVuSansMono",
    "sans": "DejaVuSans",
    "sansbold": "DejaVuSans-Bold",
    "symbol": "DejaVuSans",
}
LINK_COLOR = Color(0.08, 0.22, 0.55)
MUTED_COLOR = Color(0.38, 0.38, 0.42)


def register() -> None:
    """Register the fonts with ReportLab once (idempotent)."""
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name in set(FONTS.values()):
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, FONT_DIR / f"{name}.ttf"))


def text_font(style) -> str:
    """The font for a set of inline styles {"b", "i", "code"}."""
    if "code" in style:
        return FONTS["mono"]
    key = ("bold" if "b" in style else "") + ("italic" if "i" in style
                                              else "")
    return FONTS[key or "serif"]
