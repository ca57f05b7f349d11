"""The PDF document: title page, page frame, footer, outline, metadata.

Output is byte-for-byte reproducible: ReportLab's invariant mode fixes
the dates and the file identifier, the version and date on the title
page come from git (or SOURCE_DATE_EPOCH), never from the clock.
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

from .fonts import FONTS, MUTED_COLOR, register
from .inline import RichParagraph, Run
from .layout import Layout
from .source import Book, plain

MARGIN = 24 * mm
_TOTAL_FORM = "proofsPageTotal"


class _Canvas(Canvas):
    """A canvas that knows the page count when it saves: the footer's
    total is one form XObject, drawn on every page, defined last."""

    def save(self):
        total = self.getPageNumber() - 1
        self.beginForm(_TOTAL_FORM, 0, -3, 60, 12)
        self.setFont(FONTS["serif"], 8.5)
        self.setFillColor(MUTED_COLOR)
        self.drawString(0, 0, str(total))
        self.endForm()
        self.showOutline()
        super().save()


class ProofsDocument(BaseDocTemplate):
    def __init__(self, target, book: Book, version: str, date: str):
        self.book = book
        super().__init__(
            target, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN,
            topMargin=MARGIN, bottomMargin=MARGIN + 14,
            title=f"{book.title}: the proofs", author=book.author,
            subject=("Every definition, theorem and proof of the book, "
                     f"typeset from its source (version {version}, "
                     f"{date})"),
            keywords=["proofs", "theorems", "definitions", "gradients",
                      book.title],
            creator="bookbuild.proofs (ReportLab, ziamath)",
            invariant=1, pageCompression=1, initialFontName=FONTS["serif"])
        frame = Frame(self.leftMargin, self.bottomMargin, self.width,
                      self.height, id="body", leftPadding=0, rightPadding=0,
                      topPadding=0, bottomPadding=0)
        self.addPageTemplates([
            PageTemplate("title", [frame]),
            PageTemplate("body", [frame], onPage=self._footer),
        ])

    def _footer(self, canvas, doc):
        canvas.saveState()
        y = MARGIN - 2
        canvas.setStrokeColor(MUTED_COLOR)
        canvas.setLineWidth(0.4)
        canvas.line(self.leftMargin, y + 11, self.leftMargin + self.width,
                    y + 11)
        canvas.setFillColor(MUTED_COLOR)
        canvas.setFont(FONTS["italic"], 8.5)
        canvas.drawString(self.leftMargin, y, f"{self.book.title}: proofs")
        canvas.setFont(FONTS["serif"], 8.5)
        label = f"page {doc.page} of "
        x = self.leftMargin + self.width - 62
        canvas.drawString(x, y, label)
        canvas.translate(x + canvas.stringWidth(label, FONTS["serif"], 8.5),
                         y)
        canvas.doForm(_TOTAL_FORM)
        canvas.restoreState()



def title_page(book: Book, version: str, date: str) -> list:
    def para(runs, size, leading, after, align="left"):
        return RichParagraph(runs, size=size, leading=leading,
                             space_after=after, align=align)

    # the title on one line if a size down to 18 pt allows it
    width = A4[0] - 2 * MARGIN
    size = 24.0
    while size > 18 and stringWidth(book.title, FONTS["sansbold"],
                                    size) > width:
        size -= 0.5
    out = [Spacer(0, 120),
           para([Run(book.title, FONTS["sansbold"], size)], size,
                size * 1.25, 10),
           para([Run("Definitions, theorems and proofs",
                     FONTS["italic"], 14)], 14, 18, 36)]
    if book.author:
        out.append(para([Run(book.author, FONTS["serif"], 11)], 11, 15, 6))
    out.append(para([Run("Version ", FONTS["serif"], 10),
                     Run(version, FONTS["mono"], 9.5)], 10, 14, 2))
    out.append(para([Run(date, FONTS["serif"], 10)], 10, 14, 30))
    if book.baseurl:
        out.append(para([Run("Online: ", FONTS["italic"], 10),
                         Run(book.baseurl, FONTS["mono"], 9.5,
                             ("url", book.baseurl))], 10, 14, 20))
    out.append(para([Run("Contents", FONTS["sansbold"], 12)], 12, 16, 6))
    for chapter in book.chapters:
        numbered = sum(1 for b in chapter.blocks if b.number is not None)
        proofs = sum(1 for b in chapter.blocks if b.kind == "proof")
        out.append(para(
            [Run(plain(chapter.title), FONTS["serif"], 10.5,
                 ("dest", chapter.dest)),
             Run(f"  ({_count(numbered, 'numbered block')}, "
                 f"{_count(proofs, 'proof')})",
                 FONTS["italic"], 9)], 10.5, 15, 2))
    out.append(Spacer(0, 24))
    out.append(para([Run(
        "Typeset from the chapters' MyST source; numbers match the "
        "website's. Each chapter title links to its web page.",
        FONTS["italic"], 9)], 9, 12, 0))
    return out + [NextPageTemplate("body"), PageBreak()]


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def render(book: Book, version: str, date: str, parallel: bool = True,
           cache=None) -> tuple[bytes, int]:
    """The PDF's bytes and its page count."""
    register()
    story = (title_page(book, version, date)
             + Layout(book, parallel, cache).flowables())
    buffer = io.BytesIO()
    doc = ProofsDocument(buffer, book, version, date)
    # binary streams: ASCII85 would add a quarter to every stream
    a85, rl_config.useA85 = rl_config.useA85, 0
    try:
        doc.build(story, canvasmaker=_Canvas)
    finally:
        rl_config.useA85 = a85
    return buffer.getvalue(), doc.page
