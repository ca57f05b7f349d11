"""Pictures of a recorded graph: the engine's own, and PyTorch's.

Two readers turn a record into a list of nodes, one dict per box:

    {"key": an id, "kind": "op" | "leaf" | "constant",
     "label": the text in the box, "parents": [keys of its inputs],
     "step": its place in the backward pass (1 = first), or None}

`engine_nodes` reads a `gradbook.autodiff.Tensor`, `torch_nodes` a
PyTorch tensor's `grad_fn` graph (torch is not imported here: the
caller hands over its tensors). `draw_graph` draws such a list on a
matplotlib Axes, inputs at the top and the output at the bottom, and
`graph_figure` makes the whole figure. What it is not: a general graph
layout; it suits the few dozen boxes of the book's graphs.
"""

import matplotlib.pyplot as plt

COLOURS = {"op": "#dbe9f6", "leaf": "#fde4c8", "constant": "#e6e6e6"}


def engine_nodes(y):
    """The engine's graph of the tensor y, constants included.

    Every tensor y depends on is a node: "op" if an operation made it,
    "leaf" if not and it asks for a gradient, "constant" otherwise.
    "step" numbers the operations in the order backward() runs their
    rules (y's own first). Defined in: Forward mode and pictures of the
    graph, §Pictures of the graph.
    """
    found, stack = {id(y): y}, [y]
    while stack:
        for parent in stack.pop().parents:
            if id(parent) not in found:
                found[id(parent)] = parent
                stack.append(parent)
    backward = [id(t) for t in reversed(y.topological_order())
                if t.parents]
    nodes = []
    for key, t in found.items():
        kind = ("op" if t.parents else
                "leaf" if t.requires_grad else "constant")
        nodes.append({
            "key": key, "kind": kind,
            "label": f"{t.name or t.op}\n{t.shape}",
            "parents": [id(p) for p in t.parents],
            "step": backward.index(key) + 1 if key in backward else None,
        })
    return nodes


def torch_nodes(output, names):
    """PyTorch's grad_fn graph of the tensor output, as engine_nodes.

    names: {name: leaf tensor}, to label each AccumulateGrad node with
    the leaf whose .grad it fills. Nodes are "op", or "leaf" for an
    AccumulateGrad; "step" is None (PyTorch does not expose its order).
    Defined in: Forward mode and pictures of the graph, §Pictures of
    the graph.
    """
    start = output.grad_fn
    found, stack = {id(start): start}, [start]
    while stack:
        for fn, _ in stack.pop().next_functions:
            if fn is not None and id(fn) not in found:
                found[id(fn)] = fn
                stack.append(fn)
    nodes = []
    for key, fn in found.items():
        label = type(fn).__name__
        if label == "AccumulateGrad":
            name = next(n for n, t in names.items() if t is fn.variable)
            label += f"\n(into {name}.grad)"
        nodes.append({
            "key": key, "label": label, "step": None,
            "kind": "leaf" if label.startswith("Acc") else "op",
            "parents": [id(fn) for fn, _ in fn.next_functions
                        if fn is not None],
        })
    return nodes


def levels(nodes):
    """{key: row}: inputs at row 0 and upwards of their first use.

    An operation's row is one more than its parents' highest (the
    longest path from the inputs); a node without parents sits just
    above the first operation that uses it. Defined in: Forward mode
    and pictures of the graph, §Pictures of the graph.
    """
    level = {n["key"]: 0 for n in nodes}
    for _ in nodes:  # longest path from the inputs, by relaxation
        for n in nodes:
            if n["parents"]:
                level[n["key"]] = 1 + max(level[p] for p in n["parents"])
    for n in nodes:
        if not n["parents"]:
            level[n["key"]] = min(level[m["key"]] for m in nodes
                                  if n["key"] in m["parents"]) - 1
    return level


def draw_graph(ax, nodes, title, fontsize=9, spacing=1.6):
    """Draw nodes on ax: inputs at the top, the output at the bottom.

    One row per level (see `levels`). In a row, operations come first,
    from x = 0, and leaves and constants to their right, one column
    further out (alone in their row: one column out), so that arrows
    from them to a later row pass beside the boxes. A red number beside
    an operation is its "step". spacing: the distance between columns.
    Defined in: Forward mode and pictures of the graph, §Pictures of
    the graph.
    """
    level = levels(nodes)
    where = {}
    for depth in sorted(set(level.values())):
        row = [n for n in nodes if level[n["key"]] == depth]
        ops = [n for n in row if n["kind"] == "op"]
        leaves = sorted((n for n in row if n["kind"] != "op"),
                        key=lambda n: n["label"])
        columns = list(range(len(ops))) + [
            len(ops) + 1 + i if ops else 1 + i for i in range(len(leaves))]
        for column, n in zip(columns, ops + leaves):
            where[n["key"]] = (spacing * column, -depth)
    boxes = {}
    for n in nodes:
        x, y = where[n["key"]]
        boxes[n["key"]] = ax.text(
            x, y, n["label"], ha="center", va="center", fontsize=fontsize,
            bbox={"boxstyle": "round,pad=0.3", "fc": COLOURS[n["kind"]],
                  "ec": "0.3"})
        if n["step"] is not None:
            ax.text(x - 0.85, y, str(n["step"]), ha="center",
                    va="center", color="#b2182b", fontsize=fontsize,
                    fontweight="bold")
    for n in nodes:  # arrows clipped at the boxes' edges
        for p in n["parents"]:
            ax.annotate("", xy=where[n["key"]], xytext=where[p],
                        arrowprops={"arrowstyle": "-|>", "color": "0.35",
                                    "patchA": boxes[p].get_bbox_patch(),
                                    "patchB": boxes[n["key"]]
                                    .get_bbox_patch(),
                                    "shrinkA": 1, "shrinkB": 1})
    xs = [x for x, _ in where.values()]
    margin = max(1.1, 0.6 * spacing)
    ax.set_xlim(min(xs) - margin, max(xs) + margin)
    ax.set_ylim(-max(level.values()) - 0.6, 0.6)
    ax.set_title(title, fontsize=fontsize + 1)
    ax.axis("off")


def graph_figure(nodes, title, figsize, fontsize=9, spacing=1.6):
    """A closed matplotlib Figure of draw_graph(nodes, ...), to glue.

    figsize: (width, height) in inches. Defined in: Forward mode and
    pictures of the graph, §Pictures of the graph.
    """
    fig, ax = plt.subplots(figsize=figsize)
    draw_graph(ax, nodes, title, fontsize, spacing)
    fig.tight_layout()
    plt.close(fig)
    return fig
