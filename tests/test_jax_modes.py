"""JAX's two modes (gradbook.jacobians_frameworks, gradbook.bench_modes)
against PyTorch, TensorFlow and the Jacobians derived by hand.

The pages "JVPs, VJPs and the two modes", "What a Jacobian costs" and
"Hessian-vector products" compute in JAX: jax.jvp, jax.vjp,
jax.linearize, jax.linear_transpose (`vjp_by_transpose`), jacfwd and
jacrev, and the three orders of a Hessian-vector product
(`HVP_ORDERS`). Everything is float64 and compared at 1e-10: the maps
are a few operations deep on a few entries of size about 1, so the
rounding of each product is a few units of 1e-16.
"""

import json
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import gradbook  # noqa: F401  (TensorFlow's logging, before its import)
import tensorflow as tf
import torch
from gradbook import bench_modes
from gradbook.jacobians import linear, quadratic, softmax, tanh
from gradbook.jacobians_frameworks import (
    HVP_ORDERS,
    torch_hvp,
    vjp_by_transpose,
)
from gradbook.quadform import hessian_f

import framework_support as machine

jax.config.update("jax_enable_x64", True)

pytestmark = pytest.mark.filterwarnings(
    "ignore:`torch.jit.script` is deprecated:DeprecationWarning:torch"
)

ROOT = Path(__file__).resolve().parents[1]
TOL = dict(rtol=1e-10, atol=1e-10)


def network(seed):
    """The small network x ↦ softmax(W2 tanh(W1 x)), four ways.

    Returns (steps, jax_F, torch_F, tf_F, x): gradbook Steps (hand
    Jacobians) and the same function in each framework, x of (2, 1).
    """
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((3, 2))
    W2 = rng.standard_normal((4, 3))
    steps = [linear(W1), tanh(), linear(W2), softmax()]
    W1_t, W2_t = torch.tensor(W1), torch.tensor(W2)
    W1_f, W2_f = tf.constant(W1), tf.constant(W2)
    return (
        steps,
        lambda x: jax.nn.softmax(W2 @ jnp.tanh(W1 @ x), axis=0),
        lambda x: torch.softmax(W2_t @ torch.tanh(W1_t @ x), dim=0),
        lambda x: tf.nn.softmax(W2_f @ tf.tanh(W1_f @ x), axis=0),
        rng.standard_normal((2, 1)),
    )


def hand_jacobian(steps, x):
    """J_k ⋯ J_1 from the Jacobians written by hand."""
    J, z = np.eye(len(x)), x
    for step in steps:
        J = step.jacobian(z) @ J
        z = step.value(z)
    return J


@pytest.mark.parametrize("seed", range(5))
def test_jax_jvp_vjp_linearize_transpose_equal_torch_tf_and_hand(seed):
    steps, F, F_torch, F_tf, x0 = network(seed)
    rng = np.random.default_rng(100 + seed)
    v, u = rng.standard_normal((2, 1)), rng.standard_normal((4, 1))
    J = hand_jacobian(steps, x0)
    x = jnp.asarray(x0)
    jvps = {
        "jax.jvp": machine.jax_jvp(F, x0, v)[1],
        "jax.linearize": jax.linearize(F, x)[1](jnp.asarray(v)),
        "torch": machine.torch_jvp(F_torch, x0, v)[1],
        "tf": machine.tf_jvp(F_tf, x0, v)[1],
    }
    vjps = {
        "jax.vjp": machine.jax_vjp(F, x0, u)[1],
        "transpose": vjp_by_transpose(F, x)[1](jnp.asarray(u)),
        "torch": machine.torch_vjp(F_torch, x0, u)[1],
        "tf": machine.tf_vjp(F_tf, x0, u)[1],
    }
    for name, Jv in jvps.items():
        np.testing.assert_allclose(Jv, J @ v, **TOL, err_msg=name)
    for name, JTu in vjps.items():
        np.testing.assert_allclose(JTu, J.T @ u, **TOL, err_msg=name)
    # and JAX against the other two machines directly
    np.testing.assert_allclose(jvps["jax.jvp"], jvps["torch"], **TOL)
    np.testing.assert_allclose(jvps["jax.linearize"], jvps["tf"], **TOL)
    np.testing.assert_allclose(vjps["transpose"], vjps["torch"], **TOL)
    np.testing.assert_allclose(vjps["jax.vjp"], vjps["tf"], **TOL)
    np.testing.assert_allclose(jax.jacfwd(F)(x).reshape(4, 2), J, **TOL)
    np.testing.assert_allclose(jax.jacrev(F)(x).reshape(4, 2), J, **TOL)


@pytest.mark.parametrize("seed", range(5))
def test_transpose_identity_on_random_maps_and_directions(seed):
    """⟨u, DF(x) v⟩ = ⟨DF(x)ᵀu, v⟩, with DF(x)ᵀu by linear_transpose."""
    rng = np.random.default_rng(seed)
    n, m = rng.integers(1, 7, size=2)
    M = jnp.asarray(rng.standard_normal((m, n)))

    def F(x):
        return jnp.sin(M @ x) * jnp.sum(x**2)

    x = jnp.asarray(rng.standard_normal((n, 1)))
    _, jvp_map = jax.linearize(F, x)
    _, vjp_map = vjp_by_transpose(F, x)
    for _ in range(10):
        u = rng.standard_normal((m, 1))
        v = rng.standard_normal((n, 1))
        left = float((u.T @ jvp_map(v))[0, 0])
        right = float((vjp_map(u).T @ v)[0, 0])
        assert abs(left - right) <= 1e-10 * max(1.0, abs(left))
    # part 2 of the theorem: entry j of DFᵀu is ⟨u, DF e_j⟩
    u = rng.standard_normal((m, 1))
    entries = [float((u.T @ jvp_map(e[:, None]))[0, 0])
               for e in np.eye(n)]
    np.testing.assert_allclose(np.asarray(vjp_map(u)).ravel(), entries,
                               **TOL)


@pytest.mark.parametrize("name", ["linear", "quadratic", "softmax"])
def test_jax_products_on_the_three_maps_equal_the_hand_jacobians(name):
    A0 = np.array([[1.0, 2.0], [2.0, 3.0]])
    x0, v = np.array([[1.0], [2.0]]), np.array([[1.0], [-1.0]])
    step, F, u = {
        "linear": (linear(A0), lambda x: A0 @ x, np.array([[2.0], [1.0]])),
        "quadratic": (quadratic(A0), lambda x: x.T @ A0 @ x,
                      np.array([[1.0]])),
        "softmax": (softmax(), lambda x: jax.nn.softmax(x, axis=0),
                    np.array([[2.0], [1.0]])),
    }[name]
    J = step.jacobian(x0)
    x = jnp.asarray(x0)
    np.testing.assert_allclose(jax.jvp(F, (x,), (jnp.asarray(v),))[1],
                               J @ v, **TOL)
    np.testing.assert_allclose(vjp_by_transpose(F, x)[1](jnp.asarray(u)),
                               J.T @ u, **TOL)


@pytest.mark.parametrize("n", [1, 2, 5])
def test_three_hvp_orders_equal_each_other_and_A_plus_AT_v(n):
    rng = np.random.default_rng(n)
    A = rng.standard_normal((n, n))
    x, v = rng.standard_normal((n, 1)), rng.standard_normal((n, 1))
    A_j = jnp.asarray(A)
    results = [machine.jax_hvp(lambda x: x.T @ A_j @ x, x, v, order)
               for order in HVP_ORDERS]
    A_t = torch.tensor(A)
    results.append(torch_hvp(lambda x: x.T @ A_t @ x, x, v))
    for Hv in results:
        np.testing.assert_allclose(Hv, hessian_f(A) @ v, **TOL)


def test_three_hvp_orders_on_the_cross_entropy_equal_the_formula():
    rng = np.random.default_rng(7)
    z = rng.standard_normal((6, 1))
    v = rng.standard_normal((6, 1))
    s = softmax().value(z)
    formula = s * v - s * (s.T @ v)  # (diag(s) − ssᵀ) v

    def loss(z):
        return jax.nn.logsumexp(z[:, 0]) - z[0, 0]

    for order, hvp in HVP_ORDERS.items():
        np.testing.assert_allclose(machine.jax_hvp(loss, z, v, order),
                                   formula, **TOL, err_msg=order)
        jitted = jax.jit(lambda z, v, hvp=hvp: hvp(loss, z, v))
        np.testing.assert_allclose(
            jitted(jnp.asarray(z), jnp.asarray(v)), formula, **TOL)


def test_jax_hvp_refuses_float32_vector_outputs_and_unknown_orders():
    A = jnp.eye(3)
    x = v = np.ones((3, 1))
    with pytest.raises(ValueError, match="one number out"):
        machine.jax_hvp(lambda x: A @ x, x, v)
    with pytest.raises(ValueError, match="order must be one of"):
        machine.jax_hvp(lambda x: x.T @ A @ x, x, v, "sideways")
    jax.config.update("jax_enable_x64", False)
    try:
        with pytest.raises(ValueError, match="jax_enable_x64"):
            machine.jax_hvp(lambda x: x.T @ A @ x, x, v)
    finally:
        jax.config.update("jax_enable_x64", True)


def test_bench_modes_times_jax_eager_and_jit():
    rows = bench_modes.run(n_values=(1, 4), frameworks=("jax", "jax-jit"),
                           repeats=1, jvp_repeats=1)
    assert [(r["framework"], r["n"]) for r in rows] == [
        ("jax", 1), ("jax-jit", 1), ("jax", 4), ("jax-jit", 4)]
    for row in rows:
        assert row["gradient_gap"] <= 1e-15
        assert min(row["seconds_f"], row["seconds_jvps"],
                   row["seconds_vjp"]) > 0


def test_bench_hvp_rows_agree_with_the_formula():
    rows = bench_modes.hvp_run(n_values=(3,), repeats=1)
    assert {(r["order"], r["jit"]) for r in rows} == {
        (order, jit) for order in HVP_ORDERS for jit in (False, True)}
    assert max(r["gap"] for r in rows) < 1e-15


def test_saved_run_has_the_jax_rows_the_pages_read():
    saved = json.loads((ROOT / "code/gradbook/runs/modes.json").read_text())
    assert "jax" in saved["machine"]
    for framework in bench_modes.FRAMEWORKS:
        sizes = sorted(r["n"] for r in saved["rows"]
                       if r["framework"] == framework)
        top = bench_modes.MAX_N.get(framework, 4096)
        assert sizes == [2**k for k in range(13) if 2**k <= top]
    hvp = saved["hvp"]
    assert {(r["order"], r["jit"], r["n"]) for r in hvp} == {
        (order, jit, n) for order in HVP_ORDERS for jit in (False, True)
        for n in bench_modes.HVP_N_VALUES}
    assert max(r["gap"] for r in hvp) < 1e-15
    assert min(r["seconds"] for r in hvp) > 0
