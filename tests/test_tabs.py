"""bookbuild.tabs: executed fw-* cells become synchronised framework tabs.

Tiny throw-away books are built with `jupyter-book build -W -n` (cells
really executed, as in the book) and the HTML is read back: the tab
sets, their labels and sync attributes, and that each tab holds its
cell's source and output. The browser test clicks the tabs in Chromium.
The last test reads the book's own chapter from the built site.
"""

import re

import pytest
from bs4 import BeautifulSoup
from sphinx.errors import ExtensionError

from book_support import cell, jupyter_book, page, write_book
from bookbuild import pins
from bookbuild import tabs as tabs_extension

CONFIG = """\
title: Tabs
only_build_toc_files: true
execute:
  execute_notebooks: force
  allow_errors: false
  raise_on_error: true
  stderr_output: error
sphinx:
  extra_extensions:
    - sphinx_design
    - bookbuild.tabs
"""

slow = pytest.mark.slow

PT, TF, JX = "fw-pytorch", "fw-tensorflow", "fw-jax"

PAGES = {
    "index": page(
        "Pair",
        "Three adjacent tagged cells.\n",
        cell("print('jax side', 3 + 3)", JX),
        cell("print('torch side', 1 + 1)", PT),
        cell("print('tf side', 2 + 2)", TF),
        "Then an ordinary cell.\n",
        cell("print('plain')"),
    ),
    "lone": page(
        "Lone",
        "Prose.\n",
        cell("print('only torch')", PT),
        "More prose.\n",
    ),
    "separated": page(
        "Separated",
        cell("print('torch one')", PT),
        cell("print('tf one')", TF),
        "Prose between the groups.\n",
        cell("print('torch two')", PT),
        cell("print('tf two')", TF),
        cell("print('jax two')", JX),
    ),
    "mixed": page(
        "Mixed",
        # Two torch cells then one TF cell: one set, two cells in a tab.
        cell("print('torch a')", PT),
        cell("print('torch b')", PT, "raises-exception"),
        cell("print('tf a')", TF),
        "Source order TF, PT; and a framework coming back:\n",
        cell("print('tf first')", TF),
        cell("print('torch second')", PT),
        cell("print('tf again')", TF),
    ),
}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The built tiny book's html directory."""
    root = write_book(tmp_path_factory.mktemp("tabs") / "book", PAGES,
                      CONFIG)
    result = jupyter_book(root)
    assert result.returncode == 0, result.stdout + result.stderr
    return root / "_build" / "html"


def soup(site, name):
    return BeautifulSoup((site / "book" / f"{name}.html").read_text(),
                         "html.parser")


def tab_sets(html):
    return html.select("div.sd-tab-set")


def tabs(tab_set):
    """[(label text, sync id, content div)] of one tab set, in order."""
    found = []
    for label in tab_set.find_all("label", class_="sd-tab-label"):
        content = tab_set.find(id=label["aria-controls"])
        assert label["data-sync-group"] == "framework"
        found.append((label.get_text(strip=True), label["data-sync-id"],
                      content))
    return found


def cell_texts(content):
    """(source, output) text of each notebook cell in a tab's content."""
    return [
        (
            c.select_one(".cell_input").get_text(),
            c.select_one(".cell_output").get_text(),
        )
        for c in content.select("div.cell")
    ]


@slow
def test_three_adjacent_cells_make_one_tab_set_with_three_tabs(site):
    html = soup(site, "index")
    (tab_set,) = tab_sets(html)
    assert "framework-tabs" in tab_set["class"]
    # JAX written first still comes third: the order of FRAMEWORKS.
    ((torch_label, torch_id, torch_tab), (tf_label, tf_id, tf_tab),
     (jax_label, jax_id, jax_tab)) = tabs(tab_set)
    assert (torch_label, torch_id) == ("PyTorch", "pytorch")
    assert (tf_label, tf_id) == ("TensorFlow", "tensorflow")
    assert (jax_label, jax_id) == ("JAX", "jax")
    ((source, output),) = cell_texts(jax_tab)
    assert "print('jax side', 3 + 3)" in source
    assert output.strip() == "jax side 6"
    ((source, output),) = cell_texts(torch_tab)
    assert "print('torch side', 1 + 1)" in source
    assert output.strip() == "torch side 2"
    ((source, output),) = cell_texts(tf_tab)
    assert "print('tf side', 2 + 2)" in source
    assert output.strip() == "tf side 4"
    # PyTorch is the tab open by default; one radio group per set.
    radios = tab_set.find_all("input", type="radio")
    assert [r.has_attr("checked") for r in radios] == [True, False, False]
    assert len({r["name"] for r in radios}) == 1


@slow
def test_untagged_cell_stays_outside_the_tabs(site):
    html = soup(site, "index")
    plain = [c for c in html.select("div.cell")
             if "plain" in c.select_one(".cell_output").get_text()]
    assert len(plain) == 1
    assert plain[0].find_parent("div", class_="sd-tab-set") is None


@slow
def test_lone_tagged_cell_is_a_one_tab_set(site):
    (tab_set,) = tab_sets(soup(site, "lone"))
    ((label, sync_id, content),) = tabs(tab_set)
    assert (label, sync_id) == ("PyTorch", "pytorch")
    ((source, output),) = cell_texts(content)
    assert output.strip() == "only torch"


@slow
def test_prose_separates_groups(site):
    html = soup(site, "separated")
    sets = tab_sets(html)
    assert len(sets) == 2
    outputs = [
        [[o.strip() for _, o in cell_texts(content)]
         for _, _, content in tabs(tab_set)]
        for tab_set in sets
    ]
    assert outputs == [
        [["torch one"], ["tf one"]],
        [["torch two"], ["tf two"], ["jax two"]],
    ]
    # The prose sits between the two sets, outside both.
    prose = html.find("p", string="Prose between the groups.")
    assert prose.find_parent("div", class_="sd-tab-set") is None
    assert sets[0].find_all_next("p", string=prose.string)
    assert sets[1].find_all_previous("p", string=prose.string)


@slow
def test_cells_of_one_framework_share_a_tab_and_tabs_keep_their_order(
    site,
):
    sets = tab_sets(soup(site, "mixed"))
    summary = [
        [(label, [o.strip() for _, o in cell_texts(content)])
         for label, _, content in tabs(tab_set)]
        for tab_set in sets
    ]
    assert summary == [
        [("PyTorch", ["torch a", "torch b"]), ("TensorFlow", ["tf a"])],
        # TF written first still comes second; TF coming back after
        # PyTorch starts a new set.
        [("PyTorch", ["torch second"]), ("TensorFlow", ["tf first"])],
        [("TensorFlow", ["tf again"])],
    ]
    # Other tags survive on the moved cell.
    assert sets[0].select("div.cell.tag_raises-exception")


@slow
def test_bad_framework_tags_are_warnings_at_file_and_line(throwaway_book):
    """Both bad cells reported (not only the first), each at its line;
    -W makes them fail the build."""
    root = throwaway_book({
        "index": page("Fine", cell("print(1)", PT)),
        "broken": page(
            "Broken",
            "Prose.\n",
            cell("print(1)", PT),
            cell("print(2)", PT, "fw-mxnet"),
            cell("print(3)", PT, TF),
        ),
    }, CONFIG)
    result = jupyter_book(root)
    log = result.stdout + result.stderr
    assert result.returncode != 0, log
    source = (root / "book" / "broken.md").read_text().splitlines()
    # The line myst-nb gives a cell: its code's first line.
    lines = {code: source.index(code) + 1
             for code in ("print(2)", "print(3)")}
    # (Cell 1 of the notebook is its title and prose.)
    expected = [
        (lines["print(2)"], r"cell 3 of notebook book/broken has the unknown "
         r"framework tag 'fw-mxnet'; the known framework tags are "
         r"fw-pytorch, fw-tensorflow, fw-jax"),
        (lines["print(3)"], r"cell 4 of notebook book/broken has 2 framework "
         r"tags \(fw-pytorch, fw-tensorflow\); a cell belongs to one tab"),
    ]
    for line, message in expected:
        found = re.search(rf"broken\.md:(\d+): WARNING: {message}", log)
        assert found, log
        assert int(found[1]) == line, (found[0], line)


def test_setup_refuses_a_sphinx_design_it_was_not_written_for(
        monkeypatch):
    monkeypatch.setattr(pins, "version", lambda package: "0.9.0")
    with pytest.raises(ExtensionError, match=r"written for sphinx-design "
                       r"0\.8\.0 .* sphinx-design 0\.9\.0 is installed"):
        tabs_extension.setup(None)


@slow
@pytest.mark.browser
def test_choosing_tensorflow_syncs_every_set_and_page(site, browser):
    def selected(pg):
        """The label of the checked tab in each tab set of the page."""
        return pg.eval_on_selector_all(
            "div.sd-tab-set",
            """sets => sets.map(s => {
                const r = s.querySelector('input:checked');
                return s.querySelector(`label[for="${r.id}"]`).textContent
                    .trim();
            })""",
        )

    # file:// pages share one origin (and localStorage) here.
    context = browser.new_context()
    pg = context.new_page()
    pg.goto((site / "book" / "separated.html").as_uri())
    assert selected(pg) == ["PyTorch", "PyTorch"]
    pg.locator("label", has_text="TensorFlow").first.click()
    assert selected(pg) == ["TensorFlow", "TensorFlow"]
    visible = pg.locator(".sd-tab-content:visible").all_inner_texts()
    assert any("tf two" in text for text in visible)
    assert not any("torch two" in text for text in visible)
    # Another page, later: the choice is remembered.
    pg.goto((site / "book" / "index.html").as_uri())
    assert selected(pg) == ["TensorFlow"]
    context.close()

    # A fresh visitor with ?framework=tensorflow in the link.
    context = browser.new_context()
    pg = context.new_page()
    pg.goto((site / "book" / "separated.html").as_uri())
    assert selected(pg) == ["PyTorch", "PyTorch"]
    pg.goto((site / "book" / "separated.html").as_uri()
            + "?framework=tensorflow")
    assert selected(pg) == ["TensorFlow", "TensorFlow"]
    context.close()

    # JAX by the link too; the first set has no JAX tab and keeps
    # PyTorch, the second opens on JAX; then the choice is remembered.
    context = browser.new_context()
    pg = context.new_page()
    pg.goto((site / "book" / "separated.html").as_uri() + "?framework=jax")
    assert selected(pg) == ["PyTorch", "JAX"]
    visible = pg.locator(".sd-tab-content:visible").all_inner_texts()
    assert any("jax two" in text for text in visible)
    pg.goto((site / "book" / "index.html").as_uri())
    assert selected(pg) == ["JAX"]
    context.close()


def framework_groups(path):
    """Runs of adjacent fw-* tagged code cells in a MyST notebook."""
    import jupytext

    groups, run = [], []
    for nb_cell in jupytext.read(path).cells:
        tagged = nb_cell.cell_type == "code" and any(
            tag.startswith("fw-") for tag in nb_cell.metadata.get("tags", [])
        )
        if tagged:
            run.append(nb_cell)
        elif run:
            groups.append(run)
            run = []
    return groups + ([run] if run else [])


@slow
@pytest.mark.parametrize("chapter, at_least",
                         [("autograd", 8),
                          ("autograd-matrices", 7),
                          ("floating-point", 4),
                          ("autograd-batches", 4),
                          ("modes", 3),
                          ("jacobian-cost", 1),
                          ("hvp", 2),
                          ("custom-rules", 3),
                          ("training", 1)])
def test_the_framework_chapters_have_synced_tabs_with_outputs(
    built_html, repo_root, chapter, at_least
):
    groups = framework_groups(repo_root / "book" / f"{chapter}.md")
    assert len(groups) >= at_least
    # Each step of this chapter is shown in all three frameworks.
    for group in groups:
        tags = {t for c in group for t in c.metadata["tags"]}
        assert tags >= {"fw-pytorch", "fw-tensorflow", "fw-jax"}, (
            group[0].source[:60])
    html = BeautifulSoup(
        (built_html / "book" / f"{chapter}.html").read_text(),
        "html.parser",
    )
    # Every tab set, cells or library code, has the three synced labels.
    for tab_set in tab_sets(html):
        labels = [(label, sync_id) for label, sync_id, _ in tabs(tab_set)]
        assert labels == [("PyTorch", "pytorch"),
                          ("TensorFlow", "tensorflow"), ("JAX", "jax")]
    cell_sets = [s for s in tab_sets(html) if s.select("div.cell")]
    assert len(cell_sets) == len(groups)
    for tab_set, group in zip(cell_sets, groups):
        cells = [c for _, _, content in tabs(tab_set)
                 for c in content.select("div.cell")]
        assert len(cells) == len(group)
        for cell in cells:  # each shows its code
            assert cell.select_one(".cell_input")
        # and ran: each framework's tab shows an output
        for _, _, content in tabs(tab_set):
            assert any(o.get_text().strip()
                       for o in content.select(".cell_output")), chapter
    for cell in html.select("div.cell"):
        if any(c.startswith("tag_fw-") for c in cell["class"]):
            assert cell.find_parent("div", class_="sd-tab-set")
