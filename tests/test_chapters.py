"""The chapters and the library agree on the book's conventions.

- Every chapter in _toc.yml is a MyST notebook that runs in Jupyter.
- Code cells are at most 78 characters a line (a PDF page, a phone).
- TensorFlow and Keras are imported only after gradbook (which sets
  TensorFlow's logging variables before its import).
- Chapters never import bookbuild (the book's tooling).
- Every "Defined in: <chapter>, §<section>" back-link in gradbook names
  a real chapter title and one of its headings.
- Every chapter with a proof links the proofs PDF.
"""

import ast
import re
from pathlib import Path

import jupytext
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
CHAPTERS = [TOC["root"]] + [c["file"] for c in TOC.get("chapters", [])]
MAX_LINE = 78


def notebook(name):
    return jupytext.read(ROOT / f"{name}.md")


def code_cells(name):
    return [c for c in notebook(name).cells if c.cell_type == "code"]


def headings(name):
    """The chapter's headings, outside code fences: level-1 first."""
    found, fence = [], None
    for line in (ROOT / f"{name}.md").read_text().splitlines():
        marker = re.match(r"^(`{3,}|~{3,})", line)
        if marker:
            if fence is None:
                fence = marker.group(1)
            elif line.startswith(fence) and line.strip() == fence:
                fence = None
            continue
        if fence is None:
            heading = re.match(r"^(#+)\s+(.*?)\s*$", line)
            if heading:
                found.append(heading.group(2))
    return found


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_is_a_python_notebook(name):
    nb = notebook(name)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert nb.metadata["jupytext"]["text_representation"]["format_name"] \
        == "myst"
    assert code_cells(name), f"{name} has no code cells"


@pytest.mark.parametrize("name", CHAPTERS)
def test_code_cells_fit_78_columns(name):
    long = [
        f"cell {i}: {len(line)} chars: {line}"
        for i, cell in enumerate(code_cells(name), start=1)
        for line in cell.source.splitlines() if len(line) > MAX_LINE
    ]
    assert not long, "\n".join(long)


@pytest.mark.parametrize("name", CHAPTERS)
def test_tensorflow_comes_after_gradbook(name):
    seen_gradbook = False
    for i, cell in enumerate(code_cells(name), start=1):
        for line in cell.source.splitlines():
            if re.match(r"^\s*(import|from)\s+gradbook\b", line):
                seen_gradbook = True
            if re.match(r"^\s*(import|from)\s+(tensorflow|keras)\b", line):
                assert seen_gradbook, (
                    f"{name}, cell {i} imports TensorFlow or Keras before "
                    "gradbook, so TensorFlow's start-up logs reach stderr")


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapters_never_import_the_tooling(name):
    for cell in code_cells(name):
        assert not re.search(r"^\s*(import|from)\s+bookbuild\b",
                             cell.source, re.M)


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapters_with_proofs_link_the_pdf(name):
    text = (ROOT / f"{name}.md").read_text()
    if "{prf:proof}" in text:
        assert "{proofs-pdf}" in text


def defined_in_links():
    """(module, object, chapter title, section) for every back-link."""
    for path in sorted((ROOT / "code" / "gradbook").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.ClassDef,
                                     ast.AsyncFunctionDef)):
                continue
            doc = " ".join((ast.get_docstring(node) or "").split())
            for chapter, section in re.findall(
                    r"Defined in: (.+?), §(.+?)\.(?:\s|$)", doc):
                yield path.name, node.name, chapter, section


def test_every_defined_in_link_names_a_real_section():
    titles = {headings(name)[0]: name for name in CHAPTERS}
    links = list(defined_in_links())
    assert len(links) > 20
    broken = []
    for module, obj, chapter, section in links:
        if chapter not in titles:
            broken.append(f"{module}:{obj}: no chapter titled {chapter!r}")
        elif section not in headings(titles[chapter]):
            broken.append(f"{module}:{obj}: {chapter!r} has no section "
                          f"{section!r}")
    assert not broken, "\n".join(broken)

