"""The benchmark runs every implementation at both sizes (few steps)."""

import datetime
import json
import os
import platform

import numpy as np
import pytest
import torch

import gradbook  # noqa: F401  (quiet TensorFlow before Keras loads it)
from gradbook import bench


def test_run_times_all_seven_at_both_sizes(tmp_path, capsys):
    import jax
    import keras  # after gradbook, which quiets TensorFlow's start
    import tensorflow as tf

    path = tmp_path / "bench.json"
    threads_before = torch.get_num_threads()
    rows = bench.main(["--steps", "3", "--repeats", "1", "--json",
                       str(path)])
    assert torch.get_num_threads() == threads_before  # restored
    assert [(r["size"], r["implementation"]) for r in rows] == [
        (size, name) for size in ("toy", "digits")
        for name in bench.IMPLEMENTATIONS
    ]
    for row in rows:
        assert row["steps"] == 3
        assert row["samples_per_second"] > 0
        assert row["samples_per_second"] == pytest.approx(
            3 * row["batch_size"] / row["seconds"]
        )
        assert row["ratio_to_pytorch"] > 0
    assert {r["batch_size"] for r in rows if r["size"] == "digits"} == {32}
    n = len(bench.IMPLEMENTATIONS)
    assert [r["layers"] for r in rows][::n] == [[4, 8, 8, 3], [64, 128, 10]]
    assert all(r["ratio_to_pytorch"] == 1.0 for r in rows
               if r["implementation"] == "pytorch")
    saved = json.loads(path.read_text())
    assert sorted(saved) == ["machine", "rows"]
    assert saved["rows"] == rows
    assert not path.with_name(path.name + ".tmp").exists()
    machine = saved["machine"]
    assert machine["cpu_count"] == os.cpu_count()
    assert machine["machine"] == platform.machine()
    assert isinstance(machine["cpu"], str) and machine["cpu"]
    assert machine["python"] == platform.python_version()
    assert machine["numpy"] == np.__version__
    assert machine["pytorch"] == torch.__version__
    assert machine["tensorflow"] == tf.__version__
    assert machine["keras"] == keras.__version__
    assert machine["jax"] == jax.__version__
    assert machine["threads"] == {r["name"]: r["threads"] for r in rows}
    assert set(machine["threads"]) == set(bench.NAMES.values())
    assert machine["steps"] == {"toy": 3, "digits": 3}
    when = datetime.datetime.fromisoformat(machine["utc"])
    assert when.utcoffset() == datetime.timedelta(0)
    now = datetime.datetime.now(datetime.timezone.utc)
    assert datetime.timedelta(0) <= now - when < datetime.timedelta(
        minutes=10)
    printed = capsys.readouterr().out
    for name in ("pure Python", "NumPy", "our engine", "PyTorch", "Keras",
                 "JAX", "JAX (jit)", "threads:"):
        assert name in printed


def test_run_refuses_unknown_names():
    with pytest.raises(ValueError, match="implementations must be"):
        bench.run(steps=1, implementations=("flax",))
    with pytest.raises(ValueError, match="steps must be"):
        bench.run(steps=0)


def test_saved_run_has_the_jax_rows_beside_the_others():
    """The file the pages read: JAX eager and jit, one thread, float32,
    timed in the same run as PyTorch (so the ratio is to that row)."""
    from gradbook.data import saved_run

    saved = saved_run("bench")
    rows = {(r["size"], r["implementation"]): r for r in saved["rows"]}
    assert set(rows) == {(size, name) for size in bench.SIZES
                         for name in bench.IMPLEMENTATIONS}
    assert saved["machine"]["jax"]
    for size in bench.SIZES:
        torch_rate = rows[size, "pytorch"]["samples_per_second"]
        for name, label in (("jax", "JAX"), ("jax_jit", "JAX (jit)")):
            row = rows[size, name]
            assert (row["name"], row["dtype"]) == (label, "float32")
            assert row["threads"] == 1
            assert row["steps"] == rows[size, "pytorch"]["steps"]
            assert row["ratio_to_pytorch"] == pytest.approx(
                row["samples_per_second"] / torch_rate)
        # what the pages say: compiled, JAX is faster than eager JAX
        assert (rows[size, "jax_jit"]["samples_per_second"]
                > rows[size, "jax"]["samples_per_second"])


def test_the_cheap_gradient_run_checks_its_gradients_and_saves_ratios():
    from pathlib import Path

    from gradbook import bench_cheap

    rows = bench_cheap.run(sizes=(1000, 4000), repeats=1)
    assert {(r["implementation"], r["n"]) for r in rows} == {
        (name, n) for name in ("pytorch", "engine") for n in (1000, 4000)}
    for row in rows:
        assert row["ratio"] == pytest.approx(
            row["gradient_seconds"] / row["value_seconds"])
    saved = json.loads((Path(bench_cheap.__file__).parent / "runs"
                        / "cheap.json").read_text())
    assert {r["n"] for r in saved["rows"]} == set(bench_cheap.SIZES)
