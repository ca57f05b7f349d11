"""Beyond the quadratic: the step found by a line search.

Column vectors, as in "Gradient descent on a quadratic". A function to
minimise is given as two callables: f(x) -> float and grad(x) -> an
array of the shape of x. Nothing here knows the function's formula,
only what a first-order method may ask: values and gradients.

What it is not: an optimisation library. Backtracking by halving and
the exact step on the quadratic ½xᵀSx − bᵀx, each a few lines. Inputs
are checked once, in `armijo_run`, the entry point a chapter calls.
"""

import numpy as np


def armijo_step(f, grad, x, eta0, alpha):
    """Halve η from eta0 until f(x − ηd) ≤ f(x) − αη‖d‖², d = ∇f(x).

    x: an array of any shape; eta0 > 0; alpha in (0, 1). Returns (η, the
    number of halvings).
    Defined in: Smoothness and line search, §Backtracking.
    """
    d = grad(x)
    fx, dd = f(x), float(np.sum(d * d))
    eta, halvings = eta0, 0
    while f(x - eta * d) > fx - alpha * eta * dd:
        eta, halvings = eta / 2, halvings + 1
    return eta, halvings


def armijo_run(f, grad, x0, eta0, alpha, steps):
    """Gradient descent with a backtracking step at every iterate.

    Returns (xs, etas, halvings): the iterates, shape (steps + 1, *x0
    shape); the accepted steps and the halvings each took, (steps,).
    Defined in: Smoothness and line search, §Backtracking.
    """
    x = check_start(x0)
    if not eta0 > 0 or not 0 < alpha < 1:
        raise ValueError(f"expected eta0 > 0 and 0 < alpha < 1; got "
                         f"eta0={eta0!r}, alpha={alpha!r}")
    xs, etas, halvings = [x], [], []
    for _ in range(steps):
        eta, h = armijo_step(f, grad, x, eta0, alpha)
        x = x - eta * grad(x)
        xs.append(x)
        etas.append(eta)
        halvings.append(h)
    return np.array(xs), np.array(etas), np.array(halvings)


def exact_step(S, d):
    """The η that minimises f(x − ηd) on the quadratic: dᵀd / dᵀSd.

    S: (n, n) symmetric positive definite; d = ∇f(x): (n, 1), nonzero.
    Defined in: Smoothness and line search, §The exact step.
    """
    return (d.T @ d).item() / (d.T @ S @ d).item()


def exact_line_search(S, b, x0, steps):
    """Steepest descent with the exact step on ½xᵀSx − bᵀx.

    Returns the iterates, shape (steps + 1, n, 1).
    Defined in: Smoothness and line search, §The exact step.
    """
    x = check_start(x0)
    xs = [x]
    for _ in range(steps):
        d = S @ x - b
        if not d.any():
            xs.append(x)
            continue
        x = x - exact_step(S, d) * d
        xs.append(x)
    return np.array(xs)


def lrp_f(x):
    """The function of Lessard, Recht and Packard (2016), §4.6.

    f(x) = 25x²/2 for x < 1; x²/2 + 24x − 12 for 1 ≤ x < 2;
    25x²/2 − 24x + 36 for x ≥ 2. Continuously differentiable, its
    derivative increasing with slopes between 1 and 25: strongly convex
    with m = 1, smooth with L = 25. Its minimiser is 0. x: any array.
    Defined in: Smoothness and line search, §Smooth functions.
    """
    x = np.asarray(x, dtype=float)
    return np.where(x < 1, 12.5 * x**2,
                    np.where(x < 2, 0.5 * x**2 + 24 * x - 12,
                             12.5 * x**2 - 24 * x + 36))


def lrp_grad(x):
    """The derivative of `lrp_f`: 25x, x + 24, 25x − 24 on its pieces.

    Defined in: Smoothness and line search, §Smooth functions.
    """
    x = np.asarray(x, dtype=float)
    return np.where(x < 1, 25 * x, np.where(x < 2, x + 24, 25 * x - 24))


def check_start(x0):
    """x0 as a float array with finite entries, or ValueError."""
    x = np.array(x0, dtype=float)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"expected a start with finite entries; got "
                         f"{x0!r}")
    return x
