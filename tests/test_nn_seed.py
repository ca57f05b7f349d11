"""The original MLP's bugs are real, and the book's MLPs do not have them.

`gradbook.nn_seed` keeps the source's code as a specimen; the chapter
"Backprop from scratch" runs it to show four mistakes. Each test below
first proves a mistake is really in `nn_seed` (so the chapter's claims
are checked), then that `nn_python` / `nn_numpy` are free of it.
"""

import copy
import random
import warnings

import numpy as np
import pytest
import torch

from gradbook import nn_numpy, nn_python, nn_seed
from gradbook.data import toy_problem

LR = 0.1


def torch_grads(params, x, y):
    """True gradients of the cross-entropy at one sample, by autograd."""
    a = torch.tensor([x], dtype=torch.float64)
    leaves = []
    for k, (W, b) in enumerate(params):
        W = torch.tensor(W, requires_grad=True)
        b = torch.tensor(b, requires_grad=True)
        leaves.append((W, b))
        z = a @ W + b
        a = torch.relu(z) if k < len(params) - 1 else z
    target = torch.tensor([int(np.argmax(y))])
    torch.nn.functional.cross_entropy(a, target).backward()
    return [(W.grad.numpy(), b.grad.numpy()) for W, b in leaves]


# 1. softmax without the maximum subtracted -------------------------------

def test_seed_softmax_overflows_on_a_large_score():
    with pytest.raises(OverflowError, match="math range error"):
        nn_seed.softmax([710.0, 0.0])


def test_seed_training_overflows_from_some_seeds():
    crashed = []
    for seed in range(10):
        model = nn_seed.build_model(random.Random(seed))
        try:
            nn_seed.train_quietly(model, learning_rate=LR)
        except OverflowError:
            crashed.append(seed)
    assert 0 < len(crashed) < 10, crashed


def test_library_softmax_is_stable_where_the_seed_overflows():
    z = np.array([[710.0, 0.0, -710.0]])
    p = nn_numpy.softmax(z)
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    assert np.all(np.isfinite(nn_numpy.log_softmax(z)))
    model = nn_python.MLP([1, 3], seed=0)
    model.set_params([([[1.0, 0.0, -1.0]], [[0.0, 0.0, 0.0]])])
    p = model.forward([710.0])
    assert all(np.isfinite(p)) and abs(sum(p) - 1.0) < 1e-12


def test_library_trains_from_the_seeds_where_the_original_overflows():
    X, Y = toy_problem()
    for seed in range(10):
        start = nn_seed.get_params(nn_seed.build_model(random.Random(seed)))
        model = nn_numpy.MLP([4, 8, 8, 3], seed=0)
        model.set_params(start)
        losses = model.fit(X, Y, epochs=50, lr=LR, batch_size=1,
                           shuffle_seed=None)
        assert np.all(np.isfinite(losses)), seed
        assert losses[-1] < losses[0], seed


# 2. the gradient for the layer below uses already-updated weights -------

def test_seed_passes_down_a_gradient_from_updated_weights():
    model = nn_seed.build_model(random.Random(0))
    x, y = nn_seed.train_x[0], nn_seed.train_y[0]
    model.forward(x)
    top = model.layers[-1]
    W_old = np.array(top.weights)
    h = np.array(top.input)
    delta = np.array(top.output) - np.array(y)
    passed = np.array(top.backward(y, LR))
    np.testing.assert_allclose(passed, delta @ np.array(top.weights).T)
    true = delta @ W_old.T
    # W_new = W_old - lr hᵀδ, so the error is exactly lr ‖δ‖² h.
    np.testing.assert_allclose(true - passed, LR * (delta @ delta) * h,
                               atol=1e-15)
    assert np.max(np.abs(true - passed)) > 1e-3


def test_seed_lower_layers_step_along_a_wrong_gradient():
    model = nn_seed.build_model(random.Random(0))
    x, y = nn_seed.train_x[0], nn_seed.train_y[0]
    before = nn_seed.get_params(model)
    model.forward(x)
    model.backward(y, LR)
    after = nn_seed.get_params(model)
    used = [(Wb - Wa) / LR for (Wb, _), (Wa, _) in zip(before, after)]
    true = [gW for gW, _ in torch_grads(before, x, y)]
    # The output layer's own step is right; the layers below it are not.
    np.testing.assert_allclose(used[-1], true[-1], atol=1e-12)
    for k in range(len(used) - 1):
        assert np.max(np.abs(used[k] - true[k])) > 1e-3, k


@pytest.mark.parametrize("module", [nn_python, nn_numpy])
def test_library_backward_matches_autograd_on_the_seed_weights(module):
    start = nn_seed.get_params(nn_seed.build_model(random.Random(0)))
    x, y = nn_seed.train_x[0], nn_seed.train_y[0]
    model = module.MLP([4, 8, 8, 3], seed=0)
    if module is nn_python:
        model.set_params([(W.tolist(), b.tolist()) for W, b in start])
        grads = model.backward(x, y)
    else:
        model.set_params(copy.deepcopy(start))
        grads = model.backward(np.array([x], float), np.array([y], float))
    for (gW, gb), (tW, tb) in zip(grads, torch_grads(start, x, y)):
        np.testing.assert_allclose(np.array(gW, float), tW, atol=1e-10)
        np.testing.assert_allclose(
            np.array(gb, float).reshape(tb.shape), tb, atol=1e-10)


# 3. summary() on the softmax layer ----------------------------------------

def test_seed_summary_fails_on_the_softmax_layer(capsys):
    model = nn_seed.build_model(random.Random(0))
    with pytest.raises(AttributeError,
                       match="'SoftmaxLayer' object has no attribute "
                             "'activation'"):
        model.summary()
    assert "Layer 2" in capsys.readouterr().out


@pytest.mark.parametrize("module", [nn_python, nn_numpy])
def test_library_summary_covers_every_layer(module):
    text = module.MLP([4, 8, 8, 3], seed=0).summary()
    assert isinstance(text, str)
    assert "softmax" in text.lower()
    assert "139" in text


# 4. Keras 3 and input_dim ---------------------------------------------------

def test_keras_warns_about_input_dim():
    import gradbook  # noqa: F401  (TensorFlow's logging, before import)
    import keras
    model = keras.Sequential()
    with pytest.warns(UserWarning,
                      match="Do not pass an `input_shape`/`input_dim`"):
        model.add(keras.layers.Dense(2, input_dim=3, activation="relu"))


def test_keras_input_builds_without_warnings():
    import keras
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model = keras.Sequential([keras.Input(shape=(3,)),
                                  keras.layers.Dense(2, activation="relu")])
    assert model.count_params() == 3 * 2 + 2


def test_library_keras_model_builds_without_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        from gradbook import nn_frameworks
        params = nn_numpy.MLP([4, 8, 8, 3], seed=0).get_params()
        model = nn_frameworks.keras_mlp(params)
    assert model.count_params() == 4 * 8 + 8 + 8 * 8 + 8 + 8 * 3 + 3
