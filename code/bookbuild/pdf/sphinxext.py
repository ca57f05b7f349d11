"""Sphinx: publish the book PDF and the proofs PDF with the site.

- At ``build-finished``, an HTML build that succeeded writes both PDFs
  into its output directory from the resolved doctrees of the table of
  contents.  What cannot be typeset (bad LaTeX, a missing image) is a
  warning at the node's file and line, so ``-W`` fails the build; a
  PDF that cannot be written leaves the previous one as it was.
- The role ``{proofs-pdf}`Download the proofs (PDF)``` renders as a
  link to the proofs PDF, and ``{book-pdf}`The book (PDF)``` to the
  book PDF, relative to the page they are on.

Configuration (in ``_config.yml``, ``sphinx: config:``), owned here:

- ``bookbuild_book_pdf``: the whole book's PDF, its path in the site
  (default :data:`.export.BOOK_PDF_NAME`);
- ``bookbuild_proofs_pdf``: the proofs PDF's path in the site (default
  :data:`.export.PDF_NAME`).  :mod:`bookbuild.downloads` lists both in
  the download menu when this extension is loaded.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxRole
from sphinx.util.osutil import relative_uri

from .. import WARNING_TYPE
from .export import BOOK_PDF_NAME, PDF_NAME, export

logger = logging.getLogger(__name__)
SUBTYPE = "pdf"


class pdf_link(nodes.Inline, nodes.TextElement):
    """A link to one of the PDFs, resolved once the page is known."""


class PdfRole(SphinxRole):
    def __init__(self, which: str, default: str):
        self.which, self.default = which, default

    def run(self):
        text = self.text.strip() or self.default
        return [pdf_link(self.rawtext, text, which=self.which)], []


def pdf_names(app) -> dict:
    """The PDFs' paths in the site, from the configuration."""
    return {"book": app.config.bookbuild_book_pdf,
            "proofs": app.config.bookbuild_proofs_pdf}


def resolve_links(app, doctree, docname: str) -> None:
    for node in list(doctree.findall(pdf_link)):
        text = node.astext()
        if app.builder.format == "html":
            uri = relative_uri(app.builder.get_target_uri(docname),
                               pdf_names(app)[node.get("which", "proofs")])
            new = nodes.reference(text, text, refuri=uri, internal=False,
                                  classes=[f"{node.get('which', 'proofs')}-pdf"])
        else:
            new = nodes.Text(text)
        node.replace_self(new)


def _warn(message: str, node) -> None:
    logger.warning("PDF: %s", message, location=node, type=WARNING_TYPE,
                   subtype=SUBTYPE)


def write_pdfs(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    results = export(app, Path(app.outdir), warn=_warn,
                     names=pdf_names(app))
    for result in results:
        logger.info(f"PDF: {result.path.name}, {result.pages} pages, "
                    f"{result.size / 1024:.0f} KiB, set in "
                    f"{result.seconds:.1f} s")
    if results:
        logger.info(f"PDF: both written in {results[0].total:.1f} s "
                    "(the walks, the math and the figures included)")


def setup(app):
    app.setup_extension("sphinx_proof")
    app.add_config_value("bookbuild_book_pdf", BOOK_PDF_NAME, "html",
                         types=[str])
    app.add_config_value("bookbuild_proofs_pdf", PDF_NAME, "html",
                         types=[str])
    app.add_node(pdf_link)
    app.add_role("proofs-pdf", PdfRole("proofs", "The proofs (PDF)"))
    app.add_role("book-pdf", PdfRole("book", "The book (PDF)"))
    app.connect("doctree-resolved", resolve_links)
    app.connect("build-finished", write_pdfs)
    return {"version": "2.0", "parallel_read_safe": True,
            "parallel_write_safe": True}
