"""Sphinx: every chapter page offers its executed notebook and the PDF.

sphinx-book-theme lists an ``.ipynb`` in a page's download menu only
when the page context has ``ipynb_source``, which myst-nb 1.x never
sets. myst-nb writes each executed notebook to
``<outdir>/../jupyter_execute/<docname>.ipynb``; this extension copies
it next to the page's source, ``<outdir>/_sources/<docname>.ipynb``
(the folder the theme's download links point into), and sets
``ipynb_source``. (On a jupyter-cache hit, myst-nb 1.4 writes that
notebook without its outputs; they are merged back from the cache.)
The published copy is the readers' notebook (:mod:`bookbuild.readers`):
its Markdown is what the page shows, not the MyST source. It starts
with one extra code cell that
installs the book's library, ``gradbook``, from the repository when
it is missing, so the notebook also runs outside a clone of the book
(in Colab, or in a reader's own Jupyter).

It also adds the book PDF and the proofs PDF to the download menu
(``bookbuild_book_pdf`` and ``bookbuild_proofs_pdf``, settings of
:mod:`bookbuild.pdf.sphinxext`, which writes them; none when that
extension is not loaded), relabels the theme's own ".pdf" entry
(which prints the page) as "Print", and points the theme's
Colab button, which would open the Markdown source that Colab cannot
read, at the executed notebook on the ``bookbuild_notebooks_branch``
branch of the repository (which the publishing workflow fills).

Configuration (in ``_config.yml``, ``sphinx: config:``):

- ``bookbuild_notebooks_branch``: the branch with the executed
  notebooks at ``<docname>.ipynb``.
"""

from pathlib import Path

import nbformat
from jupyter_cache import get_cache
from sphinx.util import logging

from . import WARNING_TYPE
from .files import write_atomic
from .readers import readers_notebook
from .readers.writer import Writer
from .staging import EXECUTED, image_file

logger = logging.getLogger(__name__)
SUBTYPE = "downloads"

INSTALL_CELL = '''\
# This notebook imports the book's library, gradbook. In a clone of the
# book's repository it is already installed; anywhere else (Colab, your
# own Jupyter), this cell installs it from the repository first.
import importlib.util
import subprocess
import sys

if importlib.util.find_spec("gradbook") is None:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    "git+{url}"], check=True)'''


def executed_notebook(app, docname):
    """The path where myst-nb wrote the executed notebook of `docname`.

    It is beside the HTML output: `_build/jupyter_execute`, or the
    staging folder's during a build (bookbuild.staging). When the PDFs
    are written elsewhere from a finished build, it is beside the
    doctrees. (Sphinx resolves symbolic links in both paths, and a
    staged build's doctrees are a link to the book's own: beside them
    lie the notebooks of the previous build, so the output's side is
    looked at first.)
    """
    name = Path(EXECUTED) / f"{docname}.ipynb"
    beside_output = Path(app.outdir).parent / name
    if beside_output.is_file():
        return beside_output
    return Path(app.doctreedir).parent / name


def read_executed(app, docname):
    """The executed notebook of `docname`, with its outputs.

    On a jupyter-cache hit, myst-nb 1.4 writes the notebook it was
    given, without the cached outputs (it renders the merged copy): the
    outputs are merged back here from the cache, as myst-nb does.
    """
    notebook = nbformat.read(executed_notebook(app, docname), as_version=4)
    config = app.env.mystnb_config
    if config.execution_mode != "cache":
        return notebook
    try:
        _, notebook = get_cache(config.execution_cache_path) \
            .merge_match_into_notebook(notebook)
    except KeyError:
        logger.warning(
            f"no outputs of {docname} in the execution cache "
            f"{config.execution_cache_path}: its notebook is published "
            "as myst-nb wrote it", location=docname,
            type=WARNING_TYPE, subtype=SUBTYPE)
    return notebook


def _repository_url(app):
    return app.config.html_theme_options.get("repository_url", "").rstrip("/")


def with_install_cell(notebook, repository_url):
    """`notebook` (nbformat 4) with the install cell first, validated."""
    cell = nbformat.v4.new_code_cell(INSTALL_CELL.format(url=repository_url))
    cell.id = "install-gradbook"  # fixed: two builds give the same file
    notebook.cells.insert(0, cell)
    nbformat.validate(notebook)
    return notebook


def list_notebook(app, pagename, templatename, context, doctree):
    """List a chapter's executed notebook in its download menu."""
    if doctree is None or "kernelspec" not in app.env.metadata[pagename]:
        return
    source = executed_notebook(app, pagename)
    if not source.is_file():
        logger.warning(
            f"expected the executed notebook {source} for {pagename}, "
            "found none: was the chapter executed?",
            location=pagename, type=WARNING_TYPE, subtype=SUBTYPE,
        )
        return
    context["ipynb_source"] = f"{pagename}.ipynb"


def write_notebook(app, pagename, templatename, context, doctree):
    """Publish the readers' notebook at _sources/<docname>.ipynb.

    It is the executed notebook with its Markdown written from the
    page's resolved doctree (:mod:`bookbuild.readers`): what Jupyter and
    Colab show is what the page shows.
    Runs after the theme, whose launch buttons copy the bare executed
    notebook to the same place.
    """
    if not context.get("ipynb_source"):
        return
    target = Path(app.outdir) / "_sources" / context["ipynb_source"]
    site = (app.config.html_baseurl or "").rstrip("/") + "/"
    writer = Writer(pagename, fignumbers=app.env.toc_fignumbers, site=site,
                    root=app.srcdir,
                    image_file=lambda uri: image_file(app.srcdir, uri))
    notebook = readers_notebook(doctree, read_executed(app, pagename),
                                writer)
    url = _repository_url(app)
    if url:
        notebook = with_install_cell(notebook, url)
    write_atomic(target, nbformat.writes(notebook) + "\n")


def _group(context, label):
    for button in context.get("header_buttons", []):
        if button.get("type") == "group" and button.get("label") == label:
            return button
    return None


def add_download_links(app, pagename, templatename, context, doctree):
    """Add the PDFs to the download menu; fix the Colab link."""
    downloads = _group(context, "download-buttons")
    if downloads is not None:
        for button in downloads["buttons"]:
            if button.get("label") == "download-pdf-button":
                button["text"] = "Print"
                button["tooltip"] = "Print this page"
                button["icon"] = "fas fa-print"
        for pdf, text, tooltip, label in (
                (getattr(app.config, "bookbuild_book_pdf", ""), "Book .pdf",
                 "Download the whole book as a PDF", "download-book-button"),
                (getattr(app.config, "bookbuild_proofs_pdf", ""),
                 "Proofs .pdf",
                 "Download the book's proofs as a PDF",
                 "download-proofs-button")):
            if pdf:
                downloads["buttons"].append({
                    "type": "link",
                    "url": context["pathto"](pdf, 1),
                    "text": text,
                    "tooltip": tooltip,
                    "icon": "fas fa-file-pdf",
                    "label": label,
                })

    launch = _group(context, "launch-buttons")
    if launch is None:
        return
    branch = app.config.bookbuild_notebooks_branch
    repo = _repository_url(app).removeprefix("https://github.com/")
    colab_url = app.config.html_theme_options["launch_buttons"].get(
        "colab_url", "").rstrip("/")
    for button in list(launch["buttons"]):
        if button.get("text") != "Colab":
            continue
        if context.get("ipynb_source") and branch and repo:
            button["url"] = (f"{colab_url}/github/{repo}/blob/{branch}/"
                             f"{context['ipynb_source']}")
        else:
            # The theme's link opens the Markdown source: Colab cannot.
            launch["buttons"].remove(button)
    if not launch["buttons"]:
        context["header_buttons"].remove(launch)


def setup(app):
    app.add_config_value("bookbuild_notebooks_branch", "", "html",
                         types=[str])
    # The theme builds its header buttons at priority 501: set
    # ipynb_source before, edit the finished menus after.
    app.connect("html-page-context", list_notebook, priority=500)
    app.connect("html-page-context", write_notebook, priority=502)
    app.connect("html-page-context", add_download_links, priority=502)
    return {"version": "1.0", "parallel_read_safe": True,
            "parallel_write_safe": True}
