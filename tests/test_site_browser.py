"""The site in a real browser, offline, the way a reader uses it.

The built site is served on 127.0.0.1 and every page is opened in
Debian's Chromium (through Playwright) with every request to another
host blocked and recorded. Pages are found by walking the site, so new
chapters are covered without editing this file.

Without Chromium these tests are skipped with the command that
installs it. The framework tabs (the autograd pages), the proofs PDF and
the search are required features: if they are missing from the built
site, their tests fail.

Screenshots of every page at 1200 and 390 pixels are written to
$GRADBOOK_SCREENSHOTS (or a pytest temporary folder).
"""

import json
import os
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest

from site_support import all_pages, chapter_pages, soup

pytestmark = [pytest.mark.browser, pytest.mark.slow]

DESKTOP, PHONE = 1200, 390
RAW_TEX = re.compile(r"\$\$|\\frac|\\begin\{")
TABS = ".sd-tab-label[data-sync-group='framework']"

# Runs in the page once it has loaded: waits for MathJax and images,
# then reports what a reader would see.
INSPECT = """async () => {
  if (window.MathJax && MathJax.startup) { await MathJax.startup.promise; }
  await Promise.all([...document.images].map(img => img.complete ? 0 :
    new Promise(done => { img.onload = img.onerror = done; })));
  // Let the sidebars finish sliding in before anything is measured.
  await Promise.all(document.getAnimations().map(a => a.finished));
  const visible = document.body.cloneNode(true);
  visible.querySelectorAll(
    "pre, code, script, style, textarea, mjx-container, .highlight"
  ).forEach(el => el.remove());
  const math = [...document.querySelectorAll(".math")];
  return {
    math: math.length,
    untypeset: math.filter(el => !el.querySelector("mjx-container"))
      .map(el => el.textContent.trim().slice(0, 80)),
    mathjax_errors: [...document.querySelectorAll("mjx-merror")]
      .map(el => el.getAttribute("data-mjx-error") || el.textContent),
    text: visible.textContent,
    images: [...document.images].map(img => ({
      src: img.currentSrc || img.src,
      loaded: img.complete && img.naturalWidth > 0,
    })),
    // Math that sticks out of a box that hides its overflow is cut off.
    clipped_math: [...document.querySelectorAll("mjx-container")]
      .filter(math => {
        const box = math.getBoundingClientRect();
        for (let el = math.parentElement; el && el !== document.body;
             el = el.parentElement) {
          const overflow = getComputedStyle(el).overflowX;
          if (overflow === "visible") continue;
          if (overflow !== "hidden" && overflow !== "clip") return false;
          const edge = el.getBoundingClientRect();
          return box.right > edge.right + 1 || box.left < edge.left - 1;
        }
        return false;
      })
      .map(math => math.querySelector("mjx-assistive-mml")?.textContent
           || math.textContent),
    scroll_width: document.scrollingElement.scrollWidth,
    inner_width: window.innerWidth,
  };
}"""


class Recorder:
    """What went wrong while pages loaded: errors, failures, blocks."""

    def __init__(self, context):
        self.blocked, self.failed, self.errors = [], [], []
        context.route("**/*", self._route)

    def _route(self, route):
        url = route.request.url
        if urlsplit(url).hostname == "127.0.0.1":
            route.continue_()
        else:
            self.blocked.append(url)
            route.abort()

    def watch(self, page):
        page.on("console", lambda m: m.type == "error"
                and self.errors.append(f"console: {m.text}"))
        page.on("pageerror", lambda e: self.errors.append(f"error: {e}"))
        page.on("requestfailed", lambda r: self.failed.append(
            f"{r.url}: {r.failure}"))
        page.on("response", lambda r: r.status >= 400
                and self.failed.append(f"{r.url}: HTTP {r.status}"))
        return page

    def take(self):
        out = self.blocked, self.failed, self.errors
        self.blocked, self.failed, self.errors = [], [], []
        return out


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory):
    folder = os.environ.get("GRADBOOK_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        return Path(folder)
    return tmp_path_factory.mktemp("screenshots")


def new_context(browser, width):
    """A fresh profile (no storage) at the given viewport width."""
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  service_workers="block")
    return context, Recorder(context)


def soup_redirect(html, page):
    """The target of a page that only redirects (meta refresh), or None."""
    for meta in soup(html / page).find_all("meta"):
        if meta.get("http-equiv", "").lower() == "refresh":
            return re.split(r"url=", meta["content"], flags=re.I)[1].strip()
    return None


def visit_all(browser, site, built_html, pages, width, screenshots):
    """Open each page; return {page: (seen, blocked, failed, errors)}."""
    context, recorder = new_context(browser, width)
    page = recorder.watch(context.new_page())
    visits = {}
    try:
        for name in pages:
            url = urljoin(site, name.as_posix())
            redirect = soup_redirect(built_html, name)
            if redirect:
                # A redirect page: follow it, then inspect where it lands.
                with page.expect_navigation(url=urljoin(url, redirect)):
                    page.goto(url)
                page.wait_for_load_state("load")
            else:
                page.goto(url, wait_until="load")
            seen = page.evaluate(INSPECT)
            shot = name.as_posix().replace("/", "__").replace(".html", "")
            page.screenshot(path=screenshots / f"{shot}-{width}.png",
                            full_page=True)
            visits[name] = (seen, *recorder.take())
    finally:
        context.close()
    return visits


@pytest.fixture(scope="module")
def desktop(browser, site, built_html, screenshots):
    return visit_all(browser, site, built_html, all_pages(built_html),
                     DESKTOP, screenshots)


@pytest.fixture(scope="module")
def phone(browser, site, built_html, screenshots):
    return visit_all(browser, site, built_html, chapter_pages(built_html),
                     PHONE, screenshots)


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


def test_download_menu_serves_the_notebook_and_the_pdf(browser, site,
                                                       built_html):
    context, recorder = new_context(browser, DESKTOP)
    try:
        page = recorder.watch(context.new_page())
        for name in chapter_pages(built_html):
            page.goto(urljoin(site, name.as_posix()))
            page.click(".dropdown-download-buttons .dropdown-toggle")
            menu = page.locator(".dropdown-download-buttons .dropdown-menu")
            menu.wait_for(state="visible")
            links = {a.inner_text().strip(): a.evaluate("a => a.href")
                     for a in menu.locator("a").all()}
            assert {".ipynb", ".md", "Proofs .pdf"} <= set(links), (
                f"{name}: download menu {sorted(links)}")

            pdf = context.request.get(links["Proofs .pdf"])
            assert pdf.status == 200, f"{name}: PDF answers {pdf.status}"
            assert pdf.body()[:5] == b"%PDF-"

            ipynb = context.request.get(links[".ipynb"])
            assert ipynb.status == 200, f"{name}: ipynb {ipynb.status}"
            notebook = json.loads(ipynb.body())
            assert notebook["nbformat"] == 4 and notebook["cells"]

            md = context.request.get(links[".md"])
            assert md.status == 200
            assert md.text().startswith("---\njupytext:")
        assert recorder.take() == ([], [], [])
    finally:
        context.close()


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
