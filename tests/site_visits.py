"""Every page of the built site loaded once per width; every check that
needs a loaded page runs on that one load.

The `page_visits` fixture (tests/conftest.py) opens each page at 1200
and at 390 pixels, once, in a fresh profile with every request to
another host blocked and recorded, and collects, per page:

- what a reader sees (`INSPECT`: math typeset, MathJax errors, raw TeX,
  images loaded, math cut off, the page's width);
- axe-core's violations in light mode, then in dark mode: the theme is
  switched in place (the `data-theme` and `data-mode` the theme's own
  switch sets, and the colour scheme the browser reports), not by a
  second load;
- the reading order of the blocks (`READING_ORDER`);
- at 1200 pixels, the download menu opened by a click, and its links
  (`DOWNLOADS`);
- console errors, failed requests, requests to other hosts.

A page is left only once its fonts have loaded and none of its requests
is in flight (`Recorder.settle`): leaving aborts what it still fetches,
and the abort would be charged to the next page.

The two widths are visited at the same time, each in its own Chromium
(axe-core's audit is most of the time, and it keeps one core busy).
test_site_browser.py and test_accessibility.py assert on the result.
Full-page screenshots are taken only when $GRADBOOK_SCREENSHOTS names a
folder to write them to.
"""

import concurrent.futures
import os
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

from site_support import all_pages, soup

DESKTOP, PHONE = 1200, 390
MODES = ("light", "dark")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
# WCAG 2.1 success criterion 2.5.3 (Label in Name): axe 4 tags this rule
# experimental, so the tags above leave it out; it is asked for by name.
AXE_RULES = {"label-content-name-mismatch": {"enabled": True}}

WAIT_FOR_PAGE = """async () => {
  if (window.MathJax && MathJax.startup) { await MathJax.startup.promise; }
  await Promise.all(document.getAnimations().map(a => a.finished));
}"""

# Runs in the page once it has loaded: waits for MathJax and images,
# then reports what a reader would see.
INSPECT = """async () => {
  if (window.MathJax && MathJax.startup) { await MathJax.startup.promise; }
  await Promise.all([...document.images].map(img => img.complete ? 0 :
    new Promise(done => { img.onload = img.onerror = done; })));
  // Let the sidebars finish sliding in, and the fonts (MathJax's
  // among them) arrive, before anything is measured.
  await Promise.all(document.getAnimations().map(a => a.finished));
  await document.fonts.ready;
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
    theme: document.documentElement.dataset.theme,
  };
}"""

READING_ORDER = """() => {
  const blocks = [...document.querySelectorAll(
    "article.bd-article :is(h1, h2, h3, h4, p, pre, figure, table, ul, ol)")]
    .filter(el => !el.parentElement.closest("figure, table, li, pre, p"))
    // What a reader sees: not in a closed solution, not in another tab.
    .filter(el => el.checkVisibility({visibilityProperty: true,
                                      opacityProperty: true})
                  && el.getBoundingClientRect().height > 0);
  const out = [];
  let last = -Infinity;
  for (const el of blocks) {
    const top = el.getBoundingClientRect().top + window.scrollY;
    if (top < last - 2) out.push(`${el.tagName} "${el.textContent.trim()
      .slice(0, 50)}" is above the block before it`);
    last = Math.max(last, top);
  }
  return {count: blocks.length, out};
}"""

# The theme's own switch sets these two attributes (and remembers the
# choice); its colours follow them. Then wait for the styles to settle.
SET_MODE = """async (mode) => {
  document.documentElement.dataset.mode = mode;
  document.documentElement.dataset.theme = mode;
  localStorage.setItem('mode', mode);
  localStorage.setItem('theme', mode);
  await new Promise(r => requestAnimationFrame(() =>
    requestAnimationFrame(r)));
  await Promise.all(document.getAnimations().map(a => a.finished));
  return document.documentElement.dataset.theme;
}"""


# The theme's download menu: the button a reader clicks, and the menu.
DOWNLOAD_TOGGLE = ".dropdown-download-buttons .dropdown-toggle"
DOWNLOAD_MENU = ".dropdown-download-buttons .dropdown-menu"
# Once the menu is open: its links, {text: absolute URL}.
DOWNLOADS = f"""() => Object.fromEntries(
  [...document.querySelectorAll("{DOWNLOAD_MENU} a")]
    .map(a => [a.innerText.trim(), a.href]))"""


def open_downloads(page):
    """Click the page's download button: the menu's links once it shows,
    or None for a page without the button."""
    if page.locator(DOWNLOAD_TOGGLE).count() == 0:
        return None
    page.click(DOWNLOAD_TOGGLE)
    page.locator(DOWNLOAD_MENU).wait_for(state="visible")
    return page.evaluate(DOWNLOADS)


class Recorder:
    """What went wrong while pages loaded: errors, failures, blocks."""

    def __init__(self, context):
        self.blocked, self.failed, self.errors = [], [], []
        self.pending = set()
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
        page.on("requestfailed", self._failed)
        page.on("response", lambda r: r.status >= 400
                and self.failed.append(f"{r.url}: HTTP {r.status}"))
        page.on("request", lambda r: self.pending.add(r))
        page.on("requestfinished", lambda r: self.pending.discard(r))
        return page

    def _failed(self, request):
        self.pending.discard(request)
        self.failed.append(f"{request.url}: {request.failure}")

    def settle(self, page, seconds=15):
        """Wait until the page's fonts have loaded and none of its
        requests is in flight: leaving a page aborts what it still
        fetches (a font a theme switch asked for, say), and the abort
        would be charged to the next page."""
        page.evaluate("document.fonts.ready.then(() => 0)")
        for _ in range(int(seconds / 0.025)):
            if not self.pending:
                return
            page.wait_for_timeout(25)
        raise AssertionError(f"{page.url}: still fetching after "
                             f"{seconds} s: "
                             f"{sorted(r.url for r in self.pending)}")

    def take(self):
        out = self.blocked, self.failed, self.errors
        self.blocked, self.failed, self.errors = [], [], []
        return out


def redirect_of(html, page):
    """The target of a page that only redirects (meta refresh), or None."""
    for meta in soup(html / page).find_all("meta"):
        if meta.get("http-equiv", "").lower() == "refresh":
            return re.split(r"url=", meta["content"], flags=re.I)[1].strip()
    return None


def screenshot_folder():
    """$GRADBOOK_SCREENSHOTS, created, or None: no screenshots."""
    folder = os.environ.get("GRADBOOK_SCREENSHOTS")
    if not folder:
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder)


def open_context(browser, width, mode="light"):
    """A fresh profile at `width`, the theme set to `mode`, requests to
    other hosts blocked (and recorded)."""
    context = browser.new_context(viewport={"width": width, "height": 900},
                                  color_scheme=mode,
                                  service_workers="block")
    context.add_init_script(
        f"localStorage.setItem('mode', '{mode}');"
        f"localStorage.setItem('theme', '{mode}');")
    return context, Recorder(context)


def visit_site(browser, site, html, width, shots=None):
    """Load every page of the site once at `width`; {page: visit}, each
    visit a dict: seen (INSPECT), axe ({mode: violations}), order
    (READING_ORDER), downloads (at DESKTOP: `open_downloads`), redirect,
    blocked, failed, errors."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    options = {"runOnly": {"type": "tag", "values": AXE_TAGS},
               "rules": AXE_RULES,
               "resultTypes": ["violations"]}
    context, recorder = open_context(browser, width)
    page = recorder.watch(context.new_page())
    visits = {}
    try:
        for name in all_pages(html):
            url = urljoin(site, name.as_posix())
            redirect = redirect_of(html, name)
            visit = {"redirect": redirect, "axe": {}, "order": None,
                     "downloads": None}
            if redirect:
                # A redirect page: follow it, then inspect where it lands.
                with page.expect_navigation(url=urljoin(url, redirect)):
                    page.goto(url)
                page.wait_for_load_state("load")
            else:
                page.goto(url, wait_until="load")
            visit["seen"] = page.evaluate(INSPECT)
            recorder.settle(page)
            if shots is not None:
                shot = name.as_posix().replace("/", "__") \
                    .replace(".html", "")
                page.screenshot(path=shots / f"{shot}-{width}.png",
                                full_page=True)
            # What the page itself asked for; axe-core's own fetches of
            # the style sheets (it resolves their @import from the site's
            # root) are not the page's.
            visit["blocked"], visit["failed"], visit["errors"] = \
                recorder.take()
            if not redirect:
                visit["order"] = page.evaluate(READING_ORDER)
                for mode in MODES:
                    page.emulate_media(color_scheme=mode)
                    visit["theme_" + mode] = page.evaluate(SET_MODE, mode)
                    visit["axe"][mode] = axe.run(
                        page, options=options).response["violations"]
                page.emulate_media(color_scheme="light")
                page.evaluate(SET_MODE, "light")
                recorder.settle(page)
                blocked = recorder.take()[0]
                visit["blocked"] += blocked  # no other host, even so
                if width == DESKTOP:     # after axe: the menu stays open
                    visit["downloads"] = open_downloads(page)
                    recorder.settle(page)
                    for key, seen in zip(("blocked", "failed", "errors"),
                                         recorder.take()):
                        visit[key] += seen
            visits[name] = visit
    finally:
        context.close()
    return visits


def visit_in_own_browser(site, html, width, shots=None):
    """visit_site in a Chromium of its own (Playwright's sync API wants
    one instance per thread)."""
    from playwright.sync_api import sync_playwright

    from site_support import CHROMIUM_ARGS, chromium_or_skip

    executable = chromium_or_skip()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        try:
            return visit_site(browser, site, html, width, shots)
        finally:
            browser.close()


def visit_widths(site, html, widths=(DESKTOP, PHONE)):
    """{width: visit_site(...)} for every width, the widths at once."""
    shots = screenshot_folder()
    with concurrent.futures.ThreadPoolExecutor(len(widths)) as pool:
        futures = {width: pool.submit(visit_in_own_browser, site, html,
                                      width, shots) for width in widths}
        return {width: future.result() for width, future in futures.items()}
