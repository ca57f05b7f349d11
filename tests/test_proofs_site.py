"""The proofs PDF and the website: built together, numbered alike.

Builds the fixture book (tests/fixtures/proofs) with Jupyter Book, as
strictly as the real one (-W -n --keep-going): the Sphinx extension
bookbuild.proofs.sphinxext must publish the PDF next to the pages, its
role must link to it from any page, and every number sphinx-proof and
Sphinx print on the pages must be the number the PDF's parser assigns.
"""

import os
import re
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest

from bookbuild.proofs import PDF_NAME, export
from bookbuild.proofs.source import load_book

FIXTURE = Path(__file__).parent / "fixtures" / "proofs"
JUPYTER_BOOK = Path(sys.executable).parent / "jupyter-book"
EPOCH = "1700000000"

pytestmark = pytest.mark.slow


def build(source: Path, out: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, SOURCE_DATE_EPOCH=EPOCH)
    return subprocess.run(
        [str(JUPYTER_BOOK), "build", str(source), "--path-output", str(out),
         "-W", "-n", "--keep-going"],
        capture_output=True, text=True, timeout=600, env=env)


@pytest.fixture(scope="module")
def source(tmp_path_factory):
    """A copy outside git, so that its version cannot change between
    the build and the export (others commit to the working tree)."""
    root = tmp_path_factory.mktemp("source") / "book"
    shutil.copytree(FIXTURE, root)
    return root


@pytest.fixture(scope="module")
def site(tmp_path_factory, source):
    out = tmp_path_factory.mktemp("site")
    done = build(source, out)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "WARNING" not in done.stdout + done.stderr
    return out / "_build" / "html"


def captions(html: str):
    """Block names as the page shows them: "Theorem 1", "Remark"..."""
    names = []
    for match in re.finditer(
            r'<div class="proof (\w+) admonition" id="[^"]*">\s*'
            r'<p class="admonition-title"[^>]*>(.*?)</p>', html, re.S):
        kind, title = match.groups()
        number = re.search(r'<span class="caption-number">(\w+) (\d+) ',
                           title)
        names.append(f"{number[1]} {number[2]}" if number
                     else kind.title())
    return names


def proof_count(html: str) -> int:
    return len(re.findall(r'<div class="proof admonition" id="proof"', html))


def test_pdf_is_published_next_to_the_pages(site, source, tmp_path,
                                            monkeypatch):
    pdf = site / PDF_NAME
    assert pdf.read_bytes().startswith(b"%PDF-")
    # the same bytes as the command line's export of the same sources
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    cli = export(source, tmp_path / "cli.pdf")
    assert cli.path.read_bytes() == pdf.read_bytes()


def test_role_links_to_the_pdf_from_any_page(site):
    for page, href in (("intro.html", PDF_NAME),
                       ("chapters/quadratic.html", f"../{PDF_NAME}")):
        html = (site / page).read_text()
        links = re.findall(r'<a class="proofs-pdf reference external" '
                           r'href="([^"]+)">([^<]+)</a>', html)
        assert links and all(h == href for h, _ in links), (page, links)
        assert (site / page).parent.joinpath(href).resolve() == (
            site / PDF_NAME).resolve()
    intro = (site / "intro.html").read_text()
    assert ">Download the proofs (PDF)</a>" in intro


def test_block_numbers_match_the_website(site):
    book = load_book(FIXTURE)
    for chapter in book.chapters:
        html = (site / f"{chapter.docname}.html").read_text()
        numbered = [b.name for b in chapter.blocks if b.kind != "proof"]
        assert captions(html) == numbered, chapter.docname
        proofs = [b for b in chapter.blocks if b.kind == "proof"]
        assert proof_count(html) == len(proofs)


def test_equation_numbers_match_the_website(site):
    book = load_book(FIXTURE)
    for chapter in book.chapters:
        html = (site / f"{chapter.docname}.html").read_text()
        shown = [int(n) for n in re.findall(
            r'<span class="eqno">\((\d+)\)', html)]
        assert shown == chapter.equations, chapter.docname


def test_reference_texts_match_the_website(site):
    html = unescape((site / "chapters/layers.html").read_text())
    # what {prf:ref} and {eq} print on the page is what the PDF prints
    assert 'quadratic.html#thm-quadform-gradient">Theorem 1</a>' in html
    assert '#equation-eq-quadform-gradient">(3)</a>' in html
    assert '#lem-grad-w">Lemma 1</a>' in html


def test_bad_proof_fails_the_build_and_keeps_the_previous_pdf(tmp_path):
    source = tmp_path / "book"
    shutil.copytree(FIXTURE, source)
    chapter = source / "chapters" / "quadratic.md"
    text = chapter.read_text()
    chapter.write_text(text.replace("which is $2Ax$ when",
                                    "which is $2Ax when", 1))
    html = tmp_path / "out" / "_build" / "html"
    html.mkdir(parents=True)
    (html / PDF_NAME).write_bytes(b"%PDF- the previous export")
    done = build(source, tmp_path / "out")
    output = done.stdout + done.stderr
    assert done.returncode != 0
    assert f"{chapter}:59: WARNING: proofs PDF not written: unbalanced $" \
        in output, output[-3000:]
    assert (html / PDF_NAME).read_bytes() == b"%PDF- the previous export"
