"""bookbuild.citations: pybtex's plugin look-ups computed once, with
the same answers (the bibliography's styles and backends)."""

import pybtex.plugin

from bookbuild import citations
from bookbuild.pins import pinned

GROUPS = [("pybtex.style.formatting", "plain"),
          ("pybtex.style.formatting", "alpha"),
          ("pybtex.backends", "plaintext"),
          ("pybtex.backends", "html")]


def test_the_look_ups_answer_as_pybtex_and_scan_once(monkeypatch):
    scans = []
    scan = citations.PYBTEX_ENTRY_POINTS

    def counting(**selection):
        scans.append(selection)
        return scan(**selection)

    monkeypatch.setattr(citations, "PYBTEX_ENTRY_POINTS", counting)
    citations._entry_points.cache_clear()
    try:
        for group, name in GROUPS:
            for _ in range(3):
                assert list(citations.entry_points(group=group,
                                                   name=name)) == \
                    list(scan(group=group, name=name))
    finally:
        citations._entry_points.cache_clear()
    assert len(scans) == len(GROUPS)


def test_find_plugin_finds_the_same_classes_and_runtime_plugins_first(
        monkeypatch):
    class Mine(pybtex.plugin.find_plugin("pybtex.style.formatting",
                                         "plain")):
        pass

    expected = {g: pybtex.plugin.find_plugin(*g) for g in GROUPS}
    monkeypatch.setattr(pybtex.plugin, "entry_points",
                        citations.entry_points)
    assert {g: pybtex.plugin.find_plugin(*g) for g in GROUPS} == expected
    monkeypatch.setitem(pybtex.plugin._RUNTIME_PLUGINS,
                        "pybtex.style.formatting", {"mine": Mine})
    assert pybtex.plugin.find_plugin("pybtex.style.formatting",
                                     "mine") is Mine


def test_only_the_pinned_pybtex_is_changed(monkeypatch):
    class App:
        pass

    original = pybtex.plugin.entry_points
    monkeypatch.setattr(pybtex.plugin, "entry_points", original)
    monkeypatch.setattr(citations, "pinned", lambda package: False)
    citations.setup(App())
    assert pybtex.plugin.entry_points is original
    monkeypatch.setattr(citations, "pinned", lambda package: True)
    citations.setup(App())
    assert pybtex.plugin.entry_points is citations.entry_points
    assert pinned("pybtex")  # this environment's pybtex is the pinned one
