"""One LaTeX expression -> a :class:`~.mathbox.MathBox`, with ziamath.

ziamath lays a LaTeX expression out with the STIX Two Math font and
draws it as SVG: every glyph outline once as a ``<symbol>``, every
occurrence as a ``<use>`` placed and scaled, fraction bars and rules
as ``<rect>``.  This module renames the amsmath environments ziamath
knows under other names, refuses what it would print wrongly, and
reads that small SVG vocabulary back into a box.  The boxes a
document needs are laid out once, and kept, by :mod:`.mathcache`.
"""

from __future__ import annotations

import re
import warnings
import xml.etree.ElementTree as ET
from functools import lru_cache

from .mathbox import Glyph, MathBox

with warnings.catch_warnings():
    # ziamath 0.13 (the newest) finds its font at import with
    # importlib.resources.path(), deprecated on Python 3.11 and 3.12
    # and un-deprecated in 3.13 (python/cpython#116608); only that
    # warning, only from that module, only at import.
    warnings.filterwarnings("ignore", message="path is deprecated",
                            category=DeprecationWarning,
                            module=r"ziamath\.zmath\Z")
    import ziafont
    import ziamath

from . import ziastyles  # noqa: E402,F401  (ziamath's styles, faster)

#: what lays the boxes out: boxes kept from other versions are not used
ENGINE = (ziamath.__version__, ziafont.__version__)

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


def typeset(latex: str, size: float, display: bool) -> MathBox:
    """Lay ``latex`` out at ``size`` points; display or inline style.

    Raises MathLayoutError naming the problem when ziamath cannot.
    """
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
    """SVG path data (absolute M, L, H, V, Q, C, Z; y down) -> ops, y up."""
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
