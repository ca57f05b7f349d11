"""Inside a paragraph: emphasis, code, math, and links to the
published page and anchor with the site's link text."""

import posixpath
import re

from docutils import nodes
from sphinx import addnodes

ESCAPE = re.compile(r"([\\`*_\[\]$<>|])")


def escape(text):
    return ESCAPE.sub(r"\\\1", text)


class Inlines:
    def emphasis(self, node):
        inner = self.inlines(node).strip()
        return f"*{inner}*" if inner else ""

    def strong(self, node):
        inner = self.inlines(node).strip()
        return f"**{inner}**" if inner else ""

    def literal(self, node):
        text = node.astext().replace("\n", " ")
        ticks = "`"
        while ticks in text:
            ticks += "`"
        pad = " " if text.startswith("`") or text.endswith("`") else ""
        return f"{ticks}{pad}{text}{pad}{ticks}"

    def math(self, node):
        return f"${node.astext().strip()}$"

    def reference(self, node):
        text = self.inlines(node).strip() or escape(node.get("refuri", ""))
        url = self.url_of(node)
        return f"[{text}]({url})" if url else text

    def url_of(self, node):
        if node.get("refid"):
            return "#" + node["refid"]
        uri = node.get("refuri", "")
        if not uri or re.match(r"^[a-z][a-z0-9+.-]*:", uri):
            return uri
        path, _, anchor = uri.partition("#")
        if not path:
            return "#" + anchor
        target = posixpath.normpath(posixpath.join(
            posixpath.dirname(self.docname), path))
        return self.site + target + (f"#{anchor}" if anchor else "")

    def skip_inline(self, node):
        return ""


INLINE = {
    nodes.emphasis: Inlines.emphasis,
    nodes.strong: Inlines.strong,
    nodes.literal: Inlines.literal,
    nodes.math: Inlines.math,
    nodes.reference: Inlines.reference,
    addnodes.number_reference: Inlines.reference,
    nodes.target: Inlines.skip_inline,
    nodes.raw: Inlines.skip_inline,
    nodes.footnote_reference: Inlines.skip_inline,
}
