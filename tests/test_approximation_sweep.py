"""Unit tests of lib.approximation's dimension-sweep, certified-root and batched-training helpers."""
import numpy as np
import pytest
import torch
from math import comb

from lib import approximation as approx

SIG = 1 / np.sqrt(2 * np.pi)


# -- Barron sampling for centred Gaussians in any d ----------------------------------------------
def test_radial_mass_matches_quadrature_in_d1_d2():
    assert abs(approx.barron_radial_mass(2, 0.3) / approx.barron_gaussian_mass(0.3, np.zeros(2)) - 1) < 1e-5
    for sig in (0.3, SIG):
        assert abs(approx.barron_radial_mass(1, sig) / approx.barron_gaussian_mass(sig, np.zeros(1), n_w=4000) - 1) < 1e-6


def test_radial_mass_matches_monte_carlo_in_d5_and_bound():
    rng = np.random.default_rng(0)
    d, a = 5, 2 * np.pi**2 * SIG**2
    r = np.linalg.norm(rng.standard_normal((400_000, d)), axis=1) / np.sqrt(2 * a)
    mc = 4 * np.pi * approx.abs_sin_integral(np.zeros_like(r), r)  # Z = 1 at 2 pi sigma^2 = 1
    se = mc.std() / np.sqrt(mc.size)
    assert abs(mc.mean() - approx.barron_radial_mass(d, SIG)) < 5 * se
    for d in (1, 3, 10, 40):  # Thm 2.12: ||q||_1 <= 2 int |grad~ g|
        assert approx.barron_radial_mass(d, SIG) <= 2 * approx.barron_integral_gaussian(d, SIG)


def test_radial_hit_prob_matches_2d_quadrature_and_limits():
    rng = np.random.default_rng(1)
    X = rng.standard_normal((6, 2))
    X *= rng.random((6, 1)) / np.linalg.norm(X, axis=1, keepdims=True)
    ours = approx.barron_radial_hit_prob(X, SIG) * approx.barron_radial_mass(2, SIG)
    np.testing.assert_allclose(ours, approx.barron_gaussian_rep(X, SIG, np.zeros(2), absolute=True), rtol=1e-5)
    p = approx.barron_radial_hit_prob(np.vstack([np.zeros(3), np.eye(3)]), SIG)
    assert p[0] == 0 and np.all((p[1:] > 0) & (p[1:] <= 0.5)) and np.ptp(p[1:]) < 1e-14  # rotation invariant
    with pytest.raises(ValueError, match="X"):
        approx.barron_radial_hit_prob(np.array([[1.5, 0.0]]), SIG)


def test_radial_exact_error_matches_sampling():
    rng = np.random.default_rng(2)
    d, m, R = 3, 8, 3000
    G = rng.standard_normal((64, d))
    P = G / np.linalg.norm(G, axis=1, keepdims=True) * rng.random((64, 1)) ** (1 / d)
    target = np.expm1(-np.sum(P**2, axis=1) / (2 * SIG**2))
    W, b, s = approx.gaussian_barron_sample(R * m, SIG, np.zeros(d), rng)
    vals = approx.sampled_threshold_values(P, W.reshape(R, m, d), b.reshape(R, m), s.reshape(R, m),
                                           approx.barron_radial_mass(d, SIG))
    err = m * ((vals - target) ** 2).mean(axis=1)
    assert abs(err.mean() - approx.barron_radial_exact_error(P, SIG)) < 5 * err.std() / np.sqrt(R)


def test_radial_errors():
    for bad in (0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="sigma"):
            approx.barron_radial_mass(2, bad)
    with pytest.raises(ValueError, match="d"):
        approx.barron_radial_mass(0, SIG)
    with pytest.raises(ValueError, match="underflows|overflow|d="):
        approx.barron_radial_mass(5000, 50.0)


# -- certified root counts --------------------------------------------------------------------
def _poly_from_roots(roots, lead=1.0):
    return lead * np.polynomial.polynomial.polyfromroots(roots)


def test_trig_counts_known_polynomials():
    cases = [(_poly_from_roots([1.1, 2, -3]), 3), (np.array([1.0, 0, 1]), 0),
             (_poly_from_roots(np.arange(1, 9) / 10), 8), (_poly_from_roots([0.5, 0.5 + 1e-3, -2]), 3)]
    for c, n in cases:
        counts, unresolved = approx.trig_real_root_counts(c[None, :])
        assert counts[0] == n and unresolved == 0
    for l in (6, 12):  # Chebyshev T_l: l real roots, clustered near +-1
        c = np.polynomial.chebyshev.cheb2poly(np.eye(l + 1)[l])
        counts, unresolved = approx.trig_real_root_counts(c[None, :])
        assert counts[0] == l and unresolved == 0


def test_trig_counts_agree_with_companion_and_never_overcount():
    rng = np.random.default_rng(3)
    l = 16
    A = rng.standard_normal((300, l + 1)) * np.sqrt([comb(l, k) for k in range(l + 1)])
    counts, unresolved = approx.trig_real_root_counts(A)
    assert unresolved == 0
    np.testing.assert_array_equal(counts, approx.real_root_counts(A))
    coarse, _ = approx.trig_real_root_counts(A, n_grid=8, max_refine=0)
    assert np.all(coarse <= counts)
    assert np.all(counts % 2 == l % 2)  # complex roots pair up


def test_trig_second_derivative_bound():
    rng = np.random.default_rng(4)
    l = 10
    a = rng.standard_normal(l + 1)
    t = np.linspace(0, np.pi, 20001)
    k = np.arange(l + 1)
    h = (np.sin(t)[:, None] ** k * np.cos(t)[:, None] ** (l - k)) @ a
    h2 = np.gradient(np.gradient(h, t), t)
    H = np.linalg.norm(a / np.sqrt([comb(l, j) for j in k]))
    assert np.abs(h).max() <= H * (1 + 1e-12)
    assert np.abs(h2[5:-5]).max() <= H * np.sqrt(3 * l * l - 2 * l)


def test_trig_errors():
    with pytest.raises(ValueError, match="coefs"):
        approx.trig_real_root_counts(np.array([[0.0, 1.0, 1.0]]))  # zero constant term
    with pytest.raises(ValueError, match="coefs"):
        approx.trig_real_root_counts(np.ones((2, 1)))
    with pytest.raises(ValueError, match="n_grid"):
        approx.trig_real_root_counts(np.ones((2, 3)), n_grid=1)
    with pytest.raises(ValueError, match="max_refine"):
        approx.trig_real_root_counts(np.ones((2, 3)), max_refine=-1)


# -- batched MLPs -----------------------------------------------------------------------------
def test_batched_forward_matches_per_network_and_torch():
    rng = np.random.default_rng(5)
    X = rng.standard_normal((7, 2))
    Ws = [rng.standard_normal((3, 4, 2)), rng.standard_normal((3, 5, 4)), rng.standard_normal((3, 1, 5))]
    bs = [rng.standard_normal((3, 4)), rng.standard_normal((3, 5)), rng.standard_normal((3, 1))]
    act = np.array([0.1, 0.5, 0.3])
    out = approx.mlp_batched_forward(X, Ws, bs, act)
    for r in range(3):
        ref = approx.poly_mlp_forward(X, [W[r] for W in Ws], [b[r] for b in bs], act)
        np.testing.assert_allclose(out[r], ref, rtol=1e-12)
    relu = approx.mlp_batched_forward(X, Ws, bs)
    for r in range(3):
        net = torch.nn.Sequential(torch.nn.Linear(2, 4), torch.nn.ReLU(), torch.nn.Linear(4, 5), torch.nn.ReLU(),
                                  torch.nn.Linear(5, 1)).double()
        with torch.no_grad():
            for lin, W, b in zip(net[0::2], Ws, bs):
                lin.weight.copy_(torch.from_numpy(W[r])), lin.bias.copy_(torch.from_numpy(b[r]))
        np.testing.assert_allclose(relu[r], net(torch.from_numpy(X)).detach().numpy()[:, 0], rtol=1e-12)


def test_train_batched_consistent_and_reproducible():
    X = np.linspace(-1, 1, 12)[:, None]
    y = np.sin(3 * X[:, 0])
    r1 = approx.train_mlp_batched(X, y, [1, 8, 1], 3, torch.Generator().manual_seed(7), steps=300, lr=1e-2)
    r2 = approx.train_mlp_batched(X, y, [1, 8, 1], 3, torch.Generator().manual_seed(7), steps=300, lr=1e-2)
    np.testing.assert_array_equal(r1["mse"], r2["mse"])
    pred = approx.mlp_batched_forward(X, r1["weights"], r1["biases"])
    np.testing.assert_allclose(((pred - y) ** 2).mean(axis=1), r1["mse"], rtol=1e-12)
    assert r1["history"].shape == (300,) and r1["history"][-1] < r1["history"][0]
    assert r1["weights"][0].shape == (3, 8, 1) and r1["biases"][1].shape == (3, 1)
    # restarts are independent runs: restart 0 alone (same initial draw) trains identically
    g = torch.Generator().manual_seed(7)
    W0 = (torch.rand((3, 8, 1), generator=g, dtype=torch.float64) * 2 - 1)
    assert np.all(np.abs(W0.numpy()) <= 1)


def test_train_poly_activation_is_polynomial():
    X = np.linspace(-1, 1, 30)[:, None]
    r = approx.train_mlp_batched(X, np.abs(X[:, 0]), [1, 6, 6, 1], 2, torch.Generator().manual_seed(1),
                                 act_coef=[0.0, 0.5, 0.5], steps=50, lr=1e-2)
    xs = np.linspace(-1, 1, 101)
    out = approx.mlp_batched_forward(xs[:, None], r["weights"], r["biases"], [0.0, 0.5, 0.5])
    for o in out:  # two quadratic layers: degree 4 in x
        fit = np.polynomial.chebyshev.chebfit(xs, o, 4)
        assert np.abs(np.polynomial.chebyshev.chebval(xs, fit) - o).max() <= 1e-10 * max(1, np.abs(o).max())


def test_mlp_errors():
    X, y = np.zeros((4, 1)), np.zeros(4)
    g = torch.Generator().manual_seed(0)
    with pytest.raises(ValueError, match="widths"):
        approx.train_mlp_batched(X, y, [2, 3, 1], 2, g)
    with pytest.raises(ValueError, match="generator"):
        approx.train_mlp_batched(X, y, [1, 3, 1], 2, np.random.default_rng(0))
    with pytest.raises(ValueError, match="y"):
        approx.train_mlp_batched(X, np.zeros(3), [1, 3, 1], 2, g)
    with pytest.raises(ValueError, match="restarts"):
        approx.train_mlp_batched(X, y, [1, 3, 1], 0, g)
    with pytest.raises(ValueError, match="weights"):
        approx.mlp_batched_forward(X, [np.zeros((2, 3, 1))], [])
    with pytest.raises(ValueError, match="weights\\[1\\]"):
        approx.mlp_batched_forward(X, [np.zeros((2, 3, 1)), np.zeros((2, 1, 4))], [np.zeros((2, 3)), np.zeros((2, 1))])
