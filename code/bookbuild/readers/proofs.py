"""sphinx-proof's and sphinx-exercise's blocks: a definition, theorem,
proof or exercise headed in bold with the site's number; a solution
folded into ``<details>``, its code cells after it, folded too. They
are dispatched by :func:`bookbuild.doctrees.is_proof` and
:func:`~bookbuild.doctrees.is_exercise` (their node classes are many)."""

from docutils import nodes

from ..editions import proof_word
from .text import anchored


class Proofs:
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
