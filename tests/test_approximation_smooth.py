"""Unit tests of lib.approximation's smoothness/depth and sampling helpers against independent computations."""
import numpy as np
import pytest
from numpy.polynomial import chebyshev as C

from lib import approximation as approx
from lib.nets import activation


def _sig(z):
    return 1.0 / (1.0 + np.exp(-z))


# -- Chebyshev interpolation ------------------------------------------------------------------
def test_chebyshev_kind2_reproduces_polynomials_and_interpolates():
    c = np.random.default_rng(0).standard_normal(9)
    coef = approx.chebyshev_interpolant(lambda t: C.chebval(t, c), 8, kind=2)
    np.testing.assert_allclose(coef, c, atol=1e-12)  # a degree-8 polynomial is reproduced exactly
    n = 17
    xj = np.cos(np.pi * np.arange(n + 1) / n)
    coef = approx.chebyshev_interpolant(np.abs, n, kind=2)
    np.testing.assert_allclose(C.chebval(xj, coef), np.abs(xj), atol=1e-13)  # interpolates at the points
    np.testing.assert_allclose(coef, C.chebfit(xj, np.abs(xj), n), atol=1e-10)  # same as a square solve


def test_chebyshev_kind1_matches_numpy_and_trefethen_bound():
    np.testing.assert_allclose(approx.chebyshev_interpolant(np.sin, 7, kind=1), C.chebinterpolate(np.sin, 7))
    x = np.linspace(-1, 1, 20001)
    for n in (4, 9, 30):  # |x|: V(f') = 2, so sup error <= 8 / (pi (n - 1))
        assert approx.chebyshev_sup_error(np.abs, n, x, kind=2) <= 8 / (np.pi * (n - 1))
    # relu interpolant = (x + |x| interpolant) / 2 exactly (interpolation is linear and reproduces x)
    e_relu = approx.chebyshev_sup_error(lambda t: np.maximum(t, 0), 20, x, kind=2)
    e_abs = approx.chebyshev_sup_error(np.abs, 20, x, kind=2)
    assert e_relu == pytest.approx(e_abs / 2, rel=1e-9)


# -- sigmoid derivatives ----------------------------------------------------------------------
def test_sigmoid_derivatives_against_closed_forms_and_differences():
    z = np.linspace(-4, 4, 81)
    s = _sig(z)
    np.testing.assert_allclose(approx.sigmoid_derivative(0, z), s, atol=1e-15)
    np.testing.assert_allclose(approx.sigmoid_derivative(1, z), s * (1 - s), atol=1e-15)
    np.testing.assert_allclose(approx.sigmoid_derivative(2, z), s * (1 - s) * (1 - 2 * s), atol=1e-15)
    h = 1e-3
    for r in (3, 4):  # central difference of the (r-1)-th derivative
        fd = (approx.sigmoid_derivative(r - 1, z + h) - approx.sigmoid_derivative(r - 1, z - h)) / (2 * h)
        np.testing.assert_allclose(approx.sigmoid_derivative(r, z), fd, atol=1e-6)
    assert approx.sigmoid_derivative(3, 0.0) == pytest.approx(-1 / 8)
    assert approx.sigmoid_derivative_sup(1) == pytest.approx(0.25)
    assert approx.sigmoid_derivative_sup(2) == pytest.approx(1 / (6 * np.sqrt(3)), rel=1e-12)
    dense = np.linspace(-12, 12, 200_001)
    assert approx.sigmoid_derivative_sup(4) == pytest.approx(np.abs(approx.sigmoid_derivative(4, dense)).max(), rel=1e-6)


def test_square_block_bound_holds_and_is_tight_order():
    t = np.linspace(-1, 1, 401)
    for h in (0.3, 0.1, 0.03):
        s = (_sig(1 + h * t) - 2 * _sig(1.0) + _sig(1 - h * t)) / (h**2 * approx.sigmoid_derivative(2, 1.0))
        err, b = np.abs(s - t**2), approx.square_block_bound(t, h)
        assert np.all(err <= b + 1e-12)
        assert err.max() >= 0.5 * b.max()  # the Taylor constant is nearly attained at |t| = 1
    assert approx.square_block_bound(np.array([1.0]), 0.2)[0] == pytest.approx(4 * approx.square_block_bound(np.array([1.0]), 0.1)[0])


# -- the Q network ----------------------------------------------------------------------------
def _grid(n=41):
    g = np.linspace(-1, 1, n)
    return np.stack(np.meshgrid(g, g), axis=-1).reshape(-1, 2)


def test_poly2_eval_brute_force():
    c = np.arange(9.0).reshape(3, 3) - 4
    X = np.random.default_rng(1).uniform(-1, 1, (50, 2))
    ref = sum(c[a, b] * X[:, 0] ** a * X[:, 1] ** b for a in range(3) for b in range(3))
    np.testing.assert_allclose(approx.poly2_eval(c, X), ref, atol=1e-12)


def test_q_net_structure_and_values():
    c = np.random.default_rng(2).standard_normal((3, 3))
    X = _grid()
    c /= np.abs(approx.poly2_eval(c, X)).max()
    p = approx.poly2_eval(c, X)
    net = approx.compositional_q_net(c, 0.02, 5e-4)
    assert net.widths == (2, 9) + (3,) * 10 + (1,) and net.num_nodes == 39
    inner = approx.compositional_q_net(c, 0.01, 1e-3, squarings=0)
    assert np.abs(inner(X)[:, 0] - p).max() < 1e-4  # O(h1^2) differences
    one = approx.compositional_q_net(c, 0.01, 1e-3, squarings=1)
    assert np.abs(one(X)[:, 0] - p**2).max() < 1e-3
    # each monomial separately, against x^a y^b
    for a in range(3):
        for b in range(3):
            e = np.zeros((3, 3))
            e[a, b] = 1.0
            mono = approx.compositional_q_net(e, 0.01, 1e-3, squarings=0)(X)[:, 0]
            assert np.abs(mono - X[:, 0] ** a * X[:, 1] ** b).max() < 1e-4
    relu = approx.compositional_q_net(c, 0.02, 5e-4, squarings=3, block="relu")
    assert relu.activations[1:4] == ("relu",) * 3
    tilde = approx.compositional_q_net(c, 0.02, 5e-4, squarings=0)(X)[:, 0]
    np.testing.assert_allclose(relu(X)[:, 0], np.abs(tilde), atol=1e-6)


def test_q_error_bound_closed_forms():
    p = np.linspace(-1, 1, 11)
    z = np.zeros_like(p)
    s2 = abs(approx.sigmoid_derivative(2, 1.0))
    rnd = 16 * 2.0**-53 / (1e-3**2 * s2)
    np.testing.assert_allclose(approx.q_error_bound(p, z, 1e-3, squarings=1), approx.square_block_bound(p, 1e-3) + rnd)
    np.testing.assert_array_equal(approx.q_error_bound(p, z + 0.1, 1e-3, squarings=0), z + 0.1)
    lo = approx.q_error_bound(p, z + 1e-6, 1e-3)
    hi = approx.q_error_bound(p, z + 2e-6, 1e-3)
    assert np.all(hi >= lo)
    # linearised propagation: an extra 1e-6 at the input adds about 2^s * 1e-6 at |p| = 1
    assert (hi[-1] - lo[-1]) / 1e-6 == pytest.approx(2**10, rel=0.05)


def test_smooth_value_errors():
    with pytest.raises(ValueError, match="degree"):
        approx.chebyshev_interpolant(np.abs, 0, kind=2)
    with pytest.raises(ValueError, match="kind"):
        approx.chebyshev_interpolant(np.abs, 4, kind=3)
    with pytest.raises(ValueError, match="f must"):
        approx.chebyshev_interpolant(lambda t: t[:2], 4)
    with pytest.raises(ValueError, match="r must"):
        approx.sigmoid_derivative_poly(-1)
    with pytest.raises(ValueError, match="h must"):
        approx.square_block_bound([0.5], 0.0)
    with pytest.raises(ValueError, match="c must"):
        approx.square_block_bound([0.5], 0.1, c=0.0)
    with pytest.raises(ValueError, match="coef"):
        approx.compositional_q_net(np.ones((2, 3)), 0.01, 1e-3)
    with pytest.raises(ValueError, match="block"):
        approx.compositional_q_net(np.ones((3, 3)), 0.01, 1e-3, block="tanh")
    with pytest.raises(ValueError, match="c0"):
        approx.compositional_q_net(np.ones((3, 3)), 0.01, 1e-3, c0=0.0)
    with pytest.raises(ValueError, match="p must"):
        approx.q_error_bound([2.0], [0.0], 1e-3)
    with pytest.raises(ValueError, match="inner_err"):
        approx.q_error_bound([0.5], [-1.0], 1e-3)


# -- Fourier, Barron, sampling ----------------------------------------------------------------
def test_fourier_and_gaussian_pair():
    x = np.linspace(-8, 8, 16001)
    dens = approx.gaussian_density(x[:, None], 0.5, np.array([0.3]))
    assert np.trapezoid(dens, x) == pytest.approx(1.0, abs=1e-12)
    w = np.array([-1.0, 0.0, 0.7])
    np.testing.assert_allclose(approx.fourier_transform_1d(dens, x, w),
                               approx.gaussian_ft(w[:, None], 0.5, np.array([0.3])), atol=1e-12)
    # brute-force complex sum for a non-Gaussian, compactly supported g
    tri = np.maximum(0, 1 - np.abs(x))
    ref = np.array([np.trapezoid(np.exp(-2j * np.pi * wi * x) * tri, x) for wi in w])
    np.testing.assert_allclose(approx.fourier_transform_1d(tri, x, w), ref, atol=1e-12)
    np.testing.assert_allclose(approx.fourier_transform_1d(tri, x, w).real, np.sinc(w) ** 2, atol=1e-6)


def test_barron_q_and_abs_sin_integral():
    r = np.random.default_rng(3)
    lo, hi = r.uniform(-2, 2, 20), r.uniform(-2, 2, 20)
    u = np.linspace(0, 1, 200001)
    ref = [(h - l) * np.mean(np.abs(np.sin(2 * np.pi * (l + (h - l) * u)))) for l, h in zip(lo, hi)]
    np.testing.assert_allclose(approx.abs_sin_integral(lo, hi), ref, atol=1e-5)
    assert approx.abs_sin_integral(0.0, 1.0) == pytest.approx(2 / np.pi)
    mu = np.array([0.2, -0.1])
    gh = lambda w: approx.gaussian_ft(w, 0.3, mu)
    w = r.standard_normal((30, 2))
    b = r.uniform(-1, 3, 30)
    q = approx.barron_q(w, b, gh)
    on = (b >= 0) & (b <= np.linalg.norm(w, axis=1))
    np.testing.assert_allclose(q[on], -4 * np.pi * np.abs(gh(w[on])) * np.sin(2 * np.pi * (b[on] - w[on] @ mu)), atol=1e-12)
    assert np.all(q[~on] == 0)


def test_barron_rep_mass_and_integral_1d():
    sig, mu = 0.3, np.array([0.2])
    X = np.linspace(-1, 1, 9)[:, None]
    g = lambda Z: approx.gaussian_density(Z, sig, mu)
    np.testing.assert_allclose(approx.barron_gaussian_rep(X, sig, mu, n_w=2000), g(X) - g(np.zeros((1, 1))), atol=1e-9)
    # mass by brute-force 2-D quadrature of |q| in (w, b)
    s = 1 / (2 * np.pi * sig)
    w = np.linspace(-7 * s, 7 * s, 1201)
    bb = np.linspace(0, 1, 801)
    Wg, Bg = np.meshgrid(w, bb, indexing="ij")
    B = Bg * np.abs(Wg)  # b in [0, |w|]
    q = approx.barron_q(Wg.reshape(-1, 1), B.reshape(-1), lambda z: approx.gaussian_ft(z, sig, mu)).reshape(Wg.shape)
    brute = np.trapezoid(np.trapezoid(np.abs(q), bb, axis=1) * np.abs(w), w)
    assert approx.barron_gaussian_mass(sig, mu, n_w=2000) == pytest.approx(brute, rel=1e-4)
    assert approx.barron_integral_gaussian(1, 1 / np.sqrt(2 * np.pi)) == pytest.approx(2.0)
    # d = 3 against a radial quadrature
    a = 2 * np.pi**2 * 0.4**2
    r = np.linspace(0, 20, 200001)
    radial = 2 * np.pi * 4 * np.pi * np.trapezoid(r**3 * np.exp(-a * r**2), r)
    assert approx.barron_integral_gaussian(3, 0.4) == pytest.approx(radial, rel=1e-9)
    for d in (1, 3, 50):
        assert approx.barron_integral_gaussian(d, 0.3) <= approx.barron_integral_gaussian_holder(d, 0.3)


def test_gaussian_barron_sampler_is_unbiased():
    sig, mu = 0.3, np.array([0.2, -0.1])
    W, b, s = approx.gaussian_barron_sample(200_000, sig, mu, np.random.default_rng(4))
    assert W.shape == (200_000, 2) and set(np.unique(s)) <= {-1.0, 1.0}
    assert np.all((b >= 0) & (b <= np.linalg.norm(W, axis=1)))
    M = approx.barron_gaussian_mass(sig, mu)
    x = np.array([[0.5, 0.3], [-0.4, -0.2]])
    vals = M * s[:, None] * ((W @ x.T) >= b[:, None])
    target = approx.gaussian_density(x, sig, mu) - approx.gaussian_density(np.zeros((1, 2)), sig, mu)
    se = vals.std(axis=0) / np.sqrt(len(s))
    assert np.all(np.abs(vals.mean(axis=0) - target) < 5 * se)


def test_threshold_evaluators_agree():
    r = np.random.default_rng(5)
    W, b, s = r.standard_normal((3, 7, 2)), r.standard_normal((3, 7)), r.choice([-1.0, 1.0], (3, 7))
    X = r.standard_normal((11, 2))
    batched = approx.sampled_threshold_values(X, W, b, s, 2.5)
    for k in range(3):
        net = approx.threshold_sample_net(W[k], b[k], s[k], 2.5)
        np.testing.assert_allclose(net(X)[:, 0], batched[k], atol=1e-14)
        brute = 2.5 / 7 * np.array([sum(s[k, i] * (W[k, i] @ xx >= b[k, i]) for i in range(7)) for xx in X])
        np.testing.assert_allclose(batched[k], brute, atol=1e-14)
    bb = r.random((4, 9))
    ss = r.choice([-1.0, 1.0], (4, 9))
    xs = np.concatenate([r.random(20), bb[0, :3]])  # include points exactly on a breakpoint (1[x >= b] = 1)
    one_d = approx.threshold_eval_1d(xs, bb, ss, 4.0)
    ref = 4.0 / 9 * ((xs[None, :, None] >= bb[:, None, :]) * ss[:, None, :]).sum(axis=2)
    np.testing.assert_allclose(one_d, ref, atol=1e-14)


def test_sin2pi_sampler_and_cdf():
    b, s = approx.sin2pi_threshold_sample(100_000, np.random.default_rng(6))
    np.testing.assert_array_equal(s, np.sign(np.cos(2 * np.pi * b)))
    grid = np.linspace(0, 1, 21)
    F = approx.sin2pi_tv_cdf(grid)
    emp = (b[None, :] <= grid[:, None]).mean(axis=1)
    assert np.abs(emp - F).max() < 0.01  # DKW: P(sup > 0.01) <= 2 exp(-2 n 1e-4) ~ 4e-9
    np.testing.assert_allclose(approx.sin2pi_tv_cdf(np.array([0.0, 0.25, 0.5, 1.0])), [0, 0.25, 0.5, 1.0], atol=1e-15)
    xx = np.linspace(0, 1, 1001)
    np.testing.assert_allclose(approx.sin2pi_tv_cdf(xx),
                               [np.trapezoid(np.abs(np.cos(2 * np.pi * np.linspace(0, t, 2001))), np.linspace(0, t, 2001)) * np.pi / 2
                                for t in xx], atol=1e-6)
    bs, _ = approx.sin2pi_threshold_sample(5, np.random.default_rng(0), (3, 2))
    assert bs.shape == (3, 2, 5)


def test_maurey_identity_two_atoms():
    atoms = np.array([[1.0, 0.0], [0.0, 3.0]])
    p = np.array([0.25, 0.75])
    err, exact = approx.maurey_sq_errors(atoms, p, 4, 20_000, np.random.default_rng(7))
    X = p @ atoms
    assert exact == pytest.approx((0.25 * 1 + 0.75 * 9 - X @ X) / 4)
    assert err.mean() == pytest.approx(exact, rel=0.05)


def test_barron_value_errors():
    with pytest.raises(ValueError, match="equispaced"):
        approx.fourier_transform_1d(np.ones(4), [0.0, 1.0, 3.0, 4.0], [0.0])
    with pytest.raises(ValueError, match="sigma"):
        approx.gaussian_ft(np.zeros((2, 1)), 0.0, [0.0])
    with pytest.raises(ValueError, match="mu"):
        approx.barron_gaussian_rep(np.zeros((2, 4)), 0.3, np.zeros(4))
    with pytest.raises(ValueError, match="ghat"):
        approx.barron_q(np.zeros((2, 1)), np.zeros(2), lambda w: np.zeros(3))
    with pytest.raises(ValueError, match="rng"):
        approx.gaussian_barron_sample(5, 0.3, [0.0], 0)
    with pytest.raises(ValueError, match="s must"):
        approx.threshold_sample_net(np.zeros((2, 1)), np.zeros(2), np.array([1.0, 0.5]), 1.0)
    with pytest.raises(ValueError, match="probs"):
        approx.maurey_sq_errors(np.eye(2), [0.5, 0.6], 1, 1, np.random.default_rng(0))
    with pytest.raises(ValueError, match="x must lie"):
        approx.sin2pi_tv_cdf([1.5])
    with pytest.raises(ValueError, match="size"):
        approx.sin2pi_threshold_sample(3, np.random.default_rng(0), (0,))


# -- landscape --------------------------------------------------------------------------------
def test_poly_mlp_forward_and_degree():
    r = np.random.default_rng(8)
    X = r.standard_normal((4, 2))
    W = [r.standard_normal((3, 2)), r.standard_normal((1, 3))]
    b = [r.standard_normal(3), r.standard_normal(1)]
    c = np.array([0.1, 0.5, 0.3])  # 0.1 + 0.5 z + 0.3 z^2
    z = X @ W[0].T + b[0]
    ref = (0.1 + 0.5 * z + 0.3 * z**2) @ W[1].T + b[1]
    np.testing.assert_allclose(approx.poly_mlp_forward(X, W, b, c), ref[:, 0], atol=1e-12)
    assert approx.poly_mlp_degree(4, 1) == 5 and approx.poly_mlp_degree(4, 2) == 21
    assert approx.poly_mlp_degree(2, 3) == 2 * (2 * 3 + 1) + 1
    # degree in the weights: scaling all parameters by s scales the top term like s^deg (identity activation z^2)
    sq = np.array([0.0, 0.0, 1.0])
    f = lambda s: approx.poly_mlp_forward(X, [s * w for w in W], [s * bb for bb in b], sq)
    np.testing.assert_allclose(f(2.0), 2.0 * (4.0 * (f(1.0) - b[1][0])) + 2.0 * b[1][0], rtol=1e-12)


def test_residual_jacobian_against_finite_differences():
    r = np.random.default_rng(9)
    p, x, y = r.standard_normal(10), np.linspace(-1, 1, 4), r.standard_normal(4)
    c = np.array([0.0, 0.5, 1.0, 0.0, -0.5])
    res, J = approx.poly_net1_residual_jacobian(p, x, y, c)
    h = 1e-6
    fd = np.stack([(approx.poly_net1_residual_jacobian(p + h * e, x, y, c)[0]
                    - approx.poly_net1_residual_jacobian(p - h * e, x, y, c)[0]) / (2 * h) for e in np.eye(10)], axis=1)
    np.testing.assert_allclose(J, fd, atol=1e-7)
    a, w, b, c0 = p[:3], p[3:6], p[6:9], p[9]
    z = np.outer(x, w) + b
    np.testing.assert_allclose(res, (0.5 * z + z**2 - 0.5 * z**4) @ a + c0 - y, atol=1e-12)


def test_solve_interpolation_reaches_a_zero():
    r = np.random.default_rng(10)
    x, y = np.linspace(-1, 1, 3), r.standard_normal(3)
    c = np.array([0.0, 1.0, 0.5])
    w, b = r.standard_normal(4), r.standard_normal(4)
    Phi = np.hstack([c[1] * (np.outer(x, w) + b) + c[2] * (np.outer(x, w) + b) ** 2, np.ones((3, 1))])
    ac = np.linalg.lstsq(Phi, y, rcond=None)[0]
    p = np.concatenate([ac[:4], w, b, ac[-1:]]) + 1e-3 * r.standard_normal(13)
    q = approx.solve_interpolation(p, x, y, c)
    assert np.abs(approx.poly_net1_residual_jacobian(q, x, y, c)[0]).max() <= 1e-13
    with pytest.raises(ValueError, match="steps"):
        approx.solve_interpolation(np.full(13, 50.0), x, y, c, steps=1)


def test_real_roots_and_kac_rice():
    # (x - 1)(x - 2)(x^2 + 1): two real roots; x^2 + 1: none; (x-1)(x+1)(x-3): three
    coefs = np.array([[2.0, -3.0, 3.0, -3.0, 1.0], [1.0, 0.0, 1.0, 0.0, 0.0][:5]])
    assert list(approx.real_root_counts(coefs[:1])) == [2]
    assert list(approx.real_root_counts(np.array([[1.0, 0.0, 1.0]]))) == [0]
    assert list(approx.real_root_counts(np.array([[3.0, -1.0, -3.0, 1.0]]))) == [3]
    assert approx.kac_rice_expected_real_roots(np.array([1.0, 2.0, 1.0])) == pytest.approx(np.sqrt(2), abs=1e-9)
    # degree 1 with any variances: exactly one real root
    assert approx.kac_rice_expected_real_roots(np.array([1.0, 5.0])) == pytest.approx(1.0, abs=1e-9)
    with pytest.raises(ValueError, match="leading"):
        approx.real_root_counts(np.array([[1.0, 0.0]]))
    with pytest.raises(ValueError, match="variances"):
        approx.kac_rice_expected_real_roots(np.array([1.0, -1.0]))
    with pytest.raises(ValueError, match="params"):
        approx.poly_net1_residual_jacobian(np.zeros(5), [0.0], [0.0], [1.0])
    with pytest.raises(ValueError, match="weights"):
        approx.poly_mlp_forward(np.zeros((2, 1)), [np.ones((1, 1))], [], [1.0])
