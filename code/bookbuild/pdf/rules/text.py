"""Text blocks: paragraphs, bibliography entries, rubrics, display
math, lists, quotations, admonitions and tables."""

from docutils import nodes
from reportlab.platypus import Spacer, Table, TableStyle
from reportlab.platypus.doctemplate import Indenter
from reportlab.platypus.flowables import ListFlowable, ListItem
from sphinx import addnodes

from ..fonts import FONTS, MUTED_COLOR
from ..inline import RichParagraph
from ..labels import word
from ..layout import BODY_SIZE, LEADING, DisplayMath, box
from ..runs import text_runs


class Text:
    def paragraph(self, node, depth) -> list:
        runs = self.inlines(node, set())
        if not runs:
            return []
        return [RichParagraph(runs, size=BODY_SIZE, leading=LEADING,
                              space_after=6)]

    def citation(self, node, depth) -> list:
        """A bibliography entry: its label, then its text, one paragraph.

        Only the entry's first paragraph: in the doctree the export
        resolves during a build, an entry can carry its formatted text
        twice."""
        label = node.next_node(nodes.label)
        runs = text_runs(f"[{label.astext()}] " if label else "",
                         FONTS["bold"], BODY_SIZE)
        text = next((child for child in node.children
                     if isinstance(child, nodes.paragraph)), None)
        if text is not None:
            runs += self.inlines(text, set())
        return [RichParagraph(runs, size=BODY_SIZE, leading=LEADING,
                              space_after=4, align="left")]

    def rubric(self, node, depth) -> list:
        return [RichParagraph(self.inlines(node, {"b"}), size=BODY_SIZE,
                              leading=LEADING, space_before=4,
                              space_after=4, keep_with_next=True,
                              align="left")]

    def math_block(self, node, depth) -> list:
        latex = node.astext()
        box = self.layout_math(latex, True, node)
        if box is None:
            return []
        number = self.number(node, "displaymath")
        return [DisplayMath(box, number)]

    def bullet_list(self, node, depth) -> list:
        ordered = isinstance(node, nodes.enumerated_list)
        items = [ListItem(self.blocks(item.children, depth)
                          or [Spacer(0, 0)]) for item in node.children
                 if isinstance(item, nodes.list_item)]
        if not items:
            return []
        return [ListFlowable(
            items, bulletType="1" if ordered else "bullet",
            start=node.get("start", 1) if ordered else "•",
            bulletFormat="%s." if ordered else None,
            bulletFontName=FONTS["serif"], bulletFontSize=BODY_SIZE,
            leftIndent=16, spaceAfter=4)]

    def block_quote(self, node, depth) -> list:
        return [Indenter(14, 0), *self.blocks(node.children, depth),
                Indenter(-14, 0)]

    def admonition(self, node, depth) -> list:
        title = node.next_node(nodes.title)
        if title is not None and title.parent is node:
            runs = self.inlines(title, {"b"})
        else:
            name = next((c for c in node["classes"]
                         if c not in ("admonition", "dropdown")), "note")
            try:
                name = word(name)
            except KeyError:
                name = name.title()
            runs = text_runs(name, FONTS["bold"], BODY_SIZE)
        body = self.blocks([c for c in node.children if c is not title],
                           depth)
        return box("other", _run_in(runs, body))

    def table(self, node, depth) -> list:
        group = node.next_node(nodes.tgroup)
        if group is None:
            return []
        widths = [c.get("colwidth", 1) for c in group.findall(nodes.colspec)]
        rows, head = [], 0
        for part in group.children:
            if not isinstance(part, (nodes.thead, nodes.tbody)):
                continue
            for row in part.children:
                cells = []
                for entry in row.children:
                    style = {"b"} if isinstance(part, nodes.thead) else set()
                    cells.append([RichParagraph(
                        self.inlines(p, style), size=9.5, leading=12.5,
                        space_after=2, align="left")
                        for p in entry.findall(nodes.paragraph)])
                rows.append(cells)
                head += isinstance(part, nodes.thead)
        total = sum(widths) or 1
        full = 460
        table = Table(rows, colWidths=[full * w / total for w in widths],
                      repeatRows=head, hAlign="LEFT")
        rules = [
            ("LINEBELOW", (0, head - 1), (-1, head - 1), 0.6, MUTED_COLOR),
            ("LINEBELOW", (0, -1), (-1, -1), 0.6, MUTED_COLOR),
            ("LINEABOVE", (0, 0), (-1, 0), 0.6, MUTED_COLOR),
        ] if head else []
        table.setStyle(TableStyle([
            # the cells' own font (else ReportLab's Helvetica, which is
            # not embedded, is named on the page)
            ("FONTNAME", (0, 0), (-1, -1), FONTS["serif"]),
            ("VALIGN", (0, 0), (-1, -1), "TOP"), *rules]))
        caption = node.next_node(nodes.title)
        out = [table, Spacer(0, 6)]
        if caption is not None and caption.parent is node:
            number = self.number(node, "table")
            head = text_runs(f"Table {number}. " if number else "",
                             FONTS["bold"], 9.5)
            out.insert(0, RichParagraph(head + self.inlines(caption, {"b"}),
                                        size=9.5, leading=12,
                                        keep_with_next=True))
        return out

    def skip(self, node, depth) -> list:
        return []


def _run_in(head: list, body: list) -> list:
    """``head`` runs into the first paragraph of ``body``, or stands
    as a paragraph of its own before it."""
    first = body[0] if body else None
    if isinstance(first, RichParagraph):
        first.runs[:0] = head
    else:
        body.insert(0, RichParagraph(head, size=BODY_SIZE, leading=LEADING,
                                     space_after=4, keep_with_next=True))
    return body


BLOCK = {
    nodes.paragraph: Text.paragraph,
    nodes.rubric: Text.rubric,
    nodes.citation: Text.citation,
    nodes.math_block: Text.math_block,
    nodes.bullet_list: Text.bullet_list,
    nodes.enumerated_list: Text.bullet_list,
    nodes.block_quote: Text.block_quote,
    nodes.admonition: Text.admonition,
    nodes.note: Text.admonition,
    nodes.tip: Text.admonition,
    nodes.hint: Text.admonition,
    nodes.important: Text.admonition,
    nodes.warning: Text.admonition,
    nodes.caution: Text.admonition,
    nodes.attention: Text.admonition,
    nodes.danger: Text.admonition,
    nodes.error: Text.admonition,
    addnodes.seealso: Text.admonition,
    nodes.table: Text.table,
    nodes.target: Text.skip,
    nodes.comment: Text.skip,
    nodes.substitution_definition: Text.skip,
    nodes.title: Text.skip,
}
