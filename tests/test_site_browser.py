"""The site in a real browser, offline, the way a reader uses it.

The built site is served on 127.0.0.1 and every page is opened in
Debian's Chromium (through Playwright) with every request to another
host blocked and recorded. Pages are found by walking the site, so new
chapters are covered without editing this file.

Without Chromium these tests are skipped with the command that
installs it. The framework tabs (the autograd pages), the proofs PDF and
the search are required features: if they are missing from the built
site, their tests fail.

Every page is loaded once per width for all the checks of this file
and of test_accessibility.py (the `page_visits` fixture,
tests/site_visits.py). Screenshots of every page at 1200 and 390 pixels
are written only when $GRADBOOK_SCREENSHOTS names a folder.
"""

import json
import re
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urljoin

import pytest

from site_support import all_pages, chapter_pages, notebook_pages, soup
from site_visits import DESKTOP, PHONE, Recorder

pytestmark = [pytest.mark.browser, pytest.mark.slow]

RAW_TEX = re.compile(r"\$\$|\\frac|\\begin\{")
TABS = ".sd-tab-label[data-sync-group='framework']"


def new_context(browser, width):
    """A fresh profile (no storage) at the given viewport width."""
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  service_workers="block")
    return context, Recorder(context)


@pytest.fixture(scope="module")
def desktop(page_visits):
    """Every page at 1200 px: {page: (seen, blocked, failed, errors)}."""
    return {name: (v["seen"], v["blocked"], v["failed"], v["errors"])
            for name, v in page_visits[DESKTOP].items()}


@pytest.fixture(scope="module")
def phone(page_visits, built_html):
    """The chapter pages at 390 px, as `desktop`."""
    chapters = set(chapter_pages(built_html))
    return {name: (v["seen"], v["blocked"], v["failed"], v["errors"])
            for name, v in page_visits[PHONE].items() if name in chapters}


def report(problems):
    return "\n".join(f"{page}: {what}" for page, what in problems)


def test_no_page_reaches_another_host(desktop, phone):
    problems = [(page, url) for visits in (desktop, phone)
                for page, (_, blocked, _, _) in visits.items()
                for url in blocked]
    assert not problems, "requests to other hosts:\n" + report(problems)


def test_no_console_errors_and_no_failed_requests(desktop, phone):
    problems = [(page, line) for visits in (desktop, phone)
                for page, (_, _, failed, errors) in visits.items()
                for line in failed + errors]
    assert not problems, report(problems)


def test_every_page_math_is_rendered(desktop):
    problems = []
    for page, (seen, *_) in desktop.items():
        problems += [(page, f"not typeset: {m}") for m in seen["untypeset"]]
        problems += [(page, f"MathJax error: {m}")
                     for m in seen["mathjax_errors"]]
        problems += [(page, f"raw TeX in the text: ...{m.group()}...")
                     for m in RAW_TEX.finditer(seen["text"])]
    assert any(seen["math"] for seen, *_ in desktop.values())
    assert not problems, report(problems)


def test_every_image_and_figure_loads(desktop):
    problems = [(page, image["src"]) for page, (seen, *_) in desktop.items()
                for image in seen["images"] if not image["loaded"]]
    assert not problems, "images that did not load:\n" + report(problems)


def test_no_chapter_scrolls_sideways_on_a_phone(phone):
    assert phone, "no chapter pages"
    problems = [(page, f"{seen['scroll_width']} px wide in a "
                       f"{seen['inner_width']} px viewport")
                for page, (seen, *_) in phone.items()
                if seen["scroll_width"] > seen["inner_width"]]
    assert not problems, report(problems)


def test_no_formula_is_cut_off(desktop, phone):
    problems = [(page, f"{width} px: math cut off: {math[:60]}")
                for width, visits in ((DESKTOP, desktop), (PHONE, phone))
                for page, (seen, *_) in visits.items()
                for math in seen["clipped_math"]]
    assert not problems, report(problems)


def selected(page):
    """The framework each framework tab set shows, in page order."""
    return page.eval_on_selector_all(
        ".sd-tab-set",
        """sets => sets.map(set => {
             const input = [...set.querySelectorAll(':scope > input')]
               .find(i => i.checked);
             const label = input && input.nextElementSibling;
             return label && label.dataset.syncGroup === 'framework'
               ? label.dataset.syncId : null;
           }).filter(id => id !== null)""")


def test_the_framework_choice_follows_the_reader(browser, site,
                                                 built_html):
    autograd = Path("book/autograd.html")
    assert (built_html / autograd).is_file(), (
        "the autograd page (the framework tabs) is not in the site")
    others = [p for p in chapter_pages(built_html) if p != autograd
              and soup(built_html / p).select(TABS)]
    # Another page with tabs if there is one; else a second visit of
    # the autograd page in a new tab: the choice must survive both.
    target = others[0] if others else autograd
    context, recorder = new_context(browser, DESKTOP)
    try:
        page = recorder.watch(context.new_page())
        page.goto(urljoin(site, autograd.as_posix()))
        assert len(selected(page)) >= 1, "no framework tabs on autograd"
        assert set(selected(page)) == {"pytorch"}, "PyTorch is the default"
        page.locator(TABS + "[data-sync-id='tensorflow']").first.click()
        assert set(selected(page)) == {"tensorflow"}, (
            "choosing TensorFlow once selects it in every tab set")

        other = recorder.watch(context.new_page())
        other.goto(urljoin(site, target.as_posix()))
        assert selected(other) and set(selected(other)) == {"tensorflow"}, (
            f"{target} forgot the reader's choice")

        other.goto(urljoin(site, target.as_posix()) + "?framework=pytorch")
        assert set(selected(other)) == {"pytorch"}, (
            "?framework=pytorch does not override the stored choice")
        assert recorder.take() == ([], [], [])
    finally:
        context.close()


def test_download_menu_serves_the_notebook_and_the_pdf(page_visits,
                                                       built_html):
    """On every notebook page a click opens the download menu (during
    the page's one visit), and its links serve the proofs PDF, the
    notebook and the Markdown source."""
    visits = page_visits[DESKTOP]
    for name in notebook_pages(built_html):
        links = visits[name]["downloads"]
        assert links is not None, f"{name}: no download menu"
        assert {".ipynb", ".md", "Proofs .pdf"} <= set(links), (
            f"{name}: download menu {sorted(links)}")

        status, pdf = fetch(links["Proofs .pdf"])
        assert status == 200, f"{name}: PDF answers {status}"
        assert pdf[:5] == b"%PDF-"

        status, ipynb = fetch(links[".ipynb"])
        assert status == 200, f"{name}: ipynb {status}"
        notebook = json.loads(ipynb)
        assert notebook["nbformat"] == 4 and notebook["cells"]

        status, md = fetch(links[".md"])
        assert status == 200
        assert md.decode("utf-8").startswith("---\njupytext:")


def fetch(url):
    """(HTTP status, body) of a GET from the local server."""
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def test_search_finds_hessian(browser, site):
    context, recorder = new_context(browser, DESKTOP)
    try:
        page = recorder.watch(context.new_page())
        page.goto(urljoin(site, "search.html?q=Hessian"))
        results = page.locator("#search-results ul.search li")
        results.first.wait_for(timeout=15000)
        found = [a.inner_text() for a in results.locator("a").all()]
        assert found, "the search page found nothing for Hessian"
        assert recorder.take() == ([], [], [])
    finally:
        context.close()


def test_korean_search_finds_the_jacobian(browser, site):
    """The Korean edition's search finds a word written with a particle
    on the page (야코비안을, 야코비안의) from the bare word."""
    context, recorder = new_context(browser, DESKTOP)
    try:
        page = recorder.watch(context.new_page())
        page.goto(urljoin(site, "ko/search.html?q=야코비안"))
        results = page.locator("#search-results ul.search li")
        # The list fills one result at a time; the summary comes last.
        page.locator("#search-results p.search-summary").wait_for(
            timeout=15000)
        page.wait_for_function(
            "document.querySelector('#search-results p.search-summary')"
            ".textContent.match(/[0-9]/)", timeout=15000)
        found = [a.get_attribute("href")
                 for a in results.locator("a").all()]
        assert any("chain-rule" in (h or "") for h in found), found
        assert recorder.take() == ([], [], [])
    finally:
        context.close()
