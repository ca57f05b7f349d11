"""ziamath 0.13's ``styles.parse_style``, the same result faster, put in
ziamath's modules on import (by :mod:`.mathlayout`) for that version only.

The PDF lays out hundreds of expressions; a third of each layout went
into deep copies of a style that is only read at the top level.
"""

from collections import ChainMap

import ziamath

from ..pins import pinned


def _parse_style(element, parent_style=None):
    """ziamath 0.13's ``styles.parse_style``, the same result faster.

    The original reads the parent's attributes through
    ``dataclasses.asdict``, which deep-copies the style for each of the
    ~70 MathML nodes of an expression: a third of the time of a layout.
    Only top-level values are read from it (the variant is taken from
    ``parent_style.mathvariant`` itself), so the instance's ``__dict__``
    serves the same lookups without a copy.
    """
    styles = ziamath.styles
    config = ziamath.config
    if parent_style:
        params = ChainMap(element.attrib, vars(parent_style))
        parent_variant = parent_style.mathvariant
    else:
        params = element.attrib
        parent_variant = styles.MathVariant()
    args = {
        "mathcolor": params.get("mathcolor", config.math.color),
        "mathbackground": params.get("mathbackground",
                                     config.math.background),
        "mathsize": params.get("mathsize", ""),
        "scriptlevel": int(params.get("scriptlevel", 0)),
        "mathvariant": styles.parse_variant(
            element.attrib.get("mathvariant", config.math.variant),
            parent_variant),
        "displaystyle": styles.parse_displaystyle(params),
    }
    css = params.get("style", "")
    for item in css.split(";") if css else ():
        if not item:
            continue
        key, val = item.split(":")
        key, val = key.strip().lower(), val.strip()
        if key == "background":
            args["mathbackground"] = val
        elif key == "color":
            args["mathcolor"] = val
    return styles.MathStyle(**args)


def _use_fast_styles() -> bool:
    """Put :func:`_parse_style` in ziamath's modules, for the version
    it was written against only (others keep their own, slower)."""
    if not pinned("ziamath"):
        return False
    _set_parse_style(_parse_style)
    return True


def _set_parse_style(function):
    """Make `function` ziamath's parse_style, in every module that
    imported it by name."""
    from ziamath import styles, zmath
    from ziamath.nodes import mfrac, mnode
    for module in (styles, zmath, mfrac, mnode):
        module.parse_style = function


# ziamath's own, kept for comparison (tests)
ZIAMATH_PARSE_STYLE = ziamath.styles.parse_style


FAST_STYLES = _use_fast_styles()
