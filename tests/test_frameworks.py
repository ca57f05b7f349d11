"""gradbook.frameworks: PyTorch, TensorFlow and JAX against the formulas.

For random A (symmetric and not) and random x, the three frameworks and
the chapter's formulas must agree: ∇f = (A + Aᵀ)x, ∂f/∂A = xxᵀ and
∇²f = A + Aᵀ, to 1e-10 in float64. JAX needs jax_enable_x64 for that;
without it, its functions refuse float64 with a clear message.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gradbook  # noqa: F401  (sets TensorFlow's logging first)
import jax
from gradbook import frameworks as fw

# JAX keeps float32 unless asked: the tests compare in float64.
jax.config.update("jax_enable_x64", True)
from gradbook import quadform

TOL = 1e-10


@st.composite
def problems(draw):
    """(x, A) with n from 1 to 8; A symmetric in about half the cases."""
    n = draw(st.integers(min_value=1, max_value=8))
    seed = draw(st.integers(min_value=0, max_value=2**32 - 1))
    symmetric = draw(st.booleans())
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, n))
    if symmetric:
        A = A + A.T
    x = rng.normal(size=(n, 1))
    return x, A


def assert_close(actual, expected):
    np.testing.assert_allclose(actual, expected, rtol=TOL, atol=TOL)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(problems())
def test_gradients_agree_with_the_theorem(problem):
    x, A = problem
    by_torch = fw.torch_gradients(x, A)
    by_tf = fw.tf_gradients(x, A)
    by_jax = fw.jax_gradients(x, A)
    expected = (A + A.T) @ x
    assert by_torch.grad_x.shape == by_tf.grad_x.shape == x.shape
    assert by_jax.grad_x.shape == x.shape
    assert by_jax.grad_x.dtype == np.float64
    assert_close(by_torch.grad_x, expected)
    assert_close(by_tf.grad_x, expected)
    assert_close(by_jax.grad_x, expected)
    assert_close(by_torch.grad_x, by_tf.grad_x)
    assert_close(by_jax.grad_x, by_torch.grad_x)
    assert_close(by_jax.grad_x, by_tf.grad_x)
    assert_close(by_torch.grad_x, quadform.grad_f(x, A))
    assert_close(by_jax.grad_x, quadform.grad_f(x, A))
    for by in (by_torch, by_tf, by_jax):
        assert by.f == pytest.approx(quadform.f(x, A), rel=TOL, abs=TOL)


@settings(max_examples=25, deadline=None, derandomize=True)
@given(problems())
def test_gradient_wrt_A_is_outer_product(problem):
    x, A = problem
    assert_close(fw.torch_gradients(x, A).grad_A, x @ x.T)
    assert_close(fw.tf_gradients(x, A).grad_A, x @ x.T)
    by_jax = fw.jax_gradients(x, A).grad_A
    assert by_jax.shape == A.shape
    assert_close(by_jax, x @ x.T)
    assert_close(by_jax, fw.torch_gradients(x, A).grad_A)


@settings(max_examples=15, deadline=None, derandomize=True)
@given(problems())
def test_hessians_are_A_plus_A_transpose(problem):
    x, A = problem
    n = A.shape[0]
    for H in (fw.torch_hessian(x, A), fw.tf_hessian(x, A),
              fw.jax_hessian(x, A)):
        assert H.shape == (n, n)
        assert_close(H, A + A.T)
        assert_close(H, quadform.hessian_f(A))


def test_non_symmetric_A_two_Ax_is_wrong():
    # The frameworks find (A + Aᵀ)x, which differs from 2Ax here.
    A = np.array([[1.0, 2.0], [0.0, 3.0]])
    x = np.array([[1.0], [2.0]])
    for grad in (fw.torch_gradients(x, A), fw.tf_gradients(x, A),
                 fw.jax_gradients(x, A)):
        assert_close(grad.grad_x, (A + A.T) @ x)
        assert not np.allclose(grad.grad_x, 2 * A @ x)


def test_source_example():
    x = [[1.0], [2.0]]
    A = [[1.0, 2.0], [2.0, 3.0]]
    for grad in (fw.torch_gradients(x, A), fw.tf_gradients(x, A),
                 fw.jax_gradients(x, A)):
        assert grad.f == 21.0
        np.testing.assert_array_equal(grad.grad_x, [[10.0], [16.0]])


@settings(max_examples=15, deadline=None, derandomize=True)
@given(
    st.integers(min_value=1, max_value=8),
    st.integers(min_value=1, max_value=6),
    st.integers(min_value=0, max_value=2**32 - 1),
)
def test_batch_gradients_equal_per_point_ones(n, m, seed):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, n))
    X = rng.normal(size=(m, n))
    for batch, one in (
        (fw.torch_batch_gradients, fw.torch_gradients),
        (fw.tf_batch_gradients, fw.tf_gradients),
        (fw.jax_batch_gradients, fw.jax_gradients),
    ):
        result = batch(X, A)
        assert result.f.shape == (m,)
        assert result.grad_X.shape == (m, n)
        for i in range(m):
            single = one(X[i], A)
            assert_close(result.grad_X[i], single.grad_x.ravel())
            assert result.f[i] == pytest.approx(single.f, rel=TOL, abs=TOL)
        assert_close(result.grad_X, X @ (A + A.T).T)


@pytest.mark.parametrize(
    "function",
    [fw.torch_gradients, fw.tf_gradients, fw.jax_gradients,
     fw.torch_hessian, fw.tf_hessian, fw.jax_hessian],
)
def test_float32_is_honoured(function):
    rng = np.random.default_rng(0)
    A = rng.normal(size=(4, 4))
    x = rng.normal(size=(4, 1))
    result = function(x, A, dtype="float32")
    arrays = result[1:] if isinstance(result, fw.Gradients) else [result]
    for array in arrays:
        assert array.dtype == np.float32
    # float32 carries about 7 significant digits, not 16.
    expected = (A + A.T) @ x if arrays[0].shape == x.shape else A + A.T
    np.testing.assert_allclose(arrays[0], expected, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "batch",
    [fw.torch_batch_gradients, fw.tf_batch_gradients,
     fw.jax_batch_gradients],
)
def test_batch_float32(batch):
    X = np.ones((3, 2))
    A = np.eye(2)
    result = batch(X, A, dtype=np.float32)
    assert result.grad_X.dtype == np.float32
    np.testing.assert_array_equal(result.grad_X, 2 * X)


ALL_POINTWISE = [
    fw.torch_gradients,
    fw.tf_gradients,
    fw.torch_hessian,
    fw.tf_hessian,
    fw.jax_gradients,
    fw.jax_hessian,
]
ALL_BATCH = [
    fw.torch_batch_gradients,
    fw.tf_batch_gradients,
    fw.jax_batch_gradients,
]


@pytest.mark.parametrize("function", ALL_POINTWISE)
def test_row_vector_x_is_refused(function):
    with pytest.raises(
        ValueError, match=r"shape \(3, 1\).*got shape \(1, 3\).*pass x\.T"
    ):
        function(np.ones((1, 3)), np.eye(3))


@pytest.mark.parametrize("function", ALL_POINTWISE + ALL_BATCH)
def test_non_square_A_is_refused(function):
    with pytest.raises(
        ValueError, match=r"square matrix of shape \(n, n\); got shape \(2, 3"
    ):
        function(np.ones((2, 1)), np.ones((2, 3)))


@pytest.mark.parametrize("function", ALL_POINTWISE)
def test_wrong_length_x_is_refused(function):
    with pytest.raises(
        ValueError, match=r"shape \(2, 1\) to match A of shape \(2, 2\); "
        r"got shape \(3,\)"
    ):
        function(np.ones(3), np.eye(2))


@pytest.mark.parametrize("function", ALL_BATCH)
def test_batch_with_points_in_columns_is_refused(function):
    with pytest.raises(
        ValueError, match=r"shape \(m, 2\), one point per row.*"
        r"got shape \(2, 5\).*pass X\.T"
    ):
        function(np.ones((2, 5)), np.eye(2))


@pytest.mark.parametrize("function", ALL_BATCH)
def test_batch_must_be_a_matrix(function):
    with pytest.raises(ValueError, match=r"got shape \(2,\)"):
        function(np.ones(2), np.eye(2))
    with pytest.raises(ValueError, match=r"got shape \(0, 2\)"):
        function(np.ones((0, 2)), np.eye(2))


@pytest.mark.parametrize("function", ALL_POINTWISE + ALL_BATCH)
@pytest.mark.parametrize("dtype", ["int32", "float16", "complex128"])
def test_other_dtypes_are_refused(function, dtype):
    with pytest.raises(
        ValueError, match=f"dtype must be float32 or float64; got {dtype}"
    ):
        first = np.ones((3, 2)) if function in ALL_BATCH else np.ones((2, 1))
        function(first, np.eye(2), dtype=dtype)


def test_repeated_tf_hessians_do_not_make_tensorflow_warn():
    # jacobian's vectorised default traces a tf.function per call, and
    # TensorFlow logs a retracing WARNING (into a chapter's output) once
    # a program has called it five times; tf_hessian must not.
    import logging

    import tensorflow as tf

    records = []

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record.getMessage())

    handler = Keep(level=logging.WARNING)
    tf.get_logger().addHandler(handler)
    try:
        A = np.arange(9.0).reshape(3, 3)
        for k in range(8):
            fw.tf_hessian(np.full((3, 1), float(k)), A)
    finally:
        tf.get_logger().removeHandler(handler)
    assert records == []


@settings(max_examples=15, deadline=None, derandomize=True)
@given(
    st.integers(min_value=1, max_value=8),
    st.integers(min_value=1, max_value=6),
    st.integers(min_value=0, max_value=2**32 - 1),
)
def test_jax_vmap_equals_the_other_frameworks_batches(n, m, seed):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(n, n))  # not symmetric
    X = rng.normal(size=(m, n))
    by_jax = fw.jax_batch_gradients(X, A)
    for other in (fw.torch_batch_gradients(X, A),
                  fw.tf_batch_gradients(X, A)):
        assert_close(by_jax.grad_X, other.grad_X)
        assert_close(by_jax.f, other.f)
    assert_close(by_jax.f, [quadform.f(x, A) for x in X])


def test_jax_float32_against_float64():
    # float32 keeps about 7 digits: 1e-5 on data of order one (the rule
    # of the floating-point page), and the two types do differ.
    rng = np.random.default_rng(1)
    A = rng.normal(size=(50, 50))
    x = rng.normal(size=(50, 1))
    single = fw.jax_gradients(x, A, dtype="float32")
    double = fw.jax_gradients(x, A, dtype="float64")
    assert single.grad_x.dtype == np.float32
    assert double.grad_x.dtype == np.float64
    np.testing.assert_allclose(single.grad_x, double.grad_x,
                               rtol=1e-5, atol=1e-5)
    assert not np.array_equal(single.grad_x, double.grad_x)
    assert_close(double.grad_x, quadform.grad_f(x, A))


@pytest.fixture
def x64_off():
    """jax_enable_x64 switched off for one test, then restored."""
    jax.config.update("jax_enable_x64", False)
    try:
        yield
    finally:
        jax.config.update("jax_enable_x64", True)


@pytest.mark.parametrize(
    "function",
    [fw.jax_gradients, fw.jax_hessian, fw.jax_batch_gradients],
)
def test_jax_float64_without_x64_is_refused(function, x64_off):
    first = np.ones((3, 2)) if function in ALL_BATCH else np.ones((2, 1))
    with pytest.raises(
        ValueError,
        match=r"dtype float64 was asked for, but JAX computes in float32: "
        r"jax_enable_x64 is off\. Call "
        r'jax\.config\.update\("jax_enable_x64", True\)',
    ):
        function(first, np.eye(2))
    # float32 needs no switch.
    result = function(first, np.eye(2), dtype="float32")
    array = result if isinstance(result, np.ndarray) else result[1]
    assert array.dtype == np.float32
