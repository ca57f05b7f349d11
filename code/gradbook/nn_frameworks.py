"""The book's MLP in PyTorch and Keras, with weights given by hand.

Every function takes the network as `params`: a list of (W, b), one
pair per layer, in the book's row convention, W of shape (n_in, n_out)
and b of shape (1, n_out) or (n_out,): exactly what `get_params()` of
`gradbook.nn_numpy.MLP` or `gradbook.nn_python.MLP` returns. The
hidden layers are ReLU, the last layer is softmax, the loss is the
mean cross-entropy. With the same params, the frameworks and the
from-scratch forms compute the same function, so their outputs,
losses and gradients can be compared number for number.

The one thing to mind: `torch.nn.Linear` stores its weight as
(n_out, n_in) and computes x Wᵀ + b, so W goes in transposed. Keras's
`Dense` stores (n_in, n_out), like the book.

PyTorch runs in float64 by default here (to check gradients to
1e-10); Keras runs in float32, its default. Checking and loading the
params is `gradbook.checks.check_params`.

What it is not: a training library. `fit_torch` and `fit_keras` exist
to compare loss curves with `MLP.fit`, batch for batch.
"""

import numpy as np

from gradbook.checks import check_inputs, check_params, check_targets
from gradbook.data import batch_order


def _data(params, X, Y):
    """X (m, n_in) and one-hot Y (m, k) as float64, checked."""
    n_in, k = params[0][0].shape[0], params[-1][0].shape[1]
    X = check_inputs(X, n_in)
    return X, check_targets(Y, X.shape[0], k)


# ======== PyTorch ========
def torch_mlp(params, dtype=None):
    """A torch.nn.Sequential of Linear and ReLU layers with these weights.

    The model returns the LOGITS Z (m, k), not probabilities: PyTorch's
    cross_entropy takes logits and applies log-softmax itself (the
    stable way). Use `torch_forward` for probabilities. Each W goes in
    transposed, since Linear stores (n_out, n_in). dtype: default
    torch.float64.
    Defined in: Backprop from scratch, §Checking against PyTorch.
    """
    import torch

    dtype = torch.float64 if dtype is None else dtype
    params = check_params(params)
    layers = []
    for number, (W, b) in enumerate(params, 1):
        linear = torch.nn.Linear(W.shape[0], W.shape[1], dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(W.T))
            linear.bias.copy_(torch.from_numpy(b[0]))
        layers.append(linear)
        if number < len(params):
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def _torch_params(model):
    """The (W, b) of a torch_mlp in the book's shapes, as NumPy arrays."""
    import torch

    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    return [
        (
            lin.weight.detach().numpy().T.copy(),
            lin.bias.detach().numpy().reshape(1, -1).copy(),
        )
        for lin in linears
    ]


def torch_forward(params, X):
    """Probabilities P (m, k), float64, from PyTorch with these weights."""
    import torch

    params = check_params(params)
    X = check_inputs(X, params[0][0].shape[0])
    with torch.no_grad():
        Z = torch_mlp(params)(torch.from_numpy(X))
        return torch.softmax(Z, dim=1).numpy()


def torch_mlp_gradients(params, X, Y):
    """Autograd's gradients of the mean loss: a list of (grad_W, grad_b).

    Shapes as in the book, (n_in, n_out) and (1, n_out), float64 NumPy
    arrays (torch's weight gradient transposed back). Y: one-hot rows
    or labels; torch's cross_entropy with probability targets computes
    −(1/m) Σ Y ⊙ log_softmax(Z), the book's loss.
    Defined in: Backprop from scratch, §Checking against PyTorch.
    """
    import torch

    params = check_params(params)
    X, Y = _data(params, X, Y)
    model = torch_mlp(params)
    loss = torch.nn.functional.cross_entropy(
        model(torch.from_numpy(X)), torch.from_numpy(Y)
    )
    loss.backward()
    linears = [m for m in model if isinstance(m, torch.nn.Linear)]
    return [
        (
            lin.weight.grad.numpy().T.copy(),
            lin.bias.grad.numpy().reshape(1, -1).copy(),
        )
        for lin in linears
    ]


def fit_torch(params, X, Y, epochs, lr, batch_size=None, shuffle_seed=0,
              dtype=None, return_params=False):
    """Train a torch_mlp with torch.optim.SGD; mean loss of each epoch.

    The same batches in the same order as `MLP.fit` with the same
    batch_size and shuffle_seed (both use `batch_order`), and the same
    epoch loss: the mean of the samples' losses, each taken just
    before its step. dtype: default torch.float64.
    Returns the list of epoch losses, as `MLP.fit` does. The trained
    model is not kept, so there is no get_params() to ask afterwards:
    with return_params=True the return is the pair (losses, params),
    params a list of (W, b) float64 arrays in the book's shapes,
    (n_in, n_out) and (1, n_out), ready for `MLP.from_params` or
    `torch_forward`.
    Defined in: Gradient checking, §Iris.
    """
    losses, model = _train_torch(
        params, X, Y, epochs, lr, batch_size, shuffle_seed, dtype
    )
    if not return_params:
        return losses
    return losses, [(W.astype(np.float64), b.astype(np.float64))
                    for W, b in _torch_params(model)]


def _train_torch(params, X, Y, epochs, lr, batch_size, shuffle_seed,
                 dtype):
    """fit_torch's work; returns (losses, the trained model)."""
    import torch

    dtype = torch.float64 if dtype is None else dtype
    params = check_params(params)
    X, Y = _data(params, X, Y)
    model = torch_mlp(params, dtype=dtype)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    X_t = torch.from_numpy(X).to(dtype)
    if np.all((Y == 0) | (Y == 1)):  # one-hot: class indices, the usual
        Y_t = torch.from_numpy(Y.argmax(axis=1))
    else:  # probability rows: the same loss, −Σ Y log P / m
        Y_t = torch.from_numpy(Y).to(dtype)
    m = X.shape[0]
    losses = []
    for batches in batch_order(m, epochs, batch_size, shuffle_seed):
        total = 0.0
        for rows in batches:
            if shuffle_seed is None:  # contiguous rows: a view, no copy
                X_b = X_t[rows[0]:rows[-1] + 1]
                Y_b = Y_t[rows[0]:rows[-1] + 1]
            else:
                index = torch.from_numpy(rows)
                X_b, Y_b = X_t[index], Y_t[index]
            optimizer.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(X_b), Y_b)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(rows)
        losses.append(total / m)
    return losses, model


# ======== Keras ========
def keras_mlp(params):
    """A keras.Sequential with these weights (float32), softmax output.

    params: a list of (W, b) arrays, W (n_in, n_out) and b (1, n_out),
    as `get_params()` returns them (`keras_forward` and `fit_keras`
    check a reader's params first). Built the current way: keras.Input
    gives the input width, so the model is built at once and its
    summary() shows every shape. Layer names: hidden_1, hidden_2, ...,
    output.
    Defined in: Dense layers, §The same network in Keras.
    """
    import keras

    layers = [keras.Input(shape=(params[0][0].shape[0],))]
    for number, (W, _) in enumerate(params, 1):
        last = number == len(params)
        layers.append(
            keras.layers.Dense(
                W.shape[1],
                activation="softmax" if last else "relu",
                name="output" if last else f"hidden_{number}",
            )
        )
    model = keras.Sequential(layers, name="mlp")
    weights = []
    for W, b in params:
        weights += [W.astype(np.float32), b[0].astype(np.float32)]
    model.set_weights(weights)
    return model


def keras_params(model):
    """The (W, b) of a Keras Sequential of Dense layers, b as (1, n_out)."""
    weights = model.get_weights()
    return [
        (np.array(W, dtype=np.float64),
         np.array(b, dtype=np.float64).reshape(1, -1))
        for W, b in zip(weights[0::2], weights[1::2])
    ]


def keras_forward(params, X):
    """Probabilities P (m, k), float32, from Keras with these weights."""
    params = check_params(params)
    X = check_inputs(X, params[0][0].shape[0], np.float32)
    return np.asarray(keras_mlp(params)(X))


def fit_keras(params, X, Y, epochs, lr, batch_size=None, shuffle_seed=0,
              return_params=False):
    """Train a keras_mlp with keras.optimizers.SGD; mean loss per epoch.

    The same batches in the same order as `MLP.fit` (via
    `batch_order`), fed as a tf.data pipeline with Keras's own
    shuffling off; Keras reports the epoch loss the way `MLP.fit`
    does (each batch's loss weighted by its size). float32.
    Returns the list of epoch losses; with return_params=True, the
    pair (losses, params) as in `fit_torch`, the params float64 arrays
    holding Keras's float32 values (see `keras_params`).
    Defined in: Gradient checking, §Iris.
    """
    losses, model = _train_keras(
        params, X, Y, epochs, lr, batch_size, shuffle_seed
    )
    if not return_params:
        return losses
    return losses, keras_params(model)


def _train_keras(params, X, Y, epochs, lr, batch_size, shuffle_seed):
    """fit_keras's work; returns (losses, the trained model)."""
    import keras
    import tensorflow as tf

    params = check_params(params)
    X, Y = _data(params, X, Y)
    steps = batch_order(X.shape[0], epochs, batch_size, shuffle_seed)
    X32, Y32 = X.astype(np.float32), Y.astype(np.float32)
    batches = [(X32[rows], Y32[rows]) for epoch in steps for rows in epoch]
    data = tf.data.Dataset.from_generator(
        lambda: iter(batches),
        output_signature=(
            tf.TensorSpec((None, X.shape[1]), tf.float32),
            tf.TensorSpec((None, Y.shape[1]), tf.float32),
        ),
    )
    model = keras_mlp(params)
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=lr),
        loss=keras.losses.CategoricalCrossentropy(),
    )
    history = model.fit(
        data, epochs=epochs, steps_per_epoch=len(steps[0]), shuffle=False,
        verbose=0,
    )
    return [float(v) for v in history.history["loss"]], model
