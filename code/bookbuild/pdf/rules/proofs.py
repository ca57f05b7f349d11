"""sphinx-proof's and sphinx-exercise's blocks: a numbered statement in
a box of its kind, proofs ending in ∎, exercises and solutions.

Their node classes are many (one per kind); the walker finds them by
:func:`is_proof` and :func:`is_exercise`, so they have no table."""

from docutils import nodes
from reportlab.platypus import Spacer
from sphinx_proof.nodes import proof_node

from ..fonts import FONTS
from ..inline import RichParagraph
from ...editions import proof_word
from ..labels import block_name, word
from ..layout import BODY_SIZE, LEADING, Anchor, DisplayMath, box
from ..runs import Run, text_runs
from . import dest_name
from .text import _run_in

_KIND_GROUP = {
    "theorem": "statement", "lemma": "statement", "corollary": "statement",
    "proposition": "statement", "conjecture": "statement",
    "criterion": "statement", "axiom": "statement", "property": "statement",
    "definition": "definition", "notation": "definition",
    "assumption": "definition",
}


class Proofs:
    def proof_block(self, node, depth) -> list:
        if isinstance(node, proof_node):
            return self.proof(node, depth)
        title = node.next_node(nodes.title)
        kind = node.get("realtype") or type(node).__name__[:-5]
        number = None
        if node.get("countertype") or "label" in node:
            number = self.number(node, node.get("countertype") or kind)
        name = block_name(kind) + (f" {number}" if number else "")
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
                proof_word(first.runs[0].text):
            run = first.runs[0]
            opener = proof_word(run.text)
            rest = run.text[len(opener):]
            first.runs[0:1] = text_runs(opener, FONTS["italic"],
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
        head = text_runs(word("exercise") + (f" {number}" if number else ""),
                         FONTS["bold"], BODY_SIZE)
        if title is not None and title.astext().strip():
            head += self.inlines(title, {"b"})
        head += text_runs(". ", FONTS["bold"], BODY_SIZE)
        return box("exercise", _run_in(head, self.blocks(content, depth)))

