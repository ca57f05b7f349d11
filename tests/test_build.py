"""The strict build: faults fail it loudly, outputs never go stale, and
the last good site survives every failure, stop and kill.

The slow tests build a throw-away book (the `throwaway_book` fixture)
with the book's real `_config.yml` (so the real strictness settings are
what is tested) and one or two tiny chapters, through `bookbuild.build`,
the driver behind `make book`. The quick ones test the failure report
and the swap on their own.
"""

import io
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from book_support import chapter
from bookbuild import build, failures, processes

slow = pytest.mark.slow


@pytest.fixture
def book(throwaway_book, repo_root):
    """A tiny book: the real _config.yml, an index, a `code/` module."""
    root = throwaway_book({
        "index": chapter("Index", "import sys\nsys.path.insert(0, '../code')"
                         "\nimport mini\nprint('value', mini.VALUE)\n"),
        "two": chapter("Two", "print(2)\n"),
    })
    (root / "code").mkdir()
    (root / "requirements.txt").write_text("numpy\n")
    (root / "code" / "mini.py").write_text("VALUE = 1\n")
    return root


def run(root):
    """Build `root`; return (exit code, everything the build printed)."""
    out = io.StringIO()
    code = build.build(root, out=out)
    return code, out.getvalue()


def executed_output(root, name):
    """The text outputs of the executed notebook `name`."""
    nb = json.loads(
        (root / "_build" / "jupyter_execute" / "book" / f"{name}.ipynb")
        .read_text()
    )
    return "".join(
        "".join(o.get("text", ""))
        for cell in nb["cells"] for o in cell.get("outputs", [])
    )


@slow
def test_builds_only_what_changed_and_re_executes_when_code_does(book):
    code, log = run(book)
    assert code == 0, log
    assert executed_pages(log) == ["index", "two"]
    assert (book / "_build" / "html" / "index.html").exists()
    assert "value 1" in executed_output(book, "index")
    code, log = run(book)
    assert code == 0
    assert "book is up to date" in log
    assert "jupyter-book" not in log

    # Prose: the site is rebuilt, nothing executes.
    text = (book / "book" / "two.md").read_text()
    (book / "book" / "two.md").write_text(text + "\nMore prose.\n")
    code, log = run(book)
    assert code == 0, log
    assert executed_pages(log) == []
    assert "Executing notebook" not in log
    assert "More prose." in (
        book / "_build" / "html" / "book" / "two.html").read_text()

    # code/: the chapters that import the module execute again, with
    # the new code; the others do not.
    (book / "code" / "mini.py").write_text("VALUE = 2\n")
    code, log = run(book)
    assert code == 0, log
    assert executed_pages(log) == ["index"]
    assert "value 2" in executed_output(book, "index")

    # The pins: every chapter.
    (book / "requirements.txt").write_text("numpy==2.4.6\n")
    code, log = run(book)
    assert code == 0, log
    assert executed_pages(log) == ["index", "two"]


def executed_pages(log):
    """The pages bookbuild.execute executed, by name; and none executed
    by myst-nb itself (every page was found in the cache)."""
    assert "Executing notebook using" not in log, log
    return sorted(re.findall(r"bookbuild\.execute: executed book/(\S+)\.md",
                             log))


def line_of(path, text):
    return path.read_text().splitlines().index(text) + 1


@slow
def test_every_fault_fails_the_build_and_each_is_reported(
        throwaway_book):
    """Each kind of fault in its own chapter, one build: --keep-going
    goes on after the first, and the report names every one."""
    root = throwaway_book({
        "index": chapter("Index", "print(1)\n"),
        "raises": chapter("Raises", "print('fine')\n", "ratio = 1 / 0\n"),
        "warns": chapter("Warns",
                         "import warnings\nwarnings.warn('careful now')\n"),
        "stderr": chapter("Stderr",
                          "import sys\nprint('oops', file=sys.stderr)\n"),
        "reference": chapter("Reference", "print(2)\n",
                             prose="See {ref}`no-such-label`.\n"),
        "directive": chapter("Directive", "print(2)\n",
                             prose="```{no-such-directive}\n```\n"),
        "also-raises": chapter("Also", "import nothing_of_that_name\n"),
    })
    code, log = run(root)
    assert code != 0
    assert "BUILD FAILED" in log
    report = log[log.index("BUILD FAILED"):]
    book = root / "book"
    line = line_of(book / "raises.md", "ratio = 1 / 0")
    assert (f"book/raises.md:{line}: the code cell here raised "
            "ZeroDivisionError: division by zero") in report
    assert "    ratio = 1 / 0" in report
    line = line_of(book / "also-raises.md", "import nothing_of_that_name")
    assert (f"book/also-raises.md:{line}: the code cell here raised "
            "ModuleNotFoundError") in report
    for name in ("warns", "stderr"):
        assert re.search(rf"{name}\.md:\d+: ERROR: stderr was found in "
                         r"the cell outputs of cell", report), report
    assert re.search(r"reference\.md:\d+: WARNING: undefined label: "
                     "'no-such-label'", report), report
    assert re.search(r"directive\.md:\d+: WARNING: Unknown directive type",
                     report), report
    assert not (root / "_build" / "html").exists()
    assert (root / "_build" / "reports" / "book" / "raises.err.log") \
        .is_file()


def start_build(root):
    """`python -m bookbuild.build` on `root`, as `make book` runs it."""
    return subprocess.Popen(
        [sys.executable, "-m", "bookbuild.build", "--root", str(root)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path)))


def wait_for(predicate, seconds=240):
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def stage_dirs(root):
    return sorted((root / "_build").glob(".stage-*"))


def processes_in(root):
    """The processes (other than this one) working in `root` or below."""
    root = Path(root).resolve()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cwd = Path(os.readlink(proc / "cwd"))
        except OSError:
            continue
        if cwd == root or root in cwd.parents:
            found.append(int(proc.name))
    return found


@slow
def test_the_last_good_site_survives_stop_kill_and_failure(book):
    """SIGTERM and SIGKILL to the build while a chapter executes, then
    jupyter-book killed under it, then a failing build: the pages of
    the last good build stay byte for byte, the whole time."""
    assert run(book)[0] == 0
    html = book / "_build" / "html"
    pages = {p: p.read_bytes() for p in (html / "index.html",
                                          html / "book" / "two.html")}

    def site_intact():
        for path, content in pages.items():
            assert path.read_bytes() == content, path

    # A chapter that is still executing when the build is stopped.
    (book / "book" / "two.md").write_text(chapter(
        "Two", "import time\nprint('started', flush=True)\n"
        "time.sleep(120)\n"))
    log = book / "_build" / "build.log"
    for sig in (signal.SIGTERM, signal.SIGKILL):
        log.unlink(missing_ok=True)
        proc = start_build(book)
        # The kernel is running the chapter: the staged build is
        # half-written; the served site is the old one, whole.
        wait_for(lambda: log.exists() and "Executing notebook"
                 in log.read_text() and "two" in log.read_text())
        site_intact()
        proc.send_signal(sig)
        output = proc.communicate(timeout=60)[0]
        site_intact()
        if sig == signal.SIGTERM:
            assert proc.returncode == 128 + signal.SIGTERM, output
            assert "BUILD STOPPED by SIGTERM" in output
            assert not stage_dirs(book)
        else:
            assert proc.returncode == -signal.SIGKILL
        # Nothing of it runs on: execution, its workers, the kernel.
        wait_for(lambda: not processes_in(book), seconds=30)

    # jupyter-book itself killed under the build: its log cut short.
    (book / "book" / "two.md").write_text(chapter(
        "Two", "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\n"))
    code, out = run(book)
    assert code != 0
    assert "jupyter-book was killed by signal 9" in out
    site_intact()

    # A failing build after all that: fails, cleans up, keeps the site.
    (book / "book" / "two.md").write_text(chapter("Two", "1 / 0\n"))
    code, out = run(book)
    assert code != 0
    assert "ZeroDivisionError" in out
    site_intact()
    assert not stage_dirs(book)
    # ... and the next build does not trust the failed one's silence.
    (book / "book" / "two.md").write_text(chapter("Two", "print(3)\n"))
    code, out = run(book)
    assert code == 0, out
    assert "book is up to date" not in out
    assert "3" in executed_output(book, "two")


# The report alone: any log, any report folder, never an exception.

TRACEBACK = """\
An error occurred while executing the following cell:
------------------
x = 1
ratio = x / 0
------------------

\x1b[0;31mZeroDivisionError\x1b[0m: division by zero
"""


def report_for(tmp_path, traceback, log=""):
    reports = tmp_path / "reports" / "book"
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "two.err.log").write_text(traceback)
    return failures.failure_report(tmp_path, tmp_path / "reports", log)


def test_a_report_names_file_line_exception_and_cell(tmp_path):
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "two.md").write_text(
        "# Two\n\n```{code-cell} ipython3\nx = 1\nratio = x / 0\n```\n")
    report = report_for(tmp_path, TRACEBACK,
                        "book/two.md: WARNING: Executing notebook failed\n")
    assert report.splitlines()[:3] == [
        "book/two.md:4: the code cell here raised ZeroDivisionError: "
        "division by zero", "    x = 1", "    ratio = x / 0"]
    assert "book/two.md: WARNING: Executing notebook failed" in report


@pytest.mark.parametrize("cut", [0, 20, 60, 75, len(TRACEBACK) - 5])
def test_a_truncated_traceback_or_log_still_gives_a_report(tmp_path, cut):
    report = report_for(tmp_path, TRACEBACK[:cut],
                        log="Running Sphinx\nbook/two.md: WARN")
    assert "book/two" in report


def test_an_empty_log_and_no_reports_still_give_a_report(tmp_path):
    report = failures.failure_report(tmp_path, tmp_path / "none", "", -9)
    assert "killed by signal 9" in report
    report = failures.failure_report(tmp_path, tmp_path / "none", "", 2)
    assert "exited with code 2" in report and "printed nothing" in report


def test_publishing_swaps_the_whole_folder(tmp_path):
    live, new = tmp_path / "html", tmp_path / "stage" / "html"
    live.mkdir()
    (live / "index.html").write_text("old")
    (live / "gone.html").write_text("old only")
    new.mkdir(parents=True)
    (new / "index.html").write_text("new")
    processes.publish(new, live)
    assert (live / "index.html").read_text() == "new"
    assert not (live / "gone.html").exists()
    assert not new.exists()
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    processes.publish(fresh, tmp_path / "absent")
    assert (tmp_path / "absent").is_dir()


def test_published_path_maps_a_staged_file_to_its_place_after_the_swap():
    from pathlib import Path

    from bookbuild.staging import published_path, stage_folder

    staged = stage_folder("_build") / "_build" / "jupyter_execute" / "x.png"
    assert published_path("/book", staged) == Path(
        "/book/_build/jupyter_execute/x.png")
    assert published_path("/book", "book/figures/x.png") is None
    # An edition's image: the book's, published under the same name.
    edition = stage_folder("_build") / "edition-ko" / "_build" / \
        "jupyter_execute" / "x.png"
    assert published_path("/book", edition) == Path(
        "/book/_build/jupyter_execute/x.png")
