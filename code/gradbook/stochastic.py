"""Stochastic gradients on least squares, and momentum as the
frameworks write it.

Least squares with one sample per row: M of shape (m, n), y of shape
(m, 1), and the mean of the per-sample losses,

    L(x) = (1/2m) ‖Mx − y‖² = (1/m) Σᵢ ℓᵢ(x),   ℓᵢ(x) = ½ (Mᵢx − yᵢ)²,

where Mᵢ is row i of M (1 × n). Then ∇ℓᵢ(x) = Mᵢᵀ(Mᵢx − yᵢ), the
Hessian of L is H = MᵀM/m, and x* is the least-squares solution. x
is a column (n, 1); R runs side by side are an array (R, n, 1).

What it is not: an optimiser. Plain SGD with one sample per step, the
exact mean square error it makes, and the two frameworks' momentum
optimisers run on the same L. Inputs are checked once, in `sgd_errors`.
"""

import numpy as np


def least_squares_solution(M, y):
    """x* = argmin ‖Mx − y‖², shape (n, 1) (M with independent columns).

    Defined in: Stochastic gradients and the frameworks' momentum,
    §SGD on least squares.
    """
    return np.linalg.lstsq(M, y, rcond=None)[0]


def sgd_errors(M, y, x0, etas, runs, seed):
    """‖x_k − x*‖² of `runs` SGD runs, each drawing one row per step.

    Step k draws i uniformly from the m rows and moves
    x_{k+1} = x_k − η_k Mᵢᵀ(Mᵢx_k − yᵢ). etas: (steps,), the η_k.
    Returns the squared errors, shape (runs, steps + 1).
    Defined in: Stochastic gradients and the frameworks' momentum,
    §SGD on least squares.
    """
    M, y = check_least_squares(M, y)
    rng = np.random.default_rng(seed)
    x_star = least_squares_solution(M, y)
    X = np.repeat(np.asarray(x0, dtype=float)[None], runs, axis=0)
    errors = [((X - x_star) ** 2).sum(axis=(1, 2))]
    for eta in etas:
        i = rng.integers(len(M), size=runs)
        row = M[i][:, None, :]                    # (R, 1, n): Mᵢ
        residual = row @ X - y[i][:, :, None]     # (R, 1, 1)
        X = X - eta * row.transpose(0, 2, 1) * residual
        errors.append(((X - x_star) ** 2).sum(axis=(1, 2)))
    return np.array(errors).T


def moment_map(M, eta):
    """P ↦ (1/m) Σᵢ (I − ηHᵢ) P (I − ηHᵢ), Hᵢ = MᵢᵀMᵢ, as an (n², n²)
    matrix acting on P flattened row by row.

    Defined in: Stochastic gradients and the frameworks' momentum,
    §The noise floor.
    """
    n = M.shape[1]
    steps = [np.eye(n) - eta * np.outer(row, row) for row in M]
    return sum(np.kron(T, T) for T in steps) / len(M)


def noise(M, y):
    """N = (1/m) Σᵢ rᵢ² MᵢᵀMᵢ with rᵢ = Mᵢx* − yᵢ; shape (n, n).

    Defined in: Stochastic gradients and the frameworks' momentum,
    §The noise floor.
    """
    r = M @ least_squares_solution(M, y) - y
    return (M * r).T @ (M * r) / len(M)


def expected_errors(M, y, x0, eta, steps):
    """E‖x_k − x*‖² of SGD with the constant step η, exactly: (steps + 1,).

    Follows the mean μ_k and the second moment P_k of the error e_k:
    μ_{k+1} = (I − ηH) μ_k, and
    P_{k+1} = T(P_k) − η(C_k + C_kᵀ) + η²N with T = `moment_map`,
    C_k = (1/m) Σᵢ rᵢ (I − ηHᵢ) μ_k Mᵢ and N = `noise`.
    Defined in: Stochastic gradients and the frameworks' momentum,
    §The noise floor.
    """
    m, n = M.shape
    x_star = least_squares_solution(M, y)
    r = (M @ x_star - y).ravel()
    T, N = moment_map(M, eta), noise(M, y)
    H = M.T @ M / m
    mu = np.asarray(x0, dtype=float) - x_star
    P = mu @ mu.T
    out = [np.trace(P)]
    for _ in range(steps):
        # Row i of `stepped` is ((I − ηHᵢ) μ_k)ᵀ = μ_kᵀ − η (Mᵢμ_k) Mᵢ,
        # so C_k = (1/m) Σᵢ rᵢ (row i)ᵀ Mᵢ, all rows in one product.
        stepped = mu.T - eta * (M @ mu) * M       # (m, n)
        C = (r[:, None] * stepped).T @ M / m      # (n, n)
        P = (T @ P.ravel()).reshape(n, n) - eta * (C + C.T) + eta**2 * N
        mu = mu - eta * H @ mu
        out.append(np.trace(P))
    return np.array(out)


def noise_floor(M, y, eta):
    """lim E‖x_k − x*‖² = tr Σ, where Σ = T(Σ) + η²N (a linear solve).

    Needs the spectral radius of T = `moment_map` below 1.
    Defined in: Stochastic gradients and the frameworks' momentum,
    §The noise floor.
    """
    n = M.shape[1]
    T = moment_map(M, eta)
    sigma = np.linalg.solve(np.eye(n * n) - T, eta**2 * noise(M, y).ravel())
    return np.trace(sigma.reshape(n, n))


def floor_slope(M, y):
    """tr Σ₁, where HΣ₁ + Σ₁H = N: the floor is about η tr Σ₁.

    In the eigenbasis of H (H = V diag(λ) Vᵀ), Σ₁ has the entries
    (VᵀNV)ᵢⱼ / (λᵢ + λⱼ), so tr Σ₁ = Σᵢ (VᵀNV)ᵢᵢ / (2λᵢ).
    Defined in: Stochastic gradients and the frameworks' momentum,
    §The noise floor.
    """
    lam, V = np.linalg.eigh(M.T @ M / len(M))
    return float(np.sum(np.diag(V.T @ noise(M, y) @ V) / (2 * lam)))


def torch_momentum(M, y, x0, eta, beta, steps):
    """torch.optim.SGD(lr=η, momentum=β) on L; iterates (steps + 1, n, 1).

    Defined in: Stochastic gradients and the frameworks' momentum,
    §Momentum in the frameworks.
    """
    import torch

    x = torch.tensor(x0, requires_grad=True)     # float64
    M_t, y_t = torch.from_numpy(M), torch.from_numpy(y)
    optimizer = torch.optim.SGD([x], lr=eta, momentum=beta)
    xs = [x.detach().numpy().copy()]
    for _ in range(steps):
        optimizer.zero_grad()
        loss = ((M_t @ x - y_t) ** 2).sum() / (2 * len(M))
        loss.backward()                           # x.grad = ∇L(x)
        optimizer.step()
        xs.append(x.detach().numpy().copy())
    return np.array(xs)


def keras_momentum(M, y, x0, eta, beta, steps):
    """keras.optimizers.SGD(η, momentum=β) on L; iterates (steps + 1, n, 1).

    Defined in: Stochastic gradients and the frameworks' momentum,
    §Momentum in the frameworks.
    """
    import keras
    import tensorflow as tf

    x = tf.Variable(x0)                           # float64
    optimizer = keras.optimizers.SGD(learning_rate=eta, momentum=beta)
    xs = [x.numpy().copy()]
    for _ in range(steps):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum((M @ x - y) ** 2) / (2 * len(M))
        optimizer.apply_gradients([(tape.gradient(loss, x), x)])
        xs.append(x.numpy().copy())
    return np.array(xs)


def momentum_run(grad, x0, eta, beta, steps, nesterov=False):
    """Heavy ball, or Nesterov's method, on any gradient; x_{−1} = x_0.

    Heavy ball:  x_{k+1} = x_k − η∇f(x_k) + β(x_k − x_{k−1}).
    Nesterov:    y_k = x_k + β(x_k − x_{k−1}),  x_{k+1} = y_k − η∇f(y_k).
    Returns the iterates, shape (steps + 1, *x0 shape).
    Defined in: Stochastic gradients and the frameworks' momentum,
    §Nesterov's method.
    """
    x = np.array(x0, dtype=float)
    if not eta > 0 or not 0 <= beta < 1:
        raise ValueError(f"expected eta > 0 and 0 <= beta < 1; got "
                         f"eta={eta!r}, beta={beta!r}")
    previous, xs = x, [x]
    for _ in range(steps):
        y = x + beta * (x - previous)
        at = y if nesterov else x
        previous, x = x, y - eta * grad(at)
        xs.append(x)
    return np.array(xs)


def check_least_squares(M, y):
    """(M, y) as float arrays of shapes (m, n) and (m, 1), or ValueError."""
    M, y = np.asarray(M, dtype=float), np.asarray(y, dtype=float)
    if M.ndim != 2 or y.shape != (M.shape[0], 1):
        raise ValueError(f"expected M of shape (m, n) and y of shape "
                         f"(m, 1); got {M.shape} and {y.shape}")
    if np.linalg.matrix_rank(M) < M.shape[1]:
        raise ValueError(f"expected M with independent columns (rank "
                         f"{M.shape[1]}); got rank "
                         f"{np.linalg.matrix_rank(M)}")
    return M, y
