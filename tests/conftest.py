"""Shared fixtures: the repository, the built book, throw-away books."""

import inspect
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from book_support import write_book

# Importing gradbook sets TensorFlow's two start-up logging variables
# (gradbook.TENSORFLOW_QUIET): do it before any test module imports TF.
import gradbook  # noqa: E402,F401

# JAX computes in float32 unless float64 is switched on at start-up; the
# tests compare in float64, as the pages do (each page switches it on
# in its imports). A test that needs it off switches it off and back.
import jax  # noqa: E402

jax.config.update("jax_enable_x64", True)

ROOT = Path(__file__).resolve().parents[1]

# JAX's persistent compilation cache: XLA's compilations (each new
# function and shape, eager operations included) are kept on disk, and
# the next run of the tests loads them instead of compiling again. The
# key is the computation, the JAX version and the backend, so a stale
# entry is never used. Each pytest-xdist worker keeps a folder of its
# own: JAX writes an entry in place, and without its size bound (whose
# lock and directory scan at every write cost more than they save) two
# processes must not share one. When the run ends, each folder gets
# the entries of the others (`share_compilations`), whichever worker
# runs which test next time.
JAX_CACHES = ROOT / ".pytest_cache" / "jax-compilations"
JAX_CACHE = JAX_CACHES / os.environ.get("PYTEST_XDIST_WORKER", "main")
jax.config.update("jax_compilation_cache_dir", str(JAX_CACHE))
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)
# XLA's own caches for GPUs, off: their folder (inside the one above)
# would enter every key, and no two workers' entries would match.
jax.config.update("jax_persistent_cache_enable_xla_caches", "none")


def share_compilations(folder):
    """Copy into each folder under `folder` the entries it lacks from
    the others (named by their key; each copy renamed into place)."""
    folders = [f for f in folder.iterdir() if f.is_dir()] \
        if folder.is_dir() else []
    names = {f: {p.name for p in f.iterdir()} for f in folders}
    for target in folders:
        for source in folders:
            for name in sorted(names[source] - names[target]):
                temporary = target / f".{name}.{os.getpid()}"
                shutil.copyfile(source / name, temporary)
                os.replace(temporary, target / name)
                names[target].add(name)


def pytest_sessionfinish(session):
    """After the run (in pytest-xdist's controller, once every worker
    has ended): the workers' compilations shared."""
    if not hasattr(session.config, "workerinput"):
        share_compilations(JAX_CACHES)


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
def page_visits(browser, site, built_html):
    """Every page loaded once at each width, every in-page check run on
    that load: {width: {page: visit}} (tests/site_visits.py)."""
    from site_visits import visit_widths

    return visit_widths(site, built_html)


@pytest.fixture(scope="session")
def site(built_html):
    """The built site served on 127.0.0.1: its base URL."""
    from site_support import serve

    with serve(built_html) as base:
        yield base


# The quick set (-m "not slow") builds no book and starts no browser.
# Fixtures that build, serve or browse, by name (the shared ones here,
# and the module fixtures over a built book):
HEAVY_FIXTURES = {"built_html", "site", "browser", "built", "served",
                  "page_visits"}
# ... and by what their code does; the same words in a command line.
HEAVY_CODE = re.compile(r"\bjupyter_book\(|\bbuild\(|sync_playwright|"
                        r"\bserve\(|chromium_or_skip")
HEAVY_COMMANDS = ("jupyter-book", "sphinx-build", "chromium",
                  "bookbuild.build", "bookbuild.execute", "playwright")


def heavy_fixtures(item):
    """The fixtures of test `item` that build, serve or browse."""
    heavy = set()
    infos = getattr(item, "_fixtureinfo", None)
    for name in item.fixturenames:
        if name in HEAVY_FIXTURES:
            heavy.add(name)
            continue
        for fixturedef in (infos.name2fixturedefs.get(name, ())
                           if infos else ()):
            try:
                source = inspect.getsource(fixturedef.func)
            except (OSError, TypeError):
                continue
            if HEAVY_CODE.search(source):
                heavy.add(name)
    return heavy


@pytest.fixture(autouse=True)
def quick_tests_stay_quick(request, monkeypatch):
    """A test without the slow mark fails if it uses a fixture that
    builds, serves or browses, or starts jupyter-book or a browser."""
    if request.node.get_closest_marker("slow"):
        return
    heavy = heavy_fixtures(request.node)
    if heavy:
        pytest.fail(f"{request.node.nodeid} uses {sorted(heavy)} but is "
                    "not marked slow")
    start = subprocess.Popen.__init__

    def guarded(self, args, *rest, **kwargs):
        text = args if isinstance(args, str) else " ".join(map(str, args))
        if any(word in text for word in HEAVY_COMMANDS):
            raise AssertionError(f"a test without the slow mark ran "
                                 f"{text[:200]!r}: mark it slow")
        return start(self, args, *rest, **kwargs)

    monkeypatch.setattr(subprocess.Popen, "__init__", guarded)


# `make test` runs a worker per core (pytest-xdist, --dist loadscope,
# with the scopes below). The tests of one file share its module
# fixtures (a throw-away book built once), so a file runs in one worker;
# the files that read `page_visits` (every page loaded at both widths,
# the longest fixture) run in one worker together, so it is loaded
# once. The second clean build starts first, the site's files next.
FIRST = "tests/test_determinism.py"
SITE_FILES = frozenset(
    f"tests/{path.name}" for path in sorted(ROOT.glob("tests/test_*.py"))
    if "page_visits" in path.read_text())


def scope_of(nodeid):
    """The xdist scope of a test: "site", or its file."""
    path = nodeid.split("::")[0]
    return "site" if path in SITE_FILES else path


def pytest_collection_modifyitems(config, items):
    def rank(item):
        path = item.nodeid.split("::")[0]
        return 0 if path == FIRST else 1 if path in SITE_FILES else 2
    items.sort(key=rank)


def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") != "loadscope":
        return None                     # xdist's own scheduler
    from xdist.scheduler import LoadScopeScheduling

    class BookScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return scope_of(nodeid)

    return BookScheduling(config, log)
