"""What a failed build reports: each chapter whose execution failed
(from myst-nb's saved tracebacks, as file:line of the failing cell),
then every warning and error line of the log. Used by
:mod:`bookbuild.build`."""

import re
from pathlib import Path

#: ANSI colour and mode codes (IPython's coloured tracebacks, rich's
#: coloured text): stripped wherever a kernel's output is read as text
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
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
