"""What does a gradient cost: n JVPs (forward mode) or one VJP (reverse)?

The scalar function is the book's loss on n scores z, the cross-entropy
of softmax for class 0, f(z) = −log softmax(z)₀ = log Σⱼ exp(zⱼ) − z₀
(`jacobians.cross_entropy(0)`): one evaluation costs O(n). For each n
(1, 2, 4, …, 4096 by default) and each framework (PyTorch, TensorFlow,
JAX eagerly and under jax.jit) it times, in float64, one thread each
(`gradbook.timing.one_thread`), the calls of `gradbook.bench_modes_calls`:

- one evaluation of f;
- the gradient by forward mode: n JVPs, one per direction e₁, …, eₙ;
- the gradient by reverse mode: one VJP with u = 1.

The two gradients are compared, so each row also says how far apart
they came out.

It also times the three orders of a Hessian-vector product in JAX
(`jacobians_frameworks.HVP_ORDERS`: forward over reverse, reverse over
reverse, reverse over forward) on the same f, eagerly and under
jax.jit, and checks each against the formula s ⊙ v − s (sᵀv),
s = softmax(z).

Run it with `python -m gradbook.bench_modes` (options: --help); it
writes gradbook/runs/modes.json unless told otherwise. Timings vary from
run to run and machine to machine: the page plots the saved file and
never times anything itself. The file holds {"machine": ..., "rows":
[...], "hvp": [...]}: the machine is `gradbook.timing.environment`'s
description with the settings of the run.
"""

import argparse
import os
from pathlib import Path

import numpy as np

from gradbook.bench_modes_calls import jax_calls, tf_calls, torch_calls
from gradbook.timing import (XLA_ONE_THREAD, best_time, environment,
                             one_thread, save_json, xla_threads)

N_VALUES = tuple(2**k for k in range(13))  # 1 … 4096
FRAMEWORKS = ("pytorch", "tensorflow", "jax", "jax-jit")
NAMES = {"pytorch": "PyTorch", "tensorflow": "TensorFlow", "jax": "JAX",
         "jax-jit": "JAX (jit)"}
HVP_N_VALUES = (16, 65536, 2097152)
# Eager JAX dispatches each operation of each JVP on its own, some
# milliseconds per JVP: its n JVPs stop at n = 512, or the run would
# take minutes (4096 JVPs, three times, at n = 4096 alone).
MAX_N = {"jax": 512}
DEFAULT_JSON = Path(__file__).resolve().parent / "runs" / "modes.json"


def hvp_run(n_values=HVP_N_VALUES, repeats=20, seed=1):
    """Time the three HVP orders of JAX at each n, eager and jit.

    f is the loss above; its Hessian-vector product is
    s ⊙ v − s (sᵀv) with s = softmax(z) (the JVP of its gradient
    softmax(z) − e₀). Each row: order, jit (bool), n, seconds (best of
    `repeats`, after one warm-up call that also compiles), gap (max
    |Hv − formula|), over_gradient (seconds over those of one
    gradient by jax.grad, timed alike).
    Defined in: Hessian-vector products, §Three orders in JAX.
    """
    import jax
    import jax.numpy as jnp

    from gradbook.jacobians_frameworks import HVP_ORDERS, check_jax_float64

    check_jax_float64("bench_modes.hvp_run")
    if not n_values or min(n_values) < 1:
        raise ValueError(f"n_values must be sizes ≥ 1; got {n_values}")

    def f(z):
        return jax.nn.logsumexp(z[:, 0]) - z[0, 0]

    rng = np.random.default_rng(seed)
    rows = []
    for n in n_values:
        z = jnp.asarray(rng.standard_normal((n, 1)))
        v = jnp.asarray(rng.standard_normal((n, 1)))
        s = jax.nn.softmax(z, axis=0)
        formula = np.asarray(s * v - s * (s.T @ v))
        for jit in (False, True):
            wrap = jax.jit if jit else (lambda fn: fn)
            grad = wrap(jax.grad(f))
            seconds_grad = best_time(
                lambda: grad(z).block_until_ready(), repeats)
            for order, hvp in HVP_ORDERS.items():
                call = wrap(lambda z, v, hvp=hvp: hvp(f, z, v))
                gap = np.abs(np.asarray(call(z, v)) - formula).max()
                seconds = best_time(
                    lambda: call(z, v).block_until_ready(), repeats)
                rows.append({"order": order, "jit": jit, "n": n,
                             "seconds": seconds, "gap": float(gap),
                             "over_gradient": seconds / seconds_grad})
    return rows


def run(n_values=N_VALUES, frameworks=FRAMEWORKS, repeats=20,
        jvp_repeats=2, seed=0):
    """Time f, n JVPs and one VJP at each n; a list of dict rows.

    Eager JAX ("jax") runs only up to n = MAX_N["jax"].
    Each row: framework, name, n, jvps (= n) and vjps (= 1), the passes
    each mode made; seconds_f, seconds_jvps, seconds_vjp (best of
    `repeats`); jvps_over_vjp and vjp_over_f, ratios of those times;
    gradient_gap, max |gradient by JVPs − gradient by the VJP|.
    Defined in: What a Jacobian costs, §The cost, measured.
    """
    unknown = set(frameworks) - set(FRAMEWORKS)
    if unknown or not frameworks:
        raise ValueError(
            f"frameworks must be some of {FRAMEWORKS}; got "
            f"{tuple(frameworks)}"
        )
    if not n_values or min(n_values) < 1:
        raise ValueError(f"n_values must be sizes ≥ 1; got {n_values}")
    makers = {"pytorch": torch_calls, "tensorflow": tf_calls,
              "jax": jax_calls,
              "jax-jit": lambda z: jax_calls(z, jit=True)}
    if {"jax", "jax-jit"} & set(frameworks):
        from gradbook.jacobians_frameworks import check_jax_float64

        check_jax_float64("bench_modes.run")
    rng = np.random.default_rng(seed)
    rows = []
    with one_thread() as threads:
        for n in n_values:
            z = rng.standard_normal((n, 1))
            for name in frameworks:
                if n > MAX_N.get(name, n):
                    continue
                f, n_jvps, one_vjp = makers[name](z)
                # The comparison is also the warm-up of the n JVPs.
                gap = np.abs(n_jvps() - one_vjp()).max()
                seconds_f = best_time(f, repeats)
                seconds_jvps = best_time(n_jvps, jvp_repeats, False)
                seconds_vjp = best_time(one_vjp, repeats)
                rows.append({
                    "framework": name,
                    "name": NAMES[name],
                    "n": n,
                    "jvps": n,
                    "vjps": 1,
                    "seconds_f": seconds_f,
                    "seconds_jvps": seconds_jvps,
                    "seconds_vjp": seconds_vjp,
                    "jvps_over_vjp": seconds_jvps / seconds_vjp,
                    "vjp_over_f": seconds_vjp / seconds_f,
                    "gradient_gap": float(gap),
                    "threads": threads.get(name, xla_threads()),
                })
    return rows


def machine(rows, repeats, jvp_repeats):
    """Hardware, versions and run settings: environment(), the version
    of JAX, the threads of each framework (read off the rows), dtype,
    repeats, jvp_repeats and the function timed."""
    import jax

    return {**environment(), "jax": jax.__version__,
            "threads": {row["name"]: row["threads"] for row in rows},
            "dtype": "float64",
            "repeats": repeats,
            "jvp_repeats": jvp_repeats,
            "function": "f(z) = log sum_j exp(z_j) - z_0"}


def write_json(path, rows, repeats, jvp_repeats, hvp_rows=()):
    """Write {"machine", "rows", "hvp"} to path, atomically."""
    return save_json(path, {"machine": machine(rows, repeats, jvp_repeats),
                            "rows": rows, "hvp": list(hvp_rows)})


def report(rows):
    """The rows as a table of text."""
    lines = [f"{'framework':<11} {'n':>5} {'f':>9} {'n JVPs':>9} "
             f"{'one VJP':>9} {'JVPs/VJP':>9} {'VJP/f':>6} {'gap':>8}"]
    for row in rows:
        lines.append(
            f"{row['name']:<11} {row['n']:>5} {row['seconds_f']:>9.2e} "
            f"{row['seconds_jvps']:>9.2e} {row['seconds_vjp']:>9.2e} "
            f"{row['jvps_over_vjp']:>9.3g} {row['vjp_over_f']:>6.3g} "
            f"{row['gradient_gap']:>8.1e}"
        )
    return "\n".join(lines)


def plot_modes(sizes, counts, rows):
    """Two stacked log-log panels: passes counted, and the saved times.

    sizes: the n of the run, ascending; counts: {"forward": [n JVPs at
    each size], "reverse": [1 at each size]}; rows: the rows of
    `run` (or of modes.json). Top: the passes for one gradient; bottom:
    the seconds of n JVPs (solid) and of one VJP (dashed), per
    framework. Returns the matplotlib Figure (4.8 × 7.2 inches: it
    fits a phone).
    Defined in: What a Jacobian costs, §The cost, measured.
    """
    import matplotlib.pyplot as plt

    fig, (ax_passes, ax_time) = plt.subplots(
        2, 1, figsize=(4.8, 7.2), layout="constrained")
    ax_passes.loglog(sizes, counts["forward"], "o-", ms=4,
                     label="forward: n JVPs")
    ax_passes.loglog(sizes, counts["reverse"], "s-", ms=4,
                     label="reverse: 1 VJP")
    ax_passes.set_title("passes (counted)")
    ax_passes.set_ylabel("passes for the gradient")
    styles = {"pytorch": ("tab:blue", "o"),
              "tensorflow": ("tab:orange", "s"),
              "jax": ("tab:green", "^"),
              "jax-jit": ("tab:red", "D")}
    for framework, (color, marker) in styles.items():
        these = [row for row in rows if row["framework"] == framework]
        if not these:
            continue
        name = these[0]["name"]
        n_of = [row["n"] for row in these]
        ax_time.loglog(n_of, [row["seconds_jvps"] for row in these],
                       marker + "-", color=color, ms=4,
                       label=f"{name}: n JVPs")
        ax_time.loglog(n_of, [row["seconds_vjp"] for row in these],
                       marker + "--", color=color, ms=4,
                       label=f"{name}: 1 VJP")
    ax_time.set_title("time (saved run)")
    ax_time.set_ylabel("seconds for the gradient")
    for ax in (ax_passes, ax_time):
        ax.set_xlabel("n, the number of inputs")
        ax.legend(fontsize=8)
    return fig


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m gradbook.bench_modes",
        description="Time the gradient of a scalar function of n inputs "
        "by n JVPs (forward mode) and by one VJP (reverse mode), in "
        "PyTorch, TensorFlow and JAX (eager and jit), time JAX's three "
        "Hessian-vector products, and save the times as JSON.",
    )
    parser.add_argument(
        "--max-n", type=int, default=N_VALUES[-1],
        help="largest n; n runs over the powers of 2 up to it "
        f"(default {N_VALUES[-1]})",
    )
    parser.add_argument(
        "--repeats", type=int, default=20,
        help="timed runs of f, of the VJP and of each HVP, best kept "
        "(default 20: a loaded machine spoils a few)",
    )
    parser.add_argument(
        "--jvp-repeats", type=int, default=2,
        help="timed runs of the n JVPs, best kept (default 2)",
    )
    parser.add_argument(
        "--json", metavar="PATH", default=str(DEFAULT_JSON),
        help="where to write the machine and the rows (default: "
        "gradbook/runs/modes.json); '-' writes nothing",
    )
    args = parser.parse_args(argv)
    os.environ.setdefault("XLA_FLAGS", XLA_ONE_THREAD)  # before jax starts
    import jax

    jax.config.update("jax_enable_x64", True)  # the run is in float64
    if min(args.max_n, args.repeats, args.jvp_repeats) < 1:
        parser.error("--max-n, --repeats and --jvp-repeats must be ≥ 1")
    n_values = [n for n in N_VALUES if n <= args.max_n]
    n = N_VALUES[-1]
    while n * 2 <= args.max_n:
        n *= 2
        n_values.append(n)
    rows = run(n_values=n_values, repeats=args.repeats,
               jvp_repeats=args.jvp_repeats)
    print(report(rows))
    hvp_rows = hvp_run(repeats=args.repeats)
    for row in hvp_rows:
        print(f"HVP {row['order']:<21} jit={row['jit']!s:<5} "
              f"n={row['n']:>6} {row['seconds']:.2e} s, "
              f"{row['over_gradient']:.2f} gradients, "
              f"gap {row['gap']:.1e}")
    if args.json != "-":
        write_json(args.json, rows, args.repeats, args.jvp_repeats,
                   hvp_rows)
    return rows


if __name__ == "__main__":
    main()
