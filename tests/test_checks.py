"""gradbook.checks: what each check accepts, and the exact message of
each refusal (what was expected, and what came)."""

import re

import numpy as np
import pytest

from gradbook.checks import (
    check_batch_size,
    check_dataset,
    check_grads,
    check_inputs,
    check_labels,
    check_params,
    check_sample,
    check_sizes,
    check_targets,
    shape_of,
    sizes_of,
    summary_table,
    target_vector,
)


def refuses(message, call, *args):
    """call(*args) raises ValueError with exactly this message."""
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        call(*args)


# ---- sizes, parameters, gradients ----
def test_sizes_are_at_least_two_positive_ints():
    assert check_sizes((4, np.int64(8), 3)) == [4, 8, 3]
    assert all(type(n) is int for n in check_sizes([4, np.int64(8), 3]))
    for bad in ([4], [4, 0, 3], [4, True, 3], [4, 2.5]):
        refuses(f"sizes must be at least two positive ints [n_in, ..., k]; "
                f"got {bad}", check_sizes, bad)


def test_params_are_copied_to_float64_with_b_as_a_row():
    W1, b1 = [[1, 2, 3], [4, 5, 6]], [0, 0, 1]
    W2, b2 = np.ones((3, 2), np.float32), np.zeros((1, 2))
    params = check_params([(W1, b1), (W2, b2)])
    assert [(W.shape, b.shape) for W, b in params] == [
        ((2, 3), (1, 3)), ((3, 2), (1, 2))]
    assert all(W.dtype == b.dtype == np.float64 for W, b in params)
    assert sizes_of(params) == [2, 3, 2]
    params[1][1][0, 0] = 7.0
    assert b2[0, 0] == 0.0  # a copy, not a view
    assert check_params([(W1, b1), (W2, b2)], [2, 3, 2])[0][0][1, 2] == 6


def test_params_refusals_name_the_layer_the_expected_and_the_actual():
    W, b = np.zeros((2, 3)), np.zeros(3)
    refuses("params must be a non-empty list of (W, b) pairs, one per "
            "layer; got an empty list", check_params, [])
    refuses("expected 2 (W, b) pairs, one per layer; got 1",
            check_params, [(W, b)], [2, 3, 1])
    refuses("layer 1: W must have shape (3, 2); got shape (2, 3)",
            check_params, [(W, b)], [3, 2])
    refuses("layer 1: W must have shape (n_in, n_out); got shape (3,)",
            check_params, [(np.zeros(3), b)])
    refuses("layer 2: W must have 3 rows (the previous layer's outputs); "
            "got shape (2, 4)", check_params,
            [(W, b), (np.zeros((2, 4)), np.zeros(4))])
    refuses("layer 1: b must have shape (3,) or (1, 3) to match W of "
            "shape (2, 3); got shape (2,)", check_params,
            [(W, np.zeros(2))])
    refuses("layer 1: b must have shape (3,) or (1, 3) to match W of "
            "shape (2, 3); got shape (3, 1)", check_params,
            [(W, np.zeros((3, 1)))], [2, 3])


def test_gradients_must_have_the_shapes_of_the_parameters():
    sizes = [2, 3, 1]
    good = [(np.zeros((2, 3)), np.zeros((1, 3))), ([[0.0]] * 3, [0.0])]
    check_grads(good, sizes)
    refuses("expected 2 (grad_W, grad_b) pairs, one per layer; got 1",
            check_grads, good[:1], sizes)
    refuses("layer 2: expected gradients of shapes (3, 1) and (1, 1); got "
            "(1, 3) and (1,)", check_grads,
            [good[0], ([[0.0] * 3], [0.0])], sizes)
    refuses("layer 1: expected gradients of shapes (2, 3) and (1, 3); got "
            "(2, 3) and (2,)", check_grads,
            [(good[0][0], [0.0, 0.0]), good[1]], sizes)


def test_batch_size_is_a_positive_int():
    assert check_batch_size(np.int64(16)) == 16
    for bad in (0, -1, 2.5, True, "8"):
        refuses(f"batch_size must be an int ≥ 1 (or None for the whole "
                f"set); got {bad!r}", check_batch_size, bad)


def test_summary_table_lines_and_total():
    table = summary_table([(4, 8, "relu", 40), (8, 3, "softmax", 27)])
    assert table.splitlines() == [
        "MLP 4 -> 8 -> 3",
        "layer  inputs  outputs  activation  parameters",
        "    1       4        8  relu                40",
        "    2       8        3  softmax             27",
        "total                                       67",
    ]


# ---- one sample as a list ----
def test_shape_of_lists_arrays_and_numbers():
    assert shape_of(3.0) == ()
    assert shape_of([1, 2, 3]) == (3,)
    assert shape_of([[1, 2, 3], [4, 5, 6]]) == (2, 3)
    assert shape_of([]) == (0,)
    assert shape_of(np.zeros((1, 4))) == (1, 4)


def test_one_sample_is_a_list_of_n_in_floats():
    assert check_sample((1, 2), 2) == [1.0, 2.0]
    assert check_sample(np.array([1, 2]), 2) == [1.0, 2.0]
    refuses("x must be one sample of shape (3,), a list of 3 numbers; got "
            "shape (2,)", check_sample, [1, 2], 3)
    refuses("x must be one sample of shape (2,), a list of 2 numbers; got "
            "shape (1, 2)", check_sample, [[1, 2]], 2)


def test_a_target_is_a_label_or_a_one_hot_row():
    assert target_vector(1, 3) == [0.0, 1.0, 0.0]
    assert target_vector(np.int64(2), 3) == [0.0, 0.0, 1.0]
    assert target_vector([0.25, 0.75], 2) == [0.25, 0.75]
    refuses("label 3 is out of range: labels must be in 0..2 for k = 3 "
            "classes", target_vector, 3, 3)
    refuses("label -1 is out of range: labels must be in 0..2 for k = 3 "
            "classes", target_vector, -1, 3)
    refuses("y must be a label in 0..2; got True", target_vector, True, 3)
    refuses("y must be a label in 0..2 or a one-hot row of shape (3,); got "
            "[1, 0] of shape (2,)", target_vector, [1, 0], 3)
    refuses("a one-hot row y must be non-negative and sum to 1; got "
            "[1.0, 1.0, 0.0] (sum 2.0)", target_vector, [1, 1, 0], 3)
    refuses("a one-hot row y must be non-negative and sum to 1; got "
            "[2.0, -1.0] (sum 1.0)", target_vector, [2, -1], 2)


def test_a_data_set_of_lists_has_one_target_per_sample():
    assert check_dataset([[0, 1], (2, 3)], [0, [0.25, 0.75]], 2, 2) == (
        [[0.0, 1.0], [2.0, 3.0]], [[1.0, 0.0], [0.25, 0.75]])
    refuses("empty batch: X has no samples (shape (0,))",
            check_dataset, [], [], 2, 2)
    refuses("X has 2 samples but Y has 1 targets: one target per sample",
            check_dataset, [[0.0, 1.0]] * 2, [0], 2, 2)
    refuses("x must be one sample of shape (2,), a list of 2 numbers; got "
            "shape (3,)", check_dataset, [[0.0, 1.0], [0, 0, 0]], [0, 1],
            2, 2)
    refuses("label 2 is out of range: labels must be in 0..1 for k = 2 "
            "classes", check_dataset, [[0.0, 1.0]] * 2, [0, 2], 2, 2)


# ---- row batches as arrays ----
def test_rows_and_inputs_are_non_empty_batches():
    X = check_inputs([[1, 2, 3]], 3, np.float32)
    assert X.shape == (1, 3) and X.dtype == np.float32
    refuses("X must be a batch of shape (m, 3), one sample per row; got "
            "shape (2, 4)", check_inputs, np.zeros((2, 4)), 3)
    refuses("X must be a batch of shape (m, 3), one sample per row; got "
            "shape (3,) (one sample: pass X.reshape(1, -1))",
            check_inputs, np.zeros(3), 3)
    refuses("empty batch: X has shape (0, 3); need at least one row",
            check_inputs, np.zeros((0, 3)), 3)


def test_labels_are_whole_numbers_in_range():
    y = check_labels([2.0, 0.0], 3)
    assert y.dtype == np.int64 and y.tolist() == [2, 0]
    assert check_labels([], 3).shape == (0,)
    refuses("labels y must have shape (m,), one integer per sample; got "
            "shape (1, 2)", check_labels, [[0, 1]], 3)
    refuses("labels y must be integers 0..2; got dtype float64",
            check_labels, [0.5], 3)
    refuses("label 5 is out of range: labels must be in 0..2 for k = 3 "
            "classes", check_labels, [0, 5], 3)
    refuses("k must be a positive number of classes; got 0",
            check_labels, [0], 0)


def test_targets_become_rows_of_the_batch_and_classes():
    Y = check_targets([2, 0], 2, 3, np.float32)
    assert Y.dtype == np.float32
    np.testing.assert_array_equal(Y, [[0, 0, 1], [1, 0, 0]])
    np.testing.assert_array_equal(
        check_targets([[0.5, 0.5]], 1, 2), [[0.5, 0.5]])
    refuses("expected 2 labels, one per row of X (shape (2,)); got shape "
            "(3,)", check_targets, [0, 1, 2], 2, 3)
    refuses("Y must be one-hot rows of shape (2, 3) or labels of shape "
            "(2,); got shape (2, 4)", check_targets, np.eye(4)[:2], 2, 3)
    refuses("each row of Y must be one-hot (non-negative, summing to 1); "
            "row 1 is [1.0, 1.0, 0.0] and sums to 2", check_targets,
            [[1, 0, 0], [1, 1, 0]], 2, 3)
