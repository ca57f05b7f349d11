"""gradbook.linesearch and gradbook.stochastic against their theorems
("Smoothness and line search", "Stochastic gradients and the
frameworks' momentum"), on random problems drawn by Hypothesis."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradbook.descent import best_step, heavy_ball, minimiser
from gradbook.linesearch import (armijo_run, armijo_step, exact_line_search,
                                 exact_step, lrp_f, lrp_grad)
from gradbook.stochastic import (expected_errors, floor_slope,
                                 keras_momentum, momentum_run, noise,
                                 noise_floor, sgd_errors, torch_momentum)


def spd(seed, n):
    rng = np.random.default_rng(seed)
    B = rng.standard_normal((n, n))
    return B.T @ B + 0.1 * np.eye(n), rng.standard_normal((n, 1)), rng


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 6),
       st.sampled_from([0.1, 0.5, 0.9]), st.floats(0.01, 100.0))
def test_backtracking_stops_within_its_bound(seed, n, alpha, eta0):
    S, b, rng = spd(seed, n)
    L = np.linalg.eigvalsh(S)[-1]

    def f(x):
        return (0.5 * x.T @ S @ x - b.T @ x).item()

    def grad(x):
        return S @ x - b

    x = rng.standard_normal((n, 1))
    eta, halvings = armijo_step(f, grad, x, eta0, alpha)
    most = max(0, int(np.ceil(np.log2(eta0 * L / (2 * (1 - alpha))))))
    assert halvings <= most
    assert eta >= min(eta0, (1 - alpha) / L) * (1 - 1e-12)
    u = grad(x)
    assert f(x - eta * u) <= f(x) - alpha * eta * (u.T @ u).item() + 1e-12


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(2, 6))
def test_exact_steps_obey_the_kantorovich_bound(seed, n):
    S, b, rng = spd(seed, n)
    x_star = minimiser(S, b)
    lam = np.linalg.eigvalsh(S)
    bound = ((lam[-1] - lam[0]) / (lam[-1] + lam[0])) ** 2
    xs = exact_line_search(S, b, rng.standard_normal((n, 1)), 5)
    gaps = [0.5 * ((x - x_star).T @ S @ (x - x_star)).item() for x in xs]
    for before, after in zip(gaps, gaps[1:]):
        assert after <= bound * before + 1e-12 * gaps[0]
    assert np.isclose(bound, best_step(S)[1] ** 2)


def test_the_exact_step_minimises_along_the_gradient():
    S, b, rng = spd(7, 4)
    x = rng.standard_normal((4, 1))
    u = S @ x - b
    eta = exact_step(S, u)

    def along(t):
        z = x - t * u
        return (0.5 * z.T @ S @ z - b.T @ z).item()

    assert along(eta) <= min(along(eta * 0.99), along(eta * 1.01))


def test_armijo_descends_the_lessard_function():
    xs, etas, halvings = armijo_run(lrp_f, lrp_grad, 3.3, 1.0, 0.5, 60)
    assert np.all(np.diff(lrp_f(xs)) <= 0) and abs(xs[-1]) < 1e-10


def test_the_lessard_function_is_continuously_differentiable():
    for knot in (1.0, 2.0):
        left, right = knot - 1e-9, knot + 1e-9
        assert np.isclose(lrp_f(left), lrp_f(right), atol=1e-6)
        assert np.isclose(lrp_grad(left), lrp_grad(right), atol=1e-6)
    x = np.linspace(-3, 4, 701)
    h = 1e-6
    central = (lrp_f(x + h) - lrp_f(x - h)) / (2 * h)
    assert np.allclose(central, lrp_grad(x), atol=1e-4)


def test_heavy_ball_cycles_and_nesterov_converges_on_it():
    hb = momentum_run(lrp_grad, 3.3, 1 / 9, 4 / 9, 400)
    assert np.allclose(hb[-3:], hb[-6:-3]) and np.abs(hb[-3:]).min() > 0.5
    nag = momentum_run(lrp_grad, 3.3, 1 / 25, 2 / 3, 400, nesterov=True)
    assert abs(nag[-1]) < 1e-12


@pytest.mark.parametrize("bad", [dict(eta0=0.0), dict(alpha=1.0)])
def test_bad_line_search_input_is_refused(bad):
    kwargs = dict(eta0=1.0, alpha=0.5) | bad
    with pytest.raises(ValueError, match="expected eta0 > 0"):
        armijo_run(lrp_f, lrp_grad, 1.0, steps=3, **kwargs)


def least_squares(seed, m=15, n=3):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((m, n)), rng.standard_normal((m, 1))


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_the_exact_floor_is_the_limit_of_the_exact_errors(seed):
    M, y = least_squares(seed)
    eta = 0.5 / np.max((M**2).sum(axis=1))
    curve = expected_errors(M, y, np.zeros((3, 1)), eta, 3000)
    assert np.isclose(curve[-1], noise_floor(M, y, eta), rtol=1e-6)
    assert noise_floor(M, y, eta / 64) / (eta / 64) \
        == pytest.approx(floor_slope(M, y), rel=0.05)


def test_measured_sgd_matches_the_exact_expectation():
    M, y = least_squares(11)
    x0 = np.zeros((3, 1))
    measured = sgd_errors(M, y, x0, np.full(300, 0.05), 4000, seed=5)
    exact = expected_errors(M, y, x0, 0.05, 300)
    # the mean of 4000 runs: a few per cent of sampling error
    assert np.allclose(measured.mean(axis=0)[50:], exact[50:], rtol=0.06)


def test_noise_vanishes_for_a_consistent_system():
    M, _ = least_squares(2)
    y = M @ np.ones((3, 1))
    assert np.abs(noise(M, y)).max() < 1e-25


def test_framework_momentum_is_the_heavy_ball():
    M, y = least_squares(4, m=12, n=4)
    x0 = np.zeros((4, 1))
    S, b = M.T @ M / 12, M.T @ y / 12
    book = heavy_ball(S, b, x0, 0.0625, 0.75, 80)
    assert np.abs(torch_momentum(M, y, x0, 0.0625, 0.75, 80)
                  - book).max() <= 1e-12
    assert np.abs(keras_momentum(M, y, x0, 0.0625, 0.75, 80)
                  - book).max() <= 1e-12


def test_bad_least_squares_input_names_the_shapes():
    M, y = least_squares(1)
    with pytest.raises(ValueError, match=r"shape \(m, 1\)"):
        sgd_errors(M, y.ravel(), np.zeros((3, 1)), [0.1], 2, 0)
    with pytest.raises(ValueError, match="independent columns"):
        sgd_errors(np.ones((5, 2)), np.ones((5, 1)), np.zeros((2, 1)),
                   [0.1], 2, 0)
