"""Tests of lib.capacity_assembly: the assembled network memorises exactly, and bad input is refused."""
import math

import numpy as np
import pytest

from lib import capacity as M
from lib.capacity_assembly import default_sizes, memorize
from lib.nets import Net


@pytest.fixture
def rng():
    return np.random.default_rng(7)


def test_memorize_small_exact(rng):
    X = M.cap_data(80, 16, 0.2, rng)
    for y in (rng.integers(0, 2, 80), np.zeros(80), np.ones(80)):
        net = memorize(X, y, rng, m=2048, d=512, batch_size=3)
        assert isinstance(net, Net)
        assert net.activations == ("step_strict",) * 4
        r = 2 * math.ceil(y.sum() / 3) or 2
        assert net.widths == (16, 2048, 512, r, 1)
        np.testing.assert_array_equal(net(X)[:, 0], y)  # the specification itself
        # independent recomputation of the first layer: codes are 1[<g_i, x> > b1] with Q(b1) = p1
        assert abs(M.normal_tail(-net.biases[0][0]) - 0.05) < 1e-12


def test_memorize_default_sizes(rng):
    X = M.cap_data(200, 32, 0.3, rng)
    y = rng.integers(0, 2, 200)
    net = memorize(X, y, rng)
    sz = default_sizes(200, int(y.sum()))
    assert net.widths[1:3] == (sz["m"], sz["d"])
    np.testing.assert_array_equal(net(X)[:, 0], y)


def test_memorize_reports_separation(rng):
    X = M.cap_data(20, 8, 0.2, rng)
    X[1] = X[0] + 1e-7 * X[2]
    X[1] /= np.linalg.norm(X[1])
    y = np.zeros(20)
    y[0] = 1  # x_0 positive, its near-copy x_1 negative: impossible to separate at these widths
    with pytest.raises(RuntimeError, match="separation of X is"):
        memorize(X, y, rng, m=256, d=64, max_tries=3, max_restarts=2)


def test_memorize_value_errors(rng):
    X = M.cap_data(10, 4, 0.1, rng)
    with pytest.raises(ValueError, match="unit"):
        memorize(2 * X, np.zeros(10), rng)
    with pytest.raises(ValueError, match="distinct"):
        memorize(np.vstack([X, X[:1]]), np.zeros(11), rng)
    with pytest.raises(ValueError, match="y"):
        memorize(X, np.full(10, 2), rng)
    with pytest.raises(ValueError, match="y"):
        memorize(X, np.zeros(9), rng)
    with pytest.raises(ValueError, match="K = 0"):
        memorize(np.zeros((0, 4)), np.zeros(0), rng)
    with pytest.raises(ValueError, match="rng"):
        memorize(X, np.zeros(10), 3)
    with pytest.raises(ValueError, match="p1"):
        memorize(X, np.zeros(10), rng, p1=0.9)
    with pytest.raises(ValueError, match="K1"):
        default_sizes(5, 6)
