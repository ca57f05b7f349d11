"""A multilayer perceptron in NumPy, trained on mini-batches.

The fast form of the network of the chapter "Backprop from scratch":
the same layers, loss and gradients as `gradbook.nn_python`, but a
whole batch at a time, one matrix product where the plain form loops.

Conventions (row batches): X has one sample per row, shape (m, n_in);
a layer computes Z = XW + b with W of shape (n_in, n_out) and b of
shape (1, n_out), broadcast over the rows. Targets are one-hot rows Y
of shape (m, k) or integer labels y of shape (m,). The loss is the MEAN
cross-entropy L = (1/m) Σ_i ℓ_i over the batch, ℓ_i that of row i, and
every gradient here is a gradient of L. In particular each layer's
δ = ∂L/∂Z has Z's shape (m, n_out), and its row i is (1/m) ∂ℓ_i/∂z_i:
at the output δ = (P − Y)/m, which for m = 1 is `nn_python`'s p − y.

Initialisation, layer by layer from np.random.default_rng(seed): ReLU
layers He uniform, variance 2/n_in, so that E[z²] is the same from one
ReLU layer to the next (the argument: `nn_python_layers.DenseLayer`),
biases RELU_BIAS = 0.1, which keeps more ReLUs active at the start
(Goodfellow, Bengio and Courville, Deep Learning, §8.4); the softmax
layer Glorot uniform with biases 0.

A little over 300 lines: the pages name the activations, the layer and
the network all as `nn_numpy.<name>`, the batch form of the network in
one place, so they stay together.

No autograd, no optimiser but SGD, no layer but dense:
`gradbook.nn_frameworks` builds the same network in PyTorch and Keras
to check this one.
"""

import numpy as np

from gradbook.checks import (
    check_inputs,
    check_params,
    check_sizes,
    check_targets,
    sizes_of,
    summary_table,
)
from gradbook.data import batch_order

RELU_BIAS = 0.1  # the initial bias of a ReLU layer


# ======== ReLU and softmax ========
def relu(Z):
    """ReLU elementwise: max(0, Z), any shape.

    Defined in: The multilayer perceptron, §ReLU.
    """
    return np.maximum(Z, 0)


def relu_derivative(Z):
    """1 where Z > 0, else 0, in Z's dtype; 0 at Z = 0 exactly.

    ReLU has no derivative at 0; the book takes 0 there, as PyTorch
    and TensorFlow do, so gradients agree with theirs even at 0.
    Defined in: The multilayer perceptron, §ReLU.
    """
    return (Z > 0).astype(Z.dtype)


def softmax(Z):
    """Row-wise softmax: P = exp(Z − max) / Σ exp(Z − max), shape (m, k).

    Subtracting each row's maximum keeps every exponent ≤ 0, so exp
    never overflows. Works on the last axis of any array.
    Defined in: The multilayer perceptron, §A stable softmax.
    """
    E = np.exp(Z - Z.max(axis=-1, keepdims=True))
    return E / E.sum(axis=-1, keepdims=True)


def log_softmax(Z):
    """Row-wise log P = Z − max − log Σ exp(Z − max), shape (m, k).

    Finite even where P underflows to 0. Works on the last axis.
    Defined in: The multilayer perceptron, §A stable softmax.
    """
    Z_shift = Z - Z.max(axis=-1, keepdims=True)
    return Z_shift - np.log(np.exp(Z_shift).sum(axis=-1, keepdims=True))


# ======== A dense layer ========
class Dense:
    """A dense layer on a batch: Z = XW + b, then an activation.

    W: (n_in, n_out), b: (1, n_out). activation: "relu" (a hidden
    layer) or "softmax" (the output layer: it also keeps log P for the
    loss). rng: a np.random.Generator for the initial W (He uniform for
    ReLU, Glorot uniform for softmax); b starts at RELU_BIAS = 0.1 in a
    ReLU layer, at 0 in the softmax layer.
    Defined in: Dense layers, §A dense layer from scratch.
    """

    def __init__(self, n_in, n_out, activation="relu", rng=None,
                 dtype=np.float64):
        if activation not in ("relu", "softmax"):
            raise ValueError(
                f"activation must be 'relu' or 'softmax'; got {activation!r}"
            )
        if rng is None:
            rng = np.random.default_rng(0)
        self.n_in, self.n_out = n_in, n_out
        self.activation = activation
        if activation == "relu":
            limit, bias = np.sqrt(6.0 / n_in), RELU_BIAS
        else:
            limit, bias = np.sqrt(6.0 / (n_in + n_out)), 0.0
        self.W = rng.uniform(-limit, limit, size=(n_in, n_out)).astype(dtype)
        self.b = np.full((1, n_out), bias, dtype=dtype)

    def forward(self, A_prev):
        """A = activation(A_prev W + b); A_prev (m, n_in) -> A (m, n_out).

        Keeps A_prev and Z for the backward pass.
        """
        self.A_prev = A_prev
        self.Z = A_prev @ self.W
        self.Z += self.b
        if self.activation == "relu":
            self.A = relu(self.Z)
        else:
            self.log_A = log_softmax(self.Z)
            self.A = np.exp(self.log_A)
        return self.A

    def delta(self, grad_A):
        """A ReLU layer's δ = ∂L/∂Z = ∂L/∂A ⊙ relu′(Z); both (m, n_out).

        grad_A = ∂L/∂A comes from the layer above. The softmax layer's
        δ = (P − Y)/m comes from the targets (see MLP.backward).
        Defined in: Backprop from scratch, §Backpropagation.
        """
        return grad_A * relu_derivative(self.Z)

    def gradients(self, delta, need_grad_A_prev=True):
        """(grad_W, grad_b, grad_A_prev) from δ = ∂L/∂Z of shape (m, n_out).

        grad_W = A_prevᵀδ (n_in, n_out), grad_b = Σ_rows δ (1, n_out),
        grad_A_prev = δWᵀ (m, n_in), with the weights of the forward
        pass: nothing here changes W or b. The first layer's input is
        the data, whose gradient nobody needs: need_grad_A_prev=False
        skips that product and returns None in its place.
        Defined in: The multilayer perceptron, §Layer gradients.
        """
        grad_W = self.A_prev.T @ delta
        grad_b = delta.sum(axis=0, keepdims=True)
        grad_A_prev = delta @ self.W.T if need_grad_A_prev else None
        return grad_W, grad_b, grad_A_prev

    def n_params(self):
        """n_in·n_out weights plus n_out biases."""
        return self.n_in * self.n_out + self.n_out


# ======== The network ========
def cross_entropy(Y, log_P):
    """L = −(1/m) Σ_i Σ_j Y_ij log P_ij: the batch's mean cross-entropy.

    Y: one-hot rows (m, k); log_P: the output layer's log P (m, k),
    finite even where a probability underflows to 0. Returns a float.
    Defined in: Backprop from scratch, §The whole network.
    """
    return float(-np.vdot(Y, log_P) / Y.shape[0])


class MLP:
    """MLP(sizes, seed, dtype): ReLU hidden layers, softmax output.

    sizes: [n_in, hidden..., k], e.g. [4, 8, 8, 3]. Trained on the mean
    cross-entropy with SGD. dtype: np.float64 (default, for checking
    gradients) or np.float32 (for speed). The passes (forward, loss,
    backward, step) take arrays as the book writes them: X (m, n_in)
    in the model's dtype, Y one-hot rows (m, k). The entry points for
    a reader's data (the constructor, from_params, set_params, fit,
    predict, accuracy) check it once, through `gradbook.checks`.
    Defined in: Backprop from scratch, §The whole network.
    """

    def __init__(self, sizes, seed=0, dtype=np.float64):
        self.sizes = check_sizes(sizes)
        self.dtype = np.dtype(dtype)
        rng = np.random.default_rng(seed)
        pairs = list(zip(self.sizes[:-1], self.sizes[1:]))
        self.layers = [
            Dense(n_in, n_out,
                  "softmax" if number == len(pairs) else "relu", rng, dtype)
            for number, (n_in, n_out) in enumerate(pairs, 1)
        ]

    @classmethod
    def from_params(cls, params, dtype=np.float64):
        """An MLP with the given list of (W, b); sizes read off the Ws."""
        params = check_params(params)
        model = cls(sizes_of(params), seed=0, dtype=dtype)
        model.load(params)
        return model

    # ---- the passes ----
    def forward(self, X):
        """P (m, k) for the batch X (m, n_in); each layer keeps Z and A.

        Defined in: Backprop from scratch, §The whole network.
        """
        A = X
        for layer in self.layers:
            A = layer.forward(A)
        return A

    def loss(self, X, Y):
        """L, the mean cross-entropy of the batch X (m, n_in), Y (m, k)."""
        self.forward(X)
        return cross_entropy(Y, self.layers[-1].log_A)

    def backward(self, X, Y):
        """Gradients of the mean loss L: one (grad_W, grad_b) per layer.

        Runs the forward pass on X (m, n_in), then goes from the top
        layer down with δ = ∂L/∂Z, shape (m, n_out), starting from
        δ = (P − Y)/m; Y: one-hot rows (m, k). Returns the pairs first
        layer first, shapes (n_in, n_out) and (1, n_out); nothing here
        changes W or b (that is `step`'s job).
        Defined in: Backprop from scratch, §Backpropagation.
        """
        P = self.forward(X)
        delta = (P - Y) / Y.shape[0]  # softmax and cross-entropy together
        grads = []
        for number in range(len(self.layers) - 1, -1, -1):
            layer = self.layers[number]
            grad_W, grad_b, grad_A_prev = layer.gradients(delta, number > 0)
            grads.append((grad_W, grad_b))
            if number > 0:
                delta = self.layers[number - 1].delta(grad_A_prev)
        grads.reverse()
        return grads

    def step(self, grads, lr):
        """SGD: W ← W − lr·grad_W and b ← b − lr·grad_b in every layer.

        grads: one (grad_W, grad_b) per layer, as `backward` returns.
        """
        for layer, (grad_W, grad_b) in zip(self.layers, grads):
            layer.W -= lr * grad_W
            layer.b -= lr * grad_b

    # ---- the entry points for a reader's data ----
    def fit(self, X, Y, epochs, lr, batch_size=None, shuffle_seed=0):
        """Mini-batch SGD; return the mean loss of each epoch (a list).

        X: (m, n_in); Y: one-hot rows (m, k) or labels (m,).
        batch_size None: the whole set is one batch. shuffle_seed: an
        int shuffles each epoch (see `gradbook.data.batch_order`);
        None keeps the order, so batch_size=1, shuffle_seed=None is the
        original code's per-sample SGD. An epoch's loss is the mean of
        the samples' losses, each taken in the forward pass just before
        the step that uses it (as Keras reports it).
        Defined in: Backprop from scratch, §Training.
        """
        X = check_inputs(X, self.sizes[0], self.dtype)
        Y = check_targets(Y, X.shape[0], self.sizes[-1], self.dtype)
        losses = []
        for batches in batch_order(X.shape[0], epochs, batch_size,
                                   shuffle_seed):
            total = 0.0
            for rows in batches:
                grads = self.backward(X[rows], Y[rows])
                L = cross_entropy(Y[rows], self.layers[-1].log_A)
                total += L * len(rows)
                self.step(grads, lr)
            losses.append(total / X.shape[0])
        return losses

    def predict(self, X):
        """The most probable class of each row: int labels of shape (m,)."""
        X = check_inputs(X, self.sizes[0], self.dtype)
        return self.forward(X).argmax(axis=1)

    def accuracy(self, X, y):
        """The fraction of rows whose predicted class is the label y."""
        X = check_inputs(X, self.sizes[0], self.dtype)
        y = check_targets(y, X.shape[0], self.sizes[-1]).argmax(axis=1)
        return float(np.mean(self.forward(X).argmax(axis=1) == y))

    def active_units(self, X):
        """How many ReLUs are active (Z > 0) for each row, layer by layer.

        X: (m, n_in). Returns a list with one int array of shape (m,)
        per hidden layer. A row with 0 in some layer reaches the output
        only through the later biases: its ReLUs are dead for it, and
        the gradient of its loss is zero in that layer and every one
        below.
        Defined in: Dead ReLUs and speed, §Dead ReLUs.
        """
        self.forward(X)
        return [
            (layer.Z > 0).sum(axis=1)
            for layer in self.layers if layer.activation == "relu"
        ]

    def summary(self):
        """A table of the layers: sizes, activation, parameter counts."""
        return summary_table([
            (layer.n_in, layer.n_out, layer.activation, layer.n_params())
            for layer in self.layers
        ])

    def get_params(self):
        """Copies of the parameters: a list of (W, b), W (n_in, n_out)."""
        return [(layer.W.copy(), layer.b.copy()) for layer in self.layers]

    def set_params(self, params):
        """Load a list of (W, b): arrays or nested lists, shapes checked.

        W must be (n_in, n_out); b (1, n_out) or flat (n_out,). The
        values are copied and cast to the model's dtype (see
        `gradbook.checks.check_params`).
        """
        self.load(check_params(params, self.sizes))

    def load(self, params):
        """Copy checked (W, b) pairs into the layers, in the model's dtype."""
        for layer, (W, b) in zip(self.layers, params):
            layer.W, layer.b = W.astype(self.dtype), b.astype(self.dtype)
