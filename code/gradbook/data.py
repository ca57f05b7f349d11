"""The data sets of the network chapters: the toy problem, Iris, digits,
and `batch_order`, the order in which SGD visits their rows; and
`saved_run`, the measurements that `make bench` saved.

Row-batch convention: X has one sample per row, shape (m, n_features);
labels are either integers y of shape (m,) or one-hot rows Y of shape
(m, k). Iris and the digits ship with scikit-learn, so nothing is
downloaded. Both are split with a fixed seed, stratified by class, and
standardised with the mean and standard deviation of the TRAINING rows
only (the test rows must not leak into the preprocessing).

What it is not: a data-loading framework. Each function returns plain
NumPy arrays.
"""

import json
from pathlib import Path

import numpy as np

from gradbook.checks import check_batch_size, check_labels


RUNS = Path(__file__).with_name("runs")


def saved_run(name):
    """The measurement `make bench` saved as runs/<name>.json, parsed.

    name: "bench" (the MLP's speed in every implementation), "modes"
    (a gradient by n JVPs against one VJP; JAX's three HVP orders) or
    "memory" (the time checkpointing costs). The files ship inside
    gradbook, so a chapter reads them wherever it runs: in a clone, in
    Colab, in a downloaded notebook.
    """
    return json.loads((RUNS / f"{name}.json").read_text(encoding="utf-8"))


def toy_problem():
    """The source's toy problem: four one-hot inputs, three classes.

    Returns (X, Y): X of shape (4, 4), the identity (input i is the
    i-th unit vector), and Y of shape (4, 3), the one-hot targets
    classes 0, 1, 2, 0. Both float64.
    Defined in: Backprop from scratch, §The toy problem.
    """
    X = np.eye(4)
    Y = np.array(
        [
            [1.0, 0.0, 0.0],  # class 0
            [0.0, 1.0, 0.0],  # class 1
            [0.0, 0.0, 1.0],  # class 2
            [1.0, 0.0, 0.0],  # class 0
        ]
    )
    return X, Y


def one_hot(y, k):
    """One-hot rows for integer labels: Y[i, y[i]] = 1, shape (m, k).

    y: integer labels of shape (m,), each in 0..k-1; k: the number of
    classes. Returns a float64 array of shape (m, k); bad labels are
    refused (see `gradbook.checks.check_labels`).
    Defined in: The multilayer perceptron, §Softmax and cross-entropy.
    """
    y = check_labels(y, k)
    Y = np.zeros((y.shape[0], k))
    Y[np.arange(y.shape[0]), y] = 1.0
    return Y


def standardise(X_train, X_test):
    """Scale each feature by the training rows' mean and std.

    Returns (X_train_s, X_test_s), both float64, where
    X_s = (X - mean) / std with mean and std of shape (1, n) taken over
    X_train only. A feature that is constant on the training rows
    (std 0, as some pixels of the digits are) is only centred.
    Defined in: Gradient checking, §Iris.
    """
    X_train = np.asarray(X_train, dtype=float)
    X_test = np.asarray(X_test, dtype=float)
    if X_train.ndim != 2 or X_train.shape[0] == 0:
        raise ValueError(
            f"X_train must be a non-empty matrix of shape (m, n); got "
            f"shape {X_train.shape}"
        )
    n = X_train.shape[1]
    if X_test.ndim != 2 or X_test.shape[1] != n:
        raise ValueError(
            f"X_test must have shape (m, {n}) like X_train; got shape "
            f"{X_test.shape}"
        )
    mean = X_train.mean(axis=0, keepdims=True)
    std = X_train.std(axis=0, keepdims=True)
    std[std == 0] = 1.0
    return (X_train - mean) / std, (X_test - mean) / std


def _split(X, y, seed, test_fraction):
    """Stratified, seeded train/test split, standardised on train."""
    from sklearn.model_selection import train_test_split

    if not 0 < test_fraction < 1:
        raise ValueError(
            f"test_fraction must be strictly between 0 and 1; got "
            f"{test_fraction}"
        )
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_fraction, random_state=seed, stratify=y
    )
    X_train, X_test = standardise(X_train, X_test)
    return X_train, X_test, y_train.astype(np.int64), y_test.astype(np.int64)


def iris_split(seed=0, test_fraction=0.2):
    """Iris (150 flowers, 4 features, 3 species), split and standardised.

    Returns (X_train, X_test, y_train, y_test): X float64 of shape
    (m, 4), y int64 labels 0, 1, 2 of shape (m,). With the default
    test_fraction 0.2: 120 training and 30 test rows, stratified.
    Defined in: Gradient checking, §Iris.
    """
    from sklearn.datasets import load_iris

    iris = load_iris()
    return _split(iris.data, iris.target, seed, test_fraction)


def digits_split(seed=0, test_fraction=0.2):
    """The 8x8 digits (1797 images, 64 pixels, 10 classes), split.

    Returns (X_train, X_test, y_train, y_test): X float64 of shape
    (m, 64), standardised per pixel on the training rows; y int64
    labels 0..9 of shape (m,).
    Defined in: Dead ReLUs and speed, §Speed.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    return _split(digits.data, digits.target, seed, test_fraction)


def batch_order(m, epochs, batch_size=None, shuffle_seed=0):
    """The rows of each SGD step, epoch by epoch: lists of index arrays.

    m: the number of rows; batch_size: rows per step (None: all m in
    one step; the last step of an epoch may be shorter). shuffle_seed
    None keeps the rows in order; an int draws each epoch's order from
    one np.random.default_rng(shuffle_seed). `nn_numpy.MLP.fit` and
    the frameworks' fits all use it, so all see the same batches.
    Returns a list of `epochs` lists of int arrays.
    Defined in: Backprop from scratch, §Training.
    """
    batch_size = m if batch_size is None else check_batch_size(batch_size)
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
