"""Two clean builds of the book publish identical bytes.

`make test` has just built the book into `_build` (from clean, on a
fresh clone). This test clones the repository into a temporary
directory, copies the working tree's sources over it (no `_build`,
no `.venv`), builds them from scratch there, and compares
every published file, pages, downloadable notebooks, PDFs, figures,
search index, byte for byte. Any unseeded random number, timing, memory
address, random cell id, a print split differently by the kernel, or a
path of the machine in an output shows up here as a difference.
"""

import difflib
import io
import shutil
import subprocess

import pytest

from bookbuild import build

pytestmark = pytest.mark.slow


def source_files(root):
    """Tracked files and new files git does not ignore, relative paths."""
    listing = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=root, capture_output=True, text=True, check=True,
    ).stdout
    return [p for p in listing.split("\0") if p and (root / p).is_file()]


def published(html):
    """Every file of a built site: relative path -> bytes."""
    return {p.relative_to(html).as_posix(): p.read_bytes()
            for p in sorted(html.rglob("*")) if p.is_file()}


def first_difference(name, a, b):
    """A few lines around where two versions of a file part."""
    try:
        a_lines = a.decode().splitlines()
        b_lines = b.decode().splitlines()
    except UnicodeDecodeError:
        at = next(i for i, (x, y) in enumerate(zip(a + b"\0", b + b"\1"))
                  if x != y)
        return f"{name}: binary, first differs at byte {at}"
    diff = difflib.unified_diff(a_lines, b_lines, "first", "second",
                                n=1, lineterm="")
    return f"{name}:\n" + "\n".join(line[:200] for line in list(diff)[:12])


def test_a_clean_rebuild_publishes_identical_bytes(
        repo_root, built_html, tmp_path):
    first = published(built_html)
    assert "index.html" in first

    # A git clone (the PDF names the commit and its date), then the
    # working tree's files over it, edits not yet committed too.
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", "--shared", str(repo_root),
                    str(clone)], check=True)
    for rel in source_files(repo_root):
        (clone / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(repo_root / rel, clone / rel)
    log = io.StringIO()
    assert build.build(clone, out=log) == 0, log.getvalue()[-5000:]
    second = published(clone / "_build" / "html")

    assert sorted(first) == sorted(second), (
        f"only in the first: {sorted(set(first) - set(second))}; "
        f"only in the second: {sorted(set(second) - set(first))}")
    differ = [name for name in first if first[name] != second[name]]
    assert not differ, (
        f"{len(differ)} of {len(first)} published files differ between "
        "two clean builds:\n" + "\n".join(
            first_difference(name, first[name], second[name])
            for name in differ[:8]))
    notebooks = [name for name in first if name.endswith(".ipynb")]
    pdfs = [name for name in first if name.endswith(".pdf")]
    assert notebooks and pdfs  # the downloads are among what is compared
