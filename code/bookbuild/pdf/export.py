"""Export: a Sphinx build's resolved doctrees -> the two PDFs.

``export(app, outdir)`` takes the documents of the table of contents
in reading order, resolves each (``env.get_and_resolve_doctree``, the
tree the HTML pages are written from), walks them once per view and
writes ``gradients-book.pdf`` (everything) and
``gradients-proofs.pdf`` (definitions, theorems and proofs), each to a
temporary file renamed over the old one only when complete.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from pathlib import Path

from ..files import commit_epoch, git, write_atomic
from . import caches, figurecache, mathcache
from .document import render, toc_lines
from .fonts import FONTS
from .inline import RichParagraph
from .labels import count, use, word
from .runs import text_runs
from .walker import Walker, dest_name

#: where the site publishes the PDFs, relative to the HTML output
PDF_NAME = "gradients-proofs.pdf"
BOOK_PDF_NAME = "gradients-book.pdf"


@dataclass
class ExportResult:
    path: Path
    pages: int
    blocks: int
    seconds: float
    size: int
    chapters: list
    total: float = 0.0  # the whole export, both PDFs, once written


@dataclass
class BookInfo:
    title: str
    author: str
    baseurl: str
    version: str
    date: str
    subject: str = ""
    keywords: tuple = ()


def version_of(root: Path) -> str:
    """`git describe --always --dirty`, or "unversioned" outside git."""
    return git(root, "describe", "--always", "--dirty") or "unversioned"


def date_of(root: Path) -> str:
    """SOURCE_DATE_EPOCH, else the last commit's date; never the clock."""
    epoch = commit_epoch(root)
    if not epoch:
        return "undated"
    day = dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
    return f"{day.day} {day:%B %Y}"


def toctree_order(env) -> list[str]:
    """The documents in reading order, as Sphinx's toctrees give them."""
    order: list[str] = []

    def visit(docname: str) -> None:
        if docname in order:
            return
        order.append(docname)
        for child in env.toctree_includes.get(docname, []):
            visit(child)
    visit(env.config.root_doc)
    return order


def toc_parts(env) -> list:
    """The parts of the table of contents: [(caption, [docname, ...])].

    Jupyter Book writes one captioned toctree per part into the root
    document; a book without parts has none.
    """
    from sphinx import addnodes

    parts = []
    for toctree in env.get_doctree(env.config.root_doc).findall(
            addnodes.toctree):
        if toctree.get("caption"):
            parts.append((toctree["caption"],
                          [doc for _, doc in toctree["entries"]]))
    return parts


def book_title(app) -> str:
    """The book's title: jupyter-book sets it as html_title."""
    title = app.config.html_title or ""
    if not title or title.endswith(" documentation"):   # Sphinx's default
        title = app.config.project
    return title


class _Outputs:
    """The text/plain form of each rich output, from the executed
    notebooks (myst-nb's copies, outputs merged from the cache)."""

    def __init__(self, app):
        self.app, self.cells = app, {}

    def __call__(self, docname: str, index: int) -> list[str]:
        if docname not in self.cells:
            from ..downloads import read_executed
            try:
                self.cells[docname] = read_executed(self.app, docname).cells
            except (OSError, ValueError):
                self.cells[docname] = []
        cells = self.cells[docname]
        if index >= len(cells):
            return []
        out = []
        for output in cells[index].get("outputs", []):
            data = output.get("data", {})
            if "text/html" in data:
                text = data.get("text/plain", "")
                out.append("".join(text) if isinstance(text, list)
                           else text)
        return out


def export(app, outdir: Path, *, warn, names=None) -> list[ExportResult]:
    """Write both PDFs of ``app``'s book into ``outdir``.

    ``warn(message, node)`` hears of everything that cannot be set; a
    PDF with such a problem is not written (the previous file stays,
    and the warning fails a strict build).
    """
    env = app.env
    problems = []

    def note(message, node):             # once, though walked twice
        where = (message, getattr(node, "source", None),
                 getattr(node, "line", None))
        if where not in problems:
            problems.append(where)
            warn(message, node)
    root = Path(app.srcdir)
    names = names or {"book": BOOK_PDF_NAME, "proofs": PDF_NAME}
    started = time.perf_counter()
    doctrees = Path(app.doctreedir)
    use(app.config.language)
    mine, others = caches_of(doctrees)
    docs = [(d, env.get_and_resolve_doctree(d, app.builder))
            for d in toctree_order(env)]
    parts = toc_parts(env)
    baseurl = (app.config.html_baseurl or "").rstrip("/")

    def web_url(docname: str, anchor: str = "") -> str:
        url = docname + ".html" + (f"#{anchor}" if anchor else "")
        return f"{baseurl}/{url}" if baseurl else url

    outputs = _Outputs(app)
    # Every expression and figure both PDFs need, listed by a walk that
    # lays nothing out and reads no file, then laid out at once on every
    # core. The caches serve what they hold: this build's first, then
    # those of the book's other editions (their formulas and figures
    # are the same: see caches_of). What they lack is computed under a
    # lock that an edition exporting beside this one holds until it has
    # saved its caches, which are read again once it is let go; then
    # this export saves its own, for the next.
    mathcache.load(mine["math"], *(o["math"] for o in others))
    figurecache.load(mine["figures"], *(o["figures"] for o in others))
    with mathcache.collecting() as wanted, \
            figurecache.collecting() as unread:
        for view in names:
            Walker(docs, view=view, fignumbers=env.toc_fignumbers,
                   srcdir=root, web_url=web_url, plain_outputs=outputs,
                   warn=lambda message, node: None).flowables()
    if unread or not mathcache.holds(wanted):
        with caches.one_at_a_time(doctrees.resolve().parent):
            mathcache.load(*(o["math"] for o in others))
            figurecache.load(*(o["figures"] for o in others))
            mathcache.prepare(wanted)
            figurecache.prepare(unread)
            mathcache.save(mine["math"], wanted)
            figurecache.save(mine["figures"])
    title = book_title(app)
    version, date = version_of(root), date_of(root)
    results = []
    views = {
        "book": (word("book"), "", word("book subject")),
        "proofs": (word("proofs"), word("proofs kind"),
                   word("proofs subject")),
    }
    for view, name in names.items():
        t0 = time.perf_counter()
        subtitle, kind, subject = views[view]
        walkers = []

        def story_for(view=view):
            walker = Walker(docs, view=view, fignumbers=env.toc_fignumbers,
                            srcdir=root, web_url=web_url,
                            plain_outputs=outputs, warn=note,
                            parts=parts)
            walkers.append(walker)
            return walker.flowables()

        info = BookInfo(title, app.config.author or "", baseurl, version,
                        date, subject=f"{subject} ({word('subject version')} {version}, "
                        f"{date})", keywords=(title, "gradients",
                                              "automatic differentiation"))
        contents = (toc_lines if view == "book" else
                    lambda entries: _proofs_contents(walkers))
        data, pages = render(story_for, info, subtitle=subtitle,
                             kind=kind, contents_for=contents)
        path = Path(outdir) / name
        if problems:
            continue
        write_atomic(path, data)
        walker = walkers[-1]
        blocks = sum(c["numbered"] + c["proof"]
                     for _, _, c in walker.chapters)
        results.append(ExportResult(path, pages, blocks,
                                    time.perf_counter() - t0, len(data),
                                    walker.chapters))
    for result in results:
        result.total = time.perf_counter() - started
    return results


def caches_of(doctrees: Path):
    """The PDF caches kept beside a build's doctrees, and those of the
    other editions' doctrees in the same folder (``.doctrees-<lang>``,
    :mod:`bookbuild.staging`), which are only read."""
    def files(folder):
        return {"math": folder / "pdf-math.pickle",
                "figures": folder / "pdf-figures.pickle"}
    here = doctrees.resolve()
    others = sorted(p for p in here.parent.glob(".doctrees*")
                    if p.is_dir() and p != here)
    return files(doctrees), [files(p) for p in others]


def _proofs_contents(walkers) -> list:
    """The proofs PDF's contents: each chapter and what it holds."""
    out = [RichParagraph(text_runs(word("contents"), FONTS["bold"], 13),
                         size=13, leading=17, space_after=6)]
    for docname, title, counts in walkers[0].chapters:
        line = text_runs(title or docname, FONTS["serif"], 10.5,
                         ["dest", dest_name(docname)]) + text_runs(
            f"  ({count(counts['numbered'], 'numbered block')}, "
            f"{count(counts['proof'], 'proof')})", FONTS["italic"], 9)
        out.append(RichParagraph(line, size=10.5, leading=15,
                                 space_after=2, align="left"))
    return out
