"""The calls `gradbook.bench_modes` times, in each framework.

For the book's loss on n scores z, f(z) = log Σⱼ exp(zⱼ) − z₀, each
function here returns three functions of no argument: one evaluation
of f, its gradient by n JVPs (one per direction e₁, …, eₙ), and its
gradient by one VJP with u = 1; z is a float64 array of shape (n, 1).

PyTorch runs eagerly (torch.func.jvp, torch.func.vjp); TensorFlow runs
each product inside a tf.function (a ForwardAccumulator, a
GradientTape), traced once per n before timing, since eager
TensorFlow spends milliseconds per call in Python. JAX runs twice:
eagerly (jax.jvp, jax.vjp, each operation dispatched on its own), and
under jax.jit (each of the three functions traced once, compiled by
XLA at the warm-up call, the compiled code timed).
"""

import numpy as np


def torch_calls(z):
    """For PyTorch, three functions of no argument: f, n JVPs, one VJP.

    Each of the last two returns the gradient of f at z, shape (n, 1).
    """
    import torch

    def f(z):
        return torch.logsumexp(z, dim=0) - z[0]

    z = torch.tensor(z)
    n = z.shape[0]
    directions = [column for column in torch.eye(n, dtype=z.dtype)
                  .unsqueeze(-1)]  # e_1, …, e_n, each (n, 1)
    one = torch.ones(1, dtype=z.dtype)

    def n_jvps():
        return np.array([[torch.func.jvp(f, (z,), (e,))[1].item()]
                         for e in directions])

    def one_vjp():
        _, pullback = torch.func.vjp(f, z)
        return pullback(one)[0].numpy()

    return (lambda: f(z)), n_jvps, one_vjp


def tf_calls(z):
    """For TensorFlow, the same three functions, each in a tf.function."""
    import tensorflow as tf

    def f(z):
        return tf.reduce_logsumexp(z, axis=0) - z[0]

    spec = tf.TensorSpec(z.shape, tf.float64)

    @tf.function(input_signature=[spec, spec])
    def jvp(z, v):
        with tf.autodiff.ForwardAccumulator(z, v) as acc:
            y = f(z)
        return acc.jvp(y)

    @tf.function(input_signature=[spec])
    def vjp(z):
        with tf.GradientTape() as tape:
            tape.watch(z)
            y = f(z)
        return tape.gradient(y, z, output_gradients=tf.ones_like(y))

    f_compiled = tf.function(f, input_signature=[spec])
    z = tf.constant(z)
    n = z.shape[0]
    eye = np.eye(n)
    directions = [tf.constant(eye[:, [j]]) for j in range(n)]

    def n_jvps():
        return np.array([[jvp(z, e).numpy().item()] for e in directions])

    def one_vjp():
        return vjp(z).numpy()

    return (lambda: f_compiled(z)), n_jvps, one_vjp


def jax_calls(z, jit=False):
    """For JAX, the same three functions; with jit=True each is compiled.

    jax.jit traces the function once (per shape), compiles the trace
    with XLA, and runs the compiled code at every later call; the
    first call (best_time's warm-up) pays for the compilation.
    """
    import jax
    import jax.numpy as jnp

    def f(z):
        return jax.nn.logsumexp(z[:, 0]) - z[0, 0]

    def jvp(z, v):
        return jax.jvp(f, (z,), (v,))[1]

    def vjp(z):
        y, pullback = jax.vjp(f, z)
        return pullback(jnp.ones_like(y))[0]

    if jit:
        f, jvp, vjp = jax.jit(f), jax.jit(jvp), jax.jit(vjp)
    z = jnp.asarray(z)
    n = z.shape[0]
    directions = list(jnp.eye(n, dtype=z.dtype)[:, :, None])

    def n_jvps():
        return np.array([[jvp(z, e).item()] for e in directions])

    def one_vjp():
        return np.asarray(vjp(z))

    return (lambda: f(z).block_until_ready()), n_jvps, one_vjp
