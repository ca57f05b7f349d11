"""What reverse mode keeps, counted, and a forward mode that keeps nothing.

- `saved(node)` reads what a node's VJPs keep; `record_bytes(y)` adds
  up the memory the record of y holds; `peak_bytes(run)` measures the
  most Python and NumPy hold at once while run() runs.
- `Dual` carries a tangent beside each value while the function runs
  and keeps no record: forward mode with the memory of evaluation.

They measure and compare the engine of `gradbook.autodiff`, which they
leave as it is; `gradbook.autodiff_more` reads its rules' saved values
through `saved`, and cuts the record down with `checkpoint`.
"""

import tracemalloc

import numpy as np


# ======== what an operation keeps for its VJP ========
def saved(node):
    """{name: value} of everything node's VJP closures keep.

    Defined in: Second derivatives, memory and checkpointing, §Memory,
    counted.
    """
    kept = {}
    for vjp in node.vjps:
        names = vjp.__code__.co_freevars
        kept.update(zip(names, [c.cell_contents for c in
                                vjp.__closure__ or ()]))
    return kept


def record_bytes(y):
    """Bytes of the distinct arrays the record of y keeps alive.

    Every tensor's .data (tensors hold their parents) and every array a
    VJP keeps, each array counted once. Defined in: Second derivatives,
    memory and checkpointing, §Memory, counted.
    """
    arrays = {}
    for node in y.topological_order():
        arrays[id(node.data)] = node.data
        for value in saved(node).values():
            if isinstance(value, np.ndarray):
                arrays[id(value)] = value
    return sum(a.nbytes for a in arrays.values() if a.base is None)


def peak_bytes(run):
    """Peak bytes Python and NumPy allocate while run() runs.

    Measured by tracemalloc from a fresh start. Defined in: Second
    derivatives, memory and checkpointing, §Memory, counted.
    """
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# ======== forward mode with no record: dual numbers ========
class Dual:
    """A value with its tangent; each operation updates both at once.

    Nothing is kept for later: the memory of forward mode is that of
    evaluation, twice. Same operations as Tensor. Defined in: Second
    derivatives, memory and checkpointing, §Forward mode with no record.
    """

    def __init__(self, value, tangent=None):
        self.value = np.asarray(value, dtype=float)
        self.tangent = (np.zeros_like(self.value) if tangent is None
                        else np.asarray(tangent, dtype=float))

    @property
    def shape(self):
        return self.value.shape

    def __add__(self, o):
        o = _dual(o)
        return Dual(self.value + o.value, self.tangent + o.tangent)

    def __sub__(self, o):
        o = _dual(o)
        return Dual(self.value - o.value, self.tangent - o.tangent)

    def __neg__(self):
        return Dual(-self.value, -self.tangent)

    def __mul__(self, o):
        o = _dual(o)
        return Dual(self.value * o.value,
                    self.tangent * o.value + self.value * o.tangent)

    def __matmul__(self, o):
        o = _dual(o)
        return Dual(self.value @ o.value,
                    self.tangent @ o.value + self.value @ o.tangent)

    @property
    def T(self):
        return Dual(self.value.T, self.tangent.T)

    def sum(self, axis=None):
        return Dual(self.value.sum(axis=axis), self.tangent.sum(axis=axis))

    def mean(self, axis=None):
        return Dual(self.value.mean(axis=axis),
                    self.tangent.mean(axis=axis))

    def relu(self):
        on = self.value > 0
        return Dual(self.value * on, self.tangent * on)

    def exp(self):
        y = np.exp(self.value)
        return Dual(y, self.tangent * y)

    def log(self):
        return Dual(np.log(self.value), self.tangent / self.value)

    def log_softmax(self, axis=-1):
        Z = self.value - self.value.max(axis=axis, keepdims=True)
        S = Z - np.log(np.exp(Z).sum(axis=axis, keepdims=True))
        dS = self.tangent - (np.exp(S) * self.tangent).sum(
            axis=axis, keepdims=True)
        return Dual(S, dS)

    __array_ufunc__ = None
    __radd__ = __add__
    __rmul__ = __mul__

    def __rsub__(self, o):
        return _dual(o) - self

    def __rmatmul__(self, o):
        return _dual(o) @ self


def _dual(o):
    return o if isinstance(o, Dual) else Dual(o)
