"""Page layout: proof blocks -> ReportLab flowables.

A chapter opens with its title (linked to its web page) and each proof
block follows the section headings above it in the chapter.  Numbered
blocks sit in a tinted box with a run-in head ("Theorem 1 (Title).");
proofs run in with "Proof." and end with a flush-right ∎.  Display
math is centred with its website number at the right margin.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.colors import Color
from reportlab.platypus import Spacer
from reportlab.platypus.doctemplate import Indenter, NotAtTopPageBreak
from reportlab.platypus.flowables import Flowable, FrameBG
from reportlab.platypus.flowables import ListFlowable, ListItem

from . import mathbox
from .fonts import FONTS, text_font
from .inline import MathRun, RichParagraph, Run
from .source import (Book, Code, InlineMath, ListBlock, MathBlock, Para,
                     ProofBlock, ProofsSourceError, Quote, Ref, Text,
                     doc_target, plain)

BODY_SIZE = 10.5
LEADING = 14.5
MATH_SCALE = 1.1          # STIX Two's x-height is smaller than DejaVu's
CODE_SIZE = 8.6
PAD = 7.0

# Box colours by kind: statements, definitions, the rest.
_TINTS = {
    "statement": (Color(0.93, 0.95, 0.99), Color(0.55, 0.63, 0.80)),
    "definition": (Color(0.93, 0.97, 0.94), Color(0.52, 0.70, 0.56)),
    "other": (Color(0.96, 0.96, 0.96), Color(0.68, 0.68, 0.68)),
}
_KIND_GROUP = {
    "theorem": "statement", "lemma": "statement", "corollary": "statement",
    "proposition": "statement", "conjecture": "statement",
    "criterion": "statement", "axiom": "statement",
    "definition": "definition", "notation": "definition",
    "assumption": "definition",
}


class DisplayMath(Flowable):
    """A displayed equation, centred, its number "(n)" flush right."""

    def __init__(self, box, number: int | None, dest: str | None):
        super().__init__()
        self.box, self.number, self.dest = box, number, dest
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
        if self.dest:
            canvas.bookmarkHorizontal(self.dest, 0, self.height + 8)
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
    """Monospace lines on a light ground, split between lines."""

    def __init__(self, lines, size: float = CODE_SIZE):
        super().__init__()
        self.lines, self.size = lines, size
        self.lead = size * 1.3
        self.spaceBefore, self.spaceAfter = 2, 7

    def wrap(self, availWidth, availHeight):
        self.width = availWidth
        self.height = len(self.lines) * self.lead + 8
        return self.width, self.height

    def split(self, availWidth, availHeight):
        n = int((availHeight - 8) // self.lead)
        if n < 2 or n >= len(self.lines):
            return []
        return [CodeBlock(self.lines[:n], self.size),
                CodeBlock(self.lines[n:], self.size)]

    def draw(self):
        canvas = self.canv
        canvas.setFillColor(Color(0.95, 0.95, 0.95))
        canvas.rect(0, 0, self.width, self.height, stroke=0, fill=1)
        canvas.setFillColorRGB(0, 0, 0)
        canvas.setFont(FONTS["mono"], self.size)
        y = self.height - 4 - 0.8 * self.lead
        for line in self.lines:
            canvas.drawString(5, y, line)
            y -= self.lead


class Layout:
    """Turns a parsed :class:`~bookbuild.proofs.source.Book` into
    flowables; inline math errors name the file and line."""

    def __init__(self, book: Book, parallel: bool = True,
                 cache: Path | None = None):
        self.book, self.parallel, self.cache = book, parallel, cache
        self.in_pdf = {c.docname for c in book.chapters}
        self.emitted_sections = {
            (b.docname, h.anchor)
            for c in book.chapters for b in c.blocks for h in b.headings}

    # -- the whole book
    def flowables(self) -> list:
        size = BODY_SIZE * MATH_SCALE
        requests = [(latex, size, display)
                    for latex, display in _math_in(self.book)]
        if self.cache:
            mathbox.load_cache(self.cache)
        mathbox.prepare(requests, parallel=self.parallel)
        out = self._chapters()
        if self.cache:
            mathbox.save_cache(self.cache, requests)
        return out

    def _chapters(self) -> list:
        out: list = []
        for i, chapter in enumerate(self.book.chapters):
            if i:
                out.append(NotAtTopPageBreak())
            out.extend(self.chapter_head(chapter))
            trail: list = []
            for block in chapter.blocks:
                common = 0
                while (common < min(len(trail), len(block.headings))
                       and trail[common] is block.headings[common]):
                    common += 1
                for heading in block.headings[common:]:
                    out.append(self.section_head(block, heading))
                trail = block.headings
                out.extend(self.proof_block(block))
        return out

    def chapter_head(self, chapter) -> list:
        url = self.book.web_url(chapter.docname)
        title = self.runs(chapter.title, 20, {"b"}, chapter.path, 1,
                          link=("url", url), sans=True)
        head = RichParagraph(title, size=20, leading=25, space_before=0,
                             link_color=False,
                             space_after=4, align="left",
                             dest=chapter.dest,
                             outline=(plain(chapter.title), 0),
                             keep_with_next=True)
        online = RichParagraph(
            [Run("Read online: ", FONTS["italic"], 9),
             Run(url, FONTS["mono"], 8.5, ("url", url))],
            size=9, leading=12, space_after=14, align="left",
            keep_with_next=True)
        return [head, online]

    def section_head(self, block, heading) -> RichParagraph:
        size = {2: 13.5, 3: 11.5}.get(heading.level, 10.5)
        style = {"b"} if heading.level <= 2 else {"b", "i"}
        dest = f"sec-{block.docname}-{heading.anchor}"
        return RichParagraph(
            self.runs(heading.inlines, size, style, block.path,
                      heading.line, sans=heading.level <= 2),
            size=size, leading=size * 1.3, space_before=10, space_after=5,
            link_color=False,
            align="left", dest=dest, keep_with_next=True)

    # -- one proof block
    def proof_block(self, block: ProofBlock) -> list:
        head = [Run(block.name, FONTS["bold"], BODY_SIZE)]
        if block.kind == "proof":
            head = [Run("Proof.", FONTS["italic"], BODY_SIZE)]
        elif block.title:
            head.append(Run(" (", FONTS["bold"], BODY_SIZE))
            head.extend(self.runs(block.title, BODY_SIZE, {"b"},
                                  block.path, block.line))
            head.append(Run(").", FONTS["bold"], BODY_SIZE))
        else:
            head.append(Run(".", FONTS["bold"], BODY_SIZE))
        head.append(Run(" ", FONTS["serif"], BODY_SIZE))
        body = self.blocks(block.body, block.path)
        first = body[0] if body else None
        if isinstance(first, RichParagraph):
            first.runs[:0] = head
        else:
            body.insert(0, RichParagraph(head, size=BODY_SIZE,
                                         leading=LEADING, space_after=4))
        first = body[0]
        first.dest = block.dest
        outline = block.name + (f" ({plain(block.title)})"
                                if block.title else "")
        first.outline = (outline, 1) if block.kind != "proof" else None
        if block.kind == "proof":
            last = body[-1]
            if isinstance(last, RichParagraph):
                last.end_mark = "∎"
            elif isinstance(last, DisplayMath) and last.number is None:
                last.end_mark = "∎"
            else:
                body.append(RichParagraph([], size=BODY_SIZE,
                                          leading=LEADING,
                                          end_mark="∎"))
            return _kept([Spacer(0, 2)]) + body + [Spacer(0, 6)]
        fill, stroke = _TINTS[_KIND_GROUP.get(block.kind, "other")]
        opening = [FrameBG(color=fill, strokeColor=stroke, strokeWidth=0.6,
                           start=True),
                   Spacer(0, PAD), Indenter(PAD + 2, PAD + 2)]
        return [*_kept(opening), *body,
                Indenter(-PAD - 2, -PAD - 2), Spacer(0, PAD - 5),
                FrameBG(start=False), Spacer(0, 10)]

    def blocks(self, blocks, path) -> list:
        out: list = []
        for block in blocks:
            if isinstance(block, Para):
                out.append(RichParagraph(
                    self.runs(block.inlines, BODY_SIZE, set(), path,
                              block.line),
                    size=BODY_SIZE, leading=LEADING, space_after=6))
            elif isinstance(block, MathBlock):
                box = self.math(block.latex, True, path, block.line)
                dest = f"eq-{block.label}" if block.label else None
                out.append(DisplayMath(box, block.number, dest))
            elif isinstance(block, Code):
                out.append(CodeBlock(block.text.expandtabs(4).split("\n")))
            elif isinstance(block, ListBlock):
                items = [ListItem(self.blocks(item, path) or [Spacer(0, 0)])
                         for item in block.items]
                out.append(ListFlowable(
                    items, bulletType="1" if block.ordered else "bullet",
                    start=block.start if block.ordered else "•",
                    bulletFontName=FONTS["serif"],
                    bulletFontSize=BODY_SIZE, leftIndent=16,
                    spaceAfter=4))
            elif isinstance(block, Quote):
                inner = self.blocks(block.blocks, path)
                if block.title:
                    title = self.runs(block.title, BODY_SIZE, {"b"}, path, 0)
                    inner.insert(0, RichParagraph(title, size=BODY_SIZE,
                                                  leading=LEADING,
                                                  space_after=3))
                out.extend([Indenter(14, 0), *inner, Indenter(-14, 0)])
        return out

    # -- inline material
    def math(self, latex: str, display: bool, path, line,
             size: float = BODY_SIZE):
        """The laid-out box; bad LaTeX is an error at its file:line."""
        try:
            return mathbox.layout(latex, size * MATH_SCALE, display)
        except mathbox.MathLayoutError as exc:
            raise ProofsSourceError(path, line, str(exc)) from None

    def runs(self, inlines, size, style, path, line, link=None,
             sans=False) -> list:
        out: list = []
        for item in inlines:
            item_link = link or (("url", item.href)
                                 if getattr(item, "href", None) else None)
            font_style = set(style) | set(item.style)
            font = text_font(font_style)
            if sans and "code" not in font_style:
                font = FONTS["sansbold"] if "b" in font_style else FONTS[
                    "sans"]
            if isinstance(item, Text):
                out.append(Run(item.text, font, size, item_link))
            elif isinstance(item, InlineMath):
                box = self.math(item.latex, False, path, item.line, size)
                out.append(MathRun(box, item_link))
            elif isinstance(item, Ref):
                text, target = self.resolve(item)
                out.append(Run(text, font, size, link or target))
        return out

    def resolve(self, ref: Ref) -> tuple[str, tuple]:
        """The text of a reference and where its link goes."""
        book = self.book
        if ref.role in ("prf:ref", "numref"):
            block = book.proofs[ref.target]
            return ref.text or block.name, ("dest", block.dest)
        if ref.role == "eq":
            number, docname, in_pdf = book.equations[ref.target]
            text = ref.text or f"({number})"
            if in_pdf:
                return text, ("dest", f"eq-{ref.target}")
            return text, ("url", book.web_url(docname,
                                              f"equation-{ref.target}"))
        if ref.role == "doc":
            docname = doc_target(ref)
            text = ref.text or book.titles[docname]
            if docname in self.in_pdf:
                return text, ("dest", "doc-" + docname)
            return text, ("url", book.web_url(docname))
        title, docname, heading = book.sections[ref.target]
        text = ref.text or title
        if (docname, heading.anchor) in self.emitted_sections:
            return text, ("dest", f"sec-{docname}-{heading.anchor}")
        return text, ("url", book.web_url(docname, ref.target))


def _kept(flowables: list) -> list:
    """Keep these with what follows: a heading above a block then stays
    with the block's first lines (ReportLab chains keepWithNext)."""
    for flowable in flowables:
        flowable.keepWithNext = True
    return flowables


def _math_in(book: Book):
    """(latex, display) of every body expression, for laying out ahead."""
    def walk(blocks):
        for block in blocks:
            if isinstance(block, MathBlock):
                yield block.latex, True
            elif isinstance(block, Para):
                for item in block.inlines:
                    if isinstance(item, InlineMath):
                        yield item.latex, False
            elif isinstance(block, ListBlock):
                for item in block.items:
                    yield from walk(item)
            elif isinstance(block, Quote):
                yield from walk(block.blocks)
    for chapter in book.chapters:
        for block in chapter.blocks:
            yield from walk(block.body)
