"""Which pages execute, and executing them in parallel.

`bookbuild.execute` runs before Sphinx: it executes, on every core, the
pages whose cells changed (jupyter-cache's key) or whose inputs did
(`bookbuild.dependencies`: the modules under code/ they import,
directly or through each other; the data files they name; the pins).
The quick tests read dependencies from small trees of files; the slow
ones build throw-away books with the minimal configuration (the build's
driver is what is tested).
"""

import io
import re
import textwrap

import pytest

from book_support import MINIMAL_CONFIG, chapter
from bookbuild import build, dependencies, execute

slow = pytest.mark.slow

PATH = "import sys\nsys.path.insert(0, '../code')\n"


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text))
    return path


@pytest.fixture
def library(tmp_path):
    """code/lib: top imports base (relative), base imports util
    (absolute), util names a data file; alone imports nothing."""
    code = tmp_path / "code"
    write(code / "lib" / "__init__.py", "")
    write(code / "lib" / "top.py", "from . import base\n")
    write(code / "lib" / "base.py", "from lib.util import f\n")
    write(code / "lib" / "util.py", "NAME = 'table.json'\ndef f(): pass\n")
    write(code / "lib" / "alone.py", "import numpy\n")
    write(tmp_path / "book" / "data" / "table.json", "{}")
    write(tmp_path / "book" / "data" / "other.json", "{}")
    return tmp_path


def names(root, paths):
    return sorted(p.relative_to(root).as_posix() for p in paths)


def test_imports_are_followed_through_the_library(library):
    code = library / "code"
    assert names(library, dependencies.module_closure(
        ["import lib.top"], code)) == [
        "code/lib/__init__.py", "code/lib/base.py", "code/lib/top.py",
        "code/lib/util.py"]
    assert names(library, dependencies.module_closure(
        ["from lib import alone\n", "%matplotlib inline\nimport os"],
        code)) == ["code/lib/__init__.py", "code/lib/alone.py"]
    assert names(library, dependencies.module_closure(
        ["from lib.util import f"], code)) == [
        "code/lib/__init__.py", "code/lib/util.py"]
    assert dependencies.module_closure(
        ["import numpy", "x = ("], code) == []


def test_a_page_depends_on_the_data_it_or_its_modules_name(library):
    page = write(library / "book" / "p.md", "x")
    deps = dependencies.page_dependencies(library, page,
                                          ["import lib.base"])
    assert "book/data/table.json" in names(library, deps)
    assert "book/data/other.json" not in names(library, deps)
    page.write_text('json.load(open("data/other.json"))')
    deps = dependencies.page_dependencies(library, page,
                                          ["import lib.alone"])
    assert "book/data/other.json" in names(library, deps)
    assert "book/data/table.json" not in names(library, deps)


def test_a_page_depends_on_the_saved_runs_it_loads(library):
    runs = library / "code" / "gradbook" / "runs"
    write(runs / "bench.json", "{}")
    write(runs / "modes.json", "{}")
    page = write(library / "book" / "p.md",
                 'bench = data.saved_run("bench")')
    deps = dependencies.page_dependencies(library, page,
                                          ["import lib.alone"])
    assert "code/gradbook/runs/bench.json" in names(library, deps)
    assert "code/gradbook/runs/modes.json" not in names(library, deps)


def test_the_inputs_change_with_a_module_and_with_the_pins(library):
    page = write(library / "book" / "p.md", "x")
    config = {"execute": {"timeout": 1}}

    def inputs(sources):
        global_fp = dependencies.global_inputs(library, config)
        return dependencies.page_inputs(library, page, sources, global_fp)

    top, alone = inputs(["import lib.top"]), inputs(["import lib.alone"])
    write(library / "code" / "lib" / "util.py", "NAME = 'changed'\n")
    assert inputs(["import lib.top"]) != top
    assert inputs(["import lib.alone"]) == alone
    write(library / "requirements.txt", "numpy==1\n")
    assert inputs(["import lib.alone"]) != alone


def test_pages_come_from_the_table_of_contents(tmp_path):
    write(tmp_path / "_toc.yml", """\
        format: jb-book
        root: book/index
        parts:
          - caption: One
            chapters:
              - file: book/one/a
                sections:
                  - file: book/one/b
          - caption: Two
            chapters:
              - file: book/c.md
        """)
    for name in ("index.md", "one/a.md", "one/b.ipynb", "c.md",
                 "not-listed.md"):
        write(tmp_path / "book" / name, "")
    assert names(tmp_path, execute.toc_pages(tmp_path)) == [
        "book/c.md", "book/index.md", "book/one/a.md", "book/one/b.ipynb"]


# Throw-away books, built.

def run(root):
    out = io.StringIO()
    code = build.build(root, out=out)
    return code, out.getvalue()


def executed(log):
    """Pages bookbuild.execute executed; myst-nb executed none."""
    assert "Executing notebook using" not in log, log
    return sorted(re.findall(r"bookbuild\.execute: executed book/(\S+)\.md",
                             log))


@pytest.fixture
def book(throwaway_book, library):
    root = throwaway_book({
        "index": chapter("Index", "print('index')\n"),
        "top": chapter("Top", PATH + "import lib.top\nprint('top')\n"),
        "base": chapter("Base", PATH + "from lib import base\n"),
        "alone": chapter("Alone", PATH + "from lib.alone import numpy\n"),
        "reads": chapter("Reads", "import json\nprint(json.load("
                         "open('data/other.json')))\n"),
    }, config=MINIMAL_CONFIG)
    for path in library.joinpath("code").rglob("*.py"):
        write(root / path.relative_to(library), path.read_text())
    write(root / "book" / "data" / "other.json", '{"a": 1}')
    return root


@slow
def test_only_the_pages_whose_inputs_changed_execute(book):
    code, log = run(book)
    assert code == 0, log
    assert executed(log) == ["alone", "base", "index", "reads", "top"]
    assert "with code, 2 at a time" in log or "1 at a time" in log

    def edit(path, text):
        """Edit, then execute what needs it into the build's cache, as
        the next build would (the build itself is tested last)."""
        write(book / path, text)
        out = io.StringIO()
        execute.run(book, book / "_build" / ".jupyter_cache", out=out)
        return executed(out.getvalue())

    # A module: the pages that import it, directly or not.
    assert edit("code/lib/util.py", "NAME = 'x'\ndef f(): return 1\n") \
        == ["base", "top"]
    assert edit("code/lib/top.py", "from . import base\nY = 1\n") \
        == ["top"]
    # A page's code: that page alone.
    assert edit("book/index.md", chapter("Index", "print('index 2')\n")) \
        == ["index"]
    # A data file it names.
    assert edit("book/data/other.json", '{"a": 2}') == ["reads"]
    # Prose: nothing executes. The build after these edits executes
    # nothing either: the cache holds every page as it is now.
    text = (book / "book" / "alone.md").read_text()
    assert edit("book/alone.md", text + "\nMore prose.\n") == []
    code, log = run(book)
    assert code == 0, log
    assert executed(log) == []
    assert "More prose." in (book / "_build" / "html" / "book" /
                             "alone.html").read_text()


@slow
def test_a_failing_cell_in_parallel_is_reported_and_the_site_kept(
        throwaway_book):
    pages = {"index": chapter("Index", "print('index')\n")}
    pages.update({f"page{i}": chapter(f"Page {i}", f"print({i})\n")
                  for i in range(3)})
    root = throwaway_book(pages, config=MINIMAL_CONFIG)
    code, log = run(root)
    assert code == 0, log
    html = root / "_build" / "html"
    site = {p: p.read_bytes() for p in html.rglob("*.html")}

    write(root / "book" / "page1.md",
          chapter("Page 1", "print('fine')\n", "ratio = 1 / 0\n"))
    write(root / "book" / "page2.md", chapter("Page 2", "print(22)\n"))
    code, log = run(root)
    assert code != 0
    assert "executing 2 of 4 pages" in log
    assert re.search(r"book/page1\.md failed \(ZeroDivisionError", log)
    report = log[log.index("BUILD FAILED"):]
    line = (root / "book" / "page1.md").read_text().splitlines() \
        .index("ratio = 1 / 0") + 1
    assert (f"book/page1.md:{line}: the code cell here raised "
            "ZeroDivisionError: division by zero") in report
    assert (root / "_build" / "reports" / "book" / "page1.err.log") \
        .is_file()
    assert {p: p.read_bytes() for p in html.rglob("*.html")} == site
    assert not list((root / "_build").glob(".stage-*"))


def test_a_cache_hit_writes_the_notebook_with_its_outputs():
    """myst-nb writes the notebook it was given to jupyter_execute/:
    bookbuild.notebooks merges the cached outputs into it."""
    import nbformat

    from bookbuild.notebooks import outputs_into

    given = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# T"),
        nbformat.v4.new_code_cell("print(1)")])
    merged = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# T"),
        nbformat.v4.new_code_cell("print(1)", execution_count=1, outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="1\n")])])
    outputs_into(given, merged)
    assert given.cells[1].outputs[0]["text"] == "1\n"
    assert given.cells[1].execution_count == 1
