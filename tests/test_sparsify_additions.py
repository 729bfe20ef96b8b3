"""Unit tests of the lib.sparsify functions added for chapters 01b, 03b and 04b."""
import math

import numpy as np
import pytest
from scipy.integrate import quad
from scipy.stats import chi2, vonmises

from lib import nets
from lib import sparsify as es


def test_jl_distortion_level_solves_union_bound():
    for N, k, delta in ((10, 50, 1e-3), (200, 400, 1e-4), (2, 5, 0.3)):
        e = es.jl_distortion_level(N, k, delta)
        tail = chi2.cdf(k * (1 - e), k) + chi2.sf(k * (1 + e), k)
        assert math.isclose(N * (N - 1) / 2 * tail, delta, rel_tol=1e-6)
    # increasing in N, and close to the small-eps Gaussian form for large k
    assert es.jl_distortion_level(100, 100, 1e-4) < es.jl_distortion_level(1000, 100, 1e-4)
    from scipy.stats import norm
    P = 50 * 49 / 2  # for large k, chi2_k / k - 1 is nearly N(0, 2/k): P * 2 Phibar(eps sqrt(k/2)) = delta
    gauss = norm.isf(1e-2 / (2 * P)) * math.sqrt(2 / 20000)
    assert abs(es.jl_distortion_level(50, 20000, 1e-2) / gauss - 1) < 0.02


def test_jl_distortion_level_errors():
    with pytest.raises(ValueError, match="N"):
        es.jl_distortion_level(1, 10, 0.1)
    with pytest.raises(ValueError, match="delta"):
        es.jl_distortion_level(10, 10, 1.0)


def test_sparse_binary_projection():
    rng = np.random.default_rng(0)
    M = es.sparse_binary_projection(4000, 10, 3, rng)
    assert M.shape == (4000, 10) and set(np.unique(M)) <= {0.0, 1.0}
    assert np.all(M.sum(axis=1) == 3)
    freq = M.mean(axis=0)  # each position is used with probability s/n = 0.3
    assert np.all(np.abs(freq - 0.3) < 5 * math.sqrt(0.3 * 0.7 / 4000))
    with pytest.raises(ValueError, match="s"):
        es.sparse_binary_projection(5, 3, 4, rng)


def test_circle_mass_thresholds_uniform_is_cap_threshold():
    rng = np.random.default_rng(1)
    F = es.embedded_sphere(8, 1, rng)
    W = rng.standard_normal((300, 8))
    tau = es.circle_mass_thresholds(W, F, 6, lambda x: (x + np.pi) / (2 * np.pi))
    np.testing.assert_allclose(tau, es.sphere_thresholds(W, F, 6), rtol=1e-9, atol=1e-12)


def test_circle_mass_thresholds_von_mises_mass():
    rng = np.random.default_rng(2)
    F = es.embedded_sphere(6, 1, rng)
    W = rng.standard_normal((40, 6))
    kappa, k = 1.5, 4
    tau = es.circle_mass_thresholds(W, F, k, lambda x: vonmises.cdf(x, kappa))
    phi, alpha = es.circle_arcs(W, F, tau)
    for p, a in zip(phi, alpha):  # probability of each arc by quadrature, independent of the bisection
        mass = quad(lambda t: vonmises.pdf(t, kappa), p - a, p + a, limit=200)[0]
        assert abs(mass - k / 40) < 1e-8


def test_circle_mass_thresholds_errors():
    rng = np.random.default_rng(3)
    F = es.embedded_sphere(5, 1, rng)
    W = rng.standard_normal((10, 5))
    with pytest.raises(ValueError, match="cdf"):
        es.circle_mass_thresholds(W, F, 2, lambda x: x)
    with pytest.raises(ValueError, match="cdf"):
        es.circle_mass_thresholds(W, F, 2, "uniform")
    with pytest.raises(ValueError, match="F"):
        es.circle_mass_thresholds(W, 2 * F, 2, lambda x: (x + np.pi) / (2 * np.pi))
    with pytest.raises(ValueError, match="k"):
        es.circle_mass_thresholds(W, F, 10, lambda x: (x + np.pi) / (2 * np.pi))


def test_circle_arcs_brute_force():
    rng = np.random.default_rng(4)
    F = es.embedded_sphere(7, 1, rng)
    W = rng.standard_normal((25, 7))
    rho = np.linalg.norm(W @ F, axis=1)
    tau = rho * rng.uniform(-1.2, 1.2, 25)
    phi, alpha = es.circle_arcs(W, F, tau)
    t = np.linspace(-np.pi, np.pi, 20001)
    fires = (np.column_stack([np.cos(t), np.sin(t)]) @ F.T @ W.T) >= tau
    for j in range(25):
        if np.isnan(alpha[j]):
            assert tau[j] > rho[j] and not fires[:, j].any()
            continue
        dist = np.abs(np.angle(np.exp(1j * (t - phi[j]))))  # circular distance to the centre
        clear = np.abs(dist - alpha[j]) > 1e-3  # away from the two end points
        assert np.array_equal(fires[clear, j], dist[clear] <= alpha[j])
    with pytest.raises(ValueError, match="tau"):
        es.circle_arcs(W, F, tau[:3])


def test_relu_readout_flip_single_unit_exact():
    rng = np.random.default_rng(5)
    w = rng.standard_normal((1, 4))
    X = rng.standard_normal((50, 4)) + 3 * w / np.linalg.norm(w)
    tau = np.array([0.5])
    margin = (X @ w[0] - 0.5) / np.linalg.norm(w)
    out = es.relu_readout_flip(X, w, tau, np.array([1.0]), overshoot=0.1)
    active = margin > 0
    np.testing.assert_allclose(out[active], 1.1 * margin[active], rtol=1e-12)
    assert np.all(np.isinf(out[~active]))  # f = 0 at the start: nothing to flip


def test_relu_readout_flip_linear_region_and_points():
    # all units always active on the data: f is affine, DeepFool lands past the hyperplane in one step
    rng = np.random.default_rng(6)
    W = rng.standard_normal((30, 3)); tau = np.full(30, -100.0); a = rng.standard_normal(30)
    a -= a.mean()  # so that the constant part sum_j a_j tau_j vanishes and the flip is a short step
    X = rng.standard_normal((20, 3))
    g = (a @ W) / math.sqrt(30)
    f = (X @ W.T - tau) @ a / math.sqrt(30)
    out, Xadv = es.relu_readout_flip(X, W, tau, a, overshoot=0.02, return_points=True)
    np.testing.assert_allclose(out, 1.02 * np.abs(f) / np.linalg.norm(g), rtol=1e-9)
    fadv = (Xadv @ W.T - tau) @ a / math.sqrt(30)
    assert np.all(np.sign(fadv) != np.sign(f))
    with pytest.raises(ValueError, match="a"):
        es.relu_readout_flip(X, W, tau, a[:5])
    with pytest.raises(ValueError, match="return_points"):
        es.relu_readout_flip(X, W, tau, a, return_points="yes")


def test_jacobian_singular_values_explicit_product():
    rng = np.random.default_rng(7)
    net = nets.gaussian_net([5, 7, 6, 4], rng, sigma_w=1.3, sigma_b=0.3, output_activation="relu")
    X = rng.standard_normal((3, 5))
    sv = es.jacobian_singular_values(net, X)
    assert sv.shape == (3, 4)
    pre, _ = net.forward(X)
    for i in range(3):
        J = np.eye(5)
        for W, z in zip(net.weights, pre):
            J = ((z[i] > 0)[:, None] * W) @ J
        np.testing.assert_allclose(sv[i], np.linalg.svd(J, compute_uv=False), rtol=1e-10, atol=1e-12)
    with pytest.raises(ValueError, match="net"):
        es.jacobian_singular_values("net", X)
    with pytest.raises(ValueError, match="X"):
        es.jacobian_singular_values(net, X[:, :3])


def test_relu_kinks_on_line_brute_force():
    rng = np.random.default_rng(8)
    d, n = 40, 6
    W, tau, a = rng.standard_normal((d, n)), rng.standard_normal(d), rng.standard_normal(d)
    a[:5] = 0.0  # units with zero readout weight make no kink
    x0, v = rng.standard_normal(n), rng.standard_normal(n)
    kinks = es.relu_kinks_on_line(W, tau, a, x0, v, (-2.0, 2.0))
    t = np.linspace(-2, 2, 400001)
    g = np.maximum((x0 + t[:, None] * v) @ W.T - tau, 0.0) @ a
    slope = np.diff(g) / np.diff(t)
    changes = t[1:-1][np.abs(np.diff(slope)) > 1e-6]
    # every numerical slope change is within one grid step of a predicted kink, and vice versa
    assert len(kinks) <= d - 5
    assert all(np.min(np.abs(kinks - c)) < 2e-5 for c in changes)
    assert all(np.min(np.abs(changes - kk)) < 2e-5 for kk in kinks)
    with pytest.raises(ValueError, match="t_range"):
        es.relu_kinks_on_line(W, tau, a, x0, v, (1.0, 1.0))
