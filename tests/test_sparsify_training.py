"""Unit tests of lib.sparsify's random-feature and training helpers (phenomena 3, 4 and 7)."""
import math

import numpy as np
import pytest
import torch

from lib import sparsify as es
from lib.nets import Net


@pytest.fixture
def rng():
    return np.random.default_rng(2026)


def test_relu_features_brute_force(rng):
    X, W, b = rng.standard_normal((5, 3)), rng.standard_normal((7, 3)), rng.standard_normal(7)
    brute = np.array([[max(W[j] @ X[i] + b[j], 0.0) for j in range(7)] for i in range(5)]) / math.sqrt(7)
    assert np.allclose(es.relu_features(X, W, b), brute, rtol=1e-14, atol=0)
    assert np.allclose(es.relu_features(X, W), np.maximum(X @ W.T, 0) / math.sqrt(7))
    with pytest.raises(ValueError, match="W"):
        es.relu_features(X, np.ones((7, 4)))
    with pytest.raises(ValueError, match="b"):
        es.relu_features(X, W, np.ones(6))


def test_ridge_readout_against_normal_equations_and_pinv(rng):
    F, y = rng.standard_normal((6, 9)), rng.standard_normal(6)
    lam = 0.3
    a = es.ridge_readout(F, y, lam)
    assert np.allclose(a, np.linalg.solve(F.T @ F + lam * np.eye(9), F.T @ y), atol=1e-12)
    assert np.allclose(es.ridge_readout(F, y), np.linalg.pinv(F) @ y, atol=1e-12)
    assert np.allclose(F @ es.ridge_readout(F, y), y, atol=1e-12)  # interpolation, d > N
    path = es.ridge_readout(F, y, np.array([0.0, lam]))
    assert path.shape == (2, 9) and np.allclose(path[1], a)
    Y = rng.standard_normal((6, 3))
    assert np.allclose(es.ridge_readout(F, Y, lam)[:, 2], es.ridge_readout(F, Y[:, 2], lam))
    with pytest.raises(ValueError, match="y"):
        es.ridge_readout(F, np.ones(5))
    with pytest.raises(ValueError, match="lam"):
        es.ridge_readout(F, y, -1.0)
    with pytest.raises(ValueError, match="F"):
        es.ridge_readout(np.zeros((6, 9)), y)


def _gd_brute(F, y, tol, eta):
    a, t = np.zeros(F.shape[1]), 0
    while np.sum((F @ a - y) ** 2) > tol:
        a -= eta * F.T @ (F @ a - y)
        t += 1
    return t


def test_readout_gd_steps_matches_running_gd(rng):
    F, y = rng.standard_normal((8, 20)) / 4, rng.standard_normal(8)
    lmax = np.linalg.eigvalsh(F @ F.T).max()
    for tol, eta in ((1e-2, None), (1e-4, None), (1e-3, 0.5 / lmax)):
        assert es.readout_gd_steps(F, y, tol, eta) == _gd_brute(F, y, tol, 1 / lmax if eta is None else eta)
    assert es.readout_gd_steps(F, y, 1e9) == 0
    assert es.readout_gd_steps(np.ones((3, 1)), np.array([1.0, -1.0, 0.0]), 1e-3, max_steps=50) == 50  # unreachable
    with pytest.raises(ValueError, match="eta"):
        es.readout_gd_steps(F, y, 1e-3, eta=3 / lmax)
    with pytest.raises(ValueError, match="tol"):
        es.readout_gd_steps(F, y, 0.0)


def _numpy_step(W, a, X, y, s_m, lr):
    """One GD step on 0.5 mean((s_m a^T relu(W x) - y)^2), by hand."""
    H = X @ W.T
    r = s_m * np.maximum(H, 0) @ a - y
    ga = s_m * np.maximum(H, 0).T @ r / len(y)
    gW = s_m * ((r[:, None] * (H > 0)) * a[None, :]).T @ X / len(y)
    return W - lr * gW, a - lr * ga


@pytest.mark.parametrize("scaling", ["ntk", "mf"])
def test_train_two_layer_one_step_by_hand(rng, scaling):
    X, y, m, lr = rng.standard_normal((6, 3)), rng.standard_normal(6), 5, 0.1
    net0, net1, losses = es.train_two_layer(X, y, m, steps=1, lr=lr, generator=torch.Generator().manual_seed(0),
                                            scaling=scaling)
    s_m = m**-0.5 if scaling == "ntk" else 1 / m
    W0, a0 = net0.weights[0], net0.weights[1][0] / s_m
    assert np.allclose(net0(X)[:, 0], s_m * np.maximum(X @ W0.T, 0) @ a0)
    assert math.isclose(losses[0], 0.5 * np.mean((net0(X)[:, 0] - y) ** 2), rel_tol=1e-12)
    W1, a1 = _numpy_step(W0, a0, X, y, s_m, lr * m if scaling == "mf" else lr)
    assert np.allclose(net1.weights[0], W1, atol=1e-12) and np.allclose(net1.weights[1][0], s_m * a1, atol=1e-12)
    assert math.isclose(losses[1], 0.5 * np.mean((net1(X)[:, 0] - y) ** 2), rel_tol=1e-12)


def test_train_two_layer_init_law_and_frozen_layer(rng):
    X, y = rng.standard_normal((4, 10)), rng.standard_normal(4)
    net0, net, _ = es.train_two_layer(X, y, 4000, steps=2, lr=0.1, generator=torch.Generator().manual_seed(1),
                                      train_first=False)
    W0 = net0.weights[0]
    assert abs(W0.var() * 10 - 1) < 0.05  # entries N(0, 1/n): 40000 draws, sd of the ratio ~0.007
    assert abs((net0.weights[1][0] * math.sqrt(4000)).var() - 1) < 0.1  # a_j ~ N(0, 1), NTK factor folded in
    assert np.array_equal(net.weights[0], W0)  # random features: first layer frozen
    with pytest.raises(ValueError, match="scaling"):
        es.train_two_layer(X, y, 3, steps=1, lr=0.1, generator=torch.Generator(), scaling="std")
    with pytest.raises(ValueError, match="generator"):
        es.train_two_layer(X, y, 3, steps=1, lr=0.1, generator=0)


def test_relative_change_closed_form():
    A = np.array([[3.0, 4.0]])
    n0 = Net([A, np.ones((1, 1))], [np.zeros(1), np.zeros(1)], ("relu", "identity"))
    n1 = Net([A + np.array([[0.0, 1.0]]), np.ones((1, 1))], [np.zeros(1), np.zeros(1)], ("relu", "identity"))
    assert es.relative_change(n0, n1) == pytest.approx(0.2)  # ||(0, 1)|| / ||(3, 4)||
    n2 = Net([-A, np.ones((1, 1))], [np.zeros(1), np.zeros(1)], ("relu", "identity"))
    assert es.relative_change(n0, n2) == pytest.approx(2.0)  # same norm, opposite sign
    assert es.relative_change(n0, n1, layer=1) == 0.0
    with pytest.raises(ValueError, match="widths"):
        es.relative_change(n0, Net([np.ones((2, 2)), np.ones((1, 2))], [np.zeros(2), np.zeros(1)]))
    with pytest.raises(ValueError, match="layer"):
        es.relative_change(n0, n1, layer=2)


def test_train_classifier_history_and_stop(rng):
    X = rng.standard_normal((30, 4)); labels = rng.integers(0, 3, 30)
    net, acc = es.train_classifier(X, labels, 64, steps=3000, lr=1e-2, generator=torch.Generator().manual_seed(2),
                                   stop_at=1.0)
    assert acc[-1] == 1.0 and np.all(acc[:-1] < 1.0)  # stopped at the first step with all correct
    assert np.mean(net(X).argmax(axis=1) == labels) == acc[-1]  # history agrees with the returned net
    _, acc2 = es.train_classifier(X, labels, 8, steps=5, lr=1e-2, generator=torch.Generator().manual_seed(2))
    assert acc2.shape == (6,)
    with pytest.raises(ValueError, match="labels"):
        es.train_classifier(X, -labels - 1, 8, steps=1, lr=0.1, generator=torch.Generator())
    with pytest.raises(ValueError, match="labels"):
        es.train_classifier(X, labels, 8, steps=1, lr=0.1, generator=torch.Generator(), num_classes=2 if labels.max() >= 2 else 1)
    with pytest.raises(ValueError, match="stop_at"):
        es.train_classifier(X, labels, 8, steps=1, lr=0.1, generator=torch.Generator(), stop_at=1.5)


def test_topk_ties_go_to_lower_index_in_long_rows(rng):
    # rows longer than the insertion-sort cutoff of numpy's quicksort, with many ties
    H = rng.integers(0, 3, size=(20, 300)).astype(float)
    Z = es.topk_binary(H, 50)
    for h, z in zip(H, Z):
        expect = np.zeros(300)
        expect[sorted(range(300), key=lambda j: (-h[j], j))[:50]] = 1.0  # Python's sort is stable
        assert np.array_equal(z, expect)
