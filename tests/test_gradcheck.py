"""gradbook.gradcheck: passes correct gradients, flags wrong ones."""

import random

import numpy as np
import pytest

from gradbook import data, gradcheck, nn_numpy, nn_seed
from gradbook.gradcheck import THRESHOLD


def toy_batch(extra=4, seed=0):
    X, Y = data.toy_problem()
    rng = np.random.default_rng(seed)
    X = np.vstack([X, rng.normal(size=(extra, 4))])
    labels = np.concatenate([Y.argmax(axis=1), rng.integers(0, 3, extra)])
    return X, data.one_hot(labels, 3)


def test_relative_error_is_scale_free_and_zero_for_zeros():
    a = np.array([1.0, 2.0, 3.0])
    assert gradcheck.relative_error(a, a) == 0
    assert gradcheck.relative_error(np.zeros(3), np.zeros(3)) == 0
    e = gradcheck.relative_error(a, 1.01 * a)
    assert e == pytest.approx(gradcheck.relative_error(1e6 * a, 1.01e6 * a))
    assert gradcheck.relative_error(a, -a) == 1
    with pytest.raises(ValueError, match=r"\(3,\) and \(2,\)"):
        gradcheck.relative_error(a, a[:2])


def test_numerical_gradient_of_a_quadratic_form():
    A = np.array([[1.0, 2.0], [2.0, 3.0]])

    def loss(arrays):
        x = arrays[0]
        return float(x @ A @ x), []

    grads, kinks = gradcheck.numerical_gradient(loss, [np.array([1.0, 2.0])])
    assert np.allclose(grads[0], [10.0, 16.0], rtol=0, atol=1e-8)
    assert not kinks[0].any()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_correct_mlp_gradients_pass(seed):
    X, Y = toy_batch(seed=seed)
    model = nn_numpy.MLP([4, 8, 8, 3], seed=seed)
    params = gradcheck.flatten(model.get_params())
    grads = gradcheck.flatten(model.backward(X, Y))
    result = gradcheck.check_gradient(gradcheck.mlp_loss(X, Y), params,
                                      grads)
    assert result.passed, result.errors
    assert max(result.errors) < 1e-8
    slope, difference = gradcheck.directional_check(
        gradcheck.mlp_loss(X, Y), params, grads, np.random.default_rng(0))
    assert gradcheck.relative_error(slope, difference) < THRESHOLD


def test_a_wrong_gradient_fails():
    X, Y = toy_batch()
    model = nn_numpy.MLP([4, 8, 8, 3], seed=0)
    params = gradcheck.flatten(model.get_params())
    grads = gradcheck.flatten(model.backward(X, Y))
    grads[2] = grads[2] * 1.01  # W² one percent off
    result = gradcheck.check_gradient(gradcheck.mlp_loss(X, Y), params,
                                      grads)
    assert not result.passed
    assert [e > THRESHOLD for e in result.errors] == [
        False, False, True, False, False, False]


@pytest.mark.parametrize("seed", range(5))
def test_the_original_codes_bug_is_caught(seed):
    model = nn_seed.build_model(random.Random(seed))
    before = gradcheck.flatten(nn_seed.get_params(model))
    x, y = nn_seed.train_x[0], nn_seed.train_y[0]
    followed = gradcheck.followed_gradients(model, x, y, 0.1)
    # the model itself did not move
    after = gradcheck.flatten(nn_seed.get_params(model))
    assert all(np.array_equal(B, A) for B, A in zip(before, after))
    loss = gradcheck.mlp_loss(np.array([x], float), np.array([y], float))
    result = gradcheck.check_gradient(loss, before, followed)
    assert not result.passed
    low = result.errors[:4]   # W¹, b¹, W², b²: the wrong ones
    top = result.errors[4:]   # W³, b³: the output layer's own step
    assert min(low) > 1e-2 and max(top) < THRESHOLD
    slope, difference = gradcheck.directional_check(
        loss, before, followed, np.random.default_rng(0))
    assert gradcheck.relative_error(slope, difference) > 100 * THRESHOLD


def test_a_kink_is_detected():
    X, Y = toy_batch()
    model = nn_numpy.MLP([4, 8, 8, 3], seed=0)
    model.forward(X)
    params = gradcheck.flatten(model.get_params())
    params[1] = params[1].copy()
    params[1][0, 0] -= model.layers[0].Z[0, 0]  # score of row 0 now ~ 0
    loss = gradcheck.mlp_loss(X, Y)
    _, kinks = gradcheck.numerical_gradient(loss, params)
    assert kinks[1][0, 0]
    assert kinks[0][0, 0]  # W¹ entry (0, 0) multiplies x = e1: same unit
    assert not kinks[4].any()  # nothing in the output layer's weights


def test_float32_fails_the_float64_threshold():
    X, Y = toy_batch()
    model = nn_numpy.MLP([4, 8, 8, 3], seed=0)
    params = gradcheck.flatten(model.get_params())
    grads = gradcheck.flatten(model.backward(X, Y))
    result = gradcheck.check_gradient(
        gradcheck.mlp_loss(X, Y, np.float32), params, grads)
    assert min(result.errors) > 100 * THRESHOLD


def test_bad_gradient_shapes_raise():
    loss = gradcheck.mlp_loss(*toy_batch())
    params = gradcheck.flatten(nn_numpy.MLP([4, 8, 8, 3]).get_params())
    with pytest.raises(ValueError, match="one gradient per parameter"):
        gradcheck.check_gradient(loss, params, params[:-1])
    with pytest.raises(ValueError, match=r"got \[\(4, 8\), \(8,\)"):
        gradcheck.directional_check(loss, params,
                                    [params[0], params[1][0]] + params[2:],
                                    np.random.default_rng(0))
