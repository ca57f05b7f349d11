"""Build the book strictly, re-executing chapters only when needed.

    python -m bookbuild.build [--root DIR] [--force]

`make book` runs this. It wraps `jupyter-book build` with four rules
that the plain command does not keep:

1. Strict, every time a build runs: `-W -n --keep-going` and `--all`,
   so Sphinx re-reads every chapter and re-reports every warning. An
   incremental Sphinx build stays silent about warnings it reported
   before, so its silence proves nothing.
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
4. The site is never lost: Jupyter Book builds into a staging folder,
   `_build/.stage-<pid>`, and the new `_build/html` (with
   `_build/jupyter_execute`) takes the old one's place in one rename
   only once it is complete. A failed, stopped (SIGTERM) or killed
   build leaves the last good site as it was, byte for byte; a failure
   is summarised from myst-nb's reports (`_build/reports`) and the log
   (`_build/build.log`).
"""

import argparse
import contextlib
import ctypes
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from bookbuild.files import commit_epoch

STATE = ".bookbuild-state.json"

# Everything that decides the site. (What decides each page's
# execution is bookbuild.execute's business.)
SITE_INPUTS = ("code", "requirements.txt", "pyproject.toml", "_config.yml",
               "book", "_toc.yml", "references.bib")
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


def site_fingerprint(root):
    """All inputs of the site."""
    return fingerprint(root, SITE_INPUTS)


def _read_state(build):
    try:
        return json.loads((build / STATE).read_text())
    except (OSError, ValueError):
        return {}


def build_env(root):
    """The environment for the build and its kernels: seeded.

    TensorFlow's start-up logging is quieted by `import gradbook`,
    which every chapter runs before it imports TensorFlow or Keras.
    """
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = "0"
    env.setdefault("SOURCE_DATE_EPOCH", commit_epoch(root) or "0")
    return env


def _jupyter_book():
    exe = Path(sys.executable).with_name("jupyter-book")
    return [str(exe)] if exe.exists() else ["jupyter-book"]


ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
RULE = "------------------"  # nbclient's frame around the failing cell
# myst-nb's pointer to its report, inside the staging folder (gone by
# then): the report is summarised above and kept in _build/reports.
SAVED_TRACEBACK = "Notebook exception traceback saved in:"
ERROR_LINE = re.compile(r"^\w+(Error|Exception|Warning|Exit|Interrupt)\b")


def _cell_line(chapter, source):
    """The line of `chapter` where the cell with `source` starts, or 0."""
    try:
        text = Path(chapter).read_text()
    except OSError:
        return 0
    first = source.strip().splitlines()[0] if source.strip() else ""
    index = text.find(first) if first else -1
    return text.count("\n", 0, index) + 1 if index >= 0 else 0


def _chapter_file(root, docname):
    """The source file of `docname` (relative to root), as written."""
    for suffix in (".md", ".ipynb"):
        if (root / (docname + suffix)).is_file():
            return docname + suffix
    return docname


def cell_failure(root, docname, traceback):
    """Lines reporting one chapter's failed execution, from the
    traceback myst-nb saved in reports/<docname>.err.log: the file and
    line of the failing cell, the exception, the cell's source. Any
    part missing (a log cut short) is said to be missing."""
    lines = ANSI.sub("", traceback).splitlines()
    chapter = _chapter_file(root, docname)
    rules = [i for i, line in enumerate(lines) if line.strip() == RULE]
    source = ("\n".join(lines[rules[0] + 1:rules[1]])
              if len(rules) >= 2 else "")
    after = lines[rules[1] + 1:] if len(rules) >= 2 else lines
    errors = [line for line in after if ERROR_LINE.match(line)]
    error = errors[-1] if errors else ""
    where = _cell_line(root / chapter, source) if source else 0
    if not source:
        error = error or "no exception recorded"
        return [f"{chapter}: its execution failed ({error}); the saved "
                "traceback names no cell, its end:",
                *("    " + line for line in lines[-20:])]
    return [f"{chapter}:{where}: the code cell here raised "
            f"{error or 'an exception'}",
            *("    " + line for line in source.splitlines())]


def failure_report(root, reports, log, returncode=1):
    """Summarise a failed build, from whatever it left: each chapter
    whose execution failed (myst-nb's reports/ folder), then every
    warning and error line of the log (each of which fails a strict
    build). Works on any log, truncated or empty."""
    root, reports = Path(root), Path(reports)
    report = []
    logs = sorted(reports.rglob("*.err.log")) if reports.is_dir() else []
    for path in logs:
        docname = path.relative_to(reports).as_posix()[:-len(".err.log")]
        text = path.read_text(encoding="utf8", errors="replace")
        report.extend(cell_failure(root, docname, text))
    problems = [line for line in ANSI.sub("", log).splitlines()
                if ("WARNING" in line or "ERROR" in line)
                and not line.startswith("[IPKernelApp]")
                and SAVED_TRACEBACK not in line]
    if problems:
        report.append("warnings and errors (each one fails the build):")
        report.extend("    " + line for line in problems)
    if returncode < 0:
        report.append(f"jupyter-book was killed by signal {-returncode} "
                      "before it finished")
    if not report:
        report.append(f"jupyter-book exited with code {returncode} and "
                      "reported no warning, error or failed chapter"
                      + ("" if log.strip() else "; it printed nothing"))
    return "\n".join(report)


def _exchange(new, live):
    """Swap two directories in one step (Linux renameat2), or False."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    done = renameat2(at_fdcwd, os.fsencode(new), at_fdcwd,
                     os.fsencode(live), rename_exchange)
    return done == 0


def publish(new, live):
    """Put the directory `new` in the place of `live`.

    Where the system can, the two are exchanged in one rename, so that
    `live` is at no moment absent or half-written; elsewhere the old
    one is renamed away first. `new` is gone afterwards.
    """
    if not live.exists():
        new.rename(live)
        return
    if _exchange(new, live):
        shutil.rmtree(new)
        return
    old = live.with_name(live.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    live.rename(old)
    new.rename(live)
    shutil.rmtree(old)


class Stopped(Exception):
    """The build was told to stop (SIGTERM)."""


def _stop(signum, frame):
    raise Stopped(signal.Signals(signum).name)


def _die_with_parent():
    """In the child: die when the build dies, even by SIGKILL (Linux)."""
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _end(proc):
    """Stop jupyter-book and every kernel it started (its session)."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
        if proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
        except subprocess.TimeoutExpired:
            continue


@contextlib.contextmanager
def _no_stop():
    """Hold SIGTERM back while the site is swapped (a few renames)."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})


@contextlib.contextmanager
def _only_build(build_dir):
    """One build of a book at a time; yields False if one is running.
    The lock goes with the process, however it ends."""
    with open(build_dir / ".lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True


STAGE_PREFIX = ".stage-"


def stage_folder(build_dir):
    """This build's staging folder: Jupyter Book writes <stage>/_build."""
    return Path(build_dir) / f"{STAGE_PREFIX}{os.getpid()}"


def published_path(root, path):
    """Where a file that a staged build wrote at `path` (relative to the
    book's root: ``_build/.stage-<pid>/_build/<rest>``) is once the build
    is in place: ``root/_build/<rest>``. None if `path` is not staged."""
    parts = Path(path).parts
    for i, part in enumerate(parts[:-2]):
        if part.startswith(STAGE_PREFIX) and parts[i + 1] == "_build":
            return Path(root, "_build", *parts[i + 2:])
    return None


def _remove_stale_stages(build_dir):
    """Staging folders of builds that died (SIGKILL) or were stopped."""
    for stage in build_dir.glob(f"{STAGE_PREFIX}*"):
        shutil.rmtree(stage, ignore_errors=True)


def _run(command, root, log_path, out, mode="w"):
    """Run `command`, copying its output to `out` and `log_path` as
    it comes; returns (exit code, the log)."""
    chunks = []
    with open(log_path, mode, buffering=1) as log:  # line by line
        # Unbuffered: the log shows each step as it happens.
        env = dict(build_env(root), PYTHONUNBUFFERED="1")
        proc = subprocess.Popen(
            command, cwd=root, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            errors="replace", start_new_session=True,
            preexec_fn=_die_with_parent)
        try:
            for line in proc.stdout:
                out.write(line)
                log.write(line)
                chunks.append(line)
            proc.wait()
        finally:
            _end(proc)
            proc.stdout.close()
    return proc.returncode, "".join(chunks)


def build(root, force=False, out=sys.stdout):
    """Build `root`'s book; publish it as root/_build/html only when it
    is complete. Returns an exit code."""
    root = Path(root).resolve()
    build_dir = root / "_build"
    html = build_dir / "html"
    state = _read_state(build_dir)
    site_fp = site_fingerprint(root)

    if (not force and state.get("site") == site_fp
            and (html / "index.html").exists()):
        print("book is up to date: no input changed since the last "
              "successful build (use --force to rebuild)", file=out)
        return 0

    build_dir.mkdir(exist_ok=True)
    with _only_build(build_dir) as alone:
        if not alone:
            print(f"another build of {root} is running: wait for it",
                  file=out)
            return 1
        return _staged_build(root, site_fp, out)


def _execute_command(root, cache):
    """`bookbuild.execute` on `root`, importing this very bookbuild
    (whatever the environment's PYTHONPATH), without changing the
    environment its kernels get."""
    code_root = str(Path(__file__).resolve().parents[1])
    script = ("import sys; sys.path.insert(0, sys.argv.pop(1)); "
              "from bookbuild.execute import main; sys.exit(main())")
    return [sys.executable, "-c", script, code_root, "--root", str(root),
            "--cache", str(cache)]


def _staged_build(root, site_fp, out):
    """Execute what changed, build into a staging folder; publish it if
    complete."""
    build_dir = root / "_build"
    html = build_dir / "html"
    (build_dir / STATE).unlink(missing_ok=True)
    _remove_stale_stages(build_dir)
    # Jupyter Book writes everything under <stage>/_build. Two folders
    # are the book's own and outlive a build, shared through links: the
    # execution cache, and the doctrees (--all reads every chapter
    # afresh; the proofs PDF keeps its laid-out math there).
    stage = stage_folder(build_dir)
    staged = stage / "_build"
    staged.mkdir(parents=True)
    for name in (".jupyter_cache", ".doctrees"):
        (build_dir / name).mkdir(exist_ok=True)
        (staged / name).symlink_to(build_dir / name)

    execute = _execute_command(root, build_dir / ".jupyter_cache")
    command = _jupyter_book() + ["build", str(root), "--all",
                                 "-W", "-n", "--keep-going",
                                 "--path-output", str(stage)]
    start = time.monotonic()
    handler = None
    if threading.current_thread() is threading.main_thread():
        handler = signal.signal(signal.SIGTERM, _stop)
    try:
        print("$ python -m bookbuild.execute --root " + str(root),
              file=out, flush=True)
        code, log = _run(execute, root, build_dir / "build.log", out)
        if code != 0:
            # Only time is lost: myst-nb executes what is not cached.
            print(f"bookbuild.execute exited with code {code}; the pages "
                  "it did not execute are executed by the build", file=out)
        executed = time.monotonic() - start
        print("$ " + " ".join(command), file=out, flush=True)
        code, log = _run(command, root, build_dir / "build.log", out,
                         mode="a")
        seconds = time.monotonic() - start
        complete = code == 0 and (staged / "html" / "index.html").exists()
        if complete:
            with _no_stop():
                if (staged / "jupyter_execute").is_dir():
                    publish(staged / "jupyter_execute",
                            build_dir / "jupyter_execute")
                publish(staged / "html", html)
                (build_dir / STATE).write_text(json.dumps(
                    {"site": site_fp}, indent=1))
            print(f"book built in {seconds:.0f} s ({executed:.0f} s of "
                  f"them executing pages): "
                  f"{html / 'index.html'}", file=out)
            return 0
        try:
            report = failure_report(root, staged / "html" / "reports",
                                    log, code)
        except Exception as error:  # the site stays, whatever went wrong
            report = f"(no summary: {error!r}; see the log above)"
        kept = build_dir / "reports"
        shutil.rmtree(kept, ignore_errors=True)
        if (staged / "html" / "reports").is_dir():
            shutil.copytree(staged / "html" / "reports", kept)
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
