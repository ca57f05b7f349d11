"""A multilayer perceptron in plain Python, one sample at a time.

The readable form of the network of the chapter "Backprop from
scratch": lists and loops, no NumPy, in the structure of the original
code (a `DenseLayer`, a `SoftmaxLayer`, a `SequentialModel`), with its
mistakes corrected:

- softmax subtracts the largest score before exponentiating, and the
  loss is computed from log-probabilities (no overflow, no log(0));
- `backward` computes every gradient before any weight changes, and
  returns them; `step` applies them (SGD);
- every layer can describe itself, so `summary()` works for all;
- the weights come from a generator seeded per model.

Conventions (row vectors, as in the book's network chapters): one
sample x is a list of n_in numbers; a layer computes z = xW + b with W
a list of n_in rows of n_out numbers, W[i][j] the weight from input i
to output j, and b a list of n_out numbers. A target y is a class label
(an int in 0..k-1) or a one-hot list of length k. The loss of one
sample is ℓ = −Σ_j y_j log p_j, and each layer's δ = ∂ℓ/∂z is a list of
n_out numbers: `gradbook.nn_numpy`'s δ = ∂L/∂Z of a batch of m = 1.
`batch_gradients` averages the samples' gradients, which gives the
gradient of the mean loss L of a batch.

Input checks and parameter loading live in `gradbook.checks` (which
reads parameters given as NumPy arrays; the network itself uses none).

What it is not: fast. `gradbook.nn_numpy` is the same network on
mini-batches; the tests check that both give PyTorch's gradients.

Longer than most modules (about 380 lines): the chapter displays it
method by method, each with its docstring, and a reader follows one
network in one file.
"""

import math
import random

from gradbook.checks import (
    check_batch_size,
    check_dataset,
    check_grads,
    check_params,
    check_sample,
    check_sizes,
    sizes_of,
    summary_table,
    target_vector,
)


# ======== ReLU and the log of softmax ========
def relu(z):
    """ReLU elementwise: a_j = max(0, z_j). z: list of n numbers.

    Defined in: The multilayer perceptron, §ReLU.
    """
    return [max(0.0, z_j) for z_j in z]


def relu_derivative(z):
    """The derivative of ReLU: 1 where z_j > 0, else 0 (0 at z_j = 0).

    ReLU has no derivative at 0; like PyTorch and TensorFlow, the book
    takes 0 there. z: list of n numbers; returns a list of n floats.
    Defined in: The multilayer perceptron, §ReLU.
    """
    return [1.0 if z_j > 0 else 0.0 for z_j in z]


def log_softmax(z):
    """Log-probabilities log p_j = z_j − max z − log Σ_l exp(z_l − max z).

    p = softmax(z) with p_j = exp(z_j) / Σ_l exp(z_l). Subtracting max z
    changes nothing mathematically and keeps every exponent ≤ 0, so
    math.exp never overflows; log p_j stays finite even where p_j
    underflows to 0. z: list of k scores; returns a list of k floats.
    Defined in: The multilayer perceptron, §A stable softmax.
    """
    z_max = max(z)
    log_total = math.log(sum(math.exp(z_j - z_max) for z_j in z))
    return [z_j - z_max - log_total for z_j in z]


# ======== Layers ========
class DenseLayer:
    """A dense ReLU layer: z = xW + b, a = relu(z).

    W: n_in lists of n_out weights; b: n_out biases, b_j = 0.1 at the
    start (a small positive bias keeps more ReLUs active). W is drawn He
    uniform, W[i][j] ~ U(−r, r) with r = √(6/n_in), whose variance r²/3
    is 2/n_in. What that variance preserves, with E taken over the
    draw of the weights and the input: if the weights are independent,
    of mean 0 and independent of the input x, and b = 0, then
    E[z_j²] = (2/n_in) Σ_i E[x_i²]; if x = relu(z′) for the
    previous layer's pre-activations z′, each symmetric about 0, then
    E[x_i²] = E[z′_i²]/2, so E[z_j²] is the mean of the E[z′_i²]: the
    second moment of the pre-activations is the same from one ReLU
    layer to the next (He et al., 2015). A bias b_j adds b_j² to E[z_j²].
    Defined in: Backprop from scratch, §A dense layer.
    """

    activation = "relu"
    initial_bias = 0.1

    def __init__(self, n_in, n_out, rng):
        self.n_in = n_in
        self.n_out = n_out
        limit = self.init_limit()
        self.W = [
            [rng.uniform(-limit, limit) for _ in range(n_out)]
            for _ in range(n_in)
        ]
        self.b = [self.initial_bias] * n_out

    def init_limit(self):
        """He uniform's bound √(6/n_in): weights of variance 2/n_in."""
        return math.sqrt(6.0 / self.n_in)

    def affine(self, x):
        """z_j = Σ_i x_i W[i][j] + b_j; x: list of n_in, z: list of n_out."""
        x = check_sample(x, self.n_in)
        self.x = x
        self.z = [
            sum(x[i] * self.W[i][j] for i in range(self.n_in)) + self.b[j]
            for j in range(self.n_out)
        ]
        return self.z

    def forward(self, x):
        """a = relu(xW + b); x: list of n_in numbers, a: list of n_out."""
        self.a = relu(self.affine(x))
        return self.a

    def delta(self, grad_a):
        """δ = ∂ℓ/∂z = grad_a ⊙ relu′(z), grad_a = ∂ℓ/∂a; lists of n_out."""
        return [g * d for g, d in zip(grad_a, relu_derivative(self.z))]

    def gradients(self, delta):
        """The layer's gradients from δ = ∂ℓ/∂z, for the last input x.

        grad_W[i][j] = x_i δ_j (n_in × n_out), grad_b = δ (n_out),
        grad_x[i] = Σ_j W[i][j] δ_j (n_in): ∂ℓ/∂x = δWᵀ, computed with
        the weights of the forward pass (nothing has changed them).
        Defined in: The multilayer perceptron, §Layer gradients.
        """
        grad_W = [[x_i * d_j for d_j in delta] for x_i in self.x]
        grad_b = list(delta)
        grad_x = [
            sum(self.W[i][j] * delta[j] for j in range(self.n_out))
            for i in range(self.n_in)
        ]
        return grad_W, grad_b, grad_x

    def step(self, grad_W, grad_b, lr):
        """SGD: W ← W − lr·grad_W, b ← b − lr·grad_b."""
        for i in range(self.n_in):
            for j in range(self.n_out):
                self.W[i][j] -= lr * grad_W[i][j]
        for j in range(self.n_out):
            self.b[j] -= lr * grad_b[j]

    def n_params(self):
        """n_in·n_out weights plus n_out biases."""
        return self.n_in * self.n_out + self.n_out

    def describe(self):
        """(n_in, n_out, activation, parameters): one summary row."""
        return (self.n_in, self.n_out, self.activation, self.n_params())


class SoftmaxLayer(DenseLayer):
    """The output layer: z = xW + b, p = softmax(z), with cross-entropy.

    Initialised Glorot uniform, U(−√(6/(n_in + n_out)), ...), and b = 0.
    Its `delta` returns the same object as `DenseLayer.delta`, this
    layer's δ = ∂ℓ/∂z, but from the target y: softmax and cross-entropy
    differentiated together give δ = p − y (the book's theorem), so no
    ∂ℓ/∂p is ever formed.
    Defined in: The multilayer perceptron, §Softmax and cross-entropy.
    """

    activation = "softmax"
    initial_bias = 0.0

    def init_limit(self):
        """Glorot uniform: √(6/(n_in + n_out))."""
        return math.sqrt(6.0 / (self.n_in + self.n_out))

    def forward(self, x):
        """p = softmax(xW + b), computed as exp(log_softmax(z))."""
        self.log_p = log_softmax(self.affine(x))
        self.a = [math.exp(v) for v in self.log_p]
        return self.a

    def loss(self, y):
        """ℓ = −Σ_j y_j log p_j for the last forward pass (stable)."""
        y = target_vector(y, self.n_out)
        return -sum(y_j * lp_j for y_j, lp_j in zip(y, self.log_p) if y_j)

    def delta(self, y):
        """δ = ∂ℓ/∂z = p − y, from the target y; a list of n_out."""
        y = target_vector(y, self.n_out)
        return [p_j - y_j for p_j, y_j in zip(self.a, y)]


# ======== The model ========
class SequentialModel:
    """Layers in order: ReLU `DenseLayer`s, then one `SoftmaxLayer`.

    Defined in: Backprop from scratch, §The whole network.
    """

    def __init__(self):
        self.layers = []

    def add(self, layer):
        """Append a layer whose input size matches the last output size."""
        if self.layers and layer.n_in != self.layers[-1].n_out:
            raise ValueError(
                f"a layer with {layer.n_in} inputs cannot follow one with "
                f"{self.layers[-1].n_out} outputs"
            )
        self.layers.append(layer)

    @property
    def sizes(self):
        """[n_in, n_out of each layer...]: e.g. [4, 8, 8, 3]."""
        return [self.layers[0].n_in] + [layer.n_out for layer in self.layers]

    def forward(self, x):
        """p for one sample: x list of n_in numbers -> list of k probs."""
        a = x
        for layer in self.layers:
            a = layer.forward(a)
        return a

    def loss(self, x, y):
        """ℓ, the cross-entropy of one sample (a float), from log p."""
        self.forward(x)
        return self.layers[-1].loss(y)

    def backward(self, x, y):
        """Gradients of one sample's loss ℓ: a list of (grad_W, grad_b).

        One pair per layer, first layer first; grad_W is n_in lists of
        n_out numbers, grad_b a list of n_out. Runs forward first, then
        carries δ = ∂ℓ/∂z down from the output's p − y. Changes no
        weight: all gradients use the weights of the forward pass.
        Defined in: Backprop from scratch, §Backpropagation.
        """
        self.forward(x)
        grads = []
        delta = self.layers[-1].delta(y)  # p − y
        for number in range(len(self.layers) - 1, -1, -1):
            grad_W, grad_b, grad_x = self.layers[number].gradients(delta)
            grads.append((grad_W, grad_b))
            if number > 0:
                delta = self.layers[number - 1].delta(grad_x)
        grads.reverse()
        return grads

    def batch_gradients(self, X, Y):
        """Gradients of the mean loss L = (1/m) Σ ℓ over m samples.

        X: m samples, Y: their m targets. The average of `backward`
        over the samples, one at a time. Returns (grads, L) with grads
        as in `backward`.
        Defined in: Backprop from scratch, §Training.
        """
        check_dataset(X, Y, self.sizes[0])
        m = len(X)
        mean = [([[0.0] * layer.n_out for _ in range(layer.n_in)],
                 [0.0] * layer.n_out) for layer in self.layers]
        loss = 0.0
        for x, y in zip(X, Y):
            for (mean_W, mean_b), (grad_W, grad_b) in zip(
                    mean, self.backward(x, y)):
                for row_mean, row in zip(mean_W, grad_W):
                    for j, g in enumerate(row):
                        row_mean[j] += g / m
                for j, g in enumerate(grad_b):
                    mean_b[j] += g / m
            loss += self.layers[-1].loss(y) / m
        return mean, loss

    def step(self, grads, lr):
        """SGD on every layer with the gradients from `backward`."""
        check_grads(grads, self.sizes)
        for layer, (grad_W, grad_b) in zip(self.layers, grads):
            layer.step(grad_W, grad_b, lr)

    def fit(self, X, Y, epochs, lr, batch_size=1, shuffle_seed=None):
        """Train by SGD; return the mean loss of each epoch (a list).

        X: list of samples, Y: their targets. With batch_size=1 (the
        default) each sample is a step, in the order given, as in the
        original code; a larger batch_size averages the gradients of
        that many samples per step. shuffle_seed: None keeps the order;
        an int shuffles each epoch with random.Random(shuffle_seed).
        An epoch's loss is the mean of the samples' losses, each taken
        in the forward pass just before the step that uses it.
        Defined in: Backprop from scratch, §Training.
        """
        check_dataset(X, Y, self.sizes[0])
        batch_size = check_batch_size(batch_size)
        order = list(range(len(X)))
        rng = None if shuffle_seed is None else random.Random(shuffle_seed)
        losses = []
        for _ in range(epochs):
            if rng is not None:
                rng.shuffle(order)
            total = 0.0
            for start in range(0, len(order), batch_size):
                batch = order[start:start + batch_size]
                grads, loss = self.batch_gradients(
                    [X[i] for i in batch], [Y[i] for i in batch]
                )
                total += loss * len(batch)
                self.step(grads, lr)
            losses.append(total / len(X))
        return losses

    def predict(self, X):
        """The most probable class of each sample: a list of ints."""
        predictions = []
        for x in X:
            p = self.forward(x)
            predictions.append(max(range(len(p)), key=p.__getitem__))
        return predictions

    def summary(self):
        """A table of the layers: sizes, activation, parameter counts."""
        return summary_table([layer.describe() for layer in self.layers])

    def get_params(self):
        """Copies of the parameters: a list of (W, b) as lists.

        W: n_in lists of n_out floats; b: a list of n_out floats.
        """
        return [
            ([list(row) for row in layer.W], list(layer.b))
            for layer in self.layers
        ]

    def set_params(self, params):
        """Load a list of (W, b): lists or NumPy arrays, W (n_in, n_out).

        b may be flat (n_out,) or a row (1, n_out). Shapes are checked
        (`gradbook.checks.check_params`); the values are copied.
        """
        params = check_params(params, self.sizes)
        for layer, (W, b) in zip(self.layers, params):
            layer.W, layer.b = W.tolist(), b[0].tolist()


class MLP(SequentialModel):
    """MLP(sizes, seed): ReLU hidden layers and a softmax output.

    sizes: [n_in, hidden..., k], e.g. [4, 8, 8, 3]. The weights are
    drawn from random.Random(seed), so the same seed gives the same
    network (not the same numbers as nn_numpy.MLP with that seed).
    Defined in: Backprop from scratch, §The whole network.
    """

    def __init__(self, sizes, seed=0):
        super().__init__()
        sizes = check_sizes(sizes)
        rng = random.Random(seed)
        for n_in, n_out in zip(sizes[:-2], sizes[1:-1]):
            self.add(DenseLayer(n_in, n_out, rng))
        self.add(SoftmaxLayer(sizes[-2], sizes[-1], rng))

    @classmethod
    def from_params(cls, params):
        """An MLP with the given list of (W, b); sizes read off the Ws."""
        params = check_params(params)
        model = cls(sizes_of(params))
        model.set_params(params)
        return model
