"""bookbuild.streams: the page merges stream outputs, the notebook not."""

import json

import nbformat
from myst_nb.core import render

from bookbuild import streams


def stream(text):
    return nbformat.v4.new_output("stream", name="stdout", text=text)


def test_the_merge_leaves_the_outputs_it_was_given_untouched():
    outputs = [stream("a\nb\n"), stream("c\n")]
    before = json.dumps(outputs)
    merge = streams.merging_on_a_copy(render.coalesce_streams)
    merged = merge(outputs)
    assert [o["text"] for o in merged] == ["a\nb\nc\n"]
    assert json.dumps(outputs) == before


def test_myst_nb_alone_would_mutate_them():
    """The bug the extension exists for: if myst-nb ever stops mutating
    its input, this fails, and the extension can go."""
    from myst_nb.core.utils import coalesce_streams

    outputs = [stream("a\n"), stream("b\n")]
    coalesce_streams(outputs)
    assert outputs[0]["text"] == "a\nb\n"
    assert len(outputs) == 2


def test_wrapping_twice_wraps_once():
    once = streams.merging_on_a_copy(render.coalesce_streams)
    assert streams.merging_on_a_copy(once) is once

