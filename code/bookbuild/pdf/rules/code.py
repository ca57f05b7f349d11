"""Code: code cells in Pygments' colours, their outputs (HTML outputs
by their text/plain form), and framework tabs one after another."""

from docutils import nodes
from pygments import lex
from pygments.lexers import PythonLexer, get_lexer_by_name
from pygments.styles import get_style_by_name
from pygments.util import ClassNotFound
from reportlab.lib.colors import Color

from ...failures import ANSI
from ..fonts import FONTS
from ..inline import RichParagraph
from ..layout import CodeBlock, hexcolor
from ..runs import text_runs

_STYLE = get_style_by_name("default")


class Code:
    def literal_block(self, node, depth) -> list:
        classes = node.get("classes", [])
        text = node.astext().expandtabs(4).rstrip("\n")
        if "output" in classes:
            text = ANSI.sub("", text)
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
        text = ANSI.sub("", outputs[index]).rstrip("\n")
        lines = [[(line, Color(0, 0, 0), False)]
                 for line in text.split("\n")]
        return [CodeBlock(lines, "output")]


def highlight(text: str, language: str, source: str = "") -> list:
    """Lines of (text, colour, bold) segments in Pygments' colours.

    Each block is lexed once (:data:`_HIGHLIGHTED`), though the PDFs'
    walks meet it several times."""
    key = (text, language, source)
    if key not in _HIGHLIGHTED:
        _HIGHLIGHTED[key] = _highlight(text, language, source)
    return [list(line) for line in _HIGHLIGHTED[key]]


# (text, language, source) -> its lines
_HIGHLIGHTED: dict = {}


def _token_style(token) -> tuple:
    """(colour, bold) of a Pygments token type in the book's style."""
    if token not in _TOKEN_STYLES:
        spec = _STYLE.style_for_token(token)
        _TOKEN_STYLES[token] = (hexcolor(spec["color"]), bool(spec["bold"]))
    return _TOKEN_STYLES[token]


_TOKEN_STYLES: dict = {}


def _highlight(text: str, language: str, source: str) -> list:
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
        color, bold = _token_style(token)
        for i, piece in enumerate(value.split("\n")):
            if i:
                lines.append(line)
                line = []
            if piece:
                line.append((piece, color, bold))
    lines.append(line)
    while lines and not lines[-1]:
        lines.pop()
    return lines


BLOCK = {
    nodes.literal_block: Code.literal_block,
    nodes.container: Code.container,
    nodes.raw: Code.raw,
}
