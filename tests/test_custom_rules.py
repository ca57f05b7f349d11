"""The custom log-sum-exp rules of gradbook.custom_rules, in the engine,
PyTorch, TensorFlow and JAX: each equals automatic differentiation of
the shifted formula in its own framework, passes the book's gradient
check, stays finite where the naive formula gives inf and NaN, and
agrees with the others at 1e-10 in float64."""

import numpy as np
import pytest

import gradbook  # noqa: F401  (TensorFlow's logging, before its import)
import jax
import jax.numpy as jnp
import tensorflow as tf
import torch

from gradbook import custom_rules as cr
from gradbook.autodiff import Tensor, jvp
from gradbook.gradcheck import check_gradient

jax.config.update("jax_enable_x64", True)

TOL = 1e-10
SHAPES = [(5,), (4, 5), (2, 3, 4), (1,)]


def softmax(Z):
    E = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return E / E.sum(axis=-1, keepdims=True)


def lse_by_hand(Z):
    c = Z.max(axis=-1)
    return c + np.log(np.exp(Z - c[..., None]).sum(axis=-1))


# ======== value and gradient of sum(W * lse(Z)) in each machine ========
# W (the seed of each row) has lse's shape, Z.shape[:-1].
def engine(Z, W):
    z = Tensor(Z)
    L = (cr.engine_logsumexp(z) * W).sum()
    L.backward()
    return float(L.data), z.grad


def pytorch(Z, W):
    z = torch.tensor(Z, requires_grad=True)
    L = (cr.TorchLogSumExp.apply(z) * torch.tensor(W)).sum()
    L.backward()
    return L.item(), z.grad.numpy()


def tensorflow(Z, W):
    z = tf.constant(Z)
    with tf.GradientTape() as tape:
        tape.watch(z)
        L = tf.reduce_sum(cr.tf_logsumexp(z) * W)
    return float(L), tape.gradient(L, z).numpy()


def jax_(Z, W):
    L, g = jax.value_and_grad(
        lambda z: (cr.jax_logsumexp(z) * W).sum())(jnp.asarray(Z))
    return float(L), np.asarray(g)


MACHINES = {"engine": engine, "pytorch": pytorch,
            "tensorflow": tensorflow, "jax": jax_}


# ======== autograd of the shifted formula, no custom rule ========
def torch_autograd(Z, W):
    z = torch.tensor(Z, requires_grad=True)
    c = z.amax(dim=-1, keepdim=True)
    lse = (c + torch.log(torch.exp(z - c).sum(-1, keepdim=True)))[..., 0]
    L = (lse * torch.tensor(W)).sum()
    L.backward()
    return L.item(), z.grad.numpy()


def tf_autograd(Z, W):
    z = tf.constant(Z)
    with tf.GradientTape() as tape:
        tape.watch(z)
        c = tf.reduce_max(z, axis=-1, keepdims=True)
        s = tf.reduce_sum(tf.exp(z - c), axis=-1)
        L = tf.reduce_sum((c[..., 0] + tf.math.log(s)) * W)
    return float(L), tape.gradient(L, z).numpy()


def jax_autograd(Z, W):
    def loss(z):
        c = z.max(axis=-1, keepdims=True)
        return ((c + jnp.log(jnp.exp(z - c).sum(-1, keepdims=True)))[..., 0]
                * W).sum()
    L, g = jax.value_and_grad(loss)(jnp.asarray(Z))
    return float(L), np.asarray(g)


def engine_autograd(Z, W):
    # The engine has no max: by the proposition, a constant shift will do.
    z = Tensor(Z)
    c = Z.max(axis=-1, keepdims=True)
    L = (((z - c).exp().sum(axis=-1).log() + c[..., 0]) * W).sum()
    L.backward()
    return float(L.data), z.grad


AUTOGRAD = {"engine": engine_autograd, "pytorch": torch_autograd,
            "tensorflow": tf_autograd, "jax": jax_autograd}


def inputs(shape, seed, scale=3.0, offset=0.0):
    rng = np.random.default_rng(seed)
    Z = offset + scale * rng.standard_normal(shape)
    W = rng.standard_normal(shape[:-1])
    return Z, W


@pytest.mark.parametrize("name", MACHINES)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_custom_rule_equals_autograd_of_the_shifted_formula(name, shape):
    Z, W = inputs(shape, seed=len(shape))
    value, grad = MACHINES[name](Z, W)
    value_ad, grad_ad = AUTOGRAD[name](Z, W)
    np.testing.assert_allclose(value, value_ad, rtol=TOL, atol=TOL)
    np.testing.assert_allclose(grad, grad_ad, rtol=TOL, atol=TOL)
    # and both are the proposition's W p, p = softmax(Z)
    np.testing.assert_allclose(grad, W[..., None] * softmax(Z),
                               rtol=TOL, atol=TOL)
    np.testing.assert_allclose(value, (W * lse_by_hand(Z)).sum(),
                               rtol=TOL, atol=TOL)


@pytest.mark.parametrize("name", MACHINES)
def test_custom_rule_passes_the_gradient_check(name):
    Z, W = inputs((4, 5), seed=7)
    _, grad = MACHINES[name](Z, W)
    check = check_gradient(
        lambda P: (MACHINES[name](P[0], W)[0], []), [Z], [grad])
    assert check.passed, check.errors


@pytest.mark.parametrize("name", MACHINES)
def test_a_wrong_rule_fails_the_gradient_check(name):
    """The check can fail: a gradient off by a factor is caught."""
    Z, W = inputs((4, 5), seed=8)
    _, grad = MACHINES[name](Z, W)
    check = check_gradient(
        lambda P: (MACHINES[name](P[0], W)[0], []), [Z], [1.01 * grad])
    assert not check.passed


@pytest.mark.parametrize("name", MACHINES)
def test_large_scores_stay_finite_where_the_naive_formula_fails(name):
    Z = np.array([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -1000.5]])
    W = np.array([1.0, -2.0])
    value, grad = MACHINES[name](Z, W)
    assert np.isfinite(value) and np.isfinite(grad).all()
    np.testing.assert_allclose(grad, W[:, None] * softmax(Z),
                               rtol=TOL, atol=TOL)
    np.testing.assert_allclose(value, (W * lse_by_hand(Z)).sum(),
                               rtol=TOL, atol=TOL)


def test_the_naive_formula_gives_inf_and_nan_in_every_framework():
    z_big = np.array([1000.0, 999.0, 998.0])
    zt = torch.tensor(z_big, requires_grad=True)
    lse = torch.log(torch.exp(zt).sum())
    lse.backward()
    assert torch.isinf(lse) and torch.isnan(zt.grad).all()

    zf = tf.constant(z_big)
    with tf.GradientTape() as tape:
        tape.watch(zf)
        lse = tf.math.log(tf.reduce_sum(tf.exp(zf)))
    assert np.isinf(lse.numpy())
    assert np.isnan(tape.gradient(lse, zf).numpy()).all()

    lse, g = jax.value_and_grad(
        lambda z: jnp.log(jnp.exp(z).sum()))(z_big)
    assert np.isinf(lse) and np.isnan(g).all()

    z = Tensor(z_big)
    with np.errstate(over="ignore", invalid="ignore"):
        lse = z.exp().sum().log()
        lse.backward()
    assert np.isinf(lse.data) and np.isnan(z.grad).all()


@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_the_machines_agree_with_the_engine(shape):
    Z, W = inputs(shape, seed=11, scale=10.0, offset=300.0)
    value, grad = engine(Z, W)
    for name in ("pytorch", "tensorflow", "jax"):
        other_value, other_grad = MACHINES[name](Z, W)
        np.testing.assert_allclose(other_value, value, rtol=TOL, atol=TOL)
        np.testing.assert_allclose(other_grad, grad, rtol=TOL, atol=TOL)


def test_the_shift_changes_neither_value_nor_gradient():
    """Part 3: any shift c gives lse and softmax, even a non-max one."""
    Z, W = inputs((3, 4), seed=12)
    for c in (0.0, -5.0, 2.5):
        z = Tensor(Z)
        L = ((((z - c).exp().sum(axis=-1)).log() + c) * W).sum()
        L.backward()
        np.testing.assert_allclose(z.grad, W[:, None] * softmax(Z),
                                   rtol=TOL, atol=TOL)
        np.testing.assert_allclose(L.data, (W * lse_by_hand(Z)).sum(),
                                   rtol=TOL, atol=TOL)


def test_the_engine_rule_has_the_jvp_p_dot_zdot():
    Z, _ = inputs((4, 5), seed=13)
    V = np.random.default_rng(14).standard_normal(Z.shape)
    z = Tensor(Z)
    y = cr.engine_logsumexp(z)
    np.testing.assert_allclose(jvp(y, {z: V}), (softmax(Z) * V).sum(-1),
                               rtol=TOL, atol=TOL)


def test_the_engine_rule_keeps_only_the_softmax():
    from gradbook.autodiff_memory import saved
    Z, _ = inputs((4, 5), seed=15)
    kept = [v for v in saved(cr.engine_logsumexp(Tensor(Z))).values()
            if isinstance(v, np.ndarray)]
    assert len(kept) == 1
    np.testing.assert_allclose(kept[0], softmax(Z), rtol=TOL, atol=TOL)


def test_jax_rule_gives_the_hessian_and_refuses_forward_mode():
    z = np.array([0.0, 1.0, 2.0])
    p = softmax(z)
    H = np.asarray(jax.hessian(cr.jax_logsumexp)(z))
    np.testing.assert_allclose(H, np.diag(p) - np.outer(p, p),
                               rtol=TOL, atol=TOL)
    with pytest.raises(TypeError, match="custom_vjp"):
        jax.jvp(cr.jax_logsumexp, (z,), (np.ones(3),))


def test_the_pytorch_rule_has_no_second_derivative():
    """Its saved p has no history: the page's exercise says why."""
    H = torch.autograd.functional.hessian(cr.TorchLogSumExp.apply,
                                          torch.tensor([0.0, 1.0, 2.0],
                                                       dtype=torch.float64))
    assert torch.all(H == 0)
