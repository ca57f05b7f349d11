"""Both from-scratch MLPs against PyTorch autograd and Keras.

Random architectures (1 to 3 hidden layers of 1 to 16 units), batch
sizes and seeds: the gradients equal torch.autograd's in float64 to
1e-10, one SGD step equals torch.optim.SGD's, and Keras computes the
same outputs and loss from the same weights (to float32 precision).
"""

import jax
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import gradbook  # noqa: F401  (quiet TensorFlow before Keras loads it)
from gradbook import nn_jax, nn_numpy, nn_python, nn_python_layers
from gradbook.data import iris_split, one_hot, toy_problem
from gradbook.checks import check_params
from gradbook.nn_frameworks import (
    fit_keras,
    fit_torch,
    keras_forward,
    keras_mlp,
    keras_params,
    torch_forward,
    torch_mlp,
    torch_mlp_gradients,
)

from framework_support import keras_loss, torch_loss, torch_sgd_step

# JAX keeps float32 unless asked: the book compares in float64.
jax.config.update("jax_enable_x64", True)


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Tiny matrices: one thread is fastest (and fair); restored after."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


# JAX compiles for every new shape (about 0.5 s, eager or jit): its
# tests draw the values afresh but the shapes from a few, so most of
# their examples reuse a compilation.
JAX_SHAPES = [(3, [5], 2, 1), (4, [8, 8], 3, 6), (7, [1, 9], 5, 16)]


@st.composite
def problems(draw, few_shapes=False):
    """A random network, its params (float64), a batch X and labels y."""
    if few_shapes:
        n_in, hidden, k, m = draw(st.sampled_from(JAX_SHAPES))
    else:
        n_in = draw(st.integers(1, 16))
        hidden = draw(st.lists(st.integers(1, 16), min_size=1,
                               max_size=3))
        k = draw(st.integers(2, 8))
        m = draw(st.integers(1, 16))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    model = nn_numpy.MLP([n_in] + hidden + [k], seed=seed)
    # random biases too, so that no ReLU sits at exactly 0 by design
    params = [(W, rng.normal(size=b.shape)) for W, b in model.get_params()]
    X = rng.normal(size=(m, n_in))
    y = rng.integers(0, k, size=m)
    return params, X, y


def assert_params_close(got, expected, atol):
    assert len(got) == len(expected)
    for (W, b), (W_e, b_e) in zip(got, expected):
        W_e, b_e = np.asarray(W_e), np.asarray(b_e).reshape(1, -1)
        np.testing.assert_allclose(np.asarray(W), W_e, rtol=0, atol=atol)
        np.testing.assert_allclose(
            np.asarray(b).reshape(1, -1), b_e, rtol=0, atol=atol
        )


@settings(max_examples=60, deadline=None, derandomize=True)
@given(problems())
def test_numpy_gradients_equal_autograd(problem):
    params, X, y = problem
    Y = one_hot(y, params[-1][0].shape[1])
    model = nn_numpy.MLP.from_params(params)
    expected = torch_mlp_gradients(params, X, y)
    assert_params_close(model.backward(X, Y), expected, atol=1e-10)
    assert model.loss(X, Y) == pytest.approx(
        torch_loss(params, X, y), rel=1e-12
    )


@settings(max_examples=25, deadline=None, derandomize=True)
@given(problems())
def test_python_gradients_equal_autograd(problem):
    params, X, y = problem
    model = nn_python.MLP(
        [params[0][0].shape[0]] + [W.shape[1] for W, _ in params]
    )
    model.set_params(params)
    expected = torch_mlp_gradients(params, X, y)
    grads, loss = model.batch_gradients(X.tolist(), y.tolist())
    assert_params_close(grads, expected, atol=1e-10)
    assert loss == pytest.approx(torch_loss(params, X, y), rel=1e-12)
    one = torch_mlp_gradients(params, X[:1], y[:1])
    assert_params_close(model.backward(X[0], int(y[0])), one, atol=1e-10)


def autograd_dL_dZ(params, X, y):
    """∂L/∂Z of every layer, first layer first, by torch.autograd.

    L is the mean cross-entropy of the batch; each Z (m, n_out) is a
    layer's pre-activation, kept with retain_grad().
    """
    A, Zs = torch.from_numpy(X), []
    for number, (W, b) in enumerate(params, 1):
        W = torch.tensor(W, requires_grad=True)
        Z = A @ W + torch.from_numpy(b.reshape(1, -1))
        Z.retain_grad()
        Zs.append(Z)
        A = torch.relu(Z) if number < len(params) else Z
    L = torch.nn.functional.cross_entropy(Z, torch.from_numpy(y))
    L.backward()
    return [Z.grad.numpy() for Z in Zs]


def deltas_seen(layer_class, run):
    """The δ that each call of layer_class.gradients receives in run()."""
    seen, gradients = [], layer_class.gradients

    def spy(layer, delta, *args):
        seen.append(np.array(delta, dtype=np.float64))
        return gradients(layer, delta, *args)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(layer_class, "gradients", spy)
        run()
    return seen[::-1]  # backward meets the top layer first


@settings(max_examples=20, deadline=None, derandomize=True)
@given(problems())
def test_delta_is_dL_dZ_of_the_mean_loss_and_dl_dz_of_one_sample(problem):
    """One symbol, one object: the δ the code computes is ∂L/∂Z (L the
    mean loss of the batch) in nn_numpy, and ∂ℓ/∂z (ℓ one sample's loss,
    the same with m = 1) in nn_python; so the NumPy δ of a batch of m
    rows is the plain δ of each row divided by m."""
    params, X, y = problem
    m = X.shape[0]
    expected = autograd_dL_dZ(params, X, y)
    fast = nn_numpy.MLP.from_params(params)
    Y = one_hot(y, params[-1][0].shape[1])
    batch = deltas_seen(nn_numpy.Dense, lambda: fast.backward(X, Y))
    slow = nn_python.MLP.from_params(params)
    rows = [
        deltas_seen(nn_python_layers.DenseLayer,
                    lambda: slow.backward(x, int(label)))
        for x, label in zip(X.tolist(), y)
    ]
    assert len(batch) == len(rows[0]) == len(expected)
    for number, dL_dZ in enumerate(expected):
        np.testing.assert_allclose(batch[number], dL_dZ, rtol=0,
                                   atol=1e-12)
        per_sample = np.array([row[number] for row in rows])
        np.testing.assert_allclose(per_sample, m * dL_dZ, rtol=0,
                                   atol=1e-12)
    P = fast.forward(X)  # and at the output, δ = (P − Y)/m
    np.testing.assert_allclose(batch[-1], (P - Y) / m,
                               rtol=0, atol=1e-15)
@settings(max_examples=15, deadline=None, derandomize=True)
@given(problems(), st.floats(0.001, 1.0))
def test_one_sgd_step_equals_torch_optim_sgd(problem, lr):
    params, X, y = problem
    expected = torch_sgd_step(params, X, y, lr)
    fast = nn_numpy.MLP.from_params(params)
    fast.step(fast.backward(X, one_hot(y, fast.sizes[-1])), lr)
    assert_params_close(fast.get_params(), expected, atol=1e-10)
    slow = nn_python.MLP(fast.sizes)
    slow.set_params(params)
    slow.step(slow.batch_gradients(X.tolist(), y.tolist())[0], lr)
    assert_params_close(slow.get_params(), expected, atol=1e-10)


def test_relu_derivative_at_zero_is_torchs():
    """Z exactly 0 (zero input, zero bias): both take the slope 0 there."""
    X, Y = toy_problem()
    model = nn_numpy.MLP([4, 8, 8, 3], seed=0)
    params = [(W, np.zeros_like(b)) for W, b in model.get_params()]
    X0 = np.zeros((2, 4))
    model.set_params(params)
    model.forward(X0)
    assert np.all(model.layers[0].Z == 0)
    assert_params_close(
        model.backward(X0, Y[:2]), torch_mlp_gradients(params, X0, Y[:2]),
        atol=1e-15,
    )


def test_torch_mlp_holds_the_transposed_weights():
    params = nn_numpy.MLP([4, 8, 3], seed=0).get_params()
    model = torch_mlp(params)
    assert model[0].weight.dtype == torch.float64
    assert model[0].weight.shape == (8, 4)
    np.testing.assert_array_equal(model[0].weight.detach().numpy(),
                                  params[0][0].T)
    assert isinstance(model[1], torch.nn.ReLU) and len(model) == 3
    X, _ = toy_problem()
    np.testing.assert_allclose(
        torch_forward(params, X),
        nn_numpy.MLP.from_params(params).forward(X), rtol=1e-13,
    )


def test_keras_gives_the_same_outputs_and_loss():
    rng = np.random.default_rng(0)
    for sizes in ([4, 8, 8, 3], [7, 16, 1, 9, 6]):
        params = nn_numpy.MLP(sizes, seed=len(sizes)).get_params()
        params = [(W, rng.normal(size=b.shape)) for W, b in params]
        X = rng.normal(size=(11, sizes[0]))
        y = rng.integers(0, sizes[-1], size=11)
        model = nn_numpy.MLP.from_params(params)
        P = keras_forward(params, X)
        assert P.dtype == np.float32
        np.testing.assert_allclose(P, model.forward(X), rtol=1e-4,
                                   atol=1e-6)
        assert keras_loss(params, X, y) == pytest.approx(
            model.loss(X, one_hot(y, sizes[-1])), rel=1e-5
        )


def test_keras_model_is_built_with_input_and_counts_139_parameters():
    params = nn_numpy.MLP([4, 8, 8, 3], seed=0).get_params()
    model = keras_mlp(params)
    assert model.built and model.count_params() == 139
    assert [layer.name for layer in model.layers] == [
        "hidden_1", "hidden_2", "output"
    ]
    assert_params_close(keras_params(model), params, atol=1e-7)


def test_iris_loss_curves_agree_batch_for_batch():
    X, _, y, _ = iris_split()
    model = nn_numpy.MLP([4, 8, 8, 3], seed=0)
    params = model.get_params()
    ours = model.fit(X, y, 6, 0.1, batch_size=32, shuffle_seed=3)
    torch_losses = fit_torch(params, X, y, 6, 0.1, batch_size=32,
                             shuffle_seed=3)
    np.testing.assert_allclose(torch_losses, ours, rtol=1e-12)
    keras_losses = fit_keras(params, X, y, 6, 0.1, batch_size=32,
                             shuffle_seed=3)
    np.testing.assert_allclose(keras_losses, ours, rtol=1e-5)
    unshuffled = nn_numpy.MLP.from_params(params).fit(
        X, y, 3, 0.1, batch_size=50, shuffle_seed=None
    )
    np.testing.assert_allclose(
        fit_torch(params, X, y, 3, 0.1, 50, None), unshuffled, rtol=1e-12
    )


def test_trained_params_come_back_and_match_the_numpy_fit():
    X, X_test, y, y_test = iris_split()
    model = nn_numpy.MLP([4, 8, 8, 3], seed=0)
    params = model.get_params()
    ours = model.fit(X, y, 5, 0.1, batch_size=16, shuffle_seed=1)
    trained = model.get_params()
    assert not np.allclose(trained[0][0], params[0][0])  # it moved
    losses, torch_trained = fit_torch(params, X, y, 5, 0.1, batch_size=16,
                                      shuffle_seed=1, return_params=True)
    np.testing.assert_allclose(losses, ours, rtol=1e-12)
    assert all(W.dtype == b.dtype == np.float64 for W, b in torch_trained)
    assert [(W.shape, b.shape) for W, b in torch_trained] == [
        (W.shape, b.shape) for W, b in trained
    ]
    assert_params_close(torch_trained, trained, atol=1e-12)
    losses, keras_trained = fit_keras(params, X, y, 5, 0.1, batch_size=16,
                                      shuffle_seed=1, return_params=True)
    np.testing.assert_allclose(losses, ours, rtol=1e-5)
    assert_params_close(keras_trained, trained, atol=1e-5)
    accuracy = model.accuracy(X_test, y_test)
    for theirs in (torch_trained, keras_trained):
        again = nn_numpy.MLP.from_params(theirs)
        assert again.accuracy(X_test, y_test) == accuracy
    # the frameworks trained copies: the starting params are unchanged
    np.testing.assert_array_equal(
        params[0][0], nn_numpy.MLP([4, 8, 8, 3], seed=0).get_params()[0][0]
    )


def test_bad_params_and_data_are_refused():
    params = nn_numpy.MLP([4, 8, 3], seed=0).get_params()
    with pytest.raises(ValueError, match=r"layer 2: W must have 8 rows"):
        check_params([params[0], (np.zeros((7, 3)), np.zeros(3))])
    with pytest.raises(ValueError, match=r"layer 1: b must have shape"):
        check_params([(params[0][0], np.zeros(5)), params[1]])
    with pytest.raises(ValueError, match="non-empty"):
        check_params([])
    with pytest.raises(ValueError,
                       match=r"shape \(m, 4\).*got shape \(2, 5\)"):
        torch_mlp_gradients(params, np.zeros((2, 5)), [0, 1])
    with pytest.raises(ValueError, match=r"label 3 is out of range"):
        torch_mlp_gradients(params, np.zeros((2, 4)), [0, 3])
    with pytest.raises(ValueError, match="empty batch"):
        keras_forward(params, np.zeros((0, 4)))


# --- JAX ----------------------------------------------------------------

@settings(max_examples=15, deadline=None, derandomize=True)
@given(problems(few_shapes=True))
def test_jax_gradients_equal_backprop(problem):
    params, X, y = problem
    model = nn_numpy.MLP.from_params(params)
    Y = one_hot(y, params[-1][0].shape[1])
    theirs = nn_jax.jax_mlp_gradients(params, X, y)
    assert all(gW.dtype == gb.dtype == np.float64 for gW, gb in theirs)
    assert_params_close(theirs, model.backward(X, Y), atol=1e-10)
    assert_params_close(theirs, torch_mlp_gradients(params, X, y),
                        atol=1e-10)
    assert float(nn_jax.loss(nn_jax.jax_params(params), X, Y)) == (
        pytest.approx(model.loss(X, Y), rel=1e-12))
    np.testing.assert_allclose(nn_jax.jax_forward(params, X),
                               model.forward(X), rtol=0, atol=1e-12)


@settings(max_examples=8, deadline=None, derandomize=True)
@given(problems(few_shapes=True), st.floats(0.001, 1.0))
def test_jax_sgd_step_equals_the_hand_written_step(problem, lr):
    params, X, y = problem
    Y = one_hot(y, params[-1][0].shape[1])
    hand = nn_numpy.MLP.from_params(params)
    loss_before = hand.loss(X, Y)
    hand.step(hand.backward(X, Y), lr)
    theta = nn_jax.jax_params(params)
    for step in (nn_jax.sgd_step, nn_jax.compiled_step()):
        new, value = step(theta, X, Y, lr)
        assert float(value) == pytest.approx(loss_before, rel=1e-12)
        assert_params_close(new, hand.get_params(), atol=1e-10)
        assert_params_close(new, torch_sgd_step(params, X, y, lr),
                            atol=1e-10)
    # pure: the params given are the params they were
    assert_params_close(theta, params, atol=0)


def test_jax_loss_curves_agree_epoch_by_epoch_on_toy_and_iris():
    X_toy, Y_toy = toy_problem()
    X, _, y, _ = iris_split()
    for X, Y, sizes, lr, batch, seed, epochs in (
            (X_toy, Y_toy, [4, 8, 8, 3], 0.1, 1, None, 20),
            (X, y, [4, 8, 8, 3], 0.1, 32, 3, 6)):
        params = nn_numpy.MLP(sizes, seed=0).get_params()
        ours = nn_numpy.MLP.from_params(params).fit(
            X, Y, epochs, lr, batch_size=batch, shuffle_seed=seed)
        kwargs = dict(batch_size=batch, shuffle_seed=seed)
        for jit in (True, False):
            jax_losses = nn_jax.fit_jax(params, X, Y, epochs, lr,
                                        jit=jit, **kwargs)
            np.testing.assert_allclose(jax_losses, ours, rtol=1e-10,
                                       atol=1e-10)
        np.testing.assert_allclose(
            jax_losses, fit_torch(params, X, Y, epochs, lr, **kwargs),
            rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(  # Keras computes in float32
            jax_losses, fit_keras(params, X, Y, epochs, lr, **kwargs),
            rtol=1e-5)
        in32 = nn_jax.fit_jax(params, X, Y, epochs, lr, dtype=np.float32,
                              **kwargs)
        np.testing.assert_allclose(in32, ours, rtol=1e-5)


def test_jax_trained_params_come_back_and_match_the_numpy_fit():
    X, _, y, _ = iris_split()
    model = nn_numpy.MLP([4, 8, 8, 3], seed=0)
    params = model.get_params()
    model.fit(X, y, 5, 0.1, batch_size=16, shuffle_seed=1)
    losses, trained = nn_jax.fit_jax(params, X, y, 5, 0.1, batch_size=16,
                                     shuffle_seed=1, return_params=True)
    assert all(W.dtype == b.dtype == np.float64 for W, b in trained)
    assert_params_close(trained, model.get_params(), atol=1e-10)
    # fit_jax trained a copy: the starting params are unchanged
    np.testing.assert_array_equal(
        params[0][0], nn_numpy.MLP([4, 8, 8, 3], seed=0).get_params()[0][0])


def test_jax_float64_without_x64_is_refused_and_float32_works():
    params = nn_numpy.MLP([4, 8, 3], seed=0).get_params()
    X, Y = toy_problem()
    jax.config.update("jax_enable_x64", False)
    try:
        with pytest.raises(ValueError, match="jax_enable_x64"):
            nn_jax.jax_mlp_gradients(params, X, Y)
        with pytest.raises(ValueError, match="jax_enable_x64"):
            nn_jax.fit_jax(params, X, Y, 1, 0.1)
        P = nn_jax.jax_forward(params, X, dtype=np.float32)
        assert P.dtype == np.float32
    finally:
        jax.config.update("jax_enable_x64", True)
    np.testing.assert_allclose(
        P, nn_numpy.MLP.from_params(params).forward(X), rtol=1e-5)
    with pytest.raises(ValueError, match="dtype must be float64 or float32"):
        nn_jax.jax_params(params, np.float16)
