"""Jacobians, and the two orders of the chain rule: JVPs and VJPs, by hand.

Everything here follows the pages "Jacobians and the chain rule" (the
maps), "JVPs, VJPs and the two modes" and "What a Jacobian costs":
column vectors, x of shape (n, 1), a map F : ℝⁿ → ℝᵐ with values of
shape (m, 1) and Jacobian J of shape (m, n) (row i holds the partial
derivatives of Fᵢ).

- Step, linear, quadratic, softmax, tanh, cross_entropy: maps of the
  book, each with its value, its JVP v ↦ Jv, its VJP u ↦ Jᵀu and its
  Jacobian written out by hand.
- forward_mode, reverse_mode: a chain F = F_k ∘ … ∘ F_1 differentiated
  in one pass, pushing a direction v from the input (forward) or
  pulling a direction u from the output (reverse).
- jacobian_by_jvps, jacobian_by_vjps: the whole Jacobian, column by
  column or row by row; finite_difference_jacobian, to check them.

NumPy only: the same products by PyTorch, TensorFlow and JAX, and the
Hessian-vector products, are in `gradbook.jacobians_frameworks`.

What it is not: an autodiff engine. The chain is a list of maps whose
derivatives were written by hand.
"""

from typing import Callable, NamedTuple

import numpy as np

from gradbook.quadform import check_square


class Step(NamedTuple):
    """One map F_i of a chain, with its derivative three ways.

    value(z): F_i(z), shape (m, 1), for z of shape (n, 1);
    jvp(z, v): J_{F_i}(z) v, shape (m, 1), for v of shape (n, 1);
    vjp(z, u): J_{F_i}(z)ᵀ u, shape (n, 1), for u of shape (m, 1);
    jacobian(z): J_{F_i}(z), shape (m, n).
    Defined in: Jacobians and the chain rule, §Jacobians.
    """

    name: str
    value: Callable
    jvp: Callable
    vjp: Callable
    jacobian: Callable


def linear(A):
    """The linear map z ↦ Az; A of shape (m, n), any m and n.

    Its Jacobian is A itself, at every z.
    Defined in: Jacobians and the chain rule, §Jacobians.
    """
    A = np.asarray(A, dtype=float)
    if A.ndim != 2:
        raise ValueError(f"A must be a matrix (m, n); got shape {A.shape}")
    return Step(
        name=f"z ↦ Az, A {A.shape[0]}×{A.shape[1]}",
        value=lambda z: A @ z,
        jvp=lambda z, v: A @ v,
        vjp=lambda z, u: A.T @ u,
        jacobian=lambda z: A,
    )


def quadratic(A):
    """The quadratic form z ↦ zᵀAz, a (1, 1) value; A square (n, n).

    Its Jacobian is the row ((A + Aᵀ)z)ᵀ, shape (1, n).
    Defined in: Jacobians and the chain rule, §Jacobians.
    """
    A = check_square(A)
    S2 = A + A.T
    return Step(
        name=f"z ↦ zᵀAz, A {A.shape[0]}×{A.shape[0]}",
        value=lambda z: z.T @ A @ z,
        jvp=lambda z, v: (S2 @ z).T @ v,
        vjp=lambda z, u: (S2 @ z) * u,
        jacobian=lambda z: (S2 @ z).T,
    )


def _softmax(z):
    """softmax(z) = exp(z) / Σ exp(z), shifted by max z (same value)."""
    e = np.exp(z - z.max())
    return e / e.sum()


def softmax():
    """The softmax z ↦ s, sᵢ = exp(zᵢ) / Σⱼ exp(zⱼ); (n, 1) to (n, 1).

    Its Jacobian is diag(s) − ssᵀ, symmetric, so JVP and VJP are the
    same formula: s ⊙ v − s (sᵀv).
    Defined in: Jacobians and the chain rule, §Jacobians.
    """

    def jvp(z, v):
        s = _softmax(z)
        return s * v - s * (s.T @ v)

    def jacobian(z):
        s = _softmax(z)
        return np.diag(s[:, 0]) - s @ s.T

    return Step(
        name="softmax",
        value=_softmax,
        jvp=jvp,
        vjp=jvp,  # J is symmetric: Jᵀu = Ju
        jacobian=jacobian,
    )


def tanh():
    """tanh entry by entry, (n, 1) to (n, 1); J = diag(1 − tanh(z)²).

    Defined in: Jacobians and the chain rule, §Jacobians.
    """

    def jvp(z, v):
        return (1 - np.tanh(z) ** 2) * v

    return Step(
        name="tanh",
        value=np.tanh,
        jvp=jvp,
        vjp=jvp,  # J is diagonal, hence symmetric
        jacobian=lambda z: np.diag(1 - np.tanh(z)[:, 0] ** 2),
    )


def cross_entropy(k):
    """z ↦ −log softmax(z)ₖ, a (1, 1) value: the loss for class k.

    It equals log Σⱼ exp(zⱼ) − zₖ; its Jacobian is the row
    (softmax(z) − eₖ)ᵀ, shape (1, n).
    Defined in: Jacobians and the chain rule, §Jacobians.
    """

    def grad(z):
        g = _softmax(z)
        g[k, 0] -= 1.0
        return g

    def value(z):
        top = z.max()
        return np.log(np.exp(z - top).sum()) + top - z[k : k + 1]

    return Step(
        name=f"−log softmax(z)_{k}",
        value=value,
        jvp=lambda z, v: grad(z).T @ v,
        vjp=lambda z, u: grad(z) * u,
        jacobian=lambda z: grad(z).T,
    )


def forward_mode(steps, x, v):
    """F(x) and J_F(x) v for F = F_k ∘ … ∘ F_1, in one JVP sweep.

    steps: [F_1, …, F_k], Steps in the order they are applied;
    x: (n, 1); v: (n, 1), a direction in the input space.
    Each step maps (z, t) to (F_i(z), J_i t): the product
    J_k ⋯ J_1 v is formed right to left, along with the values.
    Returns (F(x), J v), shapes (m, 1) and (m, 1).
    Defined in: JVPs, VJPs and the two modes, §Forward and reverse
    mode.
    """
    z, t = _column(x, "x"), _column(v, "v", len(x))
    for step in steps:
        z, t = step.value(z), step.jvp(z, t)
    return z, t


def reverse_mode(steps, x, u):
    """F(x) and J_F(x)ᵀ u for F = F_k ∘ … ∘ F_1: one pass each way.

    steps: [F_1, …, F_k]; x: (n, 1); u: (m, 1), a direction in the
    output space. The forward pass stores the inputs z_0, …, z_{k−1}
    of the steps; the VJP sweep forms uᵀ J_k ⋯ J_1 left to right,
    as the column J_1ᵀ ⋯ J_kᵀ u.
    Returns (F(x), Jᵀu), shapes (m, 1) and (n, 1).
    Defined in: JVPs, VJPs and the two modes, §Forward and reverse
    mode.
    """
    z = _column(x, "x")
    inputs = []
    for step in steps:
        inputs.append(z)
        z = step.value(z)
    w = _column(u, "u", len(z))
    for step, z_in in zip(reversed(steps), reversed(inputs)):
        w = step.vjp(z_in, w)
    return z, w


def jacobian_by_jvps(jvp, n):
    """The m × n Jacobian from n JVPs: column j is J eⱼ.

    jvp: a function v ↦ Jv, v of shape (n, 1), result (m, 1).
    Defined in: What a Jacobian costs, §The whole Jacobian.
    """
    eye = np.eye(n)
    return np.hstack([_as_column(jvp(eye[:, [j]])) for j in range(n)])


def jacobian_by_vjps(vjp, m):
    """The m × n Jacobian from m VJPs: row i is (Jᵀeᵢ)ᵀ.

    vjp: a function u ↦ Jᵀu, u of shape (m, 1), result (n, 1).
    Defined in: What a Jacobian costs, §The whole Jacobian.
    """
    eye = np.eye(m)
    return np.vstack([_as_column(vjp(eye[:, [i]])).T for i in range(m)])


def finite_difference_jacobian(func, x, h=1e-5):
    """Central differences, column by column: (F(x + heⱼ) − F(x − heⱼ))/2h.

    func: (n, 1) to an array of m numbers (any shape; read as a column).
    x: (n, 1) column (or flat (n,)); h > 0. Returns (m, n).
    Off by O(h²) (truncation) plus O(ε/h) (rounding), entry by entry.
    Defined in: Jacobians and the chain rule, §Jacobians.
    """
    x = _column(x, "x")
    if not h > 0:
        raise ValueError(f"h must be a positive step; got h = {h}")
    n = x.shape[0]
    columns = []
    for j in range(n):
        e_j = np.zeros((n, 1))
        e_j[j, 0] = h
        up, down = _as_column(func(x + e_j)), _as_column(func(x - e_j))
        columns.append((up - down) / (2 * h))
    return np.hstack(columns)


# --- input checks, kept out of the way -----------------------------------


def _column(x, name, n=None):
    """x as a float64 column (n, 1); a flat (n,) is accepted."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 1:
        x = x.reshape(-1, 1)
    want = "(n, 1)" if n is None else f"({n}, 1)"
    if (x.ndim != 2 or x.shape[1] != 1 or x.shape[0] == 0
            or (n is not None and x.shape[0] != n)):
        hint = ""
        if x.ndim == 2 and x.shape[0] == 1 and x.shape[1] > 1:
            hint = f" (a row vector: pass {name}.T)"
        raise ValueError(
            f"{name} must be a column vector of shape {want}; got shape "
            f"{x.shape}{hint}"
        )
    return x


def _as_column(value):
    """A result of m numbers as a (m, 1) float64 column."""
    return np.asarray(value, dtype=np.float64).reshape(-1, 1)
