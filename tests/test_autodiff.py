"""The engine of gradbook.autodiff against PyTorch, finite differences
and itself (forward mode against reverse mode)."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gradbook import data, nn_autodiff, nn_numpy
from gradbook.autodiff import Tensor, jvp, unbroadcast

TOL = 1e-10


def close(a, b, tol=TOL):
    return np.allclose(a, b, rtol=tol, atol=tol)


# ======== random expression graphs against PyTorch ========
# Every value has a shape that broadcasts to (m, n), so any two values
# can meet in +, - or *; leaves are drawn again and again, so forks
# (one tensor feeding several operations) are the rule, not the
# exception. Each step applies one operation to both an engine Tensor
# and a torch tensor; at the end every leaf's gradient must agree.

def sum_torch(t, axis):
    return t.sum() if axis is None else t.sum(dim=axis)


def mean_torch(t, axis):
    return t.mean() if axis is None else t.mean(dim=axis)


def broadcasts_to(shape, target):
    try:
        return np.broadcast_shapes(shape, target) == target
    except ValueError:
        return False


@st.composite
def graphs(draw):
    m, n = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    family = [(m, n), (1, n), (m, 1), (n,), ()]
    leaves, pool = [], []
    for number in range(draw(st.integers(1, 4))):
        shape = family[draw(st.integers(0, len(family) - 1))]
        value = rng.normal(size=shape)
        ours = Tensor(value, name=f"leaf{number}")
        theirs = torch.tensor(value, requires_grad=True)
        leaves.append((ours, theirs))
        pool.append((ours, theirs))
    W_value = rng.normal(size=(n, n))
    W = (Tensor(W_value, name="W"),
         torch.tensor(W_value, requires_grad=True))
    leaves.append(W)

    def pick():
        return pool[draw(st.integers(0, len(pool) - 1))]

    def full(pair):
        """pair broadcast to (m, n) by adding zeros (a constant)."""
        zeros = np.zeros((m, n))
        return pair[0] + zeros, pair[1] + torch.tensor(zeros)

    ops = ["add", "sub", "mul", "neg", "rsub", "const_mul", "relu", "exp",
           "log", "matmul_W", "gram", "sum", "mean", "log_softmax"]
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(ops))
        (a, ta), (b, tb) = pick(), pick()
        if op == "add":
            new = a + b, ta + tb
        elif op == "sub":
            new = a - b, ta - tb
        elif op == "mul":
            new = a * b, ta * tb
        elif op == "neg":
            new = -a, -ta
        elif op == "rsub":
            new = 2.0 - a, 2.0 - ta
        elif op == "const_mul":
            c = rng.normal(size=(m, n))
            new = c * a, torch.tensor(c) * ta
        elif op == "relu":
            new = a.relu(), torch.relu(ta)
        elif op == "exp":
            if np.max(a.data, initial=0) > 5:
                continue
            new = a.exp(), torch.exp(ta)
        elif op == "log":
            if np.min(a.data, initial=1) <= 0.1:
                continue
            new = a.log(), torch.log(ta)
        elif op == "matmul_W":  # (m, n) @ (n, n)
            (a, ta) = full((a, ta))
            new = a @ W[0], ta @ W[1]
        elif op == "gram":  # a bᵀ c: (m, n) @ (n, m) @ (m, n), a x xᵀ
            (a, ta), (b, tb) = full((a, ta)), full((b, tb))
            new = a @ b.T @ a, ta @ tb.T @ ta
        elif op in ("sum", "mean"):
            axis = draw(st.sampled_from([None, 0, -1]))
            if a.data.ndim == 0 or not broadcasts_to(
                    np.sum(a.data, axis=axis).shape, (m, n)):
                axis = None
            torch_op = sum_torch if op == "sum" else mean_torch
            new = getattr(a, op)(axis), torch_op(ta, axis)
        else:
            if a.data.ndim == 0:
                continue
            axis = draw(st.sampled_from([-1, 0]))
            new = a.log_softmax(axis), torch.log_softmax(ta, dim=axis)
        pool.append(new)
    out, t_out = pool[-1]
    return leaves, out, t_out, rng


@settings(max_examples=150, deadline=None)
@given(graphs())
def test_random_graphs_match_pytorch(graph):
    leaves, out, t_out, rng = graph
    assert out.shape == tuple(t_out.shape)
    assert close(out.data, t_out.detach().numpy())
    u = rng.normal(size=out.shape)  # a seed for a non-scalar output
    loss = (out * u).sum()
    loss.backward()
    (t_out * torch.tensor(u)).sum().backward()
    for ours, theirs in leaves:
        if theirs.grad is None:  # the leaf took no part
            assert ours.grad is None
        else:
            assert ours.grad.shape == ours.shape
            assert close(ours.grad, theirs.grad.numpy()), ours.name

    # forward mode on the same graph: uᵀ(J v) = (uᵀJ) v
    tangents = {ours: rng.normal(size=ours.shape) for ours, _ in leaves}
    forward = np.vdot(u, jvp(out, tangents))
    reverse = sum(np.vdot(ours.grad, tangents[ours])
                  for ours, _ in leaves if ours.grad is not None)
    assert close(forward, reverse)


# ======== every operation alone against central differences ========
def central_difference(f, x, h=1e-6):
    """∂f/∂x entry by entry: (f(x + h e) − f(x − h e)) / 2h."""
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        e = np.zeros_like(x)
        e[i] = h
        grad[i] = (f(x + e) - f(x - e)) / (2 * h)
    return grad


OPS = {
    "add": lambda x, c: x + c,
    "add_broadcast": lambda x, c: c + x.sum(axis=0),
    "sub_broadcast": lambda x, c: c.T - x.mean(axis=1),
    "sub": lambda x, c: c - x,
    "neg": lambda x, c: -x,
    "mul": lambda x, c: x * c,
    "mul_broadcast": lambda x, c: c * x.sum(axis=0),
    "matmul_left": lambda x, c: x @ c.T,
    "matmul_right": lambda x, c: c.T @ x,
    "T": lambda x, c: x.T,
    "sum": lambda x, c: x.sum(),
    "sum_axis0": lambda x, c: x.sum(axis=0),
    "sum_axis1": lambda x, c: x.sum(axis=1),
    "mean": lambda x, c: x.mean(),
    "mean_axis1": lambda x, c: x.mean(axis=1),
    "relu": lambda x, c: x.relu(),
    "exp": lambda x, c: x.exp(),
    "log": lambda x, c: (x * x + 1.0).log(),
    "log_softmax": lambda x, c: x.log_softmax(),
    "log_softmax_axis0": lambda x, c: x.log_softmax(axis=0),
}


@pytest.mark.parametrize("name", OPS)
def test_each_operation_against_central_differences(name):
    rng = np.random.default_rng(0)
    x0 = rng.normal(size=(3, 4))
    x0[np.abs(x0) < 0.1] += 0.3  # away from ReLU's kink
    c = rng.normal(size=(3, 4))
    op = OPS[name]
    out_shape = op(Tensor(x0), c).shape
    R = rng.normal(size=out_shape)

    def f(x):
        return float((op(Tensor(x), c) * R).sum().data)

    x = Tensor(x0)
    (op(x, c) * R).sum().backward()
    assert close(x.grad, central_difference(f, x0), 1e-7)


# ======== forks, repeated inputs, depth, repeated passes ========
def test_the_running_example():
    x = Tensor([[1.0], [2.0]])
    A = Tensor([[1.0, 2.0], [2.0, 3.0]])
    f = x.T @ A @ x
    f.backward()
    assert f.data.item() == 21
    assert x.grad.ravel().tolist() == [10, 16]
    assert np.array_equal(A.grad, x.data @ x.data.T)


def test_one_tensor_twice_in_one_operation():
    value = np.array([[1.0, -2.0, 3.0], [0.5, 4.0, -1.0]])
    x = Tensor(value)
    (x * x).sum().backward()
    assert np.array_equal(x.grad, 2 * value)
    x = Tensor(value)
    (x @ x.T).sum().backward()
    t = torch.tensor(value, requires_grad=True)
    (t @ t.T).sum().backward()
    assert close(x.grad, t.grad.numpy())


def test_a_fork_adds_both_paths():
    x = Tensor([1.0, 2.0])
    u, v = x.exp(), x * 3.0  # two paths from x
    (u * v).sum().backward()
    e = np.exp([1.0, 2.0])
    assert close(x.grad, e * 3 * np.array([1.0, 2.0]) + e * 3)
    # a shared intermediate reached first by the shorter path: z must
    # wait for both uses before it passes its gradient on
    x = Tensor([1.0, 2.0])
    z = x.exp()
    (z + z * z).sum().backward()
    assert close(x.grad, e + 2 * e * e)


def test_a_chain_of_ten_thousand_operations():
    x = Tensor(np.array([0.5, -0.25]))
    y = x
    for _ in range(10_000):
        y = y + 1.0
    y.sum().backward()  # no RecursionError: the order is iterative
    assert np.array_equal(x.grad, [1.0, 1.0])
    assert len(y.sum().topological_order()) == 10_002


def test_a_second_backward_adds_into_leaves_only():
    x = Tensor([[1.0], [2.0]])
    A = Tensor([[1.0, 2.0], [2.0, 3.0]])
    xA = x.T @ A
    f = xA @ x
    f.backward()
    first_x, first_xA = x.grad.copy(), xA.grad.copy()
    f.backward()
    assert np.array_equal(x.grad, 2 * first_x)  # leaves accumulate
    assert np.array_equal(xA.grad, first_xA)  # the rest start afresh
    x.grad = A.grad = None
    f.backward()
    assert np.array_equal(x.grad, first_x)


def test_constants_get_no_gradient():
    x = Tensor([1.0, 2.0])
    c = Tensor([3.0, 4.0], requires_grad=False)
    (x * c).sum().backward()
    assert c.grad is None
    assert np.array_equal(x.grad, [3.0, 4.0])
    assert close(unbroadcast(np.ones((2, 3, 4)), (3, 1)), np.full((3, 1), 8))


def test_dtypes():
    assert Tensor([1, 2]).data.dtype == np.float64
    assert Tensor(np.ones(2, np.float32)).data.dtype == np.float32
    x = Tensor(np.ones((2, 2), np.float32))
    (x @ x).relu().mean().backward()
    assert x.grad.dtype == np.float32


# ======== bad input ========
def tangent_of_wrong_shape():
    x = Tensor(np.ones(2))
    return jvp(x.exp(), {x: np.ones(3)})


@pytest.mark.parametrize("make, message", [
    (lambda: Tensor("abc"), "real numbers; got an array of dtype <U3"),
    (lambda: Tensor([1 + 2j]), "real numbers; got an array of dtype "
                               "complex128"),
    (lambda: Tensor([[1.0], [2.0, 3.0]]), "Tensor needs numbers"),
    (lambda: Tensor(np.ones((2, 3))) + np.ones((4,)),
     r"broadcast together with shapes \(2,3\) \(4,\)"),
    (lambda: Tensor(np.ones((2, 3))) - Tensor(np.ones((3, 3))),
     r"broadcast together with shapes \(2,3\) \(3,3\)"),
    (lambda: Tensor(np.ones((2, 3))) * np.ones((2, 2)),
     r"broadcast together with shapes \(2,3\) \(2,2\)"),
    (lambda: Tensor(np.ones((2, 3))) @ Tensor(np.ones((2, 3))),
     r"@ needs matrices \(m, n\) and \(n, p\); got shapes \(2, 3\) and "
     r"\(2, 3\)"),
    (lambda: Tensor(np.ones(3)) @ Tensor(np.ones(3)),
     r"got shapes \(3,\) and \(3,\)"),
    (lambda: np.ones((2, 2)) @ Tensor(np.ones((3, 1))),
     r"got shapes \(2, 2\) and \(3, 1\)"),
    (lambda: Tensor(np.ones((2, 3))).backward(),
     r"needs a scalar \(size 1\); got shape \(2, 3\)"),
    (lambda: Tensor(np.ones((2, 3))).backward(np.ones((3, 2))),
     r"tensor's shape \(2, 3\); got shape \(3, 2\)"),
    (lambda: tangent_of_wrong_shape(),
     r"its leaf's shape \(2,\); got shape \(3,\)"),
])
def test_bad_input_names_what_was_expected_and_what_came(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_a_seeded_backward_on_a_non_scalar():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    x.exp().backward(np.ones((2, 3)))
    assert close(x.grad, np.exp(x.data))


# ======== the MLP of "Backprop from scratch" ========
def torch_gradients(params, X, Y):
    tensors = [(torch.tensor(W, requires_grad=True),
                torch.tensor(b, requires_grad=True)) for W, b in params]
    A = torch.tensor(X)
    for W, b in tensors[:-1]:
        A = torch.relu(A @ W + b)
    W, b = tensors[-1]
    log_P = torch.log_softmax(A @ W + b, dim=1)
    (-(torch.tensor(Y) * log_P).sum(dim=1).mean()).backward()
    return [(W.grad.numpy(), b.grad.numpy()) for W, b in tensors]


@pytest.mark.parametrize("sizes", [[4, 8, 8, 3], [64, 128, 10]])
def test_mlp_gradients_match_nn_numpy_and_pytorch(sizes):
    rng = np.random.default_rng(1)
    X = rng.normal(size=(32, sizes[0]))
    Y = data.one_hot(rng.integers(0, sizes[-1], 32), sizes[-1])
    model = nn_numpy.MLP(sizes, seed=1)
    params = nn_autodiff.tensors(model.get_params())
    nn_autodiff.mlp_loss(params, X, Y).backward()
    hand = model.backward(X, Y)
    theirs = torch_gradients(model.get_params(), X, Y)
    for (W, b), (hW, hb), (tW, tb) in zip(params, hand, theirs):
        assert close(W.grad, hW, 1e-12) and close(b.grad, hb, 1e-12)
        assert close(W.grad, tW, 1e-12) and close(b.grad, tb, 1e-12)


def test_training_the_toy_problem_matches_nn_numpy_epoch_by_epoch():
    X, Y = data.toy_problem()
    model = nn_numpy.MLP([4, 8, 8, 3], seed=0)
    params = nn_autodiff.tensors(model.get_params())
    ours = nn_autodiff.fit(params, X, Y, epochs=30, lr=0.1, batch_size=1)
    hand = model.fit(X, Y, 30, 0.1, 1, None)
    assert close(ours, hand, 1e-12)
    for (W, b), (hW, hb) in zip(params, model.get_params()):
        assert close(W.data, hW, 1e-12) and close(b.data, hb, 1e-12)
