"""How each implementation of the MLP trains, ready to be timed.

`trainers` gives, for each implementation `gradbook.bench` times, a
function that builds what training needs and returns the call to time.
Each trains through its own public fit: `MLP.fit` of
`gradbook.nn_python` and `gradbook.nn_numpy`, `fit` of
`gradbook.nn_autodiff` (the MLP on the book's own reverse-mode engine,
`gradbook.autodiff`), `fit_torch` and Keras's `model.fit` (through
`gradbook.nn_frameworks`), and `fit_jax` of `gradbook.nn_jax` twice:
eager (each operation dispatched as it comes) and with the step
compiled by `jax.jit`.
"""

import numpy as np

from gradbook import (nn_autodiff, nn_frameworks, nn_jax, nn_numpy,
                      nn_python)
from gradbook.data import one_hot

LEARNING_RATE = 0.01


def trainers(params, batch_size):
    """For each implementation, a function train(X, y) that runs fit.

    Everything that is not training (building the model, converting
    the data) happens outside the function that is timed.
    """
    import keras
    import torch

    def python(X, y):
        model = nn_python.MLP.from_params(params)
        X_list, y_list = X.tolist(), y.tolist()

        def train():
            model.fit(X_list, y_list, 1, LEARNING_RATE, batch_size)

        return train

    def numpy_(X, y):
        model = nn_numpy.MLP.from_params(params, dtype=np.float32)
        X32 = X.astype(np.float32)

        def train():
            model.fit(X32, y, 1, LEARNING_RATE, batch_size, None)

        return train

    def engine(X, y):
        tensors = nn_autodiff.tensors(params, dtype=np.float32)
        X32 = X.astype(np.float32)
        Y32 = one_hot(y, params[-1][0].shape[1]).astype(np.float32)

        def train():
            nn_autodiff.fit(tensors, X32, Y32, 1, LEARNING_RATE, batch_size)

        return train

    def pytorch(X, y):
        def train():
            nn_frameworks.fit_torch(
                params, X, y, 1, LEARNING_RATE, batch_size, None,
                dtype=torch.float32,
            )

        return train

    model = nn_frameworks.keras_mlp(params)
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=LEARNING_RATE),
        loss=keras.losses.SparseCategoricalCrossentropy(),
    )

    def keras_(X, y):
        X32 = X.astype(np.float32)

        def train():
            model.fit(
                X32, y, batch_size=batch_size, epochs=1, shuffle=False,
                verbose=0,
            )

        return train

    def jax_(jit):
        def make(X, y):
            def train():
                nn_jax.fit_jax(params, X, y, 1, LEARNING_RATE, batch_size,
                               None, dtype=np.float32, jit=jit)

            return train

        return make

    return {"python": python, "numpy": numpy_, "engine": engine,
            "pytorch": pytorch, "keras": keras_, "jax": jax_(False),
            "jax_jit": jax_(True)}
