"""Property-based tests of every public function of lib.ntk (hypothesis).

Random valid inputs give finite outputs of the documented shape; invalid inputs (wrong shapes, NaN or
inf, empty arrays, out-of-range parameters, strings, complex numbers) raise ValueError naming the
argument -- never a bare NumPy/torch error and never a silent NaN.
"""
import math

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings, strategies as st

from lib import ntk

SET = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
seeds = st.integers(0, 2**32 - 1)
small = st.integers(1, 6)


def gen(seed):
    return np.random.default_rng(seed)


def raises(name, fn, *args, **kw):
    with pytest.raises(ValueError, match=name):
        fn(*args, **kw)


BAD_ARRAYS = [np.array([[np.nan, 1.0]]), np.array([[np.inf, 1.0]]), np.zeros((0, 2)), [["a", "b"]],
              np.array([[1 + 1j, 2.0]]), np.array([[True, False]])]


# ---------------------------------------------------------------- kernels and angles
@SET
@given(seeds, small, small, st.integers(1, 5), st.floats(-30, 30))
def test_kernels_finite_and_shaped(seed, n, n2, d, logscale):
    r = gen(seed)
    X = r.standard_normal((n, d)) * 10.0**logscale
    Y = r.standard_normal((n2, d))
    nx, ny, th = ntk.pair_angles(X, Y)
    assert th.shape == (n, n2) and np.all(np.isfinite(th)) and np.all((th >= 0) & (th <= np.pi))
    for K in (ntk.relu_ntk_inner(X, Y), ntk.relu_outer_kernel(X, Y)):
        assert K.shape == (n, n2) and np.all(np.isfinite(K))
    nngp, K = ntk.relu_ntk(X / 10.0**logscale, Y, depth=int(r.integers(1, 6)), W_std=float(r.uniform(0, 3)), b_std=float(r.uniform(0, 1)))
    assert nngp.shape == K.shape == (n, n2) and np.all(np.isfinite(K)) and np.all(np.isfinite(nngp))


@SET
@given(seeds, st.floats(1e-15, 1e-6), small)
def test_nearly_parallel_rows_give_finite_angles_and_diagonal(seed, eps, d):
    r = gen(seed)
    x = r.standard_normal((1, d + 1))
    X = np.vstack([x, x * (1 + eps), x + eps * r.standard_normal((1, d + 1)), -x])
    _, _, th = ntk.pair_angles(X)
    assert np.all(np.isfinite(th)) and abs(th[0, 3] - np.pi) < 1e-6
    K = ntk.relu_ntk_inner(X)
    assert np.all(np.isfinite(K)) and K[0, 0] == pytest.approx(0.5 * (x @ x.T).item(), rel=1e-9)
    _, Kd = ntk.relu_ntk(X, depth=4)
    assert np.all(np.isfinite(Kd))


@SET
@given(seeds, st.floats(-14, -3), st.integers(2, 6), st.floats(-20, 20))
def test_small_angles_are_accurate(seed, log_eps, d, logscale):
    eps = 10.0**log_eps
    r = gen(seed)
    x = r.standard_normal(d) * 10.0**logscale
    w = r.standard_normal(d)
    w -= (w @ x) / (x @ x) * x  # orthogonal to x
    w *= eps * np.linalg.norm(x) / np.linalg.norm(w)
    _, _, th = ntk.pair_angles(x[None], (x + w)[None])
    assert th[0, 0] == pytest.approx(np.arctan(eps), rel=1e-6)


@SET
@given(st.floats(5.0, 1e3), st.integers(50, 400))
def test_deep_large_sigma_overflow_is_reported_not_nan(W_std, depth):
    X = np.array([[1.0, 0.0], [0.6, 0.8]])
    try:
        nngp, K = ntk.relu_ntk(X, depth=depth, W_std=W_std)
    except ValueError as err:
        assert "W_std" in str(err) or "depth" in str(err)
    else:
        assert np.all(np.isfinite(K)) and np.all(np.isfinite(nngp))


@pytest.mark.parametrize("bad", BAD_ARRAYS)
def test_kernels_reject_bad_arrays(bad):
    for fn in (ntk.pair_angles, ntk.relu_ntk_inner, ntk.relu_outer_kernel, ntk.relu_ntk):
        raises("X", fn, bad)


def test_kernels_reject_bad_parameters():
    X = np.ones((2, 2))
    raises("Y", ntk.relu_ntk_inner, X, np.ones((2, 3)))
    raises("rho", ntk.relu_ntk_inner, X, rho=-1.0)
    raises("rho", ntk.relu_ntk_inner, X, rho="1")
    raises("depth", ntk.relu_ntk, X, depth=0)
    raises("depth", ntk.relu_ntk, X, depth=1.5)
    raises("W_std", ntk.relu_ntk, X, W_std=np.nan)
    raises("b_std", ntk.relu_ntk, X, b_std=-1)
    raises("X", ntk.pair_angles, np.zeros((2, 2)))
    raises("x", ntk.cube_orthant_probability, np.zeros(2), np.ones(2))
    raises("y", ntk.cube_orthant_probability, np.ones(2), np.ones(3))


@SET
@given(seeds)
def test_cube_and_orthant_probabilities(seed):
    r = gen(seed)
    p = ntk.cube_orthant_probability(r.standard_normal(2), r.standard_normal(2))
    assert 0.0 <= p <= 0.5 + 1e-12
    u, v, w = r.standard_normal((3, 4))
    q = ntk.orthant_probability3(u, v, w)
    assert 0.0 <= q <= 0.5 + 1e-12
    raises("x, y and z", ntk.orthant_probability3, u, v, w[:3])
    raises("x", ntk.orthant_probability3, [np.nan, 1, 1, 1], v, w)


# ---------------------------------------------------------------- the two-layer model
@SET
@given(seeds, st.integers(1, 40), st.integers(1, 5), st.integers(1, 6), st.sampled_from(["notes", "theory", "torch"]))
def test_two_layer_functions(seed, m, d, n, conv):
    r = gen(seed)
    a, V0 = ntk.init_two_layer(m, d, r, conv)
    assert a.shape == (m,) and V0.shape == (m, d)
    X = r.standard_normal((n, d))
    V = V0 + r.standard_normal((m, d))
    for act in ("relu", "softplus", "tanh"):
        out = ntk.two_layer(X, a, V, act)
        gap = ntk.taylor_gap(X, a, V0, V, act)
        assert out.shape == gap.shape == (n,) and np.all(np.isfinite(out)) and np.all(gap >= 0)
    assert ntk.two_layer_net(a, V, 0.5)(X).shape == (n, 1)
    assert ntk.relu_flip_sum(X, a, V0, V).shape == (n,)
    assert ntk.taylor_expansion(X, a, V0, V).shape == (n,)
    assert ntk.taylor_features(X, a, V0, 0.3).shape == (n, m * d)
    rem = ntk.remainder_from_preactivations(a, X @ V0.T, X @ V.T)
    assert rem.shape == (n,) and np.all(np.isfinite(rem))
    assert np.isfinite(ntk.prop34_bound(0.25, a, V, V0)) and np.isfinite(ntk.prop37_bound(a, 1.0, 0.1))
    Vadv, g = ntk.adversarial_relu_perturbation(a, V0, X[0] + 1e-3, 1.0)
    assert Vadv.shape == V0.shape and np.isfinite(g) and np.linalg.norm(Vadv - V0) <= 1.0 + 1e-9


def test_two_layer_functions_reject_bad_input():
    a, V = np.ones(3), np.ones((3, 2))
    X = np.ones((4, 2))
    for bad in BAD_ARRAYS:
        raises("X", ntk.two_layer, bad, a, V)
        raises("V", ntk.two_layer, X, a, np.asarray(bad))
    raises("a", ntk.two_layer, X, np.ones(2), V)
    raises("a", ntk.two_layer, X, np.array([1, np.nan, 1]), V)
    raises("activation", ntk.two_layer, X, a, V, "gelu")
    raises("W", ntk.taylor_gap, X, a, np.ones((2, 2)), V)
    raises("W", ntk.relu_flip_sum, X, a, np.ones((3, 3)), V)
    raises("V0", ntk.taylor_expansion, X, a, np.ones((3, 3)), V)
    raises("a", ntk.taylor_features, X, a, np.ones((2, 2)))
    raises("scale", ntk.taylor_features, X, a, V, np.inf)
    raises("scale", ntk.two_layer_net, a, V, "big")
    raises("activation", ntk.two_layer_net, a, V, 1.0, "gelu")
    raises("ZW", ntk.remainder_from_preactivations, a, np.ones((2, 2)), np.ones((2, 3)))
    raises("ZV", ntk.remainder_from_preactivations, a, np.ones(3), [np.nan] * 3)
    raises("beta", ntk.prop34_bound, -1.0, a, V, V)
    raises("V0", ntk.prop34_bound, 1.0, a, V, np.ones((2, 2)))
    raises("B", ntk.prop37_bound, a, -1.0, 0.1)
    raises("delta", ntk.prop37_bound, a, 1.0, 0.0)
    raises("a", ntk.prop37_bound, np.ones((2, 2)), 1.0, 0.1)
    raises("x", ntk.adversarial_relu_perturbation, a, V, np.zeros(2), 1.0)
    raises("B", ntk.adversarial_relu_perturbation, a, V, np.ones(2), np.nan)
    raises("m", ntk.init_two_layer, 0, 2, np.random.default_rng(0))
    raises("d", ntk.init_two_layer, 2, "2", np.random.default_rng(0))
    raises("rng", ntk.init_two_layer, 2, 2, 0)
    raises("convention", ntk.init_two_layer, 2, 2, np.random.default_rng(0), "xavier")


@SET
@given(st.floats(1e-6, 1e3))
def test_relu_flip_second_moment_finite_and_monotone(s):
    v = ntk.relu_flip_second_moment(s)
    assert np.isfinite(v) and 0.0 <= v <= 1.0 + s * s
    assert ntk.relu_flip_second_moment(2 * s) >= v - 1e-12


def test_relu_flip_second_moment_rejects():
    for bad in (0.0, -1.0, np.nan, "s", 1j):
        raises("s", ntk.relu_flip_second_moment, bad)


# ---------------------------------------------------------------- Lemma 3.8, Thm 3.10, Thm 3.14
@SET
@given(seeds, st.integers(1, 200), st.floats(1e-4, 3.0), st.floats(1e-6, 0.9))
def test_lemma38_and_counts(seed, m, tau, delta):
    r = gen(seed)
    V = r.standard_normal((3, m, 2))
    c = ntk.small_projection_count(V, [1.0, 2.0], tau)
    assert c.shape == (3,) and np.all((c >= 0) & (c <= m))
    for form in ("proof", "printed"):
        assert np.isfinite(ntk.lemma38_threshold(m, tau, delta, form))
        assert 0.0 <= ntk.lemma38_tail(m, tau, delta, form) <= 1.0


def test_lemma38_rejects():
    raises("V", ntk.small_projection_count, np.ones(3), np.ones(3), 0.1)
    raises("x", ntk.small_projection_count, np.ones((3, 2)), np.zeros(2), 0.1)
    raises("x", ntk.small_projection_count, np.ones((3, 2)), np.ones(3), 0.1)
    raises("tau", ntk.small_projection_count, np.ones((3, 2)), np.ones(2), -0.1)
    raises("m", ntk.lemma38_threshold, 0, 0.1, 0.1)
    raises("delta", ntk.lemma38_tail, 10, 0.1, 1.0)
    raises("form", ntk.lemma38_tail, 10, 0.1, 0.1, "other")


@SET
@given(st.integers(1, 12), st.floats(1e-300, 2.0), st.floats(1e-9, 0.99))
def test_thm310_width_is_an_int_or_refused(d, tau, delta):
    try:
        w = ntk.thm310_width(d, tau, delta)
    except ValueError as err:
        assert "tau" in str(err) or "d" in str(err)
    else:
        assert isinstance(w, int) and w >= 0


@SET
@given(seeds, st.integers(200, 3000))
def test_embed_and_transport(seed, m):
    r = gen(seed)
    a, V0 = ntk.init_two_layer(m, 2, r)
    beta = np.array([[1.0, 0.0], [0.0, -1.0]])
    try:
        E = ntk.embed_reference_network(a, V0, [1.0, -2.0], beta, 0.5)
    except ValueError as err:
        assert "V0" in str(err)
    else:
        assert E["V"].shape == V0.shape and np.isfinite(E["c0"])
    centres = r.standard_normal((3, 2))
    T = ntk.span_transport(V0, centres, [1.0, 0.5, -1.0])
    assert T.shape == V0.shape
    for corr in (True, False):
        W = ntk.transport_weights(a, V0, T, 0.7, corr)
        assert W.shape == V0.shape and np.all(np.isfinite(W))
    mean, var = ntk.transport_limit_moments(centres[0], centres, [1.0, 0.5, -1.0])
    assert np.isfinite(mean) and var >= -1e-12


def test_embed_and_transport_reject():
    a, V0 = np.ones(4), np.ones((4, 2))
    raises("alpha", ntk.embed_reference_network, a, V0, [0.0], [[1.0, 0.0]], 0.2)
    raises("beta", ntk.embed_reference_network, a, V0, [1.0], [[2.0, 0.0]], 0.2)
    raises("beta", ntk.embed_reference_network, a, V0, [1.0], [[1.0, 0.0, 0.0]], 0.2)
    raises("tau", ntk.embed_reference_network, a, V0, [1.0], [[1.0, 0.0]], 0.0)
    raises("V0", ntk.embed_reference_network, a, np.zeros((4, 2)), [1.0], [[1.0, 0.0]], 0.2)
    raises("T_values", ntk.transport_weights, a, V0, np.ones((3, 2)), 1.0)
    raises("rho", ntk.transport_weights, a, V0, V0, 0.0)
    raises("centres", ntk.span_transport, V0, np.ones((2, 3)), [1.0, 1.0])
    raises("alpha", ntk.span_transport, V0, np.ones((2, 2)), [1.0])
    raises("x", ntk.transport_limit_moments, np.ones(3), np.ones((2, 2)), [1.0, 1.0])
    raises("d", ntk.thm310_width, 0, 0.1, 0.1)
    raises("tau", ntk.thm310_width, 2, -0.1, 0.1)


# ---------------------------------------------------------------- Prop. 3.25 and training
@SET
@given(st.integers(1, 1000), st.booleans())
def test_prop325_coefficients_positive_and_finite(n, scaled):
    f = ntk.prop325_coefficients(n, boundary_scaled=scaled)
    assert f.shape == (n,) and np.all(np.isfinite(f)) and np.all(f > 0)


@SET
@given(seeds, st.integers(1, 30), st.booleans())
def test_circle_functions(seed, n, padded):
    r = gen(seed)
    phi = r.uniform(-50, 50, n)
    X = ntk.circle_points(phi, padded)
    assert X.shape == (n, 3 if padded else 2)
    prof = ntk.circle_kernel_profile(phi[:, None] - phi[None, :], padded)
    assert prof.shape == (n, n) and np.all(np.isfinite(prof))
    assert np.allclose(np.diag(prof), 0.5)
    al, fit = ntk.kernel_least_squares(X[: max(1, n // 2)], X, np.cos(3 * phi))
    assert al.shape == (max(1, n // 2),) and fit.shape == (n,) and np.all(np.isfinite(fit))


def test_circle_kernel_fourier_shape():
    c = ntk.circle_kernel_fourier(3, padded=True)
    assert c.shape == (4,) and np.all(c > 0)


def test_prop325_and_circle_reject():
    for bad in (0, -1, 2.5, "5", np.nan):
        raises("n_terms", ntk.prop325_coefficients, bad)
    raises("boundary_scaled", ntk.prop325_coefficients, 3, 1)
    raises("phi", ntk.circle_points, [[0.0]])
    raises("phi", ntk.circle_points, [np.inf])
    raises("phi", ntk.circle_points, [])
    raises("phi", ntk.circle_points, [1j])
    raises("padded", ntk.circle_points, [0.0], "no")
    raises("t", ntk.circle_kernel_profile, [np.nan])
    raises("t", ntk.circle_kernel_profile, ["x"])
    raises("padded", ntk.circle_kernel_profile, [0.0], None)
    raises("n_max", ntk.circle_kernel_fourier, -1)
    raises("padded", ntk.circle_kernel_fourier, 2, "yes")
    raises("y", ntk.kernel_least_squares, np.ones((2, 2)), np.ones((3, 2)), [1.0, np.nan, 1.0])
    raises("X", ntk.kernel_least_squares, np.ones((2, 2)), np.ones((3, 3)), np.ones(3))
    raises("centres", ntk.kernel_least_squares, np.zeros((2, 2)), np.ones((3, 2)), np.ones(3))


@SET
@given(seeds, st.integers(1, 3), st.integers(1, 30), st.integers(1, 4), st.integers(0, 12), st.floats(1e-3, 1.0))
def test_lazy_training_shapes_and_finiteness(seed, R, m, d, steps, eta):
    r = gen(seed)
    X = r.standard_normal((5, d))
    y = r.standard_normal(5)
    a, V0 = r.choice([-1.0, 1.0], (R, m)), r.standard_normal((R, m, d))
    o = ntk.lazy_training(X, y, a, V0, eta / (1 + np.abs(X).sum()), steps, 1 / math.sqrt(m), record_every=3)
    assert o["loss_net"].shape == (R, steps + 1) and o["dist"].shape == (R, steps + 1)
    assert o["K0"].shape == (R, 5, 5) and o["V"].shape == (R, m, d)
    for k, v in o.items():
        assert np.all(np.isfinite(v)), k
    assert np.all((o["flips"] >= 0) & (o["flips"] <= 1))


def test_lazy_training_reports_divergence():
    r = gen(1)
    X, y = r.standard_normal((5, 2)), r.standard_normal(5)
    a, V0 = ntk.init_two_layer(8, 2, r)
    raises("eta", ntk.lazy_training, X, y, a, V0, 1e3, 400, 1.0)


def test_lazy_training_rejects():
    X, y, a, V0 = np.ones((2, 3)), np.ones(2), np.ones(4), np.ones((4, 3))
    raises("V0", ntk.lazy_training, X, y, a, np.ones(4), 0.1, 2, 0.5)
    raises("V0", ntk.lazy_training, X, y, a, np.full((4, 3), np.nan), 0.1, 2, 0.5)
    raises("a", ntk.lazy_training, X, y, np.ones(3), V0, 0.1, 2, 0.5)
    raises("X", ntk.lazy_training, np.ones((2, 2)), y, a, V0, 0.1, 2, 0.5)
    raises("y", ntk.lazy_training, X, [1.0, "a"], a, V0, 0.1, 2, 0.5)
    raises("eta", ntk.lazy_training, X, y, a, V0, -0.1, 2, 0.5)
    raises("steps", ntk.lazy_training, X, y, a, V0, 0.1, 2.5, 0.5)
    raises("scale", ntk.lazy_training, X, y, a, V0, 0.1, 2, np.nan)
    raises("record_every", ntk.lazy_training, X, y, a, V0, 0.1, 2, 0.5, None, 0)
    raises("X_test", ntk.lazy_training, X, y, a, V0, 0.1, 2, 0.5, np.ones((0, 3)))


# ---------------------------------------------------------------- torch
@SET
@given(st.integers(0, 2**31), st.integers(1, 6), st.integers(1, 3), st.integers(1, 4), st.booleans())
def test_torch_modules_and_empirical_kernels(seed, m, d, n, train_outer):
    r = gen(seed)
    a, V = ntk.init_two_layer(m, d, r)
    X = r.standard_normal((n, d))
    mod = ntk.two_layer_module(a, V, 1 / math.sqrt(m), 1.0, train_outer)
    K = ntk.empirical_ntk(mod, X)
    assert K.shape == (n, n) and np.all(np.isfinite(K))
    net = ntk.ntk_mlp([d, m, m, 1], torch.Generator().manual_seed(seed), W_std=1.0, b_std=0.3)
    L = ntk.empirical_ntk_layers(net, X, X[:1])
    assert all(v.shape == (n, 1) for v in L.values()) and len(L) == 6


def test_torch_functions_reject():
    g = torch.Generator().manual_seed(0)
    net = ntk.ntk_mlp([2, 3, 1], g)
    for bad in BAD_ARRAYS:
        raises("X", ntk.empirical_ntk, net, bad)
    raises("Y", ntk.empirical_ntk, net, np.ones((2, 2)), np.ones((2, 3)))
    raises("model", ntk.empirical_ntk_layers, lambda x: x, np.ones((2, 2)))
    raises("wrt", ntk.empirical_ntk, net, np.ones((2, 2)), wrt=["nope"])
    raises("widths", ntk.ntk_mlp, [2, 1], g)
    raises("widths", ntk.ntk_mlp, "abc", g)
    raises("widths", ntk.ntk_mlp, [2, 0, 1], g)
    raises("generator", ntk.ntk_mlp, [2, 3, 1], np.random.default_rng(0))
    raises("W_std", ntk.ntk_mlp, [2, 3, 1], g, W_std=-1)
    raises("V", ntk.two_layer_module, np.ones(2), np.ones(2))
    raises("outer_scale", ntk.two_layer_module, np.ones(2), np.ones((2, 2)), np.nan)
    raises("train_outer", ntk.two_layer_module, np.ones(2), np.ones((2, 2)), 1.0, 1.0, "yes")
