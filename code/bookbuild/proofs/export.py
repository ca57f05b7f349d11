"""Export: the book's proof blocks -> one PDF, replaced atomically."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .document import render
from .source import load_book

#: where the site publishes the PDF, relative to the HTML output
PDF_NAME = "gradients-proofs.pdf"


@dataclass
class ExportResult:
    path: Path
    pages: int
    blocks: int
    seconds: float
    size: int


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=root, capture_output=True,
                              text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def version_of(root: Path) -> str:
    """`git describe --always --dirty`, or "unversioned" outside git."""
    return _git(root, "describe", "--always", "--dirty") or "unversioned"


def date_of(root: Path) -> str:
    """SOURCE_DATE_EPOCH, else the last commit's date; never the clock."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH") or _git(
        root, "log", "-1", "--format=%ct")
    if not epoch:
        return "undated"
    day = dt.datetime.fromtimestamp(int(epoch), tz=dt.timezone.utc)
    return f"{day.day} {day:%B %Y}"


def export(root: Path | str, out: Path | str, *, toc: Path | None = None,
           parallel: bool = True, cache: Path | None = None,
           **settings) -> ExportResult:
    """Write the proofs PDF of the book at ``root`` to ``out``.

    Raises ProofsSourceError (file:line) on bad input; ``out`` is then
    left as it was, since the PDF is written to a temporary file in the
    same directory and renamed over ``out`` only when complete.
    ``parallel`` lays the math out in forked processes (the command
    line); ``cache`` is a file that keeps laid-out math between exports
    (a speed-up only: the PDF is the same bytes with or without it);
    ``settings`` override _config.yml (see ``load_book``).
    """
    start = time.perf_counter()
    root, out = Path(root), Path(out)
    book = load_book(root, toc, **settings)
    data, pages = render(book, version_of(root), date_of(root), parallel,
                         cache)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp",
                               dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    blocks = sum(len(c.blocks) for c in book.chapters)
    return ExportResult(out, pages, blocks, time.perf_counter() - start,
                        len(data))
