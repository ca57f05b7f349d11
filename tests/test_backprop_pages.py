"""The network pages keep their numbers computed and their figures
described.

- Every solution runs code and asserts its answer.
- Every figure is a glued figure with a name, an alt text that says
  something (not a file name) and a caption; no bare plt.show().
- The prose has no decimal number typed by hand: numbers come from
  glue. (Inline math and code are left out of the scan; they state
  formulas and show code, not results.)
- The pages link each other.

The old backprop chapter is now three pages: mlp (the network, softmax
and cross-entropy, layer gradients), backprop (backpropagation,
training, the check against PyTorch) and gradient-checking (the check
against finite differences, Iris). Each keeps every rule the chapter
had; mlp draws no figure.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["mlp", "backprop", "gradient-checking", "backprop-mistakes",
         "dead-relus"]
WITHOUT_FIGURES = {"mlp"}


def text(name):
    return (ROOT / "book" / f"{name}.md").read_text()


def blocks(source, start, end):
    """The text between each `{start}` directive and the next `{end}`."""
    found = []
    for match in re.finditer(r"```\{" + start + r"\}[^\n]*\n", source):
        stop = source.index("```{" + end + "}", match.end())
        found.append(source[match.end():stop])
    return found


def prose(source):
    """The page without front matter, code cells, directives' options,
    math, inline code and roles: the sentences a reader reads."""
    source = re.sub(r"\A---\n.*?\n---\n", "", source, flags=re.S)
    source = re.sub(r"```\{code-cell\}.*?\n```", "", source, flags=re.S)
    source = re.sub(r"```\{literalinclude\}.*?\n```", "", source,
                    flags=re.S)
    source = re.sub(r"^:[\w-]+:.*$", "", source, flags=re.M)
    source = re.sub(r"\$\$.*?\$\$", "", source, flags=re.S)
    source = re.sub(r"\$[^$]+\$", "", source)
    source = re.sub(r"\{[\w:-]+\}`[^`]*`", "", source)
    return re.sub(r"`[^`]*`", "", source)


@pytest.mark.parametrize("name", PAGES)
def test_at_least_three_exercises_each_solved_with_an_assertion(name):
    solutions = blocks(text(name), "solution-start", "solution-end")
    exercises = blocks(text(name), "exercise-start", "exercise-end")
    assert len(exercises) >= 3 and len(solutions) == len(exercises)
    for solution in solutions:
        cells = re.findall(r"```\{code-cell\}.*?\n```", solution, re.S)
        assert cells and any(re.search(r"^\s*assert\b", cell, re.M)
                             for cell in cells), solution[:200]


@pytest.mark.parametrize("name", PAGES)
def test_every_figure_is_named_described_and_captioned(name):
    source = text(name)
    assert "plt.show()" not in source
    figures = re.findall(r"```\{glue:figure\} (\w+)\n(.*?)\n```", source,
                         re.S)
    glued = set(re.findall(r"glue\(\"(\w+)\", fig\b", source))
    assert bool(figures) != (name in WITHOUT_FIGURES), name
    assert {key for key, _ in figures} == glued
    for key, body in figures:
        options = dict(re.findall(r"^:([\w-]+): (.*)$", body, re.M))
        caption = re.sub(r"^:[\w-]+:.*$", "", body, flags=re.M).strip()
        assert options.get("name"), key
        alt = options.get("alt", "")
        assert len(alt.split()) >= 12, f"{key}: alt too short: {alt!r}"
        assert not re.search(r"\.(svg|png)|_images|/", alt), key
        assert caption, f"{key} has no caption"


@pytest.mark.parametrize("name", PAGES)
def test_prose_types_no_decimal_numbers(name):
    # a section or theorem of a cited work ("§6.5", "Theorem 5.15") is a
    # place in that work, not a number the code should compute
    places = re.sub(r"(§|Theorem |Lemma |Section |Corollary )\d+(\.\d+)+",
                    "", prose(text(name)))
    typed = re.findall(r"(?<![\w.])\d+\.\d+", places)
    assert not typed, f"numbers typed into {name}'s prose: {typed}"


def test_the_two_pages_link_each_other():
    assert "{doc}`backprop-mistakes`" in text("backprop")
    assert "{doc}`backprop`" in text("backprop-mistakes")
    assert "{doc}`dead-relus`" in text("backprop-mistakes")
    assert "{doc}`backprop`" in text("dead-relus")


def test_the_split_pages_link_along_the_path():
    assert "{doc}`dense-layers`" in text("mlp")
    assert "{doc}`backprop`" in text("mlp")
    assert "{doc}`mlp`" in text("backprop")
    assert "{doc}`backprop`" in text("gradient-checking")
    assert "{doc}`mlp`" in text("dense-layers")


@pytest.mark.parametrize("name, term", [("mlp", "cross-entropy"),
                                        ("backprop", "epoch"),
                                        ("gradient-checking",
                                         "gradient check")])
def test_each_page_defines_its_glossary_term(name, term):
    """The glossary says where a term is defined; that page links it."""
    assert f"{{term}}`{term}`" in text(name)
    glossary = text("glossary")
    entry = glossary[glossary.index(f"\n{term}\n"):]
    entry = entry[:entry.index("\n\n")]
    assert f"{{doc}}`{name}`" in entry


@pytest.mark.parametrize("name", ["dense-layers", "mlp", "backprop",
                                  "gradient-checking", "backprop-mistakes",
                                  "dead-relus"])
def test_glue_stays_out_of_the_visible_code(name):
    """A cell that calls glue(...) is a remove-cell cell; myst_nb is
    never imported by a page."""
    source = text(name)
    assert "myst_nb" not in source
    for cell in re.findall(r"```\{code-cell\}[^\n]*\n(.*?)\n```", source,
                           re.S):
        if re.search(r"^\s*glue\(", cell, re.M):
            assert cell.startswith(":tags: [remove-cell]"), cell[:120]
