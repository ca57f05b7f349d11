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

The layers and the conventions (x a list of n_in numbers, W n_in lists
of n_out, y one-hot) are in `gradbook.nn_python_layers`. Here:
`SequentialModel`, the passes through the layers as the chapter prints
them, on checked lists; and `MLP`, the network a reader builds, whose
methods check what they are given once (a sample, a label or a one-hot
row, a data set, gradients, parameters; see `gradbook.checks`) and
then run those passes. `batch_gradients` averages the samples'
gradients, which gives the gradient of the mean loss L of a batch.

What it is not: fast. `gradbook.nn_numpy` is the same network on
mini-batches; the tests check that both give PyTorch's gradients.
"""

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
from gradbook.nn_python_layers import DenseLayer, SoftmaxLayer


# ======== The passes, on checked lists ========
class SequentialModel:
    """Layers in order: ReLU `DenseLayer`s, then one `SoftmaxLayer`.

    Its passes take what `MLP` has checked: a sample x as a list of
    n_in floats, a target y as a one-hot list of k floats.
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

    def backward(self, x, y):
        """Gradients of one sample's loss ℓ: a list of (grad_W, grad_b).

        One pair per layer, first layer first; grad_W is n_in lists of
        n_out numbers, grad_b a list of n_out. Runs the forward pass
        first (each layer keeps its x and z), then carries δ = ∂ℓ/∂z
        down from the output's p − y. Changes no weight: all gradients
        use the weights of the forward pass.
        Defined in: Backprop from scratch, §Backpropagation.
        """
        a = x
        for layer in self.layers:
            a = layer.forward(a)
        grads = []
        delta = self.layers[-1].delta(y)  # p − y
        for number in range(len(self.layers) - 1, -1, -1):
            grad_W, grad_b, grad_x = self.layers[number].gradients(delta)
            grads.append((grad_W, grad_b))
            if number > 0:
                delta = self.layers[number - 1].delta(grad_x)
        grads.reverse()
        return grads

    def step(self, grads, lr):
        """SGD on every layer with the gradients from `backward`."""
        for layer, (grad_W, grad_b) in zip(self.layers, grads):
            layer.step(grad_W, grad_b, lr)

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
        """Load checked params: (W, b) arrays, W (n_in, n_out), b (1, n_out).

        The values are copied into lists.
        """
        for layer, (W, b) in zip(self.layers, params):
            layer.W, layer.b = W.tolist(), b[0].tolist()


# ======== The network a reader builds: checks once, then the passes ====
class MLP(SequentialModel):
    """MLP(sizes, seed): ReLU hidden layers and a softmax output.

    sizes: [n_in, hidden..., k], e.g. [4, 8, 8, 3]. The weights are
    drawn from random.Random(seed), so the same seed gives the same
    network (not the same numbers as nn_numpy.MLP with that seed).
    Each method checks what it is given, once: a sample x of n_in
    numbers (a list or an array), a target y given as a label in
    0..k-1 or a one-hot row; then it runs SequentialModel's passes
    (`super()`) on lists of floats and one-hot rows.
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
        SequentialModel.set_params(model, params)  # checked above
        return model

    def set_params(self, params):
        """Load a list of (W, b): lists or NumPy arrays, W (n_in, n_out).

        b may be flat (n_out,) or a row (1, n_out). Shapes are checked
        (`gradbook.checks.check_params`); the values are copied.
        """
        super().set_params(check_params(params, self.sizes))

    def forward(self, x):
        """p for one sample x of n_in numbers: a list of k probabilities."""
        return super().forward(check_sample(x, self.sizes[0]))

    def loss(self, x, y):
        """ℓ, the cross-entropy of one sample (a float), from log p."""
        self.forward(x)
        return self.layers[-1].loss(target_vector(y, self.sizes[-1]))

    def backward(self, x, y):
        """Gradients of one sample's loss ℓ: a list of (grad_W, grad_b).

        x: n_in numbers; y: a label or a one-hot row. See
        `SequentialModel.backward`.
        """
        return super().backward(check_sample(x, self.sizes[0]),
                                target_vector(y, self.sizes[-1]))

    def batch_gradients(self, X, Y):
        """Gradients of the mean loss L = (1/m) Σ ℓ over m samples.

        X: m samples, Y: their m targets. The average of `backward`
        over the samples, one at a time. Returns (grads, L) with grads
        as in `backward`.
        Defined in: Backprop from scratch, §Training.
        """
        X, Y = check_dataset(X, Y, self.sizes[0], self.sizes[-1])
        return self._mean_gradients(X, Y)

    def _mean_gradients(self, X, Y):
        """batch_gradients on checked lists (x floats, y one-hot)."""
        m = len(X)
        mean = [([[0.0] * layer.n_out for _ in range(layer.n_in)],
                 [0.0] * layer.n_out) for layer in self.layers]
        loss = 0.0
        for x, y in zip(X, Y):
            for (mean_W, mean_b), (grad_W, grad_b) in zip(
                    mean, super().backward(x, y)):
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
        super().step(grads, lr)

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
        X, Y = check_dataset(X, Y, self.sizes[0], self.sizes[-1])
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
                grads, loss = self._mean_gradients(
                    [X[i] for i in batch], [Y[i] for i in batch]
                )
                total += loss * len(batch)
                super().step(grads, lr)
            losses.append(total / len(X))
        return losses

    def predict(self, X):
        """The most probable class of each sample: a list of ints."""
        predictions = []
        for x in X:
            p = self.forward(x)
            predictions.append(max(range(len(p)), key=p.__getitem__))
        return predictions
