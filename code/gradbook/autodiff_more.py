"""The engine grows up: a grad that can be differentiated again, and
checkpointing, on top of `gradbook.autodiff`.

- `grad(output, inputs, seed, create_graph)` returns gradients as
  Tensors and leaves `.grad` alone. With create_graph=True it runs the
  VJPs as Tensor operations (the table RULES), which are recorded, so a
  second `grad` differentiates the first: Hessian-vector products.
- `checkpoint(fn, *tensors)` keeps only a segment's inputs and output,
  and recomputes the segment inside the backward pass, where it runs
  `grad` through the segment's fresh record.

What the record keeps, counted, and the forward mode that keeps no
record (`Dual`) are in `gradbook.autodiff_memory`, the other half of
the page "Second derivatives, memory and checkpointing".
"""

import numpy as np

from gradbook.autodiff import Tensor, jvp, unbroadcast
from gradbook.autodiff_memory import saved


# ======== three small operations the VJPs of VJPs need ========
def broadcast(x, shape):
    """x broadcast to shape, recorded (its VJP is sum_to).

    Defined in: Second derivatives, memory and checkpointing, §A
    second grad.
    """
    if x.shape == tuple(shape):
        return x
    to = tuple(shape)
    return x._result("broadcast", np.broadcast_to(x.data, to), (x,),
                     (lambda G: unbroadcast(G, x.shape),),
                     (lambda dx: np.broadcast_to(dx, to),))


def sum_to(x, shape):
    """x summed down to shape, recorded (its VJP is broadcast).

    Defined in: Second derivatives, memory and checkpointing, §A
    second grad.
    """
    if x.shape == tuple(shape):
        return x
    to, source = tuple(shape), x.shape
    return x._result("sum_to", unbroadcast(x.data, to), (x,),
                     (lambda G: np.broadcast_to(G, source),),
                     (lambda dx: unbroadcast(dx, to),))


def reshape(x, shape):
    """x with a new shape, recorded.

    Defined in: Second derivatives, memory and checkpointing, §A
    second grad.
    """
    to, source = tuple(shape), x.shape
    return x._result("reshape", x.data.reshape(to), (x,),
                     (lambda G: G.reshape(source),),
                     (lambda dx: dx.reshape(to),))


def reciprocal(x):
    """1 / x elementwise, recorded.

    Defined in: Second derivatives, memory and checkpointing, §A
    second grad.
    """
    r = 1.0 / x.data
    return x._result("reciprocal", r, (x,), (lambda G: -G * r * r,),
                     (lambda dx: -dx * r * r,))


def _kept_shape(shape, axis):
    """shape with the summed axis (or all axes) kept as 1."""
    if axis is None:
        return (1,) * len(shape)
    kept = list(shape)
    kept[axis] = 1
    return tuple(kept)


def _sum_rule(n, G, scale=1.0):
    (x,) = n.parents
    G = reshape(G, _kept_shape(x.shape, saved(n)["axis"]))
    return (broadcast(G * scale if scale != 1.0 else G, x.shape),)


def _log_softmax_rule(n, G):
    axis = saved(n)["axis"]
    total = reshape(G.sum(axis=axis), _kept_shape(n.shape, axis))
    return (G - n.exp() * total,)


# ======== the VJPs as Tensor operations: node, G -> one per parent ====
RULES = {
    "+": lambda n, G: (sum_to(G, n.parents[0].shape),
                       sum_to(G, n.parents[1].shape)),
    "-": lambda n, G: (sum_to(G, n.parents[0].shape),
                       sum_to(-G, n.parents[1].shape)),
    "neg": lambda n, G: (-G,),
    "*": lambda n, G: (sum_to(G * n.parents[1], n.parents[0].shape),
                       sum_to(G * n.parents[0], n.parents[1].shape)),
    "@": lambda n, G: (G @ n.parents[1].T, n.parents[0].T @ G),
    "T": lambda n, G: (G.T,),
    "sum": _sum_rule,
    "mean": lambda n, G: _sum_rule(n, G, 1.0 / saved(n)["n"]),
    "relu": lambda n, G: (G * saved(n)["on"],),  # the mask: a constant
    "exp": lambda n, G: (G * n,),  # n is exp(x) itself
    "log": lambda n, G: (G * reciprocal(n.parents[0]),),
    "log_softmax": _log_softmax_rule,
    "broadcast": lambda n, G: (sum_to(G, n.parents[0].shape),),
    "sum_to": lambda n, G: (broadcast(G, n.parents[0].shape),),
    "reshape": lambda n, G: (reshape(G, n.parents[0].shape),),
    "reciprocal": lambda n, G: (-G * n * n,),
}


def grad(output, inputs, seed=None, create_graph=False):
    """Gradients of output with respect to inputs, as Tensors.

    output: a Tensor (a scalar unless seed, an array or Tensor of its
    shape, is given); inputs: a list of Tensors. Returns one Tensor per
    input, of its shape (zeros if output does not depend on it), and
    touches no .grad. create_graph=True runs the VJPs as recorded
    Tensor operations, so the result can be differentiated again.
    Each node's gradient is dropped once its VJPs have run. Defined in:
    Second derivatives, memory and checkpointing, §A second grad.
    """
    _check_grad_call(output, inputs, seed, create_graph)
    if seed is None:
        seed = np.ones(output.shape, output.data.dtype)
    if not isinstance(seed, Tensor):
        seed = Tensor(seed, requires_grad=False)
    G = {id(output): seed if create_graph else seed.data}
    wanted = {id(x) for x in inputs}
    results = {}
    for node in reversed(output.topological_order()):
        g = G.pop(id(node), None)
        if id(node) in wanted:
            results[id(node)] = g
        if g is None or not node.parents:
            continue
        if create_graph:
            parts = RULES[node.op](node, g)
        else:
            parts = [vjp(g) for vjp in node.vjps]
        for parent, part in zip(node.parents, parts):
            if parent.requires_grad:
                old = G.get(id(parent))
                G[id(parent)] = part if old is None else old + part
    return [_as_result(results.get(id(x)), x, create_graph)
            for x in inputs]


def _as_result(g, x, create_graph):
    if g is None:
        return Tensor(np.zeros_like(x.data), requires_grad=False)
    if create_graph:
        return g
    return Tensor(np.array(g), requires_grad=False)


def _check_grad_call(output, inputs, seed, create_graph):
    if not isinstance(output, Tensor) or not all(
            isinstance(x, Tensor) for x in inputs):
        raise ValueError("grad needs a Tensor output and a list of Tensors")
    if not output.requires_grad:
        raise ValueError(
            "the output does not depend on any tensor that requires a "
            "gradient; if it came from grad(), call that grad with "
            "create_graph=True to differentiate it again")
    if seed is None and output.data.size != 1:
        raise ValueError(
            f"grad without a seed needs a scalar output; got shape "
            f"{output.shape}")
    if seed is not None and np.shape(getattr(seed, "data", seed)) != (
            output.shape):
        raise ValueError(
            f"the seed must have the output's shape {output.shape}; got "
            f"{np.shape(getattr(seed, 'data', seed))}")
    if create_graph:
        for node in output.topological_order():
            if node.parents and node.op not in RULES:
                raise ValueError(
                    f"create_graph=True cannot differentiate through op "
                    f"{node.op!r}: it has no Tensor VJP rule")


# ======== checkpointing ========
def checkpoint(fn, *tensors):
    """fn(*tensors) as ONE recorded node that keeps only its inputs.

    fn's own record is dropped after the forward pass; the node's VJP
    runs fn again on fresh leaves and takes `grad` through that short
    record. fn must be pure: the recomputed value is compared with the
    first, and a Tensor fn uses without receiving it is refused.
    Defined in: Second derivatives, memory and checkpointing,
    §Checkpointing.
    """
    value = _run_segment(fn, tensors).data
    n = len(tensors)
    memo = {}  # the seed G last served -> the gradients for all inputs

    def vjp_of(i):
        def vjp(G):
            if memo.get("seed") is not G:
                leaves, out = _recompute(fn, tensors, value)
                memo.update(seed=G, left=set(range(n)), grads=[
                    g.data for g in grad(out, leaves, G)])
            result = memo["grads"][i]
            memo["left"].discard(i)
            if not memo["left"]:
                memo.clear()  # every input served: keep nothing
            return result
        return vjp

    def jvp_of(i):
        def rule(dx):
            leaves, out = _recompute(fn, tensors, value)
            return jvp(out, {leaves[i]: dx})
        return rule

    return tensors[0]._result(
        "checkpoint", value, tensors,
        tuple(vjp_of(i) for i in range(n)),
        tuple(jvp_of(i) for i in range(n)))


def _fresh_run(fn, tensors):
    leaves = [Tensor(t.data, requires_grad=t.requires_grad)
              for t in tensors]
    return leaves, fn(*leaves)


def _recompute(fn, tensors, value):
    """fn run again on fresh leaves; refused unless it gives value again."""
    leaves, out = _fresh_run(fn, tensors)
    if not np.array_equal(out.data, value, equal_nan=True):
        raise ValueError(
            "checkpoint: fn gave a different value when recomputed; "
            "checkpointing needs a pure function")
    return leaves, out


def _run_segment(fn, tensors):
    if not tensors or not all(isinstance(t, Tensor) for t in tensors):
        raise ValueError("checkpoint needs a function and Tensors")
    leaves, out = _fresh_run(fn, tensors)
    if not isinstance(out, Tensor):
        raise ValueError("checkpoint: fn must return one Tensor")
    inside = {id(t) for t in leaves}
    for node in out.topological_order():
        if not node.parents and id(node) not in inside:
            raise ValueError(
                "checkpoint: fn uses a tensor that requires a gradient "
                "without receiving it as an argument (its gradient "
                "would be lost); pass it to checkpoint")
    return out
