"""Custom gradient rules: one operation given its own VJP, four times.

The operation is log-sum-exp along the last axis,
lse(z) = c + log Σᵢ exp(zᵢ − c) with c = maxᵢ zᵢ, whose gradient is
softmax(z). Each version computes the softmax p once in the forward
pass, keeps it, and returns G ⊙ p (G broadcast along the last axis) in
the backward pass: in the book's engine (a node built with `_result`),
in PyTorch (`torch.autograd.Function`), in TensorFlow
(`tf.custom_gradient`) and in JAX (`jax.custom_vjp`).

Shapes: z is (..., n); lse(z) and the seed G are (...).

What it is not: a library of rules. One operation, to compare the
machines; the frameworks ship their own logsumexp.
"""

import numpy as np
import jax
import jax.numpy as jnp
import tensorflow as tf  # gradbook/__init__ has set TF's logging first
import torch

from gradbook.autodiff import Tensor


def lse_and_softmax(z, xp):
    """(lse(z), softmax(z)): (...) and (..., n); xp is numpy or jnp.

    Defined in: Custom gradient rules, §One rule, four machines.
    """
    c = z.max(axis=-1, keepdims=True)
    e = xp.exp(z - c)  # every exponent ≤ 0: no overflow
    s = e.sum(axis=-1, keepdims=True)  # 1 ≤ s ≤ n
    return (c + xp.log(s))[..., 0], e / s


def engine_logsumexp(z):
    """lse on the engine, one node: VJP G ↦ G p, JVP ż ↦ ⟨p, ż⟩.

    z: Tensor (..., n) -> Tensor (...). Defined in: Custom gradient
    rules, §One rule, four machines.
    """
    value, p = lse_and_softmax(z.data, np)
    return z._result("logsumexp", value, (z,),
                     (lambda G: G[..., None] * p,),
                     (lambda dz: (p * dz).sum(axis=-1),))


class TorchLogSumExp(torch.autograd.Function):
    """lse in PyTorch with its own backward; z: (..., n) -> (...).

    Use as TorchLogSumExp.apply(z). Defined in: Custom gradient rules,
    §One rule, four machines.
    """

    @staticmethod
    def forward(ctx, z):
        c = z.amax(dim=-1, keepdim=True)
        e = torch.exp(z - c)
        s = e.sum(dim=-1, keepdim=True)
        ctx.save_for_backward(e / s)  # the softmax p: all backward needs
        return (c + torch.log(s)).squeeze(-1)

    @staticmethod
    def backward(ctx, G):
        (p,) = ctx.saved_tensors
        return G.unsqueeze(-1) * p


@tf.custom_gradient
def tf_logsumexp(z):
    """lse in TensorFlow with its own gradient; z: (..., n) -> (...).

    Defined in: Custom gradient rules, §One rule, four machines.
    """
    c = tf.reduce_max(z, axis=-1, keepdims=True)
    e = tf.exp(z - c)
    s = tf.reduce_sum(e, axis=-1, keepdims=True)
    p = e / s  # kept by the closure below

    def backward(G):
        return G[..., None] * p

    return tf.squeeze(c + tf.math.log(s), -1), backward


@jax.custom_vjp
def jax_logsumexp(z):
    """lse in JAX with its own VJP; z: (..., n) -> (...).

    Defined in: Custom gradient rules, §One rule, four machines.
    """
    return lse_and_softmax(z, jnp)[0]


def jax_lse_forward(z):
    """The forward pass: (lse(z), p), the value (...) and p (..., n).

    p is the residual, kept for the backward pass. Defined in: Custom
    gradient rules, §One rule, four machines.
    """
    return lse_and_softmax(z, jnp)  # (lse(z), p)


def jax_lse_backward(p, G):
    """The backward pass: p (..., n), G (...) -> (G p,), one per input.

    Defined in: Custom gradient rules, §One rule, four machines.
    """
    return (G[..., None] * p,)


jax_logsumexp.defvjp(jax_lse_forward, jax_lse_backward)
