"""Shared fixtures: the repository, the built book, throw-away books."""

import os
from pathlib import Path

import pytest

from book_support import write_book

# TensorFlow reads these when it is imported: set them before any test
# module imports it (the same two the chapters set through gradbook).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root():
    """The repository root (where _config.yml and _toc.yml are)."""
    return ROOT


@pytest.fixture(scope="session")
def built_html():
    """The site that `make book` built, `_build/html`.

    `make test` builds the book first; running pytest alone on a clone
    that was never built fails here with the command to run.
    """
    html = Path(os.environ.get("GRADBOOK_HTML", ROOT / "_build" / "html"))
    if not (html / "index.html").exists():
        pytest.fail(
            f"no built site at {html}: run `make book` first "
            "(or set GRADBOOK_HTML to a built site)"
        )
    return html


@pytest.fixture
def throwaway_book(tmp_path):
    """Write a throw-away book in the test's temporary directory.

    Call it with `pages` (name -> chapter text, "index" first) and
    optionally `config` (`_config.yml` text; the book's own if None);
    it returns the book's root. Build it with `bookbuild.build` or
    `book_support.jupyter_book`; tests that do are marked slow.
    """
    made = []

    def make(pages, config=None):
        root = write_book(tmp_path / f"book{len(made) or ''}", pages,
                          config)
        made.append(root)
        return root

    return make


@pytest.fixture(scope="session")
def browser():
    """Headless Chromium through Playwright (skips without Chromium)."""
    from site_support import CHROMIUM_ARGS, chromium_or_skip

    executable = chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def site(built_html):
    """The built site served on 127.0.0.1: its base URL."""
    from site_support import serve

    with serve(built_html) as base:
        yield base
