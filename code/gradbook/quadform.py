"""The quadratic form f(x) = xᵀAx, its gradient and Hessian, by hand.

Everything here follows the pages "The gradient of a quadratic form",
"A worked example, the Hessian, and level sets" and "Checking a
gradient numerically": column vectors x of shape (n, 1), square
matrices A of shape (n, n).
NumPy only; the framework versions live in `gradbook.frameworks`.

What it is not: a general autodiff tool. `finite_difference_gradient`
works for any scalar function, but only to check the formulas.
"""

import numpy as np

# How far from symmetric a matrix may be, relative to its largest entry,
# for grad_f_symmetric to accept it (room for rounding, nothing more).
SYMMETRY_RTOL = 1e-12


def check_square(A):
    """Return A as a float array of shape (n, n), or raise ValueError.

    Defined in: The gradient of a quadratic form, §Definitions.
    """
    A = np.asarray(A, dtype=float)
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(
            f"A must be a square matrix of shape (n, n); got shape {A.shape}"
        )
    return A


def check_column(x, n):
    """Return x as a float column of shape (n, 1), or raise ValueError.

    A flat vector of length n is accepted and made a column; a row
    vector of shape (1, n) is refused (n > 1), since the book writes
    xᵀ for it and the mix-up is the commonest shape bug.
    Defined in: The gradient of a quadratic form, §Definitions.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim == 1 and x.shape[0] == n:
        return x.reshape(n, 1)
    if x.shape == (n, 1):
        return x
    hint = " (a row vector: pass x.T)" if x.shape == (1, n) else ""
    raise ValueError(
        f"x must be a column vector of shape ({n}, 1) to match A of "
        f"shape ({n}, {n}); got shape {x.shape}{hint}"
    )


def f(x, A):
    """The quadratic form f(x) = xᵀAx, a float.

    x: (n, 1) column (or flat (n,)); A: (n, n).
    Defined in: The gradient of a quadratic form, §Definitions.
    """
    A = check_square(A)
    x = check_column(x, A.shape[0])
    return (x.T @ A @ x).item()


def grad_f(x, A):
    """The gradient ∇f(x) = (A + Aᵀ)x, a column of shape (n, 1).

    x: (n, 1) column (or flat (n,)); A: (n, n), symmetric or not.
    Defined in: The gradient of a quadratic form, §The theorem.
    """
    A = check_square(A)
    x = check_column(x, A.shape[0])
    return (A + A.T) @ x


def grad_f_symmetric(x, A):
    """The gradient 2Ax, right only when A = Aᵀ; shape (n, 1).

    x: (n, 1) column (or flat (n,)); A: (n, n), symmetric.
    Refuses a non-symmetric A, where 2Ax is not the gradient.
    "Symmetric" allows for rounding: max |A − Aᵀ| may be up to
    SYMMETRY_RTOL times max |A|.
    Defined in: The gradient of a quadratic form,
    §The symmetric case.
    """
    A = check_square(A)
    x = check_column(x, A.shape[0])
    asymmetry = np.abs(A - A.T).max(initial=0.0)
    if asymmetry > SYMMETRY_RTOL * np.abs(A).max(initial=0.0):
        raise ValueError(
            "2Ax is the gradient only for symmetric A (A = Aᵀ); "
            f"got an A with max |A - Aᵀ| = {asymmetry:.3g}: use "
            "grad_f, which computes (A + Aᵀ)x"
        )
    return 2 * A @ x


def hessian_f(A):
    """The Hessian ∇²f = A + Aᵀ, shape (n, n), the same at all x.

    Defined in: A worked example, the Hessian, and level sets,
    §The Hessian.
    """
    A = check_square(A)
    return A + A.T


def symmetric_part(A):
    """The symmetric part ½(A + Aᵀ) of A, shape (n, n).

    Defined in: The gradient of a quadratic form,
    §Only the symmetric part matters.
    """
    A = check_square(A)
    return (A + A.T) / 2


def finite_difference_gradient(func, x, h=1e-5):
    """Central differences (func(x + h eₖ) − func(x − h eₖ)) / 2h

    func: takes a column of shape (n, 1), returns a float (or an
    array holding one number, such as the (1, 1) x.T @ A @ x).
    x: (n, 1) column (or flat (n,)); h > 0, the step.
    Returns a column of shape (n, 1).
    The error is O(h²) from truncation plus O(ε/h) from rounding;
    for a quadratic the truncation term is exactly zero.
    Defined in: Checking a gradient numerically, §Central differences.
    """
    x = np.asarray(x, dtype=float)
    if x.ndim == 1:
        x = x.reshape(-1, 1)
    if x.ndim != 2 or x.shape[1] != 1 or x.shape[0] == 0:
        row = x.ndim == 2 and x.shape[0] == 1 and x.shape[1] > 1
        hint = " (a row vector: pass x.T)" if row else ""
        raise ValueError(
            f"x must be a non-empty column vector of shape (n, 1); "
            f"got shape {x.shape}{hint}"
        )
    if not h > 0:
        raise ValueError(f"h must be a positive step; got h = {h}")
    n = x.shape[0]
    g = np.zeros((n, 1))
    for k in range(n):
        e_k = np.zeros((n, 1))
        e_k[k, 0] = h
        forward = _scalar(func(x + e_k))
        backward = _scalar(func(x - e_k))
        g[k, 0] = (forward - backward) / (2 * h)
    return g


def _scalar(value):
    """func's result as a float, or ValueError if it is not one."""
    value = np.asarray(value, dtype=float)
    if value.size != 1:
        raise ValueError(
            "func must return one number (a float or an array of "
            f"size 1); got an array of shape {value.shape}"
        )
    return value.item()
