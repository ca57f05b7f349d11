"""Framework tabs over executed notebook cells (a Sphinx extension).

A chapter shows a step in each framework as adjacent code cells tagged
``fw-pytorch``, ``fw-tensorflow`` and ``fw-jax`` (:data:`FRAMEWORKS`,
the one place that lists them). In Jupyter they simply follow each
other; on the website this transform puts each group of adjacent tagged
cells into one sphinx-design tab set, with its source and outputs:

    ```{code-cell} ipython3
    :tags: [fw-pytorch]
    ...
    ```

A ``{code-cell}`` written inside a ``{tab-set}`` directive would not be
executed by myst-nb (myst-nb issue 723), so the tabs are made after
execution, from the cell containers myst-nb leaves in the doctree
(``nb_element="cell_code"``, tags in ``cell_metadata``).

Rules:

- adjacent tagged cells (nothing between them) form one tab set, with
  one tab per framework, always in the order of :data:`FRAMEWORKS`
  (PyTorch, TensorFlow, JAX);
- several adjacent cells of one framework share its tab; a framework
  that comes back after another one starts a new tab set;
- a lone tagged cell is a tab set with one tab;
- an unknown ``fw-*`` tag, or two framework tags on one cell, is a
  warning at the cell's file and line (so ``-W`` fails the build and
  ``--keep-going`` lists every such cell); the cell stays out of the
  tabs.

All tab sets share the sphinx-design sync group ``framework`` (ids
``pytorch``, ``tensorflow`` and ``jax``): choosing a framework once selects it in
every tab set, on every page, on later visits too (localStorage key
``sphinx-design-tab-id-framework``), and ``?framework=tensorflow`` in a
page's URL opens it with TensorFlow selected.
"""

from pathlib import Path

from docutils import nodes
from sphinx.transforms import SphinxTransform
from sphinx.util import logging
from sphinx_design.shared import create_component

from . import WARNING_TYPE
from .pins import require

logger = logging.getLogger(__name__)
SUBTYPE = "tabs"

STATIC_DIR = Path(__file__).parent / "static"
TAG_PREFIX = "fw-"
SYNC_GROUP = "framework"
# tag -> (sync id, tab label), in the order of the tabs.
FRAMEWORKS = {
    "fw-pytorch": ("pytorch", "PyTorch"),
    "fw-tensorflow": ("tensorflow", "TensorFlow"),
    "fw-jax": ("jax", "JAX"),
}


def is_code_cell(node):
    """Is node the container of an executed notebook code cell?"""
    return (
        isinstance(node, nodes.container)
        and node.get("nb_element") == "cell_code"
    )


def framework_tags(cell):
    """The cell's tags that start with fw-, in the order written."""
    tags = cell.get("cell_metadata", {}).get("tags", [])
    return [tag for tag in tags if tag.startswith(TAG_PREFIX)]


def follows(cell, previous):
    """Is cell the very next sibling of previous (no prose between)?"""
    parent = previous.parent
    if cell.parent is not parent:
        return False
    return parent.index(cell) == parent.index(previous) + 1


def tab_sets(cells):
    """Split tagged cells (in document order) into tab sets.

    Each tab set is a dict framework tag -> list of cells.
    """
    groups = []
    current, last_cell, last_tag = None, None, None
    for cell in cells:
        (tag,) = framework_tags(cell)
        adjacent = last_cell is not None and follows(cell, last_cell)
        returns = tag in (current or {}) and tag != last_tag
        if not adjacent or returns:
            current = {}
            groups.append(current)
        current.setdefault(tag, []).append(cell)
        last_cell, last_tag = cell, tag
    return groups


def tab_set_node(group):
    """A sphinx-design tab set holding the group's cells, synced."""
    items = []
    for tag, (sync_id, label) in FRAMEWORKS.items():
        if tag not in group:
            continue
        tab_label = nodes.rubric(
            label,
            label,
            classes=["sd-tab-label"],
            sync_group=SYNC_GROUP,
            sync_id=sync_id,
        )
        tab_content = create_component(
            "tab-content", classes=["sd-tab-content"]
        )
        tab_item = create_component(
            "tab-item",
            classes=["sd-tab-item"],
            children=[tab_label, tab_content],
        )
        for cell in group[tag]:
            cell.parent.remove(cell)
            tab_content += cell
        items.append(tab_item)
    return create_component(
        "tab-set",
        classes=["sd-tab-set", "framework-tabs"],
        children=items,
    )


class FrameworkTabs(SphinxTransform):
    """Group adjacent fw-* tagged code cells into synced tab sets."""

    # After the document is parsed (and its notebook executed), before
    # sphinx-design's HTML post-transform turns tab sets into radios.
    default_priority = 500

    def apply(self, **kwargs):
        cells = [
            cell
            for cell in self.document.findall(is_code_cell)
            if framework_tags(cell) and self.well_tagged(cell)
        ]
        for group in tab_sets(cells):
            first = next(iter(group.values()))[0]
            parent, index = first.parent, first.parent.index(first)
            tab_set = tab_set_node(group)
            tab_set.source, tab_set.line = first.source, first.line
            parent.insert(index, tab_set)

    def well_tagged(self, cell):
        """Is the cell's one framework tag a known one? If not, warn at
        the cell (file and line) and say what is expected."""
        tags = framework_tags(cell)
        # Cells counted as Jupyter shows them, markdown ones too.
        which = f"cell {cell['cell_index'] + 1} of notebook " \
            f"{self.env.docname}"
        unknown = [tag for tag in tags if tag not in FRAMEWORKS]
        if unknown:
            problem = (f"has the unknown framework tag {unknown[0]!r}; the "
                       f"known framework tags are {', '.join(FRAMEWORKS)}")
        elif len(tags) > 1:
            problem = (f"has {len(tags)} framework tags "
                       f"({', '.join(tags)}); a cell belongs to one tab")
        else:
            return True
        logger.warning(f"{which} {problem}", location=cell,
                       type=WARNING_TYPE, subtype=SUBTYPE)
        return False


def add_css(app):
    """Give framework tabs the full width for code (HTML builders only)."""
    if app.builder.format == "html":
        app.config.html_static_path.append(str(STATIC_DIR))
        app.add_css_file("framework-tabs.css")


def setup(app):
    # Its tab nodes (components, sync attributes, the post-transform
    # that makes them radio buttons) are built here by hand.
    require(__name__, "sphinx-design")
    app.setup_extension("sphinx_design")
    app.add_transform(FrameworkTabs)
    app.connect("builder-inited", add_css)
    return {
        "version": "1.0",
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
