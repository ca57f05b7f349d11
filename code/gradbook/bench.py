"""How fast is the MLP in plain Python, NumPy, the engine and frameworks?

Trains the same network, from the same initial weights, for the same
number of SGD steps on the same batches in each implementation, in one
process, and reports samples per second and the ratio to PyTorch. Two
sizes: the toy network 4→8→8→3 on the toy problem (batch 4, the whole
set), and 64→128→10 on scikit-learn's digits (batch 32).

Each implementation trains through its own public fit, as
`gradbook.bench_trainers` sets it up; JAX twice, eagerly and with its
step compiled by `jax.jit`. All but plain Python run in float32; plain
Python has only float64. Every framework gets ONE thread
(`gradbook.timing.one_thread`; each row says what it got). At these
sizes a step costs a few dozen small array operations, so the time is
per-operation overhead, not arithmetic, and more threads only add
synchronisation.

Run it with `python -m gradbook.bench` (options: --help). Timings vary
from run to run and machine to machine: never print them into the
book's cells; save them with --json and plot the file. The file holds
{"machine": ..., "rows": [...]}: the rows of `run`, and what
`machine` says about the computer and the software they came from.
"""

import argparse
import time

import numpy as np

from gradbook import nn_numpy
from gradbook.bench_trainers import trainers
from gradbook.data import digits_split, toy_problem
from gradbook.timing import environment, one_thread, save_json

IMPLEMENTATIONS = ("python", "numpy", "engine", "pytorch", "keras", "jax",
                   "jax_jit")
NAMES = {
    "python": "pure Python",
    "numpy": "NumPy",
    "engine": "our engine",
    "pytorch": "PyTorch",
    "keras": "Keras",
    "jax": "JAX",
    "jax_jit": "JAX (jit)",
}
SIZES = {
    "toy": {"sizes": [4, 8, 8, 3], "batch_size": 4, "steps": 1000},
    "digits": {"sizes": [64, 128, 10], "batch_size": 32, "steps": 100},
}
SLOW = ("python", "jax")  # timed `python_repeats` times: slow, steady


def size_data(size):
    """(X, y) for a size: the toy problem or the digits' training rows."""
    if size == "toy":
        X, Y = toy_problem()
        return X, Y.argmax(axis=1)
    X, _, y, _ = digits_split(seed=0)
    return X, y


def batches_for(X, y, steps, batch_size):
    """The rows of `steps` batches: X and y cycled to steps·batch_size."""
    rows = np.resize(np.arange(X.shape[0]), steps * batch_size)
    return X[rows], y[rows]


def time_one(make_train, X, y, steps, batch_size, repeats):
    """Warm up, then the best time of `repeats` runs of `steps` steps."""
    warm = min(steps, 10)
    make_train(*batches_for(X, y, warm, batch_size))()
    X_run, y_run = batches_for(X, y, steps, batch_size)
    best = np.inf
    for _ in range(repeats):
        train = make_train(X_run, y_run)
        start = time.perf_counter()
        train()
        best = min(best, time.perf_counter() - start)
    return best


def run(steps=None, sizes=("toy", "digits"), implementations=IMPLEMENTATIONS,
        repeats=5, python_repeats=1, seed=0):
    """Time each implementation at each size; a list of dict rows.

    steps: SGD steps per timed run (None: the default of each size,
    1000 for the toy network, 100 for the digits). Each row: size,
    layers, batch_size, steps, implementation, name, dtype, seconds
    (best of `repeats` runs; pure Python and eager JAX, the slow
    ones: of `python_repeats`),
    samples_per_second, ratio_to_pytorch, threads.
    Defined in: Dead ReLUs and speed, §Speed.
    """
    unknown = set(implementations) - set(IMPLEMENTATIONS)
    if unknown or not implementations:
        raise ValueError(
            f"implementations must be some of {IMPLEMENTATIONS}; got "
            f"{tuple(implementations)}"
        )
    if steps is not None and steps < 1:
        raise ValueError(f"steps must be ≥ 1; got {steps}")
    rows = []
    with one_thread() as threads:
        for size in sizes:
            if size not in SIZES:
                raise ValueError(
                    f"size must be one of {tuple(SIZES)}; got {size!r}"
                )
            spec = SIZES[size]
            n_steps = spec["steps"] if steps is None else steps
            batch_size = spec["batch_size"]
            X, y = size_data(size)
            params = nn_numpy.MLP(spec["sizes"], seed=seed).get_params()
            makers = trainers(params, batch_size)
            size_rows = []
            for name in implementations:
                seconds = time_one(
                    makers[name], X, y, n_steps, batch_size,
                    python_repeats if name in SLOW else repeats,
                )
                size_rows.append({
                    "size": size,
                    "layers": spec["sizes"],
                    "batch_size": batch_size,
                    "steps": n_steps,
                    "implementation": name,
                    "name": NAMES[name],
                    "dtype": "float64" if name == "python" else "float32",
                    "seconds": seconds,
                    "samples_per_second": n_steps * batch_size / seconds,
                    "threads": (threads["tensorflow"] if name == "keras"
                                else threads["jax"] if "jax" in name
                                else threads.get(name, 1)),
                })
            torch_rate = next(
                (r["samples_per_second"] for r in size_rows
                 if r["implementation"] == "pytorch"), None
            )
            for row in size_rows:
                row["ratio_to_pytorch"] = (
                    None if torch_rate is None
                    else row["samples_per_second"] / torch_rate
                )
            rows += size_rows
    return rows


def machine(rows):
    """What a reader needs to judge the rows: hardware, versions, run.

    A dict: environment() (hardware, versions, UTC time), the version of
    Keras and of JAX, the threads each framework ran with and the steps
    of each size (both read off the rows).
    Defined in: Dead ReLUs and speed, §Speed.
    """
    import jax
    import keras

    return {**environment(), "keras": keras.__version__,
            "jax": jax.__version__,
            "threads": {row["name"]: row["threads"] for row in rows},
            "steps": {row["size"]: row["steps"] for row in rows}}


def write_json(path, rows):
    """Write {"machine": machine(rows), "rows": rows} to path, atomically."""
    return save_json(path, {"machine": machine(rows), "rows": rows})


def report(rows):
    """The rows as a table of text, with the thread settings."""
    lines = [
        f"{'network':<12} {'batch':>5} {'steps':>6}  {'implementation':<14}"
        f" {'dtype':<7} {'samples/s':>11} {'vs PyTorch':>10}"
    ]
    for row in rows:
        ratio = row["ratio_to_pytorch"]
        layers = "-".join(str(n) for n in row["layers"])
        lines.append(
            f"{layers:<12} {row['batch_size']:>5} {row['steps']:>6}  "
            f"{row['name']:<14} {row['dtype']:<7} "
            f"{row['samples_per_second']:>11,.0f} "
            + (f"{ratio:>9.3g}x" if ratio is not None else f"{'-':>10}")
        )
    threads = {row["implementation"]: row["threads"] for row in rows}
    lines.append(
        "threads: NumPy 1 (its BLAS, through threadpoolctl), PyTorch "
        f"{threads.get('pytorch', '-')} (torch.set_num_threads),\n"
        f"         TensorFlow {threads.get('keras', '-')} intra-op, JAX "
        f"{threads.get('jax', '-')} (XLA_FLAGS)\n"
        "         (0: it had started before and kept its default)"
    )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m gradbook.bench",
        description="Train the same MLP for the same number of SGD steps "
        "in pure Python, NumPy, the book's engine, PyTorch, Keras and "
        "JAX (eager and jit); "
        "print samples per second and the ratio to PyTorch.",
    )
    parser.add_argument(
        "--steps", type=int, default=None,
        help="SGD steps per timed run at every size (default: 1000 for "
        "the toy network, 100 for the digits)",
    )
    parser.add_argument(
        "--repeats", type=int, default=5,
        help="timed runs per implementation, best kept (default 5; "
        "pure Python and eager JAX run once)",
    )
    parser.add_argument(
        "--sizes", nargs="+", choices=tuple(SIZES), default=list(SIZES),
        help="which networks to time (default: both)",
    )
    parser.add_argument(
        "--json", metavar="PATH",
        help="also write the machine and the rows as JSON to PATH",
    )
    args = parser.parse_args(argv)
    rows = run(steps=args.steps, sizes=args.sizes, repeats=args.repeats)
    print(report(rows))
    if args.json:
        write_json(args.json, rows)
    return rows


if __name__ == "__main__":
    main()
