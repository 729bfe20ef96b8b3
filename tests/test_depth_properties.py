"""Property-based tests of lib.depth: every public function, random valid and invalid inputs.

Valid inputs must give finite outputs of the documented shape; invalid ones (wrong shapes, NaN/inf,
strings, complex numbers, out-of-range parameters) must raise ValueError naming the argument.
Delicate inputs of this topic: points exactly on dyadic breakpoints, knots on the grid of Delta^n,
functions touching the level 1/2.
"""
from fractions import Fraction
import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from lib import depth as D
from lib import nets
from lib.nets import Net

SET = settings(max_examples=25, deadline=None)
unit = st.floats(0.0, 1.0, allow_nan=False)
real = st.floats(-3.0, 3.0, allow_nan=False)
dyadic01 = st.integers(0, 2**12).map(lambda k: k / 2**12)  # exactly on breakpoints of Delta^k, k <= 12
BAD_ARRAYS = [np.array([np.nan]), np.array([1.0, np.inf]), np.array(["a"]), np.array([1 + 2j]), "abc", None,
              [[1.0, 2.0], [3.0]]]
BAD_INTS = [-1, 2.5, "3", None, np.nan, math.inf, True, 1 + 1j, [2]]


def arrays(elem=real, min_size=1, max_size=30):
    return st.lists(elem, min_size=min_size, max_size=max_size).map(np.array)


def small_net(seed, hidden=(3, 2)):
    return nets.gaussian_net([1, *hidden, 1], np.random.default_rng(seed), sigma_w=1.5, sigma_b=0.5)


def raises_named(name, fn, *args, **kw):
    with pytest.raises(ValueError, match=name):
        fn(*args, **kw)


# -- elementwise maps -----------------------------------------------------------------------------
ELEMENTWISE = {
    "triangle": lambda x: D.triangle(x),
    "triangle_power": lambda x: D.triangle_power(x, 5),
    "fractal_form": lambda x: D.fractal_form(x, 3),
    "hat": lambda x: D.hat(x, 4),
    "square_telescoped": lambda x: D.square_telescoped(x, 4),
    "pwl_eval": lambda x: D.pwl_eval(D.triangle_power_pwl(3), x),
}


@SET
@given(x=arrays(st.one_of(real, dyadic01)))
def test_elementwise_shapes_and_finite(x):
    for name, f in ELEMENTWISE.items():
        y = f(x)
        assert y.shape == x.shape and np.all(np.isfinite(y)), name
    X = x.reshape(1, -1)
    assert D.triangle(X).shape == X.shape
    assert D.triangle(np.zeros((0, 3))).shape == (0, 3)  # empty in, empty out (documented: any shape)


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
@pytest.mark.parametrize("bad", range(len(BAD_ARRAYS)))
def test_elementwise_bad_arrays(name, bad):
    raises_named("a" if name == "hat" else "x", ELEMENTWISE[name], BAD_ARRAYS[bad])


@SET
@given(x=arrays(st.one_of(unit, dyadic01)), i=st.integers(0, 10))
def test_square_and_products(x, i):
    for y in (D.square_interpolant(x, i), D.square_telescoped(x, i)):
        assert y.shape == x.shape and np.all(np.isfinite(y))
        assert np.all(np.abs(y - x**2) <= 4.0 ** (-i - 1) + 1e-15)
    for v in ("notes", "symmetric"):
        p = D.product_fn(x, x[::-1], max(i, 1), v)
        assert p.shape == x.shape and np.all(np.abs(p - x * x[::-1]) <= 1.5 * 4.0 ** -max(i, 1) + 1e-15)
    assert D.product_fn(x[:, None], x[None, :], i).shape == (x.size, x.size)


def test_square_and_product_invalid():
    for bad in BAD_ARRAYS:
        raises_named("x", D.square_interpolant, bad, 2)
        raises_named("x", D.product_fn, bad, 0.5, 2)
        raises_named("y", D.product_fn, 0.5, bad, 2)
    raises_named("x", D.square_interpolant, [1.5], 2)
    raises_named("y", D.product_fn, [0.5], [-0.1], 2)
    raises_named("x and y", D.product_fn, np.full(3, 0.5), np.full(4, 0.5), 2)
    for bad in BAD_INTS + [D.MAX_GRID_POWER + 1]:
        raises_named("i", D.square_interpolant, [0.5], bad)
        raises_named("i", D.product_fn, 0.5, 0.5, bad)
        raises_named("k", D.prod_chain, np.full((2, 2), 0.5), bad)
    raises_named("variant", D.product_fn, 0.5, 0.5, 2, "other")


# -- parity ---------------------------------------------------------------------------------------
@SET
@given(L=st.integers(1, 4), seed=st.integers(0, 2**32 - 1))
def test_parity_shapes(L, seed):
    X = np.random.default_rng(seed).choice([-1.0, 1.0], size=(7, 2**L))
    assert np.array_equal(D.parity_corrected(X), X.prod(axis=1))
    assert D.parity_notes(X).shape == (7,)


def test_parity_invalid():
    for f in (D.parity_notes, D.parity_corrected):
        for bad in BAD_ARRAYS + [np.ones(4), np.ones((2, 3)), np.zeros((2, 4)), np.zeros((0, 4)), np.ones((2, 1))]:
            raises_named("X", f, bad)


# -- networks built in closed form --------------------------------------------------------------
@SET
@given(k=st.integers(0, 12), x=arrays(dyadic01))
def test_constructed_nets(k, x):
    X = x[:, None]
    assert np.array_equal(D.triangle_power_net(k)(X)[:, 0], D.triangle_power(x, k))
    assert np.array_equal(D.square_net(k)(X)[:, 0], D.square_interpolant(x, k))
    assert np.allclose(D.square_shallow_net(min(k, 8))(X)[:, 0], D.square_interpolant(x, min(k, 8)), atol=1e-14)
    if k >= 1:
        P = D.product_net(min(k, 6))
        XY = np.column_stack([x, x[::-1]])
        assert np.allclose(P(XY)[:, 0], D.product_fn(x, x[::-1], min(k, 6)), atol=1e-14)
    assert D.triangle_net().widths == (1, 3, 1)


def test_constructed_nets_invalid():
    for f in (D.triangle_power_net, D.square_net, D.square_shallow_net, D.product_net, D.triangle_power_pwl,
              D.square_l2_error_interpolant):
        for bad in BAD_INTS:
            raises_named("i|k|n", f, bad)
    raises_named("i", D.square_shallow_net, 21)
    raises_named("n", D.triangle_power_pwl, D.MAX_PWL_POWER + 1)
    raises_named("variant", D.product_net, 2, "other")
    raises_named("i", D.product_net, 0)


@SET
@given(t=st.lists(st.integers(-1000, 1000), min_size=2, max_size=12, unique=True), seed=st.integers(0, 1000))
def test_interpolant_net(t, seed):
    t = np.sort(np.array(t, dtype=float)) / 100
    v = np.random.default_rng(seed).standard_normal(t.size)
    g = D.interpolant_net(t, v)
    assert np.allclose(g(t[:, None])[:, 0], v, atol=1e-9)
    assert D.count_affine_pieces(g, float(t[0]), float(t[-1])) <= t.size - 1


def test_interpolant_net_invalid():
    raises_named("knots", D.interpolant_net, [0.0, 0.0, 1.0], [1.0, 2.0, 3.0])
    raises_named("knots", D.interpolant_net, [1.0], [1.0])
    raises_named("values", D.interpolant_net, [0.0, 1.0], [1.0])
    for bad in BAD_ARRAYS:
        raises_named("knots", D.interpolant_net, bad, [0.0, 1.0])
        raises_named("values", D.interpolant_net, [0.0, 1.0], bad)


# -- exact piecewise-linear functions ----------------------------------------------------------
@SET
@given(seed=st.integers(0, 2**32 - 1), hidden=st.lists(st.integers(1, 4), min_size=1, max_size=3))
def test_exact_pieces(seed, hidden):
    g = D.random_integer_net(hidden, np.random.default_rng(seed))
    p = D.pwl_from_net(g)
    assert p.num_pieces == D.count_affine_pieces(g) >= D.count_affine_pieces(g, 0.0, 1.0) >= 1
    counts = D.node_piece_counts(g)
    assert [c.shape for c in counts] == [(m,) for m in hidden]
    for c, b in zip(counts, D.lemma49_node_bound(hidden)):
        assert np.all(c <= b)
    exact_out, amgm = D.lemma49_bound(hidden)
    assert p.num_pieces <= exact_out <= amgm + 1e-9
    x = np.linspace(-4, 4, 33)
    assert np.allclose(D.pwl_eval(p, x), g(x[:, None])[:, 0], atol=1e-9)
    # breakpoints are evaluated exactly: the PWL and the net agree there
    for xb, yb in zip(p.xs, p.ys):
        assert p(xb) == yb


@SET
@given(seed=st.integers(0, 2**32 - 1))
def test_distances_and_signs(seed):
    p = D.pwl_from_net(small_net(seed))
    q = D.triangle_power_pwl(3)
    d = D.pwl_l1_distance(p, q)
    assert isinstance(d, Fraction) and d >= 0 and D.pwl_l1_distance(p, p) == 0
    val, B = D.triangle_power_l1(p, 3)
    assert abs(Fraction(val) - d) <= B and np.isfinite(val) and 0 < B < 1e-10
    assert D.pwl_l2_to_square(p) >= 0
    c = D.sign_changes(p)
    assert 0 <= c <= D.count_affine_pieces(small_net(seed), 0.0, 1.0)
    assert D.triangle_certificate(3, c) <= Fraction(3, 32)


def test_delicate_touching_levels():
    """Breakpoints exactly on 1/2 and knots exactly on the dyadic grid of Delta^n."""
    # Delta^3 touches 1/2 only at crossings on the grid j/16 (odd j): 8 sign changes, zeros dropped
    assert D.sign_changes(D.triangle_power_pwl(3)) == 8
    # a function equal to 1/2 on a stretch and touching it: min(Delta, 1/2) has no sign change
    clip = Net([np.array([[1.0], [1.0]]), np.array([[1.0, -1.0]])], [np.array([0.0, -0.5]), np.zeros(1)])
    g = D.pwl_from_net(D.triangle_power_net(2).then(clip))
    assert D.sign_changes(g) == 0
    assert D.pwl_l1_distance(D.triangle_power_pwl(2), g) == D.triangle_certificate(2, 0) + Fraction(1, 16)
    val, B = D.triangle_power_l1(g, 2)
    assert abs(Fraction(val) - Fraction(1, 8)) <= B
    # knots of g exactly on the grid of f
    assert D.triangle_power_l1(D.triangle_power_pwl(4), 6)[0] == pytest.approx(1 / 3, abs=1e-15)


def test_pwl_functions_invalid():
    p = D.triangle_power_pwl(2)
    not_pwl = [None, 3, "x", np.zeros(2), small_net(0)]
    for bad in not_pwl:
        raises_named("f", D.pwl_eval, bad, [0.5])
        raises_named("f", D.pwl_l1_distance, bad, p)
        raises_named("g", D.pwl_l1_distance, p, bad)
        raises_named("g", D.sign_changes, bad)
        raises_named("g", D.pwl_l2_to_square, bad)
        raises_named("g", D.triangle_power_l1, bad, 3)
    for f in (D.pwl_l1_distance, D.pwl_l2_to_square):
        args = (p, p) if f is D.pwl_l1_distance else (p,)
        raises_named("lo", f, *args, 1.0, 0.0)
        raises_named("lo", f, *args, np.nan, 1.0)
        raises_named("lo and hi", f, *args, -math.inf, 1.0)
        raises_named("lo", f, *args, "0", 1.0)
    raises_named("level", D.sign_changes, p, np.nan)
    raises_named("level", D.sign_changes, p, "half")
    for bad in BAD_INTS + [0, 41]:
        raises_named("n", D.triangle_power_l1, p, bad)


def test_net_arguments_invalid():
    bad_nets = [None, 3, "x", np.zeros((1, 1)), nets.gaussian_net([2, 3, 1], np.random.default_rng(0)),
                nets.gaussian_net([1, 3, 2], np.random.default_rng(0)),
                nets.gaussian_net([1, 3, 1], np.random.default_rng(0), activation="tanh")]
    for bad in bad_nets:
        for f in (D.pwl_from_net, D.count_affine_pieces, D.node_piece_counts):
            raises_named("net", f, bad)
    g = D.triangle_power_net(2)
    for lo, hi in ((1.0, 0.0), (0.5, 0.5), (np.nan, 1.0), ("0", 1.0), (0.0, None), (True, 2.0)):
        raises_named("lo|hi", D.count_affine_pieces, g, lo, hi)


# -- bounds, certificates and combinations -----------------------------------------------------
@SET
@given(widths=st.lists(st.integers(1, 9), min_size=1, max_size=6), n=st.integers(1, 30), c=st.integers(0, 2**20))
def test_bounds(widths, n, c):
    nodes = D.lemma49_node_bound(widths)
    assert [b.shape for b in nodes] == [(m,) for m in widths]
    exact_out, amgm = D.lemma49_bound(widths)
    assert 0 < exact_out <= amgm * (1 + 1e-12)
    cert = D.triangle_certificate(n, c)
    assert cert == Fraction(2 ** (n - 1) - 1 - c, 2 ** (n + 2))
    b = D.thm46_bound(sum(widths), len(widths))
    assert np.isfinite(b) and 0 <= b <= 1 / 5760
    e, slope, icpt = D.best_line_l2_error(Fraction(c, 2**20), Fraction(c, 2**20) + Fraction(1, n))
    assert e == Fraction(1, n) ** 5 / 180


def test_bounds_invalid():
    for f in (D.lemma49_node_bound, D.lemma49_bound):
        for bad in ([], [0], [2, -1], [1.5], "12", None, np.array(3), np.ones((2, 2)), 5):
            raises_named("widths", f, bad)
    for bad in BAD_INTS + [0]:
        raises_named("n", D.triangle_certificate, bad, 1)
    raises_named("c", D.triangle_certificate, 4, -1)
    raises_named("n_units", D.thm46_bound, 1, 2)  # fewer units than hidden layers
    raises_named("n_layers", D.thm46_bound, 4, 0)
    raises_named("a must be", D.best_line_l2_error, 1.0, 1.0)
    raises_named("a", D.best_line_l2_error, np.nan, 1.0)
    raises_named("b", D.best_line_l2_error, 0.0, "1")


@SET
@given(seed=st.integers(0, 2**32 - 1), a=st.lists(real, min_size=1, max_size=3), b=real)
def test_affine_combination(seed, a, b):
    rng = np.random.default_rng(seed)
    gs = [D.random_integer_net([2, 2], rng) for _ in a]
    h = D.net_affine_combination(gs, a, b)
    x = np.linspace(-2, 2, 17)[:, None]
    want = sum(ai * g(x) for ai, g in zip(a, gs)) + b
    assert np.allclose(h(x), want, atol=1e-9)


def test_affine_combination_invalid():
    g = D.triangle_power_net(1)
    for bad in (None, 3, g, [], [None], "ab"):
        raises_named("nets", D.net_affine_combination, bad, [1.0])
    raises_named("coefficients", D.net_affine_combination, [g, g], [1.0])
    raises_named("coefficients", D.net_affine_combination, [g], [np.nan])
    raises_named("bias", D.net_affine_combination, [g], [1.0], np.inf)
    raises_named("nets", D.net_affine_combination, [g, D.triangle_power_net(2)], [1.0, 1.0])


def test_random_integer_net_invalid():
    rng = np.random.default_rng(0)
    for bad in ([], [0], "3", None, np.array(3), 4):
        raises_named("hidden", D.random_integer_net, bad, rng)
    raises_named("rng", D.random_integer_net, [2], 0)
    raises_named("max_weight", D.random_integer_net, [2], rng, max_weight=0)
    raises_named("bias_denominator", D.random_integer_net, [2], rng, bias_denominator=3)
    raises_named("max_bias", D.random_integer_net, [2], rng, max_bias=-1)


# -- local products and the partition of unity --------------------------------------------------
@SET
@given(seed=st.integers(0, 2**32 - 1), d=st.integers(1, 3), s=st.integers(1, 5), k=st.integers(1, 6))
def test_partition_and_products(seed, d, s, k):
    X = np.random.default_rng(seed).random((9, d))
    X[0] = np.round(X[0] * s) / s  # a point exactly on the grid
    P = D.partition_of_unity(X, s)
    assert P.shape == (9, (s + 1) ** d) and np.allclose(P.sum(axis=1), 1.0, atol=1e-12)
    Q = D.partition_of_unity(X, s, k)
    assert Q.shape == P.shape and np.all(np.isfinite(Q))
    pc = D.prod_chain(X, k)
    assert pc.shape == (9,) and np.all(np.abs(pc - X.prod(axis=1)) <= d * 4.0**-k + 1e-12)
    h = D.hat(X, s)
    assert h.shape == X.shape and np.all((0 <= h) & (h <= 1))


def test_partition_and_products_invalid():
    X = np.full((3, 2), 0.5)
    for bad in BAD_ARRAYS + [np.full(3, 0.5), np.full((3, 2), 1.5)]:
        raises_named("X", D.prod_chain, bad, 2)
    for bad in BAD_ARRAYS + [np.full(3, 0.5)]:
        raises_named("X", D.partition_of_unity, bad, 2)
    for bad in BAD_INTS + [0]:
        raises_named("s", D.partition_of_unity, X, bad)
        raises_named("s", D.hat, [0.1], bad)
    raises_named("k", D.partition_of_unity, X, 2, 0)
    raises_named("s", D.partition_of_unity, X, 100)  # 101^2 bumps: over the memory guard
    raises_named("variant", D.partition_of_unity, X, 2, 2, "other")
    raises_named("variant", D.prod_chain, X, 2, "other")


# -- fitting ----------------------------------------------------------------------------------
@settings(max_examples=4, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), hidden=st.lists(st.integers(1, 3), min_size=1, max_size=2))
def test_fit_l1_returns_a_net(seed, hidden):
    x = np.linspace(0, 1, 16)
    g = D.fit_l1(hidden, x, x, torch.Generator().manual_seed(seed), steps=3, restarts=1)
    assert isinstance(g, Net) and g.widths == (1, *hidden, 1) and np.all(np.isfinite(g(x[:, None])))


def test_fit_l1_invalid():
    x, gen = np.linspace(0, 1, 8), torch.Generator()
    raises_named("hidden", D.fit_l1, [], x, x, gen)
    raises_named("hidden", D.fit_l1, np.array(2), x, x, gen)
    for bad in BAD_ARRAYS:
        raises_named("x", D.fit_l1, [2], bad, x, gen)
    raises_named("y", D.fit_l1, [2], x, x[:3], gen)
    raises_named("y", D.fit_l1, [2], x, np.full(8, np.nan), gen)
    raises_named("generator", D.fit_l1, [2], x, x, 0)
    raises_named("steps", D.fit_l1, [2], x, x, gen, steps=0)
    raises_named("restarts", D.fit_l1, [2], x, x, gen, restarts=0)
    raises_named("lr", D.fit_l1, [2], x, x, gen, lr=-1.0)


# -- monomials ----------------------------------------------------------------------------------
@SET
@given(seed=st.integers(0, 2**32 - 1), d=st.integers(1, 3), r=st.integers(0, 3), k=st.integers(1, 6))
def test_monomials_properties(seed, d, r, k):
    X = np.random.default_rng(seed).random((7, d))
    X[0] = 0.0  # a corner: every monomial of positive degree vanishes, up to the product error
    A = D.monomial_exponents(d, r)
    M = D.monomials(X, r, k)
    assert M.shape == (7, len(A)) and np.all(np.isfinite(M))
    true = np.prod(X[:, None, :] ** A[None], axis=2)
    assert np.all(np.abs(M - true) <= np.maximum(A.sum(1) - 1, 0) * 4.0**-k + 1e-13)
    a = A[-1]
    g = D.monomial_net(a, k)
    assert g.widths[0] == d and g.widths[-1] == 1
    assert np.allclose(g(X)[:, 0], M[:, -1], atol=1e-13)


def test_monomials_invalid():
    for bad in BAD_INTS + [0, 21]:
        raises_named("d", D.monomial_exponents, bad, 2)
    for bad in BAD_INTS + [21]:
        raises_named("r", D.monomial_exponents, 2, bad)
    for bad in BAD_ARRAYS + [np.full(3, 0.5), np.full((2, 2), -0.5)]:
        raises_named("X", D.monomials, bad, 2, 3)
    for bad in BAD_INTS:
        raises_named("k", D.monomials, np.full((2, 2), 0.5), 2, bad)
        raises_named("k", D.monomial_net, np.array([1, 1]), bad)
    for bad in ([], [-1, 1], [0.5], ["a"], [np.nan], None, np.ones((2, 2))):
        raises_named("alpha", D.monomial_net, bad, 3)
    raises_named("variant", D.monomials, np.full((2, 2), 0.5), 2, 3, "x")
    raises_named("variant", D.monomial_net, np.array([1, 1]), 3, "x")


# -- gluing -----------------------------------------------------------------------------------
@SET
@given(seed=st.integers(0, 2**32 - 1), d=st.integers(1, 2), s=st.integers(1, 5), k=st.integers(1, 8),
       r=st.integers(1, 4), variant=st.sampled_from(["notes", "symmetric"]))
def test_gluing_properties(seed, d, s, k, r, variant):
    X = np.random.default_rng(seed).random((6, d))
    X[0] = np.round(X[0] * s) / s  # a point exactly on the grid (on the boundary of 2^d cells)
    g = D.sine_product(X)
    assert g.shape == (6,) and np.all((0.25 <= g) & (g <= 0.75))
    P = D.sine_product_taylor(X, s, r)
    assert P.shape == (6, (s + 1) ** d) and np.all(np.isfinite(P))
    f = D.glued_approximation(X, s, k, P, variant)
    assert f.shape == (6,) and np.all(np.isfinite(f))
    if variant == "symmetric":
        B = (2 * np.pi) ** r / 4 * d**r / (math.factorial(r) * s**r) + 2**d * d * 4.0**-k
        assert np.all(np.abs(f - g) <= B + 1e-12)


def test_gluing_invalid():
    X = np.full((3, 2), 0.5)
    for bad in BAD_ARRAYS + [np.ones(3)]:
        raises_named("X", D.sine_product, bad)
        raises_named("X", D.sine_product_taylor, bad, 2, 2)
        raises_named("X", D.glued_approximation, bad, 2, 2, np.zeros((3, 9)))
    for bad in BAD_ARRAYS + [np.zeros((3, 8)), np.zeros((2, 9))]:
        raises_named("local_values", D.glued_approximation, X, 2, 2, bad)
    for bad in BAD_INTS + [0]:
        raises_named("s", D.sine_product_taylor, X, bad, 2)
        raises_named("s", D.glued_approximation, X, bad, 2, np.zeros((3, 9)))
        raises_named("r", D.sine_product_taylor, X, 2, bad)
        raises_named("k", D.glued_approximation, X, 2, bad, np.zeros((3, 9)))
    raises_named("variant", D.glued_approximation, X, 2, 2, np.zeros((3, 9)), "x")
