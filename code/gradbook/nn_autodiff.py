"""The MLP of "Backprop from scratch", written on `gradbook.autodiff`.

The same network as `gradbook.nn_numpy` (row batches: X is (m, n_in),
Z = XW + b with W (n_in, n_out) and b (1, n_out); ReLU hidden layers,
softmax output, mean cross-entropy, SGD), but nobody writes a gradient:
the loss is built from engine operations and `backward()` does the rest.
What it is not: a model class. The parameters are a list of (W, b)
tensors, the form `nn_numpy.MLP.get_params()` returns as arrays.
"""

import numpy as np

from gradbook.autodiff import Tensor


def mlp_loss(params, X, Y):
    """Mean cross-entropy of the MLP on a batch: a scalar Tensor.

    params: a list of (W, b) Tensors, W (n_in, n_out), b (1, n_out).
    X: (m, n_in) inputs, Y: (m, k) one-hot targets (arrays: constants).
    Defined in: The network on the engine, §The loss on the engine.
    """
    A = X
    for W, b in params[:-1]:
        A = (A @ W + b).relu()
    W, b = params[-1]
    log_P = (A @ W + b).log_softmax(axis=1)
    return -(Y * log_P).sum(axis=1).mean()


def fit(params, X, Y, epochs, lr, batch_size=None):
    """SGD on mlp_loss, batches in row order; the mean loss of each epoch.

    Updates the tensors of params. An epoch's loss is the mean of the
    samples' losses, each taken just before the step that uses it, as
    in `nn_numpy.MLP.fit`. Defined in: The network on the engine,
    §Training.
    """
    m = X.shape[0]
    batch_size = batch_size or m
    losses = []
    for _ in range(epochs):
        total = 0.0
        for start in range(0, m, batch_size):
            rows = slice(start, start + batch_size)
            loss = mlp_loss(params, X[rows], Y[rows])
            for W, b in params:
                W.grad = b.grad = None  # leaves accumulate: start at 0
            loss.backward()
            for W, b in params:  # new arrays: the graph keeps the old
                W.data = W.data - lr * W.grad
                b.data = b.data - lr * b.grad
            total += float(loss.data) * X[rows].shape[0]
        losses.append(total / m)
    return losses


def tensors(params, dtype=np.float64):
    """A list of (W, b) arrays as leaf Tensors W1, b1, W2, ... (copies).

    b may be (n_out,) or (1, n_out); it becomes (1, n_out).
    Defined in: The network on the engine, §The loss on the engine.
    """
    return [
        (Tensor(np.array(W, dtype=dtype), name=f"W{number}"),
         Tensor(np.array(b, dtype=dtype).reshape(1, -1), name=f"b{number}"))
        for number, (W, b) in enumerate(params, 1)
    ]
