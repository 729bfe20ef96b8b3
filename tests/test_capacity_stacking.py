"""Tests of lib.capacity_stacking (Vershynin 2020, Thm. 7.2): layout, batch allocation, exact memorisation."""
import math

import numpy as np
import pytest

from lib import capacity as M
from lib import capacity_stacking as CS
from lib.nets import Net


@pytest.fixture
def rng():
    return np.random.default_rng(11)


def test_deep_connections_by_hand():
    assert CS.deep_connections((5, 7, 11, 13, 17)) == 11 * 13 + 13 * 17
    assert CS.deep_connections((1, 2, 3)) == 0


def test_stage_sizes_thirds():
    s = CS.stage_sizes((8, 60, 90, 61, 30), accumulator="last_node")
    assert s == {"m": 10, "d": [30, 20], "r": [20, 10]}
    s = CS.stage_sizes((8, 60, 90, 60, 30))  # dedicated: r_i = 2 ((n_{i+1} - 1) // 6)
    assert s["r"] == [18, 8]


def test_distribute_positives_bound_and_sum():
    for K1 in (0, 1, 7, 100, 1001):
        shares = [3, 5, 11, 2]
        c = CS.distribute_positives(K1, shares)
        assert sum(c) == K1
        q = np.array(shares) / sum(shares) * K1
        assert np.all(np.array(c) <= q + 1) and np.all(np.array(c) >= np.floor(q))


def test_layer_blocks_and_used_widths_fit():
    for L in (5, 6, 7, 9):
        for n in (42, 43, 44, 90):
            w = (16,) + (n,) * (L - 1)
            u = CS.used_widths(w)
            assert len(u) == L and all(a <= b for a, b in zip(u[1:], w[1:]))
            s = CS.stage_sizes(w)
            assert u[1] == s["m"] and u[-1] == s["r"][-1] + 1


def test_stack_memorize_threshold_exact(rng):
    X = M.cap_data(120, 16, 0.2, rng)
    y = rng.integers(0, 2, 120)
    res = CS.stack_memorize(X, y, rng, m=1024, d=[256] * 3, r=[24] * 3)  # 3 stages: the accumulator chain is used
    assert isinstance(res.net, Net)
    assert res.net.activations == ("step_strict",) * 6
    np.testing.assert_array_equal(res.net(X)[:, 0], y)
    assert res.net.widths == (16,) + tuple(sum(b.values()) for b in CS.layer_blocks(1024, [256] * 3, [24] * 3)) + (1,)
    assert np.array_equal(np.sort(np.concatenate(res.batches)), np.flatnonzero(y == 1))


def test_stack_memorize_widths_pads(rng):
    X = M.cap_data(60, 16, 0.2, rng)
    y = rng.integers(0, 2, 60)
    arch = (16, 700, 700, 700, 700)
    res = CS.stack_memorize(X, y, rng, widths=arch, activations=["step_strict"] * 3 + ["relu"])
    assert res.net.widths == arch + (1,)
    assert res.used == CS.used_widths(arch)
    np.testing.assert_array_equal(res.net(X)[:, 0], y)
    # torch realisation computes the same labels (independent implementation of the forward pass)
    import torch
    out = res.net.to_torch()(torch.from_numpy(X)).detach().numpy()[:, 0]
    np.testing.assert_array_equal(out, y)


def test_stack_all_zero_and_all_one_labels(rng):
    X = M.cap_data(40, 16, 0.2, rng)
    for y in (np.zeros(40), np.ones(40)):
        res = CS.stack_memorize(X, y, rng, m=1024, d=[256, 256], r=[40, 40])
        np.testing.assert_array_equal(res.net(X)[:, 0], y)


def test_stack_reports_separation(rng):
    X = M.cap_data(20, 8, 0.2, rng)
    X[1] = X[0] + 1e-7 * X[2]
    X[1] /= np.linalg.norm(X[1])
    y = np.zeros(20)
    y[0] = 1
    with pytest.raises(RuntimeError, match="separation of X is"):
        CS.stack_memorize(X, y, rng, m=128, d=[32, 32], r=[2, 2], max_tries=3, max_restarts=2)


def test_value_errors(rng):
    X = M.cap_data(10, 4, 0.1, rng)
    y = np.zeros(10)
    with pytest.raises(ValueError, match="widths"):
        CS.stack_memorize(X, y, rng, widths=(4, 30, 30, 30))
    with pytest.raises(ValueError, match="widths\\[0\\]"):
        CS.stack_memorize(X, y, rng, widths=(5, 30, 30, 30, 30))
    with pytest.raises(ValueError, match="widths"):
        CS.stack_memorize(X, y, rng, widths=(4, 30, 30, 30, 30), m=3)
    with pytest.raises(ValueError, match="m, d, r"):
        CS.stack_memorize(X, y, rng, m=30)
    with pytest.raises(ValueError, match="r must"):
        CS.stack_memorize(X, y, rng, m=30, d=[10, 10], r=[3, 4])
    with pytest.raises(ValueError, match="activations"):
        CS.stack_memorize(X, y, rng, m=30, d=[10, 10], r=[2, 2], activations="tanh")
    with pytest.raises(ValueError, match="activations"):
        CS.stack_memorize(X, y, rng, m=30, d=[10, 10], r=[2, 2], activations=["relu", "step_strict", "relu", "relu"])
    with pytest.raises(ValueError, match="accumulator"):
        CS.stack_memorize(X, y, rng, m=30, d=[10, 10], r=[2, 2], accumulator="sum")
    with pytest.raises(ValueError, match="unit"):
        CS.stack_memorize(2 * X, y, rng, m=30, d=[10, 10], r=[2, 2])
    with pytest.raises(ValueError, match="y"):
        CS.stack_memorize(X, np.full(10, 3), rng, m=30, d=[10, 10], r=[2, 2])
    with pytest.raises(ValueError, match="rng"):
        CS.stack_memorize(X, y, 5, m=30, d=[10, 10], r=[2, 2])
    with pytest.raises(ValueError, match="verify"):
        CS.stack_memorize(X, y, rng, m=30, d=[10, 10], r=[2, 2], verify="no")
    with pytest.raises(ValueError, match="widths"):
        CS.stage_sizes((4, 5, 5, 5, 5))
    with pytest.raises(ValueError, match="K1"):
        CS.distribute_positives(-1, [1, 2])
    with pytest.raises(ValueError, match="r must"):
        CS.layer_blocks(4, [3, 3], [2])
