"""The timing harness the benchmarks share: one thread, best of a few.

Each `bench*` module of gradbook times functions of no argument with
`best_time` (or, for the networks, `bench.time_one`), the best of a few
runs after a warm-up: a loaded machine only ever adds time, so the
fastest run is the one least disturbed. It times them inside
`one_thread`, which gives every framework ONE thread: NumPy's BLAS
through threadpoolctl, PyTorch through torch.set_num_threads(1),
TensorFlow through its intra- and inter-op thread settings, JAX
through XLA_FLAGS (those two only before the framework starts: the
counts it yields say what each got). It saves what it measured, with
`environment`'s description of the machine and the versions, by
`save_json`, the one atomic write of gradbook: the saved runs in
gradbook/runs/ are what the pages plot.
"""

import contextlib
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

# XLA's CPU client on one thread; read when JAX starts its backend.
XLA_ONE_THREAD = ("--xla_cpu_multi_thread_eigen=false "
                  "intra_op_parallelism_threads=1")


def best_time(call, repeats, warm_up=True):
    """The best of `repeats` timed runs of call(), after one warm-up."""
    if warm_up:
        call()
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        best = min(best, time.perf_counter() - start)
    return best


@contextlib.contextmanager
def one_thread():
    """One thread for each framework while the `with` block runs.

    Yields what each one got: {"numpy": 1, "pytorch": n, "tensorflow":
    n, "jax": n}, where 0 means the framework had started before and
    kept its default (all cores). Leaving the block restores PyTorch's
    threads, the BLAS limits and XLA_FLAGS.
    """
    import tensorflow as tf
    import torch
    from threadpoolctl import threadpool_limits

    torch_before = torch.get_num_threads()  # before threadpoolctl's too
    xla_before = os.environ.get("XLA_FLAGS")
    limiter = threadpool_limits(limits=1)
    try:
        torch.set_num_threads(1)
        try:
            tf.config.threading.set_intra_op_parallelism_threads(1)
            tf.config.threading.set_inter_op_parallelism_threads(1)
        except RuntimeError:
            pass  # TensorFlow already started: report what it has
        jax_threads = 0  # JAX already started: its default (all cores)
        if not jax_started():
            os.environ["XLA_FLAGS"] = " ".join(
                filter(None, [xla_before, XLA_ONE_THREAD]))
            jax_threads = 1
        yield {
            "numpy": 1,
            "pytorch": torch.get_num_threads(),
            "tensorflow":
                tf.config.threading.get_intra_op_parallelism_threads(),
            "jax": jax_threads,
        }
    finally:
        limiter.restore_original_limits()
        torch.set_num_threads(torch_before)
        if xla_before is None:
            os.environ.pop("XLA_FLAGS", None)
        else:
            os.environ["XLA_FLAGS"] = xla_before


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


def xla_threads():
    """1 if XLA's CPU back end was started with one thread, else 0.

    0 means XLA's default (all cores), as TensorFlow's 0 does.
    """
    return 1 if XLA_ONE_THREAD in os.environ.get("XLA_FLAGS", "") else 0


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


def save_json(path, result):
    """Write the dict `result` to path as JSON, atomically: a temporary
    file beside path, then one rename, so a reader never sees half a
    file. Returns result."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(result, indent=2) + "\n")
    tmp.replace(path)
    return result
