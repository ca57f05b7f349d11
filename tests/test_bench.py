"""The benchmark runs every implementation at both sizes (few steps)."""

import json

import pytest
import torch

import gradbook  # noqa: F401  (quiet TensorFlow before Keras loads it)
from gradbook import bench


def test_run_times_all_four_at_both_sizes(tmp_path, capsys):
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
    assert [r["layers"] for r in rows][::4] == [[4, 8, 8, 3], [64, 128, 10]]
    assert all(r["ratio_to_pytorch"] == 1.0 for r in rows
               if r["implementation"] == "pytorch")
    assert json.loads(path.read_text()) == rows
    printed = capsys.readouterr().out
    for name in ("pure Python", "NumPy", "PyTorch", "Keras", "threads:"):
        assert name in printed


def test_run_refuses_unknown_names():
    with pytest.raises(ValueError, match="implementations must be"):
        bench.run(steps=1, implementations=("jax",))
    with pytest.raises(ValueError, match="steps must be"):
        bench.run(steps=0)
