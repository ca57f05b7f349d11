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
   nothing for its proof node, which would lose the label's id and
   send every ``{ref}`` to it nowhere (a broken anchor that ``-n`` does
   not see: the reference itself resolves).
4. Valid HTML, and landmarks for assistive technology. sphinx-proof and
   sphinx-exercise give every proof, theorem body, exercise and
   solution on a page the same fixed id ("proof", "proof-content",
   "exercise-content", "solution-content"); repeated ids are invalid
   HTML and confuse the labels that screen readers follow, so they are
   dropped (nothing links to them; the proof's look moves to the style
   sheet). The theme's search field carries ``autocorrect``, which is
   not an HTML attribute (``templates/components/search-field.html``
   leaves it out), and the book's title in the sidebar lies outside any landmark
   (``templates/html/bookbuild-brand.html`` puts it in a labelled
   ``nav``). myst-nb 1.4 writes the "Show code cell source" titles of a
   hidden cell as ``<p>`` inside ``<summary>``, where HTML allows only
   phrasing content; they are written as ``<span>`` here, styled as
   before. The colour-mode and search buttons are named by what they
   show (``templates/html/theme-switcher.html``,
   ``search-button-field.html``: WCAG 2.1, 2.5.3 Label in Name).
5. The bibliography is plain blocks. Docutils marks its list of
   citations ``role="list"`` (whose children must be list items, and
   its entries hold links) and each entry ``role="doc-biblioentry"``,
   a role deprecated in DPUB-ARIA 1.1; both are taken off.

The patches were written against the versions in `bookbuild.pins`
(pinned in requirements.txt); ``setup`` refuses others with a message, so a
dependency update cannot change the site unnoticed.
"""

import os
import re
from pathlib import Path

from html import escape

from docutils import nodes
from myst_nb.sphinx_ import HideCodeCellNode
from sphinx_proof.nodes import proof_node

from .pins import require

STATIC = Path(__file__).parent / "theme_static"
# The search field is included as "../components/search-field.html",
# relative to each template folder: hence html/ beside components/.
TEMPLATES = Path(__file__).parent / "templates" / "html"
CSS = "bookbuild-theme.css"

# The upstream packages these patches reach into (bookbuild.pins).
PATCHED = ("myst-nb", "sphinx-proof", "sphinx-exercise",
           "pydata-sphinx-theme", "sphinx-book-theme")

# Ids that sphinx-proof 0.4 and sphinx-exercise 1.2 give to every node
# of a kind, so that a page repeats them.
TEMPLATE_IDS = {"proof", "proof-content", "exercise-content",
                "solution-content"}

# sphinx-book-theme 1.3's primary sidebar, with the title in a landmark.
SIDEBAR = ["bookbuild-brand.html", "icon-links.html",
           "search-button-field.html", "sbt-sidebar-nav.html"]


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


def visit_hidden_cell(self, node):
    """myst-nb's hidden cell input, with phrasing content in <summary>."""
    classes = " ".join(node["classes"])
    self.body.append(f'<details class="admonition hide {classes}">\n'
                     '<summary aria-label="Toggle hidden content">\n')
    for state, prompt in (("collapsed", node["prompt_show"]),
                          ("expanded", node["prompt_hide"])):
        self.body.append(f'<span class="{state} admonition-title">'
                         f'{escape(prompt)}</span>\n')
    self.body.append("</summary>\n")


def depart_hidden_cell(self, node):
    self.body.append("</details>\n")


def drop_template_ids(app, doctree, docname):
    """Remove the ids that every proof or exercise node repeats."""
    for node in doctree.findall(nodes.Element):
        ids = node.get("ids")
        if ids and TEMPLATE_IDS.intersection(ids):
            node["ids"] = [i for i in ids if i not in TEMPLATE_IDS]


REDIRECT = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{title}</title>
<meta http-equiv="refresh" content="0; url={url}">
</head>
<body>
<main><p><a href="{url}">{title}</a></p></main>
</body>
</html>
"""


def write_index(app, exception):
    """The site's index.html: a valid HTML page that redirects home.

    sphinx-external-toc writes a bare ``<meta>`` redirect (no doctype,
    no title, no language) when the root chapter is not ``index``; this
    runs first, and it leaves an existing file alone.
    """
    if exception is not None or app.builder.format != "html" \
            or app.config.root_doc == "index":
        return
    url = app.builder.get_target_uri(app.config.root_doc)
    Path(app.outdir, "index.html").write_text(REDIRECT.format(
        lang=app.config.language or "en", url=url,
        title=app.config.html_title or app.config.project),
        encoding="utf-8")


def add_static(app):
    app.config.html_static_path.append(str(STATIC))


def add_templates(app, config):
    """Our templates first; the sidebar with its title in a landmark."""
    config.templates_path.insert(0, str(TEMPLATES))
    if not config.html_sidebars:
        config.html_sidebars = {"**": SIDEBAR}


# The list role on the citation list, whichever order the attributes
# come in, and the entries' role.
CITATION_ROLES = re.compile(
    r'(?<=<div )role="list" (?=class="citation-list")'
    r'|(?<=class="citation-list") role="list"'
    r'| role="doc-biblioentry"')


def plain_bibliography(app, pagename, templatename, context, doctree):
    """Take the list and entry roles off the page's citations."""
    body = context.get("body", "")
    if "citation-list" in body:
        context["body"] = CITATION_ROLES.sub("", body)


def setup(app):
    for package in PATCHED:
        require(__name__, package)
    app.connect("config-inited", add_templates)
    app.connect("builder-inited", add_static)
    app.connect("doctree-resolved", drop_template_ids)
    # Before sphinx-external-toc's own redirect (priority 500).
    app.connect("build-finished", write_index, priority=400)
    app.add_css_file(CSS)
    app.connect("html-page-context", drop_thebe)
    app.connect("html-page-context", plain_bibliography)
    app.setup_extension("sphinx_proof")
    app.add_node(proof_node, override=True,
                 html=(visit_proof, depart_proof))
    app.add_node(HideCodeCellNode, override=True,
                 html=(visit_hidden_cell, depart_hidden_cell))
    return {"version": "1.0", "parallel_read_safe": True,
            "parallel_write_safe": True}
