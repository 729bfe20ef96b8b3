"""Assembly of the memorising threshold network of Vershynin (2020), Theorem 7.1 ([V] below).

``memorize(X, y, rng)`` builds the shallow network ``F = OR o P o R o E`` of [V], Thm. 7.1 with
the strict threshold ``1[t > 0]`` everywhere, as a Las Vegas algorithm: sample the two random
enrichment layers, draw random-sign mirror perceptrons batch by batch (redrawing signs that fail),
verify ``F(x_k) = y_k`` exactly on the returned :class:`lib.nets.Net`, and resample everything if
anything fails. This module is a split of :mod:`lib.capacity` (same topic) and uses its helpers.

Departures from the printed proof, chosen because its constants are unspecified: the biases are
set by target sparsities ``p1`` and ``p2 = d^{-1/2}`` rather than by ``p = C_2 log^2 N/(eps^2 m)``;
the perception threshold is set per mirror pair at the midpoint of its margins (or a fixed
``tau`` such as the ``1/2`` of [V], Sec. 2.2), not the ``1/8`` of Thm. 6.2; the sign vectors are
redrawn until they work.
"""
from __future__ import annotations

import math

import numpy as np
from scipy import sparse, special

from . import capacity as _mem
from .nets import Net
from .validate import as_float, as_generator, as_int

__all__ = ["default_sizes", "memorize"]


def default_sizes(K: int, K1: int) -> dict:
    """Sizes used by :func:`memorize` when none are given: ``m = 4096`` (Enrichment I), ``d = 1024``
    (Enrichment II), ``p1 = 0.05`` and a batch size of a quarter of the single-perceptron capacity
    ``d / (4 x^2)``, ``x = Q^{-1}(ln 2 / (2K))`` (the Gaussian heuristic of the perception chapter)."""
    K = as_int("K", K, min=1)
    K1 = as_int("K1", K1, min=0, max=K)
    m, d = 4096, 1024
    x = -special.ndtri(math.log(2) / (2 * max(K, 2)))
    s = max(1, int(0.25 * d / (4 * x * x)))
    return {"m": m, "d": d, "p1": 0.05, "batch_size": s}


def _unit_distinct(X) -> np.ndarray:
    X = _mem._unit_points(X)
    _mem._distinct(X)
    return X


def memorize(X, y, rng: np.random.Generator, *, m: int | None = None, d: int | None = None,
             p1: float | None = None, batch_size: int | None = None, tau: float | None = None,
             max_tries: int = 20, max_restarts: int = 5) -> Net:
    """A threshold network ``F`` in the class ``F(n, m, d, r, 1)`` of [V] with ``F(x_k) = y_k`` for all k.

    Parameters
    ----------
    X : (K, n) unit vectors, distinct (and, for success, separated: [V], Thm. 7.1).
    y : (K,) labels in {0, 1}.
    rng : numpy Generator; all randomness comes from it.
    m, d : widths of the two enrichment layers; p1 : firing probability of the first (the second
        uses ``p2 = d^{-1/2}`` as in [V], Lemma 5.3); batch_size : positives per mirror pair.
        Missing sizes come from :func:`default_sizes`.
    tau : perception threshold. ``None`` (default): for each mirror pair, the midpoint between the
        largest off-batch and the smallest on-batch value of ``|<w, v>|`` (a data-adaptive bias per
        neuron, needed because enriched vectors do not have unit norm); a number (e.g. ``1/2`` of
        [V], Sec. 2.2) uses that threshold for every pair.
    max_tries : sign draws per batch; max_restarts : fresh enrichment layers before giving up.

    Returns
    -------
    Net with widths ``(n, m, d, r, 1)``, ``r = 2 ceil(K1 / batch_size)`` (2 idle units if K1 = 0),
    activations all ``"step_strict"``. Layer 2 carries the scale ``(m p1)^{-1/2}`` of Enrichment I
    and layer 3 the scale ``(d p2)^{-1/2}`` of Enrichment II in its weights (almost pseudolinear maps
    absorbed into the next layer). Verified: ``net(X)[:, 0] == y`` exactly.

    Raises
    ------
    ValueError for non-unit or repeated points, labels outside {0, 1}, shape mismatches, K = 0.
    RuntimeError if ``max_restarts`` fresh networks all fail; the message reports the measured
    minimal separation of ``X``.
    """
    X = _unit_distinct(X)
    K, n = X.shape
    y = _mem.check_labels(y, K)
    as_generator("rng", rng)
    K1 = int(y.sum())
    sizes = default_sizes(K, K1)
    m = sizes["m"] if m is None else as_int("m", m, min=1)
    d = sizes["d"] if d is None else as_int("d", d, min=4)
    p1 = sizes["p1"] if p1 is None else as_float("p1", p1, min=0.0, max=0.5, strict_min=True)
    s = sizes["batch_size"] if batch_size is None else as_int("batch_size", batch_size, min=1)
    tau = None if tau is None else as_float("tau", tau, min=0.0, strict_min=True)
    max_tries = as_int("max_tries", max_tries, min=1)
    max_restarts = as_int("max_restarts", max_restarts, min=1)
    p2 = d**-0.5
    b1 = _mem.bias_for_second_moment(p1)
    b2 = _mem.bias_for_second_moment(p2)
    s1, s2 = 1.0 / math.sqrt(m * p1), 1.0 / math.sqrt(d * p2)
    pos = np.flatnonzero(y == 1)
    last = ""
    for _ in range(max_restarts):
        G1 = rng.standard_normal((m, n))
        G2 = rng.standard_normal((d, m)) * s1
        C1 = sparse.csr_matrix((X @ G1.T > b1).astype(np.float64))  # codes of Enrichment I
        C2 = (np.asarray(C1 @ G2.T) > b2).astype(np.float64)        # codes of Enrichment II
        V = C2 * s2
        rows, taus, ok = [], [], True
        for start in range(0, pos.size, s):
            B = pos[start:start + s]
            if tau is not None:
                w, _, good = _mem.mirror_perceptron(V, B, rng, tau=tau, max_tries=max_tries)
                off, on = _mem.mirror_margins(V, w, B)
                t_i = tau
            else:  # adaptive: any draw whose margins do not overlap, threshold at the midpoint
                for _ in range(max_tries):
                    w = rng.choice([-1.0, 1.0], size=B.size) @ V[B]
                    off, on = _mem.mirror_margins(V, w, B)
                    good = on - off > 1e-9 * max(1.0, on)
                    if good:
                        break
                t_i = (off + on) / 2
            if not good:
                last = f"a batch of {B.size} failed {max_tries} sign draws (off-batch {off:.3f}, on-batch {on:.3f})"
                ok = False
                break
            rows += [w, -w]
            taus += [t_i, t_i]
        if not ok:
            continue
        W3 = np.array(rows) * s2 if rows else np.zeros((2, d))
        bias3 = -np.array(taus) if rows else np.full(2, -0.5)
        net = Net([G1, G2, W3, np.ones((1, W3.shape[0]))],
                  [np.full(m, -b1), np.full(d, -b2), bias3, np.zeros(1)],
                  ("step_strict",) * 4)
        if np.array_equal(net(X)[:, 0], y):
            return net
        last = "the assembled network disagreed with the labels (round-off at a threshold)"
    sep = _mem.min_separation(X) if K > 1 else float("inf")
    raise RuntimeError(f"memorize failed after {max_restarts} restarts: {last}. Measured minimal separation "
                       f"of X is {sep:.4g}; closer points need wider layers (m, d) or smaller batch_size")
