"""The writer of the readers' notebooks' Markdown: it walks a page's
resolved doctree and dispatches each node, by type, to the handlers of
the feature modules (see :mod:`bookbuild.readers`)."""

from pathlib import Path

from docutils import nodes

from .. import doctrees
from ..doctrees import is_exercise, is_proof
from . import figures, inlines, text
from .figures import Figures
from .inlines import Inlines, escape
from .proofs import Proofs
from .text import Text


class Writer(Text, Figures, Proofs, Inlines):
    """Writes one page's resolved doctree as Markdown between cells.

    ``fignumbers``: Sphinx's ``env.toc_fignumbers``; ``site``: the
    published site's address (ending in "/"); ``root``: the repository,
    to name included files; ``image_file(uri)``: the file of an image.
    """

    def __init__(self, docname, *, fignumbers, site, root, image_file):
        self.docname, self.fignumbers = docname, fignumbers
        self.site, self.root, self.image_file = site, Path(root), image_file
        self.attachments = {}

    def blocks(self, children, depth):
        """A list of items: Markdown text (str) or ("cell", index)."""
        out = []
        for child in children:
            out.extend(self.block(child, depth))
        return out

    def block(self, node, depth):
        handler = _handler(BLOCK, node)
        if handler is None:
            if isinstance(node, nodes.TextElement):
                return self.paragraph(node, depth)
            if isinstance(node, nodes.Element):
                return self.blocks(node.children, depth)
            return []
        return handler(self, node, depth)

    def text_of(self, items):
        """The Markdown items of `items`, joined; the cells among them
        are left out (a handler that can hold cells puts them after)."""
        return "\n\n".join(i for i in items if isinstance(i, str))

    def number(self, node, figtype):
        return doctrees.number(self.fignumbers, self.docname, node, figtype)

    def inlines(self, node):
        if node is None:
            return ""
        return "".join(self.inline(child) for child in node.children)

    def inline(self, node):
        if isinstance(node, nodes.Text):
            return escape(str(node).replace("\n", " "))
        handler = _handler(INLINE, node)
        if handler is None:
            return self.inlines(node) if isinstance(node, nodes.Element) \
                else ""
        return handler(self, node)


def _handler(table, node):
    for cls in type(node).__mro__:
        if cls in table:
            return table[cls]
    if table is BLOCK:
        if is_proof(node):
            return Writer.proof_block
        if is_exercise(node):
            return Writer.exercise
    return None


#: block node type -> handler(writer, node, depth) -> items
BLOCK = {**text.BLOCK, **figures.BLOCK}

#: inline node type -> handler(writer, node) -> Markdown
INLINE = {**inlines.INLINE, **figures.INLINE}
