"""Throw-away books: how every test that builds one writes and builds it.

A book here is a folder with `_config.yml`, `_toc.yml` and MyST
chapters under `book/` (as in the repository). The conftest fixture
`throwaway_book` writes one into the test's temporary directory; tests
that share one book across a module call `write_book` themselves.
"""

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
JUPYTER_BOOK = str(Path(sys.executable).with_name("jupyter-book"))

# The jupytext front matter of every chapter (as in book/intro.md).
FRONT_MATTER = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
kernelspec:
  name: python3
  display_name: Python 3
  language: python
---
"""


def cell(source, *tags):
    """A MyST code cell with the given tags."""
    options = f":tags: [{', '.join(tags)}]\n" if tags else ""
    source = textwrap.dedent(source).rstrip("\n")
    return f"```{{code-cell}} ipython3\n{options}{source}\n```\n"


def page(title, *blocks):
    """A chapter: a title, then prose and cells (from `cell`) in order."""
    return FRONT_MATTER + f"# {title}\n\n" + "\n".join(blocks)


def chapter(title, *sources, prose=""):
    """A chapter: a title, optional prose, then untagged code cells."""
    return page(title, prose, *(cell(s) for s in sources))


def book_config():
    """The book's own `_config.yml`: its strictness is what is tested."""
    return (ROOT / "_config.yml").read_text()


# The least configuration that still builds as strictly as the book:
# cached execution, a failed page a warning (so -W fails the build),
# stderr an error. For tests about the build, not about the book's
# extensions (those use `book_config()`).
MINIMAL_CONFIG = """\
title: Throw-away
only_build_toc_files: true
exclude_patterns: ["_build", "code"]
execute:
  execute_notebooks: cache
  timeout: 120
  allow_errors: false
  raise_on_error: false
  stderr_output: error
sphinx:
  config:
    nb_execution_show_tb: true
    nb_merge_streams: false
"""


def write_book(root, pages, config=None):
    """Write a book at `root`: `pages` maps a name to a chapter's text;
    "index" is the root of the table of contents, the others follow in
    the order given. `config` is the `_config.yml` text (the book's own
    when None). Returns `root`."""
    (root / "book").mkdir(parents=True)
    (root / "_config.yml").write_text(
        book_config() if config is None else config)
    if config is None:  # the book's configuration names its bibliography
        (root / "references.bib").write_text(
            (ROOT / "references.bib").read_text())
    chapters = "".join(f"  - file: book/{name}\n"
                       for name in pages if name != "index")
    (root / "_toc.yml").write_text(
        "format: jb-book\nroot: book/index\n"
        + (f"chapters:\n{chapters}" if chapters else ""))
    for name, text in pages.items():
        (root / "book" / f"{name}.md").write_text(text)
    return root


def jupyter_book(root, *options, timeout=600, env=None):
    """`jupyter-book build ROOT -W -n --keep-going [options]`, as strict
    as the book's build; the CompletedProcess (text)."""
    return subprocess.run(
        [JUPYTER_BOOK, "build", str(root), "-W", "-n", "--keep-going",
         *options],
        capture_output=True, text=True, timeout=timeout, env=env)
