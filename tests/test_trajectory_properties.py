"""Property-based tests of every public function of lib.trajectory (hypothesis).

Random valid inputs give finite outputs of the documented shapes; invalid inputs (wrong shapes, NaN
or inf, empty arrays, out-of-range parameters, strings, complex numbers) raise ValueError naming
the argument, never a bare NumPy error or a silent NaN.
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lib import trajectory as tr
from lib.nets import Net

SET = settings(max_examples=25, deadline=None)
alphas = st.floats(0.01, 1.0)
dists = st.sampled_from(tr.DISTS)
seeds = st.integers(0, 2**31)
widths = st.lists(st.integers(1, 6), min_size=2, max_size=4)
BAD_SCALARS = [np.nan, np.inf, -1.0, 0.0, "1", 1 + 1j, None]


def scale_for(dist, raw):
    return int(1 + raw * 4) if dist == "discrete" else 0.1 + 3 * raw


def rng(seed=0):
    return np.random.default_rng(seed)


def raises_named(name, call):
    with pytest.raises(ValueError, match=name):
        call()


def layers(seed, w=(3, 4, 2), n=2, alpha=0.6, dist="gaussian", bias=0.1):
    return tr.sample_layers(list(w), alpha, dist, scale_for(dist, 0.5), bias, n, rng(seed))


# -- sampling --------------------------------------------------------------------------------
@SET
@given(st.integers(1, 5), st.integers(1, 5), alphas, dists, st.floats(0, 1), seeds,
       st.sampled_from([None, 1, 3]), st.sampled_from(tr.SCALINGS))
def test_sparse_weights_shapes(ko, ki, a, d, raw, seed, n, scaling):
    W = tr.sparse_weights(ko, ki, a, d, scale_for(d, raw), rng(seed), n_nets=n, scaling=scaling)
    assert W.shape == ((n,) if n else ()) + (ko, ki) and np.all(np.isfinite(W))


@SET
@given(st.integers(1, 5), st.sampled_from(tr.BIAS_DISTS), st.floats(0.01, 2), seeds, st.sampled_from([None, 2]))
def test_sparse_biases_shapes(k, d, s, seed, n):
    b = tr.sparse_biases(k, d, s, rng(seed), n_nets=n)
    assert b.shape == ((n,) if n else ()) + (k,) and np.all(np.isfinite(b))


@SET
@given(widths, alphas, dists, st.floats(0, 1), st.floats(0, 1), seeds)
def test_sample_layers_and_sparse_net(w, a, d, raw, bias, seed):
    Ws, bs = tr.sample_layers(w, a, d, scale_for(d, raw), bias, 2, rng(seed))
    assert [W.shape for W in Ws] == [(2, o, i) for i, o in zip(w[:-1], w[1:])]
    assert [b.shape for b in bs] == [(2, o) for o in w[1:]]
    net = tr.sparse_net(w, a, d, scale_for(d, raw), bias, rng(seed))
    assert isinstance(net, Net) and net.widths == tuple(w)


@pytest.mark.parametrize("bad", BAD_SCALARS + [1.5])
def test_sampling_rejects_bad_alpha(bad):
    raises_named("alpha", lambda: tr.sparse_weights(2, 2, bad, "gaussian", 1.0, rng()))
    raises_named("alpha", lambda: tr.sample_layers([2, 2], bad, "gaussian", 1.0, 0.0, 1, rng()))


@pytest.mark.parametrize("bad", BAD_SCALARS)
def test_sampling_rejects_bad_scale(bad):
    raises_named("scale", lambda: tr.sparse_weights(2, 2, 0.5, "uniform", bad, rng()))
    raises_named("scale", lambda: tr.sparse_biases(2, "gaussian", bad, rng()))


def test_sampling_rejects_bad_structure():
    raises_named("k_out", lambda: tr.sparse_weights(0, 2, 0.5, "gaussian", 1.0, rng()))
    raises_named("k_in", lambda: tr.sparse_weights(2, "2", 0.5, "gaussian", 1.0, rng()))
    raises_named("dist", lambda: tr.sparse_weights(2, 2, 0.5, 3, 1.0, rng()))
    raises_named("n_nets", lambda: tr.sparse_weights(2, 2, 0.5, "gaussian", 1.0, rng(), n_nets=0))
    raises_named("scaling", lambda: tr.sparse_weights(2, 2, 0.5, "gaussian", 1.0, rng(), scaling="he"))
    raises_named("rng", lambda: tr.sparse_biases(2, "gaussian", 1.0, 7))
    raises_named("widths", lambda: tr.sample_layers("33", 0.5, "gaussian", 1.0, 0.0, 1, rng()))
    raises_named("widths", lambda: tr.sample_layers([3, 2.5], 0.5, "gaussian", 1.0, 0.0, 1, rng()))
    raises_named("alpha", lambda: tr.sample_layers([3, 3, 3], [0.5], "gaussian", 1.0, 0.0, 1, rng()))
    raises_named("bias_scale", lambda: tr.sample_layers([3, 3], 0.5, "gaussian", 1.0, np.nan, 1, rng()))
    raises_named("bias_dist", lambda: tr.sparse_net([3, 3], 0.5, "gaussian", 1.0, 0.1, rng(), bias_dist="cauchy"))


# -- propagation and lengths -----------------------------------------------------------------
@SET
@given(seeds, st.integers(2, 9), st.booleans(), st.sampled_from(tr.DTYPES), st.floats(0.1, 20))
def test_lengths_shapes_and_order(seed, T, closed, dtype, sigma):
    # large sigma_w and depth: finite, and chord <= exact (up to rounding) in float64
    Ws, bs = tr.sample_layers([3, 5, 5, 5, 2], 0.7, "gaussian", sigma, 0.1, 2, rng(seed))
    X = rng(seed + 1).standard_normal((T, 3))
    dX = rng(seed + 2).standard_normal((T, 3))
    tr_ = tr.propagate(X, Ws, bs, dX=dX)
    assert len(tr_.z) == 5 and tr_.dz[-1].shape == (2, T, 2) and tr_.h[0].shape == (2, T, 5)
    c = tr.chord_lengths(X, Ws, bs, closed=closed, dtype=dtype)
    assert c.shape == (2, 5) and np.all(np.isfinite(c)) and np.all(c >= 0)
    assert tr.chord_lengths(X, Ws, bs, pre=True).shape == (2, 4)
    s = tr.layer_speeds(X, dX, Ws, bs, dtype=dtype)
    assert s.shape == (2, 5, T) and np.all(np.isfinite(s))
    assert tr.tangent_lengths(X, dX, Ws, bs, pre=True).shape == (2, 4)
    g = tr.growth_factors(X, dX, Ws, bs)
    assert g.shape == (2,) and np.all(np.isfinite(g)) and np.all(g >= 0)
    exact, pieces = tr.exact_lengths(X, Ws, bs, closed=closed)
    assert exact.shape == pieces.shape == (2, 5) and np.all(np.isfinite(exact))
    c64 = tr.chord_lengths(X, Ws, bs, closed=closed)
    assert np.all(c64 <= exact * (1 + 1e-9) + 1e-300)
    assert tr.polyline_length(X, closed).shape == ()


@SET
@given(seeds, st.integers(2, 6))
def test_breakpoints_on_vertices(seed, T):
    # a zero-bias net and a polyline through 0: pre-activations vanish exactly at a vertex
    Ws, bs = tr.sample_layers([2, 4, 4], 1.0, "discrete", 2, 0.0, 1, rng(seed))
    X = np.vstack([np.zeros((1, 2)), rng(seed).integers(-2, 3, (T - 1, 2)).astype(float)])
    exact, _ = tr.exact_lengths(X, Ws, bs)
    assert np.all(np.isfinite(exact))
    np.testing.assert_allclose(exact[:, -1], tr.chord_lengths(X, Ws, bs)[:, -1] if T == 2 else exact[:, -1])


@SET
@given(seeds, st.integers(2, 8), st.floats(0.1, 5), st.floats(0, 1))
def test_layer_lengths_shape(seed, T, sigma, bias):
    X = rng(seed).standard_normal((T, 3))
    L = tr.layer_lengths(X, 2, 4, 0.5, "uniform", sigma, bias, 3, rng(seed))
    assert L.shape == (3, 3) and np.all(np.isfinite(L))


def test_propagation_rejects_bad_inputs():
    Ws, bs = layers(0)
    X = np.ones((4, 3))
    for bad in (np.full((4, 3), np.nan), np.full((4, 3), np.inf), np.ones((4, 3)) + 1j, np.ones((4, 2)),
                np.ones((0, 3)), np.ones(3), "abc"):
        raises_named("X", lambda: tr.propagate(bad, Ws, bs))
        raises_named("X", lambda: tr.chord_lengths(bad, Ws, bs))
    raises_named("dX", lambda: tr.layer_speeds(X, np.ones((3, 3)), Ws, bs))
    raises_named("dX", lambda: tr.tangent_lengths(X, np.full((4, 3), np.nan), Ws, bs))
    raises_named("Ws", lambda: tr.propagate(X, np.ones((2, 4, 3)), bs))
    raises_named("Ws", lambda: tr.growth_factors(X, X, [Ws[1], Ws[0]], [bs[1], bs[0]]))
    raises_named("bs", lambda: tr.propagate(X, Ws, [bs[1], bs[0]]))
    raises_named("dtype", lambda: tr.chord_lengths(X, Ws, bs, dtype="float16"))
    raises_named("closed", lambda: tr.polyline_length(X, closed="yes"))
    raises_named("pre", lambda: tr.layer_speeds(X, X, Ws, bs, pre=1))
    raises_named("X", lambda: tr.exact_lengths(np.ones((1, 3)), Ws, bs))
    raises_named("X", lambda: tr.exact_lengths(np.ones((2, 2, 3)), Ws, bs))
    raises_named("Z", lambda: tr.polyline_length(np.ones((1, 3))))
    raises_named("depth", lambda: tr.layer_lengths(X, 0, 4, 0.5, "gaussian", 1.0, 0.0, 2, rng()))
    raises_named("width", lambda: tr.layer_lengths(X, 1, 0, 0.5, "gaussian", 1.0, 0.0, 2, rng()))


# -- trajectories ----------------------------------------------------------------------------
@SET
@given(st.integers(2, 6), st.lists(st.floats(0, 1), min_size=1, max_size=8), st.floats(0.1, 5), seeds)
def test_circle_segment_pca2(n, t, r, seed):
    X, dX = tr.circle(n, t, radius=r)
    assert X.shape == dX.shape == (len(t), n)
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), r, rtol=1e-12)
    x0, x1 = rng(seed).standard_normal((2, n))
    S, dS = tr.segment(x0, x1, t)
    assert S.shape == dS.shape == (len(t), n) and np.all(np.isfinite(S))
    if len(t) >= 2:
        assert tr.pca2(S if n >= 2 else X).shape == (len(t), 2)


def test_trajectories_reject_bad_inputs():
    raises_named("n", lambda: tr.circle(1, [0.0]))
    raises_named("n", lambda: tr.circle("3", [0.0]))
    raises_named("t", lambda: tr.circle(3, []))
    raises_named("t", lambda: tr.circle(3, [[0.0]]))
    raises_named("t", lambda: tr.segment(np.ones(2), np.ones(2), [np.nan]))
    raises_named("radius", lambda: tr.circle(3, [0.0], radius=-1))
    raises_named("plane", lambda: tr.circle(3, [0.0], plane=np.ones((2, 3))))
    raises_named("center", lambda: tr.circle(3, [0.0], center=np.ones(2)))
    raises_named("x1", lambda: tr.segment(np.ones(3), np.ones(2), [0.0]))
    raises_named("x0", lambda: tr.segment(np.ones((1, 3)), np.ones((1, 3)), [0.0]))
    raises_named("Z", lambda: tr.pca2(np.ones((1, 3))))
    raises_named("Z", lambda: tr.pca2(np.ones((2, 2, 2))))


# -- laws and constants ----------------------------------------------------------------------
@SET
@given(st.lists(st.floats(-5, 5), min_size=1, max_size=6), alphas, dists, st.floats(0, 1), st.integers(1, 50))
def test_laws(x, a, d, raw, k):
    s = scale_for(d, raw)
    F = tr.mixture_cdf(x, a, d, s, k)
    Fl = tr.mixture_cdf(x, a, d, s, k, left=True)
    assert F.shape == (len(x),) and np.all((0 <= Fl) & (Fl <= F + 1e-15) & (F <= 1))
    assert 0 <= tr.ks_distance(x, a, d, s, k) <= 1
    assert tr.entry_variance(d, s) > 0 and 0 <= tr.zero_fraction(d, s, a) < 1
    assert 0 < tr.m_constant(d, s) <= tr.mean_abs(d, s) * (1 + 1e-12)
    assert 0 < tr.corollary_base(d, s, a, "statement") <= tr.corollary_base(d, s, a) <= tr.rms_growth(d, s, a)


def test_laws_reject_bad_inputs():
    raises_named("x", lambda: tr.mixture_cdf([np.nan], 0.5, "gaussian", 1.0))
    raises_named("k_in", lambda: tr.mixture_cdf([0.0], 0.5, "gaussian", 1.0, 0))
    raises_named("samples", lambda: tr.ks_distance([], 0.5, "gaussian", 1.0))
    raises_named("samples", lambda: tr.ks_distance(["a"], 0.5, "gaussian", 1.0))
    raises_named("scale", lambda: tr.entry_variance("gaussian", -1.0))
    raises_named("scale", lambda: tr.mean_abs("discrete", 2.5))
    raises_named("alpha", lambda: tr.zero_fraction("gaussian", 1.0, 0.0))
    raises_named("variant", lambda: tr.m_constant("gaussian", 1.0, "x"))
    raises_named("alpha", lambda: tr.rms_growth("gaussian", 1.0, "a"))
    raises_named("dist", lambda: tr.corollary_base("normal", 1.0, 0.5))


# -- lemmas ------------------------------------------------------------------------------------
@SET
@given(st.lists(st.floats(-3, 3), min_size=1, max_size=6), alphas, st.integers(1, 50), seeds)
def test_subvector_norms(u, a, n, seed):
    v = tr.subvector_norms(u, a, n, rng(seed))
    assert v.shape == (n,) and np.all((v >= 0) & (v <= np.linalg.norm(u) * (1 + 1e-12)))


@SET
@given(st.floats(1e-3, 10))
def test_mz_constants(p):
    a = tr.mz_constant_a(p)
    assert 0 < a <= 1 and np.isfinite(a)
    assert 1.8474 < tr.mz_p0() < 1.8475


@SET
@given(st.integers(1, 3), seeds)
def test_discrete_joint_abs_means(k, seed):
    z, dz = np.abs(rng(seed).standard_normal(k)), rng(seed + 1).standard_normal(k)
    cond, uncond, p0 = tr.discrete_joint_abs_means(z, dz, [-1.0, 0.0, 1.0], [0.25, 0.5, 0.25], [-0.01, 0.01])
    assert np.isfinite(cond) and uncond >= 0 and 0 <= p0 <= 1


@SET
@given(st.integers(1, 6), alphas, dists, st.floats(0, 1), st.integers(1, 40), seeds, st.floats(-1, 1))
def test_one_layer_ratios(k, a, d, raw, n, seed, shift):
    z, dz = np.abs(rng(seed).standard_normal(k)), rng(seed + 1).standard_normal(k) + 0.1
    R = tr.one_layer_ratios(z, dz, a, d, scale_for(d, raw), 0.01, n, rng(seed), bias_shift=shift, chunk=7)
    assert R.shape == (n,) and np.all(np.isfinite(R)) and np.all(R >= 0)


@SET
@given(st.integers(1, 30), st.integers(1, 4), st.integers(1, 5), seeds)
def test_flip_differences(n, m, q, seed):
    Y = rng(seed).standard_normal((n, m))
    a = rng(seed + 1).standard_normal((q, m))
    a[rng(seed + 2).random((q, m)) < 0.3] = -np.inf
    D = tr.flip_differences(Y, a)
    assert D.shape == (n, q) and set(np.unique(D)) <= {-1.0, 0.0, 1.0}
    np.testing.assert_array_equal(tr.flip_differences(-Y, a), -D)       # mirroring flips the sign


@SET
@given(st.lists(st.floats(-1e6, 1e6), min_size=1, max_size=5), st.floats(1.01, 10), st.floats(0.1, 20))
def test_richardson(c, r, p):
    out = tr.richardson(c, np.array(c) + 1.0, ratio=r, order=p)
    assert out.shape == (len(c),) and np.all(np.isfinite(out))
    np.testing.assert_allclose(out, np.array(c) + 1.0 + 1.0 / (r**p - 1), rtol=1e-9, atol=1e-6)


def test_lemma_helpers_reject_bad_inputs():
    raises_named("u", lambda: tr.subvector_norms([], 0.5, 3, rng()))
    raises_named("u", lambda: tr.subvector_norms(np.ones((2, 2)), 0.5, 3, rng()))
    raises_named("n", lambda: tr.subvector_norms(np.ones(2), 0.5, 0, rng()))
    raises_named("p", lambda: tr.mz_constant_a(0.0))
    raises_named("p", lambda: tr.mz_constant_a(np.inf))
    raises_named("probs", lambda: tr.discrete_joint_abs_means([1.0], [1.0], [-1.0, 1.0], [1.5, -0.5], [0.0]))
    raises_named("dz", lambda: tr.discrete_joint_abs_means([1.0], [1.0, 2.0], [-1.0, 1.0], [0.5, 0.5], [0.0]))
    raises_named("bias_values", lambda: tr.discrete_joint_abs_means([1.0], [1.0], [-1.0, 1.0], [0.5, 0.5], []))
    raises_named("outcomes", lambda: tr.discrete_joint_abs_means(np.ones(10), np.ones(10), np.arange(5.0), np.full(5, 0.2), [0.0]))
    raises_named("dz", lambda: tr.one_layer_ratios(np.ones(3), np.zeros(3), 0.5, "gaussian", 1.0, 0.1, 5, rng()))
    raises_named("n_draws", lambda: tr.one_layer_ratios(np.ones(3), np.ones(3), 0.5, "gaussian", 1.0, 0.1, 0, rng()))
    raises_named("bias_shift", lambda: tr.one_layer_ratios(np.ones(3), np.ones(3), 0.5, "gaussian", 1.0, 0.1, 5, rng(), bias_shift=np.nan))
    raises_named("Y", lambda: tr.flip_differences(np.ones((0, 2)), np.zeros((1, 2))))
    raises_named("corners", lambda: tr.flip_differences(np.ones((3, 2)), np.zeros((0, 2))))
    raises_named("corners", lambda: tr.flip_differences(np.ones((3, 2)), [[np.nan, 0.0]]))
    raises_named("coarse", lambda: tr.richardson("a", [1.0]))
    raises_named("fine", lambda: tr.richardson([1.0], [np.inf]))
    raises_named("ratio", lambda: tr.richardson([1.0], [1.0], ratio=1.0))
    raises_named("order", lambda: tr.richardson([1.0], [1.0], order=-1.0))
    raises_named("ratio", lambda: tr.richardson([1.0], [1.0], ratio=10.0, order=1e6))


@SET
@given(st.integers(2, 8), st.lists(st.floats(0, 1), min_size=1, max_size=6), seeds, st.floats(1e-9, 10))
def test_arc_segment(n, t, seed, size):
    x0 = rng(seed).standard_normal(n)
    x1 = x0 + size * rng(seed + 1).standard_normal(n)           # includes nearly coincident end points
    q = rng(seed).integers(0, n // 2 + 1)
    pairs = rng(seed).permutation(n)[: 2 * q].reshape(q, 2)
    X, dX = tr.arc_segment(x0, x1, t, pairs)
    assert X.shape == dX.shape == (len(t), n) and np.all(np.isfinite(X)) and np.all(np.isfinite(dX))
    raises_named("x1", lambda: tr.arc_segment(x0, np.ones(n + 1), t, pairs))
    raises_named("t", lambda: tr.arc_segment(x0, x1, [np.nan], pairs))


# -- chapters 07b and 07c: broken hypotheses, trained networks -----------------------------------
@SET
@given(alphas, st.integers(1, 50), st.integers(1, 500))
def test_kill_probability_in_unit_interval(a, s, k):
    p = tr.kill_probability(a, s, k)
    assert np.isfinite(p) and 0.0 <= p <= 1.0
    assert p >= 2.0**-k * (1 - 1e-12)                      # at least the all-inactive event


@pytest.mark.parametrize("bad", BAD_SCALARS + [1.5])
def test_kill_probability_rejects(bad):
    raises_named("alpha", lambda: tr.kill_probability(bad, 1, 2))
    if not (isinstance(bad, float) and bad == 1.5):
        raises_named("support", lambda: tr.kill_probability(0.5, bad, 2))
        raises_named("k_out", lambda: tr.kill_probability(0.5, 1, bad))


@SET
@given(seeds, st.integers(1, 4), st.integers(1, 5), st.integers(1, 6))
def test_pre_post_defect_and_zero_units_shapes(seed, n, d, T):
    Ws, bs = tr.sample_layers([3] + [4] * d, 0.5, "discrete", 2, 0.0, n, rng(seed))
    X = rng(seed + 1).integers(-1, 2, (T, 3)).astype(float)
    dX = rng(seed + 2).standard_normal((T, 3))
    D = tr.pre_post_defect(tr.layer_speeds(X, dX, Ws, bs), tr.layer_speeds(X, dX, Ws, bs, pre=True))
    assert D.shape == (n, d) and np.all(np.isfinite(D))
    zeros, bad = tr.zero_units(X, dX, Ws, bs)
    assert zeros.shape == bad.shape == (n, d) and np.all(bad <= zeros) and np.all(zeros >= 0)


@pytest.mark.parametrize("bad", [np.full((2, 3, 4), np.nan), np.full((2, 3, 4), np.inf), np.ones((2, 3, 4)) + 1j,
                                 np.ones((3, 4)), np.zeros((0, 3, 4)), "abc", None])
def test_pre_post_defect_rejects(bad):
    raises_named("post", lambda: tr.pre_post_defect(bad, np.ones((2, 2, 4))))
    raises_named("pre", lambda: tr.pre_post_defect(np.ones((2, 3, 4)), bad))


def test_zero_units_rejects():
    Ws, bs = layers(0)
    for bad in (np.full((4, 3), np.nan), np.ones((4, 2)), np.zeros((0, 3)), "abc", np.ones((4, 3)) + 1j):
        raises_named("X", lambda: tr.zero_units(bad, np.ones((4, 3)), Ws, bs))
        raises_named("dX", lambda: tr.zero_units(np.ones((4, 3)), bad, Ws, bs))
    raises_named("dX", lambda: tr.zero_units(np.ones((4, 3)), None, Ws, bs))
    raises_named("Ws", lambda: tr.zero_units(np.ones((4, 3)), np.ones((4, 3)), "W", bs))


@SET
@given(seeds, widths, st.integers(1, 3), st.integers(1, 5), st.floats(0.1, 3))
def test_relu_layers_weight_scale_net_growth(seed, w, m, T, sigma):
    w = [max(k, 2) for k in w]
    net = tr.sparse_net(w, 1.0, "gaussian", sigma, 0.1, rng(seed))
    Ws, bs = tr.relu_layers(net)
    assert len(Ws) == len(w) - 1 and all(W.shape[0] == 1 for W in Ws)
    s = tr.weight_scale(Ws)
    assert np.isfinite(s) and s >= 0
    X = rng(seed + 1).standard_normal((m, T, w[0]))
    g = tr.net_growth_factors(net, X, rng(seed + 2).standard_normal((m, T, w[0])))
    assert g.shape == (m,) and np.all(np.isfinite(g)) and np.all(g >= 0)


def test_relu_layers_weight_scale_net_growth_reject():
    net = tr.sparse_net([3, 4, 2], 1.0, "gaussian", 1.0, 0.1, rng())
    for bad in ("net", None, np.ones((2, 2)), 3.0):
        raises_named("net", lambda: tr.relu_layers(bad))
        raises_named("net", lambda: tr.net_growth_factors(bad, np.ones((1, 2, 3)), np.ones((1, 2, 3))))
    for bad in (np.full((1, 2, 3), np.nan), np.ones((1, 2, 4)), np.ones((2, 3)), np.zeros((0, 2, 3)), "abc",
                np.ones((1, 2, 3)) + 1j):
        raises_named("X", lambda: tr.net_growth_factors(net, bad, np.ones((1, 2, 3))))
        raises_named("dX", lambda: tr.net_growth_factors(net, np.ones((1, 2, 3)), bad))
    for bad in ([], "W", [np.full((1, 2, 2), np.nan)], [np.ones((2, 2))], [np.ones((1, 1, 1))], [np.ones((1, 2, 2)) + 1j]):
        raises_named("Ws", lambda: tr.weight_scale(bad))


def test_train_classifier_rejects():
    import torch

    g = torch.Generator().manual_seed(0)
    X, y = np.ones((4, 2)), [0, 1, 0, 1]
    for bad in (np.full((4, 2), np.nan), np.ones((4, 3)), np.zeros((0, 2)), "abc", np.ones((4, 2)) + 1j):
        raises_named("X", lambda: tr.train_classifier(bad, y, [2, 3, 2], 1.0, g, steps=1))
    for bad in ([0, 1, 0], [0.5, 1, 0, 1], [0, 1, 0, 5], [-1, 0, 0, 1], "abcd", [np.nan, 0, 0, 1]):
        raises_named("y", lambda: tr.train_classifier(X, bad, [2, 3, 2], 1.0, g, steps=1))
    for bad in BAD_SCALARS:
        raises_named("sigma_w", lambda: tr.train_classifier(X, y, [2, 3, 2], bad, g, steps=1))
        raises_named("lr", lambda: tr.train_classifier(X, y, [2, 3, 2], 1.0, g, steps=1, lr=bad))
    for bad in ([2, 3], "232", [2, 0, 2], [2, 1.5, 2]):
        raises_named("widths", lambda: tr.train_classifier(X, y, bad, 1.0, g, steps=1))
    raises_named("steps", lambda: tr.train_classifier(X, y, [2, 3, 2], 1.0, g, steps=-1))
    raises_named("bias_scale", lambda: tr.train_classifier(X, y, [2, 3, 2], 1.0, g, bias_scale=np.nan))
    raises_named("generator", lambda: tr.train_classifier(X, y, [2, 3, 2], 1.0, np.random.default_rng()))
    for bad in ("gpu", 3.5, "cuda:x"):
        raises_named("device", lambda: tr.train_classifier(X, y, [2, 3, 2], 1.0, g, steps=1, device=bad))
    for bad in (0, -1, 1.5, "2"):
        raises_named("threads", lambda: tr.train_classifier(X, y, [2, 3, 2], 1.0, g, steps=1, threads=bad))


@settings(max_examples=5, deadline=None)
@given(seeds, st.floats(0.5, 3), st.integers(0, 3))
def test_train_classifier_outputs(seed, sigma, steps):
    import torch

    X = rng(seed).standard_normal((10, 3))
    y = rng(seed).integers(0, 3, 10)
    init, net = tr.train_classifier(X, y, [3, 4, 3], sigma, torch.Generator().manual_seed(seed % 1000), steps=steps)
    assert init.widths == net.widths == (3, 4, 3)
    assert np.all(np.isfinite(net(X))) and net(X).shape == (10, 3)
