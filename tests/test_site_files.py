"""The built site, read as files: offline, linked, downloadable.

Every page of the site is read (pages are found by walking the built
site), so chapters are covered as they arrive. The browser tests
(test_site_browser.py) check the same site as a reader sees it.
"""

import json
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from site_support import (LOADING_RELS, all_pages, chapter_pages, config,
                          is_remote, local_target, notebook_pages, soup)

# Attributes through which a page makes the browser fetch something.
FETCHING = [("script", "src"), ("img", "src"), ("iframe", "src"),
            ("source", "src"), ("video", "src"), ("video", "poster"),
            ("audio", "src"), ("embed", "src"), ("object", "data"),
            ("input", "src"), ("track", "src")]
CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""")
CSS_COMMENT = re.compile(r"/\*.*?\*/", re.S)
PDF = config()["sphinx"]["config"]["bookbuild_proofs_pdf"]


def fetched_urls(page):
    """Every URL that loading `page` fetches, as written in the HTML."""
    doc = soup(page)
    for tag, attr in FETCHING:
        for el in doc.find_all(tag):
            if el.get(attr):
                yield f"<{tag} {attr}>", el[attr]
    for el in doc.find_all(["img", "source"]):
        for item in el.get("srcset", "").split(","):
            if item.strip():
                yield f"<{el.name} srcset>", item.split()[0]
    for el in doc.find_all("link"):
        if LOADING_RELS & set(el.get("rel", [])) and el.get("href"):
            yield f"<link rel={' '.join(el['rel'])}>", el["href"]
    css = [el.get_text() for el in doc.find_all("style")]
    css += [el["style"] for el in doc.find_all(style=True)]
    for text in css:
        for url in CSS_URL.findall(CSS_COMMENT.sub("", text)):
            yield "inline CSS", url

pytestmark = pytest.mark.slow


def test_no_page_loads_anything_from_another_host(built_html):
    remote = [f"{page}: {where} {url}"
              for page in all_pages(built_html)
              for where, url in fetched_urls(built_html / page)
              if is_remote(url) and not url.startswith("data:")]
    assert not remote, "pages load from other hosts:\n" + "\n".join(remote)


def test_no_style_sheet_loads_from_another_host(built_html):
    remote = []
    for css in sorted(built_html.joinpath("_static").rglob("*.css")):
        text = CSS_COMMENT.sub("", css.read_text(encoding="utf-8"))
        remote += [f"{css.relative_to(built_html)}: {url}"
                   for url in CSS_URL.findall(text)
                   if is_remote(url) and not url.startswith("data:")]
    assert not remote, "style sheets load from other hosts:\n" + \
        "\n".join(remote)


def test_math_is_typeset_by_the_sites_own_mathjax(built_html):
    with_math = [p for p in all_pages(built_html)
                 if soup(built_html / p).select(".math")]
    assert with_math, "no page has math: is the site complete?"
    for page in with_math:
        scripts = [s["src"] for s in soup(built_html / page).find_all(
            "script", src=True) if "mathjax" in s["src"].lower()]
        assert len(scripts) == 1, f"{page}: MathJax scripts {scripts}"
        target, _ = local_target(built_html, page, scripts[0].split("?")[0])
        # Each edition (English at the root, Korean under ko/) is a site
        # of its own, with its own copy.
        edition = built_html / ("ko" if page.parts[0] == "ko" else "")
        assert target == edition / "_static/mathjax/tex-chtml.js"
        assert target.is_file(), f"{page}: {scripts[0]} is missing"
    # CHTML output loads its fonts relative to the script: all local.
    fonts = built_html / "_static/mathjax/output/chtml/fonts/woff-v2"
    assert len(list(fonts.glob("MathJax_*.woff"))) >= 20


def _ids(path):
    doc = soup(path)
    return ({el["id"] for el in doc.find_all(id=True)}
            | {el["name"] for el in doc.find_all("a", attrs={"name": True})})


def test_every_internal_link_and_anchor_resolves(built_html):
    broken = []
    for page in all_pages(built_html):
        doc = soup(built_html / page)
        links = [(el.name, el.get("href")) for el in doc.find_all(
            ["a", "link"], href=True)]
        links += [(el.name, el.get("src")) for el in doc.find_all(
            ["img", "script", "iframe", "source"], src=True)]
        for tag, url in links:
            if (not url or is_remote(url) or url == "#"
                    or url.startswith(("mailto:", "javascript:", "data:"))):
                continue
            target, fragment = local_target(built_html, page, url)
            if not target.is_file():
                broken.append(f"{page}: <{tag}> {url}: no file {target}")
            elif fragment and target.suffix == ".html" \
                    and fragment not in _ids(target):
                broken.append(f"{page}: <{tag}> {url}: no id "
                              f"{fragment!r} in {target.name}")
    assert not broken, f"{len(broken)} broken links:\n" + "\n".join(broken)


def download_links(html, page):
    """href of each entry of the page's download menu, by its text."""
    menu = soup(html / page).select_one(".dropdown-download-buttons")
    assert menu is not None, f"{page} has no download menu"
    return {a.get_text(strip=True): a["href"]
            for a in menu.find_all("a", href=True)}


def test_every_chapter_page_offers_notebook_source_and_pdf(built_html):
    for page in notebook_pages(built_html):
        links = download_links(built_html, page)
        name = page.stem
        assert set(links) >= {".ipynb", ".md", "Proofs .pdf"}, (
            f"{page}: download menu has {sorted(links)}")
        ipynb, _ = local_target(built_html, page, links[".ipynb"])
        assert ipynb == built_html / "_sources/book" / f"{name}.ipynb"
        assert ipynb.is_file(), f"{page}: {links['.ipynb']} missing"
        source, _ = local_target(built_html, page, links[".md"])
        assert source == built_html / "_sources/book" / f"{name}.md"
        text = source.read_text(encoding="utf-8")
        title = soup(built_html / page).find("h1").get_text().rstrip("#")
        title = title.replace("\u2019", "'")  # the site's typographic quote
        assert text.startswith("---\njupytext:") and (
            f"\n# {title}\n" in text), (
            f"{page}: the .md download is not the chapter's MyST source")
        pdf, _ = local_target(built_html, page, links["Proofs .pdf"])
        assert pdf == built_html / PDF
        assert pdf.is_file(), (
            f"{page}: the proofs PDF {PDF} is not in the site")
        assert pdf.read_bytes()[:5] == b"%PDF-"


def test_downloaded_notebooks_are_executed_and_installable(built_html):
    url = config()["repository"]["url"]
    for page in notebook_pages(built_html):
        path = built_html / "_sources/book" / f"{page.stem}.ipynb"
        notebook = nbformat.read(path, as_version=4)
        nbformat.validate(notebook)
        first, *cells = notebook.cells
        assert first.id == "install-gradbook"
        assert f"git+{url}" in first.source
        code = [c for c in cells if c.cell_type == "code"]
        assert all(c.execution_count is not None for c in code), (
            f"{path.name}: some code cells were not executed")
        assert [c for c in code if c.outputs] or not code, (
            f"{path.name}: executed, yet no cell has an output")


def test_repository_and_colab_links_come_from_the_config(built_html):
    cfg = config()
    repo = cfg["repository"]["url"]
    colab = cfg["launch_buttons"]["colab_url"]
    branch = cfg["sphinx"]["config"]["bookbuild_notebooks_branch"]
    slug = repo.removeprefix("https://github.com/")
    for page in notebook_pages(built_html):
        doc = soup(built_html / page)
        button = doc.select_one("a.btn-source-repository-button")
        assert button is not None and button["href"] == repo, page
        launch = doc.select_one(".dropdown-launch-buttons")
        assert launch is not None, f"{page}: no launch menu"
        hrefs = [a["href"] for a in launch.find_all("a", href=True)]
        assert hrefs == [f"{colab}/github/{slug}/blob/{branch}/book/"
                         f"{page.stem}.ipynb"], f"{page}: {hrefs}"


def _text_outputs(cell):
    """The cell's text outputs; a stream split in chunks counts as one."""
    out = []
    for output in cell.outputs:
        if output.output_type == "stream":
            if out and out[-1][0] == output.name:
                out[-1] = (output.name, out[-1][1] + output.text)
            else:
                out.append((output.name, output.text))
        elif "data" in output and "text/plain" in output.data:
            out.append(("text/plain", output.data["text/plain"]))
        elif output.output_type == "error":
            out.append(("error", output.ename))
    return out


def test_a_downloaded_notebook_runs_and_reproduces_its_outputs(
        built_html, tmp_path):
    """The reader's path: download, open elsewhere, run all cells."""
    for name in ("quadratic-form", "intro"):
        source = built_html / "_sources/book" / f"{name}.ipynb"
        if source.is_file():
            break
    shutil.copy(source, tmp_path / source.name)
    stored = nbformat.read(tmp_path / source.name, as_version=4)
    fresh = nbformat.read(tmp_path / source.name, as_version=4)
    for cell in fresh.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    NotebookClient(fresh, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    assert len(fresh.cells) == len(stored.cells)
    for ran, kept in zip(fresh.cells[1:], stored.cells[1:]):
        if ran.cell_type == "code":
            assert _text_outputs(ran) == _text_outputs(kept), (
                f"{name}: cell {ran.source[:60]!r} gave other outputs")
    assert json.loads(source.read_text())["nbformat"] == 4


def test_the_autograd_page_has_synced_framework_tabs(built_html):
    """Required, so it fails (not skips) when the page is missing;
    the browser test clicks the tabs."""
    page = built_html / "book/autograd.html"
    assert page.is_file(), "the autograd page is not in the site"
    labels = soup(page).select(".sd-tab-label[data-sync-group='framework']")
    ids = [label["data-sync-id"] for label in labels]
    assert ids and set(ids) == {"pytorch", "tensorflow", "jax"}, ids
    assert ids.count("pytorch") == ids.count("tensorflow") \
        == ids.count("jax")
