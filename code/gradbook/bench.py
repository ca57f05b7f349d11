"""How fast is the MLP in plain Python, NumPy, the engine and frameworks?

Trains the same network, from the same initial weights, for the same
number of SGD steps on the same batches in each implementation, in one
process, and reports samples per second and the ratio to PyTorch. Two
sizes: the toy network 4→8→8→3 on the toy problem (batch 4, the whole
set), and 64→128→10 on scikit-learn's digits (batch 32).

Each implementation trains through its own public fit: `MLP.fit` of
`gradbook.nn_python` and `gradbook.nn_numpy`, `fit` of
`gradbook.nn_autodiff` (the MLP on the book's own reverse-mode engine,
`gradbook.autodiff`), `fit_torch` and Keras's `model.fit` (through
`gradbook.nn_frameworks`), and `fit_jax` of `gradbook.nn_jax` twice:
eager (each operation dispatched as it comes) and with the step
compiled by `jax.jit`. All but plain Python run in float32; plain
Python has only float64. Every framework
gets ONE thread: NumPy's BLAS through threadpoolctl, PyTorch through
torch.set_num_threads(1), TensorFlow through its intra- and inter-op
thread settings, JAX through XLA_FLAGS (both possible only before the
framework starts: `run` says what each got). At these sizes a step
costs a few dozen small array operations, so the time is
per-operation overhead, not arithmetic, and more threads only add
synchronisation.

Run it with `python -m gradbook.bench` (options: --help). Timings vary
from run to run and machine to machine: never print them into the
book's cells; save them with --json and plot the file. The file holds
{"machine": ..., "rows": [...]}: the rows of `run`, and what
`machine` says about the computer and the software they came from.

Longer than most modules (about 425 lines): the timing harness that
`gradbook.bench_modes` reuses still lives here.
"""

import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

from gradbook import (nn_autodiff, nn_frameworks, nn_jax, nn_numpy,
                      nn_python)
from gradbook.data import digits_split, one_hot, toy_problem

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
LEARNING_RATE = 0.01
SLOW = ("python", "jax")  # timed `python_repeats` times: slow, steady
# XLA's CPU client on one thread; read when JAX starts its backend.
XLA_ONE_THREAD = ("--xla_cpu_multi_thread_eigen=false "
                  "intra_op_parallelism_threads=1")


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


def set_threads():
    """One thread for each framework; returns what each one got.

    Returns a dict with the thread counts and a threadpoolctl limiter
    (keep it alive while timing; call .restore_original_limits()).
    """
    import tensorflow as tf
    import torch
    from threadpoolctl import threadpool_limits

    torch_before = torch.get_num_threads()  # before threadpoolctl's too
    limiter = threadpool_limits(limits=1)
    torch.set_num_threads(1)
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        pass  # TensorFlow already started: report what it has
    tf_threads = tf.config.threading.get_intra_op_parallelism_threads()
    xla_before = os.environ.get("XLA_FLAGS")
    jax_threads = 0  # JAX already started: its default (all cores)
    if not jax_started():
        os.environ["XLA_FLAGS"] = " ".join(
            filter(None, [xla_before, XLA_ONE_THREAD]))
        jax_threads = 1
    return {
        "numpy": 1,
        "pytorch": torch.get_num_threads(),
        "tensorflow": tf_threads,  # 0 means TensorFlow's default (all)
        "jax": jax_threads,
        "_xla_before": xla_before,
        "_limiter": limiter,
        "_torch_before": torch_before,
    }


def jax_started():
    """Whether JAX's backend is up (then XLA_FLAGS is read already).

    Keras imports jax without starting it, so the import alone says
    nothing; JAX's own answer is private, and an older or newer JAX
    without it counts as started (the row then says 0 threads).
    """
    if "jax" not in sys.modules:
        return False
    try:
        from jax._src import xla_bridge

        return xla_bridge.backends_are_initialized()
    except (ImportError, AttributeError):
        return True


def trainers(params, batch_size):
    """For each implementation, a function train(X, y) that runs fit.

    Everything that is not training (building the model, converting
    the data) happens outside the function that is timed.
    """
    import keras
    import torch

    def python(X, y):
        model = nn_python.MLP(params_sizes(params))
        model.set_params(params)
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


def params_sizes(params):
    """[n_in, ..., k] read off a list of (W, b)."""
    return [params[0][0].shape[0]] + [W.shape[1] for W, _ in params]


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
    threads = set_threads()
    rows = []
    try:
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
    finally:
        threads["_limiter"].restore_original_limits()
        if threads["_xla_before"] is None:
            os.environ.pop("XLA_FLAGS", None)
        else:
            os.environ["XLA_FLAGS"] = threads["_xla_before"]
        import torch

        torch.set_num_threads(threads["_torch_before"])
    return rows


def cpu_model():
    """The processor's name: /proc/cpuinfo's "model name", if any.

    Falls back on platform.processor(), then platform.machine() (on
    Linux, platform.processor() is often empty or just the machine).
    """
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name" and value.strip():
                return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def environment():
    """Hardware and versions: cpu_count, cpu (model name), machine (the
    architecture), platform, the versions of Python, NumPy, PyTorch and
    TensorFlow, and the UTC date and time (ISO 8601)."""
    import tensorflow as tf
    import torch

    return {
        "cpu_count": os.cpu_count(),
        "cpu": cpu_model(),
        "machine": platform.machine(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pytorch": torch.__version__,
        "tensorflow": tf.__version__,
        "utc": datetime.datetime.now(datetime.timezone.utc)
        .isoformat(timespec="seconds"),
    }


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


def save_json(path, result):
    """Write the dict `result` to path as JSON, atomically: a temporary
    file beside path, then one rename, so a reader never sees half a
    file. Returns result."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    tmp.replace(path)
    return result


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
