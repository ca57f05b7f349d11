"""The PDF writer's caches: each figure read once, formulas and figures
kept for the next export, the other editions' caches read too."""

import pytest

from bookbuild.pdf import caches, figurecache, mathcache
from bookbuild.pdf.export import caches_of

SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="40pt" '
       'height="20pt" viewBox="0 0 40 20"><path d="M 0 0 L 40 20" '
       'style="stroke: #000"/></svg>')


def points(drawing):
    """Every shape's points, depth first: what the PDF draws."""
    out = []
    for shape in drawing.getContents():
        out.extend(points(shape) if hasattr(shape, "getContents")
                   else [list(getattr(shape, "points", []))])
    return out


@pytest.fixture
def fresh(monkeypatch):
    """Empty in-memory caches, as in a new process."""
    monkeypatch.setattr(figurecache, "_DRAWINGS", {})
    monkeypatch.setattr(figurecache, "_USED", set())
    monkeypatch.setattr(mathcache, "_LAID_OUT", {})


@pytest.fixture
def svg(tmp_path):
    """An SVG figure, named by a hash as myst-nb names them."""
    path = tmp_path / "abc123.svg"
    path.write_text(SVG)
    return path


@pytest.fixture
def reads(monkeypatch):
    """The files svglib reads from now on, in order."""
    import svglib.svglib
    read, real = [], svglib.svglib.svg2rlg
    monkeypatch.setattr(svglib.svglib, "svg2rlg",
                        lambda path: read.append(path) or real(path))
    return read


def test_a_figure_is_read_once_and_comes_back_from_the_cache(
        tmp_path, fresh, monkeypatch, svg, reads):
    first = figurecache.drawing(svg)
    assert figurecache.drawing(svg) is first and len(reads) == 1
    assert (first.width, first.height) == (40, 20)
    saved = tmp_path / "pdf-figures.pickle"
    figurecache.save(saved)

    monkeypatch.setattr(figurecache, "_DRAWINGS", {})
    figurecache.load(tmp_path / "missing.pickle", saved)
    again = figurecache.drawing(svg)
    assert len(reads) == 1                      # not read again
    assert again is not first and points(again) == points(first) != []


def test_the_listing_walk_reads_no_figure_and_prepare_reads_each_once(
        fresh, svg, reads):
    with figurecache.collecting() as unread:
        figurecache.drawing(svg)
        figurecache.drawing(svg)
    assert reads == [] and unread == [svg, svg]
    figurecache.prepare(unread)
    assert len(reads) == 1
    with figurecache.collecting() as unread:      # read: not listed
        assert figurecache.drawing(svg).width == 40
    assert unread == [] and len(reads) == 1


def test_a_cache_of_another_key_or_unreadable_is_passed_over(tmp_path):
    good, other, broken = (tmp_path / n for n in ("a", "b", "c"))
    caches.write_cache(good, ("format", 1), {"x": 1})
    caches.write_cache(other, ("format", 2), {"x": 2})
    broken.write_bytes(b"not a pickle")
    assert caches.read_caches([broken, other, good],
                              ("format", 1)) == [{"x": 1}]


def test_formulas_come_from_this_build_first_then_other_editions(
        tmp_path, fresh):
    english = tmp_path / "_build" / ".doctrees"
    korean = tmp_path / "_build" / ".doctrees-ko"
    for folder in (english, korean):
        folder.mkdir(parents=True)
    mine, others = caches_of(korean)
    assert mine["math"] == korean / "pdf-math.pickle"
    assert [o["math"] for o in others] == [english.resolve()
                                          / "pdf-math.pickle"]

    key = (r"x^2 + y", 10.5, False)
    box = mathcache.layout(*key)
    mathcache.save(english / "pdf-math.pickle", [key])
    mathcache._LAID_OUT.clear()
    mathcache.load(mine["math"], *(o["math"] for o in others))
    assert mathcache._LAID_OUT[key].width == box.width


def test_editions_side_by_side_take_the_cold_work_in_turn(tmp_path):
    """An export holding the lock of the build folder (another process,
    as an edition building beside this one is) keeps this one waiting
    until it lets go: the second reads the caches the first saved."""
    import os
    import subprocess
    import sys
    import threading

    with subprocess.Popen(
            [sys.executable, "-c",
             "import sys; from pathlib import Path\n"
             "from bookbuild.pdf.caches import one_at_a_time\n"
             "with one_at_a_time(Path(sys.argv[1])):\n"
             "    print('held', flush=True)\n"
             "    sys.stdin.read()\n", str(tmp_path)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
            env=dict(os.environ,
                     PYTHONPATH=os.pathsep.join(sys.path))) as holder:
        try:
            assert holder.stdout.readline() == "held\n"
            entered = threading.Event()

            def second():
                with caches.one_at_a_time(tmp_path):
                    entered.set()

            thread = threading.Thread(target=second)
            thread.start()
            assert not entered.wait(0.5)  # waits while the first holds
            holder.stdin.close()          # the first export is done
            assert entered.wait(30)
            thread.join()
        finally:
            holder.kill()
