"""The walker: Sphinx's resolved doctrees -> flowables, one table of
small handlers (as markdown-it's rules), one signature each.

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

import hashlib
import posixpath
import re
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx_proof.nodes import proof_node as _PROOF_NODE
from pygments import lex
from pygments.lexers import PythonLexer, get_lexer_by_name
from pygments.styles import get_style_by_name
from pygments.util import ClassNotFound
from reportlab.lib.colors import Color
from reportlab.platypus import Spacer, Table, TableStyle
from reportlab.platypus.doctemplate import Indenter, NotAtTopPageBreak
from reportlab.platypus.flowables import ListFlowable, ListItem

from . import mathbox
from .fonts import FONTS, MUTED_COLOR, text_font
from .inline import MathRun, RichParagraph, Run, text_runs
from .layout import (BODY_SIZE, LEADING, MATH_SCALE, Anchor, CodeBlock,
                     DisplayMath, Graphic, box, hexcolor)

_STYLE = get_style_by_name("default")
# ANSI colour codes (rich's text/plain of a Keras summary, coloured
# streams): the PDF prints the text without them
_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_KIND_GROUP = {
    "theorem": "statement", "lemma": "statement", "corollary": "statement",
    "proposition": "statement", "conjecture": "statement",
    "criterion": "statement", "axiom": "statement", "property": "statement",
    "definition": "definition", "notation": "definition",
    "assumption": "definition",
}


ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V", 6: "VI", 7: "VII",
         8: "VIII", 9: "IX", 10: "X"}


def dest_name(docname: str, anchor: str = "") -> str:
    """A PDF destination name for a document or an id inside it."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", f"{docname}--{anchor}")


def is_proof(node) -> bool:
    return type(node).__module__.startswith("sphinx_proof.") and \
        isinstance(node, nodes.Admonition)


def is_exercise(node) -> bool:
    return type(node).__module__.startswith("sphinx_exercise.") and \
        isinstance(node, nodes.Admonition)


class Walker:
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
        self.in_pdf = {d for d, _ in docs}
        self.links: list = []            # [kind, target] to finish
        self.emitted: set = set()        # destinations on the pages
        self.chapters: list = []         # (title, counts) per chapter
        self.math: list = []             # every (latex, size, display)
        self.docname = ""
        self.keep_all = view == "book"
        self.pending: list = []          # proofs view: headings to come

    # ---------------------------------------------------------- the story
    def flowables(self) -> list:
        out: list = []
        parts_done: set = set()
        for i, (docname, tree) in enumerate(self.docs):
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

    # ---------------------------------------------------------- sections
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
            text_runs("Read online: ", FONTS["italic"], 9)
            + text_runs(url, FONTS["mono"], 8, ["url", url]),
            size=9, leading=12, space_after=14, align="left",
            keep_with_next=True)
        return [head, online]

    def part_head(self, number: int, caption: str) -> list:
        """A part's title: a page of its own in the book, a heading in
        the proofs; the top level of the outline and the contents."""
        key = dest_name(f"part-{number}")
        text = f"Part {ROMAN[number]}. {caption}"
        head = RichParagraph(text_runs(text, FONTS["bold"], 24), size=24,
                             leading=30, space_after=18, align="left",
                             dest=[key], outline=(text, 0, key),
                             keep_with_next=not self.keep_all,
                             link_color=False)
        head.toc_entry = (0, text, key)
        if not self.keep_all:
            return [head]
        return [Spacer(1, 200), head, NotAtTopPageBreak()]

    # ---------------------------------------------------------- text blocks
    def paragraph(self, node, depth) -> list:
        runs = self.inlines(node, set())
        if not runs:
            return []
        return [RichParagraph(runs, size=BODY_SIZE, leading=LEADING,
                              space_after=6)]

    def citation(self, node, depth) -> list:
        """A bibliography entry: its label, then its text, one paragraph
        with a hanging indent."""
        label = node.next_node(nodes.label)
        runs = text_runs(f"[{label.astext()}] " if label else "",
                         FONTS["bold"], BODY_SIZE)
        for child in node.children:
            if isinstance(child, nodes.paragraph):
                runs += self.inlines(child, set())
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
                         if c not in ("admonition", "dropdown")), "Note")
            runs = text_runs(name.title(), FONTS["bold"], BODY_SIZE)
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

    # ---------------------------------------------------------- code
    def literal_block(self, node, depth) -> list:
        classes = node.get("classes", [])
        text = node.astext().expandtabs(4).rstrip("\n")
        if "output" in classes:
            text = _ANSI.sub("", text)
            kind = "error" if ("traceback" in classes or "stderr" in classes
                               or "error" in classes) else "output"
            lines = [[(line, Color(0, 0, 0), False)]
                     for line in text.split("\n")]
            return [CodeBlock(lines, kind)]
        return [CodeBlock(highlight(text, node.get("language", ""),
                                    node.get("source", "")))]

    def container(self, node, depth) -> list:
        component = node.get("design_component", "")
        if component == "tab-set":
            return self.tab_set(node, depth)
        return self.blocks(node.children, depth)

    def tab_set(self, node, depth) -> list:
        out: list = []
        label = None
        for child in node.children:
            if type(child).__name__ == "sd_tab_label":
                label = child.astext().strip()
            elif isinstance(child, nodes.container):
                head = RichParagraph(
                    text_runs(label or "", FONTS["bolditalic"], 9.5),
                    size=9.5, leading=12, space_before=3, space_after=1,
                    align="left", keep_with_next=True)
                out.append(head)
                out.extend(self.blocks(child.children, depth))
        return out

    def raw(self, node, depth) -> list:
        if node.get("format") != "html" or "output" not in node.get(
                "classes", []):
            return []
        cell = node.parent
        while cell is not None and "cell_index" not in cell.attributes:
            cell = cell.parent
        if cell is None:
            return []
        outputs = self.plain_outputs(self.docname, int(cell["cell_index"]))
        index = sum(1 for n in node.parent.children[:node.parent.index(node)]
                    if isinstance(n, nodes.raw))
        if index >= len(outputs):
            self.warn("an HTML output without a text/plain form: not in "
                      "the PDF", node)
            return []
        text = _ANSI.sub("", outputs[index]).rstrip("\n")
        lines = [[(line, Color(0, 0, 0), False)]
                 for line in text.split("\n")]
        return [CodeBlock(lines, "output")]

    # ---------------------------------------------------------- figures
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
        from ..downloads import image_file
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
            from svglib.svglib import svg2rlg
            drawing = svg2rlg(str(path))
            if drawing is None:
                self.warn(f"SVG {uri} cannot be read", node)
                return []
            return [Graphic(drawing, drawing.width, drawing.height,
                            # by content (the file's name), not by the
                            # path, which names the staging folder
                            name=hashlib.sha1(path.name.encode())
                            .hexdigest()[:16])]
        from reportlab.lib.utils import ImageReader
        reader = ImageReader(str(path))
        w, h = reader.getSize()
        # CSS pixels: the size the page shows, 96 to the inch
        return [Graphic(str(path), w * 0.75, h * 0.75, kind="image")]

    # ---------------------------------------------------------- proofs
    def proof_block(self, node, depth) -> list:
        if isinstance(node, _PROOF_NODE):
            return self.proof(node, depth)
        title = node.next_node(nodes.title)
        kind = node.get("realtype") or type(node).__name__[:-5]
        number = None
        if node.get("countertype") or "label" in node:
            number = self.number(node, node.get("countertype") or kind)
        name = kind.title() + (f" {number}" if number else "")
        head = text_runs(name, FONTS["bold"], BODY_SIZE)
        if title is not None and title.astext().strip():
            head += self.inlines(title, {"b"})
        head += text_runs(". ", FONTS["bold"], BODY_SIZE)
        content = [c for c in node.children if c is not title]
        body = self.blocks(content, depth)
        self.counts["numbered"] += number is not None
        flow = _run_in(head, body)
        key = dest_name(self.docname, node["ids"][0]) if node.get("ids") \
            else None
        outline_title = name + (f" ({title.astext().strip(' ()')})"
                                if title is not None
                                and title.astext().strip() else "")
        if key and not self.keep_all_book():
            flow.insert(0, Anchor([key], outline=(outline_title,
                                                  min(depth, 3), key)))
            self.emitted.add(key)
        return box(_KIND_GROUP.get(kind, "other"), flow)

    def keep_all_book(self) -> bool:
        return self.view == "book"

    def proof(self, node, depth) -> list:
        content = node.children
        if len(content) == 1 and isinstance(content[0], nodes.admonition):
            content = content[0].children
        body = self.blocks(content, depth)
        first = body[0] if body else None
        if isinstance(first, RichParagraph) and first.runs and \
                isinstance(first.runs[0], Run) and \
                first.runs[0].text.startswith("Proof."):
            run = first.runs[0]
            rest = run.text[len("Proof."):]
            first.runs[0:1] = text_runs("Proof.", FONTS["italic"],
                                        run.size) + (
                [Run(rest, run.font, run.size, run.link)] if rest else [])
        last = body[-1] if body else None
        if isinstance(last, RichParagraph):
            last.end_mark = "∎"
        elif isinstance(last, DisplayMath) and last.number is None:
            last.end_mark = "∎"
        else:
            body.append(RichParagraph([], size=BODY_SIZE, leading=LEADING,
                                      end_mark="∎"))
        self.counts["proof"] += 1
        return [Spacer(0, 2)] + body + [Spacer(0, 6)]

    def exercise(self, node, depth) -> list:
        title = node.next_node(nodes.title)
        content = [c for c in node.children if c is not title]
        if type(node).__name__.startswith("solution"):
            head = self.inlines(title, {"b"}) if title is not None else []
            head += text_runs(". ", FONTS["bold"], BODY_SIZE)
            return box("solution", _run_in(head, self.blocks(content,
                                                                 depth)))
        number = self.number(node, "exercise") if node.get("ids") else None
        head = text_runs("Exercise" + (f" {number}" if number else ""),
                         FONTS["bold"], BODY_SIZE)
        if title is not None and title.astext().strip():
            head += self.inlines(title, {"b"})
        head += text_runs(". ", FONTS["bold"], BODY_SIZE)
        return box("exercise", _run_in(head, self.blocks(content, depth)))

    # ---------------------------------------------------------- numbers
    def number(self, node, figtype: str) -> str | None:
        ids = node.get("ids") or []
        if not ids:
            return None
        found = self.fignumbers.get(self.docname, {}).get(figtype, {}).get(
            ids[0])
        return ".".join(map(str, found)) if found else None

    # ---------------------------------------------------------- math
    def layout_math(self, latex, display, node, size=BODY_SIZE):
        key = (latex, size * MATH_SCALE, display)
        self.math.append(key)
        try:
            return mathbox.layout(*key)
        except mathbox.MathLayoutError as exc:
            self.warn(str(exc), node)
            return None

    # ---------------------------------------------------------- inlines
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


def _levelled(flowable, level: int):
    flowable.level = level
    return flowable


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


def highlight(text: str, language: str, source: str = "") -> list:
    """Lines of (text, colour, bold) segments in Pygments' colours."""
    name = language or ""
    if name in ("default", "") and source.endswith(".py"):
        name = "python"
    try:
        lexer = PythonLexer() if name.startswith(("ipython", "python")) \
            else get_lexer_by_name(name)
    except ClassNotFound:
        lexer = None
    if lexer is None:
        return [[(line, Color(0, 0, 0), False)] for line in text.split("\n")]
    lines, line = [], []
    for token, value in lex(text, lexer):
        spec = _STYLE.style_for_token(token)
        color = hexcolor(spec["color"])
        for i, piece in enumerate(value.split("\n")):
            if i:
                lines.append(line)
                line = []
            if piece:
                line.append((piece, color, bool(spec["bold"])))
    lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return lines


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
BLOCK = {
    nodes.section: Walker.section,
    nodes.paragraph: Walker.paragraph,
    nodes.rubric: Walker.rubric,
    nodes.citation: Walker.citation,
    nodes.math_block: Walker.math_block,
    nodes.bullet_list: Walker.bullet_list,
    nodes.enumerated_list: Walker.bullet_list,
    nodes.block_quote: Walker.block_quote,
    nodes.admonition: Walker.admonition,
    nodes.note: Walker.admonition,
    nodes.tip: Walker.admonition,
    nodes.hint: Walker.admonition,
    nodes.important: Walker.admonition,
    nodes.warning: Walker.admonition,
    nodes.caution: Walker.admonition,
    nodes.attention: Walker.admonition,
    nodes.danger: Walker.admonition,
    nodes.error: Walker.admonition,
    addnodes.seealso: Walker.admonition,
    nodes.table: Walker.table,
    nodes.literal_block: Walker.literal_block,
    nodes.container: Walker.container,
    nodes.raw: Walker.raw,
    nodes.figure: Walker.figure,
    nodes.image: Walker.image,
    nodes.target: Walker.skip,
    nodes.comment: Walker.skip,
    nodes.substitution_definition: Walker.skip,
    nodes.title: Walker.skip,
}

#: inline node type -> handler(walker, node, style, size, link) -> runs
INLINE = {
    nodes.emphasis: Walker.styled("i"),
    nodes.strong: Walker.styled("b"),
    nodes.literal: Walker.literal,
    nodes.math: Walker.math,
    nodes.reference: Walker.reference,
    addnodes.number_reference: Walker.reference,
    nodes.target: Walker.skip_inline,
    nodes.raw: Walker.skip_inline,
    nodes.footnote_reference: Walker.skip_inline,
    nodes.image: Walker.skip_inline,
}
