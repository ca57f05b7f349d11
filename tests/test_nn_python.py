"""The plain-Python MLP: the same network as the NumPy one, sample by
sample; stable softmax; summaries; bad input. (Against PyTorch: see
test_nn_frameworks.py.)"""

import math
import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradbook import nn_numpy, nn_python
from gradbook.data import one_hot, toy_problem
from gradbook.nn_python import MLP
from gradbook.nn_python_layers import (
    SoftmaxLayer,
    log_softmax,
    relu,
    relu_derivative,
)


def test_relu_and_its_derivative():
    assert relu([-1.0, 0.0, 2.5]) == [0.0, 0.0, 2.5]
    assert relu_derivative([-1.0, 0.0, 2.5]) == [0.0, 0.0, 1.0]


def output_layer(z):
    """A 1 -> k SoftmaxLayer whose scores for the input [1.0] are z."""
    layer = SoftmaxLayer(1, len(z), random.Random(0))
    layer.W, layer.b = [list(z)], [0.0] * len(z)
    return layer


def test_softmax_does_not_overflow_where_the_source_did():
    with pytest.raises(OverflowError):
        math.exp(1000.0)
    p = output_layer([1000.0, 0.0, -1000.0]).forward([1.0])
    assert p[0] == pytest.approx(1.0) and sum(p) == pytest.approx(1.0)
    assert log_softmax([1000.0, 0.0]) == pytest.approx([0.0, -1000.0])
    z = [0.3, -1.2, 2.0]
    e = [math.exp(v) for v in z]
    assert output_layer(z).forward([1.0]) == pytest.approx(
        [v / sum(e) for v in e], rel=1e-14)


def test_loss_from_labels_and_one_hot_agree_and_stays_finite_at_p_zero():
    z = [2.0, 1.0, 0.1]
    layer = output_layer(z)
    p = layer.forward([1.0])
    assert layer.loss([0, 1, 0]) == pytest.approx(-math.log(p[1]),
                                                  rel=1e-14)
    assert layer.delta([0, 1, 0]) == pytest.approx([p[0], p[1] - 1, p[2]])
    model = MLP.from_params([([z], [0.0] * 3)])  # the MLP takes labels
    assert model.loss([1.0], 1) == model.loss([1.0], [0, 1, 0]) == (
        layer.loss([0, 1, 0]))
    layer = output_layer([0.0, -1000.0])
    assert layer.forward([1.0])[1] == 0.0  # p underflows to 0
    assert layer.loss([0, 1]) == pytest.approx(1000.0)  # ℓ from log p


@settings(max_examples=25, deadline=None, derandomize=True)
@given(
    st.lists(st.integers(1, 8), min_size=1, max_size=3),
    st.integers(1, 6),
    st.integers(0, 2**32 - 1),
)
def test_same_outputs_and_gradients_as_the_numpy_form(hidden, m, seed):
    rng = np.random.default_rng(seed)
    sizes = [3] + hidden + [4]
    fast = nn_numpy.MLP(sizes, seed=seed)
    slow = MLP(sizes, seed=seed)
    slow.set_params(fast.get_params())
    X = rng.normal(size=(m, 3))
    y = rng.integers(0, 4, size=m)
    np.testing.assert_allclose(
        [slow.forward(x) for x in X], fast.forward(X), rtol=1e-12
    )
    grads, loss = slow.batch_gradients(X.tolist(), y.tolist())
    Y = one_hot(y, 4)
    assert loss == pytest.approx(fast.loss(X, Y), rel=1e-12)
    for (a, b), (c, d) in zip(grads, fast.backward(X, Y)):
        np.testing.assert_allclose(np.array(a), c, atol=1e-14)
        np.testing.assert_allclose(np.array(b), d[0], atol=1e-14)


def test_backward_of_one_sample_changes_no_weight():
    X, Y = toy_problem()
    model = MLP([4, 8, 8, 3], seed=1)
    before = model.get_params()
    grads = model.backward(X[0].tolist(), 0)
    assert model.get_params() == before
    assert [(len(gW), len(gW[0]), len(gb)) for gW, gb in grads] == [
        (4, 8, 8), (8, 8, 8), (8, 3, 3)
    ]
    model.step(grads, 0.1)
    (W0, b0), (gW0, gb0) = before[0], grads[0]
    expected = W0[1][2] - 0.1 * gW0[1][2]
    assert model.layers[0].W[1][2] == pytest.approx(expected)
    assert model.layers[0].b[3] == pytest.approx(b0[3] - 0.1 * gb0[3])


def test_fit_is_the_source_per_sample_sgd_and_matches_numpy():
    X, Y = toy_problem()
    slow = MLP([4, 8, 8, 3], seed=4)
    fast = nn_numpy.MLP.from_params(slow.get_params())
    slow_losses = slow.fit(X.tolist(), Y.tolist(), 20, 0.1)
    fast_losses = fast.fit(X, Y, 20, 0.1, batch_size=1, shuffle_seed=None)
    np.testing.assert_allclose(slow_losses, fast_losses, rtol=1e-12)
    assert slow.predict(X.tolist()) == fast.predict(X).tolist()
    batched = MLP([4, 8, 8, 3], seed=4)
    fast = nn_numpy.MLP.from_params(batched.get_params())
    np.testing.assert_allclose(
        batched.fit(X.tolist(), Y.tolist(), 5, 0.1, batch_size=2),
        fast.fit(X, Y, 5, 0.1, batch_size=2, shuffle_seed=None),
        rtol=1e-12,
    )
    shuffled = MLP([4, 8, 8, 3], seed=4).fit(
        X.tolist(), Y.tolist(), 5, 0.1, shuffle_seed=0
    )
    assert shuffled != slow_losses[:5]


def test_toy_problem_trains_from_100_seeds():
    """The plain form is fast enough to train the toy problem 100 times.

    Its initial weights come from random.Random(seed), not NumPy's
    generator, so its slow seeds differ (measured over 0..999: 15 miss
    0.1 by epoch 50). Each slow seed must be explained by dead ReLUs:
    its twin in NumPy (same weights, same per-sample SGD) has an input
    whose hidden layer is all zero during training.
    """
    X, Y = toy_problem()
    slow = []
    for seed in range(100):
        model = MLP([4, 8, 8, 3], seed=seed)
        start = model.get_params()
        losses = model.fit(X.tolist(), Y.tolist(), 50, 0.1)
        assert all(math.isfinite(v) for v in losses)
        assert losses[-1] < losses[0]
        if min(losses) >= 0.1:
            slow.append((seed, start))
    assert len(slow) <= 3, f"seeds that missed 0.1: {[s for s, _ in slow]}"
    for seed, start in slow:
        twin = nn_numpy.MLP.from_params(start)
        dead = False
        for _ in range(50):
            dead |= any(bool(np.any(c == 0)) for c in twin.active_units(X))
            twin.fit(X, Y, 1, 0.1, batch_size=1, shuffle_seed=None)
        assert dead, seed


def test_summary_is_the_numpy_summary():
    assert MLP([4, 8, 8, 3]).summary() == nn_numpy.MLP([4, 8, 8, 3]).summary()
    assert "softmax" in MLP([3, 2]).summary()


def test_set_params_takes_arrays_and_rows_and_checks_shapes():
    model = MLP([2, 3, 2], seed=0)
    W1, b1 = np.ones((2, 3)), np.full((1, 3), 0.5)
    W2, b2 = np.ones((3, 2)), np.zeros(2)
    model.set_params([(W1, b1), (W2, b2)])
    assert model.get_params()[0] == ([[1.0] * 3] * 2, [0.5] * 3)
    with pytest.raises(ValueError, match=r"layer 1: W must have shape "
                       r"\(2, 3\); got shape \(3, 2\)"):
        model.set_params([(W1.T, b1), (W2, b2)])
    with pytest.raises(ValueError,
                       match=r"layer 2: b must have shape \(2,\)"):
        model.set_params([(W1, b1), (W2, [0.0])])
    params = model.get_params()
    params[0][0][0][0] = 42.0
    assert model.layers[0].W[0][0] == 1.0
    rebuilt = MLP.from_params([(W1, b1), (W2, b2)])
    assert rebuilt.sizes == [2, 3, 2]
    assert rebuilt.get_params() == model.get_params()
    with pytest.raises(ValueError, match="non-empty list"):
        MLP.from_params([])


def test_bad_input_is_refused_with_shapes():
    model = MLP([4, 8, 3])
    with pytest.raises(ValueError, match=r"shape \(4,\).*got shape \(3,\)"):
        model.forward([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match=r"got shape \(2, 4\)"):
        model.forward([[0.0] * 4, [1.0] * 4])
    with pytest.raises(ValueError, match=r"label 3 is out of range.*0\.\.2"):
        model.loss([0.0] * 4, 3)
    with pytest.raises(ValueError, match=r"sum to 1.*sum 2\.0"):
        model.backward([0.0] * 4, [1, 1, 0])
    with pytest.raises(ValueError, match=r"one-hot row of shape \(3,\)"):
        model.backward([0.0] * 4, [1, 0])
    with pytest.raises(ValueError, match="empty batch"):
        model.fit([], [], 1, 0.1)
    with pytest.raises(ValueError, match="empty batch"):
        model.batch_gradients([], [])
    with pytest.raises(ValueError, match="2 samples but Y has 1"):
        model.fit([[0.0] * 4] * 2, [0], 1, 0.1)
    with pytest.raises(ValueError, match="sizes must be"):
        MLP([4, -1, 3])
    with pytest.raises(ValueError, match="expected 2"):
        model.step(model.backward([0.0] * 4, 0)[:1], 0.1)
