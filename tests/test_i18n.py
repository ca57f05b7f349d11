"""The Korean edition (bookbuild.i18n): complete catalogues, one term
list, the same numbers as the English edition, a switch both ways, a
search that finds Korean words, Korean PDFs whose every Hangul
character has a glyph.

The quick tests read the committed catalogues; the slow ones the site
that `make book` built (both editions, one build).
"""

import json
import re
import subprocess
from pathlib import Path
from urllib.parse import urljoin

import pytest
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup

from bookbuild import catalogues, editions
import pdf_support
from site_support import chapter_pages

ROOT = Path(__file__).resolve().parents[1]
KO = ROOT / "locales" / "ko" / "LC_MESSAGES"
slow = pytest.mark.slow


def po_files():
    return sorted(KO.rglob("*.po"))


def messages(po):
    with po.open("rb") as f:
        return [m for m in read_po(f) if m.id]


# ---------------------------------------------------------------------
# The catalogues (quick)


def test_every_page_has_a_catalogue():
    pages = {p.stem for p in (ROOT / "book").glob("*.md")}
    toc = set(re.findall(r"file: book/([\w-]+)",
                         (ROOT / "_toc.yml").read_text()))
    have = {p.stem for p in (KO / "book").glob("*.po")}
    assert toc <= pages
    assert toc - have == set(), "pages without a Korean catalogue"


@pytest.mark.parametrize("po", po_files(), ids=lambda p: p.stem)
def test_catalogue_is_complete_keeps_markup_and_uses_the_terms(po):
    """0 untranslated, 0 fuzzy; every role target, formula, code span
    and link kept; no English term of the term list in Korean prose."""
    problems = catalogues.lint(po, catalogues.read_terms(ROOT, "ko"))
    assert not problems, "\n".join(
        f"{problem}: {editions.shorten(msgid, 90)}" for msgid, problem in
        problems[:20])


def test_glossary_entries_are_the_term_list():
    """The Korean glossary names each term as the term list does."""
    terms = catalogues.read_terms(ROOT, "ko")
    glossary = (ROOT / "book" / "glossary.md").read_text()
    entries = re.findall(r"^([^\s{`].*)$", glossary.split("```{glossary}")
                         [1].split("```")[0], re.M)
    translated = {m.id: m.string for m in
                  messages(KO / "book" / "glossary.po")}
    assert entries
    for entry in entries:
        assert entry in terms, f"glossary term {entry!r} not in terms.tsv"
        assert translated.get(entry) == terms[entry], entry


def test_the_lint_catches_lost_markup_and_english_terms():
    terms = {"gradient": "기울기"}
    good = "{term}`기울기 <gradient>` $f(x)$ 와 `x.grad`"
    source = "the {term}`gradient` $f(x)$ and `x.grad`"
    assert catalogues.markup(source) == catalogues.markup(good)
    assert catalogues.markup(source) != catalogues.markup("{term}`기울기` $f(x)$")
    assert catalogues.markup(source) != catalogues.markup(
        "{term}`기울기 <gradient>` $f(y)$ `x.grad`")
    assert catalogues.english_terms("기울기(gradient)는", terms) == ["gradient"]
    assert catalogues.english_terms("{term}`기울기 <gradient>`", terms) == []


def test_the_korean_search_splits_particles():
    from bookbuild.search_ko import SearchKorean

    words = SearchKorean({}).split("야코비안을 계산한 야코비안의 열")
    assert "야코비안" in words and "야코비안을" in words
    assert "열" in words  # one letter left: not cut


# ---------------------------------------------------------------------
# The built editions (slow)


def twin(name):
    return Path("ko") / name


def page(html, name):
    return BeautifulSoup((html / name).read_text(encoding="utf-8"),
                         "html.parser")


@slow
def test_every_page_has_its_korean_twin_and_the_switch_links_both_ways(
        built_html):
    pages = chapter_pages(built_html)
    assert len(pages) >= 30
    for name in pages:
        english, korean = page(built_html, name), page(built_html,
                                                       twin(name))
        assert english.html["lang"] == "en", name
        assert korean.html["lang"] == "ko", name
        for here, there, soup, lang in ((name, twin(name), english, "ko"),
                                        (twin(name), name, korean, "en")):
            (switch,) = soup.select("a.language-switch")
            assert switch["hreflang"] == lang and switch["lang"] == lang
            target = Path(urljoin(here.as_posix(), switch["href"]))
            assert target == there, (here, switch["href"])
            assert switch.get_text(strip=True) == \
                editions.EDITIONS[lang][1]


def outputs(soup):
    """The page's code cells' sources and outputs, and glued values."""
    cells = [(c.select_one(".cell_input").get_text() if c.select_one(
        ".cell_input") else "", c.select_one(".cell_output").get_text()
        if c.select_one(".cell_output") else "")
        for c in soup.select("div.cell")]
    # Korean word order may put a page's glued values in another order.
    glued = sorted(g.get_text() for g in soup.select(".pasted-text"))
    return cells, glued


@slow
def test_korean_pages_show_the_english_outputs_and_glued_numbers(
        built_html):
    for name in chapter_pages(built_html):
        english = outputs(page(built_html, name))
        korean = outputs(page(built_html, twin(name)))
        assert korean == english, name


@slow
def test_korean_pages_are_korean(built_html):
    """Most of each page's prose is Hangul (the build refuses
    untranslated messages; this sees that they reached the page). The
    References page, a list of English titles, is left out."""
    for name in chapter_pages(built_html):
        if name.stem == "references":
            continue
        article = page(built_html, twin(name)).select_one("article")
        for skip in article.select("div.cell, .math, pre, code"):
            skip.decompose()
        text = article.get_text(" ")
        hangul = len(re.findall(r"[\uac00-\ud7a3]", text))
        latin = len(re.findall(r"[A-Za-z]", text))
        assert hangul > latin, (name, hangul, latin)


@slow
def test_korean_search_index_finds_korean_words(built_html):
    index = (built_html / "ko" / "searchindex.js").read_text(
        encoding="utf-8")
    data = json.loads(index[index.index("(") + 1:index.rindex(")")])
    docs = data["docnames"]
    for word, page_name in (("야코비안", "book/chain-rule"),
                            ("헤세", "book/quadratic-example")):
        found = []
        for index in (data["terms"], data["titleterms"]):
            hits = index.get(word, [])
            found += [hits] if isinstance(hits, int) else hits
        assert found, word
        assert page_name in [docs[i] for i in found], (word, page_name)


def pdf_text(path):
    """The text of a built PDF, its words a space apart (poppler's
    pdftotext, once per PDF: tests/pdf_support.py)."""
    return "\n".join(pdf_support.pdf_text(path))


def pdf_fonts(path):
    """The fonts of a PDF as poppler's pdffonts lists them: name, type,
    emb (embedded: yes or no), one dict per font and page object."""
    lines = subprocess.run(["pdffonts", str(path)], capture_output=True,
                           text=True, check=True).stdout.splitlines()
    header, rule = lines[0], lines[1]
    # Columns by the dashes under the header (a name may hold spaces).
    spans, start = [], 0
    for width in map(len, rule.split(" ")):
        spans.append((start, start + width))
        start += width + 1
    names = [header[a:b].strip() for a, b in spans]
    return [{n: line[a:b].strip() for n, (a, b) in zip(names, spans)}
            for line in lines[2:]]


@slow
@pytest.mark.parametrize("name", ["gradients-book.pdf",
                                  "gradients-proofs.pdf"])
def test_korean_pdfs_embed_a_face_with_every_hangul_character(
        built_html, name):
    from reportlab.pdfbase.ttfonts import TTFont

    from bookbuild.pdf.fonts import _LAZY

    path = built_html / "ko" / name
    fonts = pdf_fonts(path)
    assert any("NanumMyeongjo" in f["name"] for f in fonts), fonts
    for font in fonts:
        if font["type"] != "Type 3":
            assert font["emb"] == "yes", f"{font['name']} is not embedded"
    # What each font draws, from its ToUnicode map (a subset holds only
    # the glyphs the pages use): every Hangul syllable in the PDF is
    # drawn by a Nanum face that has it.
    drawn = pdf_support.pdf_characters(path)
    assert None not in drawn.values(), drawn
    hangul = {name: {c for c in chars if "\uac00" <= c <= "\ud7a3"}
              for name, chars in drawn.items()}
    assert {name for name, chars in hangul.items() if chars
            and "Nanum" not in name} == set()
    syllables = set().union(*hangul.values())
    assert len(syllables) > 300
    face = TTFont("NanumCheck", _LAZY["NanumMyeongjo"]).face.charToGlyph
    missing = sorted(c for c in syllables if ord(c) not in face)
    assert not missing, missing


@slow
def test_korean_proofs_pdf_has_the_english_blocks(built_html):
    """As many numbered blocks and proofs, chapter by chapter: the
    proofs PDF's contents line of each chapter counts them."""
    english = pdf_text(built_html / "gradients-proofs.pdf")
    korean = pdf_text(built_html / "ko" / "gradients-proofs.pdf")
    counts_en = re.findall(r"\((\d+) numbered blocks?, (\d+) proofs?\)",
                           english)
    counts_ko = re.findall(r"\(번호 붙은 블록 (\d+)개, 증명 (\d+)개\)",
                           korean)
    assert counts_en and counts_ko == counts_en


@slow
def test_korean_notebooks_have_korean_prose_and_the_english_code(
        built_html):
    """The download and Colab notebook of a Korean page: its prose in
    Korean, its code cells and outputs those of the English one."""
    import nbformat

    for name in ("chain-rule", "autograd", "custom-rules"):
        english = nbformat.read(
            built_html / "_sources" / "book" / f"{name}.ipynb", 4)
        korean = nbformat.read(
            built_html / "ko" / "_sources" / "book" / f"{name}.ipynb", 4)

        def code(nb):
            return [(c.source, c.get("outputs")) for c in nb.cells
                    if c.cell_type == "code"]

        assert code(korean) == code(english), name
        prose = " ".join(c.source for c in korean.cells
                         if c.cell_type == "markdown")
        assert len(re.findall(r"[\uac00-\ud7a3]", prose)) > 500, name


def test_translated_nodes_keep_no_document_of_their_own():
    """Sphinx parses each translated message as a document of its own;
    its nodes, moved into the page, must not carry that document (with
    its settings and substitutions) into the page's pickle."""
    import pickle

    from docutils import nodes
    from docutils.frontend import get_default_settings
    from docutils.parsers.rst import Parser
    from docutils.utils import new_document

    from bookbuild.i18n import forget_message_documents

    settings = get_default_settings(Parser)
    page = new_document("page", settings)
    for number in range(50):
        message = new_document(f"message {number}", settings)
        message.substitution_defs["words"] = \
            nodes.substitution_definition()
        paragraph = nodes.paragraph(text=f"번역 {number}")
        page += paragraph
        paragraph.document = message    # as Sphinx's Locale leaves it
    assert "message 7".encode() in pickle.dumps(page)
    forget_message_documents(None, page)
    assert all(node.document is page for node in page.findall())
    assert "message 7".encode() not in pickle.dumps(page)


@slow
def test_korean_doctrees_are_as_light_as_the_english_ones(built_html):
    """The Korean pages' pickles (read back several times a build) are
    about the size of the English ones."""
    build = built_html.parent
    sizes = {}
    for folder in (".doctrees", ".doctrees-ko"):
        sizes[folder] = {p.relative_to(build / folder): p.stat().st_size
                         for p in (build / folder).rglob("*.doctree")}
    assert sizes[".doctrees"].keys() == sizes[".doctrees-ko"].keys()
    for name, english in sizes[".doctrees"].items():
        assert sizes[".doctrees-ko"][name] < 1.5 * english + 20_000, name
