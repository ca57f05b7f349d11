"""Sphinx: executed notebooks that change only when the book does.

Left alone, two builds of the same book publish different notebooks,
for two reasons:

- Cell ids. Jupytext gives every cell of a MyST chapter a random id when
  it reads it, so each build writes new ids into every notebook.
- Split prints. ipykernel sends what a cell prints in chunks, on a
  timer, so one ``print`` can arrive as one stream output in one build
  and as two in the next.

This extension fixes both where the notebook is made, not where it is
shown. Every cell gets an id derived from the chapter and the cell's
content (:func:`cell_ids`), before execution; consecutive stream outputs
of one stream are joined (:func:`merge_streams`) right after execution,
before jupyter-cache stores the notebook and before myst-nb renders or
writes it. The page, the notebook readers download and the PDF are then
made from one and the same outputs (so ``nb_merge_streams``, myst-nb's
render-time merge, stays off).

A third: on a cache hit, myst-nb 1.4 writes the notebook without its
outputs (it renders a merged copy); :func:`with_outputs_kept` merges
them into the notebook it writes.

myst-nb has no hook at any of these points, so its names are wrapped:
``myst_nb.sphinx_.create_client`` (it receives the notebook that myst-nb
executes and writes) and ``single_nb_execution`` in the modules of its
cache and direct executors. :func:`setup` refuses any myst-nb but the
version this was written for.
"""

import copy
import functools
import hashlib
from collections import Counter
from pathlib import PurePath

from .pins import require



def cell_ids(notebook, chapter):
    """Give every cell of `notebook` an id from `chapter` and its source.

    The id is the first 16 hex digits of SHA-256 over the chapter's
    name, the cell's type and source, and how many identical cells came
    before it: the same chapter gives the same ids in every build, and
    editing one cell changes that cell's id only. In place; returns the
    notebook.
    """
    seen = Counter()
    for cell in notebook.cells:
        key = (cell.cell_type, cell.source)
        text = f"{chapter}\0{key[0]}\0{key[1]}\0{seen[key]}"
        seen[key] += 1
        cell.id = hashlib.sha256(text.encode()).hexdigest()[:16]
    return notebook


def merge_streams(outputs):
    """`outputs` with each run of outputs of one stream (``stdout`` or
    ``stderr``) joined into one, the text kept as the kernel sent it.

    A run is broken by any output a reader sees, and not by the hidden
    records of ``glue(..., display=False)``: two prints with a hidden
    glue between them are one block of text, in Jupyter as on the page
    (where myst-nb drops those records); the records follow the block.
    Returns a new list; the outputs given are left as they were.
    """
    merged = []
    last_seen = None  # the last output a reader sees, in `merged`
    for output in outputs:
        if (output.get("output_type") == "stream" and last_seen is not None
                and last_seen.get("output_type") == "stream"
                and last_seen["name"] == output["name"]):
            last_seen["text"] = _text(last_seen) + _text(output)
            continue
        if output.get("output_type") == "stream":
            output = copy.copy(output)
        merged.append(output)
        if not hidden(output):
            last_seen = output
    return merged


def hidden(output):
    """Is `output` a glue record no reader sees (``display=False``)?"""
    record = output.get("metadata", {}).get("scrapbook", {})
    return bool(record.get("mime_prefix"))


def _text(output):
    text = output["text"]
    return text if isinstance(text, str) else "".join(text)


def merge_notebook_streams(notebook):
    """Merge the stream outputs of every code cell, in place."""
    for cell in notebook.cells:
        if cell.cell_type == "code" and cell.get("outputs"):
            cell.outputs = merge_streams(cell.outputs)
    return notebook


def _chapter(path):
    """The name a notebook's ids derive from: its file name, no suffix."""
    return PurePath(path).stem if path is not None else ""


def with_cell_ids(create_client):
    """Wrap myst-nb's create_client: ids first, then the client."""
    if getattr(create_client, "bookbuild_wrapped", False):
        return create_client

    @functools.wraps(create_client)
    def create(notebook, path, *args, **kwargs):
        cell_ids(notebook, _chapter(path))
        return create_client(notebook, path, *args, **kwargs)

    create.bookbuild_wrapped = True
    return create


def with_merged_streams(execute):
    """Wrap jupyter-cache's single_nb_execution (it executes in place):
    merge the streams of the executed notebook before anyone reads it."""
    if getattr(execute, "bookbuild_wrapped", False):
        return execute

    @functools.wraps(execute)
    def run(notebook, *args, **kwargs):
        result = execute(notebook, *args, **kwargs)
        merge_notebook_streams(notebook)
        return result

    run.bookbuild_wrapped = True
    return run


def outputs_into(notebook, merged):
    """Copy the code cells' outputs and counts of `merged` (the same
    cells, executed) into `notebook`, in place."""
    cells = [c for c in notebook.cells if c.cell_type == "code"]
    done = [c for c in merged.cells if c.cell_type == "code"]
    if len(cells) != len(done):
        return notebook
    for cell, executed in zip(cells, done):
        cell.outputs = executed.get("outputs", [])
        cell.execution_count = executed.get("execution_count")
    return notebook


def with_outputs_kept(start_client):
    """Wrap myst-nb's cache client: on a cache hit it renders a merged
    copy but writes the notebook it was given, without outputs, to
    jupyter_execute/. Merged into that notebook itself, the written
    notebook has its outputs, as when myst-nb executes it (every page
    is a hit now that bookbuild.execute executes before Sphinx)."""
    if getattr(start_client, "bookbuild_wrapped", False):
        return start_client

    @functools.wraps(start_client)
    def start(self):
        given = self.notebook
        start_client(self)
        if self.notebook is not given:
            outputs_into(given, self.notebook)

    start.bookbuild_wrapped = True
    return start


def setup(app):
    from myst_nb import sphinx_
    from myst_nb.core.execute import cache, direct

    require(__name__, "myst-nb")
    sphinx_.create_client = with_cell_ids(sphinx_.create_client)
    for module in (cache, direct):
        module.single_nb_execution = with_merged_streams(
            module.single_nb_execution)
    cache.NotebookClientCache.start_client = with_outputs_kept(
        cache.NotebookClientCache.start_client)
    return {"version": "1.0", "parallel_read_safe": True,
            "parallel_write_safe": True}
