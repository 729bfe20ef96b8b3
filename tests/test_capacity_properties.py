"""Property-based tests of the memory-capacity modules (lib.capacity, lib.capacity_assembly,
lib.capacity_stacking, lib.capacity_separation): random valid inputs give finite outputs of the
documented shape; invalid inputs raise ValueError naming the argument (never a bare NumPy error,
never a silent NaN); numerically delicate inputs (huge tail arguments, singular covariances,
points exactly on a threshold, nearly parallel vectors) stay finite and correct."""
import math

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lib import capacity as M
from lib import capacity_assembly as A
from lib import capacity_separation as SP
from lib import capacity_stacking as CS
from lib.nets import Net

SET = settings(max_examples=25, deadline=None)
seeds = st.integers(0, 2**32 - 1)


def gen(seed):
    return np.random.default_rng(seed)


# ---------------------------------------------------------------------------------------------
# valid inputs: finite outputs of the documented shape


@SET
@given(K=st.integers(1, 60), n=st.integers(1, 30))
def test_cover_fraction_range(K, n):
    p = M.cover_fraction(K, n)
    assert 0 < p <= 1 and (p == 1.0) == (K <= n)


@SET
@given(seed=seeds, K=st.integers(2, 12), n=st.integers(2, 6))
def test_separable_baum_relu_shapes(seed, K, n):
    rng = gen(seed)
    X = rng.standard_normal((K, n))
    y = rng.integers(0, 2, K).astype(float)
    assert isinstance(M.linearly_separable(X, y), bool)
    assert 0 <= M.cover_trials(K, n, 2, rng) <= 2
    net = M.baum_network(X, y)
    assert np.array_equal(net(X)[:, 0], y)
    yr = rng.standard_normal(K)
    f = M.relu_interpolate(X, yr)(X)[:, 0]
    assert f.shape == (K,) and np.all(np.isfinite(f))


@SET
@given(a=st.lists(st.floats(-37, 1e4), min_size=1, max_size=6), k=st.integers(0, 2))
def test_gaussian_moments_finite_and_ordered(a, k):
    a = np.array(a)
    lm = M.log_relu_moment(a, k)
    assert lm.shape == a.shape and np.all(np.isfinite(lm))  # log space never underflows, even at a = 1e4
    m = M.relu_moment(a, k)
    assert np.all(m >= 0) and np.all(np.isfinite(m))
    psi = M.mills_ratio(a)  # Psi(a) ~ sqrt(2 pi) e^{a^2/2} leaves the float64 range below a = -37.6
    assert np.all(np.isfinite(psi)) and np.all(psi > 0)
    q = M.normal_tail(a)
    assert np.all((q >= 0) & (q <= 1))


@SET
@given(sigma=st.lists(st.floats(0, 50), min_size=1, max_size=5), c=st.floats(-5, 5), k=st.integers(0, 2))
def test_scaled_moment_monotone_in_sigma(sigma, c, k):
    s = np.sort(np.array(sigma))
    v = M.scaled_moment(s, c, k)
    assert v.shape == s.shape and np.all(np.isfinite(v))
    if c >= 0:  # Lemma A.3: psi vanishes on the negatives, so E psi(sigma gamma) is non-decreasing
        assert np.all(np.diff(v) >= -1e-12 * (1 + np.abs(v[1:])))


@SET
@given(a=st.lists(st.floats(0.5, 500), min_size=1, max_size=5), z=st.floats(-0.9, 3), k=st.integers(0, 2),
       version=st.sampled_from(["printed", "corrected"]))
def test_stability_functions_finite(a, z, k, version):
    a = np.array(a)
    e = M.stability_relative_error(a, z, k, version=version)
    assert e.shape == a.shape and np.all(np.isfinite(e))
    r = M.stability_ratio(a[:1] * 0 + 2.0, z, k)
    lead = M.stability_leading(a[:1] * 0 + 2.0, z, k, version=version)
    assert np.all(np.isfinite(r)) and np.all(lead > 0)


@SET
@given(rho=st.floats(-1, 1), c=st.floats(-3, 6), kind=st.sampled_from(["threshold", "relu", "relu2"]))
def test_pair_expectation_bounds_including_singular(rho, c, kind):
    S = np.array([[1.0, rho], [rho, 1.0]])  # |rho| = 1 is singular: handled exactly
    v = M.pair_expectation(S, kind, c, panels=8)
    assert np.isfinite(v) and v >= 0
    one = {"threshold": 0, "relu": 1, "relu2": 2}[kind]
    # Cauchy-Schwarz: E psi(X1) psi(X2) <= E psi(gamma)^2 (exact value from the moments)
    second = M.relu_moment(np.array([c]), {0: 0, 1: 2, 2: 2}[one])[0] if one < 2 else None
    if second is not None:
        assert v <= second * (1 + 1e-7) + 1e-300


@SET
@given(seed=seeds, K=st.integers(2, 20), n=st.integers(2, 8), rho0=st.floats(0, 0.95))
def test_cap_data_unit_and_separation(seed, K, n, rho0):
    X = M.cap_data(K, n, rho0, gen(seed))
    assert X.shape == (K, n) and np.allclose(np.linalg.norm(X, axis=1), 1)
    d = M.min_separation(X)
    assert 0 <= d <= 2 + 1e-12


@SET
@given(p=st.floats(1e-12, 0.5), act=st.sampled_from(["step_strict", "relu"]))
def test_bias_for_second_moment_inverts(p, act):
    b = M.bias_for_second_moment(p, act)
    back = M.relu_moment(np.array([b]), 0 if act == "step_strict" else 2)[0]
    assert math.isclose(back, p, rel_tol=1e-8)


@SET
@given(seed=seeds, n_in=st.integers(1, 6), n_out=st.integers(1, 30), p=st.floats(1e-3, 0.5))
def test_enrichment_shapes(seed, n_in, n_out, p):
    net, sc = M.enrichment(n_in, n_out, p, gen(seed))
    assert isinstance(net, Net) and net.widths == (n_in, n_out) and sc == pytest.approx(1 / math.sqrt(n_out * p))


@SET
@given(m=st.integers(1, 200), q=st.floats(0, 1), level=st.floats(1e-6, 1))
def test_binomial_helpers(m, q, level):
    t = M.binomial_deviation(m, q, level)
    assert 0 <= t <= m
    ks = np.arange(m + 1)
    pv = M.binomial_two_sided_pvalue(ks, m, q)
    assert pv.shape == ks.shape and np.all((pv >= 0) & (pv <= 1))


@SET
@given(seed=seeds, K=st.integers(2, 8), d=st.integers(1, 20))
def test_projections_and_gram_vectors(seed, K, d):
    rng = gen(seed)
    A_ = rng.standard_normal((K, 3))
    P = M.gaussian_projections(A_ @ A_.T, d, rng)  # rank-deficient Gram (rank 3 < K possible)
    assert P.shape == (K, d) and np.all(np.isfinite(P))
    V = M.equal_gram_vectors(K, 0.5 / K, rng)
    G = V @ V.T
    assert np.allclose(np.diag(G), 1) and np.allclose(np.abs(G[~np.eye(K, dtype=bool)]), 0.5 / K)


@SET
@given(seed=seeds, K=st.integers(4, 15), eps=st.floats(0, 1e-9))
def test_mirror_functions_nearly_parallel(seed, K, eps):
    rng = gen(seed)
    V = rng.standard_normal((K, 8))
    V[1] = V[0] + eps * V[2]  # nearly parallel pair: margins stay finite, never NaN
    w = V[0]
    off, on = M.mirror_margins(V, w, [0])
    assert np.isfinite(off) and np.isfinite(on)
    w2, tries, ok = M.mirror_perceptron(V, [0, 3], rng, max_tries=3)
    assert w2.shape == (8,) and 1 <= tries <= 3 and isinstance(ok, bool)
    if eps < 1e-12:
        assert off >= on * (1 - 1e-6)  # the near-copy of v_0 cannot be told apart


@SET
@given(seed=seeds, K=st.integers(4, 14))
def test_perception_and_memorize(seed, K):
    rng = gen(seed)
    X = M.cap_data(K, 6, 0.1, rng)
    y = rng.integers(0, 2, K).astype(float)
    net, tries = M.perception_network(np.eye(K), y, 2, rng)
    assert np.array_equal(net(np.eye(K))[:, 0], y)
    sz = A.default_sizes(K, int(y.sum()))
    assert sz["batch_size"] >= 1
    mem = A.memorize(X, y, rng, m=256, d=64, batch_size=1)
    assert np.array_equal(mem(X)[:, 0], y)


@SET
@given(seed=seeds, S=st.integers(2, 4), K=st.integers(4, 14), acc=st.sampled_from(["dedicated", "last_node"]))
def test_stack_memorize_small(seed, S, K, acc):
    rng = gen(seed)
    X = M.cap_data(K, 6, 0.1, rng)
    y = rng.integers(0, 2, K).astype(float)
    res = CS.stack_memorize(X, y, rng, m=256, d=[64] * S, r=[2 * K] * S, accumulator=acc, lam=4.0)
    assert np.array_equal(res.net(X)[:, 0], y)
    assert res.used == (6,) + tuple(sum(b.values()) for b in CS.layer_blocks(256, [64] * S, [2 * K] * S, acc))


@SET
@given(widths=st.lists(st.integers(7, 400), min_size=5, max_size=9), acc=st.sampled_from(["dedicated", "last_node"]))
def test_stack_layout_fits(widths, acc):
    u = CS.used_widths(widths, acc)
    assert all(a <= b for a, b in zip(u[1:], widths[1:]))
    s = CS.stage_sizes(widths, acc)
    assert all(k % 2 == 0 for k in s["r"])
    assert CS.deep_connections(widths) == sum(a * b for a, b in zip(widths[2:-1], widths[3:]))


@SET
@given(K1=st.integers(0, 10**6), shares=st.lists(st.integers(1, 10**4), min_size=1, max_size=8))
def test_distribute_positives_quota(K1, shares):
    c = np.array(CS.distribute_positives(K1, shares))
    q = np.array(shares) / sum(shares) * K1
    assert c.sum() == K1 and np.all(c <= q + 1) and np.all(c >= 0)


@SET
@given(seed=seeds, K=st.integers(1, 50), n=st.integers(2, 6), m=st.integers(1, 12))
def test_separation_codes_bounds(seed, K, n, m):
    rng = gen(seed)
    X, t = SP.line_points(K, n, rng)
    assert X.shape == (K, n) and np.all(np.diff(t) >= 0)
    W, b = rng.standard_normal((m, n)), rng.standard_normal(m)
    assert SP.count_codes(SP.threshold_codes(X, W, b)) <= m + 1
    Xc, _ = SP.circle_points(K, n, rng)
    assert np.allclose(np.linalg.norm(Xc, axis=1), 1)
    assert SP.count_codes(SP.threshold_codes(Xc, W, b)) <= max(2 * m, 1)
    y = rng.integers(0, 2, K)
    pair = SP.code_collision(SP.threshold_codes(X, W, b), y)
    assert pair is None or (pair[0] < pair[1] and y[pair[0]] != y[pair[1]])


def test_threshold_codes_exactly_on_boundary():
    X = np.array([[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    W = np.array([[1.0, 0.0], [1.0, 1.0]])
    b = np.array([1.0, 1.0])  # x_1 lies exactly on unit 1's boundary, all points on unit 2's
    np.testing.assert_array_equal(SP.threshold_codes(X, W, b), np.zeros((3, 2)))  # strict: 1[0 > 0] = 0


# ---------------------------------------------------------------------------------------------
# invalid inputs: ValueError naming the argument

NAN2 = np.array([[np.nan, 1.0], [1.0, 0.0]])
BAD_ARRAY = [NAN2, np.array([[np.inf, 1.0]]), np.array([["a", "b"]]), np.array([[1j, 1.0]]), np.zeros((0, 2)), "x"]
BAD_INT = [-3, 1.5, "3", None, float("nan"), 2j]
BAD_FLOAT = [float("nan"), float("inf"), "x", None, 1j]
rng0 = np.random.default_rng(0)
Xv = M.cap_data(8, 3, 0.1, np.random.default_rng(1))
yv = np.array([0, 1] * 4, dtype=float)

CALLS = [  # (function, valid kwargs, argument to spoil, bad values)
    (M.cover_fraction, dict(K=5, n=2), "K", BAD_INT), (M.cover_fraction, dict(K=5, n=2), "n", BAD_INT),
    (M.linearly_separable, dict(X=Xv, y=yv), "X", BAD_ARRAY), (M.linearly_separable, dict(X=Xv, y=yv), "y", BAD_ARRAY + [yv[:3], yv + 2]),
    (M.cover_trials, dict(K=5, n=2, trials=1, rng=rng0), "trials", BAD_INT),
    (M.cover_trials, dict(K=5, n=2, trials=1, rng=rng0), "rank", [0, 3, "x"]),
    (M.cover_trials, dict(K=5, n=2, trials=1, rng=rng0), "rng", [0, None, "x"]),
    (M.baum_network, dict(X=Xv, y=yv), "X", BAD_ARRAY), (M.relu_interpolate, dict(X=Xv, y=yv), "X", BAD_ARRAY),
    (M.relu_interpolate, dict(X=Xv, y=yv), "direction", [np.zeros(3), np.ones(2), np.array([np.nan, 1, 1])]),
    (M.check_labels, dict(y=yv, K=8), "K", BAD_INT), (M.check_labels, dict(y=yv, K=8), "y", BAD_ARRAY + [yv + 0.5]),
    (M.mills_ratio, dict(a=[1.0]), "a", BAD_ARRAY), (M.normal_tail, dict(a=[1.0]), "a", BAD_ARRAY),
    (M.relu_moment, dict(a=[1.0], k=1), "k", BAD_INT + [3]), (M.log_relu_moment, dict(a=[1.0], k=1), "a", BAD_ARRAY),
    (M.scaled_moment, dict(sigma=[1.0], c=0.5, k=1), "sigma", BAD_ARRAY + [[-1.0]]),
    (M.scaled_moment, dict(sigma=[1.0], c=0.5, k=1), "c", BAD_FLOAT),
    (M.stability_ratio, dict(a=[1.0], z=0.5, k=1), "z", BAD_FLOAT + [-1.0, -2.0]),
    (M.stability_leading, dict(a=[1.0], z=0.5, k=1), "version", ["print", 3]),
    (M.stability_relative_error, dict(a=[1.0], z=0.5, k=1), "a", BAD_ARRAY),
    (M.pair_expectation, dict(Sigma=np.eye(2), kind="relu", c=1.0), "Sigma",
     BAD_ARRAY + [np.eye(3), np.array([[1.0, 2.0], [2.0, 1.0]]), np.array([[1.0, 0.1], [0.2, 1.0]]), -np.eye(2)]),
    (M.pair_expectation, dict(Sigma=np.eye(2), kind="relu", c=1.0), "kind", ["tanh", 1]),
    (M.pair_expectation, dict(Sigma=np.eye(2), kind="window", c=1.0), "c", BAD_FLOAT + [0.0, -1.0]),
    (M.pair_expectation, dict(Sigma=np.eye(2), kind="relu", c=1.0), "panels", BAD_INT + [2]),
    (M.cap_data, dict(K=5, n=3, rho0=0.2, rng=rng0), "rho0", BAD_FLOAT + [1.0, -0.1]),
    (M.cap_data, dict(K=5, n=3, rho0=0.2, rng=rng0), "n", BAD_INT + [1]),
    (M.min_separation, dict(X=Xv), "X", BAD_ARRAY + [Xv[:1], Xv[0]]),
    (M.bias_for_second_moment, dict(p=0.1), "p", BAD_FLOAT + [0.0, 0.6]),
    (M.bias_for_second_moment, dict(p=0.1), "activation", ["step", None]),
    (M.enrichment, dict(n_in=3, n_out=5, p=0.1, rng=rng0), "n_out", BAD_INT + [0]),
    (M.log_q_table, dict(rho_grid=[0.1], b=1.0), "rho_grid", BAD_ARRAY + [[1.5], [[0.1]]]),
    (M.log_q_table, dict(rho_grid=[0.1], b=1.0), "b", BAD_FLOAT),
    (M.binomial_two_sided_pvalue, dict(k=[3, 4], m=10, q=[0.3, 0.4]), "q", BAD_ARRAY + [[1.5, 0.2], [0.1, 0.2, 0.3]]),
    (M.binomial_two_sided_pvalue, dict(k=[3, 4], m=10, q=[0.3, 0.4]), "m", BAD_INT + [0]),
    (M.binomial_deviation, dict(m=10, q=0.3, level=0.1), "level", BAD_FLOAT + [0.0, 1.5]),
    (M.binomial_deviation, dict(m=10, q=0.3, level=0.1), "q", BAD_FLOAT + [1.5]),
    (M.gaussian_projections, dict(gram=np.eye(2), d=3, rng=rng0), "gram",
     BAD_ARRAY + [np.ones((2, 3)), np.array([[1.0, 0.5], [0.0, 1.0]]), -np.eye(2)]),
    (M.gaussian_projections, dict(gram=np.eye(2), d=3, rng=rng0), "d", BAD_INT + [0]),
    (M.equal_gram_vectors, dict(K=4, eta=0.1, rng=rng0), "eta", BAD_FLOAT + [1.0, 0.9]),
    (M.mirror_margins, dict(V=Xv, w=Xv[0], batch=[0]), "batch", [[], [9], [-1], [0, 0], "a", [1.5], None, [np.nan], [[0]]]),
    (M.mirror_margins, dict(V=Xv, w=Xv[0], batch=[0]), "w", BAD_ARRAY + [np.ones(2)]),
    (M.mirror_perceptron, dict(V=Xv, batch=[0], rng=rng0), "batch", [[], 0, [8], None, 2j]),
    (M.mirror_perceptron, dict(V=Xv, batch=[0], rng=rng0), "tau", BAD_FLOAT + [0.0]),
    (M.mirror_perceptron, dict(V=Xv, batch=[0], rng=rng0), "V", BAD_ARRAY + [np.zeros((0, 3))]),
    (M.perception_network, dict(V=np.eye(8), y=yv, batch_size=1, rng=rng0), "batch_size", BAD_INT + [0]),
    (M.perception_network, dict(V=np.eye(8), y=yv, batch_size=1, rng=rng0), "y", BAD_ARRAY),
    (A.default_sizes, dict(K=10, K1=3), "K1", BAD_INT + [11]),
    (A.memorize, dict(X=Xv, y=yv, rng=rng0, m=64, d=16, batch_size=1), "X", BAD_ARRAY),
    (A.memorize, dict(X=Xv, y=yv, rng=rng0, m=64, d=16, batch_size=1), "d", [-3, 1.5, "3", float("nan"), 2j, 2]),
    (A.memorize, dict(X=Xv, y=yv, rng=rng0, m=64, d=16, batch_size=1), "tau", [float("nan"), float("inf"), "x", 1j, 0.0]),
    (CS.deep_connections, dict(widths=(3, 8, 8, 8, 8)), "widths", [[3, 8], "abc", [3, 0, 8], None, [3, 8.5, 8]]),
    (CS.stage_sizes, dict(widths=(3, 8, 8, 8, 8)), "widths", [[3, 8, 8, 8], [3, 6, 6, 6, 6], "x"]),
    (CS.stage_sizes, dict(widths=(3, 8, 8, 8, 8)), "accumulator", ["sum", None]),
    (CS.distribute_positives, dict(K1=5, shares=[1, 2]), "shares", [[], [0, 1], [1.5], "ab", None]),
    (CS.distribute_positives, dict(K1=5, shares=[1, 2]), "K1", BAD_INT),
    (CS.layer_blocks, dict(m=4, d=[3, 3], r=[2, 2]), "d", [[3], [0, 3], "x", None]),
    (CS.layer_blocks, dict(m=4, d=[3, 3], r=[2, 2]), "m", BAD_INT + [0]),
    (CS.used_widths, dict(widths=(3, 8, 8, 8, 8)), "accumulator", ["x"]),
    (CS.stack_memorize, dict(X=Xv, y=yv, rng=rng0, m=64, d=[16, 16], r=[4, 4]), "X", BAD_ARRAY),
    (CS.stack_memorize, dict(X=Xv, y=yv, rng=rng0, m=64, d=[16, 16], r=[4, 4]), "y", BAD_ARRAY + [yv + 2]),
    (CS.stack_memorize, dict(X=Xv, y=yv, rng=rng0, m=64, d=[16, 16], r=[4, 4]), "r", [[3, 4], [4], [0, 4], "x"]),
    (CS.stack_memorize, dict(X=Xv, y=yv, rng=rng0, m=64, d=[16, 16], r=[4, 4]), "p1", BAD_FLOAT + [0.0, 0.7]),
    (CS.stack_memorize, dict(X=Xv, y=yv, rng=rng0, m=64, d=[16, 16], r=[4, 4]), "lam", BAD_FLOAT + [0.0]),
    (CS.stack_memorize, dict(X=Xv, y=yv, rng=rng0, m=64, d=[16, 16], r=[4, 4]), "max_tries", BAD_INT + [0]),
    (CS.stack_memorize, dict(X=Xv, y=yv, rng=rng0, m=64, d=[16, 16], r=[4, 4]), "activations",
     ["tanh", ["relu"], None, 3]),
    (SP.line_points, dict(K=5, n=3, rng=rng0), "span", BAD_FLOAT + [0.0]),
    (SP.line_points, dict(K=5, n=3, rng=rng0), "K", BAD_INT + [0]),
    (SP.circle_points, dict(K=5, n=3, rng=rng0), "n", BAD_INT + [1]),
    (SP.threshold_codes, dict(X=Xv, W=np.ones((2, 3)), b=np.zeros(2)), "W", BAD_ARRAY + [np.ones((2, 4))]),
    (SP.threshold_codes, dict(X=Xv, W=np.ones((2, 3)), b=np.zeros(2)), "b", BAD_ARRAY + [np.zeros(3)]),
    (SP.count_codes, dict(codes=np.ones((3, 2))), "codes", BAD_ARRAY + [np.ones(3)]),
    (SP.code_collision, dict(codes=np.ones((3, 2)), y=[0, 1, 0]), "y", BAD_ARRAY + [[0, 1], [0, 2, 1]]),
]


@pytest.mark.parametrize("func, kwargs, arg, bads", CALLS, ids=[f"{c[0].__name__}-{c[2]}" for c in CALLS])
@settings(max_examples=25, deadline=None)
@given(data=st.data())
def test_bad_input_raises_value_error_naming_argument(func, kwargs, arg, bads, data):
    bad = data.draw(st.sampled_from(bads))
    kw = dict(kwargs, **{arg: bad})
    with pytest.raises(ValueError) as info:
        func(**kw)
    msg = str(info.value)
    names = {arg, "X", "y"} if arg in ("X", "y") else {arg}
    assert any(nm in msg for nm in names), f"{func.__name__}({arg}={bad!r}): message does not name {arg}: {msg}"
