"""Property-based tests of every public function of lib.sparsify (hypothesis).

Valid random inputs give finite outputs of the documented shape; invalid inputs (wrong shapes,
NaN/inf, empty arrays, out-of-range parameters, strings, complex numbers) raise ValueError whose
message names the argument, never a bare NumPy/torch error or a silent NaN. Numerically delicate
inputs of this topic: nearly equal points (JL distortions), ties in top-k, inputs exactly on a
threshold, correlations next to +-1, nearly singular feature matrices, huge values (overflow).
"""
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

from lib import sparsify as es
from lib import nets as _nets
from lib.nets import Net

from property_helpers import BAD_ARRAYS, BAD_SCALARS, S, raises_naming  # noqa: E402


def bad_arrays_raise(name, fn, **kw):
    """``fn(bad)`` raises a ValueError naming ``name`` for every array in BAD_ARRAYS (and a 3-D array)."""
    for bad in BAD_ARRAYS + [np.ones((2, 2, 2))]:
        raises_naming(name, fn, bad, **kw)


seeds = st.integers(0, 2**32 - 1)


def test_all_public_functions_are_covered():
    tested = {n[len("test_"):].split("__")[0] for n in globals() if n.startswith("test_")}
    missing = [f for f in es.__all__ if f not in tested]
    assert not missing, f"no property test for {missing}"


# -- random directions ------------------------------------------------------------------------
@S
@given(st.integers(1, 20), st.integers(1, 8), seeds)
def test_uniform_sphere(num, n, seed):
    X = es.uniform_sphere(num, n, np.random.default_rng(seed))
    assert X.shape == (num, n) and np.allclose(np.linalg.norm(X, axis=1), 1.0)
    for bad in BAD_SCALARS + [0, -1, 2.5]:
        raises_naming("num", es.uniform_sphere, bad, n, np.random.default_rng(0))
    raises_naming("rng", es.uniform_sphere, num, n, seed)


@S
@given(st.integers(2, 12), st.integers(1, 6), seeds)
def test_pairwise_inner(d, n, seed):
    W = np.random.default_rng(seed).standard_normal((d, n))
    g = es.pairwise_inner(W)
    assert g.shape == (d * (d - 1) // 2,) and np.all(np.isfinite(g))
    bad_arrays_raise("W", es.pairwise_inner)
    raises_naming("W", es.pairwise_inner, np.ones((1, 3)))


@S
@given(st.integers(2, 10**6), st.integers(1, 10**4), st.floats(1e-12, 0.99))
def test_orthogonality_epsilon(d, n, delta):
    eps = es.orthogonality_epsilon(d, n, delta)
    assert np.isfinite(eps) and eps > 0
    for bad in BAD_SCALARS + [0.0, 1.0, -0.1]:
        raises_naming("delta", es.orthogonality_epsilon, d, n, bad)
    raises_naming("d", es.orthogonality_epsilon, 1, n, delta)


@S
@given(st.integers(1, 5), st.integers(1, 8), st.floats(0, 10), seeds)
def test_l1_ball_residual(n, N, C, seed):
    r = np.random.default_rng(seed)
    A, x = r.standard_normal((n, N)), r.standard_normal(n)
    res, c = es.l1_ball_residual(A, x, C, iters=20)
    assert np.isfinite(res) and c.shape == (N,) and np.abs(c).sum() <= C * (1 + 1e-12) + 1e-12
    assert res <= np.linalg.norm(x) + 1e-12  # c = 0 is feasible and Frank-Wolfe never gets worse
    bad_arrays_raise("A", es.l1_ball_residual, x=x, C=C)
    raises_naming("x", es.l1_ball_residual, A, np.ones(n + 1), C)
    for bad in BAD_SCALARS + [-1.0]:
        raises_naming("C", es.l1_ball_residual, A, x, bad)
    raises_naming("iters", es.l1_ball_residual, A, x, C, iters=0)


@S
@given(st.integers(1, 5), st.integers(1, 8), st.floats(0, 10), seeds)
def test_l2_ball_residual(n, N, C, seed):
    r = np.random.default_rng(seed)
    A, x = r.standard_normal((n, N)), r.standard_normal(n)
    res = es.l2_ball_residual(A, x, C)
    assert np.isfinite(res) and -1e-12 <= res <= np.linalg.norm(x) + 1e-12
    assert es.l2_ball_residual(A, x, np.array([C, C])).shape == (2,)
    assert es.l2_ball_residual(np.zeros((n, N)), x, C) == pytest.approx(np.linalg.norm(x))  # nothing spans
    bad_arrays_raise("A", es.l2_ball_residual, x=x, C=C)
    for bad in [float("nan"), "1", 1j, -1.0]:
        raises_naming("C", es.l2_ball_residual, A, x, bad)


@S
@given(st.integers(2, 10**6), st.floats(1e-3, 0.999), st.floats(1e-12, 0.99))
def test_jl_dimension(N, eps, delta):
    k = es.jl_dimension(N, eps, delta)
    assert isinstance(k, int) and k >= 1
    for bad in BAD_SCALARS + [0.0, 1.0]:
        raises_naming("eps", es.jl_dimension, N, bad, delta)
    raises_naming("N", es.jl_dimension, 1, eps, delta)


@S
@given(st.integers(2, 8), st.integers(1, 6), st.integers(1, 5), seeds)
def test_jl_ratios(N, D, k, seed):
    r = np.random.default_rng(seed)
    X = r.standard_normal((N, D))
    ratios = es.jl_ratios(X, k, r)
    assert ratios.shape == (N * (N - 1) // 2,) and np.all(np.isfinite(ratios)) and np.all(ratios >= 0)
    # nearly equal points: the ratio is still the exact ratio of the projected difference (no cancellation)
    Xc = np.vstack([X[:1], X[:1] + 1e-9 * r.standard_normal((1, D))])
    rc = es.jl_ratios(Xc, k, np.random.default_rng(seed))
    A = np.random.default_rng(seed).standard_normal((k, D)) / np.sqrt(k)
    diff = Xc[0] - Xc[1]
    assert rc[0] == pytest.approx(np.sum((A @ diff) ** 2) / (diff @ diff), rel=1e-5)
    bad_arrays_raise("X", es.jl_ratios, k=k, rng=r)
    raises_naming("X", es.jl_ratios, np.ones((3, D)), k, r)  # repeated rows
    raises_naming("k", es.jl_ratios, X, 0, r)


@S
@given(st.integers(1, 10**4), st.integers(1, 10**4), st.floats(1e-12, 0.99))
def test_singular_value_interval(d, n, delta):
    if n > d:
        raises_naming("n", es.singular_value_interval, d, n, delta)
        return
    lo, hi = es.singular_value_interval(d, n, delta)
    assert np.isfinite(lo) and np.isfinite(hi) and lo < hi
    for bad in BAD_SCALARS + [0.0, 1.0]:
        raises_naming("delta", es.singular_value_interval, d, n, bad)


# -- sparsifiers ------------------------------------------------------------------------------
@S
@given(st.integers(1, 6), st.integers(1, 8), st.data())
def test_topk_binary(N, d, data):
    k = data.draw(st.integers(1, d))
    H = np.asarray(data.draw(st.lists(st.sampled_from([-1.0, 0.0, 0.5, 1.0]), min_size=N * d, max_size=N * d))).reshape(N, d)
    Z = es.topk_binary(H, k)  # many ties by construction
    assert Z.shape == H.shape and np.all(Z.sum(axis=1) == k)
    # the chosen entries are the k largest, ties going to the lower index
    order = np.lexsort((np.arange(d)[None, :].repeat(N, 0), -H), axis=1)[:, :k]
    expect = np.zeros_like(H); np.put_along_axis(expect, order, 1.0, axis=1)
    assert np.array_equal(Z, expect)
    bad_arrays_raise("H", es.topk_binary, k=1)
    for bad in BAD_SCALARS + [0, d + 1, 1.5]:
        raises_naming("k", es.topk_binary, H, bad)


@S
@given(st.integers(1, 6), st.integers(1, 8), seeds)
def test_threshold_binary(N, d, seed):
    r = np.random.default_rng(seed)
    H, tau = r.standard_normal((N, d)), r.standard_normal(d)
    Z = es.threshold_binary(H, tau)
    assert Z.shape == (N, d) and set(np.unique(Z)) <= {0.0, 1.0}
    assert np.all(es.threshold_binary(np.tile(tau, (N, 1)), tau) == 1.0)  # exactly on the threshold: eq. (4) fires
    bad_arrays_raise("H", es.threshold_binary, tau=np.zeros(2))
    raises_naming("tau", es.threshold_binary, H, np.zeros(d + 1))
    raises_naming("tau", es.threshold_binary, H, np.full(d, np.nan))


@S
@given(st.integers(1, 6), st.integers(1, 5), st.sampled_from(["step", "relu"]), seeds)
def test_es_layer(d, n, act, seed):
    r = np.random.default_rng(seed)
    W, tau, U = r.standard_normal((d, n)), r.standard_normal(d), r.standard_normal((3, n))
    net = es.es_layer(W, tau, act)
    assert isinstance(net, Net) and net(U).shape == (3, d)
    bad_arrays_raise("W", es.es_layer, tau=np.zeros(1))
    raises_naming("tau", es.es_layer, W, np.zeros(d + 1))
    raises_naming("activation", es.es_layer, W, tau, "tanh")


@S
@given(st.integers(2, 10), st.integers(1, 5), st.floats(0.01, 0.99), st.booleans(), seeds)
def test_gaussian_thresholds(d, n, frac, with_cov, seed):
    r = np.random.default_rng(seed)
    W = r.standard_normal((d, n))
    B = r.standard_normal((n, n))
    tau = es.gaussian_thresholds(W, frac * d, B @ B.T if with_cov else None)
    assert tau.shape == (d,) and np.all(np.isfinite(tau))
    for bad in BAD_SCALARS + [0.0, float(d)]:
        raises_naming("k", es.gaussian_thresholds, W, bad)
    raises_naming("cov", es.gaussian_thresholds, W, 1.0, np.eye(n + 1))
    bad_arrays_raise("W", es.gaussian_thresholds, k=0.5)


@S
@given(st.floats(1e-9, 1 - 1e-9), st.integers(1, 30))
def test_sphere_cap_cosine(p, m):
    c = es.sphere_cap_cosine(p, m)
    assert np.isfinite(c) and -1 <= c <= 1
    closed = {1: np.cos(np.pi * p), 2: 1 - 2 * p}
    if m in closed:
        assert c == pytest.approx(closed[m], abs=1e-12)
    if 1e-6 <= p <= 1 - 1e-6:  # nearer to 0 or 1 the cosine itself rounds to +-1 (a cap of angle ~1e-9)
        assert es.sphere_cap_measure(c, m) == pytest.approx(p, rel=1e-4)
    for bad in [float("nan"), "x", 1j, 0.0, 1.0, -0.5]:
        raises_naming("p", es.sphere_cap_cosine, bad, m)
    raises_naming("m", es.sphere_cap_cosine, 0.5, 0)


@S
@given(st.floats(-3, 3), st.integers(1, 30))
def test_sphere_cap_measure(c, m):
    p = es.sphere_cap_measure(c, m)
    assert np.isfinite(p) and 0 <= p <= 1
    assert es.sphere_cap_measure(np.array([c, c]), m).shape == (2,)
    for bad in [float("nan"), float("inf"), "x", 1j]:
        raises_naming("c", es.sphere_cap_measure, bad, m)


@settings(max_examples=8, deadline=None)
@given(st.integers(2, 200), st.floats(0.01, 0.99), st.integers(2, 40))
def test_active_count_moments_gaussian(d, frac, n):
    mean, var = es.active_count_moments_gaussian(d, frac * d, n)
    assert mean == pytest.approx(frac * d, rel=1e-6) and np.isfinite(var) and var >= 0
    for bad in BAD_SCALARS + [0.0, float(d)]:
        raises_naming("k", es.active_count_moments_gaussian, d, bad, n)
    raises_naming("n", es.active_count_moments_gaussian, d, 1.0, 1)


@S
@given(st.integers(1, 5), st.integers(2, 8), st.integers(2, 6), st.sampled_from(["gaussian", "sphere"]), seeds)
def test_fresh_layer_counts(T, d, n, law, seed):
    r = np.random.default_rng(seed)
    c = es.fresh_layer_counts(r.standard_normal((T, n)), d, 1.0, r, law=law, chunk=2)
    assert c.shape == (T,) and np.all((c >= 0) & (c <= d) & (c == np.round(c)))
    bad_arrays_raise("U", es.fresh_layer_counts, d=d, k=1.0, rng=r)
    raises_naming("law", es.fresh_layer_counts, np.ones((1, n)), d, 1.0, r, law="cube")
    raises_naming("chunk", es.fresh_layer_counts, np.ones((1, n)), d, 1.0, r, chunk=0)


@S
@given(st.integers(2, 10), st.integers(3, 6), st.integers(1, 2), seeds)
def test_sphere_thresholds(d, n, m, seed):
    r = np.random.default_rng(seed)
    W, F = r.standard_normal((d, n)), es.embedded_sphere(n, m, r)
    tau = es.sphere_thresholds(W, F, 1.0)
    assert tau.shape == (d,) and np.all(np.isfinite(tau))
    raises_naming("F", es.sphere_thresholds, W, 2 * F, 1.0)  # not orthonormal
    raises_naming("F", es.sphere_thresholds, W, F[:, :1], 1.0)
    raises_naming("k", es.sphere_thresholds, W, F, float(d))
    bad_arrays_raise("W", es.sphere_thresholds, F=F, k=1.0)


@S
@given(st.integers(2, 8), st.data(), seeds)
def test_embedded_sphere(n, data, seed):
    m = data.draw(st.integers(1, n - 1))
    F = es.embedded_sphere(n, m, np.random.default_rng(seed))
    assert F.shape == (n, m + 1) and np.allclose(F.T @ F, np.eye(m + 1))
    for bad in BAD_SCALARS + [0, n]:
        raises_naming("m", es.embedded_sphere, n, bad, np.random.default_rng(0))


# -- the averaging readout ----------------------------------------------------------------------
@S
@given(st.integers(1, 8), st.integers(1, 6), seeds)
def test_fit_average_readout(N, d, seed):
    r = np.random.default_rng(seed)
    Z, y = (r.random((N, d)) < 0.5).astype(float), r.standard_normal(N)
    w = es.fit_average_readout(Z, y)
    fired = Z.sum(axis=0) > 0
    assert w.shape == (d,) and np.all(np.isnan(w) == ~fired) and np.all(np.isfinite(w[fired]))
    bad_arrays_raise("Z", es.fit_average_readout, y=np.ones(1))
    raises_naming("Z", es.fit_average_readout, Z + 0.5, y)
    raises_naming("y", es.fit_average_readout, Z, np.ones(N + 1))
    raises_naming("y", es.fit_average_readout, Z, np.full(N, np.nan))


@S
@given(st.integers(1, 8), st.integers(1, 6), seeds)
def test_average_readout(N, d, seed):
    r = np.random.default_rng(seed)
    Z, w = (r.random((N, d)) < 0.5).astype(float), r.standard_normal(d)
    yhat = es.average_readout(Z, w)
    covered = Z.sum(axis=1) > 0
    assert yhat.shape == (N,) and np.all(np.isnan(yhat) == ~covered)  # NaN exactly where no unit fires
    assert np.all((yhat[covered] >= w.min() - 1e-12) & (yhat[covered] <= w.max() + 1e-12))  # convex combination
    bad_arrays_raise("Z", es.average_readout, w=np.ones(2))
    raises_naming("w", es.average_readout, Z, np.ones(d + 1))
    raises_naming("w", es.average_readout, Z, np.full(d, np.inf))


@S
@given(st.floats(0.01, 0.99), st.integers(2, 10**5), st.integers(1, 20), st.floats(0, 100))
def test_cap_error_bound(frac, d, m, lip):
    b = es.cap_error_bound(frac * d, d, m, lip)
    assert np.isfinite(b) and 0 <= b <= 2 * np.pi * lip + 1e-12
    for bad in BAD_SCALARS + [-1.0]:
        raises_naming("lip", es.cap_error_bound, 1.0, d, m, bad)


@settings(max_examples=10, deadline=None)
@given(st.integers(4, 30), st.integers(1, 2), st.sampled_from(["threshold", "topk"]), seeds)
def test_sphere_readout_errors(d, m, sparsifier, seed):
    r = np.random.default_rng(seed)
    W, F = r.standard_normal((d, 6)), es.embedded_sphere(6, m, r)
    err, active = es.sphere_readout_errors(W, F, 2, lambda S: S[:, 0], 20, 7, r, sparsifier=sparsifier)
    assert err.shape == (7,) and active.shape == (d,)
    assert np.all(np.isnan(err) | (err >= 0))
    raises_naming("f", es.sphere_readout_errors, W, F, 2, "f", 5, 5, r)
    raises_naming("k", es.sphere_readout_errors, W, F, d, lambda S: S[:, 0], 5, 5, r)
    raises_naming("sparsifier", es.sphere_readout_errors, W, F, 2, lambda S: S[:, 0], 5, 5, r, sparsifier="wta")
    raises_naming("y", es.sphere_readout_errors, W, F, 2, lambda S: np.full(len(S), np.nan), 5, 5, r)


@S
@given(st.floats(-3, 3), st.floats(-1, 1))
def test_overlap_probability(tau, rho):
    p = es.overlap_probability(tau, rho)
    from scipy.stats import norm
    assert np.isfinite(p) and -1e-12 <= p <= norm.sf(tau) + 1e-9
    # next to rho = 1 the probability is continuous (no blow-up of 1/sqrt(1 - rho^2))
    assert es.overlap_probability(tau, 1 - 1e-13) == pytest.approx(norm.sf(tau), abs=1e-5)
    raises_naming("rho", es.overlap_probability, tau, 1.5)
    for bad in BAD_SCALARS:
        raises_naming("tau", es.overlap_probability, bad, rho)


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 5000), st.integers(2, 60), st.floats(-1, 1))
def test_expected_min_flip(d, n, c):
    e = es.expected_min_flip(d, n, c)
    assert np.isfinite(e) and 0 <= e <= 2
    for bad in BAD_SCALARS + [1.5]:
        raises_naming("c", es.expected_min_flip, d, n, bad)
    raises_naming("n", es.expected_min_flip, d, 1, c)


@S
@given(st.integers(1, 60), st.fractions(Fraction(1, 100), Fraction(3, 2)))
def test_stevens_coverage(d, a):
    p = es.stevens_coverage(d, a)
    assert np.isfinite(p) and -1e-12 <= p <= 1 + 1e-12
    assert es.stevens_coverage(d, float(a)) == pytest.approx(p, abs=1e-9)
    for bad in BAD_SCALARS + [0.0, -0.5]:
        raises_naming("a", es.stevens_coverage, d, bad)
    raises_naming("d", es.stevens_coverage, 0, a)


@S
@given(st.integers(1, 5), st.integers(1, 8), st.floats(1e-3, 1.0), seeds)
def test_circle_covered(T, d, a, seed):
    cov = es.circle_covered(np.random.default_rng(seed).random((T, d)), a)
    assert cov.shape == (T,) and cov.dtype == bool
    # arcs exactly touching (gaps equal to a) cover: the closed-arc convention
    assert es.circle_covered(np.arange(4)[None, :] / 4, 0.25)[0]
    bad_arrays_raise("centres", es.circle_covered, a=a)
    for bad in BAD_SCALARS + [0.0]:
        raises_naming("a", es.circle_covered, np.zeros((1, 2)), bad)


# -- random features, training ------------------------------------------------------------------
@S
@given(st.integers(1, 6), st.integers(1, 5), st.integers(1, 7), seeds)
def test_relu_features(N, n, d, seed):
    r = np.random.default_rng(seed)
    F = es.relu_features(r.standard_normal((N, n)), r.standard_normal((d, n)), r.standard_normal(d))
    assert F.shape == (N, d) and np.all(np.isfinite(F)) and np.all(F >= 0)
    bad_arrays_raise("X", es.relu_features, W=np.ones((2, 2)))
    raises_naming("W", es.relu_features, np.ones((2, n)), np.ones((2, n + 1)))
    raises_naming("overflow", es.relu_features, np.full((1, n), 1e200), np.full((1, n), 1e200))


@S
@given(st.integers(1, 6), st.integers(1, 8), st.floats(0, 10), seeds)
def test_ridge_readout(N, d, lam, seed):
    r = np.random.default_rng(seed)
    F, y = r.standard_normal((N, d)), r.standard_normal(N)
    a = es.ridge_readout(F, y, lam)
    assert a.shape == (d,) and np.all(np.isfinite(a))
    # nearly singular features (two identical columns plus 1e-14 noise): the min-norm solution stays finite
    Fs = np.column_stack([F[:, :1], F[:, :1] + 1e-14 * r.standard_normal((N, 1))])
    assert np.all(np.isfinite(es.ridge_readout(Fs, y)))
    assert es.ridge_readout(F, np.column_stack([y, y]), np.array([0.0, lam])).shape == (2, d, 2)
    bad_arrays_raise("F", es.ridge_readout, y=np.ones(1))
    raises_naming("y", es.ridge_readout, F, np.ones(N + 1))
    for bad in [float("nan"), "1", 1j, -1.0]:
        raises_naming("lam", es.ridge_readout, F, y, bad)
    # huge features: s^2 would overflow; the ridge solution is still the (tiny) pseudo-inverse one
    big = np.diag([1e300, 2e300])
    assert np.allclose(es.ridge_readout(big, np.ones(2), 1.0) * 1e300, [1.0, 0.5], rtol=1e-12)


@S
@given(st.integers(1, 6), st.integers(1, 8), st.floats(1e-6, 10), seeds)
def test_readout_gd_steps(N, d, tol, seed):
    r = np.random.default_rng(seed)
    F, y = r.standard_normal((N, d)), r.standard_normal(N)
    t = es.readout_gd_steps(F, y, tol, max_steps=10**6)
    assert isinstance(t, int) and 0 <= t <= 10**6
    bad_arrays_raise("F", es.readout_gd_steps, y=np.ones(1), tol=1.0)
    raises_naming("y", es.readout_gd_steps, F, np.ones(N + 1), tol)
    for bad in BAD_SCALARS + [0.0]:
        raises_naming("tol", es.readout_gd_steps, F, y, bad)
    raises_naming("F", es.readout_gd_steps, np.zeros((N, d)), y, tol)
    raises_naming("F", es.readout_gd_steps, np.full((2, 2), 1e200), np.ones(2), tol)


@settings(max_examples=10, deadline=None)
@given(st.integers(2, 6), st.integers(1, 4), st.integers(1, 6), st.sampled_from(["ntk", "mf"]),
       st.sampled_from(["gd", "adam"]), st.integers(0, 3), seeds)
def test_train_two_layer(N, n, m, scaling, opt, steps, seed):
    r = np.random.default_rng(seed)
    X, y = r.standard_normal((N, n)), r.standard_normal(N)
    net0, net, losses = es.train_two_layer(X, y, m, steps=steps, lr=0.05, generator=torch.Generator().manual_seed(seed),
                                           scaling=scaling, optimizer=opt)
    assert isinstance(net, Net) and net.widths == (n, m, 1) and losses.shape == (steps + 1,)
    assert np.all(np.isfinite(losses))
    bad_arrays_raise("X", es.train_two_layer, y=y, width=m, steps=1, lr=0.1, generator=torch.Generator())
    raises_naming("y", es.train_two_layer, X, np.ones(N + 1), m, steps=1, lr=0.1, generator=torch.Generator())
    for bad in BAD_SCALARS + [0.0]:
        raises_naming("lr", es.train_two_layer, X, y, m, steps=1, lr=bad, generator=torch.Generator())
    raises_naming("optimizer", es.train_two_layer, X, y, m, steps=1, lr=0.1, generator=torch.Generator(), optimizer="sgd")


def test_train_two_layer_refuses_divergence():
    # fixed data and initialisation (not hypothesis draws, which can leave every unit dead so that
    # nothing moves): a learning rate of 1e6 overflows, which must be a ValueError naming lr
    r = np.random.default_rng(0)
    X, y = r.standard_normal((8, 3)), r.standard_normal(8)
    raises_naming("lr", es.train_two_layer, 100 * X, 100 * y, 16, steps=50, lr=1e6,
                  generator=torch.Generator().manual_seed(0))


@S
@given(st.integers(1, 4), st.integers(1, 4), st.floats(-5, 5), seeds)
def test_relative_change(a, b, shift, seed):
    r = np.random.default_rng(seed)
    W, V = r.standard_normal((a, b)), r.standard_normal((1, a))
    n0 = Net([W, V], [np.zeros(a), np.zeros(1)], ("relu", "identity"))
    n1 = Net([W + shift, V], [np.zeros(a), np.zeros(1)], ("relu", "identity"))
    assert es.relative_change(n0, n1) == pytest.approx(abs(shift) * np.sqrt(a * b) / np.linalg.norm(W))
    raises_naming("net", es.relative_change, W, n1)
    raises_naming("layer", es.relative_change, n0, n1, 2)
    raises_naming("layer", es.relative_change, n0, n1, "0")
    raises_naming("net0", es.relative_change, Net([0 * W, V], [np.zeros(a), np.zeros(1)]), n1)


@settings(max_examples=10, deadline=None)
@given(st.integers(2, 8), st.integers(1, 4), st.integers(2, 4), st.integers(0, 3), seeds)
def test_train_classifier(N, n, c, steps, seed):
    r = np.random.default_rng(seed)
    X, labels = r.standard_normal((N, n)), r.integers(0, c, N)
    net, acc = es.train_classifier(X, labels, 5, steps=steps, lr=0.01, generator=torch.Generator().manual_seed(seed),
                                   num_classes=c)
    assert net.widths == (n, 5, c) and acc.shape == (steps + 1,) and np.all((acc >= 0) & (acc <= 1))
    bad_arrays_raise("X", es.train_classifier, labels=labels, width=5, steps=1, lr=0.1, generator=torch.Generator())
    raises_naming("labels", es.train_classifier, X, labels + 0.5, 5, steps=1, lr=0.1, generator=torch.Generator())
    raises_naming("labels", es.train_classifier, X, np.ones(N + 1), 5, steps=1, lr=0.1, generator=torch.Generator())
    raises_naming("num_classes", es.train_classifier, X, labels, 5, steps=1, lr=0.1, generator=torch.Generator(), num_classes=1)
    raises_naming("generator", es.train_classifier, X, labels, 5, steps=1, lr=0.1, generator=np.random.default_rng(0))
    raises_naming("stop_at", es.train_classifier, X, labels, 5, steps=1, lr=0.1, generator=torch.Generator(), stop_at="1")


# -- additions for chapters 01b, 03b, 04b -------------------------------------------------------
_UNIFORM_CDF = lambda x: (np.asarray(x) + np.pi) / (2 * np.pi)


@S
@given(st.integers(2, 10**4), st.integers(1, 2000), st.floats(1e-10, 0.9))
def test_jl_distortion_level(N, k, delta):
    e = es.jl_distortion_level(N, k, delta)
    assert np.isfinite(e) and e > 0
    for bad in BAD_SCALARS + [1, 0, -3, 2.5]:
        raises_naming("N", es.jl_distortion_level, bad, k, delta)
    for bad in BAD_SCALARS + [0, 1.5]:
        raises_naming("k", es.jl_distortion_level, N, bad, delta)
    for bad in BAD_SCALARS + [0.0, 1.0, -0.1]:
        raises_naming("delta", es.jl_distortion_level, N, k, bad)


@S
@given(st.integers(1, 30), st.integers(1, 12), st.data(), seeds)
def test_sparse_binary_projection(d, n, data, seed):
    s = data.draw(st.integers(1, n))
    M = es.sparse_binary_projection(d, n, s, np.random.default_rng(seed))
    assert M.shape == (d, n) and np.all(M.sum(axis=1) == s)
    for bad in BAD_SCALARS + [0, n + 1, 1.5]:
        raises_naming("s", es.sparse_binary_projection, d, n, bad, np.random.default_rng(0))
    raises_naming("rng", es.sparse_binary_projection, d, n, s, seed)


@S
@given(st.integers(3, 40), st.integers(2, 8), seeds)
def test_circle_mass_thresholds(d, n, seed):
    rng = np.random.default_rng(seed)
    F = es.embedded_sphere(n, 1, rng)
    W = rng.standard_normal((d, n))
    k = float(rng.uniform(0.5, d - 0.5))
    tau = es.circle_mass_thresholds(W, F, k, _UNIFORM_CDF, iters=30)
    assert tau.shape == (d,) and np.all(np.isfinite(tau))
    bad_arrays_raise("W", es.circle_mass_thresholds, F=F, k=k, cdf=_UNIFORM_CDF)
    raises_naming("F", es.circle_mass_thresholds, W, np.ones((n, 2)), k, _UNIFORM_CDF)
    raises_naming("F", es.circle_mass_thresholds, W, np.ones((n, 3)), k, _UNIFORM_CDF)
    for bad in BAD_SCALARS + [0, d, -1]:
        raises_naming("k", es.circle_mass_thresholds, W, F, bad, _UNIFORM_CDF)
    for bad in ("cdf", None, lambda x: np.full(np.shape(x), np.nan), lambda x: 2 * _UNIFORM_CDF(x)):
        raises_naming("cdf", es.circle_mass_thresholds, W, F, k, bad)
    raises_naming("iters", es.circle_mass_thresholds, W, F, k, _UNIFORM_CDF, iters=0)


@S
@given(st.integers(1, 30), st.integers(2, 8), seeds)
def test_circle_arcs(d, n, seed):
    rng = np.random.default_rng(seed)
    F = es.embedded_sphere(n, 1, rng)
    W = rng.standard_normal((d, n))
    tau = rng.standard_normal(d) * 3
    phi, alpha = es.circle_arcs(W, F, tau)
    assert phi.shape == alpha.shape == (d,) and np.all(np.isfinite(phi))
    ok = ~np.isnan(alpha)
    assert np.all((alpha[ok] >= 0) & (alpha[ok] <= np.pi))
    bad_arrays_raise("W", es.circle_arcs, F=F, tau=tau)
    bad_arrays_raise("tau", lambda t: es.circle_arcs(W, F, t))
    raises_naming("F", es.circle_arcs, W, 3 * F, tau)


@S
@given(st.integers(1, 20), st.integers(1, 6), st.integers(1, 30), seeds)
def test_relu_readout_flip(N, n, d, seed):
    rng = np.random.default_rng(seed)
    X, W = rng.standard_normal((N, n)), rng.standard_normal((d, n))
    tau, a = rng.standard_normal(d), rng.standard_normal(d)
    out, Xadv = es.relu_readout_flip(X, W, tau, a, max_iter=20, return_points=True)
    assert out.shape == (N,) and Xadv.shape == (N, n) and not np.any(np.isnan(out)) and np.all(out >= 0)
    bad_arrays_raise("X", es.relu_readout_flip, W=W, tau=tau, a=a)
    bad_arrays_raise("a", lambda v: es.relu_readout_flip(X, W, tau, v))
    raises_naming("W", es.relu_readout_flip, X, W[:, :0] if n > 1 else np.ones((d, 2)), tau, a)
    for bad in BAD_SCALARS + [0, 1.5]:
        raises_naming("max_iter", es.relu_readout_flip, X, W, tau, a, max_iter=bad)
    for bad in BAD_SCALARS + [-0.1, 2.0]:
        raises_naming("overshoot", es.relu_readout_flip, X, W, tau, a, overshoot=bad)
    raises_naming("X", es.relu_readout_flip, np.full((2, n), 1e300), np.full((d, n), 1e300), tau, a)


@S
@given(st.lists(st.integers(1, 6), min_size=2, max_size=4), st.integers(1, 4), seeds)
def test_jacobian_singular_values(widths, N, seed):
    rng = np.random.default_rng(seed)
    net = _nets.gaussian_net(widths, rng)
    sv = es.jacobian_singular_values(net, rng.standard_normal((N, widths[0])))
    assert sv.shape == (N, min(widths[0], widths[-1])) and np.all(np.isfinite(sv)) and np.all(sv >= 0)
    raises_naming("net", es.jacobian_singular_values, "net", np.ones((1, widths[0])))
    bad_arrays_raise("X", lambda X: es.jacobian_singular_values(net, X))
    raises_naming("X", es.jacobian_singular_values, net, np.ones((1, widths[0] + 1)))


@S
@given(st.integers(1, 30), st.integers(1, 6), seeds)
def test_relu_kinks_on_line(d, n, seed):
    rng = np.random.default_rng(seed)
    W, tau, a = rng.standard_normal((d, n)), rng.standard_normal(d), rng.standard_normal(d)
    x0, v = rng.standard_normal(n), rng.standard_normal(n)
    kinks = es.relu_kinks_on_line(W, tau, a, x0, v, (-3.0, 3.0))
    assert kinks.ndim == 1 and kinks.size <= d and np.all(np.diff(kinks) >= 0) and np.all(np.abs(kinks) < 3)
    bad_arrays_raise("W", es.relu_kinks_on_line, tau=tau, a=a, x0=x0, v=v, t_range=(0, 1))
    raises_naming("x0", es.relu_kinks_on_line, W, tau, a, np.ones(n + 1), v, (0, 1))
    raises_naming("v", es.relu_kinks_on_line, W, tau, a, x0, np.array([np.nan] * n), (0, 1))
    for bad in ((1, 0), (0, 0), (np.nan, 1), (0, 1, 2), "ab"):
        raises_naming("t_range", es.relu_kinks_on_line, W, tau, a, x0, v, bad)
