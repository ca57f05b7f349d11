"""Gradient checking: a backward pass against finite differences.

A gradient computed by hand is checked against the definition of the
derivative: nudge one parameter by ±h, evaluate the loss twice, and
divide the change by 2h. That costs two loss evaluations per
parameter, so it is done once, in float64, on a few samples, and never
during training. Two hazards are named here rather than hidden: a ReLU
whose score changes sign inside [θ − h, θ + h] (a kink, where the
difference quotient averages two slopes), and float32, whose rounding
error divided by h swamps the difference.

Parameters are a list of arrays (for an MLP, [W¹, b¹, W², b², ...]);
`loss(params)` returns the loss and the list of pre-activations whose
sign matters (an MLP's ReLU scores Z), possibly empty.

What it is not: a test framework. It measures; the caller decides.
"""

from collections import namedtuple
import copy

import numpy as np

H = 1e-5          # the step of the central difference
THRESHOLD = 1e-6  # pass below this relative error: a choice, between
#                   what correct float64 and float32 gradients show

GradCheck = namedtuple("GradCheck", "errors kinks passed")


def relative_error(a, b):
    """‖a − b‖ / (‖a‖ + ‖b‖) over all entries: 0 when equal, ≤ 1.

    Scale-free, and defined (0) when both are zero. a, b: same shape.
    Defined in: Gradient checking, §Relative error, with a threshold.
    """
    a, b = np.asarray(a, float), np.asarray(b, float)
    if a.shape != b.shape:
        raise ValueError(
            f"expected two arrays of one shape; got {a.shape} and "
            f"{b.shape}"
        )
    size = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if size == 0 else float(np.linalg.norm(a - b) / size)


def numerical_gradient(loss, params, h=H):
    """Central differences of `loss` at every entry of every array.

    loss(params) -> (value, pre_activations). Returns (grads, kinks),
    both lists shaped like params: grads[k][i] = (L(θ + h e) −
    L(θ − h e)) / 2h for the entry e; kinks[k][i] is True where some
    pre-activation is > 0 on one side and ≤ 0 on the other.
    Defined in: Gradient checking, §Kinks.
    """
    params = [np.array(P, dtype=np.float64) for P in params]
    grads = [np.zeros_like(P) for P in params]
    kinks = [np.zeros(P.shape, dtype=bool) for P in params]
    for P, G, K in zip(params, grads, kinks):
        for i in np.ndindex(P.shape):
            kept = P[i]
            P[i] = kept + h
            up, Z_up = loss(params)
            P[i] = kept - h
            down, Z_down = loss(params)
            P[i] = kept
            G[i] = (up - down) / (2 * h)
            K[i] = any(np.any((Zu > 0) != (Zd > 0))
                       for Zu, Zd in zip(Z_up, Z_down))
    return grads, kinks


def _check_like(params, grads):
    """Raise unless grads has one array of each parameter's shape."""
    if len(grads) != len(params) or any(
            np.shape(G) != np.shape(P) for G, P in zip(grads, params)):
        raise ValueError(
            f"expected one gradient per parameter, shapes "
            f"{[np.shape(P) for P in params]}; got "
            f"{[np.shape(G) for G in grads]}"
        )


def check_gradient(loss, params, grads, h=H, threshold=THRESHOLD):
    """Compare `grads` with central differences, array by array.

    Returns GradCheck(errors, kinks, passed): the relative error of
    each array over its entries without a kink, the kink masks, and
    whether every error is below `threshold`. Entries with a kink are
    not checked at all (an array of kinks only has error 0): read
    `kinks` too.
    Defined in: Gradient checking, §Kinks.
    """
    _check_like(params, grads)
    numeric, kinks = numerical_gradient(loss, params, h)
    errors = [relative_error(np.asarray(G)[~K], N[~K])
              for G, N, K in zip(grads, numeric, kinks)]
    return GradCheck(errors, kinks, all(e < threshold for e in errors))


def directional_check(loss, params, grads, rng, h=H):
    """One random direction v: ⟨grads, v⟩ against two loss values.

    v has independent standard normal entries, scaled to norm 1 over
    all arrays. Returns (slope, difference): the directional
    derivative from the gradient, and (L(θ + hv) − L(θ − hv)) / 2h.
    Defined in: Gradient checking, §One random direction.
    """
    _check_like(params, grads)
    params = [np.asarray(P, dtype=np.float64) for P in params]
    v = [rng.standard_normal(P.shape) for P in params]
    norm = np.sqrt(sum(np.sum(V * V) for V in v))
    v = [V / norm for V in v]
    slope = sum(float(np.sum(np.asarray(G) * V)) for G, V in zip(grads, v))
    up, _ = loss([P + h * V for P, V in zip(params, v)])
    down, _ = loss([P - h * V for P, V in zip(params, v)])
    return slope, (up - down) / (2 * h)


# ======== The book's MLP as a list of arrays ========
def flatten(params):
    """[(W¹, b¹), (W², b²), ...] -> [W¹, b¹, W², b², ...].

    Defined in: Gradient checking, §Kinks.
    """
    return [np.asarray(P) for pair in params for P in pair]


def pairs(arrays):
    """[W¹, b¹, W², b², ...] -> [(W¹, b¹), (W², b²), ...].

    Defined in: Gradient checking, §Kinks.
    """
    return list(zip(arrays[0::2], arrays[1::2]))


def mlp_loss(X, Y, dtype=np.float64):
    """loss(arrays) for the MLP of `gradbook.nn_numpy` on (X, Y).

    The returned function takes [W¹, b¹, W², b², ...] and gives the
    mean cross-entropy and the scores Z of the ReLU layers, computed
    in `dtype` (float64 to check; float32 to see why not).
    Defined in: Gradient checking, §Kinks.
    """
    from gradbook.nn_numpy import MLP

    X, Y = np.asarray(X, dtype), np.asarray(Y, dtype)

    def loss(arrays):
        model = MLP.from_params(pairs(arrays), dtype=dtype)
        value = model.loss(X, Y)
        return value, [layer.Z for layer in model.layers
                       if layer.activation == "relu"]

    return loss


def followed_gradients(model, x, y, lr):
    """The gradients one step of the original code follows.

    model: a `gradbook.nn_seed` model; x, y: one sample. The original
    updates the weights inside `backward`, so its gradients are read
    off the step on a copy: (θ_before − θ_after) / lr, as
    [W¹, b¹, W², b², ...]. The model itself is not changed.
    Defined in: The original code and its mistakes, §Backward uses
    weights it has already changed.
    """
    from gradbook.nn_seed import get_params

    twin = copy.deepcopy(model)
    before = flatten(get_params(twin))
    twin.forward(x)
    twin.backward(y, lr)
    after = flatten(get_params(twin))
    return [(B - A) / lr for B, A in zip(before, after)]
