"""What the two writers of Sphinx's resolved doctrees share: the PDF
walker (:mod:`bookbuild.pdf.walker`) and the readers' notebooks
(:mod:`bookbuild.readers`) find sphinx-proof and sphinx-exercise
blocks, and the numbers Sphinx gave them, the same way."""

from docutils import nodes


def is_proof(node) -> bool:
    """A sphinx-proof block (theorem, definition, proof, ...)."""
    return type(node).__module__.startswith("sphinx_proof.") and \
        isinstance(node, nodes.Admonition)


def is_exercise(node) -> bool:
    """A sphinx-exercise block (exercise or solution)."""
    return type(node).__module__.startswith("sphinx_exercise.") and \
        isinstance(node, nodes.Admonition)


def number(fignumbers, docname, node, figtype) -> str | None:
    """The number Sphinx gave `node` ("2.3"), from ``env.toc_fignumbers``
    (`fignumbers`), as the HTML shows it; None if it has none."""
    ids = node.get("ids") or []
    if not ids:
        return None
    found = fignumbers.get(docname, {}).get(figtype, {}).get(ids[0])
    return ".".join(map(str, found)) if found else None
