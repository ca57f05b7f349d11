"""What a chapter's first cell calls: the figures' style and `glue`.

Nothing here is mathematics; it keeps the plumbing out of the pages.

- `book_style(salt)`: matplotlib draws vector figures (SVG) with no
  date inside and its ids salted by `salt`, so two runs of a chapter
  write identical files, in a 12-point font.
- `glue(name, value)`: hands a value to the page's prose. Inside the
  book's build it is myst-nb's `glue` (the page shows `value` where its
  text says {glue:text}`name`); in a plain Jupyter or Colab, where
  myst-nb is not installed, it does nothing unless `display=True`, and
  then it shows the value as any cell output would.
"""

import matplotlib.pyplot as plt
from matplotlib_inline.backend_inline import set_matplotlib_formats

try:
    from myst_nb import glue as _myst_glue
except ImportError:  # a notebook outside the book's build
    _myst_glue = None


def book_style(salt, font_size=12):
    """Vector figures, identical from one run to the next.

    salt: a string, one per page (its file name), that seeds the ids
    inside the SVG files; font_size: points.
    """
    set_matplotlib_formats("svg", metadata={"Date": None})
    plt.rcParams["svg.hashsalt"] = salt
    plt.rcParams["font.size"] = font_size


def glue(name, value, display=False):
    """Give `value` to the page's prose under `name`.

    Returns None, so that a cell ending in a glue call shows nothing.

    With myst-nb present, this is myst_nb.glue(name, value, display);
    without it, the value is shown only if display is True.
    """
    if _myst_glue is not None:
        _myst_glue(name, value, display=display)
    elif display:
        from IPython.display import display as show

        show(value)
