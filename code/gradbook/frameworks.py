"""f(x) = xᵀAx differentiated by PyTorch, TensorFlow and JAX.

The pages "Autograd in PyTorch, TensorFlow and JAX", "The gradient with
respect to A" and "Many points at once" do every step by hand in the
three frameworks; these helpers are the same steps packed into
functions, so that the book and the tests can compare the frameworks
with the formulas of `gradbook.quadform` in one line:

    ∇f(x) = (A + Aᵀ)x      ∂f/∂A = xxᵀ      ∇²f = A + Aᵀ

Shapes follow the calculus chapters: x is a column (n, 1) and A is
(n, n); a batch X holds m points, one per row, shape (m, n). Inputs are
NumPy arrays (or anything np.asarray accepts); results are NumPy arrays
in the dtype asked for, float64 unless told otherwise. JAX computes in
float32 unless `jax_enable_x64` is set; its functions here set nothing
global and refuse float64 without it (a ValueError that says so).

What it is not: a wrapper to hide the frameworks. Each function is the
few lines the chapter teaches, and nothing else.
"""

from collections import namedtuple

import numpy as np
import jax
import jax.numpy as jnp
import tensorflow as tf  # gradbook/__init__ has set TF's logging first
import torch

from gradbook.quadform import check_column, check_square

Gradients = namedtuple("Gradients", ["f", "grad_x", "grad_A"])
Gradients.__doc__ = """f(x) a float; ∇f(x), shape (n, 1); ∂f/∂A, (n, n)."""

BatchGradients = namedtuple("BatchGradients", ["f", "grad_X"])
BatchGradients.__doc__ = """f at each of m points, shape (m,), and the m
gradients, one per row, shape (m, n)."""

DTYPES = ("float32", "float64")


def check_dtype(dtype):
    """Return dtype as the string "float32" or "float64", or raise."""
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = repr(dtype)
    if name not in DTYPES:
        raise ValueError(
            f"dtype must be float32 or float64; got {name}"
        )
    return name


def check_batch(X, n):
    """Return X as a float array of shape (m, n), m ≥ 1, or raise.

    One point per row, as in the network chapters; a batch given with
    one point per column, shape (n, m), is refused with a hint.
    """
    X = np.asarray(X, dtype=float)
    if X.ndim == 2 and X.shape[1] == n and X.shape[0] >= 1:
        return X
    hint = ""
    if X.ndim == 2 and X.shape[0] == n:
        hint = " (one point per column: pass X.T)"
    raise ValueError(
        f"X must be a batch of shape (m, {n}), one point per row, to "
        f"match A of shape ({n}, {n}); got shape {X.shape}{hint}"
    )


def check_jax_dtype(dtype):
    """Return dtype's name; float64 needs jax_enable_x64, or raise."""
    name = check_dtype(dtype)
    if name == "float64" and not jax.config.jax_enable_x64:
        raise ValueError(
            "dtype float64 was asked for, but JAX computes in float32: "
            "jax_enable_x64 is off. Call "
            'jax.config.update("jax_enable_x64", True) at start-up, '
            'or pass dtype="float32"'
        )
    return name


def _inputs(x, A, dtype):
    """Checked x (n, 1), A (n, n) and dtype name."""
    A = check_square(A)
    x = check_column(x, A.shape[0])
    return x, A, check_dtype(dtype)


def torch_gradients(x, A, dtype="float64"):
    """f(x) = xᵀAx and its gradients with respect to x and A, by PyTorch.

    x: (n, 1) column (or flat (n,)); A: (n, n), symmetric or not.
    Returns Gradients(f, grad_x (n, 1), grad_A (n, n)), NumPy arrays in
    `dtype`; grad_x is (A + Aᵀ)x and grad_A is xxᵀ.
    Defined in: The gradient with respect to A, §The gradient with
    respect to A.
    """
    x, A, dtype = _inputs(x, A, dtype)
    x = torch.tensor(x, dtype=getattr(torch, dtype), requires_grad=True)
    A = torch.tensor(A, dtype=getattr(torch, dtype), requires_grad=True)
    f = x.T @ A @ x
    f.backward()
    return Gradients(f.item(), x.grad.numpy(), A.grad.numpy())


def tf_gradients(x, A, dtype="float64"):
    """f(x) = xᵀAx and its gradients with respect to x and A, by TensorFlow.

    x: (n, 1) column (or flat (n,)); A: (n, n), symmetric or not.
    Returns Gradients(f, grad_x (n, 1), grad_A (n, n)), NumPy arrays in
    `dtype`; grad_x is (A + Aᵀ)x and grad_A is xxᵀ.
    Defined in: The gradient with respect to A, §The gradient with
    respect to A.
    """
    x, A, dtype = _inputs(x, A, dtype)
    x = tf.Variable(x, dtype=dtype)
    A = tf.Variable(A, dtype=dtype)
    with tf.GradientTape() as tape:
        f = tf.transpose(x) @ A @ x
    grad_x, grad_A = tape.gradient(f, [x, A])
    return Gradients(f.numpy().item(), grad_x.numpy(), grad_A.numpy())


def torch_hessian(x, A, dtype="float64"):
    """The Hessian ∇²f(x) of f(x) = xᵀAx, by PyTorch; shape (n, n).

    Differentiates twice with torch.autograd.functional.hessian, at the
    point x (n, 1) or (n,); for a quadratic form the result is A + Aᵀ
    at every x.
    Defined in: The gradient with respect to A, §The Hessian by
    machine.
    """
    x, A, dtype = _inputs(x, A, dtype)
    x = torch.tensor(x.ravel(), dtype=getattr(torch, dtype))
    A = torch.tensor(A, dtype=getattr(torch, dtype))
    H = torch.autograd.functional.hessian(lambda v: v @ A @ v, x)
    return H.numpy()


def tf_hessian(x, A, dtype="float64"):
    """The Hessian ∇²f(x) of f(x) = xᵀAx, by TensorFlow; shape (n, n).

    Two nested GradientTapes: the inner one gives ∇f(x), shape (n, 1);
    the outer one differentiates that column again (its Jacobian, shape
    (n, 1, n, 1), reshaped to (n, n)). Equals A + Aᵀ at every x.
    The Jacobian is taken one row at a time (experimental_use_pfor=False,
    which needs a persistent tape): the default, vectorised, traces a new
    tf.function at each call, and TensorFlow prints a retracing warning
    when a program calls it over and over, as the tests do.
    Defined in: The gradient with respect to A, §The Hessian by
    machine.
    """
    x, A, dtype = _inputs(x, A, dtype)
    n = A.shape[0]
    x = tf.Variable(x, dtype=dtype)
    A = tf.constant(A, dtype=dtype)
    with tf.GradientTape(persistent=True) as outer:
        with tf.GradientTape() as inner:
            f = tf.transpose(x) @ A @ x
        grad_x = inner.gradient(f, x)
    H = outer.jacobian(grad_x, x, experimental_use_pfor=False)
    return tf.reshape(H, (n, n)).numpy()


def _batch_inputs(X, A, dtype):
    """Checked X (m, n), A (n, n) and dtype name."""
    A = check_square(A)
    X = check_batch(X, A.shape[0])
    return X, A, check_dtype(dtype)


def torch_batch_gradients(X, A, dtype="float64"):
    """f and ∇f at m points at once, by PyTorch, with one backward().

    X: (m, n), one point xᵢ per row; A: (n, n).
    Row i of X A, times row i of X, summed, is fᵢ = xᵢᵀAxᵢ. The points do
    not interact, so the gradient of the sum f₁ + … + fₘ with respect to
    row i of X is ∇fᵢ alone: one backward pass gives all m gradients.
    Returns BatchGradients(f (m,), grad_X (m, n)), row i = ((A + Aᵀ)xᵢ)ᵀ.
    Defined in: Many points at once, §One backward pass for all the
    points.
    """
    X, A, dtype = _batch_inputs(X, A, dtype)
    X = torch.tensor(X, dtype=getattr(torch, dtype), requires_grad=True)
    A = torch.tensor(A, dtype=getattr(torch, dtype))
    f = ((X @ A) * X).sum(dim=1)
    f.sum().backward()
    return BatchGradients(f.detach().numpy(), X.grad.numpy())


def tf_batch_gradients(X, A, dtype="float64"):
    """f and ∇f at m points at once, by TensorFlow, with one tape.

    X: (m, n), one point xᵢ per row; A: (n, n). The same sum trick as
    torch_batch_gradients (tape.gradient of a vector sums it first).
    Returns BatchGradients(f (m,), grad_X (m, n)), row i = ((A + Aᵀ)xᵢ)ᵀ.
    Defined in: Many points at once, §One backward pass for all the
    points.
    """
    X, A, dtype = _batch_inputs(X, A, dtype)
    X = tf.Variable(X, dtype=dtype)
    A = tf.constant(A, dtype=dtype)
    with tf.GradientTape() as tape:
        f = tf.reduce_sum((X @ A) * X, axis=1)
    grad_X = tape.gradient(f, X)
    return BatchGradients(f.numpy(), grad_X.numpy())


def jax_gradients(x, A, dtype="float64"):
    """f(x) = xᵀAx and its gradients with respect to x and A, by JAX.

    x: (n, 1) column (or flat (n,)); A: (n, n), symmetric or not.
    jax.value_and_grad differentiates the function of (x, A) with
    respect to both arguments (argnums=(0, 1)) and returns f as well.
    Returns Gradients(f, grad_x (n, 1), grad_A (n, n)), NumPy arrays in
    `dtype`; grad_x is (A + Aᵀ)x and grad_A is xxᵀ. float64 needs
    jax_enable_x64 (a ValueError otherwise).
    Defined in: The gradient with respect to A, §The gradient with
    respect to A.
    """
    x, A, _ = _inputs(x, A, check_jax_dtype(dtype))
    x, A = jnp.asarray(x, dtype=dtype), jnp.asarray(A, dtype=dtype)

    def f(x, A):
        return (x.T @ A @ x)[0, 0]  # a scalar, as jax.grad wants

    value, (grad_x, grad_A) = jax.value_and_grad(f, argnums=(0, 1))(x, A)
    return Gradients(value.item(), np.asarray(grad_x), np.asarray(grad_A))


def jax_hessian(x, A, dtype="float64"):
    """The Hessian ∇²f(x) of f(x) = xᵀAx, by JAX; shape (n, n).

    jax.hessian (jacfwd of jacrev: forward mode over reverse mode) of
    the function of a flat vector, at the point x (n, 1) or (n,); for
    a quadratic form the result is A + Aᵀ at every x.
    Defined in: The gradient with respect to A, §The Hessian by
    machine.
    """
    x, A, _ = _inputs(x, A, check_jax_dtype(dtype))
    x = jnp.asarray(x.ravel(), dtype=dtype)
    A = jnp.asarray(A, dtype=dtype)
    return np.asarray(jax.hessian(lambda v: v @ A @ v)(x))


def jax_batch_gradients(X, A, dtype="float64"):
    """f and ∇f at m points at once, by JAX, with jax.vmap.

    X: (m, n), one point xᵢ per row; A: (n, n). The function and its
    gradient are written for one point v of shape (n,); jax.vmap maps
    value_and_grad of it over the rows of X, so no sum trick is needed.
    Returns BatchGradients(f (m,), grad_X (m, n)), row i = ((A + Aᵀ)xᵢ)ᵀ.
    Defined in: Many points at once, §One backward pass for all the
    points.
    """
    X, A, _ = _batch_inputs(X, A, check_jax_dtype(dtype))
    X, A = jnp.asarray(X, dtype=dtype), jnp.asarray(A, dtype=dtype)
    f, grad_X = jax.vmap(jax.value_and_grad(lambda v: v @ A @ v))(X)
    return BatchGradients(np.asarray(f), np.asarray(grad_X))
