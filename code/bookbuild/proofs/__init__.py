"""The proofs PDF: the book's sphinx-proof blocks, typeset by ReportLab.

Three stages, one module each, like markdown-it's tokens then rules:

- :mod:`.source`  parsing: MyST source -> numbered proof blocks
- :mod:`.mathbox` math layout: LaTeX -> vector glyph boxes (ziamath)
- :mod:`.layout`, :mod:`.inline`, :mod:`.document`  page layout:
  blocks -> flowables -> PDF

:mod:`.export` ties them together (``python -m bookbuild.proofs``) and
:mod:`.sphinxext` publishes the PDF with the website.
"""

from .export import PDF_NAME, ExportResult, export
from .source import ProofsSourceError

__all__ = ["PDF_NAME", "ExportResult", "ProofsSourceError", "export"]
