"""gradbook.quadform (and the pictures in gradbook.plots) against the
mathematics of "The gradient of a quadratic form".

Property-based over n = 1..10 and five kinds of A: symmetric,
non-symmetric, zero, diagonal, badly scaled (entries from 1e-3 to 1e3
in size). Every tolerance is a rounding bound derived below, not a
guess: with exact arithmetic each compared pair would be equal.

Rounding model. u = ε/2 is the unit roundoff of float64 and
γ_m = m·u / (1 − m·u). An inner product of length m, summed in any
order (with or without fused multiply-adds), is off by at most
γ_m · |a|ᵀ|b| (Higham, Accuracy and Stability of Numerical
Algorithms, §3.1). Hence:

- f(y) = (yᵀA)y is two such products in a row, so the computed value
  is off by at most γ_{2n} · |y|ᵀ|A||y|   (γ_n + γ_n + γ_n² ≤ γ_{2n});
- grad_f = fl(A + Aᵀ) @ x is off by at most γ_{n+1} · (|A| + |Aᵀ|)|x|.
"""

import inspect
import math
import re
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from matplotlib.figure import Figure

import gradbook.plots
import gradbook.quadform
from gradbook.plots import check_plane, gradient_arrows, level_sets
from gradbook.quadform import (
    SYMMETRY_RTOL,
    check_column,
    check_square,
    f,
    finite_difference_gradient,
    grad_f,
    grad_f_symmetric,
    hessian_f,
    symmetric_part,
)

u = np.finfo(float).eps / 2  # unit roundoff


def gamma(m):
    """Higham's γ_m = m·u / (1 − m·u): the rounding of m operations."""
    return m * u / (1 - m * u)


# --- strategies --------------------------------------------------------

KINDS = ["symmetric", "non-symmetric", "zero", "diagonal", "badly scaled"]

# Entries are 0 or at least 1e-3 in size, so that no product underflows:
# the rounding model above (relative errors only) assumes no underflow.
moderate = st.floats(-10, 10).map(lambda v: 0.0 if abs(v) < 1e-3 else v)
# Sizes spanning six orders of magnitude, either sign.
badly_scaled = st.tuples(st.sampled_from([-1.0, 1.0]),
                         st.floats(-3, 3)).map(lambda t: t[0] * 10 ** t[1])


@st.composite
def problems(draw, kinds=tuple(KINDS)):
    """(A, x, kind): A of shape (n, n), x of shape (n, 1), n in 1..10."""
    n = draw(st.integers(1, 10))
    kind = draw(st.sampled_from(kinds))
    if kind == "zero":
        A = np.zeros((n, n))
    elif kind == "diagonal":
        A = np.diag(draw(arrays(float, n, elements=moderate)))
    elif kind == "badly scaled":
        A = draw(arrays(float, (n, n), elements=badly_scaled))
    else:
        A = draw(arrays(float, (n, n), elements=moderate))
        if kind == "symmetric":
            A = (A + A.T) / 2  # exactly symmetric: a + b == b + a
    x = draw(arrays(float, (n, 1), elements=moderate))
    return A, x, kind


steps = st.floats(-6, 0).map(lambda k: 10.0**k)  # h from 1e-6 to 1


# --- tolerances ----------------------------------------------------------


def central_difference_bound(A, x, h):
    """Largest possible |fd_k − ĝ_k| for f(x) = xᵀAx; shape (n, 1).

    Derivation. Exactly, f(x + s e_k) = f(x) + s·g_k + s²·A_kk with
    g = (A + Aᵀ)x (the expansion in the chapter's second proof). So
    (f(x + h e_k) − f(x − h e_k)) / 2h = g_k exactly: central
    differences on a quadratic have NO truncation error, no h² term.
    Everything that remains is rounding:

    1. The points. x_k ± h is stored as (x_k ± h)(1 + δ), |δ| ≤ u, so
       the steps are s± = ±h + τ± with |τ±| ≤ τ := u(|x_k| + h). In
       exact arithmetic the quotient becomes
       g_k + (τ₊ − τ₋)·g_k/2h + (1 + (τ₊ − τ₋)/2h)(τ₊ + τ₋)·A_kk,
       off by at most τ|g_k|/h + 2τ|A_kk|(1 + τ/h).
    2. The values. Each f(y±) is off by at most γ_{2n}·F_k, with
       F_k = (|x| + h e_k)ᵀ|A|(|x| + h e_k) ≥ |y±|ᵀ|A||y±| (up to a
       factor (1 + u)²); the difference is off by 2γ_{2n}·F_k, and the
       division by 2h makes that γ_{2n}·F_k / h: the O(ε/h) term.
    3. The subtraction and the division round once each: 2u|g_k|,
       to first order.
    4. The analytic side, grad_f, is off by γ_{n+1}·((|A| + |Aᵀ|)|x|)_k.

    |g_k| ≤ G_k := ((|A| + |Aᵀ|)|x|)_k. The bound is the sum of 1–4,
    doubled to cover the second-order terms (products of u's) dropped
    above and the rounding in computing the bound itself.
    """
    n = A.shape[0]
    absA, absx = np.abs(A), np.abs(x)
    G = (absA + absA.T) @ absx
    bound = np.zeros((n, 1))
    for k in range(n):
        y = absx.copy()
        y[k, 0] += h
        F_k = (y.T @ absA @ y).item()
        tau = u * (absx[k, 0] + h)
        bound[k, 0] = (
            tau * G[k, 0] / h
            + 2 * tau * abs(A[k, k]) * (1 + tau / h)
            + gamma(2 * n) * F_k / h
            + 2 * u * G[k, 0]
            + gamma(n + 1) * G[k, 0]
        )
    return 2 * bound


def hessian_difference_bound(A, x, h):
    """Largest possible |column l of the differenced gradient − H|.

    Column l of the Hessian estimated as central differences of
    x ↦ (grad_f(x, A))_l, a linear function with exact slope H_lk,
    H = A + Aᵀ. As for f: no truncation error; the perturbed step
    costs u(|x_k| + h)|H_lk|/h; each gradient entry is off by
    γ_{n+1}·((|A| + |Aᵀ|)(|x| + h e_k))_l, twice, divided by 2h; the
    subtraction and division 2u|H_lk|. Doubled for second-order terms.
    Returns an (n, n) array: entry (k, l) bounds |estimate_kl − H_kl|.
    """
    n = A.shape[0]
    absA, absx = np.abs(A), np.abs(x)
    S = absA + absA.T
    H = np.abs(A + A.T)
    bound = np.zeros((n, n))
    for k in range(n):
        y = absx.copy()
        y[k, 0] += h
        values = gamma(n + 1) * (S @ y)[:, 0]  # one per l
        tau = u * (absx[k, 0] + h)
        bound[k, :] = values / h + tau * H[:, k] / h + 2 * u * H[:, k]
    return 2 * bound


def product_bound(A, x):
    """γ_{n+1}·(|A| + |Aᵀ|)|x|: how far grad_f may be from (A + Aᵀ)x."""
    absA = np.abs(A)
    return gamma(A.shape[0] + 1) * ((absA + absA.T) @ np.abs(x))


# --- the theorem, the corollary, the remark, the Hessian ------------------


@settings(max_examples=300, deadline=None, derandomize=True)
@given(problem=problems(), h=steps)
def test_gradient_matches_central_differences(problem, h):
    A, x, kind = problem
    estimate = finite_difference_gradient(lambda y: f(y, A), x, h)
    gap = np.abs(estimate - grad_f(x, A))
    assert np.all(gap <= central_difference_bound(A, x, h)), (kind, h)


def test_the_bound_rejects_2Ax_for_a_non_symmetric_A():
    """The tolerance has teeth: the wrong formula fails it."""
    rng = np.random.default_rng(0)
    for n in range(2, 11):
        A = rng.standard_normal((n, n))
        x = rng.standard_normal((n, 1))
        h = 1e-4
        estimate = finite_difference_gradient(lambda y: f(y, A), x, h)
        bound = central_difference_bound(A, x, h)
        assert np.all(np.abs(estimate - grad_f(x, A)) <= bound)
        assert np.any(np.abs(estimate - 2 * A @ x) > 1e6 * bound)
        # and the bound is a small fraction of the gradient it checks
        assert bound.max() < 1e-8 * np.abs(grad_f(x, A)).max()


@settings(max_examples=150, deadline=None, derandomize=True)
@given(problem=problems(kinds=("symmetric", "zero", "diagonal")))
def test_2Ax_equals_general_formula_for_symmetric_A(problem):
    A, x, kind = problem
    # Both are within product_bound of the exact (A + Aᵀ)x = 2Ax.
    gap = np.abs(grad_f_symmetric(x, A) - grad_f(x, A))
    assert np.all(gap <= 2 * product_bound(A, x)), kind


@settings(max_examples=150, deadline=None, derandomize=True)
@given(problem=problems())
def test_hessian_is_A_plus_AT_and_symmetric(problem):
    A, x, kind = problem
    H = hessian_f(A)
    assert H.shape == A.shape
    # Entry by entry a_kl + a_lk: one rounding, the same as A + Aᵀ's,
    # and commutative, so H equals its transpose bit for bit.
    assert np.array_equal(H, A + A.T)
    assert np.array_equal(H, H.T)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(problem=problems(), h=steps)
def test_hessian_matches_differences_of_the_gradient(problem, h):
    A, x, kind = problem
    n = A.shape[0]
    columns = [
        finite_difference_gradient(lambda y: grad_f(y, A)[l, 0], x, h)
        for l in range(n)
    ]
    estimate = np.hstack(columns)  # entry (k, l): ∂/∂x_k of ∂f/∂x_l
    gap = np.abs(estimate - hessian_f(A))
    assert np.all(gap <= hessian_difference_bound(A, x, h)), (kind, h)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(problem=problems())
def test_only_the_symmetric_part_matters(problem):
    A, x, kind = problem
    S = symmetric_part(A)
    assert np.array_equal(S, S.T)
    # f(x; A) and f(x; S) are both within γ_{2n}·|x|ᵀ|A||x| of the
    # same exact number (|S| ≤ (|A| + |Aᵀ|)/2, and S's own rounding
    # adds a u, hence γ_{2n+1}).
    n = A.shape[0]
    size = (np.abs(x).T @ np.abs(A) @ np.abs(x)).item()
    assert abs(f(x, A) - f(x, S)) <= 2 * gamma(2 * n + 1) * size
    # The general formula is the symmetric one applied to S: 2S is
    # fl(A + Aᵀ) exactly (halving and doubling are exact), so each side
    # is within product_bound of the exact (A + Aᵀ)x.
    gap = np.abs(grad_f(x, A) - grad_f_symmetric(x, S))
    assert np.all(gap <= 2 * product_bound(A, x))


def test_the_books_2x2_example():
    A = np.array([[1.0, 2.0], [2.0, 3.0]])
    x = np.array([[1.0], [2.0]])
    assert f(x, A) == 21.0
    assert np.array_equal(grad_f(x, A), [[10.0], [16.0]])
    assert np.array_equal(grad_f_symmetric(x, A), [[10.0], [16.0]])
    assert np.array_equal(hessian_f(A), [[2.0, 4.0], [4.0, 6.0]])
    # a flat x is accepted and treated as the column
    assert np.array_equal(grad_f([1.0, 2.0], A), [[10.0], [16.0]])


def test_non_symmetric_A_where_2Ax_is_wrong():
    N = np.array([[0.0, 1.0], [0.0, 0.0]])  # f(x) = x1 x2
    x = np.array([[1.0], [2.0]])
    assert f(x, N) == 2.0
    assert np.array_equal(grad_f(x, N), [[2.0], [1.0]])
    assert np.array_equal(2 * N @ x, [[4.0], [0.0]])


def test_symmetric_up_to_rounding_is_accepted_and_beyond_is_refused():
    rng = np.random.default_rng(1)
    B = rng.standard_normal((6, 4))
    A = B @ B.T  # symmetric in exact arithmetic
    x = rng.standard_normal((6, 1))
    nearly = A.copy()
    nearly[0, 1] *= 1 + 10 * u  # rounding-sized asymmetry
    assert np.allclose(grad_f_symmetric(x, nearly), grad_f(x, nearly))
    clearly = A.copy()
    clearly[0, 1] += 1e3 * SYMMETRY_RTOL * np.abs(A).max()
    with pytest.raises(ValueError, match="only for symmetric A"):
        grad_f_symmetric(x, clearly)


def test_central_differences_accept_a_1x1_array_result():
    A = np.array([[1.0, 2.0], [2.0, 3.0]])
    x = np.array([[1.0], [2.0]])
    estimate = finite_difference_gradient(lambda y: y.T @ A @ y, x, 0.5)
    assert np.allclose(estimate, [[10.0], [16.0]], rtol=0, atol=1e-13)


# --- bad input -------------------------------------------------------------

SQUARE_MESSAGE = r"square matrix of shape \(n, n\); got shape \(2, 3\)"


@pytest.mark.parametrize(
    "call",
    [
        lambda A: f(np.ones((2, 1)), A),
        lambda A: grad_f(np.ones((2, 1)), A),
        lambda A: grad_f_symmetric(np.ones((2, 1)), A),
        lambda A: hessian_f(A),
        lambda A: symmetric_part(A),
        lambda A: check_square(A),
    ],
    ids=["f", "grad_f", "grad_f_symmetric", "hessian_f", "symmetric_part",
         "check_square"],
)
def test_non_square_A_is_refused(call):
    with pytest.raises(ValueError, match=SQUARE_MESSAGE):
        call(np.ones((2, 3)))


def test_a_vector_is_not_a_matrix():
    with pytest.raises(ValueError, match=r"got shape \(3,\)"):
        f(np.ones(3), np.ones(3))


@pytest.mark.parametrize("func", [f, grad_f, grad_f_symmetric])
def test_x_of_the_wrong_length_is_refused(func):
    message = (r"x must be a column vector of shape \(2, 1\) to match A "
               r"of shape \(2, 2\); got shape \(3, 1\)$")
    with pytest.raises(ValueError, match=message):
        func(np.ones((3, 1)), np.eye(2))
    with pytest.raises(ValueError, match=r"got shape \(3,\)$"):
        func(np.ones(3), np.eye(2))


@pytest.mark.parametrize("func", [f, grad_f, grad_f_symmetric])
def test_a_row_vector_is_refused_with_a_hint(func):
    message = (r"shape \(3, 1\) to match A of shape \(3, 3\); "
               r"got shape \(1, 3\) \(a row vector: pass x\.T\)")
    with pytest.raises(ValueError, match=message):
        func(np.ones((1, 3)), np.eye(3))


def test_check_column_keeps_columns_and_reshapes_flat_vectors():
    assert check_column([1.0, 2.0], 2).shape == (2, 1)
    x = np.ones((1, 1))
    assert check_column(x, 1).shape == (1, 1)  # n = 1: row = column


def test_grad_f_symmetric_refuses_a_non_symmetric_A():
    message = (r"2Ax is the gradient only for symmetric A \(A = Aᵀ\); "
               r"got an A with max \|A - Aᵀ\| = 1: use grad_f")
    with pytest.raises(ValueError, match=message):
        grad_f_symmetric(np.ones((2, 1)), [[0.0, 1.0], [0.0, 0.0]])


@pytest.mark.parametrize("h", [0.0, -1e-5, math.nan])
def test_a_step_that_is_not_positive_is_refused(h):
    with pytest.raises(ValueError, match=r"h must be a positive step; "
                                         rf"got h = {h}$"):
        finite_difference_gradient(lambda y: f(y, np.eye(2)),
                                   np.ones((2, 1)), h)


def test_central_differences_refuse_a_row_vector_and_an_empty_x():
    with pytest.raises(ValueError, match=r"shape \(n, 1\); got shape "
                                         r"\(1, 3\) \(a row vector"):
        finite_difference_gradient(lambda y: 0.0, np.ones((1, 3)))
    with pytest.raises(ValueError, match=r"got shape \(0, 1\)$"):
        finite_difference_gradient(lambda y: 0.0, np.ones((0, 1)))


def test_central_differences_refuse_a_func_that_returns_a_vector():
    with pytest.raises(ValueError, match=r"func must return one number "
                                         r".*got an array of shape "
                                         r"\(2, 1\)"):
        finite_difference_gradient(lambda y: 2 * y, np.ones((2, 1)))


# --- the pictures ------------------------------------------------------------


def test_level_sets_are_f_on_the_grid_and_equal_for_A_and_its_symmetric_part():
    A = np.array([[1.0, 3.0], [-2.0, 2.0]])
    S = symmetric_part(A)
    ax_A, ax_S = Figure().subplots(1, 2)
    values_A = level_sets(ax_A, A, radius=2.0, points=5)
    values_S = level_sets(ax_S, S, radius=2.0, points=5)
    assert values_A.shape == (5, 5)
    # row i is x2 = grid[i], column j is x1 = grid[j]
    assert values_A[0, 4] == f([2.0, -2.0], A)
    assert np.allclose(values_A, values_S, rtol=0, atol=1e-13)
    # the same arrows, drawn to the same scale
    assert gradient_arrows(ax_A, A) == gradient_arrows(ax_S, S)


def test_pictures_need_a_2x2_matrix():
    ax = Figure().subplots()
    with pytest.raises(ValueError, match=r"needs A of shape \(2, 2\); "
                                         r"got shape \(3, 3\)"):
        level_sets(ax, np.eye(3))
    with pytest.raises(ValueError, match=r"got shape \(3, 3\)"):
        gradient_arrows(ax, np.eye(3))
    assert check_plane([[1, 0], [0, 1]]).dtype == float


# --- the back-links to the pages ------------------------------------------

BOOK = Path(__file__).resolve().parents[1] / "book"
# Part I, "The gradient by hand": the pages that gradbook.quadform and
# the pictures of gradbook.plots were written for.
PART_ONE = ["quadratic-form", "quadratic-example", "numerical-check"]


def _title_and_sections(path):
    text = path.read_text(encoding="utf-8")
    title = re.search(r"^# (.+)$", text, re.MULTILINE).group(1)
    return title, set(re.findall(r"^##+ (.+)$", text, re.MULTILINE))


def test_the_first_page_keeps_its_title():
    title, _ = _title_and_sections(BOOK / "quadratic-form.md")
    assert title == "The gradient of a quadratic form"


@pytest.mark.parametrize("module", [gradbook.quadform, gradbook.plots])
def test_every_function_names_a_section_of_its_page(module):
    pages = dict(_title_and_sections(path)
                 for path in sorted(BOOK.glob("*.md")))
    part_one = {_title_and_sections(BOOK / f"{name}.md")[0]
                for name in PART_ONE}
    public = [obj for name, obj in inspect.getmembers(module,
                                                      inspect.isfunction)
              if obj.__module__ == module.__name__
              and not name.startswith("_")]
    assert public
    named = set()
    for func in public:
        doc = " ".join(inspect.getdoc(func).split())
        found = re.search(r"Defined in: (.+?), §(.+?)\.$", doc)
        assert found, f"{func.__name__} has no 'Defined in' line"
        title, section = found.groups()
        assert title in pages, (func.__name__, title)
        assert section in pages[title], (func.__name__, section)
        if module is gradbook.quadform:
            assert title in part_one, (func.__name__, title)
        named.add(title)
    # the quadratic form's functions are spread over all of Part I
    if module is gradbook.quadform:
        assert named == part_one
