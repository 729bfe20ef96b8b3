"""Unit tests of lib.approximation against independent computations (closed forms, brute force, identities)."""
import math

import numpy as np
import pytest

from lib import approximation as approx
from lib.nets import Net


def rng(seed=0):
    return np.random.default_rng(seed)


# -- puzzle ----------------------------------------------------------------------------------
def test_robust_ceil():
    assert approx.robust_ceil(2.1 / 0.3) == 7
    assert math.ceil(2.1 / 0.3) == 8  # the floating-point trap the helper avoids
    assert approx.robust_ceil(7.2) == 8 and approx.robust_ceil(-0.5) == 0


def test_resnet_counts_match_published_and_torch():
    published = {((2, 2, 2, 2), False): 11_689_512, ((3, 4, 6, 3), True): 25_557_032,
                 ((3, 8, 36, 3), True): 60_192_808}
    for (blocks, bottleneck), count in published.items():
        assert approx.resnet_param_count(blocks, bottleneck=bottleneck) == count
    net = approx.resnet_torch((1, 1, 1, 1), bottleneck=True, num_classes=7)
    assert sum(p.numel() for p in net.parameters()) == approx.resnet_param_count((1, 1, 1, 1), num_classes=7)


def test_two_nn_brute_force():
    X = rng().random((60, 3))
    D = np.sqrt(((X[:, None] - X[None]) ** 2).sum(-1))
    np.fill_diagonal(D, np.inf)
    Ds = np.sort(D, axis=1)
    np.testing.assert_allclose(approx.two_nn_log_ratios(X), np.log(Ds[:, 1] / Ds[:, 0]), rtol=1e-12)
    assert approx.two_nn_dimension(X) == pytest.approx(60 / np.log(Ds[:, 1] / Ds[:, 0]).sum())
    # periodic: a point near 0 and one near 1 are neighbours on the torus
    P = np.array([[0.01], [0.99], [0.5], [0.3]])
    L = approx.two_nn_log_ratios(P, boxsize=1.0)
    assert L[0] == pytest.approx(np.log(0.29 / 0.02))


def test_knn_regress_brute_force():
    r = rng(1)
    Xt, yt, Xs = r.random((50, 2)), r.standard_normal(50), r.random((7, 2))
    D = ((Xs[:, None] - Xt[None]) ** 2).sum(-1)
    ref = yt[np.argsort(D, axis=1)[:, :4]].mean(1)
    np.testing.assert_allclose(approx.knn_regress(Xt, yt, Xs, 4), ref)


def test_features_and_least_squares():
    r = rng(2)
    X, W, b = r.standard_normal((30, 2)), r.standard_normal((5, 2)), r.standard_normal(5)
    Phi = approx.relu_features(X, W, b)
    np.testing.assert_allclose(Phi, np.where(X @ W.T + b > 0, X @ W.T + b, 0.0))
    c = r.standard_normal(5)
    np.testing.assert_allclose(approx.least_squares_fit(Phi, Phi @ c), c, atol=1e-10)


# -- one dimension ---------------------------------------------------------------------------
def test_staircase_matches_formula():
    g = lambda X: np.cos(3 * X[:, 0])
    net = approx.threshold_staircase(g, 3.0, 0.3)
    assert net.num_nodes == 10 and net.activations == ("step", "identity")
    b = np.arange(10) * (0.3 / 3.0)  # the breakpoints exactly as the construction rounds them
    x = np.linspace(0, 1, 1001)
    k = np.searchsorted(b, x, side="right") - 1  # largest k with b_k <= x
    np.testing.assert_allclose(net(x[:, None])[:, 0], g(b[k, None]), atol=1e-14)
    strict = approx.threshold_staircase(g, 3.0, 0.3, strict=True)
    assert strict(np.zeros((1, 1)))[0, 0] == 0.0


def test_prune_keeps_function():
    g = lambda X: np.maximum(0, X[:, 0] - 0.5)
    net = approx.threshold_staircase(g, 1.0, 0.1)
    p = approx.prune_zero_units(net)
    x = np.linspace(-1, 2, 301)[:, None]
    np.testing.assert_array_equal(p(x), net(x))
    assert p.num_nodes == int(np.count_nonzero(net.weights[1]))


def test_relu_abs_and_chebyshev():
    x = np.linspace(-2, 2, 101)
    np.testing.assert_array_equal(approx.relu_abs()(x[:, None])[:, 0], np.abs(x))
    X = np.linspace(-1, 1, 501)
    assert approx.chebyshev_sup_error(lambda t: t**3 - t, 3, X) < 1e-14  # a cubic is reproduced
    assert approx.chebyshev_sup_error(np.abs, 2, X) > 0.05


def test_minimax_known_values():
    X = np.cos(np.linspace(0, np.pi, 401))
    # best degree-0 approximation of x on [-1,1] is 0 with error 1; of x^2 by degree 1 is 1/2 - ... error 1/2
    assert approx.minimax_poly_error_grid(lambda t: t, 0, X) == pytest.approx(1.0, abs=1e-9)
    assert approx.minimax_poly_error_grid(lambda t: t**2, 1, X) == pytest.approx(0.5, abs=1e-9)
    assert approx.minimax_poly_error_grid(lambda t: t**2, 2, X) == pytest.approx(0.0, abs=1e-9)


def test_pl_interpolant_net():
    t = np.array([-1.0, -0.2, 0.5, 2.0])
    g = lambda X: X[:, 0] ** 2
    net = approx.pl_interpolant_net(g, t)
    assert net.num_nodes == 4  # n + 1 nodes for n = 3 intervals
    np.testing.assert_allclose(net(t[:, None])[:, 0], t**2, atol=1e-14)
    # linear extrapolation with the end slopes
    s0, s2 = (0.04 - 1) / 0.8, (4 - 0.25) / 1.5
    np.testing.assert_allclose(net(np.array([[-3.0], [5.0]]))[:, 0], [1 - 2 * s0, 4 + 3 * s2])


# -- cube construction -----------------------------------------------------------------------
def test_cube_side_and_counts():
    assert approx.cube_side_count(1, 0.1, 2) == 15 and approx.cube_side_count(1, 0.1, 2, "document") == 8
    assert approx.cube_net_node_count(15, 2) == 9 * 225
    U = approx.cube_corners(3, 2)
    assert U.shape == (9, 2) and set(map(tuple, U)) == {(i / 3, j / 3) for i in range(3) for j in range(3)}


def test_gamma_for_tau_identity():
    for k, d, tau in ((8, 2, 1e-3), (3, 5, 1e-9), (20, 1, 0.01)):
        gam = approx.gamma_for_tau(k, d, tau)
        assert (1 / k + 2 * gam) ** d - k ** -float(d) == pytest.approx(tau, rel=1e-6)


def test_trapezoid_and_bump_brute_force():
    gam = 0.1
    z = np.linspace(-1, 2, 3001)
    ref = np.clip(np.minimum((z - (0.2 - gam)) / gam, ((0.6 + gam) - z) / gam), 0, 1)
    np.testing.assert_allclose(approx.trapezoid_net(0.2, 0.6, gam)(z[:, None])[:, 0], ref, atol=1e-12)
    u, v = np.array([0.1, 0.3]), np.array([0.4, 0.5])
    X = rng(3).uniform(-0.5, 1.0, (2000, 2))
    t = np.clip(np.minimum((X - (u - gam)) / gam, ((v + gam) - X) / gam), 0, 1)
    np.testing.assert_allclose(approx.box_bump_net(u, v, gam)(X)[:, 0], np.maximum(t.sum(1) - 1, 0), atol=1e-12)


def test_box_bump_l1_exact():
    gam = 0.02
    assert approx.box_bump_l1([0.25], [0.5], gam, 50) == pytest.approx(gam, rel=1e-12)
    assert approx.box_bump_l1([0.0, 0.0], [0.25, 0.25], gam, 200) == pytest.approx(2 * gam / 4 + 2 * gam**2 / 3, rel=1e-5)


def test_piecewise_constant_h_and_net():
    g = lambda X: X[:, 0] + 2 * X[:, 1]
    h = approx.piecewise_constant_h(g, 4, 2)
    X = np.array([[0.3, 0.9], [1.0, 1.0], [0.0, 0.24]])
    np.testing.assert_allclose(h(X), [0.25 + 2 * 0.75, 0.75 + 2 * 0.75, 0.0])
    net = approx.lipschitz_cube_net(g, math.sqrt(5), 0.5, 2)
    k = approx.cube_side_count(math.sqrt(5), 0.5, 2)
    assert net.depth == 3 and net.num_nodes == 9 * k**2
    Xc = approx.cube_corners(k, 2) + 0.5 / k  # cube centres: every bump but one is 0 there
    np.testing.assert_allclose(approx.eval_in_chunks(net, Xc, chunk=7), g(approx.cube_corners(k, 2)), atol=1e-12)


# -- bad input -------------------------------------------------------------------------------
def test_value_errors():
    g = lambda X: X[:, 0]
    with pytest.raises(ValueError, match="eps"):
        approx.threshold_staircase(g, 1.0, 0.0)
    with pytest.raises(ValueError, match="rho"):
        approx.threshold_staircase(g, -1.0, 0.1)
    with pytest.raises(ValueError, match="shape"):
        approx.threshold_staircase(lambda X: X, 1.0, 0.1)
    with pytest.raises(ValueError, match="budget"):
        approx.threshold_staircase(g, 1e9, 1e-3)
    with pytest.raises(ValueError, match="d must"):
        approx.lipschitz_cube_net(g, 1.0, 0.1, 0)
    with pytest.raises(ValueError, match="nodes"):
        approx.lipschitz_cube_net(lambda X: X.sum(1), 1.0, 0.01, 4)
    with pytest.raises(ValueError, match="strictly increasing"):
        approx.pl_interpolant_net(g, [0.0, 0.5, 0.5, 1.0])
    with pytest.raises(ValueError, match="strictly increasing"):
        approx.pl_interpolant_net(g, [0.0, 1.0, 0.5])
    with pytest.raises(ValueError, match="k_rule"):
        approx.cube_side_count(1, 0.1, 2, "other")
    with pytest.raises(ValueError, match="tau"):
        approx.gamma_for_tau(3, 2, 0.0)
    with pytest.raises(ValueError, match="u must"):
        approx.trapezoid_net(1.0, 0.5, 0.1)
    with pytest.raises(ValueError, match="blocks"):
        approx.resnet_param_count((3, 4, 6))
    with pytest.raises(ValueError, match="repeated"):
        approx.two_nn_log_ratios(np.zeros((5, 2)))
    with pytest.raises(ValueError, match="X must lie"):
        approx.chebyshev_sup_error(np.abs, 3, [0.0, 2.0])
    with pytest.raises(ValueError, match="net must"):
        approx.prune_zero_units(Net([np.ones((2, 1))], [np.zeros(2)], ["identity"]))
    with pytest.raises(ValueError, match="k must"):
        approx.knn_regress(np.zeros((3, 1)), np.zeros(3), np.zeros((1, 1)), 5)


# -- universality ----------------------------------------------------------------------------
def test_exp_net_and_product():
    r = rng(4)
    a, V, u, W = r.standard_normal(3), r.standard_normal((3, 2)), r.standard_normal(2), r.standard_normal((2, 2))
    X = r.random((20, 2))
    ref = sum(a[j] * np.exp(X @ V[j]) for j in range(3))
    np.testing.assert_allclose(approx.exp_net_eval(a, V, X), ref, rtol=1e-13)
    c, E = approx.exp_net_product(a, V, u, W)
    assert c.shape == (6,) and E.shape == (6, 2)
    np.testing.assert_allclose(approx.exp_net_eval(c, E, X), ref * approx.exp_net_eval(u, W, X), rtol=1e-12)


def test_fit_exp_net_recovers_member():
    r = rng(5)
    V = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    a = np.array([0.5, -1.0, 2.0])
    X = r.random((50, 2))
    np.testing.assert_allclose(approx.fit_exp_net(approx.exp_net_eval(a, V, X), X, V), a, atol=1e-9)


def test_exp_to_relu_net_closed_form():
    a, V = np.array([1.0, -0.5]), np.array([[0.5, 0.5], [1.0, -1.0]])
    R, tol, N = approx.exp_relu_plan(a, V, 0.1)
    assert R == 2.0 and tol == pytest.approx(0.1 / 4)
    h = 2 * R / N
    assert h**2 * np.exp(R) / 8 <= tol < (2 * R / (N - 1)) ** 2 * np.exp(R) / 8
    net = approx.exp_to_relu_net(a, V, 0.1)
    assert net.num_nodes == 2 * (N + 1)
    X = rng(6).random((200, 2))
    p = approx.pl_interpolant_net(lambda T: np.exp(T[:, 0]), np.linspace(-R, R, N + 1))
    ref = a[0] * p((X @ V[0])[:, None])[:, 0] + a[1] * p((X @ V[1])[:, None])[:, 0]
    np.testing.assert_allclose(net(X)[:, 0], ref, atol=1e-12)
    with pytest.raises(ValueError, match="nodes"):
        approx.exp_to_relu_net(a, V, 1e-9, max_nodes=100)


def test_numerical_rank():
    r = rng(7)
    A = r.standard_normal((30, 4)) @ r.standard_normal((4, 10))
    assert approx.numerical_rank(A) == 4
    assert approx.numerical_rank(np.zeros((3, 3))) == 0
