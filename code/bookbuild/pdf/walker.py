"""The walker: Sphinx's resolved doctrees -> flowables, through tables
of small handlers keyed by node type, one signature each (as
markdown-it's rules).  The handlers live by feature in :mod:`.rules`;
this module walks the tree and dispatches.

Everything the walker prints was decided by Sphinx: the documents in
toctree order, the numbers of theorems, exercises, figures and
equations (``env.toc_fignumbers``, as the HTML shows them), the text
of every resolved reference.  The walker only sets it on pages.

Two views share it: ``"book"`` keeps everything; ``"proofs"`` keeps
the sphinx-proof blocks and the headings above them.  Anything a
handler cannot set (LaTeX that ziamath cannot lay out, an image file
that is missing) is reported through ``warn(message, node)`` with the
node's source and line, and the rest of the book goes on.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from reportlab.platypus.doctemplate import NotAtTopPageBreak

from .. import doctrees
from . import mathcache
from .fonts import text_font
from .layout import BODY_SIZE, MATH_SCALE, Anchor
from .mathlayout import MathLayoutError
from .rules import (code, dest_name, figures, inlines, is_exercise,
                    is_proof, sections, text)
from .rules.code import Code
from .rules.figures import Figures
from .rules.inlines import Inlines
from .rules.proofs import Proofs
from .rules.sections import Sections
from .rules.text import Text
from .runs import text_runs

__all__ = ["Walker", "dest_name", "BLOCK", "INLINE"]


class Walker(Sections, Text, Code, Figures, Proofs, Inlines):
    """Walks the documents of one PDF; ``flowables()`` is the story.

    ``docs``: [(docname, resolved doctree)] in toctree order;
    ``fignumbers``: Sphinx's ``env.toc_fignumbers``; ``srcdir``: where
    image URIs start; ``web_url(docname, anchor)``: the page online;
    ``plain_outputs(docname, cell_index)``: the text/plain forms of a
    cell's rich (HTML) outputs; ``parts``: [(caption, [docname, ...])],
    the parts of the table of contents (top-level outline entries, with
    their pages one level below).
    """

    def __init__(self, docs, *, view: str, fignumbers, srcdir: Path,
                 web_url, plain_outputs, warn, parts=()):
        self.docs, self.view = docs, view
        self.part_of = {doc: (number, caption)
                        for number, (caption, members)
                        in enumerate(parts, start=1) for doc in members}
        self.depth = 0                   # 1 for a page inside a part
        self.fignumbers, self.srcdir = fignumbers, Path(srcdir)
        self.web_url, self.plain_outputs, self.warn = (web_url,
                                                       plain_outputs, warn)
        self.links: list = []            # [kind, target] to finish
        self.emitted: set = set()        # destinations on the pages
        self.chapters: list = []         # (title, counts) per chapter
        self.docname = ""
        self.keep_all = view == "book"
        self.pending: list = []          # proofs view: headings to come

    def flowables(self) -> list:
        out: list = []
        parts_done: set = set()
        for docname, tree in self.docs:
            self.docname = docname
            self.counts = {"numbered": 0, "proof": 0}
            self.chapter_title = None
            part = self.part_of.get(docname)
            self.depth = 1 if part else 0
            chapter = self.blocks(tree.children, depth=0)
            if not chapter:
                continue
            if part and part[0] not in parts_done:
                parts_done.add(part[0])
                if out:
                    out.append(NotAtTopPageBreak())
                out.extend(self.part_head(*part))
            elif out:
                out.append(NotAtTopPageBreak())
            out.extend(chapter)
            self.chapters.append((docname, self.chapter_title,
                                  dict(self.counts)))
        for link in self.links:          # internal when on the pages
            kind, (docname, anchor) = link
            name = dest_name(docname, anchor)
            if name in self.emitted:
                link[:] = ["dest", name]
            else:
                link[:] = ["url", self.web_url(docname, anchor)]
        return out

    def blocks(self, children, depth: int) -> list:
        out: list = []
        for child in children:
            out.extend(self.block(child, depth))
        return out

    def block(self, node, depth: int) -> list:
        handler = _handler(BLOCK, node)
        if not self.keep_all:
            if isinstance(node, nodes.section):
                return self.section(node, depth)
            if not (is_proof(node)):
                return self.blocks(getattr(node, "children", []), depth) \
                    if isinstance(node, nodes.Element) else []
            return self.flush() + self.with_all(self.proof_block, node,
                                                depth)
        if handler is None:
            # a node type no handler knows: its text is kept, as a
            # paragraph if it holds text, else through its children
            if isinstance(node, (nodes.TextElement, nodes.Text)):
                return self.paragraph(node if isinstance(
                    node, nodes.Element) else nodes.paragraph("", "", node),
                    depth)
            if isinstance(node, nodes.Element):
                return self.blocks(node.children, depth)
            return []
        out = handler(self, node, depth)
        ids = [dest_name(self.docname, i) for i in node.get("ids", [])] \
            if isinstance(node, nodes.Element) else []
        if ids and handler is not Walker.section:
            self.emitted.update(ids)
            out = [Anchor(ids)] + out
        return out

    def with_all(self, handler, node, depth):
        keep, self.keep_all = self.keep_all, True
        try:
            return handler(node, depth)
        finally:
            self.keep_all = keep

    def flush(self) -> list:
        out, self.pending = self.pending, []
        return out

    def number(self, node, figtype: str) -> str | None:
        return doctrees.number(self.fignumbers, self.docname, node, figtype)

    def layout_math(self, latex, display, node, size=BODY_SIZE):
        try:
            return mathcache.layout(latex, size * MATH_SCALE, display)
        except MathLayoutError as exc:
            self.warn(str(exc), node)
            return None

    def inlines(self, node, style, size=BODY_SIZE, link=None) -> list:
        out: list = []
        for child in node.children:
            out.extend(self.inline(child, set(style), size, link))
        return out

    def inline(self, node, style, size, link) -> list:
        if isinstance(node, nodes.Text):
            text = str(node).replace("\n", " ")
            return text_runs(text, text_font(style), size, link)
        handler = _handler(INLINE, node)
        if handler is None:
            if isinstance(node, nodes.Element):
                return self.inlines(node, style, size, link)
            return []
        return handler(self, node, style, size, link)


def _handler(table, node):
    for cls in type(node).__mro__:
        if cls in table:
            return table[cls]
    if is_proof(node) and table is BLOCK:
        return Walker.proof_block
    if is_exercise(node) and table is BLOCK:
        return Walker.exercise
    return None


#: block node type -> handler(walker, node, depth) -> flowables
BLOCK = {**sections.BLOCK, **text.BLOCK, **code.BLOCK, **figures.BLOCK}

#: inline node type -> handler(walker, node, style, size, link) -> runs
INLINE = dict(inlines.INLINE)
