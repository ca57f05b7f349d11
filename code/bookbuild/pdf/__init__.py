"""The book's PDFs, typeset by ReportLab from Sphinx's resolved doctrees.

One walker (:mod:`.walker`, a table of node handlers) reads the trees
Sphinx resolved for the website, so every number, label and link is
Sphinx's own; it gives two views of the book:

- ``gradients-book.pdf``: the whole book, prose, math, code and its
  outputs, figures, exercises and solutions;
- ``gradients-proofs.pdf``: the definitions, theorems and proofs.

Math layout (LaTeX -> vector glyph boxes, ziamath) is :mod:`.mathlayout`,
the boxes and their drawing :mod:`.mathbox`, the boxes a document needs
laid out once :mod:`.mathcache`; page layout is :mod:`.runs` (lines),
:mod:`.inline` (paragraphs), :mod:`.layout` (blocks) and
:mod:`.document` (pages, contents, outline).  :mod:`.export` writes the
files; :mod:`.sphinxext` runs it at the end of an HTML build;
``python -m bookbuild.pdf`` runs it over an already built book.
"""

from .export import BOOK_PDF_NAME, PDF_NAME, ExportResult, export

__all__ = ["BOOK_PDF_NAME", "PDF_NAME", "ExportResult", "export"]
