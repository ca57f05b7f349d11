"""Parsing: the chapters' MyST source -> proof blocks, numbered.

The chapters are read with myst-parser's own markdown-it tokenizer,
configured with the book's extensions, so a block here is a block on
the website.  Directive options are parsed by myst-parser with the
directive classes of sphinx-proof and Sphinx themselves.  Numbers
follow sphinx-proof 0.4 under Sphinx's numfig in an unnumbered table
of contents: one counter per proof type and one for equations (every
labelled display and every unstarred amsmath environment), each
running through the whole book in table-of-contents order.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from docutils.nodes import make_id
from docutils.parsers.rst import directives
from markdown_it.renderer import RendererHTML
from markdown_it.tree import SyntaxTreeNode
from myst_parser.config.main import MdParserConfig
from myst_parser.parsers.directives import MarkupError, parse_directive_text
from myst_parser.parsers.mdit import create_md_parser
from sphinx.directives.patches import MathDirective
from sphinx_external_toc.parsing import parse_toc_yaml
from sphinx_proof.directive import ProofDirective
from sphinx_proof.proof_type import PROOF_TYPES

#: every sphinx-proof directive: the numbered types and `proof`
PROOF_KINDS = tuple(sorted(PROOF_TYPES)) + ("proof",)
ADMONITIONS = ("admonition", "note", "tip", "hint", "important", "warning",
               "caution", "attention", "danger", "error", "seealso")
CODE_DIRECTIVES = ("code", "code-block", "sourcecode", "code-cell")
REF_ROLES = ("prf:ref", "ref", "eq", "doc", "numref")
# directives whose body is not Markdown: never searched for proofs
_OPAQUE = CODE_DIRECTIVES + ("literalinclude", "raw", "math", "csv-table",
                             "list-table", "glue", "glue:figure",
                             "glue:any", "glue:math", "image", "include")


class ProofsSourceError(ValueError):
    """Bad input, with the file and line it was found at."""

    def __init__(self, path: Path | str, line: int, message: str):
        self.path, self.line, self.message = Path(path), line, message
        super().__init__(f"{path}:{line}: {message}")


# ---- the parsed document -------------------------------------------------

@dataclass
class Text:
    text: str
    style: frozenset = frozenset()      # {"b", "i", "code"}
    href: str | None = None


@dataclass
class InlineMath:
    latex: str
    line: int
    style: frozenset = frozenset()
    href: str | None = None


@dataclass
class Ref:
    role: str
    target: str
    text: str | None                    # an explicit title, or None
    line: int
    docname: str
    style: frozenset = frozenset()


@dataclass
class Para:
    inlines: list
    line: int


@dataclass
class MathBlock:
    latex: str
    line: int
    label: str | None = None
    number: int | None = None


@dataclass
class Code:
    text: str
    line: int


@dataclass
class ListBlock:
    ordered: bool
    start: int
    items: list                         # a list of block lists


@dataclass
class Quote:
    blocks: list
    title: list | None = None           # admonitions carry a title


@dataclass
class Heading:
    level: int
    inlines: list
    line: int
    anchor: str                          # the id of the web page's section


@dataclass
class ProofBlock:
    kind: str                           # "theorem", ..., "proof"
    title: list                         # inlines, maybe empty
    label: str | None
    number: int | None                  # None: proofs and :nonumber:
    body: list
    path: Path
    line: int
    docname: str
    headings: list                      # the section headings above it

    @property
    def name(self) -> str:
        """What the website calls it: "Theorem 3", "Remark", "Proof"."""
        kind = self.kind.title()
        return kind if self.number is None else f"{kind} {self.number}"

    @property
    def dest(self) -> str:
        """The PDF destination name of the block."""
        return f"prf-{self.label or f'{self.docname}-{self.line}'}"


@dataclass
class Chapter:
    docname: str
    path: Path
    title: list                          # inlines of the first heading
    blocks: list = field(default_factory=list)
    equations: list = field(default_factory=list)  # numbers, in or out

    @property
    def dest(self) -> str:
        return "doc-" + self.docname


@dataclass
class Book:
    """Everything the page layout needs, refs resolvable by label."""

    title: str
    author: str
    baseurl: str
    root: Path
    chapters: list
    proofs: dict = field(default_factory=dict)      # label -> ProofBlock
    equations: dict = field(default_factory=dict)   # label -> (n, doc, in)
    sections: dict = field(default_factory=dict)    # label -> (title, doc)
    titles: dict = field(default_factory=dict)      # docname -> title text

    def web_url(self, docname: str, anchor: str = "") -> str:
        url = docname + ".html" + (f"#{anchor}" if anchor else "")
        if self.baseurl:
            return self.baseurl.rstrip("/") + "/" + url
        return url


# ---- reading -------------------------------------------------------------

def markdown_parser(extensions) -> "MarkdownIt":
    """myst-parser's markdown-it parser with the book's extensions.

    The core rule `text_join` is disabled so that a backslash-escaped
    `\\$` stays its own token, telling it apart from an unbalanced `$`.
    """
    config = MdParserConfig(enable_extensions=set(extensions))
    md = create_md_parser(config, RendererHTML)
    md.disable("text_join")
    return md


def read_config(root: Path) -> dict:
    path = root / "_config.yml"
    if not path.exists():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def toc_docnames(toc_path: Path, site_map=None) -> list[str]:
    """The documents of a jupyter-book _toc.yml, in reading order.

    ``site_map``: the toc as sphinx-external-toc already parsed it (in
    a Sphinx build), else it is parsed from ``toc_path``.
    """
    if site_map is None:
        site_map = parse_toc_yaml(str(toc_path))
    order: list[str] = []

    def visit(docname: str) -> None:
        order.append(docname)
        for tree in site_map[docname].subtrees:
            if tree.numbered:
                raise ProofsSourceError(
                    toc_path, 1, "numbered tables of contents are not "
                    "supported: the proofs PDF numbers blocks the way an "
                    "unnumbered book does")
            for item in tree.items:
                if isinstance(item, str) and item in site_map:
                    visit(item)
    visit(site_map.root.docname)
    return order


def load_book(root: Path, toc: Path | None = None, *, title: str = "",
              author: str = "", baseurl: str | None = None,
              extensions=None, countertypes=None, site_map=None) -> Book:
    """Read every chapter of the table of contents under ``root``.

    Settings not given come from ``root/_config.yml`` as jupyter-book
    reads them; the Sphinx extension passes the build's own values.
    """
    root = Path(root)
    toc = Path(toc) if toc else root / "_toc.yml"
    config = read_config(root)
    sphinx_config = (config.get("sphinx") or {}).get("config") or {}
    if extensions is None:
        extensions = (config.get("parse") or {}).get(
            "myst_enable_extensions", ["dollarmath", "amsmath"])
    if countertypes is None:
        countertypes = sphinx_config.get("prf_realtyp_to_countertyp", {})
    if baseurl is None:
        baseurl = sphinx_config.get("html_baseurl", "") or (
            config.get("html") or {}).get("baseurl", "")
    book = Book(title=title or config.get("title", "Proofs"),
                author=author or config.get("author", ""),
                baseurl=baseurl or "", root=root, chapters=[])
    reader = _Reader(markdown_parser(extensions), book, dict(countertypes))
    for docname in toc_docnames(toc, site_map):
        path = root / f"{docname}.md"
        if not path.exists():
            raise ProofsSourceError(
                toc, 1, f"{docname!r} has no MyST Markdown file {path}")
        book.chapters.append(reader.chapter(docname, path))
    book.chapters = [c for c in book.chapters if c.blocks]
    _check_refs(book)
    return book


class _AnyOptions(dict):
    """An option spec that takes every option as text."""

    def __bool__(self):
        return True

    def __contains__(self, key):
        return True

    def __getitem__(self, key):
        return directives.unchanged

    def get(self, key, default=None):
        return directives.unchanged


class _AnyDirective:
    required_arguments = 0
    optional_arguments = 1
    final_argument_whitespace = True
    has_content = True
    option_spec = _AnyOptions()


class _Reader:
    def __init__(self, md, book: Book, countertypes: dict):
        self.md, self.book = md, book
        self.countertypes = countertypes
        self.counters: dict[str, int] = {}
        self.equations = 0

    # -- one chapter
    def chapter(self, docname: str, path: Path) -> Chapter:
        self.docname, self.path = docname, path
        self.chapter_obj = Chapter(docname, path, [])
        self.trail: list[Heading] = []
        text = path.read_text(encoding="utf-8")
        self.walk(self._parse(text), 0, in_proof=False)
        if not self.chapter_obj.title:
            self.chapter_obj.title = [Text(docname)]
        self.book.titles[docname] = plain(self.chapter_obj.title)
        return self.chapter_obj

    def _parse(self, text: str) -> list:
        return SyntaxTreeNode(self.md.parse(text)).children

    def error(self, line: int, message: str):
        return ProofsSourceError(self.path, line, message)

    # -- blocks
    def walk(self, nodes, line0: int, in_proof: bool) -> list:
        """Blocks of a proof body; outside proofs, only bookkeeping."""
        out: list = []
        label = None
        for node in nodes:
            line = line0 + (node.map[0] if node.map else 0) + 1
            kind = node.type
            if kind == "myst_target":
                label = node.content.strip()
                continue
            if kind == "heading":
                heading = self._heading(node, line, label)
                if in_proof:
                    out.append(Para([Text(plain(heading.inlines),
                                          frozenset("b"))], line))
                else:
                    self._note_heading(heading, label)
            elif kind in ("fence", "colon_fence"):
                out.extend(self._fence(node, line, line0, in_proof, label))
            elif kind == "math_block_label":
                out.append(self._equation(node.content, line,
                                          node.info.strip()))
            elif kind == "math_block":
                out.append(MathBlock(node.content, line))
            elif kind == "amsmath":
                numbered = node.meta.get("numbered") != "*"
                out.append(self._equation(node.content, line, None,
                                          numbered=numbered))
            elif not in_proof:
                if kind in ("bullet_list", "ordered_list", "blockquote"):
                    self.walk(node.children, line0, False)
            elif kind == "paragraph":
                out.append(Para(self.inlines(node.children[0], line), line))
            elif kind == "code_block":
                out.append(Code(node.content.rstrip("\n"), line))
            elif kind in ("bullet_list", "ordered_list"):
                items = [self.walk(item.children, line0, True)
                         for item in node.children]
                start = int(node.attrs.get("start", 1) or 1)
                out.append(ListBlock(kind == "ordered_list", start, items))
            elif kind == "blockquote":
                out.append(Quote(self.walk(node.children, line0, True)))
            elif kind in ("front_matter", "hr", "myst_line_comment",
                          "myst_block_break", "html_block",
                          "footnote_block"):
                pass
            else:
                raise self.error(line, f"{kind.replace('_', ' ')} is not "
                                 "supported inside a proof block")
            label = None
        return [b for b in out if b is not None]

    def _heading(self, node, line: int, label: str | None) -> Heading:
        inlines = self.inlines(node.children[0], line)
        anchor = label or make_id(plain(inlines))
        return Heading(int(node.tag[1]), inlines, line, anchor)

    def _note_heading(self, heading: Heading, label: str | None) -> None:
        if heading.level == 1 and not self.chapter_obj.title:
            self.chapter_obj.title = heading.inlines
            self.trail = []
        else:
            self.trail = [h for h in self.trail if h.level < heading.level]
            self.trail.append(heading)
        if label:
            self.book.sections[label] = (plain(heading.inlines),
                                         self.docname, heading)

    def _equation(self, latex: str, line: int, label: str | None,
                  numbered: bool | None = None) -> MathBlock:
        if numbered is None:
            numbered = bool(label)
        number = None
        if numbered:
            self.equations += 1
            number = self.equations
            self.chapter_obj.equations.append(number)
        if label:
            if label in self.book.equations:
                raise self.error(line, f"duplicate equation label {label!r}")
            self.book.equations[label] = [number, self.docname, False]
        return MathBlock(latex, line, label, number)

    def _fence(self, node, line, line0, in_proof, label) -> list:
        info = node.info.strip()
        match = re.match(r"^\{([^}\s]+)\}\s*(.*)$", info)
        if not match:
            return [Code(node.content.rstrip("\n"), line)] if in_proof else []
        name, first_line = match.groups()
        if name.startswith("prf:"):
            if in_proof:
                raise self.error(line, f"{{{name}}} inside a proof block")
            self._proof(name, first_line, node.content, line)
            return []
        if name == "math":
            parsed = self._directive(MathDirective, first_line,
                                     node.content, line)
            body = "\n".join(parsed.body)
            return [self._equation(body, line,
                                   parsed.options.get("label"))]
        if name in CODE_DIRECTIVES:
            if not in_proof:
                return []
            parsed = self._directive(_AnyDirective, first_line,
                                     node.content, line)
            return [Code("\n".join(parsed.body), line)]
        if in_proof and name not in ADMONITIONS:
            raise self.error(line, f"directive {{{name}}} is not supported "
                             "inside a proof block")
        if name in _OPAQUE:
            return []
        parsed = self._directive(_AnyDirective, first_line,
                                 node.content, line)
        body_line0 = line + parsed.body_offset
        blocks = self.walk(self._parse("\n".join(parsed.body)),
                           body_line0, in_proof)
        if not in_proof:
            return []
        title = parsed.arguments[0] if parsed.arguments else name.title()
        return [Quote(blocks, self._title_inlines(title, line))]

    def _directive(self, cls, first_line, content, line):
        try:
            parsed = parse_directive_text(cls, first_line, content,
                                          line=line)
        except MarkupError as exc:
            raise self.error(line, f"bad directive: {exc}") from None
        for warning in parsed.warnings:
            raise self.error(line + (warning.lineno or 0),
                             f"bad directive: {warning.msg}")
        return parsed

    def _proof(self, name: str, first_line: str, content: str, line: int):
        kind = name.split(":", 1)[1]
        if kind not in PROOF_KINDS:
            raise self.error(
                line, f"unknown directive kind {name!r}: expected one of "
                + ", ".join(f"prf:{k}" for k in PROOF_KINDS))
        cls = ProofDirective if kind == "proof" else PROOF_TYPES[kind]
        parsed = self._directive(cls, first_line, content, line)
        title = parsed.arguments[0] if parsed.arguments else ""
        label = parsed.options.get("label")
        number = None
        if kind != "proof" and "nonumber" not in parsed.options:
            counter = self.countertypes.get(kind, kind)
            number = self.counters.get(counter, 0) + 1
            self.counters[counter] = number
        body_line0 = line + parsed.body_offset
        body = self.walk(self._parse("\n".join(parsed.body)), body_line0,
                         in_proof=True)
        block = ProofBlock(kind, self._title_inlines(title, line), label,
                           number, body, self.path, line, self.docname,
                           list(self.trail))
        if label:
            if label in self.book.proofs:
                raise self.error(line, f"duplicate proof label {label!r}")
            self.book.proofs[label] = block
        for math in _equations_in(body):
            if math.label:
                self.book.equations[math.label][2] = True
        self.chapter_obj.blocks.append(block)

    def _title_inlines(self, title: str, line: int) -> list:
        if not title:
            return []
        tokens = self.md.parseInline(title)
        return self._inline_tokens(tokens[0].children, line)

    # -- inlines
    def inlines(self, node, line: int) -> list:
        return self._inline_tokens(node.token.children or [], line)

    def _inline_tokens(self, tokens, line: int) -> list:
        out: list = []
        style: set = set()
        hrefs: list = []
        breaks = 0
        for token in tokens:
            here = line + breaks
            href = hrefs[-1] if hrefs else None
            frozen = frozenset(style)
            kind = token.type
            if kind == "text":
                if "$" in token.content:
                    raise self.error(here, "unbalanced $ in "
                                     f"{token.content.strip()!r}: close "
                                     "the math, or write \\$ for a dollar")
                out.append(Text(token.content, frozen, href))
            elif kind == "text_special":
                out.append(Text(token.content, frozen, href))
            elif kind in ("softbreak", "hardbreak"):
                breaks += 1
                out.append(Text(" ", frozen, href))
            elif kind in ("em_open", "strong_open"):
                style.add("i" if kind == "em_open" else "b")
            elif kind in ("em_close", "strong_close"):
                style.discard("i" if kind == "em_close" else "b")
            elif kind == "code_inline":
                out.append(Text(token.content, frozen | {"code"}, href))
            elif kind in ("math_inline", "math_inline_double"):
                out.append(InlineMath(token.content, here, frozen, href))
            elif kind == "link_open":
                hrefs.append(token.attrs.get("href", ""))
            elif kind == "link_close":
                hrefs.pop()
            elif kind == "myst_role":
                out.append(self._role(token, here, frozen, href))
            elif kind in ("html_inline", "footnote_ref"):
                continue
            else:
                raise self.error(here, f"{kind.replace('_', ' ')} is not "
                                 "supported inside a proof block")
        return out

    def _role(self, token, line, style, href):
        name, content = token.meta["name"], token.content
        if name == "math":
            return InlineMath(content, line, style, href)
        if name in ("code", "literal", "samp", "file", "command"):
            return Text(content, style | {"code"}, href)
        if name in REF_ROLES:
            match = re.match(r"^(.*?)\s*<([^<>]+)>$", content, re.S)
            if match:
                text, target = match.group(1), match.group(2)
            else:
                text, target = None, content
            return Ref(name, target.strip(), text, line, self.docname,
                       style)
        raise self.error(line, f"role {{{name}}} is not supported inside "
                         "a proof block")


def _equations_in(blocks):
    for block in blocks:
        if isinstance(block, MathBlock):
            yield block
        elif isinstance(block, ListBlock):
            for item in block.items:
                yield from _equations_in(item)
        elif isinstance(block, Quote):
            yield from _equations_in(block.blocks)


def plain(inlines) -> str:
    """The inlines as plain text, math as its LaTeX."""
    parts = []
    for item in inlines:
        if isinstance(item, Text):
            parts.append(item.text)
        elif isinstance(item, InlineMath):
            parts.append(item.latex)
        elif isinstance(item, Ref):
            parts.append(item.text or item.target)
    return "".join(parts).strip()


def doc_target(ref: Ref) -> str:
    """The docname a {doc} role points at, resolved like Sphinx."""
    target = ref.target
    if target.endswith(".md"):
        target = target[:-3]
    if target.startswith("/"):
        return posixpath.normpath(target[1:])
    return posixpath.normpath(
        posixpath.join(posixpath.dirname(ref.docname), target))


def _refs(blocks):
    for block in blocks:
        inlines = []
        if isinstance(block, Para):
            inlines = block.inlines
        elif isinstance(block, ListBlock):
            for item in block.items:
                yield from _refs(item)
        elif isinstance(block, Quote):
            inlines = block.title or []
            yield from _refs(block.blocks)
        yield from (i for i in inlines if isinstance(i, Ref))


def _check_refs(book: Book) -> None:
    """Every reference in a proof block must resolve (like `-n`)."""
    for chapter in book.chapters:
        for block in chapter.blocks:
            for ref in list(_refs(block.body)) + [
                    i for i in block.title if isinstance(i, Ref)]:
                known = {
                    "prf:ref": book.proofs, "eq": book.equations,
                    "ref": book.sections, "numref": book.proofs,
                    "doc": book.titles,
                }[ref.role]
                target = doc_target(ref) if ref.role == "doc" else ref.target
                if target not in known:
                    raise ProofsSourceError(
                        block.path, ref.line,
                        f"{{{ref.role}}} target {ref.target!r} not found")
