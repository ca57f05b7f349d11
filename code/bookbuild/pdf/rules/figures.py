"""Figures and images: SVG as vector drawings, bitmaps at the size the
page shows them."""

import hashlib
from pathlib import Path

from docutils import nodes

from ...staging import image_file
from .. import figurecache
from ..fonts import FONTS
from ..inline import RichParagraph
from ..layout import Graphic
from ..runs import text_runs


class Figures:
    def figure(self, node, depth) -> list:
        out = []
        for image in node.findall(nodes.image):
            out.extend(self.image(image, depth))
        caption = node.next_node(nodes.caption)
        if caption is not None:
            number = self.number(node, "figure")
            head = text_runs(f"Figure {number}. " if number else "",
                             FONTS["bold"], 9.5)
            out.append(RichParagraph(head + self.inlines(caption, set(),
                                                         size=9.5),
                                     size=9.5, leading=12.5,
                                     space_before=2, space_after=10,
                                     align="left"))
        for flowable in out[:-1]:
            flowable.keepWithNext = True
        self.counts["figures"] = self.counts.get("figures", 0) + 1
        return out

    def image_file(self, uri) -> Path:
        """The file of an image `uri` (relative to the source folder)."""
        return image_file(self.srcdir, uri)

    def image(self, node, depth) -> list:
        uri = node.get("uri", "")
        path = self.image_file(uri)
        if not path.is_file():
            self.warn(f"image {uri} not found: not in the PDF", node)
            return []
        if not isinstance(node.parent, nodes.figure):
            self.counts["images"] = self.counts.get("images", 0) + 1
        if path.suffix.lower() == ".svg":
            drawing = figurecache.drawing(path)
            if drawing is None:
                self.warn(f"SVG {uri} cannot be read", node)
                return []
            return [Graphic(drawing, drawing.width, drawing.height,
                            # named by content (myst-nb names the file
                            # by it), not by the path, which differs
                            # from build to build (the staging folder)
                            name=hashlib.sha1(path.name.encode())
                            .hexdigest()[:16])]
        from reportlab.lib.utils import ImageReader
        reader = ImageReader(str(path))
        w, h = reader.getSize()
        # CSS pixels: the size the page shows, 96 to the inch
        return [Graphic(str(path), w * 0.75, h * 0.75, kind="image")]


BLOCK = {nodes.figure: Figures.figure, nodes.image: Figures.image}
