"""The quadratic form f(x) = xᵀAx differentiated by PyTorch and TensorFlow.

The pages "Autograd in PyTorch and TensorFlow", "The gradient with
respect to A" and "Many points at once" do every step by hand in both
frameworks; these helpers are the same steps packed into
functions, so that the book and the tests can compare the frameworks
with the formulas of `gradbook.quadform` in one line:

    ∇f(x) = (A + Aᵀ)x      ∂f/∂A = xxᵀ      ∇²f = A + Aᵀ

Shapes follow the calculus chapters: x is a column (n, 1) and A is
(n, n); a batch X holds m points, one per row, shape (m, n). Inputs are
NumPy arrays (or anything np.asarray accepts); results are NumPy arrays
in the dtype asked for, float64 unless told otherwise.

What it is not: a wrapper to hide the frameworks. Each function is the
few lines the chapter teaches, and nothing else.
"""

from collections import namedtuple

import numpy as np
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
