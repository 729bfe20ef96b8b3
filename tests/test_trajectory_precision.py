"""Tests of the precision, extrapolation and symmetry helpers of lib.trajectory (closed forms, brute force)."""
import itertools

import numpy as np
import pytest

from lib import trajectory as tr


def rng(seed=0):
    return np.random.default_rng(seed)


def test_float32_propagation_is_float32_and_close():
    Ws, bs = tr.sample_layers([8, 16, 16], 0.5, "gaussian", 2.0, 0.01, 3, rng(1))
    X, dX = tr.segment(rng(2).standard_normal(8), rng(3).standard_normal(8), (np.arange(64) + 0.5) / 64)
    s64 = tr.layer_speeds(X, dX, Ws, bs)
    s32 = tr.layer_speeds(X, dX, Ws, bs, dtype="float32")
    assert s32.dtype == np.float64 and s32.shape == s64.shape
    rel = np.abs(s32 / s64 - 1).max()
    # float32 really is used (rounding visible) and is accurate (a few units of 2^-24 per layer)
    assert 1e-9 < rel < 1e-5
    c64 = tr.chord_lengths(X, Ws, bs)
    c32 = tr.chord_lengths(X, Ws, bs, dtype="float32")
    assert 0 < np.abs(c32 / c64 - 1).max() < 1e-5
    # polyline_length in float32 against a hand computation in float32
    Z = rng(4).standard_normal((5, 3))
    hand = np.linalg.norm(np.diff(Z.astype(np.float32), axis=0), axis=1).sum()
    assert tr.polyline_length(Z, dtype="float32") == pytest.approx(float(hand), rel=1e-7)


def test_float32_chord_excess_is_positive_on_a_short_fine_segment():
    # second-order rounding adds length: tiny segment, many pieces, float32
    x0 = rng(0).standard_normal(4)
    X = tr.segment(x0, x0 + 1e-3 * rng(1).standard_normal(4), np.linspace(0, 1, 20001))[0]
    assert tr.polyline_length(X, dtype="float32") > tr.polyline_length(X) * (1 + 1e-3)   # about 5 % here


def test_richardson_cancels_leading_term():
    L, a = 3.0, 0.7
    N = np.array([10.0, 20.0, 40.0])
    for p, r in ((1.0, 2.0), (2.0, 2.0), (1.0, 4.0)):
        coarse, fine = L - a / N**p, L - a / (r * N) ** p
        np.testing.assert_allclose(tr.richardson(coarse, fine, ratio=r, order=p), L, rtol=1e-14)
    assert tr.richardson([1.0, 2.0], 3.0).shape == (2,)


def test_mean_abs_brute_force():
    assert tr.mean_abs("discrete", 3) == pytest.approx(np.abs(np.arange(-3, 4)).mean())
    assert tr.mean_abs("uniform", 2.0) == pytest.approx(1.0)
    g = np.abs(2.0 * rng(5).standard_normal(400_000)).mean()
    assert tr.mean_abs("gaussian", 2.0) == pytest.approx(g, rel=6 * 0.76 / np.sqrt(4e5))
    # M <= E|w|, with equality only for the Gaussian
    assert tr.m_constant("gaussian", 2.0) == pytest.approx(tr.mean_abs("gaussian", 2.0))
    assert tr.m_constant("uniform", 2.0) * np.sqrt(2) == pytest.approx(tr.mean_abs("uniform", 2.0))
    assert tr.m_constant("discrete", 3) * np.sqrt(2) == pytest.approx(tr.mean_abs("discrete", 3))


def test_flip_differences_brute_force_and_exact_balance():
    Y = np.array([[1.0, 2.0], [-1.0, -2.0], [0.0, 5.0]])
    a = np.array([[0.0, 0.0], [-np.inf, 1.0]])
    D = tr.flip_differences(Y, a)
    brute = [[float(all(y > c)) - float(all(-y > c)) for c in a] for y in Y]
    np.testing.assert_array_equal(D, brute)
    # an exactly balanced even discrete sample (every point with its mirror): all columns sum to 0,
    # including corners that sit exactly on atoms (ties must be treated the same on both sides)
    pts = np.array(list(itertools.product((-1.0, 0.0, 1.0), repeat=2)))
    corners = np.array([[0.0, -1.0], [-1.0, 0.0], [0.0, 0.0], [-np.inf, 0.0]])
    assert np.all(tr.flip_differences(pts, corners).sum(axis=0) == 0)


@pytest.mark.parametrize("call", [
    lambda: tr.chord_lengths(np.zeros((3, 2)), *tr.sample_layers([2, 2], 1.0, "gaussian", 1.0, 0.0, 1, rng()), dtype="float16"),
    lambda: tr.layer_speeds(np.zeros((3, 2)), np.ones((3, 2)), *tr.sample_layers([2, 2], 1.0, "gaussian", 1.0, 0.0, 1, rng()), dtype=32),
    lambda: tr.polyline_length(np.zeros((3, 2)), dtype="int"),
    lambda: tr.richardson([1.0], [1.0], ratio=1.0),
    lambda: tr.richardson([1.0], [1.0], order=0.0),
    lambda: tr.richardson([1.0, 2.0], [1.0, 2.0, 3.0]),
    lambda: tr.richardson([np.nan], [1.0]),
    lambda: tr.mean_abs("cauchy", 1.0),
    lambda: tr.mean_abs("discrete", 2.5),
    lambda: tr.flip_differences(np.zeros((3, 2)), np.zeros((1, 3))),
    lambda: tr.flip_differences(np.zeros((3, 2)), [[np.nan, 0.0]]),
    lambda: tr.flip_differences(np.zeros((3, 2)), [[np.inf, 0.0]]),
    lambda: tr.flip_differences(np.zeros(3), np.zeros((1, 3))),
])
def test_bad_input_raises(call):
    with pytest.raises(ValueError):
        call()


def test_arc_segment_closed_forms():
    r = rng(11)
    x0, x1 = r.standard_normal((2, 9))
    pairs = np.array([[0, 4], [7, 2], [5, 8]])
    t = np.linspace(0, 1, 40001)
    X, dX = tr.arc_segment(x0, x1, t, pairs)
    np.testing.assert_allclose(X[[0, -1]], [x0, x1], atol=1e-14)
    d = x1 - x0
    other = [1, 3, 6]
    speed = np.sqrt((d[other] ** 2).sum() + np.pi**2 / 4 * (d[pairs] ** 2).sum())
    np.testing.assert_allclose(np.linalg.norm(dX, axis=1), speed, rtol=1e-12)
    assert tr.polyline_length(X) == pytest.approx(speed, rel=1e-8)          # chord of a fine grid
    fd = (X[2:] - X[:-2]) / (2 * (t[1] - t[0]))
    np.testing.assert_allclose(fd, dX[1:-1], atol=1e-7)
    # each bent pair stays on the circle with the projected segment as diameter
    c = (x0[pairs] + x1[pairs]) / 2
    rad = np.linalg.norm(x0[pairs] - c, axis=1)
    np.testing.assert_allclose(np.linalg.norm(X[:, pairs] - c, axis=2), np.broadcast_to(rad, (t.size, 3)), rtol=1e-12)
    # no pairs: the straight segment
    S, dS = tr.segment(x0, x1, t[:5])
    A, dA = tr.arc_segment(x0, x1, t[:5], np.zeros((0, 2), int))
    np.testing.assert_array_equal(A, S) and np.testing.assert_array_equal(dA, dS)


@pytest.mark.parametrize("pairs", [[[0, 0]], [[0, 9]], [[0, 1], [1, 2]], [[0, 1, 2]], [[-1, 2]], [[0.5, 1]], "ab"])
def test_arc_segment_rejects_bad_pairs(pairs):
    with pytest.raises(ValueError, match="pairs"):
        tr.arc_segment(np.zeros(9), np.ones(9), [0.0, 1.0], pairs)
