"""Math layout: LaTeX -> a vector box of glyph outlines (ziamath).

ziamath lays a LaTeX expression out with the STIX Two Math font and
draws it as SVG: every glyph outline once as a ``<symbol>``, every
occurrence as a ``<use>`` placed and scaled, fraction bars and rules
as ``<rect>``.  This module reads that small SVG vocabulary back into
a :class:`MathBox` (width, ascent and descent around the baseline, and
the placed items) and draws it on a ReportLab canvas: each glyph
outline becomes one PDF form XObject, defined once per document and
placed with a transformation matrix wherever it occurs.  Nothing is
rasterised.  The LaTeX source is drawn over the box as invisible text
(text render mode 3), so the PDF's text layer and search find it.

Longer than most modules (about 400 lines): one pipeline (LaTeX ->
MathML check -> ziamath's SVG -> box -> canvas) with its cache of laid
out boxes; ziamath's faster style reading is :mod:`.ziastyles`.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import re
import warnings
import xml.etree.ElementTree as ET
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ..files import write_atomic

with warnings.catch_warnings():
    # ziamath 0.13 (the newest) finds its font with the legacy
    # importlib.resources.path(), deprecated on Python 3.11 (and
    # un-deprecated in 3.13); only that one warning, only at import.
    warnings.filterwarnings("ignore", message="path is deprecated",
                            category=DeprecationWarning)
    import ziafont
    import ziamath

from . import ziastyles  # noqa: E402,F401  (ziamath's styles, faster)

# The LaTeX environments of amsmath that ziamath (through latex2mathml)
# lays out under another name; equation numbers are drawn by the page
# layout, as on the website, so `equation` is only a wrapper.
_ENV_ALIASES = {
    "align": "aligned", "align*": "aligned", "aligned": "aligned",
    "gather": "gathered", "gather*": "gathered",
    "equation": None, "equation*": None,
    "split": "aligned", "multline": "gathered", "multline*": "gathered",
}
_ENV = re.compile(r"\\(begin|end)\{([a-zA-Z*]+)\}")
_UNKNOWN = re.compile(r"^\\[A-Za-z]+$")
_DELIMITERS = {
    "langle": "\u27e8", "rangle": "\u27e9", "lVert": "\u2016",
    "rVert": "\u2016", "lvert": "|", "rvert": "|", "lfloor": "\u230a",
    "rfloor": "\u230b", "lceil": "\u2308", "rceil": "\u2309",
}
_SIZED = re.compile(r"(\\[bB]igg?[lrm]?\s*)\\(" + "|".join(_DELIMITERS)
                    + r")(?![A-Za-z])")
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_PATH_TOKEN = re.compile(rf"[MLQCHVZmlqchvz]|{_NUMBER}")


class MathLayoutError(ValueError):
    """LaTeX that ziamath cannot lay out (the message says why)."""


@dataclass(frozen=True)
class Glyph:
    """One glyph outline, in its own units (baseline at y = 0, y up).

    ``path`` is a tuple of drawing operations: ("M", x, y), ("L", x, y),
    ("C", x1, y1, x2, y2, x, y) and ("Z",).
    """

    name: str
    path: tuple
    bbox: tuple[float, float, float, float]


@dataclass
class MathBox:
    """A laid-out expression: its size around the baseline and its marks.

    Coordinates are points, x to the right from the box's left edge, y
    up from the baseline.  ``glyphs`` holds (glyph, x, y, scale) and
    ``rules`` holds filled rectangles (x, y, width, height).
    """

    latex: str
    width: float
    ascent: float
    descent: float
    glyphs: list = field(default_factory=list)
    rules: list = field(default_factory=list)

    @property
    def height(self) -> float:
        return self.ascent + self.descent

    def draw(self, canvas, x: float, y: float, *, search_font: str,
             text_size: float = 10.0, scale: float = 1.0) -> None:
        """Draw with the baseline's left end at (x, y) on the canvas."""
        defined = _forms_on(canvas)
        canvas.saveState()
        canvas.translate(x, y)
        if scale != 1.0:
            canvas.scale(scale, scale)
        canvas.setFillColorRGB(0, 0, 0)
        for glyph, gx, gy, s in self.glyphs:
            if glyph.name not in defined:
                _define_form(canvas, glyph)
                defined.add(glyph.name)
            canvas.saveState()
            canvas.transform(s, 0, 0, s, gx, gy)
            canvas.doForm(glyph.name)
            canvas.restoreState()
        for rx, ry, rw, rh in self.rules:
            canvas.rect(rx, ry, rw, rh, stroke=0, fill=1)
        _invisible_text(canvas, self, search_font, text_size / scale)
        canvas.restoreState()


def _forms_on(canvas) -> set:
    """The glyph forms already defined in this canvas's document."""
    if not hasattr(canvas, "_proofs_glyph_forms"):
        canvas._proofs_glyph_forms = set()
    return canvas._proofs_glyph_forms


def _define_form(canvas, glyph: Glyph) -> None:
    x0, y0, x1, y1 = glyph.bbox
    canvas.beginForm(glyph.name, x0 - 1, y0 - 1, x1 + 1, y1 + 1)
    path = canvas.beginPath()
    for op in glyph.path:
        if op[0] == "M":
            path.moveTo(*op[1:])
        elif op[0] == "L":
            path.lineTo(*op[1:])
        elif op[0] == "C":
            path.curveTo(*op[1:])
        else:
            path.close()
    canvas.drawPath(path, stroke=0, fill=1, fillMode=1)
    canvas.endForm()


def _invisible_text(canvas, box: MathBox, font: str, size: float) -> None:
    """The LaTeX over the box, invisible, fitted to the box's width.

    At the surrounding text's size, text extractors keep it in the
    line; squeezed horizontally to the box's width, it does not run
    over the next word.  Below a quarter of its natural width, the size
    shrinks instead: extractors drop a repeated character that overlaps
    the previous one (the second brace of "}}"), taking it for fake
    bold.
    """
    natural = canvas.stringWidth(box.latex, font, size)
    if natural <= 0:
        return
    ratio = box.width / natural
    text = canvas.beginText()
    text.setTextRenderMode(3)
    text.setFont(font, size * min(1.0, ratio / MIN_SQUEEZE))
    text.setHorizScale(100.0 * max(min(ratio, 1.0), MIN_SQUEEZE))
    text.setTextOrigin(0, 0)
    text.textOut(box.latex)
    canvas.drawText(text)


def normalize(latex: str) -> str:
    """The LaTeX with amsmath environments renamed for latex2mathml."""
    def rename(match: re.Match) -> str:
        which, env = match.groups()
        if env not in _ENV_ALIASES:
            return match.group(0)
        alias = _ENV_ALIASES[env]
        return "" if alias is None else f"\\{which}{{{alias}}}"
    text = _ENV.sub(rename, latex.strip())
    # latex2mathml sizes (\bigl, \Bigr, ...) only delimiters written
    # as characters: give it the characters of the named ones
    text = _SIZED.sub(lambda m: m.group(1) + _DELIMITERS[m.group(2)], text)
    # A label belongs to the website's numbering, not to the drawing.
    text = re.sub(r"\\(label|nonumber|notag)(\{[^}]*\})?", "", text)
    return text.strip()


# (latex, size, display) -> MathBox or the MathLayoutError it raised
_LAID_OUT: dict = {}
#: the narrowest horizontal scale of the invisible LaTeX
MIN_SQUEEZE = 0.3
#: below this many expressions, forking costs more than it saves
PARALLEL_MIN = 40


# While collecting (a walk that only lists the math it will need), the
# keys asked for; None otherwise.
_COLLECTING: list | None = None


@contextlib.contextmanager
def collecting():
    """Within: :func:`layout` lays nothing out; it records what it is
    asked for (yielded list) and returns an empty box of that name. A
    walk in this mode lists every expression a document needs, for
    :func:`prepare` to lay them all out at once, on every core."""
    global _COLLECTING
    keys: list = []
    _COLLECTING = keys
    try:
        yield keys
    finally:
        _COLLECTING = None


def layout(latex: str, size: float, display: bool) -> MathBox:
    """Lay ``latex`` out at ``size`` points; display or inline style.

    Raises MathLayoutError naming the problem when ziamath cannot.
    """
    key = (latex, size, display)
    if _COLLECTING is not None:
        _COLLECTING.append(key)
        return MathBox(latex=latex, width=1.0, ascent=1.0, descent=0.0)
    if key not in _LAID_OUT:
        _LAID_OUT[key] = _layout_or_error(key)
    result = _LAID_OUT[key]
    if isinstance(result, MathLayoutError):
        raise result
    return result


# The cache's format: bump when MathBox or the SVG reading changes.
CACHE_FORMAT = 2


def _cache_key() -> tuple:
    return (CACHE_FORMAT, ziamath.__version__, ziafont.__version__)


def load_cache(path: Path) -> None:
    """Take laid-out boxes from a previous export, if still valid."""
    try:
        with open(path, "rb") as handle:
            key, boxes = pickle.load(handle)
    except FileNotFoundError:
        return
    except (pickle.UnpicklingError, EOFError, AttributeError,
            ImportError, TypeError, ValueError):
        return                          # unreadable: lay out afresh
    if key == _cache_key():
        for request, box in boxes.items():
            _LAID_OUT.setdefault(request, box)


def save_cache(path: Path, requests) -> None:
    """Keep the boxes of ``requests`` for the next export (atomic)."""
    boxes = {r: _LAID_OUT[r] for r in requests
             if isinstance(_LAID_OUT.get(r), MathBox)}
    write_atomic(path, pickle.dumps((_cache_key(), boxes), protocol=5))


def prepare(requests, parallel: bool = True) -> None:
    """Lay out many (latex, size, display) at once, on every CPU.

    ziamath takes about 10 ms an expression; a book has hundreds, so
    the work is shared between processes (forked: they inherit the
    loaded fonts).  Results are kept for :func:`layout`.
    """
    todo = sorted({r for r in requests if r not in _LAID_OUT})
    workers = min(os.cpu_count() or 1, 8) if parallel else 1
    if workers < 2 or len(todo) < PARALLEL_MIN or "fork" not in (
            multiprocessing.get_all_start_methods()):
        for key in todo:
            _LAID_OUT[key] = _layout_or_error(key)
        return
    context = multiprocessing.get_context("fork")
    chunks = [todo[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        for chunk, results in zip(chunks, pool.map(_layout_chunk, chunks)):
            _LAID_OUT.update(zip(chunk, results))


def _layout_chunk(keys):
    return [_layout_or_error(key) for key in keys]


def _layout_or_error(key):
    try:
        return _layout(*key)
    except MathLayoutError as exc:
        return exc


def _layout(latex: str, size: float, display: bool) -> MathBox:
    source = normalize(latex)
    if not source:
        raise MathLayoutError("empty math")
    try:
        math = ziamath.Latex(source, size=size, inline=not display)
    except Exception as exc:  # latex2mathml raises its own error types
        detail = str(exc) or type(exc).__name__
        raise MathLayoutError(
            f"cannot lay out LaTeX {latex.strip()!r}: {detail}") from exc
    _check_commands(math.mathml, latex)
    svg = ET.Element("svg")
    math.drawon(svg, 0, 0)
    bbox = math.node.bbox
    xmin = min(bbox.xmin, 0.0)
    box = MathBox(latex=" ".join(latex.split()),
                  width=bbox.xmax - xmin,
                  ascent=max(bbox.ymax, 0.0), descent=max(-bbox.ymin, 0.0))
    _read_svg(svg, box, -xmin)
    return box


def _check_commands(mathml: ET.Element, latex: str) -> None:
    """latex2mathml prints an unknown command as text: refuse it."""
    for element in mathml.iter():
        text = (element.text or "").strip()
        if _UNKNOWN.match(text):
            raise MathLayoutError(
                f"cannot lay out LaTeX {latex.strip()!r}: unknown "
                f"command {text}")
        if element.tag.endswith("merror"):
            raise MathLayoutError(
                f"cannot lay out LaTeX {latex.strip()!r}: "
                f"{''.join(element.itertext())}")


def _read_svg(svg: ET.Element, box: MathBox, dx: float) -> None:
    """Fill ``box`` from ziamath's SVG (y down) in box coordinates."""
    symbols = {}
    for symbol in svg.iter("symbol"):
        vx, vy, vw, vh = (float(v) for v in symbol.get("viewBox").split())
        paths = [p.get("d") for p in symbol.iter("path")]
        symbols["#" + symbol.get("id")] = (vx, vy, vw, vh, " ".join(paths))
    in_symbols = {id(p) for sym in svg.iter("symbol") for p in sym.iter()}
    for element in svg.iter():
        if element.tag == "use":
            vx, vy, vw, vh, d = symbols[element.get("href")]
            if not d.strip():
                continue
            scale = float(element.get("width")) / vw if vw else 1.0
            glyph = _glyph(element.get("href")[1:], d)
            # SVG: user point p maps to use.x + (p - viewBox.min) * scale,
            # y downwards; the form is drawn y up from the baseline.
            x = float(element.get("x")) - vx * scale + dx
            y = -(float(element.get("y")) - vy * scale)
            box.glyphs.append((glyph, x, y, scale))
        elif element.tag == "rect":
            x, y = float(element.get("x")), float(element.get("y"))
            w, h = float(element.get("width")), float(element.get("height"))
            box.rules.append((x + dx, -(y + h), w, h))
        elif element.tag == "path" and id(element) not in in_symbols:
            raise MathLayoutError(
                f"ziamath drew a free path in {box.latex!r}: not supported")


@lru_cache(maxsize=None)
def _glyph(symbol_id: str, d: str) -> Glyph:
    name = "zm_" + re.sub(r"[^A-Za-z0-9_]", "_", symbol_id)
    ops = tuple(_parse_path(d))
    xs = [v for op in ops for v in op[1::2]]
    ys = [v for op in ops for v in op[2::2]]
    bbox = (min(xs), min(ys), max(xs), max(ys)) if xs else (0, 0, 0, 0)
    return Glyph(name=name, path=ops, bbox=bbox)


def _parse_path(d: str):
    """SVG path data (absolute M, L, Q, C, Z; y down) -> ops, y up."""
    tokens = _PATH_TOKEN.findall(d)
    i, cmd = 0, None
    cx = cy = 0.0
    while i < len(tokens):
        if tokens[i].isalpha():
            cmd = tokens[i]
            i += 1
            if cmd in "Zz":
                yield ("Z",)
                continue
        nums = []
        need = {"M": 2, "L": 2, "Q": 4, "C": 6, "H": 1, "V": 1}[cmd]
        nums = [float(t) for t in tokens[i:i + need]]
        i += need
        if cmd == "M":
            cx, cy = nums
            yield ("M", cx, -cy)
        elif cmd == "L":
            cx, cy = nums
            yield ("L", cx, -cy)
        elif cmd == "H":
            cx = nums[0]
            yield ("L", cx, -cy)
        elif cmd == "V":
            cy = nums[0]
            yield ("L", cx, -cy)
        elif cmd == "Q":
            qx, qy, x, y = nums
            # the quadratic as the cubic with the same curve
            c1 = (cx + 2 / 3 * (qx - cx), cy + 2 / 3 * (qy - cy))
            c2 = (x + 2 / 3 * (qx - x), y + 2 / 3 * (qy - y))
            yield ("C", c1[0], -c1[1], c2[0], -c2[1], x, -y)
            cx, cy = x, y
        elif cmd == "C":
            x1, y1, x2, y2, x, y = nums
            yield ("C", x1, -y1, x2, -y2, x, -y)
            cx, cy = x, y
