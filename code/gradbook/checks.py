"""Input checks and parameter loading, shared by the two network forms.

`gradbook.nn_python` (one sample, lists) and `gradbook.nn_numpy` (row
batches, arrays) keep the network itself; everything that turns what a
reader passes in into what the network expects, or refuses it, is here.
Every refusal is a ValueError that names what was expected and what
came, for example "X must be a batch of shape (m, 4), one sample per
row; got shape (2, 3)".

Conventions: a network's sizes are [n_in, hidden..., k]; its params are
a list of (W, b), one pair per layer, W of shape (n_in, n_out) and b of
shape (1, n_out) or (n_out,); targets are labels in 0..k-1 or rows of k
non-negative numbers summing to 1 (one-hot rows).

What it is not: part of the mathematics. Nothing here computes a
forward pass or a gradient.
"""

import numbers

import numpy as np


# ======== Sizes, parameters and gradients (both forms) ========
def check_sizes(sizes):
    """Return sizes [n_in, hidden..., k] as a list of ints ≥ 1, or raise."""
    sizes = list(sizes)
    if len(sizes) < 2 or any(
        isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1
        for n in sizes
    ):
        raise ValueError(
            f"sizes must be at least two positive ints [n_in, ..., k]; "
            f"got {sizes}"
        )
    return [int(n) for n in sizes]


def check_params(params, sizes=None):
    """Return params as a list of (W, b) float64 arrays, b of shape (1, n).

    Each W must be 2-D, each b must have as many entries as W has
    columns, and each W as many rows as the previous W has columns.
    sizes: if given, [n_in, ..., k] of the network that will hold the
    params, and every W must have shape (sizes[l-1], sizes[l]).
    """
    params = list(params)
    if not params:
        raise ValueError(
            "params must be a non-empty list of (W, b) pairs, one per "
            "layer; got an empty list"
        )
    if sizes is not None and len(params) != len(sizes) - 1:
        raise ValueError(
            f"expected {len(sizes) - 1} (W, b) pairs, one per layer; got "
            f"{len(params)}"
        )
    checked = []
    for number, (W, b) in enumerate(params, 1):
        W = np.array(W, dtype=np.float64)
        b = np.array(b, dtype=np.float64)
        if sizes is not None:
            expected = (sizes[number - 1], sizes[number])
            if W.shape != expected:
                raise ValueError(
                    f"layer {number}: W must have shape {expected}; got "
                    f"shape {W.shape}"
                )
        elif W.ndim != 2:
            raise ValueError(
                f"layer {number}: W must have shape (n_in, n_out); got "
                f"shape {W.shape}"
            )
        elif checked and W.shape[0] != checked[-1][0].shape[1]:
            raise ValueError(
                f"layer {number}: W must have {checked[-1][0].shape[1]} "
                f"rows (the previous layer's outputs); got shape {W.shape}"
            )
        n_out = W.shape[1]
        if b.shape not in ((n_out,), (1, n_out)):
            raise ValueError(
                f"layer {number}: b must have shape ({n_out},) or "
                f"(1, {n_out}) to match W of shape {W.shape}; got shape "
                f"{b.shape}"
            )
        checked.append((W, b.reshape(1, n_out)))
    return checked


def sizes_of(params):
    """[n_in, ..., k] read off checked params (see `check_params`)."""
    return [params[0][0].shape[0]] + [W.shape[1] for W, _ in params]


def check_grads(grads, sizes):
    """Check one (grad_W, grad_b) per layer, shaped like (W, b); or raise.

    grads: lists or arrays; grad_b may be flat (n_out,) or (1, n_out).
    """
    if len(grads) != len(sizes) - 1:
        raise ValueError(
            f"expected {len(sizes) - 1} (grad_W, grad_b) pairs, one per "
            f"layer; got {len(grads)}"
        )
    for number, (grad_W, grad_b) in enumerate(grads, 1):
        n_in, n_out = sizes[number - 1], sizes[number]
        if (shape_of(grad_W) != (n_in, n_out)
                or shape_of(grad_b) not in ((n_out,), (1, n_out))):
            raise ValueError(
                f"layer {number}: expected gradients of shapes "
                f"({n_in}, {n_out}) and (1, {n_out}); got "
                f"{shape_of(grad_W)} and {shape_of(grad_b)}"
            )


def check_batch_size(batch_size):
    """Return batch_size if it is an int ≥ 1, or raise."""
    if (isinstance(batch_size, bool)
            or not isinstance(batch_size, numbers.Integral)
            or batch_size < 1):
        raise ValueError(
            f"batch_size must be an int ≥ 1 (or None for the whole set); "
            f"got {batch_size!r}"
        )
    return int(batch_size)


def summary_table(rows):
    """Format a network summary; rows: (n_in, n_out, activation, params).

    Both forms of the MLP print their summary with it, so the two
    summaries of the same sizes are the same text.
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


# ======== One sample as a list (nn_python) ========
def shape_of(x):
    """The shape of a number, a (nested) list, or an array, as a tuple."""
    if hasattr(x, "shape"):
        return tuple(x.shape)
    if isinstance(x, (list, tuple)):
        return (len(x),) + (shape_of(x[0]) if len(x) else ())
    return ()


def check_sample(x, n_in):
    """Return one sample x as a list of n_in floats, or raise."""
    shape = shape_of(x)
    if shape != (n_in,):
        raise ValueError(
            f"x must be one sample of shape ({n_in},), a list of {n_in} "
            f"numbers; got shape {shape}"
        )
    return [float(x_i) for x_i in x]


def target_vector(y, k):
    """Return the target y as a list of k floats summing to 1, or raise.

    y: a class label (an int in 0..k-1), turned into its one-hot row,
    or a row of k non-negative numbers summing to 1, returned as floats.
    """
    if isinstance(y, bool):
        raise ValueError(f"y must be a label in 0..{k - 1}; got {y!r}")
    if shape_of(y) == () and float(y) == int(y):
        label = check_labels([int(y)], k)[0]
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


def check_dataset(X, Y, n_in, k):
    """Return a data set given as lists, checked: (X, Y) as lists.

    X: m ≥ 1 samples of n_in numbers each, returned as lists of floats;
    Y: their m targets, each a label or a row (see `target_vector`),
    returned as one-hot lists of k floats.
    """
    if len(X) == 0:
        raise ValueError("empty batch: X has no samples (shape (0,))")
    if len(X) != len(Y):
        raise ValueError(
            f"X has {len(X)} samples but Y has {len(Y)} targets: one "
            f"target per sample"
        )
    return ([check_sample(x, n_in) for x in X],
            [target_vector(y, k) for y in Y])


# ======== Row batches as arrays (nn_numpy, nn_frameworks) ========


def check_inputs(X, n_in, dtype=np.float64):
    """Return X as an array of shape (m, n_in), m ≥ 1, in dtype; or raise."""
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


def check_labels(y, k):
    """Return labels y as an int64 array of shape (m,), each in 0..k-1.

    Floats that are whole numbers (1.0) are accepted as labels.
    """
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"k must be a positive number of classes; got {k!r}")
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(
            f"labels y must have shape (m,), one integer per sample; "
            f"got shape {y.shape}"
        )
    if y.size and not np.issubdtype(y.dtype, np.integer):
        whole = np.issubdtype(y.dtype, np.floating) and np.all(
            y == np.round(y)
        )
        if not whole:
            raise ValueError(
                f"labels y must be integers 0..{k - 1}; got dtype {y.dtype}"
            )
    y = y.astype(np.int64)
    if y.size and (y.min() < 0 or y.max() >= k):
        bad = y[(y < 0) | (y >= k)][0]
        raise ValueError(
            f"label {bad} is out of range: labels must be in 0..{k - 1} "
            f"for k = {k} classes"
        )
    return y


def check_targets(Y, m, k, dtype=np.float64):
    """Return the targets as rows of shape (m, k) in dtype, or raise.

    Y: integer labels of shape (m,), each in 0..k-1 (returned as one-hot
    rows), or rows of shape (m, k), each non-negative and summing to 1
    (one-hot, or any probability row: the gradient P − Y holds for both).
    """
    Y = np.asarray(Y)
    if Y.ndim == 1:
        if Y.shape[0] != m:
            raise ValueError(
                f"expected {m} labels, one per row of X (shape ({m},)); "
                f"got shape {Y.shape}"
            )
        return np.eye(k, dtype=dtype)[check_labels(Y, k)]
    if Y.shape != (m, k):
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
