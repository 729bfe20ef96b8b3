"""Property-based tests of every public function of lib.approximation (hypothesis).

Valid random inputs give finite outputs of the documented shape; invalid inputs (wrong shapes,
NaN/inf, empty arrays, out-of-range parameters, strings, complex numbers) raise ValueError whose
message names the argument, never a bare NumPy/torch error or a silent NaN.
"""
import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from lib import approximation as approx
from lib.nets import Net

from property_helpers import BAD_ARRAYS, BAD_SCALARS, S, raises_naming  # noqa: E402


def seeds():
    return st.integers(0, 2**32 - 1)


def lin(X):
    return X.sum(axis=1)


def test_all_public_functions_are_covered():
    tested = {n[len("test_"):].split("__")[0] for n in globals() if n.startswith("test_")}
    missing = [f for f in approx.__all__ if f not in tested]
    assert not missing, f"no property test for {missing}"


# -- scalars and counts -----------------------------------------------------------------------
@S
@given(st.floats(-1e6, 1e6))
def test_robust_ceil(x):
    k = approx.robust_ceil(x)
    assert isinstance(k, int) and k >= x - 1e-9 * max(1, abs(x)) and k - 1 < x
    for bad in BAD_SCALARS:
        raises_naming("x", approx.robust_ceil, bad)


@S
@given(st.lists(st.integers(1, 4), min_size=4, max_size=4), st.booleans(), st.integers(1, 50))
def test_resnet_param_count(blocks, bottleneck, classes):
    n = approx.resnet_param_count(blocks, bottleneck=bottleneck, num_classes=classes)
    assert isinstance(n, int) and n > 0
    raises_naming("blocks", approx.resnet_param_count, blocks[:3])
    raises_naming("blocks", approx.resnet_param_count, [1, 1, 0, 1])
    raises_naming("num_classes", approx.resnet_param_count, blocks, num_classes=0)
    raises_naming("blocks", approx.resnet_param_count, "3836")


@settings(max_examples=2, deadline=None)
@given(st.lists(st.integers(1, 1), min_size=4, max_size=4), st.booleans())
def test_resnet_torch(blocks, bottleneck):
    net = approx.resnet_torch(blocks, bottleneck=bottleneck, num_classes=3)
    assert sum(p.numel() for p in net.parameters()) == approx.resnet_param_count(blocks, bottleneck=bottleneck,
                                                                                   num_classes=3)
    raises_naming("blocks", approx.resnet_torch, blocks + [1])
    raises_naming("num_classes", approx.resnet_torch, blocks, num_classes=-1)


@S
@given(st.floats(0, 20), st.floats(1e-3, 1), st.integers(1, 6), st.sampled_from(["corrected", "document"]))
def test_cube_side_count(rho, eps, d, rule):
    k = approx.cube_side_count(rho, eps, d, rule)
    assert k >= 1
    if rule == "corrected" and rho > 0:
        assert rho * np.sqrt(d) / k <= eps * (1 + 1e-9)
    raises_naming("eps", approx.cube_side_count, rho, 0.0, d)
    raises_naming("rho", approx.cube_side_count, -1.0, eps, d)
    raises_naming("d", approx.cube_side_count, rho, eps, 0)
    raises_naming("k_rule", approx.cube_side_count, rho, eps, d, "other")
    for bad in BAD_SCALARS:
        raises_naming("eps", approx.cube_side_count, rho, bad, d)


@S
@given(st.integers(1, 50), st.integers(1, 5))
def test_cube_net_node_count(k, d):
    assert approx.cube_net_node_count(k, d) == (4 * d + 1) * k**d
    raises_naming("k", approx.cube_net_node_count, 0, d)
    raises_naming("d", approx.cube_net_node_count, k, 1.5)


@S
@given(st.integers(1, 6), st.integers(1, 3))
def test_cube_corners(k, d):
    U = approx.cube_corners(k, d)
    assert U.shape == (k**d, d) and U.min() >= 0 and U.max() < 1
    raises_naming("k", approx.cube_corners, 0, d)
    raises_naming("d", approx.cube_corners, k, "2")
    raises_naming("cube_corners", approx.cube_corners, 10**4, 2)


@S
@given(st.integers(1, 100), st.integers(1, 8), st.floats(1e-14, 1.0))
def test_gamma_for_tau(k, d, tau):
    gam = approx.gamma_for_tau(k, d, tau)
    assert np.isfinite(gam) and gam > 0
    lhs = (1 / k + 2 * gam) ** d - k ** (-float(d))
    assert lhs == pytest.approx(tau, rel=1e-6, abs=1e-13 * k ** (-float(d)))  # tiny tau: no cancellation to 0
    raises_naming("tau", approx.gamma_for_tau, k, d, 0.0)
    raises_naming("tau", approx.gamma_for_tau, k, d, float("nan"))


# -- intrinsic dimension and regression -------------------------------------------------------
@S
@given(seeds(), st.integers(5, 40), st.integers(1, 4))
def test_two_nn_log_ratios(seed, n, D):
    X = np.random.default_rng(seed).random((n, D))
    L = approx.two_nn_log_ratios(X)
    assert L.shape == (n,) and np.all(np.isfinite(L)) and np.all(L >= 0)
    Lt = approx.two_nn_log_ratios(X, boxsize=1.0)
    assert np.all(np.isfinite(Lt))
    for bad in BAD_ARRAYS:
        raises_naming("X", approx.two_nn_log_ratios, bad)
    raises_naming("X", approx.two_nn_log_ratios, np.vstack([X, X[:1]]))  # repeated row
    raises_naming("boxsize", approx.two_nn_log_ratios, X, boxsize=-1.0)
    raises_naming("X", approx.two_nn_log_ratios, X + 1.0, boxsize=1.0)


@S
@given(seeds(), st.integers(5, 40))
def test_two_nn_dimension(seed, n):
    X = np.random.default_rng(seed).random((n, 2))
    assert np.isfinite(approx.two_nn_dimension(X)) and approx.two_nn_dimension(X) > 0
    raises_naming("X", approx.two_nn_dimension, X[:2])
    raises_naming("X", approx.two_nn_dimension, X[:, 0])


@S
@given(seeds(), st.integers(2, 30), st.integers(1, 3), st.integers(1, 5))
def test_knn_regress(seed, n, D, t):
    r = np.random.default_rng(seed)
    Xt, yt, Xs = r.random((n, D)), r.standard_normal(n), r.random((t, D))
    k = int(r.integers(1, n + 1))
    out = approx.knn_regress(Xt, yt, Xs, k)
    assert out.shape == (t,) and np.all(np.isfinite(out))
    raises_naming("k", approx.knn_regress, Xt, yt, Xs, n + 1)
    raises_naming("y_train", approx.knn_regress, Xt, yt[:-1], Xs, 1)
    raises_naming("X_test", approx.knn_regress, Xt, yt, r.random((t, D + 1)), 1)
    raises_naming("y_train", approx.knn_regress, Xt, np.full(n, np.nan), Xs, 1)


@S
@given(seeds(), st.integers(1, 20), st.integers(1, 4), st.integers(1, 10))
def test_relu_features(seed, n, d, m):
    r = np.random.default_rng(seed)
    Phi = approx.relu_features(r.standard_normal((n, d)), r.standard_normal((m, d)), r.standard_normal(m))
    assert Phi.shape == (n, m) and Phi.min() >= 0
    raises_naming("W", approx.relu_features, np.zeros((n, d)), np.zeros((m, d + 1)), np.zeros(m))
    raises_naming("b", approx.relu_features, np.zeros((n, d)), np.zeros((m, d)), np.zeros(m + 1))
    raises_naming("X", approx.relu_features, np.full((n, d), np.inf), np.zeros((m, d)), np.zeros(m))


@S
@given(seeds(), st.integers(1, 20), st.integers(1, 10))
def test_least_squares_fit(seed, n, m):
    r = np.random.default_rng(seed)
    Phi, y = r.standard_normal((n, m)), r.standard_normal(n)
    c = approx.least_squares_fit(Phi, y)
    assert c.shape == (m,) and np.all(np.isfinite(c))
    raises_naming("y", approx.least_squares_fit, Phi, y[:-1] if n > 1 else np.zeros(2))
    raises_naming("Phi", approx.least_squares_fit, Phi.ravel(), y)
    raises_naming("Phi", approx.least_squares_fit, Phi.astype(complex), y)


# -- univariate folklore ----------------------------------------------------------------------
@S
@given(st.floats(0.0, 10.0), st.floats(0.05, 1.0), st.booleans())
def test_threshold_staircase(rho, eps, strict):
    net = approx.threshold_staircase(lambda X: rho * X[:, 0], rho, eps, strict=strict)
    assert isinstance(net, Net) and net.num_nodes == max(1, approx.robust_ceil(rho / eps))
    x = np.linspace(0, 1, 501)[:, None]
    if not strict:
        assert np.abs(net(x)[:, 0] - rho * x[:, 0]).max() <= eps * (1 + 1e-9)
    raises_naming("eps", approx.threshold_staircase, lin, rho, -eps)
    raises_naming("rho", approx.threshold_staircase, lin, float("nan"), eps)
    raises_naming("g", approx.threshold_staircase, lambda X: X, rho, eps)  # wrong shape
    raises_naming("g", approx.threshold_staircase, lambda X: np.full(X.shape[0], np.nan), rho, eps)
    raises_naming("g", approx.threshold_staircase, "sin", rho, eps)


@S
@given(st.floats(0.1, 5.0), st.floats(0.0, 0.5))
def test_prune_zero_units(rho, tol):
    flat = lambda X: rho * np.maximum(X[:, 0] - 0.5, 0)
    net = approx.threshold_staircase(flat, rho, 0.05)
    pruned = approx.prune_zero_units(net, tol)
    assert 1 <= pruned.num_nodes <= net.num_nodes
    if tol == 0:
        x = np.linspace(0, 1, 301)[:, None]
        np.testing.assert_allclose(pruned(x), net(x), atol=1e-12)
    raises_naming("net", approx.prune_zero_units, "net")
    raises_naming("tol", approx.prune_zero_units, net, -1.0)
    raises_naming("net", approx.prune_zero_units, approx.box_bump_net([0.0], [1.0], 0.1))


def test_relu_abs():
    x = np.array([[-1e300], [-1.0], [0.0], [1e-300], [3.0]])
    np.testing.assert_array_equal(approx.relu_abs()(x)[:, 0], np.abs(x[:, 0]))


@S
@given(st.integers(1, 64), st.sampled_from([1, 2]))
def test_chebyshev_sup_error(n, kind):
    x = np.linspace(-1, 1, 101)
    e = approx.chebyshev_sup_error(np.abs, n, x, kind=kind)
    assert np.isfinite(e) and e >= 0
    raises_naming("X", approx.chebyshev_sup_error, np.abs, n, x * 2)
    raises_naming("X", approx.chebyshev_sup_error, np.abs, n, np.array([np.nan]))
    raises_naming("degree", approx.chebyshev_sup_error, np.abs, -1, x)
    raises_naming("kind", approx.chebyshev_sup_error, np.abs, n, x, kind=0)
    raises_naming("f", approx.chebyshev_sup_error, lambda t: np.full_like(t, np.inf), n, x)


@S
@given(st.integers(1, 64), st.sampled_from([1, 2]))
def test_chebyshev_interpolant(n, kind):
    c = approx.chebyshev_interpolant(np.cos, n, kind=kind)
    assert c.shape == (n + 1,) and np.all(np.isfinite(c))
    raises_naming("degree", approx.chebyshev_interpolant, np.cos, 10**6)
    raises_naming("degree", approx.chebyshev_interpolant, np.cos, "3")
    raises_naming("f", approx.chebyshev_interpolant, 3.0, n)
    raises_naming("f", approx.chebyshev_interpolant, lambda t: np.zeros(2), max(n, 4), kind=kind)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 6))
def test_minimax_poly_error_grid(n):
    x = np.cos(np.linspace(0, np.pi, 60))
    e = approx.minimax_poly_error_grid(np.abs, n, x)
    assert np.isfinite(e) and 0 <= e <= 1
    raises_naming("X", approx.minimax_poly_error_grid, np.abs, n, x[: n + 1])
    raises_naming("X", approx.minimax_poly_error_grid, np.abs, n, x + 1)
    raises_naming("f", approx.minimax_poly_error_grid, None, n, x)
    raises_naming("f", approx.minimax_poly_error_grid, lambda t: t[:3], n, x)


@S
@given(seeds(), st.integers(2, 30))
def test_pl_interpolant_net(seed, n):
    r = np.random.default_rng(seed)
    t = np.sort(r.uniform(-3, 3, n))
    if np.any(np.diff(t) <= 1e-9):
        return
    net = approx.pl_interpolant_net(lambda X: np.sin(X[:, 0]), t)
    np.testing.assert_allclose(net(t[:, None])[:, 0], np.sin(t), atol=1e-9)  # knots, i.e. on the breakpoints
    raises_naming("knots", approx.pl_interpolant_net, lin, t[::-1])
    raises_naming("knots", approx.pl_interpolant_net, lin, np.array([1.0, 1.0, 2.0]))
    raises_naming("knots", approx.pl_interpolant_net, lin, t[:1])
    raises_naming("knots", approx.pl_interpolant_net, lin, np.array([0.0, np.nan]))
    raises_naming("g", approx.pl_interpolant_net, lambda X: X, t)


# -- the cube construction --------------------------------------------------------------------
@S
@given(st.floats(-2, 2), st.floats(0.01, 2), st.floats(1e-4, 0.5))
def test_trapezoid_net(u, width, gamma):
    net = approx.trapezoid_net(u, u + width, gamma)
    z = np.array([u, u + width, u - gamma, u + width + gamma, u - 2 * gamma - 1])[:, None]  # breakpoints
    out = net(z)[:, 0]
    np.testing.assert_allclose(out, [1, 1, 0, 0, 0], atol=1e-9 / gamma * (1 + abs(u) + width))
    raises_naming("u", approx.trapezoid_net, u + width, u, gamma)
    raises_naming("gamma", approx.trapezoid_net, u, u + width, 0.0)
    raises_naming("u", approx.trapezoid_net, "0", 1.0, gamma)


@S
@given(st.integers(1, 3), st.floats(1e-3, 0.2))
def test_box_bump_net(d, gamma):
    u, v = np.zeros(d), np.ones(d) / 3
    net = approx.box_bump_net(u, v, gamma)
    assert net.num_nodes == 4 * d + 1
    np.testing.assert_allclose(net(np.stack([u, v]))[:, 0], [1.0, 1.0], atol=1e-9)  # closed box corners
    raises_naming("u", approx.box_bump_net, v, u, gamma)
    raises_naming("v", approx.box_bump_net, u, v[:-1] if d > 1 else np.ones(2), gamma)
    raises_naming("u", approx.box_bump_net, np.full(d, np.nan), v, gamma)


@S
@given(st.integers(1, 5), st.integers(1, 3), seeds())
def test_piecewise_constant_h(k, d, seed):
    h = approx.piecewise_constant_h(lin, k, d)
    X = np.random.default_rng(seed).random((20, d))
    X[0] = 1.0  # the far corner belongs to the last cube
    X[1] = 1.0 / k  # a point exactly on a cell boundary
    out = h(X)
    assert out.shape == (20,) and np.all(np.isfinite(out))
    assert out[0] == pytest.approx(d * (k - 1) / k)
    raises_naming("X", h, X[:, :1] if d > 1 else np.zeros((2, 2)))
    raises_naming("X", h, np.full((2, d), np.nan))
    raises_naming("g", approx.piecewise_constant_h, lambda X: X, k, d)
    raises_naming("k", approx.piecewise_constant_h, lin, 0, d)


@settings(max_examples=10, deadline=None)
@given(st.floats(0.0, 3.0), st.sampled_from([0.3, 0.5, 1.0]), st.integers(1, 2))
def test_lipschitz_cube_net(rho, eps, d):
    g = lambda X: rho * np.linalg.norm(X - 0.3, axis=1)
    net = approx.lipschitz_cube_net(g, rho, eps, d)
    assert net.depth == 3 and net.num_nodes == approx.cube_net_node_count(approx.cube_side_count(rho, eps, d), d)
    X = np.random.default_rng(0).random((500, d))
    assert np.all(np.isfinite(net(X)))
    raises_naming("eps", approx.lipschitz_cube_net, g, rho, 0.0, d)
    raises_naming("max_nodes", approx.lipschitz_cube_net, g, rho, eps, d, max_nodes=0)
    raises_naming("nodes", approx.lipschitz_cube_net, g, 10.0, 0.01, 3)
    raises_naming("gamma", approx.lipschitz_cube_net, g, rho, eps, d, gamma=-1.0)
    raises_naming("g", approx.lipschitz_cube_net, lambda X: X, rho, eps, d)


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 2), st.floats(0.005, 0.1))
def test_box_bump_l1(d, gamma):
    k = 5
    val = approx.box_bump_l1(np.zeros(d), np.ones(d) / k, gamma, n_per_axis=50)
    exact = gamma if d == 1 else 2 * gamma / k + 2 * gamma**2 / 3
    assert val == pytest.approx(exact, rel=1e-3)
    raises_naming("box_bump_l1", approx.box_bump_l1, np.zeros(4), np.ones(4), gamma)
    raises_naming("n_per_axis", approx.box_bump_l1, np.zeros(d), np.ones(d), gamma, n_per_axis=0)
    raises_naming("gamma", approx.box_bump_l1, np.zeros(d), np.ones(d), float("inf"))


@S
@given(seeds(), st.integers(0, 50), st.integers(1, 64))
def test_eval_in_chunks(seed, n, chunk):
    net = approx.box_bump_net(np.zeros(2), np.ones(2) / 2, 0.1)
    X = np.random.default_rng(seed).random((n, 2))
    out = approx.eval_in_chunks(net, X, chunk)
    assert out.shape == (n,)
    if n:
        np.testing.assert_allclose(out, net(X)[:, 0], atol=1e-12)  # BLAS may round a batch differently
    raises_naming("net", approx.eval_in_chunks, "net", X)
    raises_naming("chunk", approx.eval_in_chunks, net, np.zeros((1, 2)), 0)
    raises_naming("X", approx.eval_in_chunks, net, np.zeros((3, 3)))


# -- universality -----------------------------------------------------------------------------
@S
@given(seeds(), st.integers(1, 6), st.integers(1, 3), st.integers(1, 10))
def test_exp_net_eval(seed, m, d, n):
    r = np.random.default_rng(seed)
    a, V, X = r.standard_normal(m), r.standard_normal((m, d)), r.random((n, d))
    out = approx.exp_net_eval(a, V, X)
    assert out.shape == (n,) and np.all(np.isfinite(out))
    raises_naming("V", approx.exp_net_eval, a, np.zeros((m + 1, d)), X)
    raises_naming("X", approx.exp_net_eval, a, V, np.zeros((n, d + 1)))
    raises_naming("overflow", approx.exp_net_eval, a, V * 0 + 1000.0, np.ones((n, d)))


@S
@given(seeds(), st.integers(1, 4), st.integers(1, 4), st.integers(1, 3))
def test_exp_net_product(seed, m, n, d):
    r = np.random.default_rng(seed)
    a, V, u, W = r.standard_normal(m), r.standard_normal((m, d)), r.standard_normal(n), r.standard_normal((n, d))
    c, E = approx.exp_net_product(a, V, u, W)
    assert c.shape == (m * n,) and E.shape == (m * n, d)
    X = r.random((5, d))
    np.testing.assert_allclose(approx.exp_net_eval(c, E, X), approx.exp_net_eval(a, V, X) * approx.exp_net_eval(u, W, X),
                               rtol=1e-10)
    raises_naming("W", approx.exp_net_product, a, V, u, np.zeros((n, d + 1)))
    raises_naming("u", approx.exp_net_product, a, V, np.array([np.nan]), W[:1])


@S
@given(seeds(), st.integers(1, 4))
def test_fit_exp_net(seed, m):
    r = np.random.default_rng(seed)
    X, V = r.random((30, 2)), r.standard_normal((m, 2))
    a = approx.fit_exp_net(np.sin(X[:, 0]), X, V)
    assert a.shape == (m,) and np.all(np.isfinite(a))
    raises_naming("y", approx.fit_exp_net, np.zeros(29), X, V)
    raises_naming("V", approx.fit_exp_net, np.zeros(30), X, np.zeros((m, 3)))


@S
@given(seeds(), st.integers(1, 4), st.floats(1e-3, 1.0))
def test_exp_relu_plan(seed, m, eps):
    r = np.random.default_rng(seed)
    R, tol, N = approx.exp_relu_plan(r.standard_normal(m), r.standard_normal((m, 2)), eps)
    assert R > 0 and 0 < tol <= eps and N >= 1
    assert (2 * R / N) ** 2 * np.exp(R) / 8 <= tol * (1 + 1e-9)
    raises_naming("eps", approx.exp_relu_plan, np.ones(m), np.ones((m, 2)), 0.0)


@settings(max_examples=10, deadline=None)
@given(seeds(), st.integers(1, 3))
def test_exp_to_relu_net(seed, m):
    r = np.random.default_rng(seed)
    a, V = r.standard_normal(m) / 2, r.standard_normal((m, 2)) / 2
    net = approx.exp_to_relu_net(a, V, 0.05)
    X = r.random((40, 2))
    assert np.abs(net(X)[:, 0] - approx.exp_net_eval(a, V, X)).max() <= 0.025
    raises_naming("nodes", approx.exp_to_relu_net, a, V, 1e-9, max_nodes=100)
    raises_naming("max_nodes", approx.exp_to_relu_net, a, V, 0.05, max_nodes=0)


@S
@given(seeds(), st.integers(1, 10), st.integers(1, 10))
def test_numerical_rank(seed, n, m):
    A = np.random.default_rng(seed).standard_normal((n, m))
    assert approx.numerical_rank(A) == min(n, m)
    assert approx.numerical_rank(np.zeros((n, m))) == 0
    raises_naming("Phi", approx.numerical_rank, np.zeros(3))
    raises_naming("rtol", approx.numerical_rank, A, -1.0)


# -- smoothness and the Q network -------------------------------------------------------------
@S
@given(st.integers(0, 12))
def test_sigmoid_derivative_poly(r):
    c = approx.sigmoid_derivative_poly(r)
    assert c.shape == (r + 2,) and np.all(np.isfinite(c))
    raises_naming("r", approx.sigmoid_derivative_poly, 13)
    raises_naming("r", approx.sigmoid_derivative_poly, 1.5)


@S
@given(st.integers(0, 6), st.floats(-800, 800))
def test_sigmoid_derivative(r, z):
    v = approx.sigmoid_derivative(r, np.array([z, -z]))
    assert v.shape == (2,) and np.all(np.isfinite(v))  # no overflow at |z| = 800
    raises_naming("z", approx.sigmoid_derivative, r, [np.nan])
    raises_naming("z", approx.sigmoid_derivative, r, ["a"])


@S
@given(st.integers(0, 12))
def test_sigmoid_derivative_sup(r):
    s = approx.sigmoid_derivative_sup(r)
    z = np.linspace(-30, 30, 20001)
    assert s >= np.abs(approx.sigmoid_derivative(r, z)).max() * (1 - 1e-9)
    raises_naming("r", approx.sigmoid_derivative_sup, -1)


@S
@given(st.floats(1e-6, 1.0), st.floats(-3, 3))
def test_square_block_bound(h, c):
    if abs(approx.sigmoid_derivative(2, c)) < 1e-6:
        raises_naming("c", approx.square_block_bound, [0.5], h, c)
        return
    b = approx.square_block_bound(np.linspace(-1, 1, 11), h, c)
    assert b.shape == (11,) and np.all(np.isfinite(b)) and b.min() >= 0
    raises_naming("h", approx.square_block_bound, [0.5], -h, c)
    raises_naming("t", approx.square_block_bound, [np.inf], h, c)


@S
@given(seeds(), st.floats(1e-3, 0.3), st.floats(1e-4, 0.1), st.integers(0, 12), st.sampled_from(["sigmoid", "relu"]))
def test_compositional_q_net(seed, h1, h2, s, block):
    c = np.random.default_rng(seed).standard_normal((3, 3))
    net = approx.compositional_q_net(c, h1, h2, squarings=s, block=block)
    assert net.widths == (2, 9) + (3,) * s + (1,) and net.num_nodes == 9 + 3 * s
    out = net(np.random.default_rng(seed).uniform(-1, 1, (7, 2)))
    assert out.shape == (7, 1)
    raises_naming("coef", approx.compositional_q_net, c[:2], h1, h2)
    raises_naming("coef", approx.compositional_q_net, c + 1j, h1, h2)
    raises_naming("h1", approx.compositional_q_net, c, 0.0, h2)
    raises_naming("h2", approx.compositional_q_net, c, h1, 2.0)
    raises_naming("squarings", approx.compositional_q_net, c, h1, h2, squarings=-1)
    raises_naming("c must", approx.compositional_q_net, c, h1, h2, c=0.0)


@S
@given(seeds(), st.integers(0, 20))
def test_poly2_eval(seed, n):
    r = np.random.default_rng(seed)
    c, X = r.standard_normal((3, 3)), r.uniform(-1, 1, (n, 2))
    if n == 0:
        raises_naming("X", approx.poly2_eval, c, X)
        return
    out = approx.poly2_eval(c, X)
    assert out.shape == (n,)
    np.testing.assert_allclose(out, [sum(c[a, b] * x[0] ** a * x[1] ** b for a in range(3) for b in range(3)) for x in X])
    raises_naming("X", approx.poly2_eval, c, X[:, :1])
    raises_naming("coef", approx.poly2_eval, np.full((3, 3), np.nan), X)


@S
@given(seeds(), st.floats(1e-4, 1e-2), st.integers(0, 12))
def test_q_error_bound(seed, h2, s):
    r = np.random.default_rng(seed)
    p, e = r.uniform(-1, 1, 10), r.uniform(0, 1e-6, 10)
    b = approx.q_error_bound(p, e, h2, squarings=s)
    assert b.shape == (10,) and np.all(np.isfinite(b)) and np.all(b >= 0)
    raises_naming("p", approx.q_error_bound, p * 2 + 2, e, h2)
    raises_naming("inner_err", approx.q_error_bound, p, e[:-1], h2)
    raises_naming("inner_rounding", approx.q_error_bound, p, e, h2, inner_rounding=-1.0)
    raises_naming("h2", approx.q_error_bound, p, e, float("nan"))


# -- Fourier, Barron, sampling ----------------------------------------------------------------
@S
@given(st.floats(0.1, 1.0), st.floats(-1, 1), st.integers(1, 6))
def test_fourier_transform_1d(sig, mu, k):
    x = np.linspace(-12, 12, 4801)
    w = np.linspace(-2, 2, k)
    ft = approx.fourier_transform_1d(approx.gaussian_density(x[:, None], sig, [mu]), x, w)
    assert ft.shape == (k,)
    np.testing.assert_allclose(ft, approx.gaussian_ft(w[:, None], sig, [mu]), atol=1e-9)
    raises_naming("g_vals", approx.fourier_transform_1d, np.zeros(3), x, w)
    raises_naming("x", approx.fourier_transform_1d, np.zeros(2), x[:2], w)
    raises_naming("w", approx.fourier_transform_1d, np.zeros(x.size), x, [np.nan])


@S
@given(st.floats(1e-3, 10), st.integers(1, 5), seeds())
def test_gaussian_ft(sig, d, seed):
    r = np.random.default_rng(seed)
    w, mu = r.standard_normal((4, d)), r.standard_normal(d)
    v = approx.gaussian_ft(w, sig, mu)
    assert v.shape == (4,) and np.all(np.abs(v) <= 1 + 1e-15)
    raises_naming("w", approx.gaussian_ft, w[:, :0] if d > 1 else np.zeros((4, 2)), sig, mu)
    raises_naming("sigma", approx.gaussian_ft, w, -sig, mu)
    raises_naming("mu", approx.gaussian_ft, w, sig, mu[None])


@S
@given(st.floats(1e-2, 10), st.integers(1, 5), seeds())
def test_gaussian_density(sig, d, seed):
    r = np.random.default_rng(seed)
    X, mu = r.standard_normal((4, d)), r.standard_normal(d)
    v = approx.gaussian_density(X, sig, mu)
    assert v.shape == (4,) and np.all(v >= 0) and np.all(np.isfinite(v))
    raises_naming("X", approx.gaussian_density, X[:, :0], sig, mu)
    raises_naming("sigma", approx.gaussian_density, X, "1", mu)


@S
@given(seeds(), st.integers(1, 3))
def test_barron_q(seed, d):
    r = np.random.default_rng(seed)
    w, b = r.standard_normal((6, d)), r.uniform(-1, 3, 6)
    w[0] = 0.0  # the zero frequency: support [0, 0]
    q = approx.barron_q(w, b, lambda z: approx.gaussian_ft(z, 0.3, np.zeros(d)))
    assert q.shape == (6,) and np.all(np.isfinite(q))
    raises_naming("b", approx.barron_q, w, b[:-1], lambda z: z[:, 0])
    raises_naming("ghat", approx.barron_q, w, b, None)
    raises_naming("ghat", approx.barron_q, w, b, lambda z: z)


@S
@given(st.floats(-50, 50), st.floats(-50, 50))
def test_abs_sin_integral(lo, hi):
    v = approx.abs_sin_integral(lo, hi)
    assert np.isfinite(v) and np.sign(v) in (np.sign(hi - lo), 0)
    assert abs(v) <= abs(hi - lo) + 1e-12
    half = approx.abs_sin_integral(np.array([0.0, 0.5]), np.array([0.5, 1.0]))  # boundaries of the half periods
    np.testing.assert_allclose(half, 1 / np.pi, atol=1e-15)
    raises_naming("lo", approx.abs_sin_integral, np.nan, hi)
    raises_naming("lo and hi", approx.abs_sin_integral, np.zeros(2), np.zeros(3))


@settings(max_examples=10, deadline=None)
@given(seeds(), st.integers(1, 2))
def test_barron_gaussian_rep(seed, d):
    r = np.random.default_rng(seed)
    X = r.uniform(-1, 1, (5, d)) / np.sqrt(d)
    mu = r.uniform(-0.3, 0.3, d)
    v = approx.barron_gaussian_rep(X, 0.4, mu, n_w=200)
    g = lambda Z: approx.gaussian_density(Z, 0.4, mu)
    np.testing.assert_allclose(v, g(X) - g(np.zeros((1, d))), atol=1e-7)
    a = approx.barron_gaussian_rep(X, 0.4, mu, n_w=100, absolute=True)
    assert np.all(a >= 0)
    raises_naming("n_w", approx.barron_gaussian_rep, X, 0.4, mu, n_w=10**5)
    raises_naming("X", approx.barron_gaussian_rep, np.zeros((2, d + 1)), 0.4, mu)
    raises_naming("half_width", approx.barron_gaussian_rep, X, 0.4, mu, half_width=0.0)


@settings(max_examples=10, deadline=None)
@given(st.floats(0.1, 1.0), st.integers(1, 2))
def test_barron_gaussian_mass(sig, d):
    m = approx.barron_gaussian_mass(sig, np.zeros(d), n_w=200 if d == 2 else 1000)
    assert 0 < m <= 2 * approx.barron_integral_gaussian(d, sig) * (1 + 1e-6)
    raises_naming("mu", approx.barron_gaussian_mass, sig, np.zeros(4))
    raises_naming("sigma", approx.barron_gaussian_mass, 0.0, np.zeros(d))


@S
@given(st.integers(1, 10_000), st.floats(1e-3, 10))
def test_barron_integral_gaussian(d, sig):
    try:
        h = approx.barron_integral_gaussian_holder(d, sig)
    except ValueError as exc:  # beyond float64: refused, never inf
        assert "float64" in str(exc)
        return
    v = approx.barron_integral_gaussian(d, sig)
    assert np.isfinite(v) and v >= 0 and v <= h * (1 + 1e-12) + 1e-300
    raises_naming("d", approx.barron_integral_gaussian, 0, sig)
    raises_naming("sigma", approx.barron_integral_gaussian, d, float("inf"))


@S
@given(st.integers(1, 10_000), st.floats(1e-3, 10))
def test_barron_integral_gaussian_holder(d, sig):
    try:
        assert approx.barron_integral_gaussian_holder(d, sig) >= 0
    except ValueError as exc:
        assert "float64" in str(exc)
    raises_naming("sigma", approx.barron_integral_gaussian_holder, 1000, 1e-3)  # would overflow
    raises_naming("d", approx.barron_integral_gaussian_holder, "3", sig)
    raises_naming("sigma", approx.barron_integral_gaussian_holder, d, -1.0)


@S
@given(seeds(), st.integers(1, 200), st.integers(1, 3))
def test_gaussian_barron_sample(seed, m, d):
    W, b, s = approx.gaussian_barron_sample(m, 0.3, np.zeros(d), np.random.default_rng(seed))
    assert W.shape == (m, d) and b.shape == (m,) and s.shape == (m,)
    assert np.all(np.isin(s, [-1.0, 1.0])) and np.all((b >= 0) & (b <= np.linalg.norm(W, axis=1)))
    raises_naming("rng", approx.gaussian_barron_sample, m, 0.3, np.zeros(d), seed)
    raises_naming("m", approx.gaussian_barron_sample, 0, 0.3, np.zeros(d), np.random.default_rng(0))


@S
@given(seeds(), st.integers(1, 10), st.integers(1, 3))
def test_threshold_sample_net(seed, m, d):
    r = np.random.default_rng(seed)
    W, b, s = r.standard_normal((m, d)), r.standard_normal(m), r.choice([-1.0, 1.0], m)
    net = approx.threshold_sample_net(W, b, s, 2.0, 0.5)
    assert net.widths == (d, m, 1) and net.activations == ("step", "identity")
    raises_naming("s", approx.threshold_sample_net, W, b, s * 0.5, 2.0)
    raises_naming("mass", approx.threshold_sample_net, W, b, s, -1.0)
    raises_naming("const", approx.threshold_sample_net, W, b, s, 1.0, float("nan"))


@S
@given(seeds(), st.integers(1, 4), st.integers(1, 10), st.integers(1, 3))
def test_sampled_threshold_values(seed, R, m, d):
    r = np.random.default_rng(seed)
    W, b, s = r.standard_normal((R, m, d)), r.standard_normal((R, m)), r.choice([-1.0, 1.0], (R, m))
    X = r.standard_normal((5, d))
    X[0] = 0.0
    b[:, 0] = 0.0  # a tie w.x = b: 1[0 >= 0] = 1
    v = approx.sampled_threshold_values(X, W, b, s, 3.0)
    assert v.shape == (R, 5)
    raises_naming("W", approx.sampled_threshold_values, X, W[0], b, s, 3.0)
    raises_naming("b", approx.sampled_threshold_values, X, W, b[:, :-1] if m > 1 else np.zeros((R, 2)), s, 3.0)


@S
@given(seeds(), st.integers(1, 50), st.lists(st.integers(1, 3), max_size=2))
def test_sin2pi_threshold_sample(seed, m, size):
    b, s = approx.sin2pi_threshold_sample(m, np.random.default_rng(seed), tuple(size))
    assert b.shape == tuple(size) + (m,) and s.shape == b.shape
    assert np.all((b >= 0) & (b <= 1)) and np.all(np.isin(s, [-1.0, 1.0]))
    raises_naming("m", approx.sin2pi_threshold_sample, 0, np.random.default_rng(0))
    raises_naming("rng", approx.sin2pi_threshold_sample, m, None)
    raises_naming("size", approx.sin2pi_threshold_sample, m, np.random.default_rng(0), [2])


@S
@given(st.lists(st.floats(0, 1), min_size=0, max_size=20))
def test_sin2pi_tv_cdf(xs):
    x = np.array(xs, dtype=float)
    F = approx.sin2pi_tv_cdf(x)
    assert F.shape == x.shape and np.all((F >= -1e-15) & (F <= 1 + 1e-15))
    raises_naming("x", approx.sin2pi_tv_cdf, [-0.1])
    raises_naming("x", approx.sin2pi_tv_cdf, [np.nan])


@S
@given(seeds(), st.integers(1, 4), st.integers(1, 20), st.integers(1, 10))
def test_threshold_eval_1d(seed, R, m, n):
    r = np.random.default_rng(seed)
    b, s, x = r.random((R, m)), r.choice([-1.0, 1.0], (R, m)), r.random(n)
    x[0] = b[0, 0]  # a tie
    v = approx.threshold_eval_1d(x, b, s, 4.0)
    assert v.shape == (R, n)
    np.testing.assert_allclose(v, 4.0 / m * ((x[None, :, None] >= b[:, None, :]) * s[:, None, :]).sum(2), atol=1e-12)
    raises_naming("s", approx.threshold_eval_1d, x, b, s[:, :-1] if m > 1 else np.zeros((R, 2)), 4.0)
    raises_naming("x", approx.threshold_eval_1d, x[:, None], b, s, 4.0)
    raises_naming("mass", approx.threshold_eval_1d, x, b, s, "4")


@S
@given(seeds(), st.integers(1, 8), st.integers(1, 5), st.integers(1, 10))
def test_maurey_sq_errors(seed, S_, D, k):
    r = np.random.default_rng(seed)
    atoms = r.standard_normal((S_, D))
    p = r.random(S_) + 0.01
    p /= p.sum()
    err, exact = approx.maurey_sq_errors(atoms, p, k, 20, r)
    assert err.shape == (20,) and np.all(err >= 0) and exact >= -1e-12
    raises_naming("probs", approx.maurey_sq_errors, atoms, -p, k, 20, r)
    raises_naming("k", approx.maurey_sq_errors, atoms, p, 0, 20, r)
    raises_naming("k \\* reps", approx.maurey_sq_errors, atoms, p, 10**5, 10**5, r)
    raises_naming("atoms", approx.maurey_sq_errors, atoms[0], p, k, 20, r)


# -- landscape --------------------------------------------------------------------------------
@S
@given(seeds(), st.integers(1, 3), st.integers(1, 4), st.integers(1, 5))
def test_poly_mlp_forward(seed, hidden, width, deg):
    r = np.random.default_rng(seed)
    widths = [2] + [width] * hidden + [1]
    W = [r.standard_normal((o, i)) / np.sqrt(i) for i, o in zip(widths[:-1], widths[1:])]
    b = [r.standard_normal(o) * 0.1 for o in widths[1:]]
    out = approx.poly_mlp_forward(r.uniform(-1, 1, (6, 2)), W, b, r.standard_normal(deg + 1) * 0.3)
    assert out.shape == (6,) and np.all(np.isfinite(out))
    raises_naming("weights", approx.poly_mlp_forward, np.zeros((6, 2)), W, b[:-1], [1.0])
    raises_naming("weights\\[0\\]", approx.poly_mlp_forward, np.zeros((6, 3)), W, b, [1.0])
    raises_naming("act_coef", approx.poly_mlp_forward, np.zeros((6, 2)), W, b, [np.nan])
    raises_naming("overflow", approx.poly_mlp_forward, np.full((6, 2), 1e200), W, b, [0.0, 0.0, 1.0])


@S
@given(st.integers(1, 20), st.integers(1, 4))
def test_poly_mlp_degree(l, L):
    d = approx.poly_mlp_degree(l, L)
    assert d >= l + 1 and (L > 1 or d == l + 1)
    raises_naming("l", approx.poly_mlp_degree, 0, L)
    raises_naming("hidden_layers", approx.poly_mlp_degree, l, 0)


@S
@given(seeds(), st.integers(1, 6), st.integers(1, 8))
def test_poly_net1_residual_jacobian(seed, h, N):
    r = np.random.default_rng(seed)
    res, J = approx.poly_net1_residual_jacobian(r.standard_normal(3 * h + 1), r.uniform(-1, 1, N),
                                                r.standard_normal(N), [0.0, 1.0, 0.5])
    assert res.shape == (N,) and J.shape == (N, 3 * h + 1) and np.all(np.isfinite(J))
    raises_naming("params", approx.poly_net1_residual_jacobian, np.zeros(3 * h), [0.0], [0.0], [1.0])
    raises_naming("y", approx.poly_net1_residual_jacobian, np.zeros(3 * h + 1), [0.0, 1.0], [0.0], [1.0])
    raises_naming("x", approx.poly_net1_residual_jacobian, np.zeros(3 * h + 1), ["a"], [0.0], [1.0])


@settings(max_examples=10, deadline=None)
@given(seeds())
def test_solve_interpolation(seed):
    r = np.random.default_rng(seed)
    x, y, c = np.linspace(-1, 1, 3), r.standard_normal(3), np.array([0.0, 1.0, 0.5])
    w, b = r.standard_normal(4), r.standard_normal(4)
    z = np.outer(x, w) + b
    ac = np.linalg.lstsq(np.hstack([z + 0.5 * z**2, np.ones((3, 1))]), y, rcond=None)[0]
    p = np.concatenate([ac[:4], w, b, ac[-1:]])
    q = approx.solve_interpolation(p + 1e-4 * r.standard_normal(13), x, y, c)
    assert np.abs(approx.poly_net1_residual_jacobian(q, x, y, c)[0]).max() <= 1e-13
    raises_naming("steps", approx.solve_interpolation, p, x, y, c, steps=0)
    raises_naming("tol", approx.solve_interpolation, p, x, y, c, tol=0.0)
    raises_naming("params0", approx.solve_interpolation, np.full(13, np.inf), x, y, c)


@S
@given(seeds(), st.integers(1, 30), st.integers(1, 20))
def test_real_root_counts(seed, l, R):
    c = np.random.default_rng(seed).standard_normal((R, l + 1))
    c[:, -1] += np.sign(c[:, -1]) * 1e-3  # keep the leading coefficient away from 0
    n = approx.real_root_counts(c)
    assert n.shape == (R,) and np.all((n >= 0) & (n <= l)) and np.all((n - l) % 2 == 0)  # complex roots pair up
    raises_naming("coefs", approx.real_root_counts, c[:, :1])
    raises_naming("coefs", approx.real_root_counts, c[0])
    raises_naming("tol", approx.real_root_counts, c, tol=-1.0)


@S
@given(st.lists(st.floats(1e-3, 1e3), min_size=2, max_size=30))
def test_kac_rice_expected_real_roots(v):
    e = approx.kac_rice_expected_real_roots(np.array(v))
    assert np.isfinite(e) and 0 <= e <= len(v) - 1 + 1e-6
    raises_naming("variances", approx.kac_rice_expected_real_roots, [1.0])
    raises_naming("variances", approx.kac_rice_expected_real_roots, [1.0, np.nan])
    raises_naming("n_nodes", approx.kac_rice_expected_real_roots, [1.0, 1.0], n_nodes=1)


# -- dimension sweep, certified roots, batched MLPs (round 3) ------------------------------------
def _ball(seed, n, d):
    rng = np.random.default_rng(seed)
    G = rng.standard_normal((n, d))
    return G / np.linalg.norm(G, axis=1, keepdims=True) * rng.random((n, 1)) ** (1 / d)


@S
@given(st.integers(1, 60), st.floats(0.2, 2.0))
def test_barron_radial_mass(d, sigma):
    m = approx.barron_radial_mass(d, sigma)
    assert np.isfinite(m) and 0 < m <= 2 * approx.barron_integral_gaussian(d, sigma) * (1 + 1e-9)
    for bad in BAD_SCALARS + [0.0, -1.0]:
        raises_naming("sigma", approx.barron_radial_mass, d, bad)
    for bad in BAD_SCALARS + [0, -3, 2.5]:
        raises_naming("d", approx.barron_radial_mass, bad, sigma)


@S
@given(seeds(), st.integers(1, 8), st.integers(1, 20), st.floats(0.2, 2.0))
def test_barron_radial_hit_prob(seed, d, n, sigma):
    p = approx.barron_radial_hit_prob(_ball(seed, n, d), sigma)
    assert p.shape == (n,) and np.all(np.isfinite(p)) and np.all((p >= 0) & (p <= 0.5 + 1e-12))
    for bad in BAD_ARRAYS + [np.ones(3), np.full((2, 2), 2.0)]:
        raises_naming("X", approx.barron_radial_hit_prob, bad, sigma)
    for bad in BAD_SCALARS + [0.0]:
        raises_naming("sigma", approx.barron_radial_hit_prob, _ball(seed, n, d), bad)


@S
@given(seeds(), st.integers(1, 8), st.integers(1, 20))
def test_barron_radial_exact_error(seed, d, n):
    v = approx.barron_radial_exact_error(_ball(seed, n, d), 0.4)
    assert np.isfinite(v) and -1e-9 <= v <= approx.barron_radial_mass(d, 0.4) ** 2
    for bad in BAD_ARRAYS + [np.full((2, 2), 3.0)]:
        raises_naming("X", approx.barron_radial_exact_error, bad, 0.4)
    raises_naming("sigma", approx.barron_radial_exact_error, _ball(seed, n, d), float("nan"))


@S
@given(seeds(), st.integers(1, 24), st.integers(1, 12))
def test_trig_real_root_counts(seed, l, R):
    A = np.random.default_rng(seed).standard_normal((R, l + 1))
    counts, unresolved = approx.trig_real_root_counts(A)
    assert counts.shape == (R,) and np.all((counts >= 0) & (counts <= l)) and unresolved >= 0
    if unresolved == 0:
        np.testing.assert_array_equal(counts, approx.real_root_counts(A))
    for bad in BAD_ARRAYS + [np.ones(4), np.zeros((2, 3))]:
        raises_naming("coefs", approx.trig_real_root_counts, bad)
    for bad in [float("nan"), float("inf"), "1", 1 + 2j, 2, 10**7]:  # None is the default
        raises_naming("n_grid", approx.trig_real_root_counts, A, n_grid=bad)
    for bad in BAD_SCALARS + [-1, 13]:
        raises_naming("max_refine", approx.trig_real_root_counts, A, max_refine=bad)


@S
@given(seeds(), st.integers(1, 4), st.integers(1, 3), st.integers(1, 5), st.booleans())
def test_mlp_batched_forward(seed, B, d, k, poly):
    rng = np.random.default_rng(seed)
    Ws, bs = [rng.standard_normal((B, k, d)), rng.standard_normal((B, 1, k))], [rng.standard_normal((B, k)), rng.standard_normal((B, 1))]
    act = [0.0, 0.5, 0.25] if poly else None
    X = rng.uniform(-1, 1, (6, d))
    out = approx.mlp_batched_forward(X, Ws, bs, act)
    assert out.shape == (B, 6) and np.all(np.isfinite(out))
    for bad in BAD_ARRAYS + [np.ones(3), np.ones((2, d + 1))]:
        raises_naming("X", approx.mlp_batched_forward, bad, Ws, bs, act)
    for bad in BAD_ARRAYS[:4] + [np.ones((B, k))]:
        raises_naming("weights", approx.mlp_batched_forward, X, [bad, Ws[1]], bs, act)
    raises_naming("biases", approx.mlp_batched_forward, X, Ws, [bs[0][:, :0], bs[1]], act)
    for bad in BAD_ARRAYS[:4]:
        raises_naming("act_coef", approx.mlp_batched_forward, X, Ws, bs, bad)
    raises_naming("weights", approx.mlp_batched_forward, X, Ws, bs[:1], act)


@settings(max_examples=10, deadline=None)
@given(seeds(), st.integers(1, 3), st.integers(1, 6), st.booleans())
def test_train_mlp_batched(seed, B, k, poly):
    import torch

    rng = np.random.default_rng(seed)
    X, y = rng.uniform(-1, 1, (8, 1)), rng.standard_normal(8)
    g = torch.Generator().manual_seed(seed)
    act = [0.0, 0.5, 0.25] if poly else None
    r = approx.train_mlp_batched(X, y, [1, k, 1], B, g, act_coef=act, steps=5, lr=1e-3)
    assert r["mse"].shape == (B,) and np.all(np.isfinite(r["mse"])) and r["history"].shape == (5,)
    assert [w.shape for w in r["weights"]] == [(B, k, 1), (B, 1, k)]
    for bad in BAD_ARRAYS + [np.ones(8)]:
        raises_naming("X", approx.train_mlp_batched, bad, y, [1, k, 1], B, g)
    for bad in BAD_ARRAYS[:4] + [np.ones(7)]:
        raises_naming("y", approx.train_mlp_batched, X, bad, [1, k, 1], B, g)
    for bad in (["a", 1], [1, 0, 1], [2, 3, 1], [1, 3, 2], "13", 5):
        raises_naming("widths", approx.train_mlp_batched, X, y, bad, B, g)
    for bad in BAD_SCALARS + [0]:
        raises_naming("restarts", approx.train_mlp_batched, X, y, [1, k, 1], bad, g)
    for bad in (None, 3, np.random.default_rng(0)):
        raises_naming("generator", approx.train_mlp_batched, X, y, [1, k, 1], B, bad)
    for bad in BAD_SCALARS + [0]:
        raises_naming("steps", approx.train_mlp_batched, X, y, [1, k, 1], B, g, steps=bad)
    for bad in BAD_SCALARS + [0.0, -1.0]:
        raises_naming("lr", approx.train_mlp_batched, X, y, [1, k, 1], B, g, lr=bad)
    for bad in BAD_ARRAYS[:4]:
        raises_naming("act_coef", approx.train_mlp_batched, X, y, [1, k, 1], B, g, act_coef=bad)
