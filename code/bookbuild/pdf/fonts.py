"""The PDFs' fonts, all embedded (ReportLab embeds a subset of each).

Text is set in STIX Two Text, the text face drawn to match STIX Two
Math, in which :mod:`.mathlayout` lays out the formulas; its four styles
ship beside this module (SIL Open Font License, ``fonts/OFL.txt``;
its Latin, Latin Extended and Greek characters).  Code is set in
DejaVu Sans Mono (from matplotlib), which has the arrows, box-drawing
characters and mathematical symbols that code output prints.  A
character that a face lacks is set in DejaVu Serif or DejaVu Sans
instead (:func:`runs_of`), so no character is ever dropped.  Hangul,
which none of these has, is set in Nanum Myeongjo, regular and bold
(NAVER, SIL Open Font License, ``fonts/OFL-Nanum.txt``): the last face
tried, so the English PDFs set every character exactly as before, and
registered only when a page asks for it (the Korean edition).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from reportlab.lib.colors import Color
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

HERE = Path(__file__).parent / "fonts"
# matplotlib ships DejaVu; find its data without importing it (0.2 s)
DEJAVU = (Path(importlib.util.find_spec("matplotlib").origin).parent
          / "mpl-data" / "fonts" / "ttf")

_FILES = {
    "STIXTwoText": HERE / "STIXTwoText-Regular.ttf",
    "STIXTwoText-Bold": HERE / "STIXTwoText-Bold.ttf",
    "STIXTwoText-Italic": HERE / "STIXTwoText-Italic.ttf",
    "STIXTwoText-BoldItalic": HERE / "STIXTwoText-BoldItalic.ttf",
    **{name: DEJAVU / f"{name}.ttf" for name in (
        "DejaVuSansMono", "DejaVuSansMono-Bold", "DejaVuSerif",
        "DejaVuSerif-Bold", "DejaVuSerif-Italic", "DejaVuSans")},
}
#: Faces registered on first need (4 MB each, Hangul only).
_LAZY = {
    "NanumMyeongjo": HERE / "NanumMyeongjo.ttf",
    "NanumMyeongjo-Bold": HERE / "NanumMyeongjoBold.ttf",
}
HANGUL = ("NanumMyeongjo", "NanumMyeongjo-Bold")

#: role -> registered font name
FONTS = {
    "serif": "STIXTwoText",
    "bold": "STIXTwoText-Bold",
    "italic": "STIXTwoText-Italic",
    "bolditalic": "STIXTwoText-BoldItalic",
    "mono": "DejaVuSansMono",
    "monobold": "DejaVuSansMono-Bold",
    "sans": "STIXTwoText",
    "sansbold": "STIXTwoText-Bold",
    "symbol": "DejaVuSans",
}
#: where a character missing from a face is looked for, in order
_FALLBACK = {
    "STIXTwoText": ("DejaVuSerif", "DejaVuSans", "NanumMyeongjo"),
    "STIXTwoText-Bold": ("DejaVuSerif-Bold", "DejaVuSans",
                         "NanumMyeongjo-Bold"),
    "STIXTwoText-Italic": ("DejaVuSerif-Italic", "DejaVuSans",
                           "NanumMyeongjo"),
    "STIXTwoText-BoldItalic": ("DejaVuSerif-Bold", "DejaVuSans",
                               "NanumMyeongjo-Bold"),
    "DejaVuSansMono": ("DejaVuSans", "NanumMyeongjo"),
    "DejaVuSansMono-Bold": ("DejaVuSans", "NanumMyeongjo-Bold"),
}
LINK_COLOR = Color(0.08, 0.22, 0.55)
MUTED_COLOR = Color(0.38, 0.38, 0.42)
_CMAPS: dict = {}
# (text, font) -> its pieces: a book sets the same words again and again
_RUNS: dict = {}


def register() -> None:
    """Register the fonts with ReportLab once (idempotent)."""
    if _FILES.keys() <= _CMAPS.keys():
        return
    registered = set(pdfmetrics.getRegisteredFontNames())
    for name, path in _FILES.items():
        if name not in registered:
            pdfmetrics.registerFont(TTFont(name, path))
        if name not in _CMAPS:
            _CMAPS[name] = pdfmetrics.getFont(name).face.charToGlyph


def has(font: str, char: str) -> bool:
    if font not in _CMAPS:  # a lazy face, asked for the first time
        pdfmetrics.registerFont(TTFont(font, _LAZY[font]))
        _CMAPS[font] = pdfmetrics.getFont(font).face.charToGlyph
    return ord(char) in _CMAPS[font] or char in "\n\t"


def runs_of(text: str, font: str):
    """(text, font) pieces of ``text``: each character in ``font`` if
    the face has it, else in the first fallback face that does."""
    key = (text, font)
    if key not in _RUNS:
        _RUNS[key] = _runs_of(text, font)
    return _RUNS[key]


def _runs_of(text: str, font: str) -> tuple:
    register()
    pieces: list = []
    for char in text:
        face = font
        if not has(font, char):
            face = next((f for f in _FALLBACK.get(font, ())
                         if has(f, char)), font)
        if pieces and pieces[-1][1] == face:
            pieces[-1][0] += char
        else:
            pieces.append([char, face])
    return tuple((t, f) for t, f in pieces)


def text_font(style) -> str:
    """The font for a set of inline styles {"b", "i", "code"}."""
    if "code" in style:
        return FONTS["monobold" if "b" in style else "mono"]
    key = ("bold" if "b" in style else "") + ("italic" if "i" in style
                                              else "")
    return FONTS[key or "serif"]
