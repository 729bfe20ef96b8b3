"""Property-based tests of lib.capacity_size: random valid inputs give finite outputs of the documented
shape (and memorising networks where the module promises them); invalid inputs raise a ValueError
naming the argument, never a bare NumPy error or a silent NaN."""
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from lib import capacity, capacity_size as CZ
from lib.nets import Net
from property_helpers import BAD_ARRAYS, BAD_SCALARS, S, raises_naming

seeds = st.integers(0, 2**32 - 1)


def gen(seed):
    return np.random.default_rng(seed)


@S
@given(seed=seeds, K=st.integers(2, 25), n=st.integers(2, 12), layers=st.sampled_from(CZ.LAYERS),
       rho0=st.floats(0, 0.9))
def test_enrich_shapes(seed, K, n, layers, rho0):
    X = capacity.cap_data(K, n, rho0, gen(seed))
    enr = CZ.enrich(X, gen(seed + 1), layers=layers, m=64, d=16, p1=0.1)
    assert enr.V.shape == (K, n if layers == "none" else 16) and np.all(np.isfinite(enr.V))
    assert len(enr.weights) == {"ER": 2, "R": 1, "none": 0}[layers] and enr.scale > 0


@S
@given(seed=seeds, K=st.integers(1, 20), d=st.integers(1, 10), s=st.integers(1, 6), order=st.sampled_from(["norm", "index"]))
def test_mirror_layer_shapes_and_exactness(seed, K, d, s, order):
    rng = gen(seed)
    V = rng.standard_normal((K, d))
    y = rng.integers(0, 2, K).astype(float)
    out = CZ.mirror_layer(V, y, s, rng, max_tries=3, order=order)
    if out is None:
        return
    W, tau = out
    K1 = int(y.sum())
    r = 2 * math.ceil(K1 / s) if K1 else 2
    assert W.shape == (r, d) and tau.shape == (r,) and np.all(np.isfinite(W)) and np.all(np.isfinite(tau))
    if K1:  # whatever it returns fires exactly on the positives
        np.testing.assert_array_equal(((V @ W.T - tau) > 0).any(axis=1), y == 1)


@S
@given(seed=seeds, K=st.integers(2, 16), s=st.integers(1, 8))
def test_memorise_with_and_smallest_network(seed, K, s):
    rng = gen(seed)
    X = np.eye(K)[rng.permutation(K)]
    y = rng.integers(0, 2, K).astype(float)
    net = CZ.memorise_with(X, y, CZ.enrich(X, rng, layers="none"), s, rng)
    assert isinstance(net, Net) and np.array_equal(net(X)[:, 0], y)
    net2, s2 = CZ.smallest_network(X, y, rng, layers="none")
    assert np.array_equal(net2(X)[:, 0], y) and 1 <= s2 <= max(int(y.sum()), 1)
    assert CZ.deep_connections(net2) == K * net2.widths[-2]


@S
@given(seed=seeds, reps=st.integers(1, 2))
def test_size_sweep_and_ablation_shapes(seed, reps):
    res = CZ.size_sweep([12, 20], reps, gen(seed), n=32, layers="none")
    assert all(v.shape == (2 * reps,) and np.all(np.isfinite(v)) for v in res.values())
    ok = CZ.ablation_trials(12, 32, 0.0, "none", 1, 2, gen(seed))
    assert ok.shape == (2,) and set(np.unique(ok)) <= {0.0, 1.0}


@S
@given(n=st.integers(1, 500), frac=st.floats(0, 1), delta=st.floats(1e-8, 0.5))
def test_clopper_pearson_range(n, frac, delta):
    k = int(round(frac * n))
    lo, hi = CZ.clopper_pearson(k, n, delta)
    assert 0 <= lo <= k / n <= hi <= 1 and math.isfinite(lo) and math.isfinite(hi)


# ---------------------------------------------------------------------------------------------
# invalid inputs: ValueError naming the argument

X0 = np.eye(4)


@pytest.mark.parametrize("bad", BAD_ARRAYS + [np.ones(4), 2 * X0])
def test_bad_points(bad):
    raises_naming("X", CZ.enrich, bad, gen(0))
    raises_naming("X", CZ.smallest_network, bad, np.ones(4), gen(0))


@pytest.mark.parametrize("bad", BAD_ARRAYS)
def test_bad_V(bad):
    raises_naming("V", CZ.mirror_layer, bad, np.ones(1), 1, gen(0))


@pytest.mark.parametrize("bad", [np.full(4, 2.0), np.ones(3), np.array([0, 1, np.nan, 0]), ["a"] * 4])
def test_bad_labels(bad):
    raises_naming("y", CZ.mirror_layer, X0, bad, 1, gen(0))
    raises_naming("y", CZ.memorise_with, X0, bad, CZ.enrich(X0, gen(0), layers="none"), 1, gen(0))


@pytest.mark.parametrize("bad", BAD_SCALARS + [0, -1, 1.5])
def test_bad_integers(bad):
    raises_naming("batch_size", CZ.mirror_layer, X0, np.ones(4), bad, gen(0))
    raises_naming("max_tries", CZ.smallest_network, X0, np.ones(4), gen(0), max_tries=bad)
    raises_naming("reps", CZ.size_sweep, [10], bad, gen(0))
    raises_naming("trials", CZ.ablation_trials, 10, 8, 0.0, "none", 1, bad, gen(0))
    raises_naming("n", CZ.clopper_pearson, 0, bad)


@pytest.mark.parametrize("bad", BAD_SCALARS + [0.0, 0.7, -0.1])
def test_bad_floats(bad):
    raises_naming("p1", CZ.enrich, X0, gen(0), p1=bad)
    raises_naming("delta", CZ.clopper_pearson, 1, 4, bad if bad != 0.7 else 1.0)


@pytest.mark.parametrize("bad", ["E", "", None, 3])
def test_bad_choices(bad):
    raises_naming("layers", CZ.enrich, X0, gen(0), layers=bad)
    raises_naming("order", CZ.mirror_layer, X0, np.ones(4), 1, gen(0), order=bad)


@pytest.mark.parametrize("bad", [None, 0, "rng", np.random.RandomState(0)])
def test_bad_rng(bad):
    raises_naming("rng", CZ.enrich, X0, bad)
    raises_naming("rng", CZ.mirror_layer, X0, np.ones(4), 1, bad)
    raises_naming("rng", CZ.size_sweep, [10], 1, bad)


@pytest.mark.parametrize("bad", [[1, 10], [], [[10]], [10.5], [np.nan], ["a"]])
def test_bad_Ks(bad):
    raises_naming("Ks", CZ.size_sweep, bad, 1, gen(0))


def test_bad_enrichment_and_net():
    raises_naming("enr", CZ.memorise_with, X0, np.ones(4), "enr", 1, gen(0))
    raises_naming("net", CZ.deep_connections, None)
    raises_naming("rho0", CZ.ablation_trials, 10, 8, 1.5, "none", 1, 1, gen(0))


@S
@given(seed=seeds, K=st.integers(1, 40), n=st.integers(2, 20), lam=st.floats(0, 1))
def test_circle_mixture_unit(seed, K, n, lam):
    X = CZ.circle_mixture(K, n, lam, gen(seed))
    assert X.shape == (K, n) and np.all(np.isfinite(X))
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1, atol=1e-12)


@pytest.mark.parametrize("bad", BAD_SCALARS + [-0.1, 1.1])
def test_circle_mixture_bad_lam(bad):
    raises_naming("lam", CZ.circle_mixture, 10, 4, bad, gen(0))
    raises_naming("K", CZ.circle_mixture, 0, 4, 0.5, gen(0))
    raises_naming("n", CZ.circle_mixture, 10, 1, 0.5, gen(0))
