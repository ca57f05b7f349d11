"""Sphinx: publish the proofs PDF with the site, and link to it.

- At ``build-finished``, an HTML build that succeeded writes
  ``gradients-proofs.pdf`` into its output directory, from the chapters
  of the table of contents that this build used.  Bad input in a proof
  block is reported as a warning at its file and line (so ``-W`` fails
  the build) and any previous PDF is left as it was.
- The role ``{proofs-pdf}`Download the proofs (PDF)``` renders as a link
  to that PDF, relative to the page it is on.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxRole
from sphinx.util.osutil import relative_uri

from .export import PDF_NAME, export
from .source import ProofsSourceError

logger = logging.getLogger(__name__)


class proofs_pdf_link(nodes.Inline, nodes.TextElement):
    """A link to the PDF, resolved per builder once the page is known."""


class ProofsPdfRole(SphinxRole):
    def run(self):
        text = self.text.strip() or "The proofs (PDF)"
        return [proofs_pdf_link(self.rawtext, text)], []


def resolve_links(app, doctree, docname: str) -> None:
    for node in list(doctree.findall(proofs_pdf_link)):
        text = node.astext()
        if app.builder.format == "html":
            uri = relative_uri(app.builder.get_target_uri(docname),
                               pdf_name(app))
            new = nodes.reference(text, text, refuri=uri, internal=False,
                                  classes=["proofs-pdf"])
        else:
            new = nodes.Text(text)
        node.replace_self(new)


def pdf_name(app) -> str:
    """The PDF's path in the site: bookbuild.downloads' setting if it is
    loaded (it puts the PDF in the download menu), else the default."""
    return getattr(app.config, "bookbuild_proofs_pdf", None) or PDF_NAME


def _title(app) -> str:
    """The book's title: jupyter-book sets it as html_title."""
    title = app.config.html_title or ""
    if not title or title.endswith(" documentation"):   # Sphinx's default
        title = app.config.project
    return title


def _toc_path(app) -> Path:
    toc = getattr(app.config, "external_toc_path", None) or "_toc.yml"
    path = Path(toc)
    return path if path.is_absolute() else Path(app.srcdir) / path


def write_pdf(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir) / pdf_name(app)
    extensions = getattr(app.config, "myst_enable_extensions", None)
    try:
        result = export(
            Path(app.srcdir), out, toc=_toc_path(app),
            site_map=getattr(app.config, "external_site_map", None),
            title=_title(app), author=app.config.author,
            baseurl=app.config.html_baseurl or "",
            extensions=list(extensions) if extensions else None,
            countertypes=app.config.prf_realtyp_to_countertyp,
            # no forking inside Sphinx: its process may hold threads
            parallel=False,
            cache=Path(app.doctreedir) / "proofs-math.pickle")
    except ProofsSourceError as exc:
        logger.warning("proofs PDF not written: %s", exc.message,
                       location=str(exc.path) + f":{exc.line}",
                       type="proofs", subtype="source")
        return
    logger.info(f"proofs PDF: {result.path.name}, {result.blocks} blocks, "
                f"{result.pages} pages")


def setup(app):
    app.setup_extension("sphinx_proof")
    app.add_node(proofs_pdf_link)
    app.add_role("proofs-pdf", ProofsPdfRole())
    app.connect("doctree-resolved", resolve_links)
    app.connect("build-finished", write_pdf)
    return {"version": "1.0", "parallel_read_safe": True,
            "parallel_write_safe": True}
