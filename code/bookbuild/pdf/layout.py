"""Page layout: the flowables the walker builds the PDFs from.

Display math is centred with Sphinx's equation number at the right
margin; code is set line by line in Pygments' colours, a line too long
for the page wrapped with a ↪ mark (never cut off); figures are vector
drawings (SVG through svglib) or images at their native size, scaled
down to the text width; boxes (theorems, exercises, admonitions) are a
tinted frame around their contents, split across pages as needed.
"""

from __future__ import annotations

from reportlab.lib.colors import Color, HexColor
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Spacer
from reportlab.platypus.doctemplate import Indenter
from reportlab.platypus.flowables import CondPageBreak
from reportlab.platypus.flowables import Flowable, FrameBG

from .fonts import FONTS, MUTED_COLOR, runs_of
from .inline import frame_width

BODY_SIZE = 10.5
LEADING = 14.5
MATH_SCALE = 1.0          # STIX Two Text and STIX Two Math match
CODE_SIZE = 8.2
PAD = 7.0
MAX_FIGURE_HEIGHT = 290.0

# Box colours (fill, stroke) by kind.
TINTS = {
    "statement": (Color(0.93, 0.95, 0.99), Color(0.55, 0.63, 0.80)),
    "definition": (Color(0.93, 0.97, 0.94), Color(0.52, 0.70, 0.56)),
    "exercise": (Color(0.99, 0.96, 0.90), Color(0.80, 0.65, 0.40)),
    "solution": (Color(0.97, 0.97, 0.97), Color(0.62, 0.62, 0.62)),
    "other": (Color(0.96, 0.96, 0.96), Color(0.68, 0.68, 0.68)),
}
CODE_GROUND = Color(0.955, 0.955, 0.96)
OUTPUT_BAR = Color(0.62, 0.66, 0.74)
ERROR_GROUND = Color(0.99, 0.94, 0.94)


class Anchor(Flowable):
    """Zero-height: named destinations and an outline entry here."""

    def __init__(self, dests, outline: tuple | None = None,
                 notify: tuple | None = None):
        super().__init__()
        self.dests, self.outline, self.notify = list(dests), outline, notify
        self.keepWithNext = True
        self.width = self.height = 0

    def wrap(self, availWidth, availHeight):
        return 0, 0

    def draw(self):
        for dest in self.dests:
            self.canv.bookmarkHorizontal(dest, 0, 14)
        if self.outline:
            title, level, key = self.outline
            if key not in self.dests:
                self.canv.bookmarkHorizontal(key, 0, 14)
            self.canv.addOutlineEntry(title, key, level=level)


class DisplayMath(Flowable):
    """A displayed equation, centred, its number "(n)" flush right."""

    def __init__(self, box, number: str | None, dests=()):
        super().__init__()
        self.box, self.number, self.dests = box, number, list(dests)
        self.spaceBefore, self.spaceAfter = 3, 7
        self.end_mark = None             # a proof's ∎, on the last line

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        room = availWidth - (40 if self.number else 0)
        self.scale = min(1.0, room / self.box.width) if self.box.width else 1
        self.height = self.box.height * self.scale
        return self.width, self.height

    def draw(self):
        canvas, box, s = self.canv, self.box, self.scale
        for dest in self.dests:
            canvas.bookmarkHorizontal(dest, 0, self.height + 8)
        x = (self.width - box.width * s) / 2
        baseline = box.descent * s
        box.draw(canvas, x, baseline, search_font=FONTS["serif"],
                 text_size=BODY_SIZE, scale=s)
        if self.number is not None:
            label = f"({self.number})"
            canvas.setFont(FONTS["serif"], BODY_SIZE)
            middle = (self.height - 0.7 * BODY_SIZE) / 2
            canvas.drawRightString(self.width, middle, label)
        elif self.end_mark:
            canvas.setFont(FONTS["symbol"], BODY_SIZE)
            canvas.drawRightString(self.width, 0, self.end_mark)


class CodeBlock(Flowable):
    """Monospace lines of (text, colour, bold) segments on a ground.

    ``kind`` is "source", "output" (a bar at the left, no ground) or
    "error" (a pink ground).  Lines wider than the block wrap at a
    character, the continuation marked with ↪; the block splits
    between lines across pages.
    """

    INSET = 5.0

    def __init__(self, lines, kind: str = "source", size=CODE_SIZE,
                 label: str | None = None):
        super().__init__()
        self.lines, self.kind, self.size = lines, kind, size
        self.label = label
        self.lead = size * 1.28
        self.spaceBefore, self.spaceAfter = 1, 5
        self._rows = None
        self._wrapped_at = None

    def _wrap_rows(self, width):
        room = width - 2 * self.INSET
        char = stringWidth("M", FONTS["mono"], self.size)
        per_row = max(10, int(room // char))
        rows = []
        for segments in self.lines:
            row, used = [], 0
            for text, color, bold in segments:
                while text:
                    take = per_row - used
                    if take <= 0:
                        rows.append((row, True))
                        row, used = [], 1        # the ↪ takes one cell
                        take = per_row - used
                    row.append((text[:take], color, bold))
                    used += len(text[:take])
                    text = text[take:]
            rows.append((row, False))
        # mark continued rows: (segments, continues_previous)
        out, cont = [], False
        for row, more in rows:
            out.append((row, cont))
            cont = more
        return out

    def wrap(self, availWidth, availHeight):
        if self._rows is None or self._wrapped_at != availWidth:
            self._rows = self._wrap_rows(availWidth)
            self._wrapped_at = availWidth
        self.width = availWidth
        extra = self.lead if self.label else 0
        self.height = len(self._rows) * self.lead + 6 + extra
        return self.width, self.height

    def split(self, availWidth, availHeight):
        availWidth = frame_width(self, availWidth)
        self.wrap(availWidth, availHeight)
        extra = self.lead if self.label else 0
        n = int((availHeight - 6 - extra) // self.lead)
        if n < 2 or n >= len(self._rows):
            return []
        first = CodeBlock([], self.kind, self.size, self.label)
        rest = CodeBlock([], self.kind, self.size, None)
        first._rows, rest._rows = self._rows[:n], self._rows[n:]
        first._wrapped_at = rest._wrapped_at = availWidth
        first.spaceAfter = rest.spaceBefore = 0
        rest.spaceAfter = self.spaceAfter
        return [first, rest]

    def draw(self):
        canvas = self.canv
        canvas.saveState()
        if self.kind == "source":
            canvas.setFillColor(CODE_GROUND)
            canvas.rect(0, 0, self.width, self.height, stroke=0, fill=1)
        elif self.kind == "error":
            canvas.setFillColor(ERROR_GROUND)
            canvas.rect(0, 0, self.width, self.height, stroke=0, fill=1)
        else:
            canvas.setFillColor(OUTPUT_BAR)
            canvas.rect(0, 0, 1.6, self.height, stroke=0, fill=1)
        y = self.height - 3 - 0.8 * self.lead
        if self.label:
            canvas.setFillColor(MUTED_COLOR)
            canvas.setFont(FONTS["italic"], self.size)
            canvas.drawString(self.INSET, y, self.label)
            y -= self.lead
        char = stringWidth("M", FONTS["mono"], self.size)
        for segments, continued in self._rows:
            x = self.INSET
            if continued:
                canvas.setFillColor(MUTED_COLOR)
                canvas.setFont(FONTS["symbol"], self.size)
                canvas.drawString(x, y, "↪")
                x += char
            for text, color, bold in segments:
                canvas.setFillColor(color)
                for piece, font in runs_of(
                        text, FONTS["monobold" if bold else "mono"]):
                    canvas.setFont(font, self.size)
                    canvas.drawString(x, y, piece)
                    x += char * len(piece)
            y -= self.lead
        canvas.restoreState()


class Graphic(Flowable):
    """A figure's picture: an svglib Drawing or a raster image, at its
    natural size, scaled down (never up) to fit the frame.  A drawing
    is drawn as vector shapes."""

    def __init__(self, picture, width: float, height: float,
                 dests=(), kind: str = "drawing", name: str = ""):
        super().__init__()
        self.picture, self.kind, self.name = picture, kind, name
        if kind == "drawing":
            # ReportLab's renderer sets this font before it draws (its
            # default, Helvetica, would be a font the PDF does not
            # embed): the book's face
            picture.initialFontName = FONTS["serif"]
        self.natural = (width, height)
        self.dests = list(dests)
        self.spaceBefore, self.spaceAfter = 4, 4

    def wrap(self, availWidth, availHeight):
        w, h = self.natural
        # at most a third of the page high: figures sit with their text
        self.scale = min(1.0, availWidth / w, MAX_FIGURE_HEIGHT / h)
        self.width, self.height = availWidth, h * self.scale
        return self.width, self.height

    def draw(self):
        canvas = self.canv
        for dest in self.dests:
            canvas.bookmarkHorizontal(dest, 0, self.height + 8)
        w = self.natural[0] * self.scale
        x = (self.width - w) / 2
        # a marked-content sequence tagged /Figure around each picture:
        # readers (and the tests) can find and count the figures
        canvas.addLiteral("/Figure BMC")
        if self.kind == "drawing":
            canvas.saveState()
            canvas.translate(x, 0)
            canvas.scale(self.scale, self.scale)
            self.picture.drawOn(canvas, 0, 0)
            canvas.restoreState()
        else:
            canvas.drawImage(self.picture, x, 0, w, self.height,
                             mask="auto")
        canvas.addLiteral("EMC")


def box(kind: str, body: list) -> list:
    """``body`` in a tinted frame, split across pages as needed."""
    fill, stroke = TINTS.get(kind, TINTS["other"])
    # no keepWithNext here: a frame background inside ReportLab's
    # keep-together group can be left open on the next page, drawn
    # there as an empty frame; a box starts only where 4 lines fit
    opening = [CondPageBreak(4 * LEADING + 2 * PAD),
               FrameBG(color=fill, strokeColor=stroke, strokeWidth=0.6,
                       start=True),
               Spacer(0, PAD), Indenter(PAD + 2, PAD + 2)]
    # nothing with height between the body and the frame's end: a
    # spacer there could fall onto the next page as an empty frame
    return [*opening, *body, Indenter(-PAD - 2, -PAD - 2),
            FrameBG(start=False), Spacer(0, 10)]


def hexcolor(value: str | None, default=Color(0, 0, 0)):
    return HexColor("#" + value) if value else default
