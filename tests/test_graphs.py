"""gradbook.graphs: the nodes it reads off a record, and its figures.

The pictures of "Forward mode and pictures of the graph" and "The
network on the engine" are drawn from these lists, so their kinds,
parents and backward-pass order are checked here, on the engine and
on PyTorch's grad_fn graph of the same f = xᵀAx.
"""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from gradbook import graphs  # noqa: E402
from gradbook.autodiff import Tensor  # noqa: E402

X0 = np.array([[1.0], [2.0]])
A0 = np.array([[1.0, 2.0], [2.0, 3.0]])


def quadratic():
    x, A = Tensor(X0, name="x"), Tensor(A0, name="A")
    return x, A, x.T @ A @ x


def test_engine_nodes_kinds_parents_and_order():
    x, A, f = quadratic()
    nodes = {n["key"]: n for n in graphs.engine_nodes(f)}
    assert sorted(n["kind"] for n in nodes.values()) == [
        "leaf", "leaf", "op", "op", "op"]
    assert nodes[id(x)]["parents"] == [] and nodes[id(x)]["step"] is None
    assert nodes[id(f)]["parents"] == [id(f.parents[0]), id(x)]
    product = f.parents[0]
    assert [nodes[id(t)]["step"] for t in (f, product, product.parents[0])
            ] == [1, 2, 3]
    assert nodes[id(x)]["label"] == "x\n(2, 1)"


def test_constants_are_their_own_kind():
    x = Tensor(X0, name="x")
    c = Tensor(A0, name="C", requires_grad=False)
    kinds = {n["label"].split("\n")[0]: n["kind"]
             for n in graphs.engine_nodes((c @ x).sum())}
    assert kinds["C"] == "constant" and kinds["x"] == "leaf"


def test_levels_put_inputs_above_their_first_use():
    x, A, f = quadratic()
    level = graphs.levels(graphs.engine_nodes(f))
    product = f.parents[0]
    assert level[id(product.parents[0])] == 1  # xᵀ
    assert level[id(product)] == 2 and level[id(f)] == 3
    assert level[id(x)] == 0 and level[id(A)] == 1


def test_torch_nodes_are_the_same_graph():
    x = torch.tensor(X0, requires_grad=True)
    A = torch.tensor(A0, requires_grad=True)
    nodes = graphs.torch_nodes(x.T @ A @ x, {"x": x, "A": A})
    assert sorted(n["label"] for n in nodes) == [
        "AccumulateGrad\n(into A.grad)", "AccumulateGrad\n(into x.grad)",
        "MmBackward0", "MmBackward0", "PermuteBackward0"]
    assert sorted(n["kind"] for n in nodes) == [
        "leaf", "leaf", "op", "op", "op"]
    assert sum(len(n["parents"]) for n in nodes) == 5  # five arrows


def test_graph_figure_draws_one_box_per_node():
    x, A, f = quadratic()
    nodes = graphs.engine_nodes(f)
    fig = graphs.graph_figure(nodes, "f", (3, 3))
    ax = fig.axes[0]
    arrows = [t for t in ax.texts
              if isinstance(t, matplotlib.text.Annotation)]
    texts = [t for t in ax.texts if t not in arrows]
    boxes = [t for t in texts if t.get_bbox_patch() is not None]
    assert len(boxes) == len(nodes)
    assert len(texts) - len(boxes) == 3  # the red step numbers
    assert len(arrows) == sum(len(n["parents"]) for n in nodes) == 5
