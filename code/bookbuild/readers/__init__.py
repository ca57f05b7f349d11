"""The readers' notebook: a page as Jupyter and Colab show it.

A page's source is MyST: directives, roles, glue and includes that
only the book's build understands. Its download and its Colab target
are made instead from what the site shows: the page's resolved doctree
(numbers, link texts, glued values and included code already in place)
written out as plain Markdown cells, with the executed notebook's code
cells and outputs between them, in the page's order
(:func:`readers_notebook`).

The Markdown is written by :class:`.writer.Writer`, through tables of
small handlers keyed by node type, as :mod:`bookbuild.pdf.walker`
does; a node type no handler knows is written through its children.
The handlers live by feature, each module a mixin and its tables:

- :mod:`.text`: a section is a heading, with an anchor for each of its
  ids; a labelled equation keeps its number (``\\tag``); an included
  listing is a fenced block, after a line naming its file; a framework
  tab set is each tab's label, then its cells; paragraphs, lists,
  admonitions, tables;
- :mod:`.figures`: a figure is its image, attached to the cell, and its
  numbered caption;
- :mod:`.proofs`: a definition, theorem, proof, exercise is a block
  headed in bold with the site's number (not a quotation: Jupyter
  would take the quotation marks into its display mathematics); a
  solution folds into ``<details>``, its code cells after it, folded
  too;
- :mod:`.inlines`: a reference is a link to the published page and
  anchor, with the site's link text (``#anchor`` within the page).

A code cell the page hides entirely (``remove-cell``) stays, folded.
"""

import nbformat


def readers_notebook(doctree, executed, writer):
    """The readers' notebook: `executed` (nbformat 4, with outputs) with
    its Markdown cells replaced by `writer`'s Markdown of `doctree`."""
    items = writer.blocks(doctree.children, 0)
    shown = [i[1] for i in items if isinstance(i, tuple)]
    code = [n for n, c in enumerate(executed.cells)
            if c.cell_type == "code"]
    hidden = [n for n in code if n not in shown]
    cells, markdown, count = [], [], 0

    def flush():
        nonlocal count
        if markdown:
            cell = nbformat.v4.new_markdown_cell("\n\n".join(markdown))
            used = {k: v for k, v in writer.attachments.items()
                    if f"attachment:{k})" in cell.source}
            if used:
                cell.attachments = used
            count += 1
            cell.id = f"md-{count}"
            cells.append(cell)
            markdown.clear()

    def code_cell(n, folded=False, answer=False):
        cell = nbformat.from_dict(executed.cells[n])
        cell.outputs = [o for o in cell.get("outputs", [])
                        if "scrapbook" not in o.get("metadata", {})]
        if folded or answer:
            cell.metadata.setdefault("jupyter", {})["source_hidden"] = True
        if answer:
            cell.metadata["jupyter"]["outputs_hidden"] = True
        return cell

    def hidden_before(n):
        while hidden and hidden[0] < n:
            cells.append(code_cell(hidden.pop(0), folded=True))

    for item in items:
        if isinstance(item, tuple):
            flush()
            hidden_before(item[1])
            cells.append(code_cell(item[1], answer=item[0] == "folded"))
        elif item.strip():
            markdown.append(item.strip())
    flush()
    hidden_before(len(executed.cells))
    notebook = nbformat.v4.new_notebook(metadata=executed.metadata)
    notebook.cells = cells
    return notebook
