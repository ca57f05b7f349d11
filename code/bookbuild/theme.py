"""Sphinx: sphinx-book-theme, adjusted for this book's website.

1. Nothing unused, nothing from another host. Jupyter Book 1 always
   loads the sphinx-thebe extension, which puts on every page an inline
   script naming thebe's bundle on a public CDN (fetched when a reader
   presses a "Live code" button), the sphinx-thebe script and its style
   sheet. This book has no such button (``launch_buttons: thebe: false``
   in ``_config.yml``), so the three are left out of every page. (With
   Sphinx 7.4 the inline script is also written twice, and its second
   copy stops with "Identifier 'THEBE_JS_URL' has already been
   declared" in every page's console.) With ``thebe: true`` the pages
   keep them.
2. Inline math that is wider than the column scrolls sideways instead
   of being cut off (``theme_static/bookbuild-theme.css``).
3. A label written just before a proof, ``(prf-label)=`` then
   ``{prf:proof}``, is an anchor on the page. sphinx-proof 0.4 writes
   nothing for its proof node, so the label's id was lost and every
   ``{ref}`` to it led nowhere (a broken anchor that ``-n`` does not
   see: the reference itself resolves).
"""

import os
from pathlib import Path

from sphinx_proof.nodes import proof_node

STATIC = Path(__file__).parent / "theme_static"
CSS = "bookbuild-theme.css"


def _is_thebe(asset):
    """Is `asset` (a page's script or style sheet) sphinx-thebe's?"""
    if asset.filename:
        return os.path.basename(os.fspath(asset.filename)).startswith(
            "sphinx-thebe.")
    return "THEBE_JS_URL" in getattr(asset, "attributes", {}).get("body", "")


def drop_thebe(app, pagename, templatename, context, doctree):
    """Remove sphinx-thebe's scripts and style sheet from the page."""
    launch = app.config.html_theme_options.get("launch_buttons", {})
    if launch.get("thebe"):
        return
    for key in ("script_files", "css_files"):
        if key in context:
            context[key] = [a for a in context[key] if not _is_thebe(a)]


def visit_proof(self, node):
    """HTML for sphinx-proof's proof node: an anchor per id it carries."""
    for id_ in node.get("ids", []):
        self.body.append(f'<span id="{id_}"></span>')


def depart_proof(self, node):
    pass


def add_static(app):
    app.config.html_static_path.append(str(STATIC))


def setup(app):
    app.connect("builder-inited", add_static)
    app.add_css_file(CSS)
    app.connect("html-page-context", drop_thebe)
    app.setup_extension("sphinx_proof")
    app.add_node(proof_node, override=True,
                 html=(visit_proof, depart_proof))
    return {"version": "1.0", "parallel_read_safe": True,
            "parallel_write_safe": True}
