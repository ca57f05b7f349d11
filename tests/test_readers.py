"""The published notebooks read and run outside the book's build.

Each page's download (and Colab target) is the readers' notebook of
bookbuild.readers: Markdown that Jupyter renders, with the page's
numbers, glued values, included code and links; code that runs where
myst-nb, Sphinx and Jupyter Book are not installed.
"""

import inspect
import os
import re
import textwrap
from pathlib import Path

import nbformat
import pytest
from markdown_it import MarkdownIt
from nbclient import NotebookClient

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
# A MyST role, `{name}` then a backtick, or a MyST target "(label)=".
ROLE = re.compile(r"\{[a-z][\w:+-]*\}`")
TARGET = re.compile(r"^\(\S+\)=\s*$", re.M)
# What a Colab runtime does not have: the book's build.
HIDDEN = ("myst_nb", "myst_parser", "sphinx", "jupyter_book", "bookbuild")
HIDER = textwrap.dedent(f"""\
    import sys

    class HideBuildTools:
        \"\"\"Modules of the book's build are not installed here.\"\"\"

        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in {HIDDEN!r}:
                raise ModuleNotFoundError(f"No module named {{name!r}}",
                                          name=name)
            return None

    sys.meta_path.insert(0, HideBuildTools())
    """)


PROBE = textwrap.dedent(f"""\
    import importlib.util
    from pathlib import Path

    try:
        import myst_nb
    except ModuleNotFoundError:
        hidden = True
    else:
        hidden = False
    assert hidden, "myst-nb is importable"
    assert not Path.cwd().is_relative_to({str(ROOT)!r})
    print("build hidden, outside the repository")""")


def published(built_html):
    found = sorted((built_html / "_sources" / "book").glob("*.ipynb"))
    assert found, "no published notebooks"
    return found


def markdown_of(path):
    notebook = nbformat.read(path, as_version=4)
    return [c.source for c in notebook.cells if c.cell_type == "markdown"]


def test_no_myst_syntax_survives_in_a_published_notebook(built_html):
    parser = MarkdownIt("commonmark")
    problems = []
    for path in published(built_html):
        for n, source in enumerate(markdown_of(path)):
            for token in parser.parse(source):
                if token.type == "fence" and token.info.startswith("{"):
                    problems.append(f"{path.name} cell {n}: directive "
                                    f"{token.info}")
                if token.type == "inline":
                    texts = [t.content for t in token.children
                             if t.type == "text"]
                    for text in texts:
                        if ROLE.search(text) or text.startswith(":::{"):
                            problems.append(f"{path.name} cell {n}: "
                                            f"{text[:60]!r}")
            if TARGET.search(source):
                problems.append(f"{path.name} cell {n}: a MyST target")
    assert not problems, "\n".join(problems)


def test_the_engine_notebook_shows_the_engine(built_html):
    from gradbook.autodiff import Tensor

    def lines(text):
        return "\n".join(line.strip() for line in text.splitlines())

    text = "\n".join(markdown_of(built_html / "_sources/book/engine.ipynb"))
    backward = lines(inspect.getsource(Tensor.backward)).strip()
    assert backward in lines(text), \
        "the engine notebook lacks the source of Tensor.backward"
    assert "From `code/gradbook/autodiff.py`" in text


def test_theorems_numbers_and_links_are_the_sites(built_html):
    text = "\n".join(markdown_of(
        built_html / "_sources/book/quadratic-form.ipynb"))
    page = (built_html / "book/quadratic-form.html").read_text()
    assert "**Theorem 1 " in text or "**Theorem 1." in text
    assert "Theorem 1" in page
    assert re.search(r"\\tag\{\d+\}", text), "equation numbers kept"
    assert "<details>" in text, "solutions are folded"
    assert re.search(r"\]\(https://\S+/book/\S+\.html#\S+\)", text) or \
        re.search(r"\]\(#\S+\)", text), "links to the site's anchors"


def colab_like_env(tmp_path):
    hider = tmp_path / "hide"
    hider.mkdir()
    (hider / "sitecustomize.py").write_text(HIDER)
    env = dict(os.environ)
    env["PYTHONPATH"] = str(hider)
    return env


@pytest.mark.parametrize("page", ["quadratic-form", "autograd"])
def test_a_published_notebook_runs_where_the_build_is_not(
        built_html, tmp_path, page):
    """A NumPy page and a framework page run top to bottom in a folder
    outside the repository, with the build's packages hidden: as in
    Colab, with gradbook installed from this clone."""
    notebook = nbformat.read(built_html / f"_sources/book/{page}.ipynb",
                             as_version=4)
    work = tmp_path / "work"
    work.mkdir()
    # the last cell proves the environment is the one intended
    notebook.cells.append(nbformat.v4.new_code_cell(PROBE))
    env = colab_like_env(tmp_path)
    client = NotebookClient(
        notebook, timeout=600, kernel_name="python3",
        resources={"metadata": {"path": str(work)}})
    # the kernel inherits this process's environment
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        client.execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    errors = [o for c in notebook.cells if c.cell_type == "code"
              and "raises-exception" not in c.metadata.get("tags", [])
              for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    probe = notebook.cells[-1]
    assert probe.source == PROBE and probe.outputs[0]["text"] == \
        "build hidden, outside the repository\n"
