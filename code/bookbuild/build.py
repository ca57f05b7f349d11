"""Build the book strictly, re-executing chapters only when needed.

    python -m bookbuild.build [--root DIR] [--force]

`make book` runs this. It wraps `jupyter-book build` with three rules
that the plain command does not keep:

1. Strict, every time a build runs: `-W -n --keep-going` and `--all`,
   so Sphinx re-reads every chapter and re-reports every warning. An
   incremental Sphinx build stays silent about warnings it reported
   before, so its silence proves nothing.
2. No stale outputs: jupyter-cache keys a chapter on its code cells
   only. When anything a cell can depend on changes (`code/`, the pins,
   the configuration, data files under `book/`), the cache is dropped
   and every chapter executes again.
3. Nothing is rebuilt when nothing changed: the fingerprint of all
   inputs is stored after a successful build, and a build with the same
   fingerprint returns at once. A failed build stores nothing, and the
   previous site is put back, so a failure is never hidden and never
   destroys the last good site.
"""

import argparse
import hashlib
import json
import re
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

STATE = ".bookbuild-state.json"

# Files that decide what the executed notebooks contain, apart from the
# code cells themselves (which jupyter-cache already tracks).
EXECUTION_INPUTS = ("code", "requirements.txt", "pyproject.toml",
                    "_config.yml")
# Everything that decides the site.
SITE_INPUTS = EXECUTION_INPUTS + ("book", "_toc.yml")
SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache"}


def _files(root, names, chapters_too):
    for name in names:
        path = root / name
        if path.is_file():
            yield path
        elif path.is_dir():
            for p in sorted(path.rglob("*")):
                if not p.is_file() or SKIP_PARTS & set(p.parts):
                    continue
                if p.name.endswith(".egg-info") or ".egg-info" in str(p):
                    continue
                if not chapters_too and p.suffix in {".md", ".ipynb"} \
                        and name == "book":
                    continue
                yield p


def fingerprint(root, names, chapters_too=True):
    """SHA-256 over the paths and contents of the given inputs."""
    digest = hashlib.sha256()
    for path in _files(root, names, chapters_too):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def execution_fingerprint(root):
    """Inputs that can change cell outputs without changing cells."""
    return fingerprint(root, EXECUTION_INPUTS + ("book",),
                       chapters_too=False)


def site_fingerprint(root):
    """All inputs of the site."""
    return fingerprint(root, SITE_INPUTS)


def _read_state(build):
    try:
        return json.loads((build / STATE).read_text())
    except (OSError, ValueError):
        return {}


def _source_date_epoch(root):
    """The last commit's time, so dated outputs do not follow the clock."""
    try:
        out = subprocess.run(
            ["git", "log", "-1", "--format=%ct"], cwd=root,
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        return out or "0"
    except (OSError, subprocess.CalledProcessError):
        return "0"


def build_env(root):
    """The environment for the build and its kernels: seeded, quiet TF."""
    env = dict(os.environ)
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    env.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
    env["PYTHONHASHSEED"] = "0"
    env.setdefault("SOURCE_DATE_EPOCH", _source_date_epoch(root))
    return env


def _jupyter_book():
    exe = Path(sys.executable).with_name("jupyter-book")
    return [str(exe)] if exe.exists() else ["jupyter-book"]


ANSI = re.compile(r"\x1b\[[0-9;]*m")
FAILED_CHAPTER = re.compile(r"^(\S+\.(?:md|ipynb)): WARNING: Executing "
                            r"notebook failed")
FAILED_CELL = "An error occurred while executing the following cell:"


def _cell_line(chapter, source):
    """The line of `chapter` where the cell with `source` starts, or 0."""
    try:
        text = Path(chapter).read_text()
    except OSError:
        return 0
    first = source.strip().splitlines()[0] if source.strip() else ""
    index = text.find(first) if first else -1
    return text.count("\n", 0, index) + 1 if index >= 0 else 0


def failure_report(log):
    """Summarise a failed build: each failing chapter and cell, then
    every warning and error line (each of which fails a strict build).
    """
    lines = ANSI.sub("", log).splitlines()
    report = []
    for i, line in enumerate(lines):
        chapter = FAILED_CHAPTER.match(line)
        if not chapter:
            continue
        start = next((j for j in range(i, len(lines))
                      if FAILED_CELL in lines[j]), None)
        if start is None:
            report.append(f"{chapter.group(1)}: a cell failed to execute")
            continue
        end = next(j for j in range(start + 2, len(lines))
                   if lines[j].startswith("------------------"))
        source = "\n".join(lines[start + 2:end])
        error = next((ln for ln in lines[end:]
                      if re.match(r"^\w+(Error|Exception)\b.*:", ln)
                      or re.match(r"^\w+(Error|Exception)$", ln)), "")
        where = _cell_line(chapter.group(1), source)
        report.append(f"{chapter.group(1)}:{where}: the code cell here "
                      f"raised {error or 'an exception'}")
        report.extend("    " + s for s in source.splitlines())
    problems = [ln for ln in lines
                if ("WARNING" in ln or "ERROR" in ln)
                and not ln.startswith("[IPKernelApp]")
                and not FAILED_CHAPTER.match(ln)]
    if problems:
        report.append("warnings and errors (each one fails the build):")
        report.extend("    " + ln for ln in problems)
    return "\n".join(report)


def build(root, force=False, out=sys.stdout):
    """Build `root`'s book into root/_build/html. Returns an exit code."""
    root = Path(root).resolve()
    build_dir = root / "_build"
    html = build_dir / "html"
    state = _read_state(build_dir)
    site_fp = site_fingerprint(root)
    exec_fp = execution_fingerprint(root)

    if (not force and state.get("site") == site_fp
            and (html / "index.html").exists()):
        print("book is up to date: no input changed since the last "
              "successful build (use --force to rebuild)", file=out)
        return 0

    cache = build_dir / ".jupyter_cache"
    if state.get("execution") != exec_fp and cache.exists():
        print("code/, the pins, the configuration or data changed since "
              "the last successful build: every chapter executes again",
              file=out)
        shutil.rmtree(cache)

    (build_dir / STATE).unlink(missing_ok=True)
    previous = build_dir / "html.previous"
    shutil.rmtree(previous, ignore_errors=True)
    if html.exists():
        html.rename(previous)

    command = _jupyter_book() + ["build", str(root), "--all",
                                 "-W", "-n", "--keep-going"]
    print("$ " + " ".join(command), file=out, flush=True)
    start = time.monotonic()
    proc = subprocess.run(command, cwd=root, env=build_env(root),
                          stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    seconds = time.monotonic() - start
    out.write(proc.stdout)

    if proc.returncode != 0 or not (html / "index.html").exists():
        report = failure_report(proc.stdout)
        kept = build_dir / "reports"
        shutil.rmtree(kept, ignore_errors=True)
        if (html / "reports").exists():
            shutil.copytree(html / "reports", kept)
        shutil.rmtree(html, ignore_errors=True)
        if previous.exists():
            previous.rename(html)
        print(f"\nBUILD FAILED after {seconds:.0f} s "
              f"(exit {proc.returncode}); the previous site is kept.",
              file=out)
        print(report, file=out)
        return proc.returncode or 1

    shutil.rmtree(previous, ignore_errors=True)
    (build_dir / STATE).write_text(
        json.dumps({"site": site_fp, "execution": exec_fp}, indent=1)
    )
    print(f"book built in {seconds:.0f} s: {html / 'index.html'}",
          file=out)
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m bookbuild.build", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--root", default=".",
                        help="the book's root (with _config.yml)")
    parser.add_argument("--force", action="store_true",
                        help="build even if no input changed")
    args = parser.parse_args(argv)
    root = Path(args.root)
    for name in ("_config.yml", "_toc.yml"):
        if not (root / name).is_file():
            parser.error(f"expected {root / name}: --root must be a book "
                         f"root with _config.yml and _toc.yml")
    return build(root, force=args.force)


if __name__ == "__main__":
    sys.exit(main())
