"""The book as one path: parts, pages of one sitting, no page leaning on
a later one, real citations, a glossary in use, no lost address.

The quick tests read the sources; the slow ones read the built site.
"""

import json
import re
from pathlib import Path

import pytest
import yaml
from pybtex.database import parse_file

from site_support import soup

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
MAX_LINES = 700
MAX_WORDS = 2500
# Pages that may point anywhere: the intro describes the whole book, and
# the back matter lists what the pages define.
BACK_MATTER_PART = "Reference"

CITE = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
TERM = re.compile(r"\{term\}`(?:[^`<]*<)?([^`>]+)>?`")
LETTERS = re.compile(r"[^\W\d_]+")


def toc():
    return yaml.safe_load((ROOT / "_toc.yml").read_text())


def path_pages():
    """The pages in reading order, intro first: [(docname, part)]."""
    data = toc()
    pages = [(data["root"], None)]
    for part in data["parts"]:
        pages += [(c["file"], part["caption"]) for c in part["chapters"]]
    return pages


def body_pages():
    """The pages of the path proper: neither the intro nor back matter."""
    return [doc for doc, part in path_pages()[1:]
            if part != BACK_MATTER_PART]


def sources():
    return {p.stem: p.read_text(encoding="utf-8")
            for p in sorted(BOOK.glob("*.md"))}


def test_the_toc_has_parts_with_captions_and_every_page():
    data = toc()
    assert "chapters" not in data, "the pages are grouped into parts"
    captions = [part["caption"] for part in data["parts"]]
    assert len(captions) >= 4 and all(captions)
    listed = {doc for doc, _ in path_pages()}
    on_disk = {f"book/{p.stem}" for p in BOOK.glob("*.md")}
    assert listed == on_disk, (
        f"in the toc but not in book/: {sorted(listed - on_disk)}; "
        f"in book/ but not in the toc: {sorted(on_disk - listed)}")


@pytest.mark.parametrize("page", sorted(p.stem for p in BOOK.glob("*.md")))
def test_a_page_file_is_one_sitting_long(page):
    lines = (BOOK / f"{page}.md").read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, (
        f"book/{page}.md has {lines} lines; a page has at most "
        f"{MAX_LINES}: split it along its sections")


def test_every_citation_is_in_the_bibliography_and_every_entry_cited():
    bib = parse_file(ROOT / "references.bib")
    keys = set(bib.entries)
    cited = set()
    for text in sources().values():
        for group in CITE.findall(text):
            cited.update(k.strip() for k in group.split(","))
    assert cited, "the book cites nothing"
    assert not cited - keys, f"cited but not in references.bib: " \
        f"{sorted(cited - keys)}"
    assert not keys - cited, f"in references.bib but never cited: " \
        f"{sorted(keys - cited)}"


def test_every_bibliography_entry_has_a_doi_or_url():
    bib = parse_file(ROOT / "references.bib")
    missing = [key for key, entry in bib.entries.items()
               if not ({"doi", "url"} & {f.lower() for f in entry.fields})]
    assert not missing, f"entries with neither DOI nor URL: {missing}"


def glossary_terms():
    text = (BOOK / "glossary.md").read_text(encoding="utf-8")
    block = text.split("```{glossary}", 1)[1].split("```", 1)[0]
    return [line.strip() for line in block.splitlines()
            if line and not line.startswith((" ", "\t"))]


def test_every_glossary_term_is_used_on_a_page():
    terms = glossary_terms()
    assert len(terms) >= 15
    used = set()
    for name, text in sources().items():
        if name != "glossary":
            used.update(t.strip().lower() for t in TERM.findall(text))
    unused = [t for t in terms if t.lower() not in used]
    assert not unused, f"glossary terms no page links: {unused}"


def test_old_addresses_are_all_listed_pages_or_redirected():
    old = json.loads((ROOT / "book/old-urls.json").read_text())
    assert "book/chain-rule" in old and "book/engine" in old
    for page, anchors in old.items():
        for anchor, target in anchors.items():
            # "" (found in the doctrees), "book/page" or "book/page#id"
            assert not target or target.startswith("book/"), \
                (page, anchor, target)


# The built site ---------------------------------------------------------

def article(html, docname):
    page = soup(html / f"{docname}.html")
    found = page.find("article", class_="bd-article")
    assert found is not None, f"{docname}.html has no article"
    return found


def prose_words(html, docname):
    """Runs of letters in the article's text, with code cells and their
    outputs, pre blocks, mathematics and framework tab sets removed."""
    from bs4 import BeautifulSoup

    art = BeautifulSoup(str(article(html, docname)), "html.parser")
    for selector in ("div.cell", "pre", "span.math", "div.math",
                     "div.sd-tab-set", "a.headerlink", "script", "style"):
        for node in art.select(selector):
            node.decompose()
    return len(LETTERS.findall(art.get_text(" ")))


@pytest.mark.slow
def test_every_page_is_at_most_2500_words_of_prose(built_html):
    counts = {doc: prose_words(built_html, doc) for doc in body_pages()}
    over = {doc: n for doc, n in counts.items() if n > MAX_WORDS}
    assert not over, f"pages over {MAX_WORDS} words of prose: {over}"


def _is_in_seealso(link):
    return any("seealso" in (parent.get("class") or [])
               for parent in link.parents)


@pytest.mark.slow
def test_no_page_leans_on_a_later_page(built_html):
    order = [doc for doc, _ in path_pages()]
    position = {doc: i for i, doc in enumerate(order)}
    body = set(body_pages())
    leaning = []
    for doc in body_pages():
        for link in article(built_html, doc).find_all("a", href=True):
            href = link["href"]
            if href.startswith(("#", "http:", "https:", "mailto:")) \
                    or "#" not in href:
                continue  # same page, another site, or a whole page
            path, anchor = href.split("#", 1)
            target = str((Path(doc).parent / path).with_suffix(""))
            target = target.replace("\\", "/")
            if target not in body or _is_in_seealso(link):
                continue
            if position[target] > position[doc]:
                leaning.append(f"{doc} -> {target}#{anchor}")
    assert not leaning, (
        "references into a later page (make them a seealso pointer or "
        "move the material): " + "; ".join(sorted(set(leaning))))


@pytest.mark.slow
def test_the_references_page_lists_the_cited_works(built_html):
    page = article(built_html, "book/references")
    text = " ".join(page.get_text(" ").split()).lower()
    bib = parse_file(ROOT / "references.bib")
    for entry in bib.entries.values():
        title = entry.fields["title"].replace("{", "").replace("}", "")
        # the bibliography style sets titles in sentence case
        assert title.split(":")[0][:30].lower() in text, title
    assert page.find("a", href=re.compile(r"^https://doi\.org/"))


@pytest.mark.slow
def test_every_old_address_still_leads_to_its_anchor(built_html):
    old = json.loads((ROOT / "book/old-urls.json").read_text())
    for page, anchors in old.items():
        path = built_html / f"{page}.html"
        assert path.is_file(), f"{page}.html is gone"
        html = path.read_text(encoding="utf-8")
        here = set(re.findall(r'\sid="([^"]+)"', html))
        script = re.search(r"var moved = (\{.*?\});", html)
        moved = json.loads(script.group(1).replace("<\\/", "</")) \
            if script else {}
        for anchor in anchors:
            if anchor in here:
                continue
            assert anchor in moved, f"{page}#{anchor} leads nowhere"
            target, _, new_anchor = moved[anchor].partition("#")
            target_html = (path.parent / target).read_text(encoding="utf-8")
            if new_anchor:
                assert f'id="{new_anchor}"' in target_html, moved[anchor]
