"""The NumPy MLP and the data sets: shapes, stability, training, errors.

The checks against PyTorch and Keras are in test_nn_frameworks.py;
here the MLP is checked against finite differences and itself.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradbook import nn_numpy
from gradbook.data import (
    digits_split,
    iris_split,
    one_hot,
    standardise,
    toy_problem,
)
from gradbook.nn_numpy import (
    MLP,
    Dense,
    log_softmax,
    relu,
    relu_derivative,
    softmax,
)


# ---- activations, softmax, loss ----
def test_relu_and_its_derivative_take_zero_at_zero():
    Z = np.array([[-2.0, 0.0, 3.0]])
    np.testing.assert_array_equal(relu(Z), [[0.0, 0.0, 3.0]])
    np.testing.assert_array_equal(relu_derivative(Z), [[0.0, 0.0, 1.0]])
    assert relu_derivative(Z.astype(np.float32)).dtype == np.float32


def test_softmax_is_stable_where_the_naive_formula_overflows():
    Z = np.array([[1000.0, 0.0, -1000.0], [800.0, 800.0, 0.0]])
    with np.errstate(over="raise"), pytest.raises(FloatingPointError):
        np.exp(Z)
    P = softmax(Z)
    assert np.all(np.isfinite(P))
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_allclose(P[1], [0.5, 0.5, 0.0], atol=1e-300)
    log_P = log_softmax(Z)
    assert np.all(np.isfinite(log_P))
    np.testing.assert_allclose(log_P[0], [0.0, -1000.0, -2000.0])


@settings(max_examples=50, deadline=None, derandomize=True)
@given(st.integers(0, 2**32 - 1), st.floats(-50, 50))
def test_softmax_matches_the_definition_and_ignores_shifts(seed, c):
    Z = np.random.default_rng(seed).normal(size=(5, 4))
    naive = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(softmax(Z), naive, rtol=1e-12)
    np.testing.assert_allclose(softmax(Z + c), naive, rtol=1e-9)
    np.testing.assert_allclose(log_softmax(Z), np.log(naive), atol=1e-12)


def scores_model(Z_of_identity):
    """A k -> k' MLP with W = the given scores, b = 0: XW for X = I."""
    W = np.asarray(Z_of_identity, dtype=float)
    return MLP.from_params([(W, np.zeros(W.shape[1]))])


def test_loss_is_the_mean_cross_entropy_and_fit_takes_labels_too():
    Z = np.array([[2.0, 1.0, 0.1], [0.0, 3.0, -1.0]])
    y = np.array([0, 2])
    P = softmax(Z)
    expected = -(np.log(P[0, 0]) + np.log(P[1, 2])) / 2
    model, X = scores_model(Z), np.eye(2)
    assert model.loss(X, one_hot(y, 3)) == pytest.approx(expected,
                                                         rel=1e-14)
    # fit's first epoch reports the loss before its step; lr 0 keeps W
    assert model.fit(X, y, 1, 0.0) == pytest.approx([expected], rel=1e-14)
    assert model.fit(X, one_hot(y, 3), 1, 0.0) == pytest.approx(
        [expected], rel=1e-14)


def test_loss_stays_finite_where_a_probability_underflows_to_zero():
    model = scores_model([[0.0, -1000.0]])
    assert model.forward(np.eye(1))[0, 1] == 0.0
    Y = np.array([[0.0, 1.0]])
    assert model.loss(np.eye(1), Y) == pytest.approx(1000.0)


# ---- the dense layer and the network ----
def test_dense_forward_is_xW_plus_b_then_relu():
    layer = Dense(3, 2, "relu", np.random.default_rng(1))
    assert layer.W.shape == (3, 2) and layer.b.shape == (1, 2)
    X = np.array([[1.0, -2.0, 0.5], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(
        layer.forward(X), np.maximum(X @ layer.W + layer.b, 0)
    )
    assert layer.n_params() == 3 * 2 + 2


def test_initialisation_is_he_uniform_relu_bias_and_glorot_output():
    model = MLP([50, 40, 30], seed=3)
    hidden, output = model.layers
    assert np.abs(hidden.W).max() <= np.sqrt(6 / 50)
    assert np.abs(hidden.W).max() > 0.9 * np.sqrt(6 / 50)
    assert np.abs(output.W).max() <= np.sqrt(6 / 70)
    np.testing.assert_array_equal(hidden.b, nn_numpy.RELU_BIAS)
    np.testing.assert_array_equal(output.b, 0.0)
    same = MLP([50, 40, 30], seed=3).get_params()
    other = MLP([50, 40, 30], seed=4).get_params()
    np.testing.assert_array_equal(same[0][0], hidden.W)
    assert not np.array_equal(other[0][0], hidden.W)


def test_he_variance_keeps_the_second_moment_of_z_layer_to_layer():
    """The claim in the docstrings of nn_python_layers.DenseLayer and
    nn_numpy: with weights of variance 2/n_in (He uniform) and b = 0,
    E[z²] of a ReLU layer's pre-activations, the expectation taken over
    the draw of the weights and the inputs, equals that of the layer
    before. Half that variance (1/n_in) halves E[z²] at every layer
    instead. (One draw of the weights alone can be 20-30 % off per
    layer; the mean over 60 draws is within a few per cent.)"""
    n, depth, m, draws = 128, 5, 64, 60
    X = np.random.default_rng(0).normal(size=(m, n))
    for scale, ratio in ((1.0, 1.0), (np.sqrt(0.5), 0.5)):
        second = np.zeros(depth)
        for seed in range(draws):
            model = MLP([n] * (depth + 1) + [2], seed=seed)
            he = [(W, np.zeros_like(b)) for W, b in model.get_params()]
            if seed == 0:
                assert np.var(he[0][0]) == pytest.approx(2 / n, rel=0.02)
            model.set_params([(scale * W, b) for W, b in he])
            model.forward(X)
            second += [np.mean(layer.Z ** 2) for layer in model.layers[:-1]]
        np.testing.assert_allclose(second[1:] / second[:-1], ratio,
                                   rtol=0.06)


def test_forward_gives_probabilities_and_predict_their_argmax():
    X, _ = toy_problem()
    model = MLP([4, 8, 8, 3], seed=0)
    P = model.forward(X)
    assert P.shape == (4, 3)
    np.testing.assert_allclose(P.sum(axis=1), 1.0)
    np.testing.assert_array_equal(model.predict(X), P.argmax(axis=1))


def finite_difference(model, X, Y, h=1e-6):
    """Central differences of the loss for every parameter."""
    grads = []
    for layer in model.layers:
        pair = []
        for theta in (layer.W, layer.b):
            g = np.zeros_like(theta)
            for index in np.ndindex(theta.shape):
                saved = theta[index]
                theta[index] = saved + h
                up = model.loss(X, Y)
                theta[index] = saved - h
                down = model.loss(X, Y)
                theta[index] = saved
                g[index] = (up - down) / (2 * h)
            pair.append(g)
        grads.append(tuple(pair))
    return grads


@settings(max_examples=10, deadline=None, derandomize=True)
@given(st.integers(0, 2**32 - 1), st.integers(1, 6))
def test_backward_matches_finite_differences(seed, m):
    rng = np.random.default_rng(seed)
    model = MLP([3, 5, 4, 3], seed=seed)
    X = rng.normal(size=(m, 3))
    Y = one_hot(rng.integers(0, 3, size=m), 3)
    numeric = finite_difference(model, X, Y)
    for (grad_W, grad_b), (num_W, num_b) in zip(
        model.backward(X, Y), numeric
    ):
        np.testing.assert_allclose(grad_W, num_W, atol=1e-7)
        np.testing.assert_allclose(grad_b, num_b, atol=1e-7)


def test_backward_changes_nothing_and_step_is_sgd():
    X, Y = toy_problem()
    model = MLP([4, 8, 8, 3], seed=2)
    before = model.get_params()
    grads = model.backward(X, Y)
    for (W, b), layer in zip(before, model.layers):
        np.testing.assert_array_equal(W, layer.W)
        np.testing.assert_array_equal(b, layer.b)
    model.step(grads, 0.5)
    for (W, b), (gW, gb), layer in zip(before, grads, model.layers):
        np.testing.assert_allclose(layer.W, W - 0.5 * gW)
        np.testing.assert_allclose(layer.b, b - 0.5 * gb)


def test_fit_is_the_same_for_labels_and_one_hot_rows():
    X, Y = toy_problem()
    by_rows, by_labels = MLP([4, 8, 8, 3], seed=5), MLP([4, 8, 8, 3], seed=5)
    assert by_rows.fit(X, Y, 3, 0.1, 2) == by_labels.fit(
        X, Y.argmax(axis=1), 3, 0.1, 2)
    for (a, b), (c, d) in zip(by_rows.get_params(), by_labels.get_params()):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)


def test_fit_per_sample_is_a_loop_of_backward_and_step():
    X, Y = toy_problem()
    fitted = MLP([4, 8, 8, 3], seed=7)
    by_hand = MLP([4, 8, 8, 3], seed=7)
    losses = fitted.fit(X, Y, 3, 0.1, batch_size=1, shuffle_seed=None)
    expected = []
    for _ in range(3):
        total = 0.0
        for i in range(4):
            total += by_hand.loss(X[i:i + 1], Y[i:i + 1])
            by_hand.step(by_hand.backward(X[i:i + 1], Y[i:i + 1]), 0.1)
        expected.append(total / 4)
    np.testing.assert_allclose(losses, expected, rtol=1e-13)
    for a, b in zip(fitted.get_params(), by_hand.get_params()):
        np.testing.assert_allclose(a[0], b[0], rtol=1e-13)


def test_fit_shuffles_with_its_seed_and_full_batch_is_deterministic():
    X, _, y, _ = iris_split()
    first = MLP([4, 8, 3], seed=0).fit(X, y, 3, 0.1, 16, shuffle_seed=1)
    again = MLP([4, 8, 3], seed=0).fit(X, y, 3, 0.1, 16, shuffle_seed=1)
    other = MLP([4, 8, 3], seed=0).fit(X, y, 3, 0.1, 16, shuffle_seed=2)
    assert first == again and first != other
    model = MLP([4, 8, 3], seed=0)
    start = model.loss(X, one_hot(y, 3))
    assert model.fit(X, y, 1, 0.1)[0] == pytest.approx(start, rel=1e-14)


def dead_input_during(model, X, Y, epochs):
    """Fit epoch by epoch; True if some input had a hidden layer all off."""
    dead = False
    for _ in range(epochs):
        counts = model.active_units(X)
        dead |= any(bool(np.any(c == 0)) for c in counts)
        model.fit(X, Y, 1, 0.1, batch_size=1, shuffle_seed=None)
    return dead


def test_toy_problem_trains_from_100_seeds():
    """The source's toy problem: per-sample SGD, lr 0.1, 4→8→8→3.

    Every seed trains without error and lowers its loss. Not every
    seed gets under 0.1 by epoch 50: measured over seeds 0..999, 7
    do not, each because its ReLUs died for some input (a hidden layer
    all zero), and each gets there by epoch 100. So: at most 3 of 100
    slow seeds, each with a dead hidden layer, each under 0.1 later.
    """
    X, Y = toy_problem()
    slow = []
    for seed in range(100):
        model = MLP([4, 8, 8, 3], seed=seed)
        losses = model.fit(X, Y, 50, 0.1, batch_size=1, shuffle_seed=None)
        assert len(losses) == 50 and np.all(np.isfinite(losses))
        assert losses[-1] < losses[0]
        if min(losses) >= 0.1:
            slow.append(seed)
    assert len(slow) <= 3, f"seeds that missed 0.1 by epoch 50: {slow}"
    for seed in slow:
        model = MLP([4, 8, 8, 3], seed=seed)
        assert dead_input_during(model, X, Y, 50), seed
        later = model.fit(X, Y, 50, 0.1, batch_size=1, shuffle_seed=None)
        assert min(later) < 0.1, seed


def test_iris_is_learned():
    X_train, X_test, y_train, y_test = iris_split()
    model = MLP([4, 8, 8, 3], seed=0)
    losses = model.fit(X_train, y_train, 100, 0.05, batch_size=16)
    assert losses[-1] < 0.25 * losses[0]
    assert model.accuracy(X_test, y_test) >= 0.9


def test_summary_counts_every_layer():
    text = MLP([4, 8, 8, 3]).summary()
    lines = text.splitlines()
    assert lines[0] == "MLP 4 -> 8 -> 8 -> 3"
    assert lines[2].split() == ["1", "4", "8", "relu", "40"]
    assert lines[3].split() == ["2", "8", "8", "relu", "72"]
    assert lines[4].split() == ["3", "8", "3", "softmax", "27"]
    assert lines[5].split() == ["total", "139"]
    assert MLP([3, 2]).summary().splitlines()[-1].split() == ["total", "8"]


def test_params_are_copies_and_round_trip():
    model = MLP([4, 8, 3], seed=0)
    params = model.get_params()
    params[0][0][0, 0] = 99.0
    assert model.layers[0].W[0, 0] != 99.0
    other = MLP([4, 8, 3], seed=1)
    other.set_params([(W.tolist(), b.ravel())
                      for W, b in model.get_params()])
    X, _ = toy_problem()
    np.testing.assert_array_equal(other.forward(X), model.forward(X))
    rebuilt = MLP.from_params(model.get_params())
    assert rebuilt.sizes == [4, 8, 3]
    np.testing.assert_array_equal(rebuilt.forward(X), model.forward(X))


def test_float32_model_computes_in_float32():
    X, Y = toy_problem()
    model = MLP([4, 8, 3], seed=0, dtype=np.float32)
    X, Y = X.astype(np.float32), Y.astype(np.float32)
    assert model.forward(X).dtype == np.float32
    assert all(g.dtype == np.float32 for pair in model.backward(X, Y)
               for g in pair)
    model.fit(X, Y, 2, 0.1)
    assert model.layers[0].W.dtype == np.float32


# ---- bad input: the entry points check once ----
def test_wrong_input_width_names_both_shapes():
    model = MLP([4, 8, 3])
    with pytest.raises(ValueError,
                       match=r"shape \(m, 4\).*got shape \(2, 3\)"):
        model.predict(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"got shape \(4,\).*reshape"):
        model.predict(np.zeros(4))
    with pytest.raises(ValueError, match=r"got shape \(2, 3\)"):
        model.fit(np.zeros((2, 3)), [0, 1], 1, 0.1)
    with pytest.raises(ValueError, match=r"got shape \(2, 3\)"):
        model.accuracy(np.zeros((2, 3)), [0, 1])


def test_empty_batch_is_refused():
    model = MLP([4, 8, 3])
    with pytest.raises(ValueError, match=r"empty batch.*\(0, 4\)"):
        model.predict(np.zeros((0, 4)))
    with pytest.raises(ValueError, match="empty batch"):
        model.fit(np.zeros((0, 4)), np.zeros(0, dtype=int), 1, 0.1)


def test_bad_labels_are_refused():
    model = MLP([4, 8, 3])
    X = np.zeros((2, 4))
    with pytest.raises(ValueError, match=r"label 3 is out of range.*0\.\.2"):
        model.fit(X, [0, 3], 1, 0.1)
    with pytest.raises(ValueError, match=r"label -1 is out of range"):
        model.accuracy(X, [-1, 0])
    with pytest.raises(ValueError,
                       match=r"expected 2 labels.*got shape \(3,\)"):
        model.fit(X, [0, 1, 2], 1, 0.1)
    with pytest.raises(ValueError, match="must be integers"):
        model.fit(X, [0.5, 1.0], 1, 0.1)


def test_one_hot_rows_must_sum_to_one():
    model = MLP([4, 8, 3])
    X = np.zeros((2, 4))
    with pytest.raises(ValueError, match=r"row 1 is \[1\.0, 1\.0, 0\.0\] "
                       r"and sums to 2"):
        model.fit(X, [[1, 0, 0], [1, 1, 0]], 1, 0.1)
    with pytest.raises(ValueError,
                       match=r"shape \(2, 3\).*got shape \(2, 4\)"):
        model.fit(X, np.eye(4)[:2], 1, 0.1)
    with pytest.raises(ValueError, match="row 0"):
        model.fit(X[:1], [[0.0, 0.0, 0.0]], 1, 0.1)


def test_bad_parameters_and_sizes_are_refused():
    model = MLP([4, 8, 3])
    params = model.get_params()
    with pytest.raises(ValueError, match=r"layer 2: W must have shape "
                       r"\(8, 3\); got shape \(3, 8\)"):
        model.set_params([params[0], (params[1][0].T, params[1][1])])
    with pytest.raises(ValueError, match=r"layer 1: b must have shape"):
        model.set_params([(params[0][0], np.zeros(7)), params[1]])
    with pytest.raises(ValueError, match="expected 2"):
        model.set_params(params[:1])
    with pytest.raises(ValueError, match="sizes must be"):
        MLP([4])
    with pytest.raises(ValueError, match="sizes must be"):
        MLP([4, 0, 3])
    with pytest.raises(ValueError, match="activation must be"):
        Dense(2, 2, "tanh")


# ---- the data ----
def test_toy_problem_is_the_source_data():
    X, Y = toy_problem()
    np.testing.assert_array_equal(X, np.eye(4))
    np.testing.assert_array_equal(Y.argmax(axis=1), [0, 1, 2, 0])
    np.testing.assert_array_equal(Y.sum(axis=1), 1.0)


def test_iris_and_digits_are_split_and_standardised_on_train():
    X_train, X_test, y_train, y_test = iris_split(seed=0)
    assert X_train.shape == (120, 4) and X_test.shape == (30, 4)
    assert y_train.dtype == np.int64 and set(y_test) == {0, 1, 2}
    np.testing.assert_allclose(X_train.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(X_train.std(axis=0), 1.0)
    assert np.abs(X_test.mean(axis=0)).max() > 1e-3  # train's mean, not its
    assert np.bincount(y_test).tolist() == [10, 10, 10]  # stratified
    again = iris_split(seed=0)
    np.testing.assert_array_equal(again[0], X_train)
    assert not np.array_equal(iris_split(seed=1)[0], X_train)
    D_train, D_test, d_train, d_test = digits_split()
    assert D_train.shape[1] == 64 and D_train.shape[0] + D_test.shape[0] \
        == 1797
    assert set(d_train) == set(range(10))
    assert np.all(np.isfinite(D_train)) and np.all(np.isfinite(D_test))


def test_one_hot_and_standardise_check_their_input():
    np.testing.assert_array_equal(one_hot([2, 0], 3), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match=r"label 5 is out of range"):
        one_hot([5], 3)
    with pytest.raises(ValueError, match=r"shape \(m,\).*got shape \(1, 2\)"):
        one_hot([[0, 1]], 3)
    with pytest.raises(ValueError, match="positive number of classes"):
        one_hot([0], 0)
    with pytest.raises(ValueError, match=r"X_test must have shape \(m, 2\)"):
        standardise(np.ones((3, 2)), np.ones((3, 3)))
    with pytest.raises(ValueError, match="test_fraction"):
        iris_split(test_fraction=1.5)
