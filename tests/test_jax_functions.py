"""gradbook.graphs on JAX's records, for "JAX: differentiating functions".

The page reads the jaxpr of f(x) = xᵀAx and of its gradient line by
line and draws it; here: the node data names the operations the
printed jaxpr shows, in its order and with its variable names; the
lines evaluated one by one give the two roads Ax and Aᵀx and their sum
(A + Aᵀ)x, which equals PyTorch's gradient; the drawing is the same
SVG twice.
"""

import io

import matplotlib

matplotlib.use("Agg")

import jax  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from gradbook import graphs  # noqa: E402
from gradbook.quadform import grad_f  # noqa: E402

jax.config.update("jax_enable_x64", True)

X0 = np.array([1.0, 2.0])
A1 = np.array([[1.0, 2.0], [0.0, 3.0]])  # not symmetric


def f(x, A):
    return x @ A @ x


def grad_jaxpr():
    return jax.make_jaxpr(jax.grad(f))(X0, A1)


def op_labels(nodes):
    return [n["label"] for n in nodes if n["kind"] == "op"]


def test_jaxpr_nodes_of_f_are_its_two_products():
    nodes = graphs.jaxpr_nodes(jax.make_jaxpr(f)(X0, A1), ["x", "A"])
    assert op_labels(nodes) == ["c = dot_general\nf64[2]",
                                "d = dot_general\nf64[]"]
    leaves = {n["key"]: n for n in nodes if n["kind"] == "leaf"}
    assert [n["label"] for n in leaves.values()] == [
        "a: x\nf64[2]", "b: A\nf64[2,2]"]
    c, d = [n for n in nodes if n["kind"] == "op"]
    assert c["parents"] == ["in:x", "in:A"] and c["step"] == 1
    assert d["parents"] == [c["key"], "in:x"] and d["step"] == 2


def test_jaxpr_nodes_of_the_gradient_are_forward_then_backward():
    closed = grad_jaxpr()
    nodes = graphs.jaxpr_nodes(closed, ["x", "A"])
    assert [label.split("\n")[0] for label in op_labels(nodes)] == [
        "c = dot_general", "_ = dot_general", "d = dot_general",
        "e = dot_general", "f = dot_general", "g = add_any"]
    by_key = {n["key"]: n for n in nodes}
    constants = [n for n in nodes if n["kind"] == "constant"]
    assert [n["label"] for n in constants] == ["1.0\nf64[]"] * 2
    last = by_key["eqn:6"]  # the two roads, added
    assert last["parents"] == ["eqn:3", "eqn:5"]
    assert sum(len(n["parents"]) for n in nodes) == 12
    assert [n["step"] for n in nodes if n["kind"] == "op"] == list(
        range(1, 7))


def test_jaxpr_names_are_the_printed_ones():
    closed = grad_jaxpr()
    text = closed.pretty_print(use_color=False)
    names = graphs.jaxpr_names(closed.jaxpr)
    for eqn in closed.jaxpr.eqns:
        name = names[eqn.outvars[0]]
        assert f"{name}:{eqn.outvars[0].aval.str_short(True)} = " \
            f"{eqn.primitive.name}" in text


def test_the_gradient_jaxpr_is_the_two_roads_and_their_sum():
    closed = grad_jaxpr()
    values = graphs.jaxpr_values(closed, X0, A1)
    np.testing.assert_allclose(values[2], A1.T @ X0, rtol=1e-10)
    np.testing.assert_allclose(values[4], A1 @ X0, rtol=1e-10)
    by_hand = grad_f(X0, A1).ravel()
    np.testing.assert_allclose(values[-1], by_hand, rtol=1e-10,
                               atol=1e-10)
    (whole,) = jax.core.eval_jaxpr(closed.jaxpr, closed.consts, X0, A1)
    np.testing.assert_allclose(whole, by_hand, rtol=1e-10, atol=1e-10)
    x = torch.tensor(X0, requires_grad=True)
    f(x, torch.tensor(A1)).backward()
    np.testing.assert_allclose(whole, x.grad.numpy(), rtol=1e-10,
                               atol=1e-10)


def test_jaxpr_values_keep_constants_of_a_closure():
    A = A1.copy()
    closed = jax.make_jaxpr(lambda x: x @ A @ x)(X0)
    nodes = graphs.jaxpr_nodes(closed, ["x"])
    assert [n["kind"] for n in nodes][:2] == ["leaf", "constant"]
    assert graphs.jaxpr_values(closed, X0)[-1] == f(X0, A1)


def svg(nodes):
    with matplotlib.rc_context({"svg.hashsalt": "jax-functions"}):
        fig = graphs.graph_figure(nodes, "the jaxpr of jax.grad(f)",
                                  (6.2, 4.6), spacing=2.7, step_gap=1.45)
        out = io.BytesIO()
        fig.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()


def test_the_drawing_is_deterministic_and_draws_every_node():
    nodes = graphs.jaxpr_nodes(grad_jaxpr(), ["x", "A"])
    first, second = svg(nodes), svg(graphs.jaxpr_nodes(grad_jaxpr(),
                                                       ["x", "A"]))
    assert first == second
    fig = graphs.graph_figure(nodes, "g", (6, 4), step_gap=1.45)
    ax = fig.axes[0]
    arrows = [t for t in ax.texts
              if isinstance(t, matplotlib.text.Annotation)]
    boxes = [t for t in ax.texts if t not in arrows
             and t.get_bbox_patch() is not None]
    assert len(boxes) == len(nodes) == 10
    assert len(arrows) == 12


def test_the_jaxpr_of_the_column_f_is_the_engines_graph():
    """engine-graphs draws xᵀAx for a column x: T, @, @ as in the engine
    and PyTorch (transpose, dot_general, dot_general), x used twice."""
    x = X0.reshape(2, 1)
    nodes = graphs.jaxpr_nodes(
        jax.make_jaxpr(lambda x, A: x.T @ A @ x)(x, A1), ["x", "A"])
    ops = [n for n in nodes if n["kind"] == "op"]
    assert [n["label"] for n in ops] == [
        "c = transpose\nf64[1,2]", "d = dot_general\nf64[1,2]",
        "e = dot_general\nf64[1,1]"]
    assert ops[0]["parents"] == ["in:x"]
    assert ops[2]["parents"] == [ops[1]["key"], "in:x"]
