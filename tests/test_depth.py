"""Tests of lib.depth against closed forms, brute force and independent quadrature."""
from fractions import Fraction
import itertools
import math

import numpy as np
import pytest
from scipy.integrate import quad

from lib import depth as D
from lib import nets
from lib.nets import Net


def rng(k=0):
    return np.random.default_rng(1234 + k)


def dyadic(n):
    return np.arange(2**n + 1) / 2**n


# -- triangle map ----------------------------------------------------------------------------
def test_triangle_closed_form():
    x = np.linspace(-1, 2, 3001)
    want = np.where((x >= 0) & (x < 0.5), 2 * x, np.where((x >= 0.5) & (x < 1), 2 - 2 * x, 0.0))
    assert np.allclose(D.triangle(x), want, atol=1e-15)


def test_triangle_power_and_net_agree():
    x = np.concatenate([dyadic(12) * 1.5 - 0.25])
    for k in range(0, 9):
        net = D.triangle_power_net(k)
        assert np.array_equal(net(x[:, None])[:, 0], D.triangle_power(x, k))
        assert net.num_nodes == 3 * k and net.depth == k + 1
    assert D.triangle_net().widths == (1, 3, 1)


def test_fractal_form_on_unit_interval_only():
    x = dyadic(10)
    for L in range(1, 7):
        assert np.array_equal(D.fractal_form(x, L), D.triangle_power(x, L))
    assert D.fractal_form(np.array([-0.25]), 1)[0] == 0.5 and D.triangle(np.array([-0.25]))[0] == 0


def test_parity_exhaustive():
    for d in (2, 4, 8):
        X = np.array(list(itertools.product([-1.0, 1.0], repeat=d)))
        assert np.array_equal(D.parity_corrected(X), X.prod(axis=1))
        assert not np.array_equal(D.parity_notes(X), X.prod(axis=1))


# -- exact piece counting -----------------------------------------------------------------------
def test_triangle_piece_counts_closed_form():
    for k in range(0, 8):
        net = D.triangle_power_net(k)
        assert D.count_affine_pieces(net) == (2**k + 2 if k else 1)
        assert D.count_affine_pieces(net, 0.0, 1.0) == 2**k


def test_one_hidden_layer_count_closed_form():
    g = rng(1)
    for _ in range(30):
        m = int(g.integers(1, 6))
        net = D.random_integer_net([m], g)
        w, b, a = net.weights[0][:, 0], net.biases[0], net.weights[1][0]
        jumps = {}
        for wj, bj, aj in zip(w, b, a):
            if wj != 0:
                t = Fraction(-bj) / Fraction(wj)
                jumps[t] = jumps.get(t, 0) + aj * abs(wj)
        assert D.count_affine_pieces(net) == 1 + sum(1 for v in jumps.values() if v != 0)
        assert all(np.array_equal(c, (w != 0) + 1) for c in D.node_piece_counts(net))


def test_pwl_is_exact_and_maximal():
    g = rng(2)
    for _ in range(15):
        net = D.random_integer_net(list(g.integers(1, 4, size=g.integers(1, 4))), g)
        f = D.pwl_from_net(net)
        x = g.uniform(-5, 5, 200)
        assert np.allclose(D.pwl_eval(f, x), net(x[:, None])[:, 0], atol=1e-9)
        assert all(f.slopes[j] != f.slopes[j + 1] for j in range(len(f.slopes) - 1))
        edges = [-1e3] + [float(v) for v in f.xs] + [1e3]
        for lo, hi in zip(edges[:-1], edges[1:]):  # affine on each piece: three collinear points
            t = np.array([lo + (hi - lo) * s for s in (0.1, 0.5, 0.9)])
            y = net(t[:, None])[:, 0]
            assert abs((y[2] - y[1]) / (t[2] - t[1]) - (y[1] - y[0]) / (t[1] - t[0])) < 1e-6
        assert f.num_pieces == D.count_affine_pieces(net)


def test_count_on_subinterval():
    net = D.triangle_power_net(3)  # kinks at multiples of 1/8 in [0, 1]
    assert D.count_affine_pieces(net, 0.0, 0.5) == 4
    assert D.count_affine_pieces(net, 0.13, 0.24) == 1


def test_node_counts_within_lemma49():
    g = rng(3)
    for _ in range(10):
        hidden = list(g.integers(1, 4, size=3))
        net = D.random_integer_net(hidden, g)
        for got, bound in zip(D.node_piece_counts(net), D.lemma49_node_bound(hidden)):
            assert np.all(got <= bound)


def test_lemma49_bounds_closed_form():
    assert [list(b) for b in D.lemma49_node_bound([3, 2])] == [[2, 2, 2], [12, 12]]
    exact_prod, amgm = D.lemma49_bound([3, 2])
    assert exact_prod == 24 and amgm == pytest.approx(25.0)


def test_l1_distance_against_quadrature():
    f = D.pwl_from_net(D.triangle_power_net(5))
    for j in range(5):
        assert D.pwl_l1_distance(f, D.pwl_from_net(D.triangle_power_net(j))) == Fraction(1, 3)
    g = rng(4)
    a, b = D.random_integer_net([3, 2], g), D.random_integer_net([2], g)
    fa, fb = D.pwl_from_net(a), D.pwl_from_net(b)
    pts = sorted(float(v) for v in fa.xs + fb.xs if -1 < v < 2)
    ref = quad(lambda t: abs(a(np.array([[t]]))[0, 0] - b(np.array([[t]]))[0, 0]), -1, 2, points=pts or None,
               limit=200, epsabs=1e-12)[0]
    assert float(D.pwl_l1_distance(fa, fb, -1.0, 2.0)) == pytest.approx(ref, rel=1e-8)


def test_random_integer_net_entries():
    net = D.random_integer_net([4, 4], rng(5), max_weight=2, bias_denominator=4, max_bias=1)
    for W, b in zip(net.weights, net.biases):
        assert np.all(W == np.round(W)) and np.abs(W).max() <= 2
        assert np.all(b * 4 == np.round(b * 4)) and np.abs(b).max() <= 1


def test_affine_combination():
    g = rng(6)
    n1, n2 = D.random_integer_net([2, 3], g), D.random_integer_net([4, 1], g)
    c = D.net_affine_combination([n1, n2], [2.0, -0.5], 0.25)
    x = g.uniform(-3, 3, (50, 1))
    assert np.allclose(c(x), 2 * n1(x) - 0.5 * n2(x) + 0.25)


# -- squaring and products -----------------------------------------------------------------------
def test_square_constructions_agree():
    x = dyadic(12)
    for i in range(0, 8):
        S = np.arange(2**i + 1) / 2**i
        assert np.array_equal(D.square_interpolant(S, i), S**2)
        assert np.allclose(D.square_telescoped(x, i), D.square_interpolant(x, i), atol=1e-15)
        net = D.square_net(i)
        assert np.allclose(net(x[:, None])[:, 0], D.square_interpolant(x, i), atol=1e-15)
        assert net.num_nodes == max(4 * i - 1, 0) and net.depth == i + 1


def test_square_shallow_net():
    x = dyadic(12)
    for i in range(0, 7):
        net = D.square_shallow_net(i)
        assert np.allclose(net(x[:, None])[:, 0], D.square_interpolant(x, i), atol=1e-15)
        assert net.num_nodes == 2**i and D.count_affine_pieces(net, 0.0, 1.0) == 2**i


def test_square_l2_error_against_quadrature():
    for i in range(0, 4):
        S = np.arange(2**i + 1) / 2**i
        ref = quad(lambda t: (D.square_interpolant(t, i) - t * t) ** 2, 0, 1, points=S[1:-1] if i else None,
                   epsabs=1e-15, epsrel=1e-12)[0]
        assert float(D.square_l2_error_interpolant(i)) == pytest.approx(ref, rel=1e-8)


def test_product_net_and_fn():
    g = rng(7)
    P = g.random((300, 2))
    for v in ("notes", "symmetric"):
        for i in (1, 3):
            net = D.product_net(i, v)
            assert np.allclose(net(P)[:, 0], D.product_fn(P[:, 0], P[:, 1], i, v), atol=1e-14)
            assert net.num_nodes == 3 * (4 * i - 1)
    # exact products on the grid where h_i is exact: symmetric variant is exact at 0
    assert np.all(D.product_fn(0.0, dyadic(6), 3, "symmetric") == 0)


def test_interpolant_net():
    g = rng(8)
    t = np.sort(g.random(7)); v = g.random(7)
    net = D.interpolant_net(t, v)
    x = np.linspace(t[0], t[-1], 1001)
    assert np.allclose(net(x[:, None])[:, 0], np.interp(x, t, v), atol=1e-12)
    assert net.num_nodes == 6


def test_sign_changes_and_certificate():
    for j in range(1, 6):
        assert D.sign_changes(D.triangle_power_pwl(j)) == 2**j
        assert D.sign_changes(D.pwl_from_net(D.triangle_power_net(j))) == 2**j
    f = D.triangle_power_pwl(5)
    assert D.pwl_l1_distance(f, D.pwl_from_net(D.triangle_power_net(5))) == 0
    const = D.PWL((), (), (Fraction(0),), Fraction(1, 2))  # g = 1/2: c = 0, L1 = 1/4 by direct area count
    assert D.sign_changes(const) == 0 and D.pwl_l1_distance(f, const) == Fraction(1, 4)
    assert D.triangle_certificate(5, 0) == Fraction(15, 128) <= Fraction(1, 4)


def test_fit_l1_learns_an_affine_target():
    import torch
    x = np.linspace(0, 1, 257)
    net = D.fit_l1([3], x, 2 * x + 1, torch.Generator().manual_seed(0), steps=400, restarts=2, lr=0.05)
    assert net.widths == (1, 3, 1)
    assert np.abs(net(x[:, None])[:, 0] - (2 * x + 1)).mean() < 0.05


def test_best_line_closed_form():
    g = rng(9)
    for _ in range(20):
        a, b = np.sort(g.integers(-50, 50, size=2) / 16)
        if a == b:
            continue
        err, c, d = D.best_line_l2_error(a, b)
        A, B = Fraction(a), Fraction(b)
        assert err == (B - A) ** 5 / 180 and c == A + B and d == -(A * A + 4 * A * B + B * B) / 6


def test_l2_to_square_against_quadrature():
    g = rng(10)
    for _ in range(5):
        net = D.random_integer_net([3, 2], g)
        f = D.pwl_from_net(net)
        pts = sorted(float(v) for v in f.xs if 0 < v < 1)
        ref = quad(lambda t: (net(np.array([[t]]))[0, 0] - t * t) ** 2, 0, 1, points=pts or None, epsabs=1e-13)[0]
        assert float(D.pwl_l2_to_square(f)) == pytest.approx(ref, rel=1e-8, abs=1e-12)
    for i in range(5):
        assert D.pwl_l2_to_square(D.pwl_from_net(D.square_net(i))) == D.square_l2_error_interpolant(i)


def test_thm46_bound_value():
    assert D.thm46_bound(4, 2) == pytest.approx(1 / (5760 * 4.0**8))


def test_hat_and_partition():
    x = np.linspace(-1, 1, 801)
    assert np.allclose(D.hat(x, 4), np.maximum(1 - 4 * np.abs(x), 0), atol=1e-15)
    X = np.random.default_rng(0).random((200, 2))
    P = D.partition_of_unity(X, 5)
    assert P.shape == (200, 36) and np.allclose(P.sum(axis=1), 1.0, atol=1e-13)
    v = np.array(list(np.ndindex(6, 6))) / 5
    far = (np.abs(X[:, None, :] - v[None]) >= 0.2).any(axis=2)
    assert np.abs(P[far]).max() < 1e-12


def test_prod_chain_bound_and_exact_cases():
    g = rng(11)
    for l in (2, 3, 4):
        X = g.random((500, l))
        for v in ("notes", "symmetric"):
            assert np.abs(D.prod_chain(X, 4, v) - X.prod(axis=1)).max() <= l * 4.0**-4 + 1e-15
    X = np.column_stack([np.zeros(9), np.linspace(0, 1, 9), np.linspace(0, 1, 9)])
    assert np.all(D.prod_chain(X, 3, "symmetric") == 0)


# -- bad input -------------------------------------------------------------------------------------
def test_value_errors():
    with pytest.raises(ValueError, match="k"):
        D.triangle_power_net(-1)
    with pytest.raises(ValueError, match="i"):
        D.square_net(-1)
    with pytest.raises(ValueError, match="lo"):
        D.count_affine_pieces(D.triangle_net(), 1.0, 1.0)
    with pytest.raises(ValueError, match="net"):
        D.count_affine_pieces(nets.gaussian_net([2, 3, 1], rng()))
    with pytest.raises(ValueError, match="activations"):
        D.count_affine_pieces(nets.gaussian_net([1, 3, 1], rng(), activation="tanh"))
    with pytest.raises(ValueError, match="X"):
        D.parity_corrected(np.ones((2, 3)))
    with pytest.raises(ValueError, match="X"):
        D.parity_notes(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="x"):
        D.square_interpolant(np.array([1.5]), 2)
    with pytest.raises(ValueError, match="variant"):
        D.product_fn(0.5, 0.5, 2, "other")
    with pytest.raises(ValueError, match="bias_denominator"):
        D.random_integer_net([2], rng(), bias_denominator=3)
    with pytest.raises(ValueError, match="rng"):
        D.random_integer_net([2], 0)
    with pytest.raises(ValueError, match="widths"):
        D.lemma49_bound([])
    with pytest.raises(ValueError, match="nets"):
        D.net_affine_combination([D.triangle_net(), D.triangle_power_net(2)], [1.0, 1.0])
    with pytest.raises(ValueError, match="lo and hi"):
        D.pwl_l1_distance(D.pwl_from_net(D.triangle_net()), D.pwl_from_net(D.triangle_net()), 0.0, math.inf)
    with pytest.raises(ValueError, match="knots"):
        D.interpolant_net([0.0, 0.0, 1.0], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="c"):
        D.triangle_certificate(3, -1)
    with pytest.raises(ValueError, match="generator"):
        D.fit_l1([2], [0.0, 1.0], [0.0, 1.0], generator=0)
    with pytest.raises(ValueError, match="a must be"):
        D.best_line_l2_error(1.0, 1.0)
    with pytest.raises(ValueError, match="n_units"):
        D.thm46_bound(0, 1)
    with pytest.raises(ValueError, match="g must"):
        D.pwl_l2_to_square("x")
    with pytest.raises(ValueError, match="X must lie"):
        D.prod_chain(np.array([[1.5, 0.5]]), 2)
    with pytest.raises(ValueError, match="s"):
        D.hat(np.array([0.1]), 0)
    with pytest.raises(ValueError, match="L"):
        D.fractal_form(np.array([0.5]), 0)


# -- float L1 distance to Delta^n (Thm 4.4 at large n) -------------------------------------------
def test_triangle_power_l1_against_exact_rationals():
    r = rng(40)
    for n in (1, 3, 6, 9):
        f = D.triangle_power_pwl(n)
        for _ in range(5):
            p = D.pwl_from_net(nets.gaussian_net([1, 3, 3, 1], r, sigma_w=1.5, sigma_b=0.5))
            val, B = D.triangle_power_l1(p, n)
            assert 0 < B < 1e-11
            assert abs(Fraction(val) - D.pwl_l1_distance(f, p)) <= B


def test_triangle_power_l1_closed_forms():
    for j in range(0, 8):
        val, B = D.triangle_power_l1(D.triangle_power_pwl(j), 12)
        assert abs(val - 1 / 3) <= B
    half = D.PWL((), (), (Fraction(0),), Fraction(1, 2))
    assert abs(D.triangle_power_l1(half, 15)[0] - 0.25) <= D.triangle_power_l1(half, 15)[1]
    assert D.triangle_power_l1(D.triangle_power_pwl(7), 7)[0] == 0.0


def test_triangle_float_exact_on_floats():
    x = rng(41).random(500)
    q = [Fraction(v) for v in x]
    for k in range(1, 25):
        q = [2 * v if v < Fraction(1, 2) else 2 - 2 * v for v in q]
    assert all(Fraction(a) == b for a, b in zip(D.triangle_power(x, 24), q))


def test_triangle_power_l1_value_errors():
    p = D.triangle_power_pwl(2)
    with pytest.raises(ValueError, match="g must"):
        D.triangle_power_l1(np.zeros(3), 4)
    for bad in (0, 41, 2.5, "3", None):
        with pytest.raises(ValueError, match="n"):
            D.triangle_power_l1(p, bad)


# -- monomials (Lemma 5.4) -------------------------------------------------------------------------
def test_monomial_exponents_closed_form():
    for d in range(1, 5):
        for r in range(0, 5):
            A = D.monomial_exponents(d, r)
            assert A.shape == (math.comb(d + r, r), d)
            assert len({tuple(a) for a in A}) == len(A) and A.min() >= 0 and A.sum(axis=1).max() <= r
            assert np.all(np.diff(A.sum(axis=1)) >= 0)  # graded order
    assert D.monomial_exponents(2, 1).tolist() == [[0, 0], [1, 0], [0, 1]]


def test_monomials_against_brute_force_products():
    X = rng(50).random((300, 3))
    A = D.monomial_exponents(3, 3)
    for k in (3, 7):
        M = D.monomials(X, 3, k)
        true = np.prod(X[:, None, :] ** A[None], axis=2)
        q = A.sum(axis=1)
        assert np.array_equal(M[:, q <= 1], true[:, q <= 1])
        assert np.all(np.abs(M - true) <= np.maximum(q - 1, 0) * 4.0**-k + 1e-13)
    # x^2 via the notes' product is h_k itself
    t = dyadic(10)
    assert np.array_equal(D.monomials(t[:, None], 2, 4, "notes")[:, 2], D.square_interpolant(t, 4))


def test_monomial_net_matches_function_and_size():
    X = rng(51).random((200, 2))
    A = D.monomial_exponents(2, 4)
    M = D.monomials(X, 4, 3)
    for j, a in enumerate(A):
        g = D.monomial_net(a, 3)
        assert np.allclose(g(X)[:, 0], M[:, j], atol=1e-13)
        q, k = int(a.sum()), 3
        if q >= 2:
            assert g.depth - 1 == (q - 1) * (k + 1)
            assert g.num_nodes == (q - 1) * (12 * k - 1) + (k + 1) * (q - 1) * (q - 2) // 2
            assert all(act == "relu" for act in g.activations[:-1])


def test_monomial_value_errors():
    with pytest.raises(ValueError, match="d"):
        D.monomial_exponents(0, 2)
    with pytest.raises(ValueError, match="r"):
        D.monomial_exponents(2, -1)
    with pytest.raises(ValueError, match="d and r"):
        D.monomial_exponents(20, 20)
    with pytest.raises(ValueError, match="X must lie"):
        D.monomials(np.full((2, 2), 1.5), 2, 3)
    with pytest.raises(ValueError, match="k"):
        D.monomials(np.full((2, 2), 0.5), 2, -1)
    with pytest.raises(ValueError, match="alpha"):
        D.monomial_net(np.array([-1, 2]), 3)
    with pytest.raises(ValueError, match="alpha"):
        D.monomial_net(np.array([1.5]), 3)
    with pytest.raises(ValueError, match="k"):
        D.monomial_net(np.array([1, 1]), 0)


def test_fold_merges_affine_maps_with_biases():
    r = rng(52)
    net = Net([r.standard_normal((3, 2)), r.standard_normal((4, 3)), r.standard_normal((1, 4))],
              [r.standard_normal(3), r.standard_normal(4), r.standard_normal(1)], ("identity", "relu", "identity"))
    folded = D._fold(net)
    X = r.standard_normal((50, 2))
    assert folded.depth == 2 and np.allclose(folded(X), net(X), atol=1e-12)


# -- gluing (proof of Thm 5.4) -------------------------------------------------------------------
def test_sine_product_taylor_is_taylor():
    r_ = rng(60)
    V = np.array(list(np.ndindex(5, 5)), dtype=float) / 4
    P = D.sine_product_taylor(V, 4, 3)
    assert np.allclose(np.diag(P), D.sine_product(V), atol=1e-14)  # p_v(v) = g(v)
    # the remainder of degree r - 1 shrinks like h^r
    for r in (1, 2, 3, 4):
        errs = []
        for h in (1e-2, 5e-3):
            x = np.array([[0.5 + h, 0.25 - h]])
            errs.append(abs(D.sine_product_taylor(x, 4, r)[0, 2 * 5 + 1] - D.sine_product(x)[0]))
        assert errs[1] < errs[0] * 0.5 ** (r - 0.5)


def test_glued_approximation_exact_limit_and_bound():
    t = np.linspace(0, 1, 21)
    X = np.stack(np.meshgrid(t, t), -1).reshape(-1, 2)
    s = 4
    P = D.sine_product_taylor(X, s, 2)
    # with many product levels the glue is the exact partition-of-unity combination of clipped p_v
    exact = (D.partition_of_unity(X, s) * np.clip(P, 0, 1)).sum(axis=1)
    assert np.allclose(D.glued_approximation(X, s, 20, P), exact, atol=1e-9)
    err = np.abs(D.glued_approximation(X, 8, 6, D.sine_product_taylor(X, 8, 3)) - D.sine_product(X)).max()
    assert err <= (2 * np.pi) ** 3 / 4 * 8 / (6 * 8**3) + 8 * 4.0**-6


def test_gluing_value_errors():
    X = np.full((3, 2), 0.5)
    with pytest.raises(ValueError, match="local_values"):
        D.glued_approximation(X, 2, 3, np.zeros((3, 8)))
    with pytest.raises(ValueError, match="X must lie"):
        D.glued_approximation(X + 1, 2, 3, np.zeros((3, 9)))
    with pytest.raises(ValueError, match="r"):
        D.sine_product_taylor(X, 2, 0)
    with pytest.raises(ValueError, match="s"):
        D.sine_product_taylor(X, 200, 2)
    with pytest.raises(ValueError, match="X"):
        D.sine_product(np.ones(3))
