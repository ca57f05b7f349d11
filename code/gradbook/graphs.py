"""Pictures of a recorded graph: the engine's own, PyTorch's, JAX's.

Three readers turn a record into a list of nodes, one dict per box:

    {"key": an id, "kind": "op" | "leaf" | "constant",
     "label": the text in the box, "parents": [keys of its inputs],
     "step": its place in the backward pass (1 = first), or None}

(for a jaxpr, "step" is the line of its equation).

`engine_nodes` reads a `gradbook.autodiff.Tensor`, `torch_nodes` a
PyTorch tensor's `grad_fn` graph and `jaxpr_nodes` a JAX jaxpr (torch
and jax are not imported here: the caller hands over its records).
`draw_graph` draws such a list on a matplotlib Axes, inputs at the top
and the output at the bottom, and `graph_figure` makes the whole
figure. What it is not: a general graph
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


def jaxpr_names(jaxpr):
    """{variable: name}, the names JAX prints for a jaxpr's variables.

    jaxpr: a `jax.core.Jaxpr` (the `.jaxpr` of what `jax.make_jaxpr`
    returns). As JAX's printer does: constants, inputs and then each
    equation's outputs get a, b, ..., z, ba, bb, ... in order of
    appearance, and an output that nothing uses is "_". Defined in:
    JAX: differentiating functions, §What JAX records.
    """
    used = {id(v) for e in jaxpr.eqns for v in e.invars}
    used |= {id(v) for v in jaxpr.outvars}
    names, count = {}, 0
    for var in [*jaxpr.constvars, *jaxpr.invars,
                *(v for e in jaxpr.eqns for v in e.outvars)]:
        if var in jaxpr.invars or var in jaxpr.constvars \
                or id(var) in used:
            n, name = count, ""
            while True:  # base 26 with the digits a..z
                name = chr(ord("a") + n % 26) + name
                n //= 26
                if not n:
                    break
            names[var], count = name, count + 1
        else:
            names[var] = "_"
    return names


def _short(var):
    """f64[2] for a float64 array of shape (2,), as JAX prints it."""
    return var.aval.str_short(short_dtypes=True)


def jaxpr_nodes(closed, names):
    """A jaxpr as a graph, in the node data of engine_nodes.

    closed: what `jax.make_jaxpr(fun)(*args)` returns; names: one name
    per input of fun, in order (["x", "A"]). Each input is a "leaf",
    each constant (a literal such as 1.0, one node per use) a
    "constant", and each equation an "op" labelled with its output
    variable, its primitive and its output's type, as the printed
    jaxpr shows them ("c = dot_general" over "f64[2]"). "step" is the
    equation's line number: a jaxpr runs its equations in order, the
    backward pass of a gradient's jaxpr included. Defined in: JAX:
    differentiating functions, §What JAX records.
    """
    jaxpr = closed.jaxpr
    letter = jaxpr_names(jaxpr)
    key_of, nodes = {}, []
    for var, name in zip(jaxpr.invars, names, strict=True):
        key_of[var] = f"in:{name}"
        nodes.append({"key": key_of[var], "kind": "leaf", "step": None,
                      "label": f"{letter[var]}: {name}\n{_short(var)}",
                      "parents": []})
    for var in jaxpr.constvars:
        key_of[var] = f"const:{letter[var]}"
        nodes.append({"key": key_of[var], "kind": "constant",
                      "step": None, "parents": [],
                      "label": f"{letter[var]}\n{_short(var)}"})
    for line, eqn in enumerate(jaxpr.eqns, start=1):
        parents = []
        for place, var in enumerate(eqn.invars):
            if type(var).__name__ == "Literal":  # a number in the text
                key = f"lit:{line}:{place}"
                nodes.append({"key": key, "kind": "constant",
                              "step": None, "parents": [],
                              "label": f"{var.val}\n{_short(var)}"})
                parents.append(key)
            else:
                parents.append(key_of[var])
        key = f"eqn:{line}"
        for var in eqn.outvars:
            key_of[var] = key
        outputs = ", ".join(letter[v] for v in eqn.outvars)
        types = ", ".join(_short(v) for v in eqn.outvars)
        nodes.append({"key": key, "kind": "op", "step": line,
                      "parents": parents,
                      "label": f"{outputs} = {eqn.primitive.name}"
                               f"\n{types}"})
    return nodes


def jaxpr_values(closed, *args):
    """The value of every equation of a jaxpr, evaluated line by line.

    closed: what `jax.make_jaxpr(fun)(*args)` returns; args: the
    inputs. Returns a list with one entry per equation: its output (a
    list of outputs if it has several). It runs the same primitives as
    `jax.core.eval_jaxpr`, and keeps what that function forgets.
    Defined in: JAX: differentiating functions, §What JAX records.
    """
    jaxpr = closed.jaxpr
    env = dict(zip(jaxpr.constvars, closed.consts, strict=True))
    env.update(zip(jaxpr.invars, args, strict=True))
    values = []
    for eqn in jaxpr.eqns:
        ins = [v.val if type(v).__name__ == "Literal" else env[v]
               for v in eqn.invars]
        params = eqn.primitive.get_bind_params(eqn.params)
        out = eqn.primitive.bind(*ins, **params)
        outs = out if eqn.primitive.multiple_results else [out]
        env.update(zip(eqn.outvars, outs, strict=True))
        values.append(outs if eqn.primitive.multiple_results else out)
    return values


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


def draw_graph(ax, nodes, title, fontsize=9, spacing=1.6,
               step_gap=0.85):
    """Draw nodes on ax: inputs at the top, the output at the bottom.

    One row per level (see `levels`). In a row, operations come first,
    from x = 0, and leaves and constants to their right, one column
    further out (alone in their row: one column out), so that arrows
    from them to a later row pass beside the boxes. A red number beside
    an operation is its "step", step_gap to the left of the box's
    centre. spacing: the distance between columns. Defined in: Forward
    mode and pictures of the graph, §Pictures of the graph.
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
            ax.text(x - step_gap, y, str(n["step"]), ha="center",
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


def graph_figure(nodes, title, figsize, fontsize=9, spacing=1.6,
                 step_gap=0.85):
    """A closed matplotlib Figure of draw_graph(nodes, ...), to glue.

    figsize: (width, height) in inches. Defined in: Forward mode and
    pictures of the graph, §Pictures of the graph.
    """
    fig, ax = plt.subplots(figsize=figsize)
    draw_graph(ax, nodes, title, fontsize, spacing, step_gap)
    fig.tight_layout()
    plt.close(fig)
    return fig
