"""gradbook.descent against the theorems of the pages "Gradient descent
on a quadratic", "Newton's step and heavy-ball momentum" and "From
least squares to training".

Property-based over random symmetric positive definite S of sizes
n = 1..8, condition numbers κ from 1 to 10⁴ and scales 10⁻² to 10²:
S = Q diag(λ) Qᵀ with Q a random orthogonal matrix and λ drawn
log-uniformly between λ_min and λ_min·κ, both ends included.

Rounding model (u = ε/2, the unit roundoff). One step
x ← x − η(Sx − b) with η‖S‖ ≤ 3 and b = Sx* commits an error of at
most about (n + 3)·u·(4‖x‖ + 3‖x*‖) in each entry; errors committed
at step j are multiplied by at most ρ ≤ 1 (converging runs) or
ρ^(k−j) ≤ ρ^k (diverging runs) afterwards. The tolerances below are
that bound, summed over the steps, times a safety factor of 10.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gradbook.descent import (
    best_step,
    contraction,
    gradient,
    gradient_descent,
    heavy_ball,
    heavy_ball_parameters,
    measured_rate,
    minimiser,
    newton_step,
    plane_problem,
    power_iteration,
)

# JAX keeps float32 unless asked: the book compares in float64.
jax.config.update("jax_enable_x64", True)

u = np.finfo(float).eps / 2


@st.composite
def problems(draw, min_n=1, max_kappa_exp=4.0, min_kappa_exp=0.0):
    """(S, x_star, b, rng): S SPD (n, n), x* of norm 1, b = S x*."""
    n = draw(st.integers(min_n, 8))
    kappa = 10 ** draw(st.floats(min_kappa_exp, max_kappa_exp))
    scale = 10 ** draw(st.floats(-2, 2))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    middle = np.exp(rng.uniform(0, np.log(kappa), max(n - 2, 0)))
    lam = scale * np.sort(np.concatenate(
        [[1.0], middle, [kappa]] if n > 1 else [[1.0]]))
    S = Q @ np.diag(lam) @ Q.T
    S = (S + S.T) / 2
    x_star = rng.standard_normal((n, 1))
    x_star /= np.linalg.norm(x_star)
    return S, x_star, S @ x_star, rng


def unit(rng, n):
    v = rng.standard_normal((n, 1))
    return v / np.linalg.norm(v)


def step_rounding(n, x_size, x_star_size=1.0):
    """The rounding bound of one step (see the module docstring)."""
    return 10 * (n + 3) * u * (4 * x_size + 3 * x_star_size)


# --- the setting --------------------------------------------------------

@settings(max_examples=40, deadline=None, derandomize=True)
@given(problems())
def test_gradient_is_autograds(problem):
    S, x_star, b, rng = problem
    x = rng.standard_normal(b.shape)
    x_t = torch.tensor(x, requires_grad=True)
    f = 0.5 * x_t.T @ torch.from_numpy(S) @ x_t - torch.from_numpy(b).T @ x_t
    f.sum().backward()
    n = len(b)
    size = np.abs(S) @ np.abs(x) + np.abs(b)
    assert np.all(np.abs(gradient(x, S, b) - x_t.grad.numpy())
                  <= 4 * (n + 2) * u * size)
    assert np.abs(gradient(x_star, S, b)).max() <= 4 * (n + 2) * u * (
        np.abs(S) @ np.abs(x_star)).max()


# --- Theorem: gradient descent ------------------------------------------

@settings(max_examples=60, deadline=None, derandomize=True)
@given(problems(), st.floats(0.01, 0.99))
def test_below_the_limit_each_eigen_component_shrinks(problem, fraction):
    """Parts 1-3: e_k = Σ (1 − ηλᵢ)^k cᵢ vᵢ, ‖e_k‖ ≤ ρ^k ‖e_0‖, ρ < 1."""
    S, x_star, b, rng = problem
    lam, V = np.linalg.eigh(S)
    eta = fraction * 2 / lam[-1]
    e0 = unit(rng, len(b))
    steps = 30
    xs = gradient_descent(S, b, x_star + e0, eta, steps)
    errors = xs - x_star
    rho = contraction(S, eta)
    assert rho < 1
    tol = steps * step_rounding(len(b), 2.0)
    k = np.arange(steps + 1)
    assert np.all(np.linalg.norm(errors[:, :, 0], axis=1)
                  <= rho**k + tol)
    predicted = (1 - eta * lam) ** steps * (V.T @ e0)[:, 0]
    assert np.allclose(V.T @ errors[-1][:, 0], predicted, rtol=0,
                       atol=tol)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(problems(), st.floats(1.05, 1.5))
def test_above_the_limit_the_top_component_grows(problem, factor):
    """Part 3: η > 2/λ_max diverges from a start with a top component."""
    S, x_star, b, rng = problem
    lam, V = np.linalg.eigh(S)
    eta = factor * 2 / lam[-1]
    v_top = V[:, -1:]
    e0 = v_top + 0.5 * unit(rng, len(b))
    c0 = (v_top.T @ e0).item()  # at least 0.5 in size
    steps = 60
    errors = gradient_descent(S, b, x_star + e0, eta, steps) - x_star
    growth = abs(1 - eta * lam[-1])  # ≥ 1.1
    c_K = (v_top.T @ errors[-1]).item()
    assert abs(c_K) == pytest.approx(growth**steps * abs(c0), rel=1e-9)
    assert np.linalg.norm(errors[-1]) > 100 * np.linalg.norm(e0)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(problems(), st.floats(0.01, 0.99))
def test_measured_contraction_is_max_of_one_minus_eta_lambda(problem,
                                                             fraction):
    """Part 2's equality: from the worst eigenvector ‖e_k‖ = ρ^k."""
    S, x_star, b, rng = problem
    lam, V = np.linalg.eigh(S)
    eta = fraction * 2 / lam[-1]
    rho = np.abs(1 - eta * lam).max()
    assert contraction(S, eta) == pytest.approx(rho, rel=0,
                                                abs=16 * len(b) * u)
    worst = V[:, [np.argmax(np.abs(1 - eta * lam))]]
    steps = 20
    errors = gradient_descent(S, b, x_star + worst, eta, steps) - x_star
    sizes = np.linalg.norm(errors[:, :, 0], axis=1)
    tol = steps * step_rounding(len(b), 2.0)
    assert np.allclose(sizes, rho ** np.arange(steps + 1), rtol=0,
                       atol=tol)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(problems(min_n=2))
def test_best_step_and_its_rate(problem):
    """Part 4: η* = 2/(λ_min + λ_max), ρ = (κ − 1)/(κ + 1), the minimum."""
    S, _, _, _ = problem
    lam = np.linalg.eigvalsh(S)
    eta, rho = best_step(S)
    kappa = lam[-1] / lam[0]
    assert eta == pytest.approx(2 / (lam[0] + lam[-1]), rel=1e-12)
    assert rho == pytest.approx((kappa - 1) / (kappa + 1), abs=1e-12)
    assert contraction(S, eta) == pytest.approx(rho, abs=1e-12)
    for other in (0.99 * eta, 1.01 * eta):
        assert contraction(S, other) >= rho - 1e-12


def test_kappa_one_converges_in_one_step():
    S = 3.0 * np.eye(4)
    b = np.arange(4.0).reshape(4, 1)
    eta, rho = best_step(S)
    assert rho == 0.0
    xs = gradient_descent(S, b, np.ones((4, 1)), eta, 1)
    assert np.allclose(xs[1], b / 3, rtol=0, atol=4 * u)


# --- Newton and heavy ball ----------------------------------------------

@settings(max_examples=60, deadline=None, derandomize=True)
@given(problems())
def test_newton_lands_in_one_step(problem):
    S, x_star, b, rng = problem
    x0 = x_star + 10 * unit(rng, len(b))
    x1 = newton_step(x0, S, b)
    lam = np.linalg.eigvalsh(S)
    n = len(b)
    # a backward-stable solve: residual ~ n·u·‖S‖·‖x‖, error ~ κ times it
    residual = np.linalg.norm(S @ x1 - b)
    assert residual <= 100 * n * u * lam[-1] * 11
    assert np.linalg.norm(x1 - x_star) <= residual / lam[0] + 1e-15 + (
        100 * n * u * lam[-1] / lam[0])
    assert np.allclose(x1, minimiser(S, b), rtol=0,
                       atol=100 * n * u * lam[-1] / lam[0] * 11)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(problems(min_n=2, min_kappa_exp=0.5))
def test_heavy_ball_bound_and_exact_worst_case(problem):
    """Theorem heavy ball: ‖e_k‖ ≤ (k+1+kρ)ρ^k‖e_0‖; exact along v_1
    and along v_n, where the bound is attained."""
    S, x_star, b, rng = problem
    lam, V = np.linalg.eigh(S)
    eta, beta, rho = heavy_ball_parameters(S)
    sk = np.sqrt(lam[-1] / lam[0])
    assert rho == pytest.approx((sk - 1) / (sk + 1), abs=1e-12)
    assert beta == pytest.approx(rho**2, rel=1e-12)
    steps = 100
    k = np.arange(steps + 1)
    tol = 4 * steps**2 * step_rounding(len(b), 3.0)
    e0 = unit(rng, len(b))
    errors = heavy_ball(S, b, x_star + e0, eta, beta, steps) - x_star
    sizes = np.linalg.norm(errors[:, :, 0], axis=1)
    bound = (k + 1 + k * rho) * rho**k
    assert np.all(sizes <= bound + tol)
    assert np.all(bound <= (2 * k + 1) * rho**k)
    v1 = V[:, :1]
    along = heavy_ball(S, b, x_star + v1, eta, beta, steps) - x_star
    exact = (1 + k * (1 - rho)) * rho**k
    # λ_min is known to about u·λ_max, which splits the double root by
    # about sqrt(u·κ); over 100 steps that is a relative 1e-5 at most.
    assert np.allclose((v1.T @ along[:, :, 0].T)[0], exact,
                       rtol=1e-5, atol=tol)
    vn = V[:, -1:]
    along = heavy_ball(S, b, x_star + vn, eta, beta, steps) - x_star
    exact = (1 + k * (1 + rho)) * (-rho) ** k  # the bound, attained
    assert np.allclose((vn.T @ along[:, :, 0].T)[0], exact,
                       rtol=1e-5, atol=tol)


def test_heavy_ball_measured_rate():
    """The chapter's measurement on a 6 × 6 problem with κ = 50."""
    rng = np.random.default_rng(5)
    Q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    S = Q @ np.diag([1.0, 2.0, 5.0, 10.0, 30.0, 50.0]) @ Q.T
    S = (S + S.T) / 2
    b = rng.standard_normal((6, 1))
    x_star = minimiser(S, b)
    eta, beta, rho = heavy_ball_parameters(S)
    xs = heavy_ball(S, b, x_star + unit(rng, 6), eta, beta, 2000)
    errors = np.linalg.norm((xs - x_star)[:, :, 0], axis=1)
    errors = errors[: np.argmax(errors < 1e-9)]
    k = np.arange(errors.size)
    measured = measured_rate((errors / (k + 1))[errors.size // 2:])
    assert measured == pytest.approx(rho, rel=1e-3)
    gd_rate = best_step(S)[1]
    assert rho < gd_rate  # √κ beats κ


def test_gd_measured_rate_in_the_plane():
    """In the plane at η*, both components shrink by ρ: exact rate."""
    S = np.array([[20.0, 7.0], [7.0, 5.0]])
    b = np.array([[1.0], [2.0]])
    eta, rho = best_step(S)
    x_star = minimiser(S, b)
    xs = gradient_descent(S, b, x_star + [[1.0], [-1.0]], eta, 400)
    errors = np.linalg.norm((xs - x_star)[:, :, 0], axis=1)
    errors = errors[: np.argmax(errors < 1e-9)]
    assert measured_rate(errors) == pytest.approx(rho, rel=1e-9)


@pytest.mark.parametrize("kappa", [1.0, 10.0, 100.0])
def test_plane_problem_has_eigenvalues_one_and_kappa(kappa):
    S = plane_problem(kappa)
    c, s = np.cos(np.pi / 6), np.sin(np.pi / 6)
    assert np.allclose(S, S.T, rtol=0, atol=1e-14 * kappa)
    assert np.allclose(np.linalg.eigvalsh(S), [1.0, kappa], rtol=1e-13)
    assert np.allclose(S @ [[c], [s]], [[c], [s]], atol=1e-13)
    assert np.allclose(S @ [[-s], [c]], kappa * np.array([[-s], [c]]),
                       rtol=1e-13, atol=1e-13)


def test_power_iteration_finds_the_top_eigenvalue():
    rng = np.random.default_rng(1)
    Q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    H = Q @ np.diag([-3.0, 0.5, 1.0, 2.0, 4.0, 8.0]) @ Q.T
    lam, v = power_iteration(lambda v: H @ v, rng.standard_normal(6),
                             200)
    assert lam == pytest.approx(8.0, rel=1e-12)
    assert abs(v @ Q[:, -1]) == pytest.approx(1.0, rel=1e-12)


def test_power_iteration_finds_the_largest_magnitude_not_the_largest():
    # indefinite H whose dominant eigenvalue is negative: power iteration
    # returns it, not λ_max (the chapter's proposition on power iteration)
    rng = np.random.default_rng(2)
    Q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    H = Q @ np.diag([-9.0, -1.0, 0.5, 1.0, 2.0, 4.0]) @ Q.T
    lam, v = power_iteration(lambda v: H @ v, rng.standard_normal(6),
                             200)
    assert lam == pytest.approx(-9.0, rel=1e-12)
    assert abs(v @ Q[:, 0]) == pytest.approx(1.0, rel=1e-12)


def test_least_squares_iterates_equal_torch_sgd():
    rng = np.random.default_rng(12)
    M = rng.standard_normal((8, 3))
    y = rng.standard_normal((8, 1))
    S, b = 2 * M.T @ M, 2 * M.T @ y
    eta = float(np.float32(best_step(S)[0]))
    xs = gradient_descent(S, b, np.zeros((3, 1)), eta, 50)
    x = torch.zeros((3, 1), dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([x], lr=eta)
    for k in range(1, 51):
        optimizer.zero_grad()
        ((torch.from_numpy(M) @ x - torch.from_numpy(y)) ** 2).sum(
        ).backward()
        optimizer.step()
        assert np.abs(x.detach().numpy() - xs[k]).max() <= 1e-12


@pytest.mark.parametrize("jit", [False, True])
def test_least_squares_iterates_equal_jax_grad_steps(jit):
    """training.md's JAX cell: x ← x − η ∇‖Mx − y‖², by jax.grad."""
    rng = np.random.default_rng(12)
    M = rng.standard_normal((8, 3))
    y = rng.standard_normal((8, 1))
    S, b = 2 * M.T @ M, 2 * M.T @ y
    eta = float(np.float32(best_step(S)[0]))
    xs = gradient_descent(S, b, np.zeros((3, 1)), eta, 50)

    def step(x):
        return x - eta * jax.grad(lambda x: jnp.sum((M @ x - y) ** 2))(x)

    step = jax.jit(step) if jit else step
    x = jnp.zeros((3, 1))
    assert x.dtype == jnp.float64
    for k in range(1, 51):
        x = step(x)
        np.testing.assert_allclose(np.asarray(x), xs[k], rtol=0,
                                   atol=1e-12)


# --- bad input ----------------------------------------------------------

S_GOOD = np.array([[2.0, 1.0], [1.0, 3.0]])
B_GOOD = np.array([[1.0], [1.0]])


@pytest.mark.parametrize("S, b, message", [
    (np.array([[2.0, 1.0], [0.0, 3.0]]), B_GOOD,
     r"S must be symmetric \(S = Sᵀ\); got max \|S - Sᵀ\| = 1"),
    (np.array([[1.0, 2.0], [2.0, 1.0]]), B_GOOD,
     r"positive definite \(every eigenvalue > 0\); got smallest "
     r"eigenvalue -1"),
    (np.zeros((2, 2)) + np.diag([1.0, 0.0]), B_GOOD,
     r"positive definite .* got smallest eigenvalue 0"),
    (np.ones((2, 3)), B_GOOD,
     r"square matrix of shape \(n, n\); got shape \(2, 3\)"),
    (S_GOOD, np.ones((3, 1)),
     r"b must be a column of shape \(2, 1\) to match S of shape "
     r"\(2, 2\); got shape \(3, 1\)"),
    (S_GOOD, np.ones((1, 2)),
     r"b must be a column of shape \(2, 1\) .* got shape \(1, 2\)"),
])
def test_bad_problems_are_refused(S, b, message):
    for call in (lambda: gradient([[0.0], [0.0]], S, b),
                 lambda: minimiser(S, b),
                 lambda: gradient_descent(S, b, [[0.0], [0.0]], 0.1, 3),
                 lambda: heavy_ball(S, b, [[0.0], [0.0]], 0.1, 0.5, 3),
                 lambda: newton_step([[0.0], [0.0]], S, b)):
        with pytest.raises(ValueError, match=message):
            call()


@pytest.mark.parametrize("eta", [0.0, -0.1, float("nan"), float("inf")])
def test_bad_steps_are_refused(eta):
    with pytest.raises(ValueError,
                       match=r"eta must be a positive, finite step size "
                             r"\(eta > 0\); got eta = "):
        gradient_descent(S_GOOD, B_GOOD, [[0.0], [0.0]], eta, 3)


def test_other_bad_inputs_are_refused():
    with pytest.raises(ValueError, match=r"beta must be in \[0, 1\); "
                                         r"got beta = 1"):
        heavy_ball(S_GOOD, B_GOOD, [[0.0], [0.0]], 0.1, 1.0, 3)
    with pytest.raises(ValueError, match=r"x0 must be a column of shape "
                                         r"\(2, 1\) .* got shape \(1, 2\)"):
        gradient_descent(S_GOOD, B_GOOD, [[0.0, 0.0]], 0.1, 3)
    with pytest.raises(ValueError, match=r"non-zero flat vector of shape "
                                         r"\(n,\); got shape \(2, 1\)"):
        power_iteration(lambda v: v, np.ones((2, 1)), 3)
    with pytest.raises(ValueError, match=r"at least 2 positive numbers"):
        measured_rate([1.0, 0.0])
    with pytest.raises(ValueError, match=r"positive definite"):
        contraction(-S_GOOD, 0.1)
