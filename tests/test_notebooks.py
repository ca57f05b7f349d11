"""bookbuild.notebooks: fixed cell ids, prints merged where they are made."""

import copy

import jupytext
import myst_nb
import nbformat
import pytest
from sphinx.errors import ExtensionError

from book_support import chapter
from bookbuild import notebooks, pins
from bookbuild.pins import PINNED


def stream(text, name="stdout"):
    return nbformat.v4.new_output("stream", name=name, text=text)


def test_consecutive_outputs_of_one_stream_become_one():
    outputs = [stream("a\n"), stream("b"), stream("c\n")]
    assert notebooks.merge_streams(outputs) == [stream("a\nbc\n")]


def test_only_consecutive_outputs_of_the_same_stream_merge():
    figure = nbformat.v4.new_output("display_data",
                                    data={"text/plain": "fig"})
    outputs = [stream("a\n"), stream("e\n", "stderr"), stream("b\n"),
               figure, stream("c\n"), stream("d\n")]
    assert notebooks.merge_streams(outputs) == [
        stream("a\n"), stream("e\n", "stderr"), stream("b\n"), figure,
        stream("c\nd\n")]


def glue_record(name):
    """What ``glue(name, value, display=False)`` leaves in a cell."""
    prefix = "application/papermill.record/"
    return nbformat.v4.new_output(
        "display_data", data={prefix + "text/plain": "1"},
        metadata={"scrapbook": {"mime_prefix": prefix, "name": name}})


def test_a_hidden_glue_record_does_not_split_a_text():
    shown = nbformat.v4.new_output(
        "display_data", data={"text/plain": "1"},
        metadata={"scrapbook": {"mime_prefix": "", "name": "shown"}})
    outputs = [stream("a\n"), glue_record("x"), glue_record("y"),
               stream("b\n"), shown, stream("c\n")]
    assert notebooks.merge_streams(outputs) == [
        stream("a\nb\n"), glue_record("x"), glue_record("y"), shown,
        stream("c\n")]


def test_merging_leaves_the_list_it_was_given_untouched():
    outputs = [stream("a\n"), stream("b\n")]
    before = copy.deepcopy(outputs)
    notebooks.merge_streams(outputs)
    assert outputs == before


def test_text_given_as_a_list_of_lines_is_joined():
    first = stream("x")
    first["text"] = ["a\n", "b\n"]
    assert notebooks.merge_streams([first, stream("c\n")]) == [
        stream("a\nb\nc\n")]


def read_twice(tmp_path, text):
    path = tmp_path / "chapter.md"
    path.write_text(text)
    return jupytext.read(path), jupytext.read(path)


def test_ids_depend_on_the_chapter_and_cells_not_on_the_build(tmp_path):
    text = chapter("T", "x = 1\n", "print(x)\n", "print(x)\n")
    one, two = read_twice(tmp_path, text)
    # What jupytext alone does: new random ids on every read.
    assert [c.id for c in one.cells] != [c.id for c in two.cells]
    notebooks.cell_ids(one, "chapter")
    notebooks.cell_ids(two, "chapter")
    ids = [c.id for c in one.cells]
    assert ids == [c.id for c in two.cells]
    assert len(set(ids)) == len(ids)  # identical cells too
    nbformat.validate(one)
    other = notebooks.cell_ids(copy.deepcopy(two), "another-chapter")
    assert not set(ids) & {c.id for c in other.cells}


def test_editing_one_cell_changes_its_id_only(tmp_path):
    one, _ = read_twice(tmp_path, chapter("T", "x = 1\n", "y = 2\n"))
    before = [c.id for c in notebooks.cell_ids(one, "c").cells]
    one.cells[-1].source = "y = 3"
    after = [c.id for c in notebooks.cell_ids(one, "c").cells]
    assert before[:-1] == after[:-1]
    assert before[-1] != after[-1]


def test_the_executed_notebook_is_merged_before_anyone_reads_it():
    """The wrapper around jupyter-cache's executor (which executes in
    place, as ipykernel's timer splits a print) merges right after."""
    def execute(notebook, cwd=None, **kwargs):
        notebook.cells[0].outputs = [stream("a\n"), stream("b\n")]
        return "result"

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("")])
    run = notebooks.with_merged_streams(execute)
    assert run(nb, cwd=None) == "result"
    assert nb.cells[0].outputs == [stream("a\nb\n")]
    assert notebooks.with_merged_streams(run) is run


def test_ids_are_set_before_myst_nb_gets_the_notebook(tmp_path):
    seen = []

    def create_client(notebook, path, *args, **kwargs):
        seen.append([c.id for c in notebook.cells])
        return "client"

    nb, again = read_twice(tmp_path, chapter("T", "x = 1\n"))
    create = notebooks.with_cell_ids(create_client)
    assert create(nb, tmp_path / "chapter.md", "config") == "client"
    # myst-nb passes the path as a string
    assert create(again, str(tmp_path / "chapter.md"), "config") \
        == "client"
    assert seen[0] == seen[1]
    assert notebooks.with_cell_ids(create) is create


def test_setup_refuses_a_myst_nb_it_was_not_written_for(monkeypatch):
    monkeypatch.setattr(pins, "version", lambda package: "9.9.9")
    with pytest.raises(ExtensionError, match=r"written for myst-nb 1\.4\.0"
                       r".* myst-nb 9\.9\.9 is installed"):
        notebooks.setup(None)


def test_the_pinned_myst_nb_still_has_what_is_wrapped():
    """If a myst-nb update moves these names, this fails first."""
    from myst_nb import sphinx_
    from myst_nb.core.execute import cache, direct

    assert myst_nb.__version__ == PINNED["myst-nb"]
    assert callable(sphinx_.create_client)
    assert callable(cache.single_nb_execution)
    assert callable(direct.single_nb_execution)


@pytest.mark.slow
def test_a_print_split_by_the_kernel_is_one_output_after_execution():
    """A real kernel: a flush and a pause split one cell's output."""
    from jupyter_cache.executors.utils import single_nb_execution

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import time\nprint('a', flush=True)\ntime.sleep(0.3)\n"
        "print('b')")])
    nb.metadata.kernelspec = {"name": "python3", "language": "python",
                              "display_name": "Python 3"}
    split = []

    def execute(notebook, **kwargs):
        result = single_nb_execution(notebook, **kwargs)
        split.append(len(notebook.cells[0].outputs))
        return result

    run = notebooks.with_merged_streams(execute)
    run(nb, cwd=None, timeout=60, allow_errors=False)
    assert split == [2]  # the kernel split it ...
    assert nb.cells[0].outputs == [stream("a\nb\n")]  # ... once
