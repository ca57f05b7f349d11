"""The PDF document: title page, contents, page frame, outline, metadata.

One pass: the numbers the document learns only at its end are form
XObjects, drawn where they belong and defined when the file is saved
-- the page total of every footer's "page X of Y", and the page of
each line of the table of contents.  Running heads name the chapter.  Output is byte-for-byte reproducible: ReportLab's invariant
mode fixes the dates and the file identifier, and the version and
date on the title page come from git (or SOURCE_DATE_EPOCH), never
from the clock.
"""

from __future__ import annotations

import io

from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (BaseDocTemplate, Frame, NextPageTemplate,
                                PageBreak, PageTemplate, Spacer)
from reportlab.platypus.flowables import Flowable

from .fonts import FONTS, MUTED_COLOR, register, runs_of
from .inline import RichParagraph
from .labels import word
from .runs import text_runs

MARGIN = 24 * mm
_TOTAL_FORM = "pdfPageTotal"


class _Canvas(Canvas):
    """A canvas that knows the page count when it saves."""

    def save(self):
        total = self.getPageNumber() - 1
        self.beginForm(_TOTAL_FORM, 0, -3, 60, 12)
        self.setFont(FONTS["serif"], 8.5)
        self.setFillColor(MUTED_COLOR)
        self.drawString(0, 0, str(total))
        self.endForm()
        for key, (page, font, size) in sorted(
                getattr(self, "toc_pages", {}).items()):
            self.beginForm(toc_form(key), -50, -3, 0, size + 2)
            self.setFont(font, size)
            self.drawRightString(0, 0, str(page))
            self.endForm()
        self.showOutline()
        super().save()


def toc_form(key: str) -> str:
    return f"toc_{key}"


class TocLine(Flowable):
    """One line of the contents: title (a link), dots, page number (a
    form defined when the document is saved, see ``_Canvas``)."""

    NUMBER_ROOM = 22

    def __init__(self, level: int, text: str, key: str):
        super().__init__()
        self.level, self.text, self.key = level, text, key
        self.font = FONTS["bold"] if level == 0 else FONTS["serif"]
        self.size = 11 if level == 0 else 10
        self.indent = 16 * level
        self.spaceBefore = 6 if level == 0 else 0

    def wrap(self, availWidth, availHeight):
        self.width, self.height = availWidth, self.size * 1.35
        return self.width, self.height

    def draw(self):
        c = self.canv
        room = self.width - self.indent - 40
        text = self.text
        while _width(text, self.font, self.size) > room and len(text):
            text = text[:-2] + "…"
        end = _draw(c, self.indent, 2, text, self.font, self.size)
        c.saveState()
        c.translate(self.width, 2)
        c.doForm(toc_form(self.key))
        c.restoreState()
        c.setFillColor(MUTED_COLOR)
        dots = self.width - self.NUMBER_ROOM
        x = end + 6
        while x < dots - 3:
            c.drawString(x, 2, ".")
            x += 4.5
        c.linkRect("", self.key, (0, 0, self.width, self.height),
                   relative=1, thickness=0)


class PdfDocument(BaseDocTemplate):
    def __init__(self, target, *, title: str, running: str, meta: dict):
        self.running = running
        self.pages: dict = {}            # key -> page, from toc entries
        self.chapter_pages: dict = {}    # page -> chapter title
        self.chapter = ""
        super().__init__(
            target, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
            topMargin=MARGIN + 4, bottomMargin=MARGIN + 14, title=title,
            invariant=1, pageCompression=1, initialFontName=FONTS["serif"],
            **meta)
        frame = Frame(self.leftMargin, self.bottomMargin, self.width,
                      self.height, id="body", leftPadding=0, rightPadding=0,
                      topPadding=0, bottomPadding=0)
        self.addPageTemplates([
            PageTemplate("title", [frame]),
            PageTemplate("body", [frame], onPageEnd=self._frame),
        ])

    def afterFlowable(self, flowable):
        entry = getattr(flowable, "toc_entry", None)
        if entry:
            font = FONTS["bold"] if entry[0] == 0 else FONTS["serif"]
            size = 11 if entry[0] == 0 else 10
            self.pages.setdefault(entry[2], (self.page, font, size))
            self.canv.toc_pages = self.pages
        title = getattr(flowable, "chapter_title", None)
        if title:
            self.chapter = title
            self.chapter_pages[self.page] = title

    def _frame(self, canvas, doc):
        canvas.saveState()
        canvas.setStrokeColor(MUTED_COLOR)
        canvas.setFillColor(MUTED_COLOR)
        canvas.setLineWidth(0.4)
        right = self.leftMargin + self.width
        top = A4[1] - MARGIN + 8
        if self.chapter and doc.page not in self.chapter_pages:
            _draw(canvas, self.leftMargin, top, self.running,
                  FONTS["italic"], 8.5)
            _draw(canvas, right, top, self.chapter, FONTS["italic"], 8.5,
                  align_right=True)
            canvas.line(self.leftMargin, top - 4, right, top - 4)
        y = MARGIN - 2
        canvas.line(self.leftMargin, y + 11, right, y + 11)
        label = word("page of").format(doc.page)
        x = right - 62
        end = _draw(canvas, x, y, label, FONTS["serif"], 8.5)
        canvas.setFont(FONTS["serif"], 8.5)
        canvas.translate(end, y)
        canvas.doForm(_TOTAL_FORM)
        canvas.restoreState()


def _width(text, font, size):
    """The width of one line of text set as :func:`_draw` sets it."""
    return sum(stringWidth(t, f, size) for t, f in runs_of(text, font))


def _draw(canvas, x, y, text, font, size, align_right=False):
    """Draw one line of text at (x, y), each character in a face that
    has it (fonts.runs_of), ending at x if align_right; returns where
    the text ends."""
    pieces = runs_of(text, font)
    if align_right:
        x -= _width(text, font, size)
    for piece, face in pieces:
        canvas.setFont(face, size)
        canvas.drawString(x, y, piece)
        x += stringWidth(piece, face, size)
    return x


def title_page(info, subtitle: str, contents: list) -> list:
    def para(runs, size, leading, after, align="left"):
        return RichParagraph(runs, size=size, leading=leading,
                             space_after=after, align=align)

    width = A4[0] - 2 * MARGIN
    size = 26.0
    while size > 18 and stringWidth(info.title, FONTS["bold"],
                                    size) > width:
        size -= 0.5
    out = [Spacer(0, 110),
           para(text_runs(info.title, FONTS["bold"], size), size,
                size * 1.25, 10),
           para(text_runs(subtitle, FONTS["italic"], 15), 15, 19, 36)]
    if info.author:
        out.append(para(text_runs(info.author, FONTS["serif"], 11.5),
                        11.5, 15, 6))
    out.append(para(text_runs(word("version"), FONTS["serif"], 10.5)
                    + text_runs(info.version, FONTS["mono"], 9.5),
                    10.5, 14, 2))
    out.append(para(text_runs(info.date, FONTS["serif"], 10.5), 10.5, 14,
                    30))
    if info.baseurl:
        out.append(para(text_runs(word("online"), FONTS["italic"], 10.5)
                        + text_runs(info.baseurl, FONTS["mono"], 9.5,
                                    ["url", info.baseurl]), 10.5, 14, 20))
    return out + contents


def render(story_for, info, *, subtitle: str, kind: str,
           contents_for) -> tuple[bytes, int]:
    """The PDF's bytes and its page count.

    ``story_for()`` gives the body's flowables; ``contents_for(entries)``
    the front matter's contents for the body's contents entries.
    """
    register()
    body = story_for()
    entries = [f.toc_entry for f in body if hasattr(f, "toc_entry")]
    story = (title_page(info, subtitle, contents_for(entries))
             + [NextPageTemplate("body"), PageBreak()] + body)
    buffer = io.BytesIO()
    doc = PdfDocument(
        buffer, title=info.title + (f": {kind}" if kind else ""),
        running=info.title + (f": {kind}" if kind else ""),
        meta=dict(author=info.author, subject=info.subject,
                  keywords=info.keywords,
                  creator="bookbuild.pdf (ReportLab, ziamath, svglib)"))
    # binary streams: ASCII85 would add a quarter to every stream
    a85, rl_config.useA85 = rl_config.useA85, 0
    try:
        doc.build(story, canvasmaker=_Canvas)
    finally:
        rl_config.useA85 = a85
    return buffer.getvalue(), doc.page


def toc_lines(entries) -> list:
    """The contents: chapters and their sections, with pages."""
    out = [RichParagraph(text_runs(word("contents"), FONTS["bold"], 15), size=15,
                         leading=19, space_after=8)]
    for level, text, key in entries:
        out.append(TocLine(level, text, key))
    return out
