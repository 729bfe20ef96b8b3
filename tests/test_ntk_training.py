"""Tests of lib.ntk's universality and training-dynamics functions (chapters 06-07)."""
import math

import numpy as np
import pytest
import sympy as sp

from lib import ntk


@pytest.fixture
def rng():
    return np.random.default_rng(2027)


def test_prop325_coefficients_match_sympy_series():
    z = sp.symbols("z")
    w = z + sp.Rational(1, 2)
    series = sp.series(w / 2 - w * sp.acos(w) / (2 * sp.pi), z, 0, 10).removeO()
    want = [float(series.coeff(z, k)) for k in range(10)]
    assert np.allclose(ntk.prop325_coefficients(10), want, rtol=1e-12, atol=0)
    scaled = ntk.prop325_coefficients(10, boundary_scaled=True)
    assert np.allclose(scaled * 2.0 ** np.arange(10), want, rtol=1e-12)


def test_prop325_coefficients_sum_to_f_on_the_boundary():
    fb = ntk.prop325_coefficients(400_000, boundary_scaled=True)
    # f(1/2) = 1/2 with tail about 2 C n^(-1/2), C = 1/(4 pi^1.5); f(-1/2) = 0 (alternating, fast)
    assert abs(fb.sum() + 2 / (4 * math.pi**1.5) / math.sqrt(fb.size) - 0.5) < 1e-6
    assert abs(np.sum(fb * (-1.0) ** np.arange(fb.size))) < 1e-9


def test_circle_points_and_profile_agree_with_the_kernel(rng):
    phi = rng.uniform(0, 2 * np.pi, 7)
    for padded in (True, False):
        X = ntk.circle_points(phi, padded)
        assert np.allclose(np.linalg.norm(X, axis=1), 1.0)
        K = ntk.relu_ntk_inner(X)
        prof = ntk.circle_kernel_profile(phi[:, None] - phi[None, :], padded)
        assert np.allclose(K, prof, atol=1e-8)
    assert np.allclose(ntk.circle_points(phi)[:, 2], 1 / math.sqrt(2))


def test_circle_kernel_fourier_against_closed_form_and_series():
    c = ntk.circle_kernel_fourier(9, padded=False)
    assert c[0] == pytest.approx(2 / np.pi**2, abs=1e-11) and c[1] == pytest.approx(0.25, abs=1e-11)
    assert c[2] == pytest.approx((1 + 1 / 9) / np.pi**2, abs=1e-11)
    assert np.allclose(c[3::2], 0.0, atol=1e-11)
    # padded: kappa(t) = sum_n f_n 2^-n cos^n t, and cos^n t = 2^(1-n) sum_j C(n, j) cos((n - 2j) t) (+ middle)
    fb = ntk.prop325_coefficients(200, boundary_scaled=True)
    want = np.zeros(6)
    for n, fn in enumerate(fb):
        for j in range(n + 1):
            k = abs(n - 2 * j)
            if k < 6:
                want[k] += fn * math.comb(n, j) / 2.0**n * (2.0 if k == 0 else 1.0)
    assert np.allclose(ntk.circle_kernel_fourier(5, padded=True), want, atol=2e-4)


def test_kernel_least_squares_reproduces_expansions(rng):
    C = ntk.circle_points(rng.uniform(0, 2 * np.pi, 5))
    X = ntk.circle_points(rng.uniform(0, 2 * np.pi, 40))
    alpha = rng.standard_normal(5)
    y = ntk.relu_ntk_inner(X, C) @ alpha
    al, fit = ntk.kernel_least_squares(C, X, y)
    assert np.allclose(al, alpha, atol=1e-8) and np.allclose(fit, y, atol=1e-10)


def test_taylor_features_against_autograd_and_expansion(rng):
    a, V0 = ntk.init_two_layer(9, 3, rng)
    X = rng.standard_normal((4, 3))
    J = ntk.taylor_features(X, a, V0, 0.5)
    K = ntk.empirical_ntk(ntk.two_layer_module(a, V0, 0.5), X)
    assert np.allclose(J @ J.T, K, atol=1e-12)
    V = V0 + 0.3 * rng.standard_normal(V0.shape)
    assert np.allclose(ntk.taylor_features(X, a, V0) @ (V - V0).ravel() + ntk.two_layer(X, a, V0),
                       ntk.taylor_expansion(X, a, V0, V), atol=1e-12)


def _brute_force_gd(X, y, a, V0, eta, steps, s):
    V, Vl = V0.copy(), V0.copy()
    for _ in range(steps):
        gV, gL = np.zeros_like(V), np.zeros_like(V)
        for i, x in enumerate(X):
            z, z0 = V @ x, V0 @ x
            r = s * a @ np.maximum(z, 0) - y[i]
            rl = s * a @ np.maximum(z0, 0) + s * a @ ((z0 >= 0) * ((Vl - V0) @ x)) - y[i]
            gV += r * s * (a * (z >= 0))[:, None] * x[None, :]
            gL += rl * s * (a * (z0 >= 0))[:, None] * x[None, :]
        V, Vl = V - eta * gV, Vl - eta * gL
    return V, Vl


def test_lazy_training_against_brute_force_and_kernel(rng):
    X = ntk.circle_points(rng.uniform(0, 2 * np.pi, 5))
    y = rng.standard_normal(5)
    a, V0 = ntk.init_two_layer(12, 3, rng)
    s, eta, T = 1 / math.sqrt(12), 0.2, 15
    o = ntk.lazy_training(X, y, a, V0, eta, T, s)
    V, Vl = _brute_force_gd(X, y, a, V0, eta, T, s)
    assert np.allclose(o["V"], V, rtol=0, atol=1e-12) and np.allclose(o["V_lin"], Vl, rtol=0, atol=1e-12)
    J = ntk.taylor_features(X, a, V0, s)
    assert np.allclose(o["K0"], J @ J.T, atol=1e-12)
    assert np.allclose(o["r_lin"], np.linalg.matrix_power(np.eye(5) - eta * J @ J.T, T) @ o["r0"], atol=1e-12)
    assert o["loss_net"].shape == (T + 1,) and o["dist"][0] == 0.0
    assert o["dist"][-1] == pytest.approx(np.linalg.norm(V - V0)) and o["dist_lin"] == pytest.approx(np.linalg.norm(Vl - V0))
    assert o["row_move"] == pytest.approx(np.linalg.norm(V - V0, axis=1).max())
    assert o["flips"] == pytest.approx(np.mean((X @ V.T >= 0) != (X @ V0.T >= 0)))
    KT = (X @ X.T) * (((X @ V.T >= 0) * s * a) @ ((X @ V.T >= 0) * s * a).T)
    assert o["kernel_change"] == pytest.approx(np.linalg.norm(KT - o["K0"]))
    fn = s * np.maximum(X @ V.T, 0) @ a
    assert o["r_net"] == pytest.approx(fn - y)


def test_lazy_training_batched_equals_single_runs_and_gap(rng):
    X = ntk.circle_points(rng.uniform(0, 2 * np.pi, 4))
    Xt = ntk.circle_points(rng.uniform(0, 2 * np.pi, 6))
    y = rng.standard_normal(4)
    a = rng.choice([-1.0, 1.0], size=(3, 10))
    V0 = rng.standard_normal((3, 10, 3))
    ob = ntk.lazy_training(X, y, a, V0, 0.3, 7, 0.3, Xt, record_every=1)
    for r in range(3):
        o = ntk.lazy_training(X, y, a[r], V0[r], 0.3, 7, 0.3, Xt, record_every=1)
        assert np.allclose(ob["V"][r], o["V"]) and ob["gap"][r] == pytest.approx(o["gap"])
        # recompute the gap by hand along the trajectory
        gaps = []
        for t in range(8):
            ot = ntk.lazy_training(X, y, a[r], V0[r], 0.3, t, 0.3)
            fn = 0.3 * np.maximum(Xt @ ot["V"].T, 0) @ a[r]
            fl = ntk.taylor_expansion(Xt, a[r], V0[r], ot["V_lin"]) * 0.3
            gaps.append(np.abs(fn - fl).max())
        assert o["gap"] == pytest.approx(max(gaps), rel=1e-10)
        assert o["gap_rms"] <= o["gap"] + 1e-15


@pytest.mark.parametrize("call", [
    lambda: ntk.prop325_coefficients(0),
    lambda: ntk.prop325_coefficients(1001),
    lambda: ntk.prop325_coefficients(5, boundary_scaled="yes"),
    lambda: ntk.circle_points(np.ones((2, 2))),
    lambda: ntk.circle_points([np.nan]),
    lambda: ntk.circle_kernel_profile(["a"]),
    lambda: ntk.circle_kernel_fourier(-1),
    lambda: ntk.kernel_least_squares(np.ones((2, 3)), np.ones((4, 2)), np.ones(4)),
    lambda: ntk.kernel_least_squares(np.ones((2, 3)), np.ones((4, 3)), np.ones(3)),
    lambda: ntk.taylor_features(np.ones((2, 3)), np.ones(4), np.ones((3, 3))),
    lambda: ntk.lazy_training(np.ones((2, 3)), np.ones(2), np.ones(4), np.ones((4, 3)), 0.0, 3, 0.5),
    lambda: ntk.lazy_training(np.ones((2, 3)), np.ones(2), np.ones(4), np.ones((4, 3)), 0.1, -1, 0.5),
    lambda: ntk.lazy_training(np.ones((2, 3)), np.ones(3), np.ones(4), np.ones((4, 3)), 0.1, 3, 0.5),
    lambda: ntk.lazy_training(np.ones((2, 3)), np.ones(2), np.ones((2, 4)), np.ones((3, 4, 3)), 0.1, 3, 0.5),
    lambda: ntk.lazy_training(np.ones((2, 3)), np.ones(2), np.ones(4), np.ones((4, 3)), 0.1, 3, 0.5, np.ones((2, 2))),
    lambda: ntk.lazy_training(np.ones((2, 3)), np.ones(2), np.ones(4), np.ones((4, 3)), 0.1, 3, 0.0),
])
def test_new_functions_reject_bad_input(call):
    with pytest.raises(ValueError):
        call()
