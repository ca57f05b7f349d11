"""The PDFs published with the built book (GRADBOOK_HTML, or _build/html).

The whole-book PDF must hold what the website holds: every chapter and
section title in reading order and in the outline, every figure, the
first line of every code cell, every number Sphinx printed; nothing
may run past the text block; every internal link lands inside the
document; every page's download menu links both PDFs.  The command
line, run again over the same build, writes the same bytes.
"""

import re
import subprocess
import sys
from html import unescape
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

from bookbuild.pdf import BOOK_PDF_NAME, PDF_NAME
from bookbuild.pdf.document import MARGIN

import pdf_support
from pdf_support import pdf_words

ROOT = Path(__file__).resolve().parents[1]
A4_WIDTH = 595.2756

pytestmark = pytest.mark.slow


def reading_order():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    docs = [toc["root"]]
    for part in [toc] + toc.get("parts", []):
        docs += [c["file"] for c in part.get("chapters", [])]
    return docs


@pytest.fixture(scope="module")
def book(built_html):
    return PdfReader(built_html / BOOK_PDF_NAME)


@pytest.fixture(scope="module")
def proofs(built_html):
    return PdfReader(built_html / PDF_NAME)


@pytest.fixture(scope="module")
def pages(built_html):
    return {d: (built_html / f"{d}.html").read_text() for d in
            reading_order()}


def main_of(html: str) -> str:
    """The page's article, without the theme's navigation."""
    start = html.find('<article class="bd-article">')
    end = html.find("</article>", start)
    return html[start:end] if start >= 0 else html


def strip(markup: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", markup))


def squeeze(text: str) -> str:
    return "".join(text.split())


def pdf_text(path):
    """Each page's text, squeezed (tests/pdf_support.py)."""
    return [squeeze(page) for page in pdf_support.pdf_text(path)]


@pytest.fixture(scope="module")
def book_text(built_html):
    return pdf_text(built_html / BOOK_PDF_NAME)


def flat_outline(reader, items=None, level=0):
    for item in reader.outline if items is None else items:
        if isinstance(item, list):
            yield from flat_outline(reader, item, level + 1)
        else:
            yield level, item.title, reader.get_destination_page_number(
                item)


PART = re.compile(r"^Part [IVX]+\. ")


def chapter_outline(reader):
    """The outline with the parts taken out: (level, title, page), each
    page of the book at level 0 whether or not it sits in a part."""
    in_part = False
    for level, title, page in flat_outline(reader):
        if level == 0:
            in_part = bool(PART.match(title))
            if in_part:
                continue
            yield level, title, page
        else:
            yield level - in_part, title, page


def test_the_parts_are_the_top_of_the_outline(book):
    top = [title for level, title, _ in flat_outline(book) if level == 0]
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    parts = [f"Part {n}. {part['caption']}" for n, part in zip(
        ["I", "II", "III", "IV", "V", "VI"], toc["parts"])]
    assert [t for t in top if PART.match(t)] == parts


def headings(html: str):
    """(level, text) of the page's h1 and h2 headings, in order."""
    for level, inner in re.findall(r"<h([12])[^>]*>(.*?)</h\1>",
                                   main_of(html), re.S):
        text = strip(re.sub(r'<a class="headerlink".*?</a>', "", inner))
        yield int(level), " ".join(text.split())


def test_every_chapter_and_section_in_reading_order(pages, book,
                                                    book_text):
    expected = [h for d in reading_order() for h in headings(pages[d])]
    assert len(expected) > 20
    text, position = "".join(book_text), 0
    for _, title in expected:
        # titles with math print the formula as glyphs, its LaTeX hidden
        plain = squeeze(title)
        found = text.find(plain, position)
        assert found >= 0, f"{title!r} missing, or out of order"
        position = found + len(plain)
    outline = [(level, title) for level, title, _ in chapter_outline(book)
               if level <= 1]
    assert outline == [(level - 1, title) for level, title in expected]


def _page_chapters(book):
    """The chapter (docname) each page belongs to, from the outline."""
    starts = [page for level, _, page in chapter_outline(book)
              if level == 0]
    chapter_of = {}
    for i, docname in enumerate(reading_order()):
        end = starts[i + 1] if i + 1 < len(starts) else len(book.pages)
        for page in range(starts[i], end):
            chapter_of[page] = docname
    return chapter_of


def _pictures(page) -> int:
    """Figures drawn on a page: each is a marked-content sequence
    tagged /Figure (vector drawing or raster image inside)."""
    return page.get_contents().get_data().count(b"/Figure BMC")


def test_every_figure_of_the_site_is_in_the_book_pdf(pages, book):
    chapter_of = _page_chapters(book)
    in_pdf = {d: 0 for d in reading_order()}
    for index, page in enumerate(book.pages):
        if index in chapter_of:
            in_pdf[chapter_of[index]] += _pictures(page)
    on_site = {d: len(re.findall(r'<img [^>]*src="[^"]*_images/',
                                 main_of(html)))
               for d, html in pages.items()}
    assert sum(on_site.values()) >= 10
    assert in_pdf == on_site


def test_every_code_cell_first_line_is_in_the_text(pages, book_text):
    text = "".join(book_text)
    cells = 0
    for docname, html in pages.items():
        for source in re.findall(
                r'<div class="cell_input docutils container">\s*'
                r'<div class="highlight-ipython3 notranslate">'
                r'<div class="highlight"><pre>(.*?)</pre>', html, re.S):
            first = strip(source).strip("\n").split("\n")[0]
            cells += 1
            assert squeeze(first) in text, (docname, first)
    assert cells > 30


def test_no_line_runs_past_the_text_block(built_html):
    words = [word for page in pdf_words(built_html / BOOK_PDF_NAME)
             for word in page]
    assert len(words) > 5000
    left, right = MARGIN - 1, A4_WIDTH - MARGIN + 1
    outside = [(w, x0, x1) for x0, _, x1, _, w in words
               if x0 < left or x1 > right]
    assert outside == []


def test_numbers_are_the_numbers_sphinx_printed(pages, book_text,
                                                built_html):
    text = "".join(book_text)
    proofs_text = "".join(pdf_text(built_html / PDF_NAME))
    names = 0
    for docname, html in pages.items():
        for kind, number in re.findall(
                r'<span class="caption-number">(\w+) (\d+) </span>', html):
            head = f"{kind}{number}"
            assert head in text, (docname, head)
            # The proofs PDF keeps only the sphinx-proof blocks.
            if kind not in ("Exercise", "Fig.", "Table"):
                assert head in proofs_text, (docname, head)
            names += 1
        for number in re.findall(r'<span class="eqno">\((\d+)\)', html):
            assert f"({number})" in text, (docname, number)
    assert names > 20


def test_internal_links_land_inside_the_document(book, proofs):
    for reader in (book, proofs):
        count = 0
        for page in reader.pages:
            for annot in page.get("/Annots") or []:
                annot = annot.get_object()
                if "/Dest" in annot:
                    target = reader.get_page_number(
                        annot["/Dest"][0].get_object())
                    assert 0 <= target < len(reader.pages)
                    count += 1
        assert count > 5


def test_every_page_links_both_pdfs(pages):
    for docname, html in pages.items():
        for name in (BOOK_PDF_NAME, PDF_NAME):
            assert re.search(rf'href="(\.\./)*{re.escape(name)}"', html), \
                (docname, name)


def test_fonts_embedded(book):
    for page in book.pages[:6]:
        for font in (page["/Resources"].get("/Font") or {}).values():
            font = font.get_object()
            target = font["/DescendantFonts"][0].get_object() \
                if "/DescendantFonts" in font else font
            assert "/FontFile2" in target["/FontDescriptor"].get_object()


@pytest.mark.parametrize("language", ["en", "ko"])
def test_the_command_line_writes_the_bytes_the_build_wrote(
        built_html, tmp_path, language):
    """`make pdf` (python -m bookbuild.pdf) over the built book, for each
    edition: the very PDFs the build published (an edition's figures
    are found where the book's executed notebooks were published)."""
    build = built_html.parent
    doctrees = ".doctrees" + ("" if language == "en" else f"-{language}")
    if not (build / doctrees / "environment.pickle").exists():
        pytest.skip("the site's doctrees are not beside it")
    site = built_html if language == "en" else built_html / language
    before = sorted(built_html.rglob("*"))
    done = subprocess.run(
        [sys.executable, "-m", "bookbuild.pdf", "--root", str(ROOT),
         "--build", str(build), "--out", str(tmp_path),
         "--language", language],
        capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "warning" not in done.stderr.lower(), done.stderr[-3000:]
    for name in (BOOK_PDF_NAME, PDF_NAME):
        assert (tmp_path / name).read_bytes() == (site / name).read_bytes(), \
            name
    assert sorted(built_html.rglob("*")) == before  # the site untouched
