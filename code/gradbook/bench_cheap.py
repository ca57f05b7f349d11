"""The cheap gradient principle, measured where arithmetic dominates.

For f(x) = Σᵢ xᵢ exp(−xᵢ²) on x with n entries (n = 10⁵, 10⁶, 10⁷ by
default), in float64 on one thread, it times the best of a few runs of

- one evaluation of f (the forward pass only, nothing recorded), and
- the gradient: the forward pass recorded, then one VJP sweep,

in PyTorch (eager) and in the book's engine (`gradbook.autodiff`), and
saves the ratio gradient time / evaluation time. At these sizes each
call does millions of operations, so the fixed cost per call that the
small sizes of `bench_modes` measure is negligible.

Run it with `python -m gradbook.bench_cheap` (options: --help); it
writes gradbook/runs/cheap.json unless told otherwise. The page reads
the saved file (`gradbook.data.saved_run("cheap")`) and times nothing.
"""

import argparse
from pathlib import Path

import numpy as np

from gradbook.timing import best_time, environment, one_thread, save_json

SIZES = (10**5, 10**6, 10**7)
DEFAULT_JSON = Path(__file__).resolve().parent / "runs" / "cheap.json"


def torch_calls(x):
    """Two functions of no argument: f(x), and the gradient of f at x."""
    import torch

    x = torch.tensor(x)

    def value():
        with torch.no_grad():
            return (x * torch.exp(-x * x)).sum()

    def gradient():
        leaf = x.detach().requires_grad_()
        y = (leaf * torch.exp(-leaf * leaf)).sum()
        return torch.autograd.grad(y, leaf)[0]

    return value, gradient


def engine_calls(x):
    """The same two functions on the engine of gradbook.autodiff."""
    from gradbook.autodiff import Tensor

    def value():
        return float(np.sum(x * np.exp(-x * x)))

    def gradient():
        leaf = Tensor(x)
        y = (leaf * (-(leaf * leaf)).exp()).sum()
        y.backward()
        return leaf.grad

    return value, gradient


def run(sizes=SIZES, repeats=3, seed=0):
    """Rows {implementation, n, value_seconds, gradient_seconds, ratio}.

    Each gradient is checked against the formula (1 − 2x²) exp(−x²).
    """
    rng = np.random.default_rng(seed)
    rows = []
    with one_thread():
        for n in sizes:
            x = rng.standard_normal(n)
            exact = (1 - 2 * x * x) * np.exp(-x * x)
            for name, calls in (("pytorch", torch_calls),
                                ("engine", engine_calls)):
                value, gradient = calls(x)
                grad = np.asarray(gradient()).ravel()
                assert np.allclose(grad, exact, rtol=1e-12, atol=1e-12)
                t_value = best_time(value, repeats)
                t_gradient = best_time(gradient, repeats)
                rows.append({"implementation": name, "n": n,
                             "value_seconds": t_value,
                             "gradient_seconds": t_gradient,
                             "ratio": t_gradient / t_value})
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m gradbook.bench_cheap",
        description="Time f and its gradient at large sizes.")
    parser.add_argument("--json", default=str(DEFAULT_JSON),
                        help="where to save the run (default: "
                        "gradbook/runs/cheap.json); '-' writes nothing")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    rows = run(repeats=args.repeats)
    for row in rows:
        print(f"{row['implementation']:8} n = {row['n']:>9,}: "
              f"f {row['value_seconds'] * 1e3:8.2f} ms, gradient "
              f"{row['gradient_seconds'] * 1e3:8.2f} ms, ratio "
              f"{row['ratio']:.2f}")
    if args.json != "-":
        save_json(args.json, {"machine": environment(), "rows": rows})


if __name__ == "__main__":
    main()
