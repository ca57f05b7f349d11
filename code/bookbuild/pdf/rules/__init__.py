"""The walker's rules, one module per feature, each a mixin of handlers
and a table keyed by docutils node type (as Autodidax keys its rules by
primitive, and markdown-it its rules by token):

- :mod:`.sections`: chapters, sections, the parts of the book;
- :mod:`.text`: paragraphs, lists, admonitions, tables, display math;
- :mod:`.code`: code cells, their outputs, framework tabs;
- :mod:`.figures`: figures and images;
- :mod:`.proofs`: sphinx-proof's and sphinx-exercise's blocks;
- :mod:`.inlines`: emphasis, code, math and links inside a paragraph.

A block handler is ``handler(walker, node, depth) -> [flowable]``; an
inline handler ``handler(walker, node, style, size, link) -> [run]``.
:class:`bookbuild.pdf.walker.Walker` inherits the mixins and merges
the tables.
"""

import re

from ...doctrees import is_exercise, is_proof

__all__ = ["dest_name", "is_exercise", "is_proof"]


def dest_name(docname: str, anchor: str = "") -> str:
    """A PDF destination name for a document or an id inside it."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", f"{docname}--{anchor}")
