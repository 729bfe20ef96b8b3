"""Tests of lib.capacity_separation against brute force: codes, counts, collisions, the geometry of the data."""
import numpy as np
import pytest

from lib import capacity_separation as SP


@pytest.fixture
def rng():
    return np.random.default_rng(5)


def test_line_points_are_collinear(rng):
    X, t = SP.line_points(30, 5, rng, span=2.0)
    D = X - X[0]
    assert np.linalg.matrix_rank(D, tol=1e-10) == 1 and np.all(np.abs(t) <= 2.0) and np.all(np.diff(t) > 0)
    # distances along the line equal differences of t (unit direction)
    np.testing.assert_allclose(np.linalg.norm(X[1:] - X[0], axis=1), t[1:] - t[0], rtol=1e-12)


def test_circle_points_unit_and_planar(rng):
    X, theta = SP.circle_points(40, 6, rng)
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1, rtol=1e-12)
    assert np.linalg.matrix_rank(X, tol=1e-10) == 2
    G = X @ X.T  # <x_i, x_j> = cos(theta_i - theta_j)
    np.testing.assert_allclose(G, np.cos(theta[:, None] - theta[None, :]), atol=1e-12)


def test_codes_count_collision_brute_force(rng):
    X = rng.standard_normal((25, 4))
    W, b = rng.standard_normal((3, 4)), rng.standard_normal(3)
    C = SP.threshold_codes(X, W, b)
    brute = np.array([[1.0 if X[k] @ W[i] - b[i] > 0 else 0.0 for i in range(3)] for k in range(25)])
    np.testing.assert_array_equal(C, brute)
    assert SP.count_codes(C) == len({tuple(row) for row in brute})
    y = rng.integers(0, 2, 25)
    pair = SP.code_collision(C, y)
    exists = any(np.array_equal(C[i], C[j]) and y[i] != y[j] for i in range(25) for j in range(i + 1, 25))
    assert (pair is not None) == exists
    if pair:
        i, j = pair
        assert np.array_equal(C[i], C[j]) and y[i] != y[j]


def test_line_codes_sharp_and_collision(rng):
    X, t = SP.line_points(50, 3, rng)
    v = (X[-1] - X[0]) / (t[-1] - t[0])
    a = X[0] - t[0] * v
    W = rng.standard_normal((6, 3))
    u = (t[[3, 10, 17, 25, 33, 41]] + t[[4, 11, 18, 26, 34, 42]]) / 2  # switch points between data points
    C = SP.threshold_codes(X, W, W @ a + u * (W @ v))
    assert SP.count_codes(C) == 7  # m + 1, attained
    assert SP.code_collision(C, np.arange(50) % 2) is not None


def test_value_errors(rng):
    with pytest.raises(ValueError, match="K"):
        SP.line_points(0, 3, rng)
    with pytest.raises(ValueError, match="rng"):
        SP.circle_points(5, 3, 1)
    with pytest.raises(ValueError, match="W"):
        SP.threshold_codes(np.ones((3, 2)), np.ones((2, 3)), np.zeros(2))
    with pytest.raises(ValueError, match="codes"):
        SP.count_codes(np.ones(4))
    with pytest.raises(ValueError, match="y"):
        SP.code_collision(np.ones((3, 2)), [0, 1])
