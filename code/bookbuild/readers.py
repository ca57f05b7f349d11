"""The readers' notebook: a page as Jupyter and Colab show it.

A page's source is MyST: directives, roles, glue and includes that
only the book's build understands. Its download and its Colab target
are made instead from what the site shows: the page's resolved doctree
(numbers, link texts, glued values and included code already in place)
written out as plain Markdown cells, with the executed notebook's code
cells and outputs between them, in the page's order.

- a section is a heading, with an anchor for each of its ids;
- a definition, theorem, proof, exercise is a block headed in bold with
  the site's number (not a quotation: Jupyter would take the quotation
  marks into its display mathematics); a solution folds into
  ``<details>``, its code cells after it, folded too;
- a reference is a link to the published page and anchor, with the
  site's link text (``#anchor`` within the page);
- a labelled equation keeps its number (``\\tag``);
- an included listing is a fenced block, after a line naming its file;
- a figure is its image, attached to the cell, and its numbered caption;
- a framework tab set is each tab's label, then its cells;
- a code cell the page hides entirely (``remove-cell``) stays, folded.

Nodes are dispatched through tables keyed by node type, as in
:mod:`bookbuild.pdf.walker`; a node type no handler knows is written
through its children.

Longer than bookbuild's other modules (about 460 lines): one Writer and
its handler tables, in the order a page is written. The PDF walker
(:mod:`bookbuild.pdf.rules`) shows how it could be split by feature.
"""

import base64
import mimetypes
import posixpath
import re
from pathlib import Path

import nbformat
from docutils import nodes
from sphinx import addnodes

from . import doctrees
from .doctrees import is_exercise, is_proof
from .editions import proof_word

ESCAPE = re.compile(r"([\\`*_\[\]$<>|])")
# A top-level amsmath environment: MathJax reads it without $$.
AMS_ENVIRONMENT = re.compile(
    r"\\begin\{(align|alignat|equation|gather|multline|flalign|eqnarray)"
    r"\*?\}")


class Writer:
    """Writes one page's resolved doctree as Markdown between cells.

    ``fignumbers``: Sphinx's ``env.toc_fignumbers``; ``site``: the
    published site's address (ending in "/"); ``root``: the repository,
    to name included files; ``image_file(uri)``: the file of an image.
    """

    def __init__(self, docname, *, fignumbers, site, root, image_file):
        self.docname, self.fignumbers = docname, fignumbers
        self.site, self.root, self.image_file = site, Path(root), image_file
        self.attachments = {}

    # ---------------------------------------------------------- blocks
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
        """Markdown of items that must not hold cells (a cell inside is
        an error of the page's structure: say so in the text)."""
        return "\n\n".join(i for i in items if isinstance(i, str))

    def section(self, node, depth):
        title = node.next_node(nodes.title)
        if title is None or title.parent is not node:
            # a directive's body (sphinx-proof wraps it in a section)
            return self.blocks(node.children, depth)
        head = "#" * min(depth + 1, 6) + " " + self.inlines(title)
        body = [c for c in node.children if c is not title]
        return [anchored(node, head)] + self.blocks(body, depth + 1)

    def paragraph(self, node, depth):
        text = self.inlines(node).strip()
        return [text] if text else []

    def rubric(self, node, depth):
        return [f"**{self.inlines(node).strip()}**"]

    def math_block(self, node, depth):
        latex = node.astext().strip()
        number = node.get("number")
        if node.get("nowrap") or AMS_ENVIRONMENT.match(latex):
            return [anchored(node, latex)]
        tag = f" \\tag{{{number}}}" if number else ""
        return [anchored(node, f"$$\n{latex}{tag}\n$$")]

    def bullet_list(self, node, depth):
        ordered = isinstance(node, nodes.enumerated_list)
        lines = []
        for n, item in enumerate(node.children, start=1):
            marker = f"{n}. " if ordered else "- "
            body = self.text_of(self.blocks(item.children, depth))
            pad = " " * len(marker)
            lines.append(marker + body.replace("\n", "\n" + pad))
        return ["\n".join(lines)]

    def admonition(self, node, depth):
        title = node.next_node(nodes.title)
        if title is not None and title.parent is node:
            name = self.inlines(title).strip()
        else:
            name = type(node).__name__.replace("seealso", "See also") \
                .replace("_", " ").capitalize()
        content = [c for c in node.children if c is not title]
        items = self.blocks(content, depth)
        text = self.text_of(items)
        return [f"**{name}.** {text}"] + \
            [i for i in items if not isinstance(i, str)]

    def table(self, node, depth):
        rows = []
        for row in node.findall(nodes.row):
            rows.append([self.inlines_of_blocks(entry).replace("|", "\\|")
                         for entry in row.children])
        if not rows:
            return []
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        lines = ["| " + " | ".join(rows[0]) + " |",
                 "| " + " | ".join(["---"] * width) + " |"]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        out = "\n".join(lines)
        caption = node.next_node(nodes.title)
        if caption is not None:
            number = self.number(node, "table")
            head = f"Table {number}. " if number else ""
            out = f"*{head}{self.inlines(caption).strip()}*\n\n" + out
        return [out]

    def inlines_of_blocks(self, node):
        parts = []
        for child in node.children:
            if isinstance(child, nodes.TextElement):
                parts.append(self.inlines(child).strip())
            else:
                parts.append(self.inlines(child).strip())
        return " ".join(p for p in parts if p).replace("\n", " ")

    def literal_block(self, node, depth):
        code = node.astext()
        language = node.get("language", "python")
        if language in ("default", "ipython3", "ipython"):
            language = "python"
        fence = "```"
        while fence in code:
            fence += "`"
        block = f"{fence}{language}\n{code}\n{fence}"
        source = node.get("source")
        if source and Path(source).is_file():
            try:
                name = Path(source).resolve().relative_to(self.root)
            except ValueError:  # outside the book: the file's name only
                name = Path(Path(source).name)
            found = re.match(
                r"\s*(?:@.*\n\s*)*(?:async\s+)?(?:def|class)\s+(\w+)", code)
            what = f", `{found.group(1)}`" if found else ""
            block = f"From `{name.as_posix()}`{what}:\n\n" + block
        return [block]

    def container(self, node, depth):
        if node.get("nb_element") == "cell_code":
            return [("cell", int(node["cell_index"]))]
        if node.get("design_component") == "tab-set":
            out, label = [], None
            for child in node.children:
                if type(child).__name__ == "sd_tab_label":
                    label = child.astext().strip()
                elif isinstance(child, nodes.container):
                    if label:
                        out.append(f"**{escape(label)}**")
                    out.extend(self.blocks(child.children, depth))
            return out
        return self.blocks(node.children, depth)

    def raw(self, node, depth):
        if node.get("format") == "html" and \
                "output" not in node.get("classes", []):
            return [node.astext()]
        return []

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

    def definition_list(self, node, depth):
        out = []
        for item in node.children:
            term = item.next_node(nodes.term)
            definition = item.next_node(nodes.definition)
            body = self.text_of(self.blocks(definition.children, depth))
            out.append(anchored(
                term, f"**{self.inlines(term).strip()}**: {body}"))
        return out

    def skip(self, node, depth):
        return []

    # ---------------------------------------------------------- proofs
    def proof_block(self, node, depth):
        title = node.next_node(nodes.title)
        content = [c for c in node.children if c is not title]
        if type(node).__name__ == "proof_node":
            if len(content) == 1 and isinstance(content[0],
                                                nodes.admonition):
                content = content[0].children
            items = self.blocks(content, depth)
            text = self.text_of(items)
            word = proof_word(text) or "Proof."
            text = f"*{word}* " + text.removeprefix(word).lstrip()
            return [text + " ∎"] + [i for i in items if isinstance(i, tuple)]
        kind = node.get("realtype") or type(node).__name__[:-5]
        number = self.number(node, node.get("countertype") or kind) \
            if (node.get("countertype") or "label" in node) else None
        name = kind.title() + (f" {number}" if number else "")
        if title is not None and title.astext().strip():
            name += f" ({self.inlines(title).strip().strip('()')})"
        return self.boxed(node, name, content, depth)

    def boxed(self, node, name, content, depth):
        items = self.blocks(content, depth)
        text = self.text_of(items)
        cells = [i for i in items if isinstance(i, tuple)]
        return [anchored(node, f"**{name}.** {text}")] + cells

    def exercise(self, node, depth):
        title = node.next_node(nodes.title)
        content = [c for c in node.children if c is not title]
        heading = self.inlines(title).strip() if title is not None else ""
        if type(node).__name__.startswith("solution"):
            items = self.blocks(content, depth)
            text = self.text_of(items)
            # its code cells follow, folded: a Markdown cell cannot hold
            # them
            cells = [("folded", i[1]) for i in items if isinstance(i, tuple)]
            return [f"<details>\n<summary>{heading}</summary>\n\n{text}"
                    "\n\n</details>"] + cells
        number = self.number(node, "exercise")
        name = "Exercise" + (f" {number}" if number else "")
        if heading and heading != name:
            name += f" ({heading.strip('()')})"
        return self.boxed(node, name, content, depth)

    def number(self, node, figtype):
        return doctrees.number(self.fignumbers, self.docname, node, figtype)

    # ---------------------------------------------------------- inlines
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

    def inline_image(self, node):
        return self.image_markdown(node)

    def skip_inline(self, node):
        return ""


def anchored(node, text):
    """`text` after an HTML anchor for each of node's ids."""
    ids = node.get("ids", [])
    if not ids:
        return text
    return "".join(f'<a id="{i}"></a>' for i in ids) + "\n\n" + text


def escape(text):
    return ESCAPE.sub(r"\\\1", text)


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
BLOCK = {
    nodes.section: Writer.section,
    nodes.paragraph: Writer.paragraph,
    nodes.rubric: Writer.rubric,
    nodes.math_block: Writer.math_block,
    nodes.bullet_list: Writer.bullet_list,
    nodes.enumerated_list: Writer.bullet_list,
    nodes.admonition: Writer.admonition,
    nodes.table: Writer.table,
    nodes.literal_block: Writer.literal_block,
    nodes.container: Writer.container,
    nodes.raw: Writer.raw,
    nodes.figure: Writer.figure,
    nodes.image: Writer.image,
    nodes.definition_list: Writer.definition_list,
    nodes.target: Writer.skip,
    nodes.comment: Writer.skip,
    nodes.substitution_definition: Writer.skip,
    nodes.title: Writer.skip,
    addnodes.seealso: Writer.admonition,
    addnodes.glossary: Writer.container,
}

#: inline node type -> handler(writer, node) -> Markdown
INLINE = {
    nodes.emphasis: Writer.emphasis,
    nodes.strong: Writer.strong,
    nodes.literal: Writer.literal,
    nodes.math: Writer.math,
    nodes.reference: Writer.reference,
    addnodes.number_reference: Writer.reference,
    nodes.image: Writer.inline_image,
    nodes.target: Writer.skip_inline,
    nodes.raw: Writer.skip_inline,
    nodes.footnote_reference: Writer.skip_inline,
}
for _name in ("note", "tip", "hint", "important", "warning", "caution",
              "attention", "danger", "error"):
    BLOCK[getattr(nodes, _name)] = Writer.admonition


def readers_notebook(doctree, executed, writer):
    """The readers' notebook: `executed` (nbformat 4, with outputs) with
    its Markdown cells replaced by `writer`'s Markdown of `doctree`."""
    items = writer.blocks(doctree.children, 0)
    shown = [i[1] for i in items if isinstance(i, tuple)]
    code = [n for n, c in enumerate(executed.cells)
            if c.cell_type == "code"]
    hidden = [n for n in code if n not in shown]
    cells, markdown, count = [], [], 0

    def flush():
        nonlocal count
        if markdown:
            cell = nbformat.v4.new_markdown_cell("\n\n".join(markdown))
            used = {k: v for k, v in writer.attachments.items()
                    if f"attachment:{k})" in cell.source}
            if used:
                cell.attachments = used
            count += 1
            cell.id = f"md-{count}"
            cells.append(cell)
            markdown.clear()

    def code_cell(n, folded=False, answer=False):
        cell = nbformat.from_dict(executed.cells[n])
        cell.outputs = [o for o in cell.get("outputs", [])
                        if "scrapbook" not in o.get("metadata", {})]
        if folded or answer:
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
        if answer:
            cell.metadata["jupyter"]["outputs_hidden"] = True
        return cell

    def hidden_before(n):
        while hidden and hidden[0] < n:
            cells.append(code_cell(hidden.pop(0), folded=True))

    for item in items:
        if isinstance(item, tuple):
            flush()
            hidden_before(item[1])
            cells.append(code_cell(item[1], answer=item[0] == "folded"))
        elif item.strip():
            markdown.append(item.strip())
    flush()
    hidden_before(len(executed.cells))
    notebook = nbformat.v4.new_notebook(metadata=executed.metadata)
    notebook.cells = cells
    return notebook
