"""The machines' side of the two modes: a VJP as a transpose, and HVPs.

The pages "JVPs, VJPs and the two modes" and "Hessian-vector products"
hand the products that `gradbook.jacobians` forms by hand to PyTorch,
TensorFlow and JAX. Shapes are that module's: x and v are columns
(n, 1), and a Hessian-vector product H v = ∇²F(x) v, shape (n, 1),
needs a scalar F (one number out). No n × n Hessian is formed.

- vjp_by_transpose: JAX's VJP map as the transpose of the linearized
  JVP map (jax.linearize, then jax.linear_transpose).
- torch_hvp, tf_hvp: H v by forward over reverse in PyTorch and
  TensorFlow; func takes and returns the framework's tensors, x and v
  are NumPy, and so is the result, float64.
- hvp_forward_over_reverse, hvp_reverse_over_reverse,
  hvp_reverse_over_forward (HVP_ORDERS): the three orders of H v in
  JAX, pure functions of JAX arrays (jit-able).
- check_jax_float64: refuses float64 work while JAX keeps float32
  (`gradbook.bench_modes` times the three orders in float64).

What it is not: a wrapper to hide the frameworks. Each function is the
few lines the chapter shows.
"""

import numpy as np
import jax
import jax.numpy as jnp
import tensorflow as tf  # gradbook/__init__ has set TF's logging first
import torch

from gradbook.jacobians import _column


def vjp_by_transpose(F, x):
    """F(x), and the VJP map u ↦ DF(x)ᵀu obtained by transposing the JVP.

    jax.linearize(F, x) evaluates F once and returns F(x) with the
    linear map v ↦ DF(x) v (the JVP map, kept as a program of linear
    operations); jax.linear_transpose turns that program into its
    transpose, operation by operation in reverse order. F: JAX arrays
    to a JAX array; x: a JAX array. Returns (F(x), vjp), vjp(u) of x's
    shape for u of F(x)'s shape.
    Defined in: JVPs, VJPs and the two modes, §Reverse mode is the
    transpose of forward mode.
    """
    y, jvp_map = jax.linearize(F, x)  # y = F(x); jvp_map(v) = DF(x) v
    transposed = jax.linear_transpose(jvp_map, x)  # u ↦ (DF(x)ᵀ u,)
    return y, lambda u: transposed(u)[0]


def torch_hvp(func, x, v):
    """H v for a scalar func, by forward over reverse, in PyTorch.

    torch.func.grad(func) is the gradient map x ↦ ∇F(x) (reverse mode);
    its JVP in the direction v (forward mode) is ∇²F(x) v. No n × n
    Hessian is formed. x, v: (n, 1); func returns one number.
    Defined in: Hessian-vector products, §Forward over reverse.
    """
    x = _column(x, "x")
    v = _column(v, "v", len(x))
    _scalar_output(func(torch.tensor(x)))

    def scalar(x):
        return func(x).reshape(())  # torch.func.grad wants a 0-d output

    _, Hv = torch.func.jvp(torch.func.grad(scalar), (torch.tensor(x),),
                           (torch.tensor(v),))
    return Hv.detach().numpy()


def tf_hvp(func, x, v):
    """H v for a scalar func, by forward over reverse, in TensorFlow.

    A GradientTape inside a ForwardAccumulator: the tape gives ∇F(x),
    the accumulator that gradient's JVP in the direction v, ∇²F(x) v.
    x, v: (n, 1); func returns one number.
    Defined in: Hessian-vector products, §Forward over reverse.
    """
    x = tf.constant(_column(x, "x"))
    v = _column(v, "v", x.shape[0])
    with tf.autodiff.ForwardAccumulator(x, tf.constant(v)) as acc:
        with tf.GradientTape() as tape:
            tape.watch(x)
            y = func(x)
        _scalar_output(y)
        grad = tape.gradient(y, x)
    return acc.jvp(grad).numpy()


def hvp_forward_over_reverse(g, x, v):
    """∇²g(x) v as the JVP of the gradient map x ↦ ∇g(x).

    g: a scalar function of JAX arrays (a 0-d result); x, v: JAX arrays
    of one shape. Reverse mode inside (jax.grad), forward outside.
    Defined in: Hessian-vector products, §Three orders in JAX.
    """
    return jax.jvp(jax.grad(g), (x,), (v,))[1]


def hvp_reverse_over_reverse(g, x, v):
    """∇²g(x) v as the gradient of the scalar x ↦ ⟨∇g(x), v⟩.

    Reverse mode inside and outside: the outer VJP sweep walks back the
    record of the inner one. Arguments as hvp_forward_over_reverse.
    Defined in: Hessian-vector products, §Three orders in JAX.
    """
    return jax.grad(lambda x: jnp.vdot(jax.grad(g)(x), v))(x)


def hvp_reverse_over_forward(g, x, v):
    """∇²g(x) v as the gradient of the JVP x ↦ ∇g(x)ᵀv = ⟨∇g(x), v⟩.

    Forward mode inside (jax.jvp), reverse outside (jax.grad).
    Arguments as hvp_forward_over_reverse.
    Defined in: Hessian-vector products, §Three orders in JAX.
    """
    return jax.grad(lambda x: jax.jvp(g, (x,), (v,))[1])(x)


HVP_ORDERS = {
    "forward over reverse": hvp_forward_over_reverse,
    "reverse over reverse": hvp_reverse_over_reverse,
    "reverse over forward": hvp_reverse_over_forward,
}


# --- input checks, kept out of the way -----------------------------------


def check_jax_float64(what):
    """Refuse to compute in float64 when JAX has not been told to.

    JAX turns float64 input into float32 unless jax_enable_x64 is set;
    the book compares in float64, so `what` asks for it to be set.
    """
    if not jax.config.jax_enable_x64:
        raise ValueError(
            f"{what} computes in float64, and JAX keeps float32 unless "
            "asked: call jax.config.update(\"jax_enable_x64\", True) "
            "right after importing jax"
        )


def _scalar_output(y):
    """Refuse a function that does not return exactly one number."""
    if int(np.prod(y.shape)) != 1:
        raise ValueError(
            "a Hessian-vector product needs a scalar function (one "
            f"number out); got an output of shape {tuple(y.shape)}"
        )
