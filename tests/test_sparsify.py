"""Unit tests of lib.sparsify against independent computations."""
import math
from fractions import Fraction

import numpy as np
import pytest
from scipy.optimize import brentq, minimize
from scipy.stats import chi, norm

from lib import sparsify as es


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def test_uniform_sphere(rng):
    X = es.uniform_sphere(20000, 5, rng)
    assert X.shape == (20000, 5)
    assert np.allclose(np.linalg.norm(X, axis=1), 1.0)
    assert abs(np.mean(X[:, 0] ** 2) - 1 / 5) < 0.01  # E s_1^2 = 1/n
    with pytest.raises(ValueError, match="n"):
        es.uniform_sphere(3, 0, rng)
    with pytest.raises(ValueError, match="rng"):
        es.uniform_sphere(3, 2, 7)


def test_pairwise_inner_brute_force(rng):
    W = rng.standard_normal((6, 4))
    brute = [W[i] @ W[j] for i in range(6) for j in range(i + 1, 6)]
    assert np.allclose(es.pairwise_inner(W), brute)
    with pytest.raises(ValueError, match="W"):
        es.pairwise_inner(np.ones((1, 3)))


def test_orthogonality_epsilon_is_union_bound():
    d, n, delta = 100, 50, 1e-3
    eps = es.orthogonality_epsilon(d, n, delta)
    assert math.isclose(d * (d - 1) * math.exp(-n * eps**2 / 2), delta, rel_tol=1e-12)
    with pytest.raises(ValueError, match="delta"):
        es.orthogonality_epsilon(10, 5, 1.0)


def test_l1_ball_residual_matches_slsqp(rng):
    A = rng.standard_normal((3, 5)); x = rng.standard_normal(3); C = 0.7
    res, c = es.l1_ball_residual(A, x, C, iters=5000)
    assert np.abs(c).sum() <= C + 1e-12
    assert math.isclose(res, np.linalg.norm(x - A @ c), rel_tol=1e-12)
    obj = lambda pq: np.sum((x - A @ (pq[:5] - pq[5:])) ** 2)
    sol = minimize(obj, np.full(10, 0.01), method="SLSQP", bounds=[(0, None)] * 10,
                   constraints=[{"type": "ineq", "fun": lambda pq: C - pq.sum()}], options={"ftol": 1e-14})
    assert abs(res - math.sqrt(sol.fun)) < 1e-3
    with pytest.raises(ValueError, match="x"):
        es.l1_ball_residual(A, np.ones(4), 1.0)


def test_l2_ball_residual_matches_ridge_root(rng):
    A = rng.standard_normal((4, 9)); x = rng.standard_normal(4); C = 0.2
    c_of = lambda lam: A.T @ np.linalg.solve(A @ A.T + lam * np.eye(4), x)
    lam = brentq(lambda l: np.linalg.norm(c_of(l)) - C, 1e-10, 1e6)
    assert abs(es.l2_ball_residual(A, x, C) - np.linalg.norm(x - A @ c_of(lam))) < 1e-9
    assert es.l2_ball_residual(A, x, 1e6) < 1e-7  # unconstrained: x reached (A has full row rank)
    assert es.l2_ball_residual(A, x, [C, 1e6]).shape == (2,)
    with pytest.raises(ValueError, match="C"):
        es.l2_ball_residual(A, x, -1.0)


def test_jl_dimension_formula():
    k = es.jl_dimension(100, 0.3, 1e-4)
    assert k == math.ceil((4 * math.log(100) + 2 * math.log(1e4)) / (0.045 - 0.009))
    with pytest.raises(ValueError, match="eps"):
        es.jl_dimension(100, 1.5, 0.1)


def test_jl_ratios_match_explicit_matrix():
    X = np.random.default_rng(1).standard_normal((5, 30))
    r = es.jl_ratios(X, 7, np.random.default_rng(2))
    A = np.random.default_rng(2).standard_normal((7, 30)) / math.sqrt(7)
    brute = [np.sum((A @ (X[i] - X[j])) ** 2) / np.sum((X[i] - X[j]) ** 2) for i in range(5) for j in range(i + 1, 5)]
    assert np.allclose(r, brute)
    with pytest.raises(ValueError, match="distinct"):
        es.jl_ratios(np.ones((3, 4)), 2, np.random.default_rng(0))


def test_singular_value_interval():
    lo, hi = es.singular_value_interval(400, 100, 1e-3)
    t = math.sqrt(2 * math.log(2e3))
    assert math.isclose(lo, 20 - 10 - t) and math.isclose(hi, 30 + t)
    with pytest.raises(ValueError, match="n"):
        es.singular_value_interval(10, 20, 0.1)


def test_topk_binary_brute_force_and_ties(rng):
    H = rng.standard_normal((8, 12))
    Z = es.topk_binary(H, 3)
    for i in range(8):
        assert set(np.flatnonzero(Z[i])) == set(np.argsort(H[i])[-3:])
    assert np.array_equal(es.topk_binary(np.zeros((2, 5)), 2), [[1, 1, 0, 0, 0]] * 2)
    with pytest.raises(ValueError, match="k"):
        es.topk_binary(H, 2.5)
    with pytest.raises(ValueError, match="k"):
        es.topk_binary(H, 13)
    with pytest.raises(ValueError, match="finite"):
        es.topk_binary(np.array([[np.nan, 1.0]]), 1)


def test_threshold_binary_and_es_layer(rng):
    W = rng.standard_normal((6, 3)); tau = rng.standard_normal(6); U = rng.standard_normal((4, 3))
    H = U @ W.T
    brute = np.array([[1.0 if H[i, j] >= tau[j] else 0.0 for j in range(6)] for i in range(4)])
    assert np.array_equal(es.threshold_binary(H, tau), brute)
    assert np.array_equal(es.es_layer(W, tau, "step")(U), brute)
    assert np.allclose(es.es_layer(W, tau, "relu")(U), np.maximum(H - tau, 0))
    assert np.array_equal(es.threshold_binary(np.array([[1.0]]), [1.0]), [[1.0]])  # eq. (4) uses >=
    with pytest.raises(ValueError, match="tau"):
        es.threshold_binary(H, tau[:5])
    with pytest.raises(ValueError, match="activation"):
        es.es_layer(W, tau, "tanh")


def test_gaussian_thresholds_quantile(rng):
    W = rng.standard_normal((5, 3)); cov = np.diag([1.0, 4.0, 0.25])
    tau = es.gaussian_thresholds(W, 1.0, cov)
    U = rng.multivariate_normal(np.zeros(3), cov, size=200000)
    assert np.allclose((U @ W.T >= tau).mean(axis=0), 1 / 5, atol=0.005)
    with pytest.raises(ValueError, match="k"):
        es.gaussian_thresholds(W, 5)


def test_sphere_cap_cosine_and_measure():
    p = np.array([0.01, 0.1, 0.4])
    assert np.allclose(es.sphere_cap_cosine(p, 1), np.cos(np.pi * p))
    assert np.allclose(es.sphere_cap_cosine(p, 2), 1 - 2 * p)
    assert np.allclose(es.sphere_cap_measure(es.sphere_cap_cosine(p, 7), 7), p)
    assert np.allclose(es.sphere_cap_measure([-2.0, 2.0], 3), [1.0, 0.0])
    with pytest.raises(ValueError, match="p"):
        es.sphere_cap_cosine(1.0, 2)


def test_active_count_moments_gaussian():
    mean, var = es.active_count_moments_gaussian(1000, 2, 20)
    assert abs(mean - 2) < 1e-8
    r = chi.rvs(20, size=200000, random_state=3)  # independent Monte Carlo over the norm of u
    p = es.sphere_cap_measure(norm.isf(0.002) / r, 19)
    mc_var = 1000 * np.mean(p * (1 - p)) + 1000**2 * np.var(p)
    assert abs(var - mc_var) / var < 0.05
    _, var_big = es.active_count_moments_gaussian(1000, 2, 5000)
    assert abs(var_big - 2 * (1 - 0.002)) < 0.1  # norms concentrate: nearly binomial
    with pytest.raises(ValueError, match="n"):
        es.active_count_moments_gaussian(10, 1, 1)


def test_fresh_layer_counts(rng):
    counts = es.fresh_layer_counts(es.uniform_sphere(3000, 6, rng), 50, 5, rng, law="sphere")
    assert abs(counts.mean() - 5) < 0.25
    assert abs(np.mean(counts == 0) - 0.9**50) < 0.01  # Binomial(50, 0.1)
    with pytest.raises(ValueError, match="law"):
        es.fresh_layer_counts(np.ones((2, 3)), 5, 1, rng, law="uniform")


def test_embedded_sphere_and_sphere_thresholds(rng):
    F = es.embedded_sphere(10, 1, rng)
    assert np.allclose(F.T @ F, np.eye(2))
    W = rng.standard_normal((4, 10))
    tau = es.sphere_thresholds(W, F, 1)
    assert np.allclose(tau, np.linalg.norm(W @ F, axis=1) * np.cos(np.pi / 4))
    th = np.linspace(0, 2 * np.pi, 100000, endpoint=False)
    frac = es.threshold_binary(np.column_stack([np.cos(th), np.sin(th)]) @ F.T @ W.T, tau).mean(axis=0)
    assert np.allclose(frac, 1 / 4, atol=1e-4)
    with pytest.raises(ValueError, match="orthonormal"):
        es.sphere_thresholds(W, 2 * F, 1)
    with pytest.raises(ValueError, match="m"):
        es.embedded_sphere(5, 5, rng)


def test_fit_and_average_readout_brute_force():
    Z = np.array([[1, 0, 1, 0], [1, 1, 0, 0], [0, 0, 0, 0]], dtype=float)
    y = np.array([1.0, 3.0, 5.0])
    w = es.fit_average_readout(Z, y)
    assert np.allclose(w[:3], [2.0, 3.0, 1.0]) and np.isnan(w[3])
    yhat = es.average_readout(Z, w)
    assert np.allclose(yhat[:2], [(2 + 1) / 2, (2 + 3) / 2]) and np.isnan(yhat[2])
    assert np.isnan(es.average_readout(np.array([[0, 0, 0, 1.0]]), w))[0]  # uses an untrained unit
    with pytest.raises(ValueError, match="Z"):
        es.fit_average_readout(np.array([[0.5, 1.0]]), [1.0])
    with pytest.raises(ValueError, match="y"):
        es.fit_average_readout(Z, [1.0, 2.0])
    with pytest.raises(ValueError, match="w"):
        es.average_readout(Z, np.ones(3))


def test_cap_error_bound_closed_forms():
    assert math.isclose(es.cap_error_bound(8, 1024, 1, 2.5), 2 * 2.5 * math.pi * 8 / 1024, rel_tol=1e-12)
    assert math.isclose(es.cap_error_bound(16, 1024, 2, 1.0), 2 * 2 * math.asin(math.sqrt(16 / 1024)), rel_tol=1e-10)
    with pytest.raises(ValueError, match="lip"):
        es.cap_error_bound(1, 10, 1, -1.0)


def test_sphere_readout_errors_constant_target(rng):
    F = es.embedded_sphere(8, 2, rng)
    err, active = es.sphere_readout_errors(rng.standard_normal((64, 8)), F, 8, lambda S: np.full(len(S), 3.0),
                                           500, 300, rng)
    assert err.shape == (300,) and active.shape == (64,)
    assert np.nanmax(err) < 1e-12  # averages of a constant are exact
    with pytest.raises(ValueError, match="sparsifier"):
        es.sphere_readout_errors(np.ones((4, 8)), F, 1, np.sum, 5, 5, rng, sparsifier="relu")


def test_stevens_coverage_closed_form_and_simulation(rng):
    for a in (0.6, 0.75, 0.9):
        assert math.isclose(es.stevens_coverage(2, Fraction(a)), 2 * a - 1, rel_tol=1e-12)
    assert es.stevens_coverage(5, 1.2) == 1.0
    p = es.stevens_coverage(20, Fraction(3, 20))
    sim = es.circle_covered(rng.random((40000, 20)), 3 / 20).mean()
    assert abs(p - sim) < 0.01
    with pytest.raises(ValueError, match="a"):
        es.stevens_coverage(5, -0.1)


def test_circle_covered_brute_force(rng):
    centres = rng.random((50, 6)); a = 0.3
    t = np.linspace(0, 1, 20001)
    dist = np.abs(((t[None, None, :] - centres[:, :, None]) + 0.5) % 1.0 - 0.5)  # circular distance
    brute = (dist <= a / 2).any(axis=1).all(axis=1)
    assert np.array_equal(es.circle_covered(centres, a), brute)
    with pytest.raises(ValueError, match="a"):
        es.circle_covered(centres, 0.0)


def test_expected_min_flip_against_density_integral():
    # independent route: the density of t = <w, u> on S^(n-1) is prop. to (1 - t^2)^((n-3)/2), normalised by quad
    from scipy.integrate import quad

    for n, d, c in ((4, 3, 0.3), (7, 5, -0.5), (12, 2, 0.8)):
        dens = lambda t: (1 - t * t) ** ((n - 3) / 2)
        Z = quad(dens, -1, 1)[0]
        G = lambda x: quad(dens, max(-1.0, c - x), min(1.0, c + x))[0] / Z  # P(|t - c| <= x)
        exact = quad(lambda x: (1 - G(x)) ** d, 0, 2, limit=200)[0]
        assert math.isclose(es.expected_min_flip(d, n, c), exact, rel_tol=1e-6)
