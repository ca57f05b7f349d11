"""The book's MLP in plain JAX: pure functions of a params pytree.

No Flax, no Optax. The network is its `params`, a list of (W, b)
pairs, one per layer, in the book's row convention, W of shape
(n_in, n_out) and b of shape (1, n_out): exactly what `get_params()`
of `gradbook.nn_numpy.MLP` returns, as jnp arrays. JAX treats such a
list of tuples as a *pytree*: `jax.grad` returns the gradient in the
same structure, and `jax.tree.map` applies one function to every
leaf. The hidden layers are ReLU, the last layer is softmax, the loss
is the mean cross-entropy, as in `gradbook.nn_frameworks`.

Nothing is stored or mutated: `loss` is a function of (params, X, Y),
`sgd_step` maps params to new params, and `jax.jit` may compile
either. JAX computes in float32 unless `jax_enable_x64` is set at
start-up; the functions here that are asked for float64 without it
raise a ValueError that says so (they never set it themselves).
"""

import numpy as np

from gradbook.checks import check_inputs, check_params, check_targets
from gradbook.data import batch_order


def _jax():
    """jax and jax.numpy, imported when first needed."""
    import jax
    import jax.numpy as jnp

    return jax, jnp


def _dtype(dtype):
    """np.float64 (the default) or np.float32; float64 needs x64 on."""
    jax, _ = _jax()
    dtype = np.dtype(np.float64 if dtype is None else dtype)
    if dtype not in (np.float64, np.float32):
        raise ValueError(f"dtype must be float64 or float32; got {dtype}")
    if dtype == np.float64 and not jax.config.jax_enable_x64:
        raise ValueError(
            "float64 asked for, but JAX computes in float32: call "
            'jax.config.update("jax_enable_x64", True) right after '
            "`import jax`, before any computation (or pass "
            "dtype=np.float32)"
        )
    return dtype


def jax_params(params, dtype=None):
    """params as a list of (W, b) jnp arrays, b of shape (1, n_out).

    dtype: np.float64 (default; needs jax_enable_x64) or np.float32.
    Defined in: Backprop from scratch, §Checking against PyTorch.
    """
    _, jnp = _jax()
    dtype = _dtype(dtype)
    return [(jnp.asarray(W, dtype), jnp.asarray(b, dtype))
            for W, b in check_params(params)]


def logits(params, X):
    """The output scores Z (m, k): ReLU layers, then a last dense layer."""
    jax, _ = _jax()
    A = X
    for W, b in params[:-1]:
        A = jax.nn.relu(A @ W + b)
    W, b = params[-1]
    return A @ W + b


def loss(params, X, Y):
    """L = −(1/m) Σ Y ⊙ log_softmax(Z): the book's mean cross-entropy.

    A pure function of the pytree params, the batch X (m, n_in) and
    its target rows Y (m, k): `jax.grad(loss)` is its gradient with
    respect to params, in the same (W, b) structure.
    Defined in: Backprop from scratch, §Checking against PyTorch.
    """
    jax, jnp = _jax()
    log_p = jax.nn.log_softmax(logits(params, X), axis=1)
    return -jnp.sum(Y * log_p) / X.shape[0]


def sgd_step(params, X, Y, lr):
    """One SGD step, (params, loss before it) → (new params, that loss).

    Every leaf θ becomes θ − lr · ∂L/∂θ; the params given are left as
    they were (jnp arrays are immutable), a new pytree comes back.
    Defined in: Gradient checking, §Iris.
    """
    jax, _ = _jax()
    value, grads = jax.value_and_grad(loss)(params, X, Y)
    new = jax.tree.map(lambda p, g: p - lr * g, params, grads)
    return new, value


_compiled = {}


def compiled_step():
    """`jax.jit(sgd_step)`, made once, so its compilations are kept.

    JAX compiles it again for each new shape or dtype of its inputs
    (the last, shorter batch of an epoch is one more shape).
    """
    jax, _ = _jax()
    if "sgd_step" not in _compiled:
        _compiled["sgd_step"] = jax.jit(sgd_step)
    return _compiled["sgd_step"]


def jax_mlp_gradients(params, X, Y):
    """`jax.grad` of the mean loss, compiled: (grad_W, grad_b) per layer.

    Shapes as in the book, (n_in, n_out) and (1, n_out), NumPy arrays.
    Y: one-hot rows or labels. Needs jax_enable_x64.
    Defined in: Backprop from scratch, §Checking against PyTorch.
    """
    jax, jnp = _jax()
    params = jax_params(params)
    n_in, k = params[0][0].shape[0], params[-1][0].shape[1]
    X = check_inputs(X, n_in)
    Y = check_targets(Y, X.shape[0], k)
    if "grad" not in _compiled:  # one compilation per shape, kept
        _compiled["grad"] = jax.jit(jax.grad(loss))
    grads = _compiled["grad"](params, jnp.asarray(X), jnp.asarray(Y))
    return [(np.asarray(gW), np.asarray(gb)) for gW, gb in grads]


def jax_forward(params, X, dtype=None):
    """Probabilities P (m, k) from JAX with these weights, NumPy array."""
    jax, jnp = _jax()
    params = jax_params(params, dtype)
    X = check_inputs(X, params[0][0].shape[0])
    P = jax.nn.softmax(logits(params, jnp.asarray(X, params[0][0].dtype)),
                       axis=1)
    return np.asarray(P)


def fit_jax(params, X, Y, epochs, lr, batch_size=None, shuffle_seed=0,
            dtype=None, jit=True, return_params=False):
    """Train with `sgd_step` (jitted if jit); mean loss of each epoch.

    The same batches in the same order as `MLP.fit` and `fit_torch`
    (all use `batch_order`), the same epoch loss: the mean of the
    samples' losses, each taken just before its step. dtype:
    np.float64 (default; needs jax_enable_x64) or np.float32.
    Returns the list of epoch losses; with return_params=True the pair
    (losses, params), params float64 NumPy (W, b) in the book's shapes.
    Defined in: Gradient checking, §Iris.
    """
    theta = jax_params(params, dtype)
    n_in, k = theta[0][0].shape[0], theta[-1][0].shape[1]
    dtype = theta[0][0].dtype
    X = check_inputs(X, n_in, dtype)
    Y = check_targets(Y, X.shape[0], k, dtype)
    step = compiled_step() if jit else sgd_step
    m = X.shape[0]
    losses = []
    for batches in batch_order(m, epochs, batch_size, shuffle_seed):
        total = 0.0
        for rows in batches:
            # NumPy batches: JAX takes them as they are (on the CPU, a
            # cheaper step than slicing a jnp array, an operation each)
            if shuffle_seed is None:  # contiguous rows: a view
                part = slice(rows[0], rows[-1] + 1)
                X_b, Y_b = X[part], Y[part]
            else:
                X_b, Y_b = X[rows], Y[rows]
            theta, value = step(theta, X_b, Y_b, lr)
            total += float(value) * len(rows)
        losses.append(total / m)
    if not return_params:
        return losses
    return losses, [(np.asarray(W, np.float64), np.asarray(b, np.float64))
                    for W, b in theta]
