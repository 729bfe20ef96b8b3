"""Unit tests of the lib.trajectory functions added for the chapters on broken hypotheses (07b) and
trained networks (07c): each against an independent computation, plus its ValueErrors."""
import numpy as np
import pytest
import torch

from lib import trajectory as tr
from lib.nets import Net, gaussian_net


def rng(seed=0):
    return np.random.default_rng(seed)


def test_kill_probability_closed_forms_and_monte_carlo():
    assert tr.kill_probability(1.0, 3, 5) == pytest.approx(2.0**-5)          # dense: all units inactive
    assert tr.kill_probability(0.3, 2, 1) == pytest.approx((1 + 0.49) / 2)
    # Monte Carlo through one_layer_ratios (an independent sampler): 5 standard errors
    r = rng(1)
    z = np.abs(r.standard_normal(6)) + 0.1
    for a, s in ((0.1, 1), (0.3, 2)):
        dz = np.zeros(6); dz[:s] = 1.0
        R = tr.one_layer_ratios(z, dz, a, "uniform", 1.0, 0.1, 20000, r)
        p = tr.kill_probability(a, s, 6)
        assert abs((R == 0).mean() - p) < 5 * np.sqrt(p * (1 - p) / 20000)


def test_pre_post_defect_matches_loop():
    r = rng(2)
    post, pre = r.random((3, 4, 5)), r.random((3, 3, 5))
    post[0, 1, 2] = 0.0                                                     # a dead point is left out
    D = tr.pre_post_defect(post, pre)
    assert D.shape == (3, 3)
    for n in range(3):
        for l in range(3):
            keep = post[n, l] > 0
            want = np.mean((pre[n, l, keep] ** 2 - 2 * post[n, l + 1, keep] ** 2) / post[n, l, keep] ** 2)
            assert D[n, l] == pytest.approx(want, rel=1e-12)


def test_pre_post_defect_identity_on_networks():
    # E||dh||^2 = 2 E||dz_next||^2: the mean of D over many nets is near 0 (6 standard errors)
    r = rng(3)
    X, dX = tr.circle(16, np.linspace(0, 1, 8, endpoint=False))
    Ws, bs = tr.sample_layers([16, 16, 16], 0.5, "uniform", 3.0, 0.1, 400, r)
    D = tr.pre_post_defect(tr.layer_speeds(X, dX, Ws, bs), tr.layer_speeds(X, dX, Ws, bs, pre=True)).mean(axis=1)
    assert abs(D.mean()) < 6 * D.std() / np.sqrt(D.size)


def test_zero_units_brute_force():
    # one layer whose second row is zero: h_2 = 0 at every point; with a non-zero tangent in row 1 only
    W = np.array([[[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]]])
    b = np.array([[0.0, 0.0, 0.0]])
    X = np.array([[1.0, 0.0], [2.0, 0.0], [3.0, 0.0]])                      # row 3 gives h = 0 too
    dX = np.array([[0.0, 1.0], [0.0, 1.0], [0.0, 0.0]])                     # ... with tangent 1, 1, 0
    zeros, bad = tr.zero_units(X, dX, [W], [b])
    assert zeros.tolist() == [[6]] and bad.tolist() == [[2]]


def test_relu_layers_and_net_growth_factors():
    r = rng(4)
    net = gaussian_net([5, 6, 4, 3], r, sigma_w=1.5, sigma_b=0.1)          # relu, relu, identity
    Ws, bs = tr.relu_layers(net)
    assert [W.shape for W in Ws] == [(1, 6, 5), (1, 4, 6)]
    X = r.standard_normal((7, 5))
    _, post = net.forward(X)
    np.testing.assert_allclose(tr.propagate(X, Ws, bs).z[-1][0], post[1], rtol=1e-12)
    Xs, dXs = r.standard_normal((3, 7, 5)), r.standard_normal((3, 7, 5))
    g = tr.net_growth_factors(net, Xs, dXs)
    want = [tr.growth_factors(Xs[i], dXs[i], Ws, bs)[0] for i in range(3)]
    np.testing.assert_allclose(g, want, rtol=1e-12)


def test_weight_scale():
    r = rng(5)
    W = [r.standard_normal((2, 200, 400)) * 1.7 / np.sqrt(400) for _ in range(2)]
    assert tr.weight_scale(W) == pytest.approx(1.7, rel=0.01)
    small = np.array([[[1.0, -1.0], [3.0, 1.0]]])                           # std (ddof=1) of 4 numbers
    assert tr.weight_scale([small]) == pytest.approx(np.sqrt(2) * np.std([1, -1, 3, 1], ddof=1))


def test_train_classifier_learns_and_keeps_init():
    r = rng(6)
    X = r.standard_normal((200, 4))
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    init, net = tr.train_classifier(X, y, [4, 16, 16, 2], 1.0, torch.Generator().manual_seed(0), steps=150, lr=1e-2)
    assert isinstance(init, Net) and net.widths == (4, 16, 16, 2) and net.activations == ("relu", "relu", "identity")
    acc = lambda n: (n(X).argmax(axis=1) == y).mean()
    assert acc(net) > 0.95 and acc(net) > acc(init)
    init0, same = tr.train_classifier(X, y, [4, 8, 2], 2.0, torch.Generator().manual_seed(1), steps=0)
    for a, b in zip(init0.weights, same.weights):
        np.testing.assert_array_equal(a, b)
    assert tr.weight_scale(tr.relu_layers(init0)[0]) == pytest.approx(2.0, rel=0.25)   # N(0, 4/k_in), 32 weights


@pytest.mark.parametrize("call, name", [
    (lambda: tr.kill_probability(0.0, 1, 2), "alpha"),
    (lambda: tr.kill_probability(0.5, 0, 2), "support"),
    (lambda: tr.kill_probability(0.5, 1, 1.5), "k_out"),
    (lambda: tr.pre_post_defect(np.ones((2, 3, 4)), np.ones((2, 3, 4))), "pre"),
    (lambda: tr.pre_post_defect(np.ones((2, 1, 4)), np.ones((2, 0, 4))), "post"),
    (lambda: tr.pre_post_defect(-np.ones((2, 2, 4)), np.ones((2, 1, 4))), "post"),
    (lambda: tr.zero_units(np.ones((2, 2)), None, [np.ones((1, 2, 2))], [np.ones((1, 2))]), "dX"),
    (lambda: tr.relu_layers("net"), "net"),
    (lambda: tr.relu_layers(Net([np.ones((2, 2))], [np.zeros(2)], ["identity"])), "net"),
    (lambda: tr.weight_scale([]), "Ws"),
    (lambda: tr.weight_scale([np.ones((1, 1, 1))]), "Ws"),
    (lambda: tr.train_classifier(np.ones((4, 2)), [0, 1, 0, 1], [2, 3, 2], 1.0, 7), "generator"),
    (lambda: tr.train_classifier(np.ones((4, 2)), [0, 1, 0, 2], [2, 3, 2], 1.0, torch.Generator()), "y"),
    (lambda: tr.train_classifier(np.ones((4, 2)), [0, 1, 0, 1], [2, 2], 1.0, torch.Generator()), "widths"),
    (lambda: tr.train_classifier(np.ones((4, 2)), [0, 1, 0, 1], [2, 3, 2], 0.0, torch.Generator()), "sigma_w"),
    (lambda: tr.train_classifier(np.ones((4, 2)), [0, 1, 0, 1], [2, 3, 2], 1.0, torch.Generator(), threads=0), "threads"),
    (lambda: tr.net_growth_factors(gaussian_net([2, 3, 1], rng()), np.ones((1, 2, 3)), np.ones((1, 2, 3))), "X"),
])
def test_bad_input_raises_new(call, name):
    with pytest.raises(ValueError, match=name):
        call()
