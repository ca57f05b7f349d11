"""Text: sections, paragraphs, display math, lists, admonitions,
tables, included listings, code cells and framework tab sets."""

import re
from pathlib import Path

from docutils import nodes
from sphinx import addnodes

from .inlines import escape

# A top-level amsmath environment: MathJax reads it without $$.
AMS_ENVIRONMENT = re.compile(
    r"\\begin\{(align|alignat|equation|gather|multline|flalign|eqnarray)"
    r"\*?\}")


class Text:
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
        parts = [self.inlines(child).strip() for child in node.children]
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


def anchored(node, text):
    """`text` after an HTML anchor for each of node's ids."""
    ids = node.get("ids", [])
    if not ids:
        return text
    return "".join(f'<a id="{i}"></a>' for i in ids) + "\n\n" + text


BLOCK = {
    nodes.section: Text.section,
    nodes.paragraph: Text.paragraph,
    nodes.rubric: Text.rubric,
    nodes.math_block: Text.math_block,
    nodes.bullet_list: Text.bullet_list,
    nodes.enumerated_list: Text.bullet_list,
    nodes.admonition: Text.admonition,
    nodes.table: Text.table,
    nodes.literal_block: Text.literal_block,
    nodes.container: Text.container,
    nodes.raw: Text.raw,
    nodes.definition_list: Text.definition_list,
    nodes.target: Text.skip,
    nodes.comment: Text.skip,
    nodes.substitution_definition: Text.skip,
    nodes.title: Text.skip,
    addnodes.seealso: Text.admonition,
    addnodes.glossary: Text.container,
}
for _name in ("note", "tip", "hint", "important", "warning", "caution",
              "attention", "danger", "error"):
    BLOCK[getattr(nodes, _name)] = Text.admonition
