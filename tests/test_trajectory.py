"""Tests of lib.trajectory against closed forms, brute force and independent implementations."""
import numpy as np
import pytest
from scipy.stats import norm

from lib import trajectory as tr
from lib.nets import Net


def rng(seed=0):
    return np.random.default_rng(seed)


# -- sampling ------------------------------------------------------------------------------
@pytest.mark.parametrize("dist,scale", [("gaussian", 2.0), ("uniform", 3.0), ("discrete", 2)])
def test_sparse_weights_law(dist, scale):
    W = tr.sparse_weights(200, 100, 0.4, dist, scale, rng(1), n_nets=10)
    assert W.shape == (10, 200, 100)
    # zero fraction and variance against closed forms (n = 2e5; 6-sigma tolerances)
    assert abs((W == 0).mean() - tr.zero_fraction(dist, scale, 0.4)) < 6 * 0.5 / np.sqrt(W.size)
    v = 100 * (W**2)
    assert abs(v.mean() - 0.4 * tr.entry_variance(dist, scale)) < 6 * v.std() / np.sqrt(W.size)
    assert tr.ks_distance(W, 0.4, dist, scale, 100) < np.sqrt(np.log(2 / 1e-6) / (2 * W.size))


def test_sparse_weights_support_and_scalings():
    W = tr.sparse_weights(50, 49, 1.0, "uniform", 2.0, rng(), scaling="none")
    assert np.abs(W).max() <= 2.0 and np.abs(W).max() > 1.9
    L = tr.sparse_weights(50, 49, 0.5, "discrete", 3, rng(), scaling="fan_in")
    assert set(np.unique(L * 7).round(12)) <= set(range(-3, 4))
    a = tr.sparse_weights(5, 16, 0.25, "gaussian", 1.0, rng(2), scaling="fan_in_density")
    b = tr.sparse_weights(5, 16, 0.25, "gaussian", 1.0, rng(2), scaling="none")
    np.testing.assert_allclose(a, b / np.sqrt(0.25 * 16))


def test_sparse_biases():
    assert np.all(tr.sparse_biases(7, "zero", 0.0, rng()) == 0)
    b = tr.sparse_biases(1000, "discrete", 0.01, rng(), n_nets=3)
    assert b.shape == (3, 1000) and set(np.unique(b)) == {-0.01, 0.01}
    u = tr.sparse_biases(10000, "uniform", 0.5, rng())
    assert np.abs(u).max() <= 0.5 and abs(u.var() - 0.25 / 3) < 0.01
    assert np.all(tr.sparse_biases(100, "gaussian", 1.0, rng()) != 0)


def test_mixture_cdf_closed_forms():
    x = np.array([-1.0, 0.0, 0.5])
    np.testing.assert_allclose(tr.mixture_cdf(x, 0.5, "gaussian", 1.0), 0.5 * norm.cdf(x) + 0.5 * (x >= 0))
    np.testing.assert_allclose(tr.mixture_cdf(x, 1.0, "uniform", 2.0), [0.25, 0.5, 0.625])
    # lattice {-1,0,1}, alpha = 1: P(W <= 0) = 2/3, P(W < 0) = 1/3
    np.testing.assert_allclose(tr.mixture_cdf([0.0], 1.0, "discrete", 1), [2 / 3])
    np.testing.assert_allclose(tr.mixture_cdf([0.0], 1.0, "discrete", 1, left=True), [1 / 3])
    # ks_distance is exact for an exactly balanced discrete sample
    assert tr.ks_distance([-1.0, 0.0, 1.0], 1.0, "discrete", 1) == pytest.approx(0.0, abs=1e-12)


def test_sample_layers_and_net():
    Ws, bs = tr.sample_layers([3, 5, 4], [1.0, 0.5], "gaussian", [1.0, 2.0], 0.1, 6, rng())
    assert [W.shape for W in Ws] == [(6, 5, 3), (6, 4, 5)] and [b.shape for b in bs] == [(6, 5), (6, 4)]
    net = tr.sparse_net([3, 5, 4], 0.5, "uniform", 1.0, 0.0, rng())
    assert isinstance(net, Net) and tuple(net.activations) == ("relu", "relu")
    assert all(np.all(b == 0) for b in net.biases)


# -- propagation and lengths ---------------------------------------------------------------
def test_propagate_matches_net_and_finite_differences():
    Ws, bs = tr.sample_layers([4, 8, 8, 3], 0.7, "gaussian", 2.0, 0.3, 2, rng(3))
    X, V = rng(4).standard_normal((6, 4)), rng(5).standard_normal((6, 4))
    trace = tr.propagate(X, Ws, bs, dX=V)
    assert len(trace.z) == 4 and len(trace.h) == 3
    for n in range(2):
        net = Net([W[n] for W in Ws], [b[n] for b in bs], ["relu"] * 3)
        np.testing.assert_allclose(trace.z[-1][n], net(X), rtol=1e-12, atol=1e-14)
        eps = 1e-7
        fd = (net(X + eps * V) - net(X - eps * V)) / (2 * eps)
        np.testing.assert_allclose(trace.dz[-1][n], fd, rtol=1e-5, atol=1e-7)


def test_polyline_length_closed_forms():
    sq = np.array([[0.0, 0], [1, 0], [1, 1], [0, 1]])
    assert tr.polyline_length(sq) == pytest.approx(3.0)
    assert tr.polyline_length(sq, closed=True) == pytest.approx(4.0)
    T = 360
    X, dX = tr.circle(3, np.arange(T) / T, radius=2.0)
    assert tr.polyline_length(X, closed=True) == pytest.approx(2 * T * 2 * np.sin(np.pi / T))
    np.testing.assert_allclose(np.linalg.norm(dX, axis=1), 4 * np.pi)


def test_lengths_agree_exact_chord_tangent():
    k = 16
    Ws, bs = tr.sample_layers([k] * 5, 0.6, "gaussian", 2.0, 0.05, 3, rng(6))
    x0, x1 = rng(7).standard_normal((2, k))
    exact, pieces = tr.exact_lengths(np.stack([x0, x1]), Ws, bs)
    assert exact.shape == (3, 5) and pieces[:, 0].tolist() == [1, 1, 1]
    fine = tr.chord_lengths(tr.segment(x0, x1, np.linspace(0, 1, 2**12 + 1))[0], Ws, bs)
    assert np.all(fine <= exact * (1 + 1e-12))
    np.testing.assert_allclose(fine, exact, rtol=1e-3)
    t = (np.arange(2**12) + 0.5) / 2**12
    X, dX = tr.segment(x0, x1, t)
    np.testing.assert_allclose(tr.tangent_lengths(X, dX, Ws, bs), exact, rtol=3e-3)
    ll = tr.layer_lengths(tr.segment(x0, x1, np.linspace(0, 1, 9))[0], 2, 5, 1.0, "gaussian", 1.0, 0.0, 4, rng())
    assert ll.shape == (4, 3)


def test_exact_lengths_single_unit_closed_form():
    # one ReLU unit on the line t -> t in [-1, 2]: image length = |w| * length of {w t + b > 0}
    W, b = np.array([[[2.0]]]), np.array([[-1.0]])
    L, K = tr.exact_lengths(np.array([[-1.0], [2.0]]), [W], [b])
    assert L[0, 1] == pytest.approx(2 * 1.5) and K[0, 1] == 2


def test_pre_activation_lengths():
    Ws, bs = tr.sample_layers([5, 6, 6], 1.0, "gaussian", 1.0, 0.0, 2, rng(8))
    X = rng(9).standard_normal((10, 5))
    pre = tr.chord_lengths(X, Ws, bs, pre=True)
    h0 = np.einsum("tj,nij->nti", X, Ws[0])
    np.testing.assert_allclose(pre[:, 0], tr.polyline_length(h0))


def test_pca2_recovers_plane():
    P = np.linalg.qr(rng(10).standard_normal((6, 2)))[0].T
    X, _ = tr.circle(6, np.arange(100) / 100, radius=3.0, plane=P)
    p = tr.pca2(X)
    np.testing.assert_allclose(np.linalg.norm(p, axis=1), 3.0, rtol=1e-10)


def test_bases():
    assert tr.corollary_base("gaussian", 2.0, 0.5) == pytest.approx(0.5 * 2 / np.sqrt(2 * np.pi))
    assert tr.corollary_base("uniform", 4.0, 1.0) == pytest.approx(4 / (4 * np.sqrt(2)))
    assert tr.corollary_base("discrete", 3, 1.0) == pytest.approx(12 / (2 * np.sqrt(2) * 7))
    assert tr.corollary_base("discrete", 3, 1.0, "statement") == pytest.approx(12 / 28)
    assert tr.rms_growth("gaussian", 2.0, 0.5) == pytest.approx(1.0)
    # brute-force variance of the lattice {-3..3}
    assert tr.entry_variance("discrete", 3) == pytest.approx(np.mean(np.arange(-3, 4) ** 2.0))


# -- bad input -----------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    lambda: tr.sparse_weights(3, 3, 0.0, "gaussian", 1.0, rng()),
    lambda: tr.sparse_weights(3, 3, 1.5, "gaussian", 1.0, rng()),
    lambda: tr.sparse_weights(3, 3, 0.5, "cauchy", 1.0, rng()),
    lambda: tr.sparse_weights(0, 3, 0.5, "gaussian", 1.0, rng()),
    lambda: tr.sparse_weights(3, 3, 0.5, "gaussian", 0.0, rng()),
    lambda: tr.sparse_weights(3, 3, 0.5, "discrete", 1.5, rng()),
    lambda: tr.sparse_weights(3, 3, 0.5, "gaussian", 1.0, 42),
    lambda: tr.sparse_biases(3, "gaussian", -1.0, rng()),
    lambda: tr.sample_layers([3], 0.5, "gaussian", 1.0, 0.0, 1, rng()),
    lambda: tr.sample_layers([3, 3], 0.5, "gaussian", 1.0, 0.0, 1, rng(), bias_dist="gaussian"),
    lambda: tr.layer_lengths(np.zeros((1, 3)), 2, 4, 0.5, "gaussian", 1.0, 0.0, 2, rng()),
    lambda: tr.layer_lengths(np.zeros((5, 3)), 2, -4, 0.5, "gaussian", 1.0, 0.0, 2, rng()),
    lambda: tr.polyline_length(np.zeros((1, 3))),
    lambda: tr.exact_lengths(np.zeros((1, 3)), *tr.sample_layers([3, 3], 1.0, "gaussian", 1.0, 0.0, 1, rng())),
    lambda: tr.circle(3, [0.0, 0.5], radius=0.0),
    lambda: tr.corollary_base("gaussian", 1.0, 0.5, variant="other"),
])
def test_bad_input_raises(call):
    with pytest.raises(ValueError):
        call()


# -- lemmas and one-layer quantities ---------------------------------------------------------
def test_m_constant_closed_forms_and_brute_force():
    assert tr.m_constant("gaussian", 1.0) == pytest.approx(np.sqrt(2 / np.pi))
    assert tr.m_constant("uniform", 2.0) == pytest.approx(1 / np.sqrt(2))
    lat = np.arange(-2, 3)
    assert tr.m_constant("discrete", 2) == pytest.approx(np.abs(lat).sum() / (np.sqrt(2) * lat.size))
    assert tr.m_constant("discrete", 2, "statement") == pytest.approx(np.abs(lat).sum() / (2 * lat.size))


def test_subvector_norms_closed_form():
    # u = (1, 1): ||u_J||^2 = B1 + B2, so E||u_J|| = 2 a (1 - a) + sqrt(2) a^2
    a, n = 0.3, 200_000
    x = tr.subvector_norms(np.ones(2), a, n, rng(11))
    assert abs(x.mean() - (2 * a * (1 - a) + np.sqrt(2) * a**2)) < 6 * x.std() / np.sqrt(n)


def test_mz_constants():
    from scipy.special import gamma
    p0 = tr.mz_p0()
    assert 1 < p0 < 2 and gamma((p0 + 1) / 2) == pytest.approx(np.sqrt(np.pi) / 2, abs=1e-12)
    assert tr.mz_constant_a(1) == pytest.approx(2**-0.5)
    assert tr.mz_constant_a(3) == 1.0
    assert tr.mz_constant_a(1.95) == pytest.approx(2 ** 0.975 * gamma(1.475) / np.sqrt(np.pi))


def test_discrete_joint_abs_means_brute_force():
    z, dz = np.array([0.3, 1.1]), np.array([1.0, -0.4])
    vals, probs = np.array([-1.0, 0.0, 2.0]), np.array([0.2, 0.5, 0.3])
    cond, uncond, p0 = tr.discrete_joint_abs_means(z, dz, vals, probs, [-0.1, 0.2], [0.6, 0.4])
    num = den = tot = 0.0
    for i, a in enumerate(vals):
        for j, b in enumerate(vals):
            for bb, pb in zip([-0.1, 0.2], [0.6, 0.4]):
                p = probs[i] * probs[j] * pb
                x, y = a * dz[0] + b * dz[1], a * z[0] + b * z[1] + bb
                tot += p * abs(x)
                if y > 0:
                    num += p * abs(x); den += p
    assert cond == pytest.approx(num / den) and uncond == pytest.approx(tot) and p0 == 0.0


def test_one_layer_ratios_second_moment_and_growth_factors():
    k = 32
    z, dz = np.abs(rng(12).standard_normal(k)), rng(13).standard_normal(k)
    R = tr.one_layer_ratios(z, dz, 0.5, "gaussian", 2.0, 0.01, 4000, rng(14))
    # exact identity E R^2 = alpha sigma^2 / 2 (6 standard errors)
    assert abs((R**2).mean() - 1.0) < 6 * (R**2).std() / np.sqrt(R.size)
    # brute force for one draw of growth_factors: recompute ratios by hand
    Ws, bs = tr.sample_layers([5, 7, 7], 1.0, "gaussian", 2.0, 0.1, 1, rng(15))
    X, dX = rng(16).standard_normal((4, 5)), rng(17).standard_normal((4, 5))
    tr_ = tr.propagate(X, Ws, bs, dX=dX)
    sp = [np.linalg.norm(d[0], axis=-1) for d in tr_.dz]
    ratios = [sp[l + 1][i] / sp[l][i] for l in range(2) for i in range(4) if sp[l][i] > 0]
    assert tr.growth_factors(X, dX, Ws, bs)[0] == pytest.approx(np.mean(ratios))
    np.testing.assert_allclose(tr.layer_speeds(X, dX, Ws, bs)[0], np.array(sp))


@pytest.mark.parametrize("call", [
    lambda: tr.subvector_norms(np.ones(3), 0.0, 10, rng()),
    lambda: tr.mz_constant_a(0.0),
    lambda: tr.discrete_joint_abs_means([1.0], [1.0], [0.0, 1.0], [0.3, 0.3], [0.0]),
    lambda: tr.discrete_joint_abs_means(np.ones(10), np.ones(10), np.arange(5.0), np.full(5, 0.2), [0.0]),
    lambda: tr.one_layer_ratios(np.ones(3), np.zeros(3), 0.5, "gaussian", 1.0, 0.0, 5, rng()),
    lambda: tr.m_constant("cauchy", 1.0),
])
def test_bad_input_raises_lemmas(call):
    with pytest.raises(ValueError):
        call()


@pytest.mark.parametrize("chunk", [1, 3 * 40 * 9, 1 << 40])
def test_network_groups_do_not_change_a_bit(monkeypatch, chunk):
    """Propagating networks in groups (to bound memory at paper sizes) gives the very same lengths
    and speeds as one batch: groups of 1 network, of 3 (a ragged last group) and all 7 at once."""
    rng = np.random.default_rng(11)
    Ws, bs = tr.sample_layers([5, 9, 9, 9], 0.5, "gaussian", 2.0, 0.1, 7, rng)
    X, dX = tr.segment(rng.standard_normal(5), rng.standard_normal(5), np.sort(rng.random(40)))
    ref = {}
    monkeypatch.setattr(tr, "CHUNK_ENTRIES", 1 << 40)
    ref["chord"] = tr.chord_lengths(X, Ws, bs, closed=True)
    ref["pre"] = tr.chord_lengths(X, Ws, bs, pre=True, dtype="float32")
    ref["speed"] = tr.layer_speeds(X, dX, Ws, bs)
    X3 = np.stack([X + i for i in range(7)])
    ref["stacked"] = tr.chord_lengths(X3, Ws, bs)
    monkeypatch.setattr(tr, "CHUNK_ENTRIES", chunk)
    assert np.array_equal(tr.chord_lengths(X, Ws, bs, closed=True), ref["chord"])
    assert np.array_equal(tr.chord_lengths(X, Ws, bs, pre=True, dtype="float32"), ref["pre"])
    assert np.array_equal(tr.layer_speeds(X, dX, Ws, bs), ref["speed"])
    assert np.array_equal(tr.chord_lengths(X3, Ws, bs), ref["stacked"])
    with pytest.raises(ValueError, match="columns"):
        tr.chord_lengths(X[:, :4], Ws, bs)
