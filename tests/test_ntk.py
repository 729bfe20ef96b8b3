"""Tests of lib.ntk against closed forms, brute force and identities."""
import math

import numpy as np
import pytest
import torch
from scipy.stats import binom, norm

from lib import ntk


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


def test_pair_angles_known_values_and_no_nan():
    X = np.array([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0], [-3.0, 0.0]])
    _, _, th = ntk.pair_angles(X)
    want = np.array([[0, np.pi / 2, np.pi / 4, np.pi], [np.pi / 2, 0, np.pi / 4, np.pi / 2],
                     [np.pi / 4, np.pi / 4, 0, 3 * np.pi / 4], [np.pi, np.pi / 2, 3 * np.pi / 4, 0]])
    assert np.allclose(th, want, atol=1e-7)
    x = np.array([[0.1, 0.2, 0.3]])
    _, _, th = ntk.pair_angles(x, 1e7 * x)  # cosine may round past 1
    assert np.all(np.isfinite(th)) and th.max() < 1e-7


def test_relu_ntk_inner_closed_form_and_monte_carlo(rng):
    x, y = np.array([[1.0, 0.0]]), np.array([[0.5, math.sqrt(3) / 2]])
    assert ntk.relu_ntk_inner(x, y)[0, 0] == pytest.approx(0.5 * (np.pi - np.pi / 3) / (2 * np.pi), abs=1e-12)
    assert ntk.relu_ntk_inner(x, np.array([[0.0, 3.0]]))[0, 0] == pytest.approx(0.0, abs=1e-15)
    X = rng.standard_normal((4, 3))
    assert np.allclose(np.diag(ntk.relu_ntk_inner(X, rho=2.0)), 4 * 0.5 * (X**2).sum(1), rtol=1e-7)
    V = rng.standard_normal((100_000, 3))
    A = (X @ V.T >= 0).astype(float)
    mc = (X @ X.T) * (A @ A.T) / V.shape[0]
    assert np.abs(mc - ntk.relu_ntk_inner(X)).max() < 0.03 * np.abs(X @ X.T).max()


def test_relu_outer_kernel_monte_carlo(rng):
    X = rng.standard_normal((4, 3))
    V = rng.standard_normal((100_000, 3))
    H = np.maximum(X @ V.T, 0)
    mc = H @ H.T / V.shape[0]
    assert np.abs(mc - ntk.relu_outer_kernel(X)).max() < 0.03 * np.abs(X @ X.T).max()
    assert np.allclose(np.diag(ntk.relu_outer_kernel(X)), 0.5 * (X**2).sum(1), rtol=1e-12)


def test_relu_ntk_depth_one_is_inner_plus_outer(rng):
    X = rng.standard_normal((6, 4))
    nngp, k = ntk.relu_ntk(X, depth=1, W_std=1.0)
    assert np.allclose(nngp, ntk.relu_outer_kernel(X) / 4, atol=1e-12)
    assert np.allclose(k, (ntk.relu_ntk_inner(X) + ntk.relu_outer_kernel(X)) / 4, atol=1e-8)
    # a bias and the readout scaling: Theta = q2 + W^2 Theta1 * dot, with q1 = W^2 <x,y>/d + b^2
    nngp2, k2 = ntk.relu_ntk(X[:1], X[:1], depth=1, W_std=1.5, b_std=0.5)
    q1 = 1.5**2 * (X[0] @ X[0]) / 4 + 0.25
    q2 = 1.5**2 * q1 / 2 + 0.25
    assert nngp2[0, 0] == pytest.approx(q2) and k2[0, 0] == pytest.approx(q2 + 1.5**2 * q1 / 2)


def test_relu_ntk_against_wide_network():
    X = np.random.default_rng(1).standard_normal((3, 3))
    g = torch.Generator().manual_seed(3)
    Ks = [ntk.empirical_ntk(ntk.ntk_mlp([3, 512, 512, 1], g, W_std=1.3, b_std=0.2), X) for _ in range(6)]
    _, k = ntk.relu_ntk(X, depth=2, W_std=1.3, b_std=0.2)
    assert np.abs(np.mean(Ks, 0) / k - 1).max() < 0.15


def test_empirical_ntk_matches_closed_form_features(rng):
    a, V = ntk.init_two_layer(50, 3, rng)
    X = rng.standard_normal((4, 3))
    model = ntk.two_layer_module(a, V, outer_scale=0.3)
    K = ntk.empirical_ntk(model, X)
    A = (X @ V.T > 0).astype(float) * a  # torch's relu' is 1[z > 0]
    assert np.allclose(K, 0.09 * (X @ X.T) * (A @ A.T), atol=1e-12)
    both = ntk.empirical_ntk_layers(ntk.two_layer_module(a, V, train_outer=True), X)
    H = np.maximum(X @ V.T, 0)
    assert np.allclose(both["a"], H @ H.T, atol=1e-10)
    assert np.allclose(sum(both.values()), ntk.empirical_ntk(ntk.two_layer_module(a, V, train_outer=True), X))


def test_layer_decomposition_sums_to_full_jacobian():
    g = torch.Generator().manual_seed(0)
    model = ntk.ntk_mlp([2, 5, 4, 1], g)
    X = np.random.default_rng(0).standard_normal((3, 2))
    params = list(model.parameters())
    J = []
    for x in X:
        out = model(torch.tensor(x[None]))
        J.append(torch.cat([gr.reshape(-1) for gr in torch.autograd.grad(out.sum(), params)]).numpy())
    J = np.array(J)
    assert np.allclose(ntk.empirical_ntk(model, X), J @ J.T, atol=1e-12)


def test_init_conventions_laws(rng):
    a, V = ntk.init_two_layer(20000, 4, rng, "notes")
    assert set(np.unique(a)) == {-1.0, 1.0} and abs(V.var() - 1) < 0.02
    a, V = ntk.init_two_layer(20000, 4, rng, "theory")
    assert np.allclose(np.abs(a), 1 / math.sqrt(20000)) and abs(V.var() * 4 - 1) < 0.02
    a, V = ntk.init_two_layer(20000, 4, rng, "torch")
    assert np.abs(a).max() <= 1 / math.sqrt(20000) and np.abs(V).max() <= 0.5
    assert abs((a**2).mean() * 20000 * 3 - 1) < 0.03


def test_two_layer_agrees_with_net_and_taylor_gap_identities(rng):
    a, V0 = ntk.init_two_layer(30, 3, rng)
    X = rng.standard_normal((5, 3))
    assert np.allclose(ntk.two_layer_net(a, V0, scale=0.7)(X)[:, 0], 0.7 * ntk.two_layer(X, a, V0))
    assert np.allclose(ntk.two_layer_net(a, V0, activation="tanh")(X)[:, 0], ntk.two_layer(X, a, V0, "tanh"))
    V = V0 + 0.5 * rng.standard_normal(V0.shape)
    assert np.allclose(ntk.taylor_gap(X, a, V0, V), np.abs(ntk.relu_flip_sum(X, a, V0, V)), atol=1e-12)
    assert np.allclose(ntk.taylor_gap(X, a, V0, V0), 0.0)
    # softplus gap against a brute-force second-order remainder at tiny perturbation
    D = 1e-3 * rng.standard_normal(V0.shape)
    Z, dZ = X @ V0.T, X @ D.T
    s = 1 / (1 + np.exp(-Z))
    second = np.abs((0.5 * s * (1 - s) * dZ**2) @ a)
    assert np.allclose(ntk.taylor_gap(X, a, V0, V0 + D, "softplus"), second, rtol=1e-2)


def test_bounds_closed_forms():
    a = np.array([1.0, -2.0, 0.5])
    V0 = np.zeros((3, 2))
    V = np.ones((3, 2))
    assert ntk.prop34_bound(0.25, a, V, V0) == pytest.approx(0.25 * 2 * 6 / 2)
    assert ntk.prop37_bound(a, 1.0, math.exp(-16)) == pytest.approx(2 * 3 ** (1 / 3) * (4 + 4))
    assert ntk.ACTIVATIONS["tanh"][2] == pytest.approx(np.abs(np.gradient(np.gradient(np.tanh(np.linspace(-3, 3, 200001)), 3e-5), 3e-5)).max(), rel=1e-3)


def test_adversarial_perturbation_is_feasible_and_exact(rng):
    a, V0 = ntk.init_two_layer(3000, 4, rng)
    x = np.array([0.6, 0.0, 0.0, 0.0])
    V, gap = ntk.adversarial_relu_perturbation(a, V0, x, 0.7)
    assert np.linalg.norm(V - V0) == pytest.approx(0.7, rel=1e-9)
    assert ntk.taylor_gap(x[None], a, V0, V)[0] == pytest.approx(gap, rel=1e-9)
    # brute force over k gives no larger gap than the chosen k (it is the best of its family)
    V2, gap2 = ntk.adversarial_relu_perturbation(a, V0, x, 0.0)
    assert gap2 == 0.0 and np.array_equal(V2, V0)


def test_small_projection_count_and_lemma38(rng):
    V = rng.standard_normal((7, 100, 3))
    x = np.array([0.0, 2.0, 0.0])
    assert np.array_equal(ntk.small_projection_count(V, x, 0.3), (np.abs(V[..., 1]) <= 0.3).sum(-1))
    thr = ntk.lemma38_threshold(1000, 0.05, 0.05)
    assert thr == pytest.approx(50 + math.sqrt(500 * math.log(20)))
    assert ntk.lemma38_threshold(1000, 0.05, 0.05, "printed") == pytest.approx(50 + math.sqrt(500) * math.log(20))
    p = 2 * norm.cdf(0.05) - 1
    assert ntk.lemma38_tail(1000, 0.05, 0.05) == pytest.approx(binom.sf(math.floor(thr), 1000, p))


def test_cube_orthant_probability():
    e = lambda p: np.array([math.cos(p), math.sin(p)])
    assert ntk.cube_orthant_probability(e(0), e(0)) == pytest.approx(0.5, abs=1e-10)
    assert ntk.cube_orthant_probability(e(0), e(np.pi / 4)) == pytest.approx(0.375, abs=1e-10)
    assert ntk.cube_orthant_probability(e(np.pi / 8), e(3 * np.pi / 8)) == pytest.approx(1 / (2 * math.sqrt(2)), abs=1e-10)
    assert ntk.cube_orthant_probability(e(0), e(np.pi)) == pytest.approx(0.0, abs=1e-12)
    # symmetric in its arguments
    assert ntk.cube_orthant_probability(e(1.0), e(0.2)) == pytest.approx(ntk.cube_orthant_probability(e(0.2), e(1.0)))


@pytest.mark.parametrize("call", [
    lambda: ntk.relu_ntk_inner(np.array([[1.0, 0.0], [0.0, 0.0]])),
    lambda: ntk.relu_ntk_inner(np.ones((2, 3)), np.ones((2, 2))),
    lambda: ntk.relu_ntk(np.ones((2, 3)), depth=0),
    lambda: ntk.relu_ntk(np.ones((2, 3)), W_std=-1.0),
    lambda: ntk.relu_ntk(np.ones((2, 3)), b_std=-0.1),
    lambda: ntk.relu_ntk(np.zeros((2, 3))),
    lambda: ntk.relu_outer_kernel(np.ones((2, 3)), np.ones((1, 4))),
    lambda: ntk.init_two_layer(0, 3, np.random.default_rng(0)),
    lambda: ntk.init_two_layer(5, 3, 0),
    lambda: ntk.init_two_layer(5, 3, np.random.default_rng(0), "he"),
    lambda: ntk.two_layer(np.ones((2, 4)), np.ones(3), np.ones((3, 3))),
    lambda: ntk.two_layer(np.ones((2, 3)), np.ones(2), np.ones((3, 3))),
    lambda: ntk.taylor_gap(np.ones((2, 3)), np.ones(3), np.ones((3, 3)), np.ones((3, 3)), "sigmoid"),
    lambda: ntk.taylor_gap(np.ones((2, 3)), np.ones(3), np.ones((2, 3)), np.ones((3, 3))),
    lambda: ntk.prop34_bound(-1.0, np.ones(3), np.ones((3, 2)), np.ones((3, 2))),
    lambda: ntk.prop37_bound(np.ones(3), 1.0, 1.5),
    lambda: ntk.prop37_bound(np.ones(3), -1.0, 0.1),
    lambda: ntk.adversarial_relu_perturbation(np.ones(3), np.ones((3, 2)), np.zeros(2), 1.0),
    lambda: ntk.small_projection_count(np.ones((3, 2)), np.ones(2), 0.0),
    lambda: ntk.lemma38_threshold(10, 0.1, 0.1, "other"),
    lambda: ntk.cube_orthant_probability(np.zeros(2), np.ones(2)),
    lambda: ntk.ntk_mlp([3, 1], torch.Generator()),
    lambda: ntk.ntk_mlp([3, 4, 2], torch.Generator()),
    lambda: ntk.ntk_mlp([3, 4, 1], 0),
    lambda: ntk.empirical_ntk("model", np.ones((2, 3))),
    lambda: ntk.empirical_ntk(ntk.ntk_mlp([3, 4, 1], torch.Generator()), np.ones((2, 3)), wrt=["nope"]),
    lambda: ntk.two_layer_net(np.ones(3), np.ones((3, 2)), activation="softplus"),
])
def test_bad_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()


def test_remainder_from_preactivations_matches_taylor_gap(rng):
    a, V0 = ntk.init_two_layer(40, 3, rng)
    V = V0 + 0.4 * rng.standard_normal(V0.shape)
    X = rng.standard_normal((6, 3))
    for act in ("relu", "softplus", "tanh"):
        got = ntk.remainder_from_preactivations(a, X @ V0.T, X @ V.T, act)
        assert np.allclose(got, ntk.taylor_gap(X, a, V0, V, act), atol=1e-12)
    with pytest.raises(ValueError):
        ntk.remainder_from_preactivations(np.ones(3), np.ones((2, 4)), np.ones((2, 4)))


def test_relu_flip_second_moment_monte_carlo():
    r = np.random.default_rng(7)
    u = r.standard_normal(500_000)
    for s in (0.1, 0.5):
        e = s * r.standard_normal(u.size)
        mc = (u + e) ** 2 * (np.sign(u + e) != np.sign(u))
        assert abs(mc.mean() - ntk.relu_flip_second_moment(s)) < 5 * mc.std() / np.sqrt(u.size)
    with pytest.raises(ValueError):
        ntk.relu_flip_second_moment(0.0)


def test_embed_reference_network_identities():
    r = np.random.default_rng(3)
    beta = np.array([[1.0, 0.0], [0.0, -1.0]])
    alpha = np.array([2.0, -1.0])
    a, V0 = ntk.init_two_layer(ntk.thm310_width(2, 0.3, 0.1), 2, r)
    E = ntk.embed_reference_network(a, V0, alpha, beta, 0.3)
    X = r.standard_normal((50, 2))
    Vt = V0 / np.linalg.norm(V0, axis=1, keepdims=True)
    planted = sum(E["c"] * alpha[i] * np.maximum(X @ Vt[u].T, 0).sum(1) for i, u in enumerate(E["U"]))
    assert np.allclose(ntk.two_layer(X, a, E["V"]) - ntk.two_layer(X, a, V0), planted)
    for i, s in enumerate(E["S"]):  # brute-force membership
        ok = [j for j in range(len(a)) if np.linalg.norm(beta[i] - Vt[j]) <= 0.3 and np.sign(a[j]) == np.sign(alpha[i])]
        assert np.array_equal(s, ok)
    assert E["c0"] == pytest.approx(E["c"] * E["n_U"]) and E["n_U"] == int(len(a) * 0.3 / 16)
    assert E["c"] == pytest.approx(2**4 / (0.3**2 * np.sqrt(len(a))), rel=1e-12)  # c = 2^(d+2) / (tau^d sqrt m)
    assert ntk.thm310_width(2, 0.2, 0.1) == int(np.ceil(256 * np.log(10) / 0.04))
    with pytest.raises(ValueError):
        ntk.embed_reference_network(np.ones(200), np.tile([[-1.0, 0.0]], (200, 1)), alpha, beta, 0.3)  # S_1 empty
    with pytest.raises(ValueError):
        ntk.embed_reference_network(a, V0, alpha, 2 * beta, 0.3)
    with pytest.raises(ValueError):
        ntk.thm310_width(2, 0.0, 0.1)


def test_transport_functions(rng):
    C = rng.standard_normal((3, 3))
    C /= np.linalg.norm(C, axis=1, keepdims=True)
    al = np.array([1.0, -0.5, 2.0])
    V = rng.standard_normal((7, 3))
    brute = np.array([sum(al[i] * C[i] * (v @ C[i] >= 0) for i in range(3)) for v in V])
    assert np.allclose(ntk.span_transport(V, C, al), brute)
    a = rng.choice([-1.0, 1.0], 7)
    T = ntk.span_transport(V, C, al)
    Vc, Vp = ntk.transport_weights(a, V, T, 0.5, True), ntk.transport_weights(a, V, T, 0.5, False)
    assert np.allclose(Vc - V, a[:, None] * T / (0.5 * np.sqrt(7)))
    assert np.allclose(Vp - V, 0.25 * (Vc - V))
    with pytest.raises(ValueError):
        ntk.transport_weights(a, V, T, 0.0)


def test_taylor_expansion_identities(rng):
    a, V0 = ntk.init_two_layer(60, 3, rng)
    X = rng.standard_normal((5, 3))
    assert np.allclose(ntk.taylor_expansion(X, a, V0, 1.7 * V0), ntk.two_layer(X, a, 1.7 * V0))  # no flips
    V = V0 + 0.5 * rng.standard_normal(V0.shape)
    assert np.allclose(ntk.two_layer(X, a, V) - ntk.taylor_expansion(X, a, V0, V), ntk.relu_flip_sum(X, a, V0, V))


def test_orthant_probability3_and_moments(rng):
    e = np.eye(3)
    assert ntk.orthant_probability3(e[0], e[0], e[0]) == pytest.approx(0.5)
    assert ntk.orthant_probability3(e[0], e[1], e[2]) == pytest.approx(0.125)
    assert ntk.orthant_probability3(e[0], -e[0], e[1]) == pytest.approx(0.0, abs=1e-12)
    C = rng.standard_normal((3, 3))
    C /= np.linalg.norm(C, axis=1, keepdims=True)
    al = np.array([1.0, 0.5, -0.7])
    V = rng.standard_normal((400_000, 3))
    z = (ntk.span_transport(V, C, al) @ C[0]) * (V @ C[0] >= 0)
    mean, var = ntk.transport_limit_moments(C[0], C, al)
    assert abs(z.mean() - mean) < 5 * z.std() / np.sqrt(z.size)
    assert var == pytest.approx(z.var(), rel=0.02)
    with pytest.raises(ValueError):
        ntk.orthant_probability3(e[0], np.zeros(3), e[1])


def test_relu_ntk_is_bit_identical_at_any_thread_count(monkeypatch):
    """Row blocks in threads (n x n' >= 2^16 entries) give exactly the serial result."""
    X = np.random.default_rng(3).standard_normal((600, 5))
    out = {}
    for threads in ("1", "2", "3"):
        monkeypatch.setenv("OMP_NUM_THREADS", threads)
        out[threads] = ntk.relu_ntk(X, depth=3, b_std=0.1)
    for threads in ("2", "3"):
        assert all(np.array_equal(a, b) for a, b in zip(out["1"], out[threads]))


@pytest.mark.parametrize("block_entries", [1, 7 * 40, 1 << 30])
def test_relu_ntk_blocks_do_not_change_a_bit(block_entries):
    """Blocks of one row, of 7 rows (a ragged last block) and the whole matrix: the same bits, and
    the same bits as the recursion written with temporaries (the textbook form)."""
    rng = np.random.default_rng(4)
    X, Y = rng.standard_normal((50, 3)), rng.standard_normal((40, 3))
    W2, b2 = 2.0, 0.01
    q12 = W2 * (X @ Y.T) / 3 + b2
    q11 = W2 * np.einsum("ij,ij->i", X, X) / 3 + b2
    q22 = W2 * np.einsum("ij,ij->i", Y, Y) / 3 + b2
    got = ntk._in_row_blocks(ntk._ntk_recursion, q12, q11, q22, 4, W2, b2, block_entries=block_entries)
    a, b, c = q12, q11, q22
    K = a.copy()
    for _ in range(4):
        s = np.sqrt(b)[:, None] * np.sqrt(c)[None, :]
        cos = np.clip(np.divide(a, s, out=np.zeros_like(a), where=s > 0), -1.0, 1.0)
        dot = (np.pi - np.arccos(cos)) / (2.0 * np.pi)
        e12 = s * (np.sqrt(1.0 - cos * cos) / (2.0 * np.pi) + dot * cos)
        b, c = W2 * b / 2.0 + b2, W2 * c / 2.0 + b2
        a = W2 * e12 + b2
        K = a + W2 * K * dot
    assert np.array_equal(got[0], a) and np.array_equal(got[1], K)
