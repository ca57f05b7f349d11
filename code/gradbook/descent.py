"""Gradient descent, heavy-ball momentum and Newton's step on a quadratic.

The pages "Gradient descent on a quadratic", "Newton's step and
heavy-ball momentum" and "From least squares to training" minimise

    f(x) = ½ xᵀSx − bᵀx,   ∇f(x) = Sx − b,   ∇²f = S,

with S symmetric positive definite of shape (n, n), b a column of
shape (n, 1), x a column of shape (n, 1) (column vectors, as in the
calculus chapters). The minimiser is x* = S⁻¹b. A run returns its
iterates stacked into an array of shape (steps + 1, n, 1): xs[k] is
the column x_k.

What it is not: an optimisation library. Only fixed steps, only this
quadratic (and `power_iteration`, which needs nothing but a function
v ↦ Hv). The input checks sit at the end of the file, out of the way.
"""

import numpy as np

from gradbook.quadform import grad_f_symmetric


def gradient(x, S, b):
    """∇f(x) = Sx − b, a column of shape (n, 1).

    Half of the quadratic form's gradient 2Sx, minus the linear term's.
    x: (n, 1); S: (n, n) symmetric positive definite; b: (n, 1).
    Defined in: Gradient descent on a quadratic, §The setting.
    """
    S, b = check_problem(S, b)
    return grad_f_symmetric(x, S) / 2 - b


def minimiser(S, b):
    """x* = S⁻¹b, the one point where ∇f = 0; shape (n, 1).

    Defined in: Gradient descent on a quadratic, §The setting.
    """
    S, b = check_problem(S, b)
    return np.linalg.solve(S, b)


def gradient_descent(S, b, x0, eta, steps):
    """x_{k+1} = x_k − η∇f(x_k); the iterates, shape (steps + 1, n, 1).

    x0: (n, 1), the start; eta > 0, the step size (learning rate).
    Defined in: Gradient descent on a quadratic, §Gradient descent.
    """
    S, b, x, eta = check_run(S, b, x0, eta)
    xs = [x]
    for _ in range(steps):
        x = x - eta * (S @ x - b)  # ∇f(x_k) = Sx_k − b
        xs.append(x)
    return np.array(xs)


def heavy_ball(S, b, x0, eta, beta, steps):
    """x_{k+1} = x_k − η∇f(x_k) + β(x_k − x_{k−1}), with x_{−1} = x_0.

    beta in [0, 1): the momentum. Returns the iterates, shape
    (steps + 1, n, 1).
    Defined in: Newton's step and heavy-ball momentum, §Heavy-ball
    momentum.
    """
    S, b, x, eta = check_run(S, b, x0, eta)
    if not 0 <= beta < 1:
        raise ValueError(f"beta must be in [0, 1); got beta = {beta}")
    xs, x_previous = [x], x
    for _ in range(steps):
        x_next = x - eta * (S @ x - b) + beta * (x - x_previous)
        x_previous, x = x, x_next
        xs.append(x)
    return np.array(xs)


def plane_problem(kappa, angle=np.pi / 6):
    """S (2, 2) with eigenvalues 1 and kappa, eigenvectors turned.

    S = Q diag(1, κ) Qᵀ with Q the rotation by `angle`: its columns
    (cos a, sin a) and (−sin a, cos a) are the eigenvectors of 1 and κ.
    Defined in: Gradient descent on a quadratic, §Level sets and the
    zig-zag.
    """
    c, s = np.cos(angle), np.sin(angle)
    Q = np.array([[c, -s], [s, c]])  # columns: the eigenvectors
    return Q @ np.diag([1.0, kappa]) @ Q.T


def newton_step(x, S, b):
    """x − (∇²f)⁻¹∇f(x) = x − S⁻¹(Sx − b), a column of shape (n, 1).

    Defined in: Newton's step and heavy-ball momentum, §Newton's step.
    """
    S, b = check_problem(S, b)
    return x - np.linalg.solve(S, gradient(x, S, b))


def contraction(S, eta):
    """ρ(η) = max over the eigenvalues λᵢ of S of |1 − ηλᵢ|, a float.

    Defined in: Gradient descent on a quadratic, §The theorem.
    """
    S = check_spd(S)
    return float(np.abs(1 - eta * np.linalg.eigvalsh(S)).max())


def best_step(S):
    """(η, ρ): the step 2/(λ_min + λ_max) and its rate (κ − 1)/(κ + 1).

    Defined in: Gradient descent on a quadratic, §The theorem.
    """
    S = check_spd(S)
    eigenvalues = np.linalg.eigvalsh(S)
    lam_min, lam_max = eigenvalues[0], eigenvalues[-1]
    kappa = lam_max / lam_min
    return (float(2 / (lam_min + lam_max)),
            float((kappa - 1) / (kappa + 1)))


def heavy_ball_parameters(S):
    """(η, β, ρ): Polyak's parameters and rate for heavy ball.

    η = 4/(√λ_max + √λ_min)², β = ρ², ρ = (√κ − 1)/(√κ + 1), with
    λ_min, λ_max the extreme eigenvalues of S and κ = λ_max/λ_min.
    Defined in: Newton's step and heavy-ball momentum, §Heavy-ball
    momentum.
    """
    S = check_spd(S)
    eigenvalues = np.linalg.eigvalsh(S)
    root_min, root_max = np.sqrt(eigenvalues[0]), np.sqrt(eigenvalues[-1])
    rho = (root_max - root_min) / (root_max + root_min)
    eta = 4 / (root_max + root_min) ** 2
    return float(eta), float(rho**2), float(rho)


def measured_rate(errors):
    """exp(slope) of a least-squares line through log errors[k].

    errors: shape (K,), positive, one per step: the average factor by
    which a step shrank the error. Returns a float.
    Defined in: Newton's step and heavy-ball momentum, §Measured rates.
    """
    errors = np.asarray(errors, dtype=float)
    if errors.ndim != 1 or errors.size < 2 or np.any(errors <= 0):
        raise ValueError(
            "errors must be a flat array of at least 2 positive numbers; "
            f"got shape {errors.shape}, smallest {errors.min(initial=0)}"
        )
    slope = np.polyfit(np.arange(errors.size), np.log(errors), 1)[0]
    return float(np.exp(slope))


def power_iteration(matvec, v0, steps):
    """The eigenvalue of largest magnitude of H, from v ↦ Hv alone.

    matvec: a function taking and returning a flat array of shape
    (n,); H must be symmetric. v0: (n,), the start. Repeats
    v ← Hv / ‖Hv‖ and returns (λ, v) with λ = vᵀHv, v of norm 1.
    λ tends to the dominant eigenvalue, the one largest in absolute
    value (it may be negative), provided there is one (not both λ and
    −λ) and v0 has a component along its eigenvectors.
    Defined in: From least squares to training, §Back to training.
    """
    v = np.asarray(v0, dtype=float)
    if v.ndim != 1 or not np.linalg.norm(v) > 0:
        raise ValueError(
            f"v0 must be a non-zero flat vector of shape (n,); got shape "
            f"{v.shape}"
        )
    v = v / np.linalg.norm(v)
    for _ in range(steps):
        w = matvec(v)
        v = w / np.linalg.norm(w)
    return float(v @ matvec(v)), v


# ======== Checking inputs ========
def check_spd(S):
    """S as a float array (n, n), or raise ValueError.

    S must be square, symmetric (max |S − Sᵀ| at most 1e-12 max |S|)
    and positive definite (smallest eigenvalue > 0).
    """
    S = np.asarray(S, dtype=float)
    if S.ndim != 2 or S.shape[0] != S.shape[1] or S.size == 0:
        raise ValueError(
            f"S must be a non-empty square matrix of shape (n, n); got "
            f"shape {S.shape}"
        )
    asymmetry = np.abs(S - S.T).max()
    if asymmetry > 1e-12 * np.abs(S).max():
        raise ValueError(
            f"S must be symmetric (S = Sᵀ); got max |S - Sᵀ| = "
            f"{asymmetry:.3g}"
        )
    smallest = np.linalg.eigvalsh(S)[0]
    if not smallest > 0:
        raise ValueError(
            f"S must be positive definite (every eigenvalue > 0); got "
            f"smallest eigenvalue {smallest:.3g}"
        )
    return S


def check_problem(S, b):
    """(S, b) as float arrays (n, n) and (n, 1), or raise ValueError.

    S as in `check_spd`; b a column of shape (n, 1) or a flat (n,).
    """
    S = check_spd(S)
    n = S.shape[0]
    b = np.asarray(b, dtype=float)
    if b.shape == (n,):
        b = b.reshape(n, 1)
    if b.shape != (n, 1):
        raise ValueError(
            f"b must be a column of shape ({n}, 1) to match S of shape "
            f"{S.shape}; got shape {b.shape}"
        )
    return S, b


def check_run(S, b, x0, eta):
    """(S, b, x0, eta) checked: x0 a column like b, eta a float > 0."""
    S, b = check_problem(S, b)
    x0 = np.asarray(x0, dtype=float)
    if x0.shape == (len(b),):
        x0 = x0.reshape(-1, 1)
    if x0.shape != b.shape:
        raise ValueError(
            f"x0 must be a column of shape {b.shape} to match S of shape "
            f"{S.shape}; got shape {x0.shape}"
        )
    if not (np.isfinite(eta) and eta > 0):
        raise ValueError(
            f"eta must be a positive, finite step size (eta > 0); got "
            f"eta = {eta}"
        )
    return S, b, x0, float(eta)
