"""gradbook.autodiff_more and autodiff_memory: second derivatives
against PyTorch's double backward, forward mode (dual numbers) against
reverse mode, checkpointed gradients against plain ones, memory counts
and their slopes."""

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings

from gradbook.autodiff import Tensor
from gradbook.autodiff_memory import Dual, peak_bytes, record_bytes, saved
from gradbook.autodiff_more import checkpoint, grad
from gradbook.bench_memory import (chain, checkpointed_gradient,
                                   plain_gradient, run)
from gradbook.data import saved_run
from test_autodiff import graphs

TOL = 1e-10


def close(a, b, tol=TOL):
    return np.allclose(a, b, rtol=tol, atol=tol)


@settings(max_examples=120, deadline=None)
@given(graphs())
def test_hvp_of_random_graphs_matches_double_backward(graph):
    leaves, out, t_out, rng = graph
    assume(out.parents)
    ours = [leaf for leaf, _ in leaves]
    theirs = [leaf for _, leaf in leaves]
    u = rng.normal(size=out.shape)
    V = [rng.normal(size=leaf.shape) for leaf in ours]
    gs = grad((out * u).sum(), ours, create_graph=True)
    s = Tensor(0.0, requires_grad=False)
    for g, v in zip(gs, V):
        s = s + (g * v).sum()
    t_gs = torch.autograd.grad((t_out * torch.tensor(u)).sum(), theirs,
                               create_graph=True, allow_unused=True)
    for g, t_g in zip(gs, t_gs):  # first order agrees too
        assert close(g.data, 0 if t_g is None else t_g.detach().numpy())
    t_s = sum((g * torch.tensor(v)).sum() for g, v in zip(t_gs, V)
              if g is not None)
    if not s.requires_grad:  # linear in every leaf: Hessian zero
        t_hv = [None] * len(theirs) if not torch.is_tensor(t_s) or (
            not t_s.requires_grad) else torch.autograd.grad(
                t_s, theirs, allow_unused=True)
        assert all(h is None or close(h.numpy(), 0) for h in t_hv)
        return
    hv = grad(s, ours)
    t_hv = torch.autograd.grad(t_s, theirs, allow_unused=True) if (
        t_s.requires_grad) else [None] * len(theirs)
    for h, t_h in zip(hv, t_hv):
        assert close(h.data, 0 if t_h is None else t_h.numpy())


def replayer(out, inputs, make):
    """Run out's recorded operations again: inputs maps id(leaf) to a
    new value (a Dual or Tensor), other leaves become make(leaf.data)."""
    memo = {}

    def apply(node, args):
        op, a = node.op, args[0]
        if op in ("+", "-", "*", "@"):
            b = args[1]
            return {"+": a.__add__, "-": a.__sub__, "*": a.__mul__,
                    "@": a.__matmul__}[op](b)
        if op == "neg":
            return -a
        if op == "T":
            return a.T
        if op in ("sum", "mean", "log_softmax"):
            return getattr(a, op)(saved(node)["axis"])
        return getattr(a, op)()

    def replay(node):
        if id(node) not in memo:
            if node.parents:
                value = apply(node, [replay(p) for p in node.parents])
            elif id(node) in inputs:
                value = inputs[id(node)]
            else:
                value = make(node.data)
            memo[id(node)] = value
        return memo[id(node)]
    return replay


@settings(max_examples=120, deadline=None)
@given(graphs())
def test_dual_numbers_agree_with_reverse_mode(graph):
    leaves, out, t_out, rng = graph
    assume(out.parents)
    ours = [leaf for leaf, _ in leaves]
    V = [rng.normal(size=leaf.shape) for leaf in ours]
    u = rng.normal(size=out.shape)
    duals = {id(leaf): Dual(leaf.data, v) for leaf, v in zip(ours, V)}
    replay = replayer(out, duals, Dual)

    tangent = replay(out).tangent
    assert close(replay(out).value, out.data)
    gs = grad(out, ours, seed=u)
    assert np.isclose(np.vdot(u, tangent),
                      sum(np.vdot(g.data, v) for g, v in zip(gs, V)),
                      rtol=1e-9, atol=1e-9)


def test_hessian_of_quadratic_form():
    rng = np.random.default_rng(0)
    A, x0, v = (rng.normal(size=s) for s in ((4, 4), (4, 1), (4, 1)))
    x = Tensor(x0)
    (g,) = grad(x.T @ A @ x, [x], create_graph=True)
    (Hv,) = grad(g, [x], seed=v)
    assert close(Hv.data, (A + A.T) @ v, 1e-13)


@settings(max_examples=100, deadline=None)
@given(graphs())
def test_checkpointing_random_graphs_changes_no_gradient(graph):
    leaves, out, t_out, rng = graph
    assume(out.parents)
    ours = [leaf for leaf, _ in leaves]
    u = rng.normal(size=out.shape)

    def fn(*tensors):  # the whole graph as a function of its leaves
        inputs = {id(leaf): t for leaf, t in zip(ours, tensors)}
        return replayer(out, inputs,
                        lambda a: Tensor(a, requires_grad=False))(out)

    plain = grad((out * u).sum(), ours)
    ours_ck = grad((checkpoint(fn, *ours) * u).sum(), ours)
    for a, b in zip(ours_ck, plain):
        assert np.array_equal(a.data, b.data)


@pytest.mark.parametrize("segment", [1, 2, 3, 5, 12])
def test_checkpointed_gradients_equal_plain_ones(segment):
    rng = np.random.default_rng(1)
    y = Tensor(rng.normal(size=(7, 3)))
    (plain,) = grad(chain(y, 12).sum(), [y])
    h = y
    for start in range(0, 12, segment):
        h = checkpoint(lambda t, k=min(segment, 12 - start): chain(t, k), h)
    (ours,) = grad(h.sum(), [y])
    assert np.array_equal(ours.data, plain.data)  # bit for bit
    h.sum().backward()
    assert np.array_equal(y.grad, plain.data)


def test_checkpoint_with_two_inputs_and_torch():
    rng = np.random.default_rng(2)
    X0, W0 = rng.normal(size=(5, 4)), rng.normal(size=(4, 4))
    X, W = Tensor(X0), Tensor(W0)

    def layer(X, W):
        return (X @ W).relu().exp().log_softmax()

    gs = grad(checkpoint(layer, X, W).sum(), [X, W])
    plain = grad(layer(X, W).sum(), [X, W])
    assert all(np.array_equal(a.data, b.data) for a, b in zip(gs, plain))
    Xt, Wt = (torch.tensor(a, requires_grad=True) for a in (X0, W0))
    out = torch.utils.checkpoint.checkpoint(
        lambda X, W: torch.log_softmax(torch.exp(torch.relu(X @ W)), -1),
        Xt, Wt, use_reentrant=False)
    out.sum().backward()
    assert close(gs[0].data, Xt.grad.numpy())
    assert close(gs[1].data, Wt.grad.numpy())


def test_bad_input_gets_clear_errors():
    x = Tensor(np.array([1.0, 2.0]))
    (g,) = grad((x * x).sum(), [x])  # no create_graph
    with pytest.raises(ValueError, match="create_graph=True"):
        grad(g.sum(), [x])
    with pytest.raises(ValueError, match="scalar"):
        grad(x * x, [x])
    with pytest.raises(ValueError, match="shape"):
        grad(x * x, [x], seed=np.ones(3))
    calls = []

    def impure(t):
        calls.append(1)
        return t * float(len(calls))

    y = checkpoint(impure, x)
    with pytest.raises(ValueError, match="pure"):
        grad(y.sum(), [x])
    w = Tensor(np.array([3.0, 4.0]))
    with pytest.raises(ValueError, match="without receiving it"):
        checkpoint(lambda t: t * w, x)
    with pytest.raises(ValueError, match="checkpoint"):
        grad(grad(checkpoint(lambda t: t * t, x).sum(), [x],
                  create_graph=True)[0].sum(), [x])


def test_memory_counts_and_slopes():
    m = 20_000
    y0 = np.random.default_rng(3).normal(size=m)
    per_step = record_bytes(chain(Tensor(y0), 11)) - record_bytes(
        chain(Tensor(y0), 10))
    assert per_step == 2 * 8 * m  # neg's output, exp's output
    assert sum(a.nbytes for a in saved(Tensor(y0).exp()).values()) == 8 * m

    def reverse(k):
        y = Tensor(y0)
        return grad(chain(y, k).sum(), [y])

    def forward(k):
        return chain(Dual(y0, np.ones(m)), k).sum().tangent

    ks = [8, 16, 32]
    rev = [peak_bytes(lambda: reverse(k)) for k in ks]
    fwd = [peak_bytes(lambda: forward(k)) for k in ks]
    slope = np.polyfit(ks, rev, 1)[0]
    assert abs(slope / per_step - 1) < 0.05
    assert abs(np.polyfit(ks, fwd, 1)[0]) < 0.01 * per_step
    sizes = []
    with torch.autograd.graph.saved_tensors_hooks(
            lambda t: sizes.append(t.nbytes) or t, lambda t: t):
        chain(torch.tensor(y0, requires_grad=True), 10)
    assert sizes == [8 * m] * 10  # PyTorch keeps exp's output only


def test_bench_memory_rows_and_the_saved_run():
    start = np.random.default_rng(4).normal(size=50)
    assert np.array_equal(checkpointed_gradient(start, 20, 4).data,
                          plain_gradient(start, 20).data)
    rows = run(n_values=(4, 9), m=10, repeats=1)
    assert [(row["n"], row["s"]) for row in rows] == [(4, 2), (9, 3)]
    assert all(row[key] > 0 for row in rows for key in row)
    with pytest.raises(ValueError, match="positive"):
        run(n_values=(0,))
    saved = saved_run("memory")
    assert [row["n"] for row in saved["rows"]] == [16, 36, 64, 144, 256]
