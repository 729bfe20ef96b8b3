"""Tests of lib.capacity against independent computations (brute force, mpmath quadrature, identities)."""
import itertools
import math

import mpmath
import numpy as np
import pytest

from lib import capacity as M
from lib.nets import Net


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


# ---- Cover -------------------------------------------------------------------------------------

def _brute_force_count(X):
    """Number of dichotomies of the rows of X that are homogeneously separable (all 2^K tried)."""
    K = X.shape[0]
    return sum(M.linearly_separable(X, np.array(lab)) for lab in itertools.product([0, 1], repeat=K))


@pytest.mark.parametrize("K,n", [(5, 2), (6, 3), (7, 2)])
def test_cover_fraction_matches_brute_force(rng, K, n):
    X = rng.standard_normal((K, n))
    assert _brute_force_count(X) == round(M.cover_fraction(K, n) * 2**K)


def test_cover_fraction_identities():
    for n in range(1, 40):
        assert M.cover_fraction(2 * n, n) == 0.5
        assert M.cover_fraction(n, n) == 1.0
        assert M.cover_fraction(n + 1, n) == 1.0 - 2.0**-n


def test_linearly_separable_simple_cases():
    X = np.array([[1.0, 0.0], [-1.0, 0.0]])
    assert M.linearly_separable(X, [1, 0])
    assert not M.linearly_separable(X, [1, 1])  # homogeneous: x and -x cannot share a side
    assert M.linearly_separable(X, [1, 1], affine=True)
    xor = np.array([[0.0, 0.0], [1.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    assert not M.linearly_separable(xor, [0, 0, 1, 1], affine=True)


def test_cover_trials_counts(rng):
    assert M.cover_trials(3, 5, 20, rng) == 20  # K <= n: always separable
    # all points in a 1-dimensional subspace: separable iff labels follow the sign of the coordinate
    hits = M.cover_trials(6, 4, 200, rng, rank=1)
    assert hits < 30  # P = 2 / 2^6 = 1/32, expected 6.25


# ---- Baum -----------------------------------------------------------------------------------------

def test_baum_network_memorises(rng):
    for K, n in [(200, 8), (57, 3), (5, 10)]:
        X = rng.standard_normal((K, n))
        y = rng.integers(0, 2, K)
        net = M.baum_network(X, y)
        assert isinstance(net, Net)
        assert net.widths == (n, 2 * math.ceil(y.sum() / n) or 2, 1)
        assert net.activations == ("step_strict", "step_strict")
        np.testing.assert_array_equal(net(X)[:, 0], y)


def test_baum_network_edge_labels(rng):
    X = rng.standard_normal((20, 4))
    np.testing.assert_array_equal(M.baum_network(X, np.zeros(20))(X)[:, 0], 0)
    np.testing.assert_array_equal(M.baum_network(X, np.ones(20))(X)[:, 0], 1)


def test_baum_network_rejects_degenerate(rng):
    X = rng.standard_normal((10, 3))
    X[3] = X[0] + (X[1] - X[0]) * 0.3 + (X[2] - X[0]) * 0.5  # on the plane through x0, x1, x2
    X[3] *= 1.0  # affine combination with weights summing to 1: <a, x3> = 1 if <a, x0..2> = 1
    y = np.zeros(10)
    y[:3] = 1
    with pytest.raises(ValueError, match="general position"):
        M.baum_network(X, y)


# ---- ReLU interpolation -----------------------------------------------------------------------------

def test_relu_interpolate_exact_small():
    X = np.array([[0.0], [1.0], [3.0]])
    y = np.array([1.0, -2.0, 5.0])
    net = M.relu_interpolate(X, y, direction=[1.0])
    np.testing.assert_allclose(net(X)[:, 0], y, atol=1e-12)
    # by hand: b = (-1, 1/2, 2), A = [[1,0,0],[2,1/2,0],[4,5/2,1]], so w = (1, -8, 21) and f(2) = 3 - 12 = -9
    np.testing.assert_allclose(net.weights[1][0], [1.0, -8.0, 21.0], atol=1e-12)
    np.testing.assert_allclose(net(np.array([[2.0]]))[0, 0], -9.0, atol=1e-12)


def test_relu_interpolate_random(rng):
    X = rng.standard_normal((120, 6))
    y = rng.standard_normal(120)
    net = M.relu_interpolate(X, y)
    assert net.widths == (6, 120, 1) and net.activations == ("relu", "identity")
    np.testing.assert_allclose(net(X)[:, 0], y, atol=1e-6)


# ---- Gaussian integrals ---------------------------------------------------------------------------------

mpmath.mp.dps = 40


def _mp_log_moment(a, k):
    J = mpmath.quad(lambda s: s**k * mpmath.exp(-a * s - s * s / 2), [0, 1 / max(abs(a), 1), 10, mpmath.inf])
    return float(mpmath.log(J) - a * a / 2 - mpmath.log(mpmath.sqrt(2 * mpmath.pi)))


@pytest.mark.parametrize("k", [0, 1, 2])
def test_log_relu_moment_against_mpmath(k):
    for a in [-4.0, -0.5, 0.0, 1.3, 5.5, 6.5, 12.0, 50.0, 200.0]:
        got = M.log_relu_moment(np.array([a]), k)[0]
        assert abs(got - _mp_log_moment(a, k)) <= 1e-11 * max(1.0, a * a), (k, a)


def test_relu_moment_against_monte_carlo(rng):
    g = rng.standard_normal(400_000)
    for k in range(3):
        for a in [-1.0, 0.5, 1.5]:
            s = np.maximum(g - a, 0) ** k if k else (g > a).astype(float)
            assert abs(s.mean() - M.relu_moment(np.array([a]), k)[0]) < 6 * s.std() / math.sqrt(g.size)


def test_mills_ratio_and_tail():
    for a in [-2.0, 0.0, 1.0, 5.0, 30.0]:
        exact = mpmath.sqrt(mpmath.pi / 2) * mpmath.erfc(a / mpmath.sqrt(2)) * mpmath.exp(a * a / 2)
        assert abs(M.mills_ratio(np.array([a]))[0] / float(exact) - 1) < 1e-13
    assert abs(M.normal_tail(np.array([0.0]))[0] - 0.5) < 1e-16
    assert M.normal_tail(np.array([30.0]))[0] > 0  # no 1 - Phi cancellation


def test_scaled_moment_closed_forms():
    s = np.array([0.0, 0.5, 1.0, 2.0])
    np.testing.assert_allclose(M.scaled_moment(s, 0.0, 1), s / math.sqrt(2 * math.pi), rtol=1e-13)
    np.testing.assert_allclose(M.scaled_moment(s, 0.0, 2), s**2 / 2, rtol=1e-13)
    np.testing.assert_allclose(M.scaled_moment(s[1:], 1.0, 0), M.normal_tail(1.0 / s[1:]), rtol=1e-14)
    assert M.scaled_moment(np.array([0.0]), -1.0, 0)[0] == 1.0
    assert M.scaled_moment(np.array([0.0]), -1.0, 2)[0] == 1.0


def test_stability_ratio_against_direct_and_leading():
    a = np.array([1.0, 3.0, 5.0])
    for k in range(3):
        for z in [-0.5, 0.25, 1.0]:
            s = math.sqrt(1 + z)
            direct = s**k * M.relu_moment(a / s, k) / M.relu_moment(a, k)
            np.testing.assert_allclose(M.stability_ratio(a, z, k), direct, rtol=1e-12)
    # at large a the corrected leading term is right to O(a^-2); the printed one is off by a power
    big = np.array([40.0])
    for k in range(3):
        r = M.stability_ratio(big, 0.25, k)[0]
        assert abs(r / M.stability_leading(big, 0.25, k)[0] - 1) < 1e-2
        off = 1.25 ** (M.CORRECTED_POWERS[k] - M.PRINTED_POWERS[k])
        assert abs(r / M.stability_leading(big, 0.25, k, version="printed")[0] / off - 1) < 1e-2


# ---- bad input ----------------------------------------------------------------------------------------------

def test_value_errors(rng):
    X = rng.standard_normal((6, 3))
    with pytest.raises(ValueError, match="K"):
        M.cover_fraction(0, 3)
    with pytest.raises(ValueError, match="n"):
        M.cover_fraction(3, 0)
    with pytest.raises(ValueError, match="y"):
        M.baum_network(X, [0, 1, 2, 0, 1, 0])
    with pytest.raises(ValueError, match="y"):
        M.linearly_separable(X, [0, 1])
    with pytest.raises(ValueError, match="K = 0"):
        M.relu_interpolate(np.zeros((0, 3)), np.zeros(0))
    with pytest.raises(ValueError, match="distinct"):
        M.relu_interpolate(np.vstack([X, X[:1]]), np.zeros(7))
    with pytest.raises(ValueError, match="distinct"):
        M.baum_network(np.vstack([X, X[:1]]), np.zeros(7))
    with pytest.raises(ValueError, match="direction"):
        M.relu_interpolate(X, np.zeros(6), direction=[0.0, 0.0, 0.0])
    with pytest.raises(ValueError, match="direction"):
        M.relu_interpolate(np.array([[1.0, 0.0], [0.0, 1.0]]), np.zeros(2), direction=[1.0, 1.0])
    with pytest.raises(ValueError, match="rng"):
        M.cover_trials(3, 2, 5, 42)
    with pytest.raises(ValueError, match="rank"):
        M.cover_trials(3, 2, 5, rng, rank=3)
    with pytest.raises(ValueError, match="k"):
        M.relu_moment(1.0, 3)
    with pytest.raises(ValueError, match="z"):
        M.stability_ratio(np.array([1.0]), -1.0, 0)
    with pytest.raises(ValueError, match="version"):
        M.stability_leading(np.array([1.0]), 0.5, 0, version="typo")
    with pytest.raises(ValueError, match="sigma"):
        M.scaled_moment(np.array([-1.0]), 0.0, 1)
    with pytest.raises(ValueError, match="a"):
        M.mills_ratio(np.array([np.nan]))


# ---- pair expectations ----------------------------------------------------------------------------------------

def test_pair_expectation_closed_forms():
    from scipy import special
    for rho in [-0.9, -0.3, 0.0, 0.5, 0.99, 1.0]:
        S = [[1.0, rho], [rho, 1.0]]
        # Sheppard: P(X1 > 0, X2 > 0) = 1/4 + arcsin(rho) / (2 pi)
        assert abs(M.pair_expectation(S, "threshold", 0.0) - (0.25 + math.asin(rho) / (2 * math.pi))) < 1e-14
        # arc-cosine kernel of degree 1: E X1_+ X2_+ = (sin t + (pi - t) cos t) / (2 pi), t = arccos(rho)
        t = math.acos(rho)
        assert abs(M.pair_expectation(S, "relu", 0.0) - (math.sin(t) + (math.pi - t) * rho) / (2 * math.pi)) < 1e-14
    for rho in [0.3, 0.9]:
        for b in [1.0, 3.0]:  # Owen's T: P(X1 > b, X2 > b) = Q(b) - 2 T(b, sqrt((1 - rho)/(1 + rho)))
            exact = special.ndtr(-b) - 2 * special.owens_t(b, math.sqrt((1 - rho) / (1 + rho)))
            assert abs(M.pair_expectation([[1, rho], [rho, 1]], "threshold", b) / exact - 1) < 1e-12


def test_pair_expectation_independent_and_singular():
    for kind, k in (("threshold", 0), ("relu", 1), ("relu2", 2)):
        for b in [0.5, 4.0, 8.0]:
            prod = M.relu_moment(np.array([b]), k)[0] ** 2
            assert abs(M.pair_expectation(np.eye(2), kind, b) / prod - 1) < 1e-12
            if k < 2:  # x' = x (singular Sigma): E psi(X)^2, which is m_0 for the threshold and m_2 for ReLU
                same = M.pair_expectation(np.ones((2, 2)), kind, b)
                assert abs(same / M.relu_moment(np.array([b]), 2 * k)[0] - 1) < 1e-12
    h = 0.2
    win = M.pair_expectation(np.diag([1.0, 4.0]), "window", h)
    assert abs(win - (1 - 2 * M.normal_tail(h)) * (1 - 2 * M.normal_tail(h / 2))) < 1e-14


def test_pair_expectation_monte_carlo(rng):
    S = np.array([[1.1, 0.3], [0.3, 0.9]])
    Z = rng.standard_normal((400_000, 2)) @ np.linalg.cholesky(S).T
    for kind, c in (("threshold", 1.0), ("relu", 0.5), ("relu2", 1.0), ("window", 0.5)):
        f = M._psi(kind, Z[:, 0], c) * M._psi(kind, Z[:, 1], c)
        assert abs(f.mean() - M.pair_expectation(S, kind, c)) < 6 * f.std() / math.sqrt(f.size)


def test_pair_expectation_errors():
    with pytest.raises(ValueError, match="Sigma"):
        M.pair_expectation([[1.0, 2.0], [2.0, 1.0]], "relu", 0.0)
    with pytest.raises(ValueError, match="Sigma"):
        M.pair_expectation([[1.0, 0.1], [0.2, 1.0]], "relu", 0.0)
    with pytest.raises(ValueError, match="Sigma"):
        M.pair_expectation([[0.0, 0.0], [0.0, 1.0]], "relu", 0.0)
    with pytest.raises(ValueError, match="kind"):
        M.pair_expectation(np.eye(2), "tanh", 0.0)
    with pytest.raises(ValueError, match="c"):
        M.pair_expectation(np.eye(2), "window", 0.0)


# ---- data, biases, layers -----------------------------------------------------------------------------------

def test_cap_data_and_separation(rng):
    X = M.cap_data(50, 8, 0.3, rng)
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1.0, atol=1e-14)
    np.testing.assert_allclose(X[:, 0], math.sqrt(0.3), atol=1e-15)
    brute = min(np.linalg.norm(X[i] - X[j]) for i in range(50) for j in range(i))
    assert abs(M.min_separation(X) - brute) < 1e-7


def test_bias_for_second_moment():
    for p in (1e-6, 0.0228, 0.3):
        b = M.bias_for_second_moment(p)
        assert abs(M.normal_tail(b) / p - 1) < 1e-12
        br = M.bias_for_second_moment(p, "relu")
        assert abs(M.relu_moment(np.array([br]), 2)[0] / p - 1) < 1e-10
    assert abs(M.bias_for_second_moment(0.5)) < 1e-15  # median of the normal


def test_enrichment_layer(rng):
    net, scale = M.enrichment(5, 400, 0.05, rng)
    assert net.widths == (5, 400) and net.activations == ("step_strict",)
    assert abs(scale - 1 / math.sqrt(400 * 0.05)) < 1e-15
    np.testing.assert_allclose(net.biases[0], -M.bias_for_second_moment(0.05))
    x = np.eye(5)[:1]
    np.testing.assert_array_equal(net(x)[0], (net.weights[0][:, 0] > M.bias_for_second_moment(0.05)) * 1.0)


def test_log_q_table_matches_pair_expectation():
    r = np.array([-0.3, 0.0, 0.7])
    want = [math.log(M.pair_expectation([[1, x], [x, 1]], "threshold", 1.5)) for x in r]
    np.testing.assert_allclose(M.log_q_table(r, 1.5), want, rtol=1e-14)
    assert abs(M.log_q_table(np.array([0.0]), 1.5)[0] - 2 * math.log(M.normal_tail(1.5))) < 1e-12


def test_binomial_helpers_brute_force():
    from scipy.stats import binom
    m, q = 40, 0.2
    pmf = binom.pmf(np.arange(m + 1), m, q)
    for k in (0, 3, 8, 15):
        lo, hi = pmf[: k + 1].sum(), pmf[k:].sum()
        assert abs(M.binomial_two_sided_pvalue(np.array([k]), m, np.array([q]))[0] - min(1, 2 * min(lo, hi))) < 1e-12
    for level in (0.5, 0.05, 1e-3):
        t = M.binomial_deviation(m, q, level)
        dev = np.abs(np.arange(m + 1) - m * q)
        assert pmf[dev > t].sum() <= level + 1e-15
        smaller = dev[dev < t]
        if smaller.size:  # any smaller admissible value would break the level
            assert pmf[dev > smaller.max()].sum() > level


def test_gaussian_projections_covariance(rng):
    G = np.array([[1.0, 0.6, 0.0], [0.6, 2.0, 0.3], [0.0, 0.3, 0.5]])
    P = M.gaussian_projections(G, 200_000, rng)
    np.testing.assert_allclose(P @ P.T / 200_000, G, atol=0.02)
    P1 = M.gaussian_projections(np.ones((2, 2)), 10, rng)  # singular: identical rows
    np.testing.assert_allclose(P1[0], P1[1], atol=1e-12)


# ---- perception ------------------------------------------------------------------------------------------------

def test_equal_gram_vectors(rng):
    V = M.equal_gram_vectors(20, 0.01, rng)
    G = V @ V.T
    np.testing.assert_allclose(np.diag(G), 1.0, atol=1e-13)
    off = G[np.triu_indices(20, 1)]
    np.testing.assert_allclose(np.abs(off), 0.01, atol=1e-13)


def test_mirror_perceptron_and_margins(rng):
    V = np.eye(6)
    w, tries, ok = M.mirror_perceptron(V, [1, 4], rng)
    assert ok and tries == 1 and set(np.abs(w)) == {0.0, 1.0}
    assert M.mirror_margins(V, w, [1, 4]) == (0.0, 1.0)
    # a positive and a negative at the same point can never be separated
    V2 = np.vstack([np.eye(3), np.eye(3)[:1]])
    assert not M.mirror_perceptron(V2, [0], rng, max_tries=5)[2]


def test_perception_network(rng):
    V = np.linalg.qr(rng.standard_normal((64, 64)))[0][:40]  # orthonormal rows: any batch works
    y = rng.integers(0, 2, 40)
    net, tries = M.perception_network(V, y, 5, rng)
    np.testing.assert_array_equal(net(V)[:, 0], y)
    assert net.widths == (64, 2 * math.ceil(y.sum() / 5), 1) and all(t == 1 for t in tries)
    np.testing.assert_array_equal(M.perception_network(V, np.zeros(40), 5, rng)[0](V)[:, 0], 0)
    V2 = np.vstack([V, V[:1]])
    y2 = np.zeros(41)
    y2[0] = 1
    with pytest.raises(RuntimeError, match="batch 0"):
        M.perception_network(V2, y2, 1, rng, max_tries=3)


def test_value_errors_layers(rng):
    with pytest.raises(ValueError, match="rho0"):
        M.cap_data(5, 3, 1.0, rng)
    with pytest.raises(ValueError, match="X"):
        M.min_separation(np.ones((1, 3)))
    with pytest.raises(ValueError, match="p"):
        M.bias_for_second_moment(0.7)
    with pytest.raises(ValueError, match="activation"):
        M.enrichment(3, 4, 0.1, rng, activation="tanh")
    with pytest.raises(ValueError, match="rho_grid"):
        M.log_q_table(np.array([1.5]), 1.0)
    with pytest.raises(ValueError, match="q"):
        M.binomial_two_sided_pvalue(np.array([1]), 10, np.array([1.5]))
    with pytest.raises(ValueError, match="level"):
        M.binomial_deviation(10, 0.5, 0.0)
    with pytest.raises(ValueError, match="gram"):
        M.gaussian_projections(np.array([[1.0, 2.0], [2.0, 1.0]]), 3, rng)
    with pytest.raises(ValueError, match="eta"):
        M.equal_gram_vectors(50, 0.5, rng)
    with pytest.raises(ValueError, match="batch"):
        M.mirror_perceptron(np.eye(3), [], rng)
    with pytest.raises(ValueError, match="tau"):
        M.mirror_perceptron(np.eye(3), [0], rng, tau=0.0)
    with pytest.raises(ValueError, match="y"):
        M.perception_network(np.eye(3), [0, 1, 3], 1, rng)
    with pytest.raises(ValueError, match="K = 0"):
        M.perception_network(np.zeros((0, 3)), np.zeros(0), 1, rng)
