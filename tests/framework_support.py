"""Framework references only the tests use: losses, an SGD step, JVPs
and VJPs through PyTorch, TensorFlow and JAX, and JAX's Hessian-vector
products NumPy in and out, to check gradbook against.

They live here, not in gradbook, because no chapter calls them.
"""

import numpy as np

import gradbook  # noqa: F401  (TensorFlow's logging, before its import)
import jax
import jax.numpy as jnp
import keras
import tensorflow as tf
import torch
from gradbook.checks import check_params
from gradbook.jacobians import _column
from gradbook.jacobians_frameworks import (
    HVP_ORDERS,
    _scalar_output,
    check_jax_float64,
)
from gradbook.nn_frameworks import _data, _torch_params, keras_mlp, torch_mlp


# --- the MLP's loss and one SGD step (gradbook.nn_frameworks' params) ---


def torch_loss(params, X, Y):
    """Mean cross-entropy (a float) from PyTorch, float64."""
    params = check_params(params)
    X, Y = _data(params, X, Y)
    with torch.no_grad():
        Z = torch_mlp(params)(torch.from_numpy(X))
        return float(
            torch.nn.functional.cross_entropy(Z, torch.from_numpy(Y))
        )


def torch_sgd_step(params, X, Y, lr):
    """One torch.optim.SGD step on the batch; returns the new params."""
    params = check_params(params)
    X, Y = _data(params, X, Y)
    model = torch_mlp(params)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    optimizer.zero_grad()
    torch.nn.functional.cross_entropy(
        model(torch.from_numpy(X)), torch.from_numpy(Y)
    ).backward()
    optimizer.step()
    return _torch_params(model)


def keras_loss(params, X, Y):
    """Mean cross-entropy (a float) from Keras's CategoricalCrossentropy."""
    params = check_params(params)
    X, Y = _data(params, X, Y)
    P = keras_mlp(params)(X.astype(np.float32))
    loss = keras.losses.CategoricalCrossentropy()
    return float(loss(Y.astype(np.float32), P))


# --- JVPs, VJPs and HVPs by machine (x: (n, 1), NumPy in and out) ---


def torch_jvp(func, x, v):
    """(F(x), J v) by torch.func.jvp: one JVP sweep (forward mode).

    x, v: (n, 1). Returns NumPy arrays of F(x)'s shape.
    """
    x = _column(x, "x")
    v = _column(v, "v", len(x))
    y, Jv = torch.func.jvp(func, (torch.tensor(x),), (torch.tensor(v),))
    return y.detach().numpy(), Jv.detach().numpy()


def torch_vjp(func, x, u):
    """(F(x), Jᵀu) by torch.func.vjp: a forward pass and a VJP sweep.

    x: (n, 1); u: F(x)'s shape. Returns F(x), and Jᵀu of x's shape.
    """
    x = _column(x, "x")
    y, pullback = torch.func.vjp(func, torch.tensor(x))
    u = _like(u, "u", tuple(y.shape))
    (JTu,) = pullback(torch.tensor(u))
    return y.detach().numpy(), JTu.detach().numpy()


def tf_jvp(func, x, v):
    """(F(x), J v) by tf.autodiff.ForwardAccumulator: forward mode.

    x, v: (n, 1). Returns NumPy arrays of F(x)'s shape.
    """
    x = _column(x, "x")
    v = _column(v, "v", len(x))
    x = tf.constant(x)
    with tf.autodiff.ForwardAccumulator(x, tf.constant(v)) as acc:
        y = func(x)
    return y.numpy(), acc.jvp(y).numpy()


def tf_vjp(func, x, u):
    """(F(x), Jᵀu) by tape.gradient(y, x, output_gradients=u).

    x: (n, 1); u: F(x)'s shape. Returns F(x), and Jᵀu of x's shape.
    """
    x = tf.constant(_column(x, "x"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = func(x)
    u = _like(u, "u", tuple(y.shape))
    JTu = tape.gradient(y, x, output_gradients=tf.constant(u))
    return y.numpy(), JTu.numpy()


def jax_jvp(func, x, v):
    """(F(x), J v) by jax.jvp: one JVP sweep (forward mode), float64.

    x, v: (n, 1). Returns NumPy arrays of F(x)'s shape. Needs
    jax_enable_x64 (the test modules set it).
    """
    x = _column(x, "x")
    v = _column(v, "v", len(x))
    y, Jv = jax.jvp(func, (jnp.asarray(x),), (jnp.asarray(v),))
    return np.asarray(y), np.asarray(Jv)


def jax_vjp(func, x, u):
    """(F(x), Jᵀu) by jax.vjp: a forward pass and a VJP sweep, float64.

    x: (n, 1); u: F(x)'s shape. Returns F(x), and Jᵀu of x's shape.
    """
    x = _column(x, "x")
    y, pullback = jax.vjp(func, jnp.asarray(x))
    u = _like(u, "u", tuple(y.shape))
    (JTu,) = pullback(jnp.asarray(u))
    return np.asarray(y), np.asarray(JTu)


def jax_hvp(func, x, v, order="forward over reverse"):
    """H v for a scalar func by JAX, in float64, NumPy in and out.

    func: a JAX function of x (shape (n, 1)) returning one number;
    x, v: (n, 1); order: a key of HVP_ORDERS. Needs jax_enable_x64.
    """
    check_jax_float64("jax_hvp")
    if order not in HVP_ORDERS:
        raise ValueError(
            f"order must be one of {tuple(HVP_ORDERS)}; got {order!r}")
    x = _column(x, "x")
    v = _column(v, "v", len(x))
    _scalar_output(func(jnp.asarray(x)))

    def scalar(x):
        return func(x).reshape(())  # jax.grad wants a 0-d output

    Hv = HVP_ORDERS[order](scalar, jnp.asarray(x), jnp.asarray(v))
    return np.asarray(Hv)


# --- input checks, kept out of the way -----------------------------------


def _like(u, name, shape):
    """u as a float64 array of the given shape (the output's)."""
    u = np.asarray(u, dtype=np.float64)
    if u.shape != shape:
        if u.size == int(np.prod(shape)) and u.ndim <= 1:
            return u.reshape(shape)
        raise ValueError(
            f"{name} must have the output's shape {shape}; got shape "
            f"{u.shape}"
        )
    return u
