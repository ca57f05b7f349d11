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
(an int in 0..k-1) or a one-hot list of length k.

What it is not: fast. `gradbook.nn_numpy` is the same network on
mini-batches; the tests check that both give PyTorch's gradients.
"""

import math
import numbers
import random


# ======== Activation functions ========
def relu(z):
    """ReLU elementwise: a_j = max(0, z_j). z: list of n numbers.

    Defined in: Backprop from scratch, §ReLU.
    """
    return [max(0.0, z_j) for z_j in z]


def relu_derivative(z):
    """The derivative of ReLU: 1 where z_j > 0, else 0 (0 at z_j = 0).

    ReLU has no derivative at 0; like PyTorch and TensorFlow, the book
    takes 0 there. z: list of n numbers; returns a list of n floats.
    Defined in: Backprop from scratch, §ReLU.
    """
    return [1.0 if z_j > 0 else 0.0 for z_j in z]


def softmax(z):
    """Probabilities p_j = exp(z_j − max z) / Σ_l exp(z_l − max z).

    Subtracting max z changes nothing mathematically and keeps every
    exponent ≤ 0, so math.exp never overflows. z: list of k scores;
    returns a list of k probabilities summing to 1.
    Defined in: Backprop from scratch, §A stable softmax.
    """
    z_max = max(z)
    e = [math.exp(z_j - z_max) for z_j in z]
    total = sum(e)
    return [e_j / total for e_j in e]


def log_softmax(z):
    """Log-probabilities log p_j = z_j − max z − log Σ_l exp(z_l − max z).

    Finite even where p_j underflows to 0. z: list of k scores.
    Defined in: Backprop from scratch, §A stable softmax.
    """
    z_max = max(z)
    log_total = math.log(sum(math.exp(z_j - z_max) for z_j in z))
    return [z_j - z_max - log_total for z_j in z]


def cross_entropy(p, y):
    """The loss L = −Σ_j y_j log p_j of one sample, from probabilities.

    p: list of k probabilities; y: a label in 0..k-1 or a one-hot list.
    Returns math.inf if the true class has probability exactly 0; the
    model uses `cross_entropy_from_logits`, which cannot.
    Defined in: Backprop from scratch, §Softmax and cross-entropy.
    """
    y = target_vector(y, len(p))
    loss = 0.0
    for p_j, y_j in zip(p, y):
        if y_j > 0:
            loss -= y_j * (math.log(p_j) if p_j > 0 else -math.inf)
    return loss


def cross_entropy_from_logits(z, y):
    """The same loss L = −Σ_j y_j log p_j, from the scores z (stable).

    z: list of k scores; y: a label in 0..k-1 or a one-hot list.
    Defined in: Backprop from scratch, §Softmax and cross-entropy.
    """
    y = target_vector(y, len(z))
    return -sum(y_j * lp_j for y_j, lp_j in zip(y, log_softmax(z)) if y_j)


# ======== Checking inputs ========
def shape_of(x):
    """The shape of a number, a (nested) list, or an array, as a tuple."""
    if hasattr(x, "shape"):
        return tuple(x.shape)
    if isinstance(x, (list, tuple)):
        return (len(x),) + (shape_of(x[0]) if len(x) else ())
    return ()


def check_sample(x, n_in):
    """Return one sample x as a list of n_in floats, or raise ValueError."""
    shape = shape_of(x)
    if shape != (n_in,):
        raise ValueError(
            f"x must be one sample of shape ({n_in},), a list of {n_in} "
            f"numbers; got shape {shape}"
        )
    return [float(x_i) for x_i in x]


def target_vector(y, k):
    """Return the target y as a list of k floats summing to 1.

    y: a class label (an int in 0..k-1) or a one-hot list of length k
    (any row of k non-negative numbers summing to 1 is accepted).
    """
    if isinstance(y, bool):
        raise ValueError(f"y must be a label in 0..{k - 1}; got {y!r}")
    if shape_of(y) == () and float(y) == int(y):
        label = int(y)
        if not 0 <= label < k:
            raise ValueError(
                f"label {label} is out of range: labels must be in "
                f"0..{k - 1} for k = {k} classes"
            )
        return [1.0 if j == label else 0.0 for j in range(k)]
    if shape_of(y) != (k,):
        raise ValueError(
            f"y must be a label in 0..{k - 1} or a one-hot row of shape "
            f"({k},); got {y!r} of shape {shape_of(y)}"
        )
    y = [float(y_j) for y_j in y]
    if min(y) < 0 or abs(sum(y) - 1.0) > 1e-6:
        raise ValueError(
            f"a one-hot row y must be non-negative and sum to 1; got "
            f"{y} (sum {sum(y)})"
        )
    return y


def check_batch(X, Y, n_in):
    """Check a data set: a non-empty list of samples and as many targets."""
    if len(X) == 0:
        raise ValueError("empty batch: X has no samples (shape (0,))")
    if len(X) != len(Y):
        raise ValueError(
            f"X has {len(X)} samples but Y has {len(Y)} targets: one "
            f"target per sample"
        )
    for x in X:
        check_sample(x, n_in)


def summary_table(rows):
    """Format a network summary; rows: (n_in, n_out, activation, params).

    Shared by both forms of the MLP, so their summaries are identical.
    Defined in: Dense layers, §Counting parameters.
    """
    sizes = " -> ".join(str(n) for n in [rows[0][0]] + [r[1] for r in rows])
    lines = [
        f"MLP {sizes}",
        f"{'layer':>5}  {'inputs':>6}  {'outputs':>7}  "
        f"{'activation':<10}  {'parameters':>10}",
    ]
    for number, (n_in, n_out, activation, params) in enumerate(rows, 1):
        lines.append(
            f"{number:>5}  {n_in:>6}  {n_out:>7}  {activation:<10}  "
            f"{params:>10}"
        )
    total = sum(r[3] for r in rows)
    lines.append(f"{'total':<36}{total:>10}")
    return "\n".join(lines)


# ======== Layers ========
class DenseLayer:
    """A dense ReLU layer: z = xW + b, a = relu(z).

    W: n_in lists of n_out weights; b: n_out biases. Initialised He
    uniform, W[i][j] ~ U(−√(6/n_in), √(6/n_in)), so that the variance
    of z stays about that of the layer's input, and b_j = 0.1, a small
    positive bias that keeps more ReLUs active at the start.
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
        """He uniform: √(6/n_in), the right scale before a ReLU."""
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
        """δ = ∂L/∂z = ∂L/∂a ⊙ relu′(z) (elementwise); list of n_out."""
        return [g * d for g, d in zip(grad_a, relu_derivative(self.z))]

    def gradients(self, delta):
        """The layer's gradients from δ = ∂L/∂z, for the last input x.

        grad_W[i][j] = x_i δ_j (n_in × n_out), grad_b = δ (n_out),
        grad_x[i] = Σ_j W[i][j] δ_j (n_in): ∂L/∂x = δWᵀ, computed with
        the weights of the forward pass (nothing has changed them).
        Defined in: Backprop from scratch, §Layer gradients.
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
    Its δ = ∂L/∂z = p − y comes from softmax and cross-entropy together
    (the book's theorem), so it takes the target, not ∂L/∂p.
    Defined in: Backprop from scratch, §Softmax and cross-entropy.
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
        """−Σ_j y_j log p_j for the last forward pass (stable)."""
        y = target_vector(y, self.n_out)
        return -sum(y_j * lp_j for y_j, lp_j in zip(y, self.log_p) if y_j)

    def delta(self, y):
        """δ = p − y: the gradient of the loss with respect to z."""
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
    def n_in(self):
        return self.layers[0].n_in

    @property
    def n_out(self):
        return self.layers[-1].n_out

    def forward(self, x):
        """p for one sample: x list of n_in numbers -> list of k probs."""
        a = x
        for layer in self.layers:
            a = layer.forward(a)
        return a

    def loss(self, x, y):
        """Cross-entropy of one sample (a float), from log-probabilities."""
        self.forward(x)
        return self.layers[-1].loss(y)

    def backward(self, x, y):
        """Gradients of one sample's loss: a list of (grad_W, grad_b).

        One pair per layer, first layer first; grad_W is n_in lists of
        n_out numbers, grad_b a list of n_out. Runs forward first, and
        changes no weight: all gradients use the same weights.
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
        """Gradients of the MEAN loss over samples X with targets Y.

        The average of `backward` over the samples, one at a time.
        Returns (grads, mean loss) with grads as in `backward`.
        """
        check_batch(X, Y, self.n_in)
        total = None
        loss = 0.0
        for x, y in zip(X, Y):
            grads = self.backward(x, y)
            loss += self.layers[-1].loss(y)
            if total is None:
                total = grads
                continue
            for (sum_W, sum_b), (grad_W, grad_b) in zip(total, grads):
                for row_sum, row in zip(sum_W, grad_W):
                    for j, g in enumerate(row):
                        row_sum[j] += g
                for j, g in enumerate(grad_b):
                    sum_b[j] += g
        m = len(X)
        mean = [
            ([[g / m for g in row] for row in sum_W], [g / m for g in sum_b])
            for sum_W, sum_b in total
        ]
        return mean, loss / m

    def step(self, grads, lr):
        """SGD on every layer with the gradients from `backward`."""
        if len(grads) != len(self.layers):
            raise ValueError(
                f"expected {len(self.layers)} (grad_W, grad_b) pairs, one "
                f"per layer; got {len(grads)}"
            )
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
        check_batch(X, Y, self.n_in)
        if batch_size < 1:
            raise ValueError(f"batch_size must be ≥ 1; got {batch_size}")
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
        """Copies of the parameters: a list of (W, b) as lists."""
        return [
            ([list(row) for row in layer.W], list(layer.b))
            for layer in self.layers
        ]

    @property
    def params(self):
        """The same as get_params(): copies, safe to keep."""
        return self.get_params()

    def set_params(self, params):
        """Load a list of (W, b): lists or NumPy arrays, W (n_in, n_out).

        b may be flat (n_out,) or a row (1, n_out). Shapes are checked.
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
            if shape_of(W) != (layer.n_in, layer.n_out):
                raise ValueError(
                    f"layer {number}: W must have shape ({layer.n_in}, "
                    f"{layer.n_out}); got shape {shape_of(W)}"
                )
            if shape_of(b) == (1, layer.n_out):
                b = b[0]
            if shape_of(b) != (layer.n_out,):
                raise ValueError(
                    f"layer {number}: b must have shape ({layer.n_out},) "
                    f"or (1, {layer.n_out}); got shape {shape_of(b)}"
                )
            new.append(
                ([[float(w) for w in row] for row in W],
                 [float(b_j) for b_j in b])
            )
        for layer, (W, b) in zip(self.layers, new):
            layer.W, layer.b = W, b


class MLP(SequentialModel):
    """MLP(sizes, seed): ReLU hidden layers and a softmax output.

    sizes: [n_in, hidden..., k], e.g. [4, 8, 8, 3]. The weights are
    drawn from random.Random(seed), so the same seed gives the same
    network (not the same numbers as nn_numpy.MLP with that seed).
    Defined in: Backprop from scratch, §The whole network.
    """

    def __init__(self, sizes, seed=0):
        super().__init__()
        sizes = list(sizes)
        if len(sizes) < 2 or any(
            isinstance(n, bool) or not isinstance(n, numbers.Integral)
            or n < 1
            for n in sizes
        ):
            raise ValueError(
                f"sizes must be at least two positive ints [n_in, ..., "
                f"k]; got {sizes}"
            )
        sizes = [int(n) for n in sizes]
        rng = random.Random(seed)
        for n_in, n_out in zip(sizes[:-2], sizes[1:-1]):
            self.add(DenseLayer(n_in, n_out, rng))
        self.add(SoftmaxLayer(sizes[-2], sizes[-1], rng))
        self.sizes = sizes

    @classmethod
    def from_params(cls, params):
        """An MLP with the given list of (W, b); sizes read off the Ws."""
        shapes = [shape_of(W) for W, _ in params]
        if not shapes or any(len(shape) != 2 for shape in shapes):
            raise ValueError(
                f"params must be a non-empty list of (W, b) with each W "
                f"of shape (n_in, n_out); got W shapes {shapes}"
            )
        model = cls([shapes[0][0]] + [shape[1] for shape in shapes])
        model.set_params(params)
        return model
