"""Unit tests of lib.capacity_size against independent computations (closed forms, the Net itself,
constructed instances whose answer is known)."""
import math

import numpy as np
import pytest
from scipy.stats import binom

from lib import capacity, capacity_size as CZ
from lib.nets import Net


def gen(seed=0):
    return np.random.default_rng(seed)


def test_enrich_none_is_identity():
    X = capacity.cap_data(20, 8, 0.3, gen())
    enr = CZ.enrich(X, gen(), layers="none")
    assert enr.weights == () and enr.scale == 1.0 and np.array_equal(enr.V, X)


@pytest.mark.parametrize("layers", ["ER", "R"])
def test_enrich_codes_equal_the_net(layers):
    """V is the scale times the 0/1 output of the enrichment layers, evaluated independently as a Net."""
    X = capacity.cap_data(40, 16, 0.2, gen(1))
    enr = CZ.enrich(X, gen(2), layers=layers, m=256, d=64, p1=0.1)
    net = Net(list(enr.weights), list(enr.biases), ("step_strict",) * len(enr.weights))
    assert enr.V.shape == (40, 64)
    np.testing.assert_allclose(enr.V, enr.scale * net(X), rtol=0, atol=0)
    assert enr.scale == pytest.approx(1 / math.sqrt(64 * 64**-0.5))
    # the bias gives firing probability p2 = d^{-1/2} per unit: mean active fraction near 1/8
    assert abs(net(X).mean() - 1 / 8) < 0.05


def test_mirror_layer_orthonormal_exact():
    """On orthonormal points every batch works at the first draw, with margins exactly 0 and 1."""
    K = 12
    V = np.eye(K)
    y = np.array([1, 0, 1, 1, 0, 1, 1, 0, 0, 1, 1, 0], float)
    W, tau = CZ.mirror_layer(V, y, 4, gen(), max_tries=1, order="index")
    K1 = int(y.sum())
    assert W.shape == (2 * math.ceil(K1 / 4), K) and np.all(tau == 0.5)
    np.testing.assert_array_equal(W[1::2], -W[0::2])
    fires = ((V @ W.T - tau) > 0).any(axis=1)
    np.testing.assert_array_equal(fires, y == 1)


def test_mirror_layer_impossible_returns_none():
    """Two equal points with different labels cannot be told apart by any w."""
    V = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    assert CZ.mirror_layer(V, [1, 0, 0], 1, gen(), max_tries=5) is None


def test_mirror_layer_no_positives():
    W, tau = CZ.mirror_layer(np.eye(3), [0, 0, 0], 2, gen())
    assert W.shape == (2, 3) and not np.any(W)


def test_norm_order_batches_by_norm():
    """order='norm' batches the largest-norm positives first: with batch size 1 the rows come in that order."""
    V = np.diag([0.5, 2.0, 1.0, 3.0])
    W, _ = CZ.mirror_layer(V, [1, 1, 1, 0], 1, gen(), order="norm")
    np.testing.assert_array_equal(np.abs(W[0::2]).argmax(axis=1), [1, 2, 0])


def test_memorise_with_and_deep_connections():
    X = np.eye(10)  # unit, orthonormal: no enrichment needed, any batch size works
    y = gen(3).integers(0, 2, 10).astype(float)
    y[0] = 1
    net = CZ.memorise_with(X, y, CZ.enrich(X, gen(), layers="none"), 3, gen())
    assert isinstance(net, Net) and np.array_equal(net(X)[:, 0], y)
    r = 2 * math.ceil(y.sum() / 3)
    assert net.widths == (10, r, 1) and CZ.deep_connections(net) == 10 * r


def test_smallest_network_orthonormal_takes_one_batch():
    """On orthonormal data one mirror pair holds all positives, so the bisection must end at s = K1."""
    X = np.eye(16)
    y = np.zeros(16)
    y[[1, 4, 5, 9, 11, 12]] = 1
    net, s = CZ.smallest_network(X, y, gen(), layers="none")
    assert s == 6 and net.widths == (16, 2, 1) and np.array_equal(net(X)[:, 0], y)


def test_smallest_network_full_construction_memorises():
    X = capacity.cap_data(60, 16, 0.0, gen(4))
    y = gen(5).integers(0, 2, 60).astype(float)
    net, s = CZ.smallest_network(X, y, gen(6), m=512, d=256)
    assert s >= 1 and np.array_equal(net(X)[:, 0], y)
    assert CZ.deep_connections(net) == 256 * 2 * math.ceil(y.sum() / s)


def test_smallest_network_too_close_raises():
    X = np.array([[1.0, 0.0], [1.0, 1e-12]])
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    with pytest.raises(RuntimeError, match="separation"):
        CZ.smallest_network(X, [1, 0], gen(), layers="none")


def test_size_sweep_fields():
    res = CZ.size_sweep([20, 40], 2, gen(7), n=64, layers="none")
    assert all(res[k].shape == (4,) for k in ("K", "W", "Wc", "s", "K1", "exact", "sep"))
    assert np.array_equal(res["K"], [20, 20, 40, 40]) and np.all(res["exact"] == 1)
    assert np.all(res["Wc"] <= res["W"]) and np.all(res["W"] < res["Wc"] + 2 * 64)
    np.testing.assert_allclose(res["W"], 64 * 2 * np.ceil(res["K1"] / res["s"]))


def test_ablation_trials_values():
    ok = CZ.ablation_trials(30, 256, 0.0, "none", 1, 4, gen(8))
    assert ok.shape == (4,) and np.all(ok == 1)  # nearly orthogonal data, one point per pair
    ok = CZ.ablation_trials(30, 16, 0.0, "R", 2, 3, gen(9), d=128)
    assert set(np.unique(ok)) <= {0.0, 1.0}


@pytest.mark.parametrize("k,n", [(0, 10), (10, 10), (3, 10), (17, 40)])
def test_clopper_pearson_closed_forms(k, n):
    delta = 1e-3
    lo, hi = CZ.clopper_pearson(k, n, delta)
    if k == 0:
        assert lo == 0 and hi == pytest.approx(1 - (delta / 2) ** (1 / n))
    if k == n:
        assert hi == 1 and lo == pytest.approx((delta / 2) ** (1 / n))
    if 0 < k:
        assert binom.sf(k - 1, n, lo) == pytest.approx(delta / 2, rel=1e-6)  # P(Bin(n, lo) >= k) = delta/2
    if k < n:
        assert binom.cdf(k, n, hi) == pytest.approx(delta / 2, rel=1e-6)


def test_value_errors():
    X = capacity.cap_data(10, 8, 0.0, gen())
    with pytest.raises(ValueError, match="layers"):
        CZ.enrich(X, gen(), layers="E")
    with pytest.raises(ValueError, match="unit"):
        CZ.enrich(2 * X, gen())
    with pytest.raises(ValueError, match="rng"):
        CZ.enrich(X, 0)
    with pytest.raises(ValueError, match="batch_size"):
        CZ.mirror_layer(X, np.ones(10), 0, gen())
    with pytest.raises(ValueError, match="order"):
        CZ.mirror_layer(X, np.ones(10), 1, gen(), order="size")
    with pytest.raises(ValueError, match="y"):
        CZ.mirror_layer(X, np.full(10, 2.0), 1, gen())
    with pytest.raises(ValueError, match="enr"):
        CZ.memorise_with(X, np.ones(10), CZ.enrich(X[:5], gen(), layers="none"), 1, gen())
    with pytest.raises(ValueError, match="net"):
        CZ.deep_connections("net")
    with pytest.raises(ValueError, match="Ks"):
        CZ.size_sweep([1, 10], 1, gen())
    with pytest.raises(ValueError, match="reps"):
        CZ.size_sweep([10], 0, gen())
    with pytest.raises(ValueError, match="k"):
        CZ.clopper_pearson(5, 4)
    with pytest.raises(ValueError, match="delta"):
        CZ.clopper_pearson(1, 4, 0.0)
    with pytest.raises(ValueError, match="trials"):
        CZ.ablation_trials(10, 8, 0.0, "none", 1, 0, gen())


def test_circle_mixture_endpoints():
    K, n = 50, 8
    X1 = CZ.circle_mixture(K, n, 1.0, gen(10))
    np.testing.assert_allclose(np.linalg.norm(X1, axis=1), 1, atol=1e-12)
    assert np.linalg.matrix_rank(X1, tol=1e-9) == 2  # one great circle
    assert capacity.min_separation(X1) == pytest.approx(2 * math.sin(math.pi / K), rel=1e-9)
    X0 = CZ.circle_mixture(K, 64, 0.0, gen(11))
    np.testing.assert_allclose(np.linalg.norm(X0, axis=1), 1, atol=1e-12)
    assert capacity.min_separation(X0) > 0.8  # random points in R^64 are well separated
    with pytest.raises(ValueError, match="lam"):
        CZ.circle_mixture(K, n, 1.5, gen())
