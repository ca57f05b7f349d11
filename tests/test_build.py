"""The strict build: faults fail it loudly, outputs never go stale.

Each test builds a throw-away book in a temporary directory with the
book's real `_config.yml` (so the real strictness settings are what is
tested) and one or two tiny chapters, through `bookbuild.build`, the
driver behind `make book`.
"""

import io
import json
import shutil
import textwrap

import pytest

from bookbuild import build
from book_support import FRONT_MATTER


def chapter(title, *cells, prose=""):
    """A MyST notebook: a title, optional prose, then code cells."""
    body = "".join(f"\n```{{code-cell}} ipython3\n{textwrap.dedent(c)}```\n"
                   for c in cells)
    return f"{FRONT_MATTER}# {title}\n\n{prose}\n{body}"


@pytest.fixture
def book(tmp_path, repo_root):
    """A tiny book: the real _config.yml, an index, a `code/` module."""
    root = tmp_path / "book-root"
    (root / "book").mkdir(parents=True)
    (root / "code").mkdir()
    shutil.copy(repo_root / "_config.yml", root / "_config.yml")
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: book/index\nchapters:\n  - file: book/two\n"
    )
    (root / "requirements.txt").write_text("numpy\n")
    (root / "code" / "mini.py").write_text("VALUE = 1\n")
    (root / "book" / "index.md").write_text(chapter(
        "Index", "import sys\nsys.path.insert(0, '../code')\n"
        "import mini\nprint('value', mini.VALUE)\n"))
    (root / "book" / "two.md").write_text(chapter("Two", "print(2)\n"))
    return root


def run(root):
    """Build `root`; return (exit code, everything the build printed)."""
    out = io.StringIO()
    code = build.build(root, out=out)
    return code, out.getvalue()


def executed_output(root, name):
    """The text outputs of the executed notebook `name`."""
    nb = json.loads(
        (root / "_build" / "jupyter_execute" / "book" / f"{name}.ipynb")
        .read_text()
    )
    return "".join(
        "".join(o.get("text", ""))
        for cell in nb["cells"] for o in cell.get("outputs", [])
    )


def test_a_good_book_builds_and_a_second_build_does_nothing(book):
    code, log = run(book)
    assert code == 0, log
    assert (book / "_build" / "html" / "index.html").exists()
    assert "value 1" in executed_output(book, "index")
    code, log = run(book)
    assert code == 0
    assert "book is up to date" in log
    assert "jupyter-book" not in log


def test_a_cell_exception_fails_naming_chapter_line_and_cell(book):
    (book / "book" / "two.md").write_text(
        chapter("Two", "print('fine')\n", "ratio = 1 / 0\n"))
    code, log = run(book)
    assert code != 0
    assert "BUILD FAILED" in log
    line = (book / "book" / "two.md").read_text().splitlines().index(
        "ratio = 1 / 0") + 1
    assert (f"two.md:{line}: the code cell here raised ZeroDivisionError"
            in log)
    assert "    ratio = 1 / 0" in log


def test_a_python_warning_in_a_cell_fails_the_build(book):
    (book / "book" / "two.md").write_text(chapter(
        "Two", "import warnings\nwarnings.warn('careful now')\n"))
    code, log = run(book)
    assert code != 0
    assert "two.md:" in log
    assert "stderr was found in the cell outputs of cell" in log


def test_stderr_output_in_a_cell_fails_the_build(book):
    (book / "book" / "two.md").write_text(chapter(
        "Two", "import sys\nprint('oops', file=sys.stderr)\n"))
    code, log = run(book)
    assert code != 0
    assert "stderr was found in the cell outputs of cell" in log


def test_a_broken_reference_fails_the_build(book):
    (book / "book" / "two.md").write_text(chapter(
        "Two", "print(2)\n", prose="See {ref}`no-such-label`.\n"))
    code, log = run(book)
    assert code != 0
    assert "two.md:" in log
    assert "undefined label: 'no-such-label'" in log


def test_a_sphinx_warning_fails_the_build(book):
    (book / "book" / "two.md").write_text(chapter(
        "Two", "print(2)\n", prose="```{no-such-directive}\n```\n"))
    code, log = run(book)
    assert code != 0
    assert "Unknown directive type" in log


def test_a_failure_after_success_keeps_the_site_and_is_not_forgotten(book):
    assert run(book)[0] == 0
    index = (book / "_build" / "html" / "index.html").read_text()
    (book / "book" / "two.md").write_text(chapter("Two", "1 / 0\n"))
    assert run(book)[0] != 0
    # The last good site is still there ...
    assert (book / "_build" / "html" / "index.html").read_text() == index
    # ... and the next build does not trust the failed one's silence.
    (book / "book" / "two.md").write_text(chapter("Two", "print(3)\n"))
    code, log = run(book)
    assert code == 0, log
    assert "book is up to date" not in log


def test_editing_code_re_executes_every_chapter(book):
    assert run(book)[0] == 0
    (book / "code" / "mini.py").write_text("VALUE = 2\n")
    code, log = run(book)
    assert code == 0, log
    assert "every chapter executes again" in log
    assert "value 2" in executed_output(book, "index")


def test_changing_the_pins_re_executes_every_chapter(book):
    assert run(book)[0] == 0
    (book / "requirements.txt").write_text("numpy==2.4.6\n")
    code, log = run(book)
    assert code == 0, log
    assert "every chapter executes again" in log
    assert "Executing notebook" in log


def test_editing_prose_rebuilds_without_re_executing(book):
    assert run(book)[0] == 0
    text = (book / "book" / "two.md").read_text()
    (book / "book" / "two.md").write_text(text + "\nMore prose.\n")
    code, log = run(book)
    assert code == 0, log
    assert "every chapter executes again" not in log
    assert "Executing notebook" not in log
    assert "More prose." in (
        book / "_build" / "html" / "book" / "two.html").read_text()
