"""Sections: a chapter's title page head, section headings (and, in the
proofs view, headings held back until a proof block comes under them),
and the parts of the book."""

from docutils import nodes
from reportlab.platypus import Spacer
from reportlab.platypus.doctemplate import NotAtTopPageBreak

from ..fonts import FONTS
from ..labels import word
from ..inline import RichParagraph
from ..layout import BODY_SIZE
from ..runs import Run, text_runs
from . import dest_name

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI", 7: "VII",
         8: "VIII", 9: "IX", 10: "X"}


class Sections:
    def section(self, node, depth: int) -> list:
        title = node.next_node(nodes.title)
        ids = [dest_name(self.docname, i) for i in node["ids"]]
        level = depth + 1
        head: list = []
        if title is not None and title.parent is node:
            runs = self.inlines(title, {"b"})
            text = title.astext()
            if level == 1:
                self.chapter_title = text
                key = dest_name(self.docname)
                ids = [key] + ids
                head = self.chapter_head(runs, text, key, ids)
            else:
                size = {2: 14.0, 3: 12.0}.get(level, BODY_SIZE)
                style = {"b"} if level <= 3 else {"b", "i"}
                runs = self.inlines(title, style, size=size)
                key = ids[0] if ids else dest_name(self.docname, text)
                para = RichParagraph(
                    runs, size=size, leading=size * 1.3, space_before=10,
                    space_after=5, link_color=False, align="left",
                    dest=ids,
                    outline=(text, min(level - 1, 2) + self.depth, key),
                    keep_with_next=True)
                if level == 2 and not self.depth:
                    # the contents lists the sections of pages outside
                    # the parts only; the outline has them all
                    para.toc_entry = (1, text, key)
                head = [para]
            self.emitted.update(ids)
        body = [c for c in node.children if c is not title]
        if self.keep_all:
            return head + self.blocks(body, depth + 1)
        # proofs view: headings wait for a proof block below them
        saved = list(self.pending)
        self.pending = [p for p in self.pending
                        if getattr(p, "level", 0) < level] + [
            _levelled(h, level) for h in head]
        out = self.blocks(body, depth + 1)
        if not out:
            self.pending = saved
            for i in ids:
                self.emitted.discard(i)
        return out

    def chapter_head(self, runs, text, key, ids) -> list:
        url = self.web_url(self.docname, "")
        for run in runs:
            if isinstance(run, Run):
                run.size = 22
        head = RichParagraph(runs, size=22, leading=27, space_after=4,
                             align="left", dest=ids,
                             outline=(text, self.depth, key),
                             keep_with_next=True, link_color=False)
        head.toc_entry = (self.depth, text, key)
        head.chapter_title = text
        online = RichParagraph(
            text_runs(word("read online"), FONTS["italic"], 9)
            + text_runs(url, FONTS["mono"], 8, ["url", url]),
            size=9, leading=12, space_after=14, align="left",
            keep_with_next=True)
        return [head, online]

    def part_head(self, number: int, caption: str) -> list:
        """A part's title: a page of its own in the book, a heading in
        the proofs; the top level of the outline and the contents."""
        key = dest_name(f"part-{number}")
        text = word("part").format(ROMAN[number], number) + caption
        head = RichParagraph(text_runs(text, FONTS["bold"], 24), size=24,
                             leading=30, space_after=18, align="left",
                             dest=[key], outline=(text, 0, key),
                             keep_with_next=not self.keep_all,
                             link_color=False)
        head.toc_entry = (0, text, key)
        if not self.keep_all:
            return [head]
        # a page of its own: no running header of the previous chapter
        head.chapter_title = text
        return [Spacer(1, 200), head, NotAtTopPageBreak()]


def _levelled(flowable, level: int):
    flowable.level = level
    return flowable


BLOCK = {nodes.section: Sections.section}
