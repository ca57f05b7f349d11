"""Sphinx: every address the site has published keeps leading somewhere.

The file named by the configuration value ``bookbuild_old_urls``
(relative to the book's root; ``book/old-urls.json`` here) lists the
pages the site has published and the anchors on them: ``{"book/chain-rule": {"jacobians":
"", "hessian-vector-products": "", ...}}``. When pages are split or
renamed, an anchor may move to another page. Then:

- an old page that still exists gets a small script: an address with an
  anchor that is no longer on the page sends the reader to the page that
  has it now (``chain-rule.html#hessian-vector-products`` goes to
  ``hvp.html#hessian-vector-products``);
- an old page that no longer exists becomes a page that redirects to
  where its first anchor now lives.

Where an anchor went is found in the doctrees (every node's ids). An
anchor that no page has any more needs its new home written in
that file (``"old-anchor": "book/page#new-anchor"``, or ``"book/page"``);
until then the build warns ``[bookbuild.redirects]`` and so fails. A
book with no such file (a new book has published nothing) is left
alone.
"""

import json
import posixpath
from html import escape
from pathlib import Path

from docutils import nodes
from sphinx.util import logging

from . import WARNING_TYPE

logger = logging.getLogger(__name__)
SUBTYPE = "redirects"

# Sends the reader on when the page lacks the anchor in its address.
SCRIPT = """<script>(function () {{
  var moved = {moved};
  var id = decodeURIComponent(location.hash.slice(1));
  if (id && !document.getElementById(id) && moved[id]) {{
    location.replace(moved[id]);
  }}
}})();</script>"""

REDIRECT_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Moved</title>
<meta http-equiv="refresh" content="0; url={url}">
<link rel="canonical" href="{url}">
</head>
<body><p>This page has moved: <a href="{url}">{url}</a>.</p></body>
</html>
"""


def old_urls(app):
    """The published pages and their anchors: {docname: {anchor: target}};
    empty when the book lists none."""
    name = app.config.bookbuild_old_urls
    path = Path(app.srcdir) / name if name else None
    if path is None or not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def anchor_homes(env):
    """{id: docname} for every id in every doctree of the book."""
    homes = {}
    for docname in sorted(env.found_docs):
        doctree = env.get_doctree(docname)
        for node in doctree.findall(nodes.Element):
            for node_id in node.get("ids", ()):
                homes.setdefault(node_id, docname)
    return homes


def moved_anchors(app):
    """{old docname: {anchor: "newdoc#anchor"}} for anchors that moved.

    Computed once per build; warns for an anchor found nowhere.
    """
    if app.bookbuild_moved is not None:
        return app.bookbuild_moved
    homes = anchor_homes(app.env)
    moved = {}
    for old, anchors in old_urls(app).items():
        for anchor, target in sorted(anchors.items()):
            if target:
                moved.setdefault(old, {})[anchor] = target
                continue
            home = homes.get(anchor)
            if home is None:
                logger.warning(
                    "%s#%s: this published anchor is on no page any more; "
                    "name its new home in %s", old, anchor,
                    app.config.bookbuild_old_urls,
                    type=WARNING_TYPE, subtype=SUBTYPE)
            elif home != old:
                moved.setdefault(old, {})[anchor] = f"{home}#{anchor}"
    app.bookbuild_moved = moved
    return moved


def relative_url(app, from_doc, target):
    """The address of target ("doc#anchor") relative to from_doc's page."""
    doc, _, anchor = target.partition("#")
    url = posixpath.relpath(app.builder.get_target_uri(doc),
                            posixpath.dirname(from_doc))
    return url + (f"#{anchor}" if anchor else "")


def add_script(app, pagename, templatename, context, doctree):
    """Give an old page that lost anchors the script that forwards them."""
    if app.builder.format != "html" or doctree is None:
        return
    moved = moved_anchors(app).get(pagename)
    if not moved:
        return
    table = {anchor: relative_url(app, pagename, target)
             for anchor, target in sorted(moved.items())}
    context["body"] += SCRIPT.format(
        moved=json.dumps(table, sort_keys=True).replace("</", "<\\/"))


def write_gone_pages(app, exception):
    """An old page with no source any more redirects to its content."""
    if exception is not None or app.builder.format != "html":
        return
    moved = moved_anchors(app)
    for old, anchors in sorted(old_urls(app).items()):
        if old in app.env.found_docs:
            continue
        first = sorted(anchors)[0] if anchors else None
        target = moved.get(old, {}).get(first) if first else None
        if target is None:
            logger.warning("%s: this published page is gone and none of "
                           "its anchors has a home", old,
                           type=WARNING_TYPE, subtype=SUBTYPE)
            continue
        url = relative_url(app, old, target.split("#")[0])
        path = Path(app.outdir) / app.builder.get_target_uri(old)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(REDIRECT_PAGE.format(url=escape(url)),
                        encoding="utf-8")


def forget(app):
    """A new build finds the anchors' homes anew."""
    app.bookbuild_moved = None


def setup(app):
    app.add_config_value("bookbuild_old_urls", "", "html", types=[str])
    app.connect("builder-inited", forget)
    app.connect("html-page-context", add_script)
    app.connect("build-finished", write_gone_pages)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
