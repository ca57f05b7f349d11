"""Sphinx: merge a cell's stream outputs on a copy, not in place.

ipykernel sends what a cell prints in chunks, on a timer, so the same
cell can give one stream output in one build and two in the next. With
``nb_merge_streams: true`` myst-nb merges them before rendering, and the
page is the same every time. But myst-nb 1.4's ``coalesce_streams``
appends the later chunks to the *first output object itself* and
returns a new list; the executed notebook that myst-nb then writes to
``_build/jupyter_execute`` (the one readers download) keeps the old
list, with the merged first output *and* the later chunks: every line
after the first flush appears twice.

This extension gives myst-nb's renderer the same merge on a deep copy,
so the written notebook keeps exactly what the kernel sent.
"""

import copy
import functools

from myst_nb.core import render


def merging_on_a_copy(coalesce):
    """Wrap myst-nb's merge so that it never mutates its input."""
    if getattr(coalesce, "merges_a_copy", False):
        return coalesce

    @functools.wraps(coalesce)
    def merge(outputs):
        return coalesce(copy.deepcopy(outputs))

    merge.merges_a_copy = True
    return merge


def setup(app):
    render.coalesce_streams = merging_on_a_copy(render.coalesce_streams)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
