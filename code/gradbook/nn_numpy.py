"""A multilayer perceptron in NumPy, trained on mini-batches.

The fast form of the network of the chapter "Backprop from scratch":
the same layers, loss and gradients as `gradbook.nn_python`, but a
whole batch at a time, one matrix product where the plain form loops.

Conventions (row batches): X has one sample per row, shape (m, n_in);
a layer computes Z = XW + b with W of shape (n_in, n_out) and b of
shape (1, n_out), broadcast over the rows. Targets are one-hot rows Y
of shape (m, k) or integer labels y of shape (m,). The loss is the MEAN
cross-entropy over the batch, so every gradient here is that of the
mean: the output layer's δ is (P − Y)/m.

Initialisation: He uniform for the ReLU layers, W ~ U(−√(6/n_in),
√(6/n_in)), with biases 0.1 (a small positive bias keeps more ReLUs
active at the start; Goodfellow, Bengio and Courville, Deep Learning,
§8.4); Glorot uniform for the softmax layer, U(−√(6/(n_in + n_out)),
...), with biases 0. Drawn in layer order from
np.random.default_rng(seed).

What it is not: a framework. No autograd, no optimiser but SGD, no
layer but dense; `gradbook.nn_frameworks` builds the same network in
PyTorch and Keras to check this one.
"""

import numpy as np

from gradbook.data import one_hot
from gradbook.nn_python import summary_table

ACTIVATIONS = ("relu", "softmax", "linear")
RELU_BIAS = 0.1  # the initial bias of a ReLU layer


# ======== Activations, softmax and the loss ========
def relu(Z):
    """ReLU elementwise: max(0, Z), any shape.

    Defined in: Backprop from scratch, §ReLU.
    """
    return np.maximum(Z, 0)


def relu_derivative(Z):
    """1 where Z > 0, else 0, in Z's dtype; 0 at Z = 0 exactly.

    ReLU has no derivative at 0; the book takes 0 there, as PyTorch
    and TensorFlow do, so gradients agree with theirs even at 0.
    Defined in: Backprop from scratch, §ReLU.
    """
    return (Z > 0).astype(Z.dtype)


def softmax(Z):
    """Row-wise softmax: P = exp(Z − max) / Σ exp(Z − max), shape (m, k).

    Subtracting each row's maximum keeps every exponent ≤ 0, so exp
    never overflows. Works on the last axis of any array.
    Defined in: Backprop from scratch, §A stable softmax.
    """
    E = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return E / E.sum(axis=-1, keepdims=True)


def log_softmax(Z):
    """Row-wise log P = Z − max − log Σ exp(Z − max), shape (m, k).

    Finite even where P underflows to 0. Works on the last axis.
    Defined in: Backprop from scratch, §A stable softmax.
    """
    Z_shift = Z - Z.max(axis=-1, keepdims=True)
    return Z_shift - np.log(np.exp(Z_shift).sum(axis=-1, keepdims=True))


def _check_rows(M, name):
    """Return M as a float array of shape (m, k), m ≥ 1, or raise."""
    M = np.asarray(M, dtype=float)
    if M.ndim != 2 or M.shape[0] == 0:
        raise ValueError(
            f"{name} must be a non-empty batch of shape (m, k); got shape "
            f"{M.shape}"
        )
    return M


def cross_entropy(P, Y):
    """Mean cross-entropy −(1/m) Σ_i Σ_j Y_ij log P_ij from probabilities.

    P: (m, k) probabilities; Y: one-hot rows (m, k) or labels (m,).
    The textbook formula: it is inf if a true class has probability
    exactly 0, which is why the model computes its loss from the
    logits with `cross_entropy_from_logits`.
    Defined in: Backprop from scratch, §Softmax and cross-entropy.
    """
    P = _check_rows(P, "P")
    Y = check_targets(Y, P.shape[0], P.shape[1], P.dtype)
    log_P = np.zeros_like(P)
    with np.errstate(divide="ignore"):  # log 0 = −inf is the answer
        np.log(P, out=log_P, where=Y > 0)
    return float(-(Y * log_P).sum() / P.shape[0])


def cross_entropy_from_logits(Z, Y):
    """Mean cross-entropy from the scores Z (m, k), via log_softmax.

    Y: one-hot rows (m, k) or labels (m,). Never inf or nan.
    Defined in: Backprop from scratch, §Softmax and cross-entropy.
    """
    Z = _check_rows(Z, "Z")
    Y = check_targets(Y, Z.shape[0], Z.shape[1], Z.dtype)
    return float(-np.vdot(Y, log_softmax(Z)) / Z.shape[0])


# ======== Checking inputs ========
def check_inputs(X, n_in, dtype=np.float64):
    """Return X as an array of shape (m, n_in), m ≥ 1, or raise."""
    X = np.asarray(X, dtype=dtype)
    if X.ndim != 2 or X.shape[1] != n_in:
        hint = (
            " (one sample: pass X.reshape(1, -1))"
            if X.shape == (n_in,) else ""
        )
        raise ValueError(
            f"X must be a batch of shape (m, {n_in}), one sample per row; "
            f"got shape {X.shape}{hint}"
        )
    if X.shape[0] == 0:
        raise ValueError(
            f"empty batch: X has shape {X.shape}; need at least one row"
        )
    return X


def check_targets(Y, m, k, dtype=np.float64):
    """Return the targets as one-hot rows of shape (m, k), or raise.

    Y: integer labels of shape (m,), each in 0..k-1, or rows of shape
    (m, k), each non-negative and summing to 1 (one-hot, or any
    probability row: the gradient P − Y holds for both).
    """
    Y = np.asarray(Y)
    if Y.ndim == 1:
        if Y.shape[0] != m:
            raise ValueError(
                f"expected {m} labels, one per row of X (shape ({m},)); "
                f"got shape {Y.shape}"
            )
        return one_hot(Y, k).astype(dtype, copy=False)
    if Y.ndim != 2 or Y.shape != (m, k):
        raise ValueError(
            f"Y must be one-hot rows of shape ({m}, {k}) or labels of "
            f"shape ({m},); got shape {Y.shape}"
        )
    Y = Y.astype(dtype, copy=False)
    sums = Y.sum(axis=1)
    bad = np.flatnonzero((np.abs(sums - 1) > 1e-5) | np.any(Y < 0, axis=1))
    if bad.size:
        i = bad[0]
        raise ValueError(
            f"each row of Y must be one-hot (non-negative, summing to "
            f"1); row {i} is {Y[i].tolist()} and sums to {sums[i]:g}"
        )
    return Y


def batch_order(m, epochs, batch_size=None, shuffle_seed=0):
    """The rows of each step, epoch by epoch: a list of index arrays.

    batch_size None means the whole set as one batch. shuffle_seed
    None keeps the order of the rows; an int draws each epoch's order
    from one np.random.default_rng(shuffle_seed). The frameworks'
    fits use this too, so all see the same batches in the same order.
    """
    if batch_size is None:
        batch_size = m
    if batch_size < 1:
        raise ValueError(f"batch_size must be ≥ 1; got {batch_size}")
    rng = None if shuffle_seed is None else np.random.default_rng(
        shuffle_seed
    )
    steps = []
    for _ in range(epochs):
        order = np.arange(m) if rng is None else rng.permutation(m)
        steps.append(
            [order[s:s + batch_size] for s in range(0, m, batch_size)]
        )
    return steps


# ======== A dense layer ========
class Dense:
    """A dense layer on a batch: Z = XW + b, then an activation.

    W: (n_in, n_out), b: (1, n_out). activation: "relu", "softmax"
    (the output layer: it also keeps log P for the loss) or "linear".
    rng: a np.random.Generator for the initial W (He uniform for ReLU
    and linear, Glorot uniform for softmax); b starts at RELU_BIAS =
    0.1 in a ReLU layer, else at 0.
    Defined in: Dense layers, §A dense layer from scratch.
    """

    def __init__(self, n_in, n_out, activation="relu", rng=None,
                 dtype=np.float64):
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"activation must be one of {ACTIVATIONS}; got "
                f"{activation!r}"
            )
        if rng is None:
            rng = np.random.default_rng(0)
        self.n_in, self.n_out = n_in, n_out
        self.activation = activation
        if activation == "softmax":
            limit = np.sqrt(6.0 / (n_in + n_out))
        else:
            limit = np.sqrt(6.0 / n_in)
        self.W = rng.uniform(-limit, limit, size=(n_in, n_out)).astype(dtype)
        self.b = np.full(
            (1, n_out), RELU_BIAS if activation == "relu" else 0.0,
            dtype=dtype,
        )

    def forward(self, A_prev):
        """A = activation(A_prev W + b); A_prev (m, n_in) -> A (m, n_out).

        Keeps A_prev and Z for the backward pass.
        """
        A_prev = check_inputs(A_prev, self.n_in, self.W.dtype)
        self.A_prev = A_prev
        self.Z = A_prev @ self.W
        self.Z += self.b
        if self.activation == "relu":
            self.A = np.maximum(self.Z, 0)
        elif self.activation == "softmax":
            self.log_A = log_softmax(self.Z)
            self.A = np.exp(self.log_A)
        else:
            self.A = self.Z
        return self.A

    def delta(self, grad_A):
        """δ = ∂L/∂Z from ∂L/∂A (m, n_out), for an elementwise activation.

        ReLU: δ = ∂L/∂A ⊙ relu′(Z). The softmax layer's δ = (P − Y)/m
        comes with the loss (see MLP.backward), not from here.
        Defined in: Backprop from scratch, §Backpropagation.
        """
        if self.activation == "relu":
            return grad_A * relu_derivative(self.Z)
        if self.activation == "linear":
            return grad_A
        raise ValueError(
            "the softmax layer's delta is (P − Y)/m, computed together "
            "with the cross-entropy loss, not from ∂L/∂A"
        )

    def gradients(self, delta, need_grad_A_prev=True):
        """(grad_W, grad_b, grad_A_prev) from δ = ∂L/∂Z of shape (m, n_out).

        grad_W = A_prevᵀδ (n_in, n_out), grad_b = Σ_rows δ (1, n_out),
        grad_A_prev = δWᵀ (m, n_in), with the weights of the forward
        pass: nothing here changes W or b. The first layer's input is
        the data, whose gradient nobody needs: need_grad_A_prev=False
        skips that product and returns None in its place.
        Defined in: Backprop from scratch, §Layer gradients.
        """
        grad_W = self.A_prev.T @ delta
        grad_b = delta.sum(axis=0, keepdims=True)
        grad_A_prev = delta @ self.W.T if need_grad_A_prev else None
        return grad_W, grad_b, grad_A_prev

    def n_params(self):
        """n_in·n_out weights plus n_out biases."""
        return self.n_in * self.n_out + self.n_out

    def describe(self):
        """(n_in, n_out, activation, parameters): one summary row."""
        return (self.n_in, self.n_out, self.activation, self.n_params())


# ======== The network ========
class MLP:
    """MLP(sizes, seed, dtype): ReLU hidden layers, softmax output.

    sizes: [n_in, hidden..., k], e.g. [4, 8, 8, 3]. Trained on the mean
    cross-entropy with SGD. dtype: np.float64 (default, for checking
    gradients) or np.float32 (for speed).
    Defined in: Backprop from scratch, §The whole network.
    """

    def __init__(self, sizes, seed=0, dtype=np.float64):
        sizes = list(sizes)
        if len(sizes) < 2 or any(
            isinstance(n, bool) or not isinstance(n, (int, np.integer))
            or n < 1
            for n in sizes
        ):
            raise ValueError(
                f"sizes must be at least two positive ints [n_in, ..., "
                f"k]; got {sizes}"
            )
        self.sizes = [int(n) for n in sizes]
        self.dtype = np.dtype(dtype)
        rng = np.random.default_rng(seed)
        n_layers = len(sizes) - 1
        self.layers = [
            Dense(n_in, n_out,
                  "softmax" if number == n_layers else "relu", rng, dtype)
            for number, (n_in, n_out) in enumerate(
                zip(self.sizes[:-1], self.sizes[1:]), 1
            )
        ]

    @classmethod
    def from_params(cls, params, dtype=np.float64):
        """An MLP with the given list of (W, b); sizes read off the Ws."""
        params = [(np.asarray(W), np.asarray(b)) for W, b in params]
        if not params or any(W.ndim != 2 for W, _ in params):
            raise ValueError(
                "params must be a non-empty list of (W, b) with 2-D W"
            )
        sizes = [params[0][0].shape[0]] + [W.shape[1] for W, _ in params]
        model = cls(sizes, seed=0, dtype=dtype)
        model.set_params(params)
        return model

    @property
    def n_in(self):
        return self.sizes[0]

    @property
    def n_out(self):
        return self.sizes[-1]

    # ---- the passes, without input checks (fit checks once) ----
    def _forward(self, X):
        A = X
        for layer in self.layers:
            A = layer.forward(A)
        return A

    def _backward(self, Y):
        """Gradients of the mean loss, after _forward on the same batch."""
        output = self.layers[-1]
        delta = output.A - Y  # (P − Y): softmax and cross-entropy fused
        delta *= 1.0 / Y.shape[0]  # the loss is the mean over the batch
        grads = []
        for number in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[number]
            grad_W, grad_b, grad_A_prev = layer.gradients(delta, number > 0)
            grads.append((grad_W, grad_b))
            if number > 0:
                delta = self.layers[number - 1].delta(grad_A_prev)
        grads.reverse()
        return grads

    def _loss(self, Y):
        """Mean cross-entropy of the last forward pass: −ΣY·log P / m."""
        return float(-np.vdot(Y, self.layers[-1].log_A) / Y.shape[0])

    def _step(self, grads, lr):
        for layer, (grad_W, grad_b) in zip(self.layers, grads):
            layer.W -= lr * grad_W
            layer.b -= lr * grad_b

    # ---- the public methods ----
    def forward(self, X):
        """Probabilities P of shape (m, k) for the batch X of shape (m, n_in).

        Defined in: Backprop from scratch, §The whole network.
        """
        return self._forward(check_inputs(X, self.n_in, self.dtype)).copy()

    def loss(self, X, Y):
        """Mean cross-entropy over the batch (a float), from log P.

        Y: one-hot rows (m, k) or integer labels (m,).
        """
        X = check_inputs(X, self.n_in, self.dtype)
        Y = check_targets(Y, X.shape[0], self.n_out, self.dtype)
        self._forward(X)
        return self._loss(Y)

    def backward(self, X, Y):
        """Gradients of the mean loss: a list of (grad_W, grad_b).

        One pair per layer, first layer first, shapes (n_in, n_out) and
        (1, n_out). Runs the forward pass, then goes backward from
        δ = (P − Y)/m; every gradient is computed before any parameter
        changes (that is `step`'s job).
        Defined in: Backprop from scratch, §Backpropagation.
        """
        X = check_inputs(X, self.n_in, self.dtype)
        Y = check_targets(Y, X.shape[0], self.n_out, self.dtype)
        self._forward(X)
        return self._backward(Y)

    def step(self, grads, lr):
        """SGD: W ← W − lr·grad_W and b ← b − lr·grad_b in every layer."""
        if len(grads) != len(self.layers):
            raise ValueError(
                f"expected {len(self.layers)} (grad_W, grad_b) pairs, one "
                f"per layer; got {len(grads)}"
            )
        for number, (layer, (grad_W, grad_b)) in enumerate(
            zip(self.layers, grads), 1
        ):
            if (np.shape(grad_W) != layer.W.shape
                    or np.shape(grad_b) != layer.b.shape):
                raise ValueError(
                    f"layer {number}: expected gradients of shapes "
                    f"{layer.W.shape} and {layer.b.shape}; got "
                    f"{np.shape(grad_W)} and {np.shape(grad_b)}"
                )
        self._step(grads, lr)

    def fit(self, X, Y, epochs, lr, batch_size=None, shuffle_seed=0):
        """Mini-batch SGD; return the mean loss of each epoch (a list).

        batch_size None: the whole set is one batch. shuffle_seed: an
        int shuffles each epoch (see `batch_order`); None keeps the
        order, so batch_size=1, shuffle_seed=None is the original
        code's per-sample SGD. An epoch's loss is the mean of the
        samples' losses, each taken in the forward pass just before
        the step that uses it (as Keras reports it).
        Defined in: Backprop from scratch, §Training.
        """
        X = check_inputs(X, self.n_in, self.dtype)
        Y = check_targets(Y, X.shape[0], self.n_out, self.dtype)
        m = X.shape[0]
        losses = []
        for batches in batch_order(m, epochs, batch_size, shuffle_seed):
            if shuffle_seed is None:
                X_epoch, Y_epoch = X, Y
            else:
                order = np.concatenate(batches)
                X_epoch, Y_epoch = X[order], Y[order]
            total = 0.0
            start = 0
            for rows in batches:
                stop = start + len(rows)
                Y_batch = Y_epoch[start:stop]
                self._forward(X_epoch[start:stop])
                total += self._loss(Y_batch) * len(rows)
                self._step(self._backward(Y_batch), lr)
                start = stop
            losses.append(total / m)
        return losses

    def predict(self, X):
        """The most probable class of each row: int labels of shape (m,)."""
        return self.forward(X).argmax(axis=1)

    def active_units(self, X):
        """How many ReLUs are active (Z > 0) for each row, layer by layer.

        Returns a list with one int array of shape (m,) per hidden
        layer. A row with 0 in some layer reaches the output only
        through the later biases: its ReLUs are dead for it, and the
        gradient of its loss is zero in that layer and every one below.
        Defined in: Backprop from scratch, §Dead ReLUs.
        """
        self._forward(check_inputs(X, self.n_in, self.dtype))
        return [
            (layer.Z > 0).sum(axis=1)
            for layer in self.layers if layer.activation == "relu"
        ]

    def accuracy(self, X, y):
        """The fraction of rows whose predicted class is the label y."""
        X = check_inputs(X, self.n_in, self.dtype)
        y = check_targets(y, X.shape[0], self.n_out).argmax(axis=1)
        return float(np.mean(self.predict(X) == y))

    def summary(self):
        """A table of the layers: sizes, activation, parameter counts."""
        return summary_table([layer.describe() for layer in self.layers])

    def get_params(self):
        """Copies of the parameters: a list of (W, b), W (n_in, n_out)."""
        return [(layer.W.copy(), layer.b.copy()) for layer in self.layers]

    @property
    def params(self):
        """The same as get_params(): copies, safe to keep."""
        return self.get_params()

    def set_params(self, params):
        """Load a list of (W, b): arrays or nested lists, shapes checked.

        W must be (n_in, n_out); b (1, n_out) or flat (n_out,). The
        values are copied and cast to the model's dtype.
        """
        if len(params) != len(self.layers):
            raise ValueError(
                f"expected {len(self.layers)} (W, b) pairs, one per "
                f"layer; got {len(params)}"
            )
        new = []
        for number, (layer, (W, b)) in enumerate(
            zip(self.layers, params), 1
        ):
            W = np.array(W, dtype=self.dtype)
            b = np.array(b, dtype=self.dtype)
            if W.shape != layer.W.shape:
                raise ValueError(
                    f"layer {number}: W must have shape {layer.W.shape}; "
                    f"got shape {W.shape}"
                )
            if b.shape == (layer.n_out,):
                b = b.reshape(1, -1)
            if b.shape != layer.b.shape:
                raise ValueError(
                    f"layer {number}: b must have shape {layer.b.shape} or "
                    f"({layer.n_out},); got shape {b.shape}"
                )
            new.append((W, b))
        for layer, (W, b) in zip(self.layers, new):
            layer.W, layer.b = W, b
