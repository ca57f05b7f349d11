"""Inline nodes: emphasis, inline code, inline math, and links (inside
the PDF when the target is on its pages, else to the website)."""

import posixpath
import re

from docutils import nodes
from sphinx import addnodes

from ..fonts import FONTS, text_font
from ..runs import MathRun, text_runs


class Inlines:
    @staticmethod
    def styled(extra):
        """An inline handler that adds `extra` ("b", "i") to the style."""
        def handle(self, node, style, size, link):
            return self.inlines(node, style | {extra}, size, link)
        return handle

    def literal(self, node, style, size, link) -> list:
        text = node.astext().replace("\n", " ")
        return text_runs(text, text_font(style | {"code"}), size * 0.9,
                         link)

    def math(self, node, style, size, link) -> list:
        box = self.layout_math(node.astext(), False, node, size)
        if box is None:
            return text_runs(node.astext(), FONTS["italic"], size, link)
        return [MathRun(box, link)]

    def reference(self, node, style, size, link) -> list:
        if link is None:
            link = self.link_for(node)
        return self.inlines(node, style, size, link)

    def link_for(self, node):
        if node.get("refid"):
            target = [self.docname, node["refid"]]
        elif node.get("refuri"):
            uri = node["refuri"]
            if re.match(r"^[a-z][a-z0-9+.-]*:", uri):
                return ["url", uri]
            path, _, anchor = uri.partition("#")
            if path:
                if not path.endswith(".html"):
                    return ["url", uri]
                docname = posixpath.normpath(posixpath.join(
                    posixpath.dirname(self.docname), path[:-5]))
            else:
                docname = self.docname
            target = [docname, anchor]
        else:
            return None
        link = ["ref", target]
        self.links.append(link)
        return link

    def skip_inline(self, node, style, size, link) -> list:
        return []


INLINE = {
    nodes.emphasis: Inlines.styled("i"),
    nodes.strong: Inlines.styled("b"),
    nodes.literal: Inlines.literal,
    nodes.math: Inlines.math,
    nodes.reference: Inlines.reference,
    addnodes.number_reference: Inlines.reference,
    nodes.target: Inlines.skip_inline,
    nodes.raw: Inlines.skip_inline,
    nodes.footnote_reference: Inlines.skip_inline,
    nodes.image: Inlines.skip_inline,
}
