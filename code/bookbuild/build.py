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

This module is the driver (fingerprints, staging, the steps in order);
the failure summary is :mod:`bookbuild.failures`, the process control
(sessions, SIGTERM, the lock, the swap) :mod:`bookbuild.processes`.
"""

import argparse
import io
import hashlib
import json
import os
import shutil
import signal
import sys
import threading
import time
from pathlib import Path

from bookbuild.editions import EDITION_CONFIG, EDITIONS, translated_languages
from bookbuild.failures import failure_report
from bookbuild.files import commit_epoch
from bookbuild.processes import (Stopped, no_stop, only_build, publish, run,
                                 stop)

STATE = ".bookbuild-state.json"

# Everything that decides the site. (What decides each page's
# execution is bookbuild.execute's business.)
SITE_INPUTS = ("code", "requirements.txt", "pyproject.toml", "_config.yml",
               "book", "_toc.yml", "references.bib", "locales")
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
                if p.suffix == ".mo":  # compiled from the .po by Sphinx
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
    with only_build(build_dir) as alone:
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


def _edition_stage(stage, lang):
    return stage / f"edition-{lang}"


def _edition_command(root, stage, lang):
    """The build of the `lang` edition (bookbuild.i18n): the book's
    configuration with its language, into its own staging folder,
    reading the same execution cache."""
    import yaml

    folder = _edition_stage(stage, lang)
    (folder / "_build").mkdir(parents=True)
    build_dir = Path(root, "_build")
    (build_dir / f".doctrees-{lang}").mkdir(exist_ok=True)
    (folder / "_build" / ".jupyter_cache").symlink_to(
        build_dir / ".jupyter_cache")
    (folder / "_build" / ".doctrees").symlink_to(
        build_dir / f".doctrees-{lang}")
    config = yaml.safe_load(Path(root, "_config.yml").read_text())
    config["sphinx"]["config"]["language"] = lang
    config.update(EDITION_CONFIG.get(lang, {}))
    # Its pages' canonical URLs, its PDFs' and notebooks' "read online"
    # links: the edition's own folder of the site.
    html = config.setdefault("html", {})
    if html.get("baseurl"):
        html["baseurl"] = html["baseurl"].rstrip("/") + "/" + \
            EDITIONS[lang][0]
    (folder / "_config.yml").write_text(yaml.safe_dump(config))
    return _jupyter_book() + ["build", str(root), "--all", "-W", "-n",
                              "--keep-going", "--path-output", str(folder),
                              "--config", str(folder / "_config.yml")]


class _Background(threading.Thread):
    """`processes.run` in a thread; wait() gives (code, log)."""

    def __init__(self, command, root, env, log_path):
        super().__init__(daemon=True)
        self.args_ = (command, root, env, log_path, io.StringIO())
        self.result = (1, "")
        self.start()

    def run(self):
        self.result = run(*self.args_)

    def wait(self):
        self.join()
        return self.result


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
    editions = {lang: _edition_command(root, stage, lang)
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
        others = {lang: _Background(cmd, root, env,
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
            if edition_code == 0 and (staged / "html").is_dir():
                os.replace(_edition_stage(stage, lang) / "_build" / "html",
                           staged / "html" / lang)
        seconds = time.monotonic() - start
        complete = code == 0 and (staged / "html" / "index.html").exists()
        if complete:
            with no_stop():
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
