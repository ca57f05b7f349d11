"""Page layout, inline level: a paragraph of text with math on its
baseline.

ReportLab's Paragraph places only raster images inline, so the PDFs
use this small flowable instead: runs of text and math boxes (vector
glyphs), broken into lines by :mod:`.runs`, set justified; every math
box sits on the text baseline.  Links become PDF link annotations over
their words, internal (to a named destination) or to a URL.
"""

from __future__ import annotations

from dataclasses import replace

from reportlab.platypus.flowables import Flowable

from .fonts import FONTS, LINK_COLOR
from .runs import Line, MathRun, Run, break_lines


class RichParagraph(Flowable):
    """A paragraph of runs, wrapped and justified, splittable by lines."""

    def __init__(self, runs, *, size: float, leading: float,
                 space_before: float = 0, space_after: float = 6,
                 align: str = "justify", end_mark: str | None = None,
                 dest=None, outline: tuple | None = None,
                 keep_with_next: bool = False, link_color: bool = True):
        super().__init__()
        self.runs = list(runs)
        self.size, self.leading = size, leading
        self.spaceBefore, self.spaceAfter = space_before, space_after
        self.align, self.end_mark = align, end_mark
        self.dests = ([dest] if isinstance(dest, str) else
                      list(dest or []))
        self.outline = outline           # (title, level, key) or None
        self.keepWithNext = keep_with_next
        self.link_color = link_color
        self._lines: list[Line] | None = None
        self._wrapped_at: float | None = None

    def wrap(self, availWidth, availHeight):
        if self._lines is None or self._wrapped_at != availWidth:
            self._lines = break_lines(self.runs, availWidth, size=self.size,
                                      leading=self.leading,
                                      end_mark=self.end_mark)
            self._wrapped_at = availWidth
        self.width = availWidth
        self.height = sum(l.above + l.below for l in self._lines)
        return self.width, self.height

    def split(self, availWidth, availHeight):
        availWidth = frame_width(self, availWidth)
        self.wrap(availWidth, availHeight)
        used, n = 0.0, 0
        for line in self._lines:
            if used + line.above + line.below > availHeight:
                break
            used += line.above + line.below
            n += 1
        if n == 0 or n == len(self._lines):
            return []
        first = self._copy(self._lines[:n], space_after=0)
        first._lines[-1] = replace(first._lines[-1], last=False)
        rest = self._copy(self._lines[n:], space_before=0)
        rest.dests, rest.outline = [], None
        return [first, rest]

    def _copy(self, lines, **spaces):
        twin = RichParagraph([], size=self.size, leading=self.leading,
                             space_before=spaces.get("space_before",
                                                     self.spaceBefore),
                             space_after=spaces.get("space_after",
                                                    self.spaceAfter),
                             align=self.align, dest=self.dests,
                             outline=self.outline,
                             link_color=self.link_color)
        twin._lines, twin._wrapped_at = list(lines), self._wrapped_at
        # the runs of these lines too: a part that moves to a frame of
        # another width (an indented box on the next page) breaks again
        words = [w for line in lines for w in line.words]
        gaps = [g for line in lines for g in line.gaps]
        has_mark = bool(self.end_mark and words and len(words[-1]) == 1
                        and isinstance(words[-1][0], Run)
                        and words[-1][0].text == self.end_mark
                        and lines[-1].last)
        if has_mark:
            words, gaps = words[:-1], gaps[:-1]
        twin.end_mark = self.end_mark if has_mark else None
        for i, word in enumerate(words):
            twin.runs.extend(word)
            last = word[-1]
            if i < len(words) - 1 and gaps[i] > 0:
                font = last.font if isinstance(last, Run) else FONTS["serif"]
                twin.runs.append(Run(" ", font, self.size))
        return twin

    def draw(self):
        canvas = self.canv
        for dest in self.dests:
            canvas.bookmarkHorizontal(dest, 0, self.height + 4)
        if self.outline:
            title, level, key = self.outline
            if key not in self.dests:
                canvas.bookmarkHorizontal(key, 0, self.height + 4)
            canvas.addOutlineEntry(title, key, level=level)
        y = self.height
        for line in self._lines:
            y -= line.above
            self._draw_line(canvas, line, y)
            y -= line.below

    def _draw_line(self, canvas, line: Line, y: float) -> None:
        slack = self.width - line.width
        spread = 0.0
        x = 0.0
        if self.align == "justify" and not line.last and len(line.words) > 1:
            spread = slack / (len(line.words) - 1)
            if spread > 0.6 * self.size:     # too loose: leave it ragged
                spread = 0.0
        elif self.align == "center":
            x = slack / 2
        elif self.align == "right":
            x = slack
        for i, word in enumerate(line.words):
            if (self.end_mark and line.last and i == len(line.words) - 1):
                x = max(x, self.width - word[0].width)
            for j, run in enumerate(word):
                # the space after a word is drawn too, so extracted text
                # has it; the next word is placed absolutely anyway
                space = (i < len(line.words) - 1 and j == len(word) - 1
                         and isinstance(run, Run))
                x = self._draw_run(canvas, run, x, y, space)
            if i < len(line.words) - 1:
                x += line.gaps[i] + spread

    def _draw_run(self, canvas, run, x: float, y: float,
                  space: bool = False) -> float:
        w = run.width
        if isinstance(run, MathRun):
            run.box.draw(canvas, x, y, search_font=FONTS["serif"],
                         text_size=self.size)
            top, bottom = y + run.box.ascent, y - run.box.descent
        else:
            canvas.setFont(run.font, run.size)
            if run.link and self.link_color:
                canvas.setFillColor(LINK_COLOR)
            canvas.drawString(x, y, run.text + (" " if space else ""))
            canvas.setFillColorRGB(0, 0, 0)
            top, bottom = y + 0.8 * run.size, y - 0.25 * run.size
        if run.link:
            rect = (x, bottom, x + w, top)
            kind, target = run.link
            if kind == "dest":
                canvas.linkRect("", target, rect, relative=1, thickness=0)
            else:
                canvas.linkURL(target, rect, relative=1, thickness=0)
        return x + w


def frame_width(flowable, width: float) -> float:
    """The width a flowable is split at: ReportLab's Frame.split passes
    the frame's full width, without the indents of an Indenter (a box),
    though the parts are then set at the indented width."""
    frame = getattr(flowable, "_frame", None)
    if frame is not None and hasattr(frame, "_getAvailableWidth"):
        return frame._getAvailableWidth()
    return width
