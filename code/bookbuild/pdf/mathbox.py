"""A laid-out formula: a box of glyph outlines, drawn on a ReportLab
canvas.

A :class:`MathBox` is what :mod:`.mathlayout` makes of a LaTeX
expression: its width, ascent and descent around the baseline, and the
placed glyph outlines and rules.  Drawn, each glyph outline becomes one
PDF form XObject, defined once per document and placed with a
transformation matrix wherever it occurs.  Nothing is rasterised.  The
LaTeX source is drawn over the box as invisible text (text render mode
3), so the PDF's text layer and search find it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: the narrowest horizontal scale of the invisible LaTeX
MIN_SQUEEZE = 0.3


@dataclass(frozen=True)
class Glyph:
    """One glyph outline, in its own units (baseline at y = 0, y up).

    ``name`` is also the name of its form in the PDF.  ``path`` is a
    tuple of drawing operations: ("M", x, y), ("L", x, y),
    ("C", x1, y1, x2, y2, x, y) and ("Z",).
    """

    name: str
    path: tuple
    bbox: tuple[float, float, float, float]


@dataclass
class MathBox:
    """A laid-out expression: its size around the baseline and its marks.

    Coordinates are points, x to the right from the box's left edge, y
    up from the baseline.  ``glyphs`` holds (glyph, x, y, scale) and
    ``rules`` holds filled rectangles (x, y, width, height).
    """

    latex: str
    width: float
    ascent: float
    descent: float
    glyphs: list = field(default_factory=list)
    rules: list = field(default_factory=list)

    @property
    def height(self) -> float:
        return self.ascent + self.descent

    def draw(self, canvas, x: float, y: float, *, search_font: str,
             text_size: float = 10.0, scale: float = 1.0) -> None:
        """Draw with the baseline's left end at (x, y) on the canvas."""
        canvas.saveState()
        canvas.translate(x, y)
        if scale != 1.0:
            canvas.scale(scale, scale)
        canvas.setFillColorRGB(0, 0, 0)
        for glyph, gx, gy, s in self.glyphs:
            # the document keeps its forms: each glyph's is made once
            if not canvas.hasForm(glyph.name):
                _define_form(canvas, glyph)
            canvas.saveState()
            canvas.transform(s, 0, 0, s, gx, gy)
            canvas.doForm(glyph.name)
            canvas.restoreState()
        for rx, ry, rw, rh in self.rules:
            canvas.rect(rx, ry, rw, rh, stroke=0, fill=1)
        _invisible_text(canvas, self, search_font, text_size / scale)
        canvas.restoreState()


def _define_form(canvas, glyph: Glyph) -> None:
    x0, y0, x1, y1 = glyph.bbox
    canvas.beginForm(glyph.name, x0 - 1, y0 - 1, x1 + 1, y1 + 1)
    path = canvas.beginPath()
    for op in glyph.path:
        if op[0] == "M":
            path.moveTo(*op[1:])
        elif op[0] == "L":
            path.lineTo(*op[1:])
        elif op[0] == "C":
            path.curveTo(*op[1:])
        else:
            path.close()
    canvas.drawPath(path, stroke=0, fill=1, fillMode=1)
    canvas.endForm()


def _invisible_text(canvas, box: MathBox, font: str, size: float) -> None:
    """The LaTeX over the box, invisible, fitted to the box's width.

    At the surrounding text's size, text extractors keep it in the
    line; squeezed horizontally to the box's width, it does not run
    over the next word.  Below :data:`MIN_SQUEEZE` of its natural
    width, the size shrinks instead: extractors drop a repeated
    character that overlaps the previous one (the second brace of
    "}}"), taking it for fake bold.
    """
    natural = canvas.stringWidth(box.latex, font, size)
    if natural <= 0:
        return
    ratio = box.width / natural
    text = canvas.beginText()
    text.setTextRenderMode(3)
    text.setFont(font, size * min(1.0, ratio / MIN_SQUEEZE))
    text.setHorizScale(100.0 * max(min(ratio, 1.0), MIN_SQUEEZE))
    text.setTextOrigin(0, 0)
    text.textOut(box.latex)
    canvas.drawText(text)
