"""The figures of a document, each read once.

svglib reads a figure's SVG into a ReportLab drawing in about 0.1 s,
and the export walks the book more than once (a walk that lists the
math, then one per PDF): :func:`drawing` reads each file once and keeps
the drawing. Files are named by their content (myst-nb names each
figure by the hash of its data), so the name is the key; :func:`save`
keeps the drawings for the next export, which :func:`load` takes back
(pickled, read in a few milliseconds).
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from .caches import read_caches, write_cache

#: the saved drawings' format: bump when the reading of SVG changes
CACHE_FORMAT = 1

# file name -> the svglib drawing, or None if svglib could not read it
_DRAWINGS: dict = {}
_USED: set = set()
# While collecting (the walk that lists the math), the files asked for
# and not yet read; None otherwise.
_COLLECTING: list | None = None


def _cache_key() -> tuple:
    from importlib.metadata import version
    return (CACHE_FORMAT, version("svglib"), version("reportlab"))


@contextlib.contextmanager
def collecting():
    """Within: :func:`drawing` reads no file; it records the files not
    yet read (yielded list) and returns an empty drawing, for
    :func:`prepare` to read them afterwards."""
    global _COLLECTING
    paths: list = []
    _COLLECTING = paths
    try:
        yield paths
    finally:
        _COLLECTING = None


def prepare(paths) -> None:
    """Read the files among `paths` not read yet."""
    for path in paths:
        drawing(path)


def drawing(path: Path):
    """The drawing of the SVG file `path`, or None if it is unreadable."""
    _USED.add(path.name)
    if _COLLECTING is not None and path.name not in _DRAWINGS:
        from reportlab.graphics.shapes import Drawing
        _COLLECTING.append(path)
        return Drawing(1, 1)
    if path.name not in _DRAWINGS:
        from svglib.svglib import svg2rlg
        _DRAWINGS[path.name] = svg2rlg(str(path))
    return _DRAWINGS[path.name]


def load(*paths: Path) -> None:
    """Take the drawings of previous exports (the first file that
    holds a name wins), if still valid."""
    for drawings in read_caches(paths, _cache_key()):
        for name, picture in drawings.items():
            _DRAWINGS.setdefault(name, picture)


def save(path: Path) -> None:
    """Keep the drawings this export used for the next one (atomic)."""
    kept = {name: _DRAWINGS[name] for name in sorted(_USED)
            if _DRAWINGS.get(name) is not None}
    write_cache(path, _cache_key(), kept)
