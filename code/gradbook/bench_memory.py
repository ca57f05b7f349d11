"""What checkpointing costs in time, on the chain y ← exp(−y).

The chain of n steps y ← exp(−y) on a vector of m numbers is the
example of the page on memory: `plain_gradient` takes its gradient with
`autodiff_more.grad`, `checkpointed_gradient` cuts it into segments of
s steps, each run through `checkpoint`. For each n this module times,
best of `repeats` after a warm-up: the plain gradient, the
checkpointed one with s = ⌈√(n/2)⌉ (`segment_length`), and one
forward pass alone.

Run it with `python -m gradbook.bench_memory` (options: --help); it
writes gradbook/runs/memory.json unless told otherwise. Timings vary
from run to run and machine to machine: the page plots the saved file
and never times anything itself. The file holds {"machine": ...,
"rows": [...]}.
"""

import argparse
import math
from pathlib import Path

import numpy as np

from gradbook.autodiff import Tensor
from gradbook.autodiff_more import checkpoint, grad
from gradbook.timing import best_time, environment, save_json

N_VALUES = (16, 36, 64, 144, 256)
DEFAULT_JSON = Path(__file__).resolve().parent / "runs" / "memory.json"


def chain(y, k):
    """k steps y ← exp(−y) of a Tensor (or a Dual) y of any shape.

    Defined in: Second derivatives, memory and checkpointing, §Memory,
    counted.
    """
    for _ in range(k):
        y = (-y).exp()
    return y


def plain_gradient(start, n):
    """The gradient of sum(chain(y, n)) at the array start, a Tensor."""
    y = Tensor(start)
    return grad(chain(y, n).sum(), [y])[0]


def checkpointed_gradient(start, n, s, segment=chain):
    """The same gradient, each s steps one checkpoint(segment, ...).

    segment(y, k) runs k steps (chain by default; pass a wrapper to
    count them). Defined in: Second derivatives, memory and
    checkpointing, §Checkpointing.
    """
    y = Tensor(start)
    h = y
    for i in range(0, n, s):
        h = checkpoint(lambda t, k=min(s, n - i): segment(t, k), h)
    return grad(h.sum(), [y])[0]


def segment_length(n):
    """⌈√(n/2)⌉: the segment length that balances n/s against 2s."""
    return math.ceil(math.sqrt(n / 2))


def run(n_values=N_VALUES, m=1000, repeats=5):
    """One row per n: n, s, m and the best seconds of each of the three."""
    if any(n < 1 for n in n_values) or m < 1 or repeats < 1:
        raise ValueError(
            f"n_values, m and repeats must be positive; got {n_values}, "
            f"{m}, {repeats}")
    start = np.random.default_rng(1).normal(size=m)
    rows = []
    for n in n_values:
        s = segment_length(n)
        rows.append({
            "n": n, "s": s, "m": m,
            "seconds_plain": best_time(
                lambda: plain_gradient(start, n), repeats),
            "seconds_checkpointed": best_time(
                lambda: checkpointed_gradient(start, n, s), repeats),
            "seconds_forward": best_time(
                lambda: chain(Tensor(start), n), repeats)})
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    rows = run(repeats=args.repeats)
    save_json(args.json, {"machine": environment(), "rows": rows})
    for row in rows:
        print(row)


if __name__ == "__main__":
    main()
