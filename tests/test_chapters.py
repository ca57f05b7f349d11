"""The chapters and the library agree on the book's conventions.

- Every chapter in _toc.yml is a MyST notebook that runs in Jupyter.
- Code cells are at most 78 characters a line (a PDF page, a phone).
- TensorFlow and Keras are imported only after gradbook (which sets
  TensorFlow's logging variables before its import).
- Chapters never import bookbuild (the book's tooling).
- Every "Defined in: <chapter>, §<section>" back-link in gradbook names
  a real chapter title and one of its headings.
- Every chapter with a proof links the proofs PDF.
- No typed numbers: every number a solution shows is a literal of its
  own code, which asserts; every code cell of a solution asserts; a
  table row "by hand" equals the executed values glued beside it (with
  GRADBOOK_HTML set); statements replaced by computed ones stay gone.
- Every exercise has a solution, and each part has at least one
  exercise for each of its pages.
"""

import ast
import json
import os
import re
from pathlib import Path

import jupytext
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
TOC = yaml.safe_load((ROOT / "_toc.yml").read_text())
# The pages with code: the intro and every page of the parts, but not
# the back matter (notation, glossary, references: prose only).
BACK_MATTER = "Reference"
CHAPTERS = [TOC["root"]] + [c["file"] for part in TOC["parts"]
                            if part["caption"] != BACK_MATTER
                            for c in part["chapters"]]
MAX_LINE = 78


def notebook(name):
    return jupytext.read(ROOT / f"{name}.md")


def code_cells(name):
    return [c for c in notebook(name).cells if c.cell_type == "code"]


def headings(name):
    """The chapter's headings, outside code fences: level-1 first."""
    found, fence = [], None
    for line in (ROOT / f"{name}.md").read_text().splitlines():
        marker = re.match(r"^(`{3,}|~{3,})", line)
        if marker:
            if fence is None:
                fence = marker.group(1)
            elif line.startswith(fence) and line.strip() == fence:
                fence = None
            continue
        if fence is None:
            heading = re.match(r"^(#+)\s+(.*?)\s*$", line)
            if heading:
                found.append(heading.group(2))
    return found


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapter_is_a_python_notebook(name):
    nb = notebook(name)
    assert nb.metadata["kernelspec"]["name"] == "python3"
    assert nb.metadata["jupytext"]["text_representation"]["format_name"] \
        == "myst"
    assert code_cells(name), f"{name} has no code cells"


@pytest.mark.parametrize("name", CHAPTERS)
def test_code_cells_fit_78_columns(name):
    long = [
        f"cell {i}: {len(line)} chars: {line}"
        for i, cell in enumerate(code_cells(name), start=1)
        for line in cell.source.splitlines() if len(line) > MAX_LINE
    ]
    assert not long, "\n".join(long)


@pytest.mark.parametrize("name", CHAPTERS)
def test_tensorflow_comes_after_gradbook(name):
    seen_gradbook = False
    for i, cell in enumerate(code_cells(name), start=1):
        for line in cell.source.splitlines():
            if re.match(r"^\s*(import|from)\s+gradbook\b", line):
                seen_gradbook = True
            if re.match(r"^\s*(import|from)\s+(tensorflow|keras)\b", line):
                assert seen_gradbook, (
                    f"{name}, cell {i} imports TensorFlow or Keras before "
                    "gradbook, so TensorFlow's start-up logs reach stderr")


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapters_never_import_the_tooling(name):
    for cell in code_cells(name):
        assert not re.search(r"^\s*(import|from)\s+bookbuild\b",
                             cell.source, re.M)


@pytest.mark.parametrize("name", CHAPTERS)
def test_chapters_with_proofs_link_the_pdf(name):
    text = (ROOT / f"{name}.md").read_text()
    if "{prf:proof}" in text:
        assert "{proofs-pdf}" in text


def defined_in_links():
    """(module, object, chapter title, section) for every back-link."""
    for path in sorted((ROOT / "code" / "gradbook").glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if not isinstance(node, (ast.FunctionDef, ast.ClassDef,
                                     ast.AsyncFunctionDef)):
                continue
            doc = " ".join((ast.get_docstring(node) or "").split())
            for chapter, section in re.findall(
                    r"Defined in: (.+?), §(.+?)\.(?:\s|$)", doc):
                yield path.name, node.name, chapter, section


def test_every_defined_in_link_names_a_real_section():
    titles = {headings(name)[0]: name for name in CHAPTERS}
    links = list(defined_in_links())
    assert len(links) > 20
    broken = []
    for module, obj, chapter, section in links:
        if chapter not in titles:
            broken.append(f"{module}:{obj}: no chapter titled {chapter!r}")
        elif section not in headings(titles[chapter]):
            broken.append(f"{module}:{obj}: {chapter!r} has no section "
                          f"{section!r}")
    assert not broken, "\n".join(broken)



# ======== Numbers in prose come from code, or are checked by it ========
FENCE = re.compile(r"^(`{3,})\{([\w:-]+)\}(.*)$")
ROLE = re.compile(r"\{[\w:-]+\}`[^`]*`")
NUMBER = re.compile(r"(?<![\w.\\^_{-])\d+(?:\.\d+)?(?![\w.])")
STRUCTURAL = {0.0, 1.0, 2.0}  # shapes, indices, halves: not answers


def directive_blocks(name):
    """Top-level MyST directives of a chapter: (name, argument, lines)."""
    lines = (ROOT / f"{name}.md").read_text().splitlines()
    blocks, i = [], 0
    while i < len(lines):
        start = FENCE.match(lines[i])
        if not start:
            i += 1
            continue
        fence, body, i = start.group(1), [], i + 1
        while i < len(lines) and lines[i].strip() != fence:
            body.append(lines[i])
            i += 1
        blocks.append((start.group(2), start.group(3).strip(), body))
        i += 1
    return blocks


def exercises_and_solutions(name):
    """{label: exercise text} and [(label, prose, [code sources])].

    Handles both forms: the {exercise}/{solution} directives, and the
    gated {exercise-start}/{solution-start} ... -end pairs whose body
    (prose and code cells) lies between the two markers.
    """
    exercises, solutions = {}, []
    blocks = directive_blocks(name)
    i = 0
    while i < len(blocks):
        kind, arg, body = blocks[i]
        label = arg
        if kind in ("exercise", "exercise-start"):
            for line in body:
                if line.startswith(":label:"):
                    label = line.split(":label:")[1].strip()
        if kind == "exercise":
            exercises[label] = "\n".join(body)
        elif kind == "solution":
            solutions.append((arg, "\n".join(body), []))
        elif kind in ("exercise-start", "solution-start"):
            end = kind.replace("-start", "-end")
            prose, code, j = [], [], i + 1
            text = (ROOT / f"{name}.md").read_text()
            while blocks[j][0] != end:
                if blocks[j][0] == "code-cell":
                    code.append("\n".join(
                        ln for ln in blocks[j][2]
                        if not ln.startswith(":tags:")))
                else:
                    prose.extend(blocks[j][2])
                j += 1
            # the prose between the markers, outside every directive
            segment = text.split(f"{{{kind}}} {arg}", 1)[1]
            segment = segment.split(f"{{{end}}}", 1)[0]
            outside = re.sub(r"(?ms)^(`{3,})\{[\w:-]+\}.*?^\1\s*$", "",
                             segment)
            if kind == "exercise-start":
                exercises[label] = outside
            else:
                solutions.append((arg, outside, code))
            i = j
        i += 1
    return exercises, solutions


def prose_numbers(text):
    """The numbers a reader sees in prose, roles and labels removed."""
    text = ROLE.sub(" ", text)
    text = re.sub(r"(?m)^:\w+:.*$", " ", text)  # directive options
    text = re.sub(r"\\[dt]?frac(\d)(\d)", " ", text)  # \tfrac12
    text = re.sub(r"\\[a-zA-Z]+", " ", text)  # LaTeX commands
    return {float(n) for n in NUMBER.findall(text)}


def code_numbers(sources):
    """Every numeric literal in the code cells (signs dropped)."""
    found = set()
    for source in sources:
        tree = ast.parse(source)
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(
                    node.value, (int, float)) \
                    and not isinstance(node.value, bool):
                found.add(abs(float(node.value)))
    return found


def asserts(sources):
    return sum(isinstance(node, ast.Assert)
               for source in sources for node in ast.walk(ast.parse(
                   "\n".join(ln for ln in source.splitlines()
                             if not ln.startswith("%")))))


@pytest.mark.parametrize("name", CHAPTERS)
def test_solutions_with_numbers_assert_them(name):
    """A solution that shows a number checks it in its own code.

    Every number in a solution's prose (beyond 0, 1 and 2, and those
    given in the exercise) must appear in the solution's code, and the
    code must assert; every code cell of a solution asserts something,
    so that no solution merely prints.
    """
    exercises, solutions = exercises_and_solutions(name)
    problems = []
    for label, prose, code in solutions:
        given = prose_numbers(exercises.get(label, ""))
        shown = prose_numbers(prose) - STRUCTURAL - given
        unchecked = shown - code_numbers(code)
        if shown and not asserts(code):
            problems.append(f"{label}: shows {sorted(shown)} but has no "
                            "code cell with an assert")
        if unchecked:
            problems.append(f"{label}: {sorted(unchecked)} in the prose "
                            "appear in no assertion of its code")
        for source in code:
            if not asserts([source]):
                problems.append(f"{label}: a code cell asserts nothing:"
                                f"\n{source}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("name", CHAPTERS[1:])
def test_every_exercise_has_a_solution(name):
    exercises, solutions = exercises_and_solutions(name)
    assert {label for label, _, _ in solutions} == set(exercises)


@pytest.mark.parametrize("part", [p for p in TOC["parts"]
                                  if p["caption"] != BACK_MATTER],
                         ids=lambda p: p["caption"])
def test_every_part_has_an_exercise_a_page(part):
    """Exercises sit on the page whose material they exercise (so a page
    may have none); a part has at least one for each of its pages."""
    pages = [c["file"] for c in part["chapters"]]
    count = sum(len(exercises_and_solutions(p)[0]) for p in pages)
    assert count >= len(pages), (
        f"{part['caption']}: {count} exercises on {len(pages)} pages")


# Statements that were once typed by hand, or false, and were replaced
# by computed ones: they must not come back.
RETIRED = {
    "a million times": "the float64 margin is measured and glued",
    "starts $b$ at zero": "ReLU layers start b at RELU_BIAS",
    "default step $h = 10^{-5}$": "glued from the function's default",
    "crosses them at all angles": "the angle band is computed",
    "grows out of one formula": "not every gradient does",
    "always\ndecreases": "needs x ≠ 0 and η > 0",
    "$z = x^\\top W + b$": "x is a row in the network chapters",
}


@pytest.mark.parametrize("name", CHAPTERS)
def test_retired_statements_stay_retired(name):
    text = (ROOT / f"{name}.md").read_text()
    flat = " ".join(text.split())
    back = [f"{phrase!r} ({why})" for phrase, why in RETIRED.items()
            if phrase in text or " ".join(phrase.split()) in flat]
    assert not back, "\n".join(back)


def list_tables(name):
    """Each {list-table}: a list of rows, each a list of cell texts."""
    tables = []
    for kind, _, body in directive_blocks(name):
        if kind != "list-table":
            continue
        rows = []
        for line in body:
            if line.startswith("* - "):
                rows.append([line[4:].strip()])
            elif line.startswith("  - ") and rows:
                rows[-1].append(line[4:].strip())
        tables.append(rows)
    return tables


def glued_values(name):
    """name -> glued text/plain value, from the build's executed notebook.

    The executed notebooks live in the build's jupyter-cache; the one
    for `name` is the one whose code cells are the chapter's.
    """
    html = os.environ.get("GRADBOOK_HTML", ROOT / "_build" / "html")
    if not (Path(html) / "index.html").is_file():
        pytest.skip(f"no built site at {html} (run `make book`, or set "
                    "GRADBOOK_HTML) to compare numbers by hand with the "
                    "executed ones")
    sources = [c.source for c in code_cells(name)]
    cache = Path(html).parent / ".jupyter_cache" / "executed"
    for path in sorted(cache.glob("*/base.ipynb")):
        cells = [c for c in json.loads(path.read_text())["cells"]
                 if c["cell_type"] == "code"]
        if ["".join(c["source"]) for c in cells] == sources:
            break
    else:
        pytest.skip(f"no executed notebook of {name} under {cache}")
    values = {}
    for cell in cells:
        for output in cell.get("outputs", []):
            record = output.get("metadata", {}).get("scrapbook", {})
            key = record.get("mime_prefix", "") + "text/plain"
            if "name" in record and key in output.get("data", {}):
                values[record["name"]] = output["data"][key]
    return values


@pytest.mark.parametrize("name", CHAPTERS)
def test_numbers_by_hand_match_the_executed_ones(name):
    """A table row "by hand" equals the glued rows computed below it."""
    tables = [rows for rows in list_tables(name)
              if any("by hand" in row[0] for row in rows)]
    if not tables:
        return
    glued = glued_values(name)
    compared = 0
    for rows in tables:
        hand = next(row for row in rows if "by hand" in row[0])
        by_hand = [float(re.sub(r"[$\s]", "", cell)) for cell in hand[1:]]
        for row in rows:
            names = [re.findall(r"\{glue:text\}`([\w-]+)", cell)
                     for cell in row[1:]]
            if not all(names) or len(names) != len(by_hand):
                continue
            machine = [float(glued[n[0]].strip("'")) for n in names]
            assert machine == pytest.approx(by_hand, rel=1e-12), row[0]
            compared += 1
    assert compared, f"{name}: a 'by hand' row with nothing to compare"
