"""Reverse-mode automatic differentiation over NumPy arrays, in one page.

A `Tensor` wraps a float array. Every operation on tensors returns a
new tensor that remembers its inputs (its parents) and, for each
parent, the vector-Jacobian product (VJP) of the operation: given G =
∂L/∂out, the function that returns ∂L/∂parent. `loss.backward()` walks
the recorded graph from the loss back to the leaves in reverse
topological order and adds up what arrives, so that afterwards every
tensor that contributed holds `.grad`, with the shape of its `.data`.
Each operation also records its Jacobian-vector product (JVP), so that
`jvp` can push tangents forward through the same graph.

Shapes follow NumPy: `+`, `-` and `*` broadcast (shapes that do not
get NumPy's own error), and their VJPs sum over the broadcast axes.
Arrays and numbers mixed into an operation are constants: they get no
gradient. Float arrays keep their dtype (float32 stays float32);
anything else becomes float64.

What it is not: a framework. No devices, no in-place operations; the
VJPs work on plain arrays, so `backward` gives no higher derivatives
(`grad` of gradbook.autodiff_more does, and checkpoints; what a record
keeps, counted, and a forward mode with no record: autodiff_memory).
"""

import numpy as np


class Tensor:
    """An array that remembers how it was made; `.grad` after backward().

    data: anything np.asarray takes, of any shape. name: a label for
    pictures of the graph. Defined in: Build the machine: reverse mode
    from scratch, §A tensor that remembers.
    """

    def __init__(self, data, name="", requires_grad=True):
        self.data = _as_float_array(data)
        self.grad = None
        self.name = name
        self.requires_grad = requires_grad
        self.op, self.parents, self.vjps, self.jvps = "", (), (), ()

    @property
    def shape(self):
        return self.data.shape

    def __repr__(self):
        return f"Tensor({self.data!r}, name={self.name!r}, op={self.op!r})"

    def _result(self, op, data, parents, vjps, jvps):
        """A new tensor made by `op` from parents, with their VJPs/JVPs."""
        out = Tensor(data, requires_grad=any(
            [p.requires_grad for p in parents]))
        out.op, out.parents, out.vjps, out.jvps = op, parents, vjps, jvps
        return out

    # ======== the operations: forward, VJP (G ↦ ∂L/∂input), JVP ========
    # Each VJP keeps the arrays of the forward pass (x, y, X, W, ...),
    # as PyTorch's saved tensors: assign new arrays, never write into
    # these, or the backward pass uses values it never saw.
    def __add__(self, other):
        other = _tensor(other)
        x, y = self.data, other.data
        return self._result(
            "+", x + y, (self, other),
            (lambda G: unbroadcast(G, x.shape),
             lambda G: unbroadcast(G, y.shape)),
            (lambda dx: dx, lambda dy: dy))

    def __neg__(self):
        return self._result("neg", -self.data, (self,),
                            (lambda G: -G,), (lambda dx: -dx,))

    def __sub__(self, other):
        other = _tensor(other)
        x, y = self.data, other.data
        return self._result(
            "-", x - y, (self, other),
            (lambda G: unbroadcast(G, x.shape),
             lambda G: unbroadcast(-G, y.shape)),
            (lambda dx: dx, lambda dy: -dy))

    def __mul__(self, other):
        other = _tensor(other)
        x, y = self.data, other.data
        return self._result(
            "*", x * y, (self, other),
            (lambda G: unbroadcast(G * y, x.shape),
             lambda G: unbroadcast(G * x, y.shape)),
            (lambda dx: dx * y, lambda dy: x * dy))

    def __matmul__(self, other):
        other = _matrix(other, self)
        X, W = self.data, other.data
        return self._result(
            "@", X @ W, (self, other),
            (lambda G: G @ W.T, lambda G: X.T @ G),
            (lambda dX: dX @ W, lambda dW: X @ dW))

    @property
    def T(self):
        return self._result("T", self.data.T, (self,),
                            (lambda G: G.T,), (lambda dx: dx.T,))

    def sum(self, axis=None):
        shape = self.shape
        return self._result(
            "sum", self.data.sum(axis=axis), (self,),
            (lambda G: np.broadcast_to(_unsqueeze(G, axis), shape),),
            (lambda dx: dx.sum(axis=axis),))

    def mean(self, axis=None):
        shape = self.shape
        n = self.data.size if axis is None else shape[axis]
        return self._result(
            "mean", self.data.sum(axis=axis) / n, (self,),
            (lambda G: np.broadcast_to(_unsqueeze(G, axis) / n, shape),),
            (lambda dx: dx.mean(axis=axis),))

    def relu(self):
        on = self.data > 0
        return self._result("relu", np.maximum(self.data, 0), (self,),
                            (lambda G: G * on,), (lambda dx: dx * on,))

    def exp(self):
        y = np.exp(self.data)
        return self._result("exp", y, (self,),
                            (lambda G: G * y,), (lambda dx: dx * y,))

    def log(self):
        x = self.data
        return self._result("log", np.log(x), (self,),
                            (lambda G: G / x,), (lambda dx: dx / x,))

    def log_softmax(self, axis=-1):
        Z = self.data - self.data.max(axis=axis, keepdims=True)
        S = Z - np.log(np.exp(Z).sum(axis=axis, keepdims=True))
        P = np.exp(S)  # the softmax
        return self._result(
            "log_softmax", S, (self,),
            (lambda G: G - P * G.sum(axis=axis, keepdims=True),),
            (lambda dZ: dZ - (P * dZ).sum(axis=axis, keepdims=True),))

    # an array or a number on the left: a constant, then the same rules
    __array_ufunc__ = None  # NumPy hands `array + tensor` to the tensor
    __radd__ = __add__
    __rmul__ = __mul__

    def __rsub__(self, other):
        return Tensor(other, requires_grad=False) - self

    def __rmatmul__(self, other):
        return Tensor(other, requires_grad=False) @ self

    # ======== the backward pass ========
    def topological_order(self):
        """Every tensor this one depends on, each after its parents.

        Iterative depth-first search: no recursion limit, so a chain of
        any length works. Tensors with requires_grad False are left out.
        Defined in: Build the machine: reverse mode from scratch, §The
        backward pass.
        """
        order, visited, stack = [], set(), [(self, False)]
        while stack:
            node, parents_done = stack.pop()
            if parents_done:
                order.append(node)
            elif id(node) not in visited:
                visited.add(id(node))
                stack.append((node, True))  # comes back after its parents
                stack.extend((parent, False) for parent in node.parents
                             if parent.requires_grad)
        return order

    def backward(self, grad=None):
        """Add ∂self/∂leaf into each leaf's .grad, by reverse mode.

        grad: the seed ∂L/∂self, needed when self is not a scalar
        (default 1). Leaves ACCUMULATE: a second backward() adds the
        same gradient again (set leaf.grad = None in between to start
        afresh), as in PyTorch. Every other tensor of the graph gets a
        fresh .grad on each pass. Defined in: Build the machine:
        reverse mode from scratch, §The backward pass.
        """
        order = self.topological_order()
        for node in order:
            if node.parents:
                node.grad = None
        self._accumulate(_seed(self, grad))
        for node in reversed(order):
            for parent, vjp in zip(node.parents, node.vjps):
                if parent.requires_grad:
                    parent._accumulate(vjp(node.grad))

    def _accumulate(self, G):
        if self.grad is None:  # a leaf gets an array of its own
            self.grad = G if self.parents else np.array(G)
        else:
            self.grad = self.grad + G


def unbroadcast(G, shape):
    """Sum G down to `shape`: the VJP of NumPy's broadcasting.

    Defined in: The engine's rules, one operation at a time,
    §Broadcasting.
    """
    if G.shape == shape:
        return G
    extra = G.ndim - len(shape)
    G = G.sum(axis=tuple(range(extra))) if extra else G
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and G.shape[i] != 1)
    return G.sum(axis=axes, keepdims=True) if axes else G


def jvp(y, tangents):
    """J v by forward mode: push tangents from the leaves to y.

    tangents: {leaf tensor: array of its shape}; leaves left out have
    tangent 0. Returns ∂y/∂leaves · tangents, an array of y's shape.
    Defined in: Forward mode and pictures of the graph, §Forward mode on
    the same graph.
    """
    _check_tangents(tangents)
    dot = {}  # id of a tensor -> its tangent (None: zero)
    for node in y.topological_order():
        if not node.parents:
            dot[id(node)] = tangents.get(node)
            continue
        terms = [rule(dot[id(p)]) for p, rule in zip(node.parents, node.jvps)
                 if dot.get(id(p)) is not None]
        dot[id(node)] = (np.broadcast_to(sum(terms), node.shape)
                         if terms else None)
    result = dot[id(y)]
    return np.zeros_like(y.data) if result is None else np.array(result)


# ======== conversions and checks, kept out of the way ========
def _as_float_array(data):
    if isinstance(data, (np.ndarray, np.floating)) and data.dtype.kind == "f":
        return np.asarray(data)  # the common case first: no copy
    try:
        array = np.asarray(data)
    except (ValueError, TypeError) as error:
        raise ValueError(f"Tensor needs numbers; got {data!r}") from error
    if np.issubdtype(array.dtype, np.floating):
        return array
    if array.dtype.kind not in "biu":
        raise ValueError(
            f"Tensor needs real numbers; got an array of dtype {array.dtype}")
    return array.astype(np.float64)


def _tensor(other):
    """other as a Tensor: an array or a number becomes a constant."""
    return other if isinstance(other, Tensor) else Tensor(
        other, requires_grad=False)


def _matrix(other, left):
    """other as a Tensor, refused unless left @ other is (m, n) @ (n, p).

    NumPy's @ takes 1-D operands too; the VJPs G Wᵀ and Xᵀ G do not.
    """
    other = _tensor(other)
    if left.data.ndim != 2 or other.data.ndim != 2 or (
            left.shape[1] != other.shape[0]):
        raise ValueError(
            f"@ needs matrices (m, n) and (n, p); got shapes {left.shape} "
            f"and {other.shape}")
    return other


def _unsqueeze(G, axis):
    return G if axis is None else np.expand_dims(G, axis)


def _seed(y, grad):
    if grad is None:
        if y.data.size != 1:
            raise ValueError(
                f"backward() without a seed gradient needs a scalar (size "
                f"1); got shape {y.shape}: pass grad of that shape")
        return np.ones(y.shape, y.data.dtype)
    grad = _as_float_array(grad)
    if grad.shape != y.shape:
        raise ValueError(
            f"the seed gradient must have the tensor's shape {y.shape}; "
            f"got shape {grad.shape}")
    return grad


def _check_tangents(tangents):
    for leaf, v in tangents.items():
        if np.shape(v) != leaf.shape:
            raise ValueError(
                f"a tangent must have its leaf's shape {leaf.shape}; got "
                f"shape {np.shape(v)}")
