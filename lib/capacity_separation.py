"""Why separation: threshold layers on a line or a circle (Vershynin 2020, Sec. 1.5; [V] below).

[V], Sec. 1.5 argues that the separation hypothesis cannot simply be dropped for threshold networks:
a pseudolinear threshold map ``x -> 1[W x - b > 0]`` from R^n to R^m takes only ``O(m)`` values on a
line, so by the pigeonhole principle it merges data points once ``K`` exceeds that number, and some
labels can then not be memorised by *any* network with that first layer. This module provides the
data (points on a line, unit points on a great circle), the codes of a threshold layer, and a search
for two merged points with different labels. The sharp counts used in the book, at most ``m + 1``
codes on a line and at most ``2m`` on a circle, are **[added]** (each unit switches at most once
along a line and at most twice around a circle); [V] only says ``O(m)``.
"""
from __future__ import annotations

import math

import numpy as np

from . import capacity as _mem
from .validate import as_array, as_float, as_generator, as_int

__all__ = ["line_points", "circle_points", "threshold_codes", "count_codes", "code_collision"]


def _direction(n: int, rng) -> np.ndarray:
    v = rng.standard_normal(n)
    return v / np.linalg.norm(v)


def line_points(K: int, n: int, rng: np.random.Generator, *, span: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """``K`` points ``x_k = a + t_k v`` on a random line in R^n, with ``t_1 < ... < t_K`` uniform on
    ``[-span, span]``, ``a`` standard Gaussian and ``v`` a random unit vector.

    Returns ``(X, t)`` of shapes ``(K, n)`` and ``(K,)``, rows in the order of ``t``."""
    K = as_int("K", K, min=1)
    n = as_int("n", n, min=1)
    as_generator("rng", rng)
    span = as_float("span", span, min=0.0, strict_min=True)
    t = np.sort(rng.uniform(-span, span, K))
    a, v = rng.standard_normal(n), _direction(n, rng)
    return a[None, :] + t[:, None] * v[None, :], t


def circle_points(K: int, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``K`` unit vectors ``cos(theta_k) u + sin(theta_k) w`` on a random great circle of the sphere in
    R^n (``u, w`` orthonormal, ``n >= 2``), angles sorted and uniform on ``[0, 2 pi)``.

    Returns ``(X, theta)`` of shapes ``(K, n)`` and ``(K,)``."""
    K = as_int("K", K, min=1)
    n = as_int("n", n, min=2)
    as_generator("rng", rng)
    Q, _ = np.linalg.qr(rng.standard_normal((n, 2)))
    theta = np.sort(rng.uniform(0.0, 2 * math.pi, K))
    return np.cos(theta)[:, None] * Q[:, 0] + np.sin(theta)[:, None] * Q[:, 1], theta


def threshold_codes(X, W, b) -> np.ndarray:
    """Codes ``1[W x_k - b > 0]`` (strict threshold, [V] eq. (1.1)) of the rows of ``X``.

    X : (K, n); W : (m, n); b : (m,). Returns a ``(K, m)`` array of 0/1 (float64)."""
    X = as_array("X", X, ndim=2)
    W = as_array("W", W, shape=(None, X.shape[1]))
    b = as_array("b", b, shape=(W.shape[0],))
    return (X @ W.T - b > 0).astype(np.float64)


def count_codes(codes) -> int:
    """Number of distinct rows of ``codes`` (shape ``(K, m)``)."""
    C = as_array("codes", codes, ndim=2)
    return int(np.unique(C, axis=0).shape[0])


def code_collision(codes, y):
    """Two points with the same code and different labels: ``(i, j)`` with ``i < j``, or ``None``.

    If such a pair exists, no network whose first layer produces ``codes`` can map both points to
    their labels, whatever its later layers ([V], Sec. 1.5)."""
    C = as_array("codes", codes, ndim=2)
    y = _mem.check_labels(y, C.shape[0])
    _, inverse = np.unique(C, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).ravel()
    for g in np.unique(inverse):
        idx = np.flatnonzero(inverse == g)
        labels = y[idx]
        if np.any(labels != labels[0]):
            j = idx[np.flatnonzero(labels != labels[0])[0]]
            return int(min(idx[0], j)), int(max(idx[0], j))
    return None
