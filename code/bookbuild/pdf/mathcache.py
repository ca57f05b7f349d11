"""The formulas of a document, each laid out once.

A book has hundreds of expressions and ziamath takes about 10 ms for
each: :func:`layout` lays an expression out the first time it is asked
for (:func:`.mathlayout.typeset`) and keeps the box, or the error.
Before the PDFs are set, a walk in :func:`collecting` mode lists every
expression they need and :func:`prepare` lays them out at once, on
every core; :func:`save` keeps the boxes for the next export, which
:func:`load` takes them back from.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from .caches import read_caches, write_cache
from .mathbox import MathBox
from .mathlayout import ENGINE, MathLayoutError, typeset

#: below this many expressions, forking costs more than it saves
PARALLEL_MIN = 40
#: the saved boxes' format: bump when MathBox or the SVG reading changes
CACHE_FORMAT = 2

# (latex, size, display) -> MathBox or the MathLayoutError it raised
_LAID_OUT: dict = {}
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
        _LAID_OUT[key] = _typeset_or_error(key)
    result = _LAID_OUT[key]
    if isinstance(result, MathLayoutError):
        raise result
    return result


def holds(requests) -> bool:
    """Is every one of `requests` laid out (or known to fail)?"""
    return all(r in _LAID_OUT for r in requests)


def prepare(requests, parallel: bool = True) -> None:
    """Lay out many (latex, size, display) at once, on every CPU.

    The work is shared between processes (forked: they inherit the
    loaded fonts).  Results are kept for :func:`layout`.
    """
    todo = sorted({r for r in requests if r not in _LAID_OUT})
    workers = min(os.cpu_count() or 1, 8) if parallel else 1
    if workers < 2 or len(todo) < PARALLEL_MIN or "fork" not in (
            multiprocessing.get_all_start_methods()):
        for key in todo:
            _LAID_OUT[key] = _typeset_or_error(key)
        return
    context = multiprocessing.get_context("fork")
    chunks = [todo[i::workers] for i in range(workers)]
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        for chunk, results in zip(chunks, pool.map(_typeset_all, chunks)):
            _LAID_OUT.update(zip(chunk, results))


def _typeset_all(keys) -> list:
    """One worker's share of :func:`prepare` (a module-level function:
    the pool sends it to the worker by name)."""
    return [_typeset_or_error(key) for key in keys]


def _typeset_or_error(key):
    try:
        return typeset(*key)
    except MathLayoutError as exc:
        return exc


def _cache_key() -> tuple:
    return (CACHE_FORMAT, *ENGINE)


def load(*paths: Path) -> None:
    """Take laid-out boxes from previous exports (the first file that
    holds a formula wins), if still valid."""
    for boxes in read_caches(paths, _cache_key()):
        for request, box in boxes.items():
            _LAID_OUT.setdefault(request, box)


def save(path: Path, requests) -> None:
    """Keep the boxes of ``requests`` for the next export (atomic)."""
    boxes = {r: _LAID_OUT[r] for r in requests
             if isinstance(_LAID_OUT.get(r), MathBox)}
    write_cache(path, _cache_key(), boxes)
