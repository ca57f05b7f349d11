"""gradbook.jacobians (with gradbook.jacobians_frameworks and
gradbook.bench_modes) against the mathematics of "The chain rule and
the two modes of automatic differentiation".

Random chains are built from the book's maps: linear maps of random
shapes, tanh, softmax, and, as the last step, sometimes the quadratic
form or the cross-entropy. Each chain exists three times, as gradbook
Steps (derivatives by hand), as a PyTorch function and as a TensorFlow
function, so the three Jacobians can be compared.

Tolerances. u = ε/2 is the unit roundoff of float64.
- uᵀ(Jv) and (Jᵀu)ᵀv are the same number formed in two orders; each
  product of a chain of k steps of width at most w is off by at most
  about k·w·u relative to the sizes |u|ᵀ|J_k|⋯|J_1||v| (Higham,
  Accuracy and Stability of Numerical Algorithms, §3.5), so we allow
  4·(k + 1)·w·u times that size.
- Central differences with step h are off by c·h² + O(h⁴) (truncation,
  c depending on third derivatives) plus about ε·|F|/h (rounding; see
  the numerical-check page). The same differences at 2h are off by
  4c·h², so |D(2h) − D(h)| ≈ 3c·h² measures the truncation from the
  function values alone (Richardson), without the derivative under
  test; we allow that, plus 8u·max(1, |F|)/h for the rounding of both.
"""

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradbook  # noqa: F401  (TensorFlow's logging, before its import)
import tensorflow as tf
import torch
from gradbook import bench_modes
from gradbook.jacobians import (
    cross_entropy,
    finite_difference_jacobian,
    forward_mode,
    jacobian_by_jvps,
    jacobian_by_vjps,
    linear,
    quadratic,
    reverse_mode,
    softmax,
    tanh,
)
from gradbook.jacobians_frameworks import tf_hvp, torch_hvp
from gradbook.quadform import hessian_f

import framework_support as machine

# torch 2.13's torch.func.jvp, on first use, imports its forward-mode
# decompositions, which compile themselves with torch.jit.script, which
# torch itself has deprecated. The warning is torch's own, raised from
# inside torch, once; nothing in this book calls torch.jit.
pytestmark = pytest.mark.filterwarnings(
    "ignore:`torch.jit.script` is deprecated:DeprecationWarning:torch"
)

ROOT = Path(__file__).resolve().parents[1]
u_round = np.finfo(float).eps / 2
H_STEP = 1e-4
SETTINGS = settings(max_examples=30, deadline=None, derandomize=True)


# --- random chains, three times over -------------------------------------


@st.composite
def chains(draw):
    """(spec, x): a chain's steps as (kind, parameter) pairs, and a point.

    Kinds: ("linear", W), ("tanh", None), ("softmax", None), and last,
    sometimes, ("quadratic", A) or ("cross_entropy", k).
    """
    n = draw(st.integers(1, 4))
    width, spec = n, []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["linear", "tanh", "softmax"]))
        if kind == "linear":
            rows = draw(st.integers(1, 4))
            seed = draw(st.integers(0, 2**32 - 1))
            W = np.random.default_rng(seed).uniform(-1, 1, (rows, width))
            spec.append(("linear", W))
            width = rows
        else:
            spec.append((kind, None))
    end = draw(st.sampled_from(["none", "quadratic", "cross_entropy"]))
    if end == "quadratic":
        seed = draw(st.integers(0, 2**32 - 1))
        A = np.random.default_rng(seed).uniform(-1, 1, (width, width))
        spec.append(("quadratic", A))
    elif end == "cross_entropy":
        spec.append(("cross_entropy", draw(st.integers(0, width - 1))))
    seed = draw(st.integers(0, 2**32 - 1))
    x = np.random.default_rng(seed).uniform(-2, 2, (n, 1))
    return spec, x


def steps_of(spec):
    makers = {"linear": linear, "quadratic": quadratic,
              "cross_entropy": cross_entropy,
              "tanh": lambda _: tanh(), "softmax": lambda _: softmax()}
    return [makers[kind](param) for kind, param in spec]


def torch_function(spec):
    def F(z):
        for kind, param in spec:
            if kind == "linear":
                z = torch.tensor(param) @ z
            elif kind == "tanh":
                z = torch.tanh(z)
            elif kind == "softmax":
                z = torch.softmax(z, dim=0)
            elif kind == "quadratic":
                z = z.T @ torch.tensor(param) @ z
            else:
                z = -torch.log_softmax(z, dim=0)[param:param + 1]
        return z
    return F


def tf_function(spec):
    def F(z):
        for kind, param in spec:
            if kind == "linear":
                z = tf.constant(param) @ z
            elif kind == "tanh":
                z = tf.tanh(z)
            elif kind == "softmax":
                z = tf.nn.softmax(z, axis=0)
            elif kind == "quadratic":
                z = tf.transpose(z) @ tf.constant(param) @ z
            else:
                z = -tf.nn.log_softmax(z, axis=0)[param:param + 1]
        return z
    return F


def value(steps, x):
    for step in steps:
        x = step.value(x)
    return x


def hand_jacobians(steps, x):
    """[J_1, …, J_k] at the points the chain passes through."""
    Js = []
    for step in steps:
        Js.append(step.jacobian(x))
        x = step.value(x)
    return Js


def product(Js):
    J = Js[0]
    for J_next in Js[1:]:
        J = J_next @ J
    return J


def directions(spec, x, seed=0):
    rng = np.random.default_rng(seed)
    m = value(steps_of(spec), x).shape[0]
    return rng.standard_normal((x.shape[0], 1)), rng.standard_normal((m, 1))


def differences_and_tolerance(F, x):
    """Central differences at H_STEP, and a tolerance for each entry."""
    J_h = finite_difference_jacobian(F, x, H_STEP)
    J_2h = finite_difference_jacobian(F, x, 2 * H_STEP)
    F_size = max(1.0, np.abs(F(x)).max())
    return J_h, np.abs(J_2h - J_h) + 8 * u_round * F_size / H_STEP


# --- the two modes --------------------------------------------------------


@SETTINGS
@given(chain=chains())
def test_forward_and_reverse_meet_in_uT_J_v(chain):
    spec, x = chain
    steps = steps_of(spec)
    v, u = directions(spec, x)
    y, Jv = forward_mode(steps, x, v)
    y_again, JTu = reverse_mode(steps, x, u)
    assert np.array_equal(y, y_again)
    assert Jv.shape == u.shape and JTu.shape == v.shape
    Js = hand_jacobians(steps, x)
    size = np.abs(u).T @ product([np.abs(J) for J in Js]) @ np.abs(v)
    width = max([x.shape[0]] + [J.shape[0] for J in Js])
    bound = 4 * (len(Js) + 1) * width * u_round * size.item()
    assert abs((u.T @ Jv).item() - (JTu.T @ v).item()) <= bound


@SETTINGS
@given(chain=chains())
def test_jvp_and_vjp_equal_central_differences(chain):
    spec, x = chain
    steps = steps_of(spec)
    v, u = directions(spec, x)
    J_fd, entry = differences_and_tolerance(
        lambda z: value(steps, z), x)
    _, Jv = forward_mode(steps, x, v)
    _, JTu = reverse_mode(steps, x, u)
    assert np.all(np.abs(Jv - J_fd @ v) <= entry @ np.abs(v))
    assert np.all(np.abs(JTu - J_fd.T @ u) <= entry.T @ np.abs(u))


def test_the_difference_check_has_teeth():
    """A softmax VJP that forgets the −s(sᵀu) term fails the check."""
    rng = np.random.default_rng(1)
    z = rng.uniform(-2, 2, (4, 1))
    u = rng.standard_normal((4, 1))
    J_fd, entry = differences_and_tolerance(softmax().value, z)
    bound = entry.T @ np.abs(u)
    wrong = softmax().value(z) * u
    assert np.any(np.abs(wrong - J_fd.T @ u) > 1e3 * bound)
    right = softmax().vjp(z, u)
    assert np.all(np.abs(right - J_fd.T @ u) <= bound)
    # and the tolerance is a small fraction of what it checks
    assert bound.max() < 1e-6 * np.abs(right).max()


@SETTINGS
@given(chain=chains())
def test_whole_jacobian_by_n_jvps_and_by_m_vjps(chain):
    spec, x = chain
    steps = steps_of(spec)
    n = x.shape[0]
    m = value(steps, x).shape[0]
    calls = {"jvp": 0, "vjp": 0}

    def jvp(v):
        calls["jvp"] += 1
        return forward_mode(steps, x, v)[1]

    def vjp(u):
        calls["vjp"] += 1
        return reverse_mode(steps, x, u)[1]

    J_columns = jacobian_by_jvps(jvp, n)
    J_rows = jacobian_by_vjps(vjp, m)
    assert calls == {"jvp": n, "vjp": m}
    J_hand = product(hand_jacobians(steps, x))
    assert J_columns.shape == J_rows.shape == J_hand.shape == (m, n)
    np.testing.assert_allclose(J_columns, J_hand, rtol=0, atol=1e-14)
    np.testing.assert_allclose(J_rows, J_hand, rtol=0, atol=1e-14)


# --- the frameworks ------------------------------------------------------


@settings(max_examples=10, deadline=None, derandomize=True)
@given(chain=chains())
def test_torch_tf_and_hand_jacobians_agree(chain):
    spec, x = chain
    steps = steps_of(spec)
    F_torch, F_tf = torch_function(spec), tf_function(spec)
    n = x.shape[0]
    m = value(steps, x).shape[0]
    J_hand = product(hand_jacobians(steps, x))
    J_torch_fwd = jacobian_by_jvps(
        lambda v: machine.torch_jvp(F_torch, x, v)[1], n)
    J_torch_rev = jacobian_by_vjps(
        lambda u: machine.torch_vjp(F_torch, x, u)[1], m)
    J_tf_fwd = jacobian_by_jvps(
        lambda v: machine.tf_jvp(F_tf, x, v)[1], n)
    J_tf_rev = jacobian_by_vjps(
        lambda u: machine.tf_vjp(F_tf, x, u)[1], m)
    J_jacrev = torch.func.jacrev(F_torch)(torch.tensor(x)).reshape(m, n)
    for J in (J_torch_fwd, J_torch_rev, J_tf_fwd, J_tf_rev,
              J_jacrev.numpy()):
        np.testing.assert_allclose(J, J_hand, rtol=0, atol=1e-10)
    y_torch, _ = machine.torch_jvp(F_torch, x, np.ones((n, 1)))
    y_tf, _ = machine.tf_vjp(F_tf, x, np.ones((m, 1)))
    np.testing.assert_allclose(y_torch, value(steps, x), atol=1e-14)
    np.testing.assert_allclose(y_tf, value(steps, x), atol=1e-14)


def test_results_are_float64_numpy():
    F = torch_function([("tanh", None)])
    x = np.array([[0.5], [-1.0]])
    for array in (*machine.torch_jvp(F, x, x),
                  *machine.torch_vjp(F, x, x),
                  *machine.tf_jvp(tf_function([("tanh", None)]), x, x)):
        assert isinstance(array, np.ndarray) and array.dtype == np.float64


# --- Hessian-vector products ----------------------------------------------


def gamma(m):
    return m * u_round / (1 - m * u_round)


@pytest.mark.parametrize("n", range(1, 9))
@pytest.mark.parametrize("kind", ["symmetric", "not symmetric"])
def test_hvp_is_A_plus_AT_times_v(n, kind):
    rng = np.random.default_rng(100 * n + len(kind))
    for _ in range(3):
        A = rng.standard_normal((n, n))
        if kind == "symmetric":
            A = A + A.T
        x = rng.standard_normal((n, 1))
        v = rng.standard_normal((n, 1))
        A_t, A_f = torch.tensor(A), tf.constant(A)
        exact = hessian_f(A) @ v
        # Each side sums 2n products (Av and Aᵀv, then added).
        bound = 2 * gamma(2 * n + 1) * (np.abs(A) + np.abs(A.T)) \
            @ np.abs(v)
        for Hv in (torch_hvp(lambda x: x.T @ A_t @ x, x, v),
                   tf_hvp(lambda x: tf.transpose(x) @ A_f @ x, x, v)):
            assert Hv.shape == (n, 1)
            assert np.all(np.abs(Hv - exact) <= bound)
        if kind == "not symmetric" and n > 1:
            # the wrong formula 2Av is far outside the bound
            assert np.any(np.abs(2 * A @ v - exact) > 1e6 * bound)


def test_hvp_of_cross_entropy_is_softmax_jacobian():
    rng = np.random.default_rng(7)
    z = rng.standard_normal((5, 1))
    s = softmax().value(z)
    H = np.diag(s.ravel()) - s @ s.T
    for k in range(5):
        H_torch = jacobian_by_jvps(lambda v: torch_hvp(
            lambda z: -torch.log_softmax(z, dim=0)[k], z, v), 5)
        H_tf = jacobian_by_jvps(lambda v: tf_hvp(
            lambda z: -tf.nn.log_softmax(z, axis=0)[k], z, v), 5)
        np.testing.assert_allclose(H_torch, H, rtol=0, atol=1e-15)
        np.testing.assert_allclose(H_tf, H, rtol=0, atol=1e-15)


# --- bad input -------------------------------------------------------------


def quad_torch(x):
    return x.T @ x


def quad_tf(x):
    return tf.transpose(x) @ x


X3 = np.ones((3, 1))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: forward_mode([tanh()], X3, np.ones((2, 1))),
         r"v must be a column vector of shape \(3, 1\); got shape \(2, 1\)"),
        (lambda: reverse_mode([linear(np.ones((2, 3)))], X3, X3),
         r"u must be a column vector of shape \(2, 1\); got shape \(3, 1\)"),
        (lambda: forward_mode([tanh()], np.ones((1, 3)), X3),
         r"x must be a column .* got shape \(1, 3\) \(a row vector: pass "
         r"x\.T\)"),
        (lambda: quadratic(np.ones((2, 3))),
         r"square matrix of shape \(n, n\); got shape \(2, 3\)"),
        (lambda: linear(np.ones(3)),
         r"A must be a matrix \(m, n\); got shape \(3,\)"),
        (lambda: finite_difference_jacobian(np.tanh, X3, 0.0),
         r"h must be a positive step; got h = 0.0"),
        (lambda: machine.torch_jvp(torch.tanh, X3, np.ones((4, 1))),
         r"v must be a column vector of shape \(3, 1\); got shape \(4, 1\)"),
        (lambda: machine.tf_jvp(tf.tanh, X3, np.ones((4, 1))),
         r"v must be a column vector of shape \(3, 1\); got shape \(4, 1\)"),
        (lambda: machine.torch_vjp(torch.tanh, X3, np.ones((2, 2))),
         r"u must have the output's shape \(3, 1\); got shape \(2, 2\)"),
        (lambda: machine.tf_vjp(tf.tanh, X3, np.ones((2, 2))),
         r"u must have the output's shape \(3, 1\); got shape \(2, 2\)"),
        (lambda: torch_hvp(torch.tanh, X3, X3),
         r"needs a scalar function \(one number out\); got an output of "
         r"shape \(3, 1\)"),
        (lambda: tf_hvp(tf.tanh, X3, X3),
         r"needs a scalar function \(one number out\); got an output of "
         r"shape \(3, 1\)"),
        (lambda: torch_hvp(quad_torch, X3, np.ones((2, 1))),
         r"v must be a column vector of shape \(3, 1\); got shape \(2, 1\)"),
        (lambda: tf_hvp(quad_tf, X3, np.ones((2, 1))),
         r"v must be a column vector of shape \(3, 1\); got shape \(2, 1\)"),
    ],
)
def test_bad_input_names_expected_and_actual(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- the cost benchmark -----------------------------------------------------


def test_bench_modes_rows_count_passes_and_agree():
    rows = bench_modes.run(n_values=(1, 8), repeats=1, jvp_repeats=1,
                           frameworks=("pytorch", "tensorflow"))
    assert [(r["framework"], r["n"]) for r in rows] == [
        ("pytorch", 1), ("tensorflow", 1), ("pytorch", 8),
        ("tensorflow", 8)]
    for row in rows:
        assert row["jvps"] == row["n"] and row["vjps"] == 1
        assert row["gradient_gap"] <= 1e-15
        assert min(row["seconds_f"], row["seconds_jvps"],
                   row["seconds_vjp"]) > 0


def test_bench_modes_refuses_unknown_frameworks_and_sizes():
    with pytest.raises(ValueError, match=r"some of \('pytorch', "
                       r"'tensorflow', 'jax', 'jax-jit'\); got "
                       r"\('mxnet',\)"):
        bench_modes.run(frameworks=("mxnet",))
    with pytest.raises(ValueError, match=r"sizes ≥ 1; got \(0, 4\)"):
        bench_modes.run(n_values=(0, 4))


def test_saved_measurement_covers_n_to_4096_in_every_framework():
    saved = json.loads((ROOT / "code/gradbook/runs/modes.json").read_text())
    machine, rows = saved["machine"], saved["rows"]
    for key in ("cpu", "cpu_count", "python", "numpy", "pytorch",
                "tensorflow", "threads", "utc", "repeats"):
        assert key in machine
    for framework in bench_modes.FRAMEWORKS:
        sizes = sorted(r["n"] for r in rows if r["framework"] == framework)
        top = bench_modes.MAX_N.get(framework, 4096)
        assert sizes[0] == 1 and sizes[-1] >= top
    for row in rows:
        assert row["jvps"] == row["n"] and row["vjps"] == 1
        assert row["gradient_gap"] <= 1e-15


def test_plot_modes_draws_the_counted_passes_and_the_saved_times():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    saved = json.loads((ROOT / "code/gradbook/runs/modes.json").read_text())
    sizes = sorted({r["n"] for r in saved["rows"]})
    counts = {"forward": sizes, "reverse": [1] * len(sizes)}
    fig = bench_modes.plot_modes(sizes, counts, saved["rows"])
    try:
        ax_passes, ax_time = fig.axes
        assert [list(line.get_ydata()) for line in ax_passes.lines] == [
            sizes, [1] * len(sizes)]
        # n JVPs and one VJP for each of the four: PyTorch,
        # TensorFlow, JAX eager and JAX under jit
        assert len(ax_time.lines) == 8
        assert ax_time.get_xscale() == ax_time.get_yscale() == "log"
    finally:
        plt.close(fig)
