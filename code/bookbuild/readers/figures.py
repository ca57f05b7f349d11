"""Figures and images: each image attached to its Markdown cell,
under its numbered caption."""

import base64
import mimetypes

from docutils import nodes

from .inlines import escape
from .text import anchored


class Figures:
    def figure(self, node, depth):
        images = [self.image_markdown(i) for i in node.findall(nodes.image)]
        out = "\n\n".join(i for i in images if i)
        caption = node.next_node(nodes.caption)
        if caption is not None:
            number = self.number(node, "figure")
            head = f"**Figure {number}.** " if number else ""
            out += f"\n\n{head}{self.inlines(caption).strip()}"
        return [anchored(node, out)]

    def image(self, node, depth):
        text = self.image_markdown(node)
        return [text] if text else []

    def image_markdown(self, node):
        path = self.image_file(node.get("uri", ""))
        alt = escape(node.get("alt", ""))
        if not path.is_file():
            return ""
        name = path.name
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        data = path.read_bytes()
        self.attachments[name] = {
            mime: data.decode() if mime == "image/svg+xml"
            else base64.b64encode(data).decode()}
        return f"![{alt}](attachment:{name})"

    def inline_image(self, node):
        return self.image_markdown(node)


BLOCK = {nodes.figure: Figures.figure, nodes.image: Figures.image}
INLINE = {nodes.image: Figures.inline_image}
