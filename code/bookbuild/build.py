"""Build the book strictly, re-executing chapters only when needed.

    python -m bookbuild.build [--root DIR] [--force]

`make book` runs this. It wraps `jupyter-book build` with four rules
that the plain command does not keep:

1. Strict, every time a build runs: `-W -n --keep-going` and `--all`
   (:mod:`bookbuild.commands`), so that every warning is reported
   again.
2. No stale outputs, and no needless execution: before Sphinx reads,
   `bookbuild.execute` executes the pages whose cells or inputs changed
   (the modules under `code/` a page imports, directly or not, the
   data files it names, the pins), on every core at once, into the
   jupyter-cache that myst-nb then reads. A page that fails there is
   executed again by myst-nb, which reports it as before.
3. Nothing is rebuilt when nothing changed: the fingerprint of all
   inputs is stored after a successful build, and a build with the same
   fingerprint returns at once. A failed build stores nothing, so a
   failure is never hidden by the next build's silence.
4. The site is never lost: Jupyter Book builds into a staging folder
   (:mod:`bookbuild.staging`), and the new `_build/html` (with
   `_build/jupyter_execute`) takes the old one's place in one rename
   only once it is complete. A failed, stopped (SIGTERM) or killed
   build leaves the last good site as it was, byte for byte; a failure
   is summarised from myst-nb's reports (`_build/reports`) and the log
   (`_build/build.log`).

This module is the driver (the fingerprint, the steps in order); the
commands it runs are :mod:`bookbuild.commands`, the staging folder
:mod:`bookbuild.staging`, the failure summary
:mod:`bookbuild.failures`, the process control (sessions, SIGTERM, the
lock, the swap) :mod:`bookbuild.processes`.
"""

import argparse
import json
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

from bookbuild import staging
from bookbuild.commands import (book_command, build_env, edition_command,
                                execute_command)
from bookbuild.editions import translated_languages
from bookbuild.failures import failure_report
from bookbuild.files import fingerprint
from bookbuild.processes import (Background, Stopped, no_stop, only_build,
                                 run, stop)

STATE = ".bookbuild-state.json"

# Everything that decides the site. (What decides each page's
# execution is bookbuild.dependencies' business.)
SITE_INPUTS = ("code", "requirements.txt", "pyproject.toml", "_config.yml",
               "book", "_toc.yml", "references.bib", "locales")
SKIP_PARTS = {"__pycache__", ".ipynb_checkpoints", ".pytest_cache"}


def _site_files(root):
    for name in SITE_INPUTS:
        path = root / name
        if path.is_file():
            yield path
        elif path.is_dir():
            for p in sorted(path.rglob("*")):
                if not p.is_file() or SKIP_PARTS & set(p.parts):
                    continue
                if ".egg-info" in str(p):
                    continue
                if p.suffix == ".mo":  # compiled from the .po by Sphinx
                    continue
                yield p


def site_fingerprint(root):
    """All inputs of the site."""
    return fingerprint(root, _site_files(root))


def _read_state(build_dir):
    try:
        return json.loads((build_dir / STATE).read_text())
    except (OSError, ValueError):
        return {}


def build(root, force=False, out=sys.stdout):
    """Build `root`'s book; publish it as root/_build/html only when it
    is complete. Returns an exit code."""
    root = Path(root).resolve()
    build_dir = root / "_build"
    state = _read_state(build_dir)
    site_fp = site_fingerprint(root)

    if (not force and state.get("site") == site_fp
            and (build_dir / "html" / "index.html").exists()):
        print("book is up to date: no input changed since the last "
              "successful build (use --force to rebuild)", file=out)
        return 0

    build_dir.mkdir(exist_ok=True)
    with only_build(build_dir) as alone:
        if not alone:
            print(f"another build of {root} is running: wait for it",
                  file=out)
            return 1
        return _staged_build(root, site_fp, out)


def _staged_build(root, site_fp, out):
    """Execute what changed, build into a staging folder; publish it if
    complete."""
    build_dir = root / "_build"
    (build_dir / STATE).unlink(missing_ok=True)
    stage = staging.make_stage(build_dir)
    site = staging.site(stage)
    execute = execute_command(root, build_dir / ".jupyter_cache")
    command = book_command(root, stage)
    editions = {lang: edition_command(
                    root, staging.make_edition_stage(build_dir, stage, lang),
                    lang)
                for lang in translated_languages(root)}
    # Unbuffered: the log shows each step as it happens.
    env = dict(build_env(root), PYTHONUNBUFFERED="1")
    start = time.monotonic()
    handler = None
    if threading.current_thread() is threading.main_thread():
        handler = signal.signal(signal.SIGTERM, stop)
    try:
        print("$ python -m bookbuild.execute --root " + str(root),
              file=out, flush=True)
        code, log = run(execute, root, env, build_dir / "build.log", out)
        if code != 0:
            # Only time is lost: myst-nb executes what is not cached.
            print(f"bookbuild.execute exited with code {code}; the pages "
                  "it did not execute are executed by the build", file=out)
        executed = time.monotonic() - start
        # The editions read the same cache, each in a Sphinx of its own,
        # beside the English one (the machine's cores are free by now).
        others = {lang: Background(cmd, root, env,
                                   build_dir / f"build-{lang}.log")
                  for lang, cmd in editions.items()}
        print("$ " + " ".join(command), file=out, flush=True)
        code, log = run(command, root, env, build_dir / "build.log", out,
                        mode="a")
        for lang, edition in others.items():
            edition_code, edition_log = edition.wait()
            print(f"$ {' '.join(editions[lang])}\n{edition_log}", file=out,
                  flush=True)
            log += edition_log
            code = code or edition_code
            if edition_code == 0:
                staging.add_edition(stage, lang)
        seconds = time.monotonic() - start
        if code == 0 and (site / "index.html").exists():
            with no_stop():
                staging.publish_stage(stage, build_dir)
                (build_dir / STATE).write_text(json.dumps(
                    {"site": site_fp}, indent=1))
            print(f"book built in {seconds:.0f} s ({executed:.0f} s of "
                  f"them executing pages): "
                  f"{build_dir / 'html' / 'index.html'}", file=out)
            return 0
        try:
            report = failure_report(root, site / "reports", log, code)
        except Exception as error:  # the site stays, whatever went wrong
            report = f"(no summary: {error!r}; see the log above)"
        kept = staging.keep_reports(stage, build_dir)
        print(f"\nBUILD FAILED after {seconds:.0f} s (exit {code}); the "
              f"previous site is kept. The log: {build_dir / 'build.log'}"
              f"; the tracebacks: {kept}", file=out)
        print(report, file=out)
        return code if code > 0 else 1
    except Stopped as stopped:
        print(f"\nBUILD STOPPED by {stopped}; the previous site is kept.",
              file=out)
        return 128 + signal.SIGTERM
    finally:
        if handler is not None:
            signal.signal(signal.SIGTERM, handler)
        shutil.rmtree(stage, ignore_errors=True)


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
