"""How big the memorising network of Vershynin (2020) must be, and which enrichment layers it needs.

Source: R. Vershynin, *Memory capacity of neural networks with threshold and ReLU activations*
(arXiv, 28 July 2020), [V] below. The shallow network of [V], Thm. 7.1 is ``F = OR o P o R o E``;
this module builds it (and its ablations) with the enrichment layers drawn *once* and reused, so
that the size of the perception layer can be searched and the enrichment layers switched off:

* :func:`enrich` draws the enrichment part for ``layers`` = ``"ER"`` (both, [V], Thm. 7.1),
  ``"R"`` (Enrichment II only, [V], Sec. 2.5, for data that are already nearly orthogonal) or
  ``"none"`` (perception directly on the data, [V], Sec. 2.5, for data ``O(n^{-1/2})``-orthogonal);
* :func:`mirror_layer` draws the mirror perceptrons of [V], Thm. 6.2 batch by batch (Las Vegas,
  per-pair midpoint threshold, as in :mod:`lib.capacity_assembly`);
* :func:`memorise_with` assembles and verifies one network; :func:`smallest_network` bisects on the
  batch size for the smallest perception layer that still memorises (``W* = d r*``).

Conventions as in :mod:`lib.capacity_assembly`: strict threshold ``1[t > 0]`` in every layer, biases
set by target second moments (``p1`` for Enrichment I, ``p2 = d^{-1/2}`` for Enrichment II, [V],
Lemma 5.3), the scales ``(m p1)^{-1/2}`` and ``(d p2)^{-1/2}`` of the almost pseudolinear maps moved
into the next layer's weights. All arrays float64.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from . import capacity as _mem
from .nets import Net
from .validate import as_array, as_choice, as_float, as_generator, as_int

__all__ = ["LAYERS", "Enrichment", "enrich", "mirror_layer", "memorise_with", "smallest_network",
           "deep_connections", "size_sweep", "ablation_trials", "clopper_pearson", "circle_mixture"]

LAYERS = ("ER", "R", "none")


@dataclass(frozen=True)
class Enrichment:
    """The enrichment part of the network and the data it produces.

    weights, biases : the affine maps before perception (0, 1 or 2 of them), ``weights[l]`` of shape
        ``(k_l, k_{l-1})``, all followed by the strict threshold;
    V : (K, d') the enriched points ``v_k`` (``x_k`` itself for ``layers="none"``), already scaled;
    scale : factor from the last layer's 0/1 codes to ``V`` (1 for ``"none"``): perception weights
        on the codes are ``scale`` times the weights on ``V``.
    """

    weights: tuple
    biases: tuple
    V: np.ndarray
    scale: float


def enrich(X, rng: np.random.Generator, *, layers: str = "ER", m: int = 2048, d: int = 512,
           p1: float = 0.05) -> Enrichment:
    """Draw the enrichment layers of [V], Thm. 7.1 (``layers="ER"``) or an ablation of Sec. 2.5.

    Parameters
    ----------
    X : (K, n) unit vectors.
    rng : numpy Generator (Gaussian weights ``G_1`` of shape ``(m, n)``, ``G_2`` of shape ``(d, m)``
        or ``(d, n)``).
    layers : ``"ER"``: ``E(x) = (m p1)^{-1/2} 1[G_1 x - b_1 > 0]`` then
        ``R(u) = (d p2)^{-1/2} 1[G_2 u - b_2 > 0]`` ([V], Thms. 5.2, 5.4); ``"R"``: ``R`` applied to
        ``x`` itself; ``"none"``: no layer, ``V = X``.
    m, d : widths of Enrichment I and II; p1 : second moment (firing probability) of Enrichment I.

    Returns
    -------
    Enrichment with ``V`` of shape ``(K, d)`` (``(K, n)`` for ``"none"``).
    """
    X = _mem._unit_points(X)
    as_generator("rng", rng)
    as_choice("layers", layers, LAYERS)
    m = as_int("m", m, min=1)
    d = as_int("d", d, min=4)
    p1 = as_float("p1", p1, min=0.0, max=0.5, strict_min=True)
    if layers == "none":
        return Enrichment((), (), X.copy(), 1.0)
    p2 = d**-0.5
    b2 = _mem.bias_for_second_moment(p2)
    s2 = 1.0 / math.sqrt(d * p2)
    Ws, bs = [], []
    if layers == "ER":
        b1 = _mem.bias_for_second_moment(p1)
        G1 = rng.standard_normal((m, X.shape[1]))
        U = sparse.csr_matrix((X @ G1.T > b1).astype(np.float64))  # 0/1 codes of Enrichment I
        G2 = rng.standard_normal((d, m)) / math.sqrt(m * p1)       # scale of E moved into R
        Ws, bs = [G1], [np.full(m, -b1)]
        Z = np.asarray(U @ G2.T)
    else:
        G2 = rng.standard_normal((d, X.shape[1]))
        Z = X @ G2.T
    Ws.append(G2)
    bs.append(np.full(d, -b2))
    return Enrichment(tuple(Ws), tuple(bs), (Z > b2).astype(np.float64) * s2, s2)


def _positives(V: np.ndarray, y: np.ndarray, order: str) -> tuple[np.ndarray, np.ndarray]:
    """Indices of the positives in batching order and their Gram rows ``<v_i, v_k>`` (shape ``(K1, K)``)."""
    pos = np.flatnonzero(y == 1)
    Gpos = V[pos] @ V.T
    if order == "norm":  # batch points of similar norm together (stable sort: ties keep index order)
        idx = np.argsort(-Gpos[np.arange(pos.size), pos], kind="stable")
        pos, Gpos = pos[idx], Gpos[idx]
    return pos, Gpos


def _search(pos: np.ndarray, Gpos: np.ndarray, s: int, rng: np.random.Generator, max_tries: int):
    """Sign vectors for each batch of ``s`` consecutive entries of ``pos``; None at the first failure."""
    K = Gpos.shape[1]
    found = []
    for j in range(0, pos.size, s):
        B = pos[j:j + s]
        inside = np.zeros(K, dtype=bool)
        inside[B] = True
        xi = rng.choice([-1.0, 1.0], size=(max_tries, B.size))
        A = np.abs(xi @ Gpos[j:j + s])                     # |<w_t, v_k>| for each draw t and point k
        off = A[:, ~inside].max(axis=1) if (~inside).any() else np.zeros(max_tries)
        on = A[:, inside].min(axis=1)
        good = np.flatnonzero(on - off > 1e-9 * np.maximum(1.0, on))
        if good.size == 0:
            return None
        t = good[0]
        found.append((B, xi[t], (off[t] + on[t]) / 2))
    return found


def _rows(V: np.ndarray, found) -> tuple[np.ndarray, np.ndarray]:
    if not found:
        return np.zeros((2, V.shape[1])), np.full(2, 0.5)
    W = np.concatenate([[xi @ V[B], -(xi @ V[B])] for B, xi, _ in found])
    return W, np.repeat([tau for _, _, tau in found], 2)


def mirror_layer(V, y, batch_size: int, rng: np.random.Generator, *, max_tries: int = 10, order: str = "norm"):
    """Mirror perceptrons of [V], Thm. 6.2 for the positives of ``y``, in batches of ``batch_size``.

    For each batch ``I`` the sign vector ``xi`` is drawn ``max_tries`` times (Las Vegas; the first
    draw that works is kept) until ``w = sum_{k in I} xi_k v_k`` has
    ``max_{k not in I} |<w, v_k>| < min_{k in I} |<w, v_k>|``; the pair's threshold is the midpoint
    (a per-neuron bias, a departure from the ``1/8`` of Thm. 6.2, see :mod:`lib.capacity_assembly`).

    Parameters
    ----------
    V : (K, d) points; y : (K,) labels in {0, 1}; batch_size : positives per pair (``s``);
    rng : numpy Generator; max_tries : sign draws per batch;
    order : ``"norm"`` (default) cuts the positives into batches in order of decreasing ``|v_k|``, so
        that a point of small norm is not batched with one of large norm (any partition is allowed by
        Thm. 6.2; this one is **[added]**); ``"index"`` keeps index order, as [V] and
        :func:`lib.capacity_assembly.memorize` do.

    Returns
    -------
    ``(W, tau)`` with ``W`` of shape ``(r, d)``, rows ``+w_1, -w_1, +w_2, ...``, and ``tau`` of shape
    ``(r,)``, ``r = 2 ceil(K1 / batch_size)`` (``r = 2`` idle units if ``K1 = 0``); or ``None`` if some
    batch failed all its draws (the search stops at the first failing batch).
    """
    V = as_array("V", V, ndim=2)
    y = _mem.check_labels(y, V.shape[0])
    s = as_int("batch_size", batch_size, min=1)
    as_generator("rng", rng)
    max_tries = as_int("max_tries", max_tries, min=1)
    as_choice("order", order, ("norm", "index"))
    found = _search(*_positives(V, y, order), s, rng, max_tries)
    return None if found is None else _rows(V, found)


def _assemble(enr: "Enrichment", W: np.ndarray, tau: np.ndarray) -> Net:
    return Net(list(enr.weights) + [W * enr.scale, np.ones((1, W.shape[0]))],
               list(enr.biases) + [-tau, np.zeros(1)], ("step_strict",) * (len(enr.weights) + 2))


def memorise_with(X, y, enr: Enrichment, batch_size: int, rng: np.random.Generator, *,
                  max_tries: int = 10, order: str = "norm"):
    """The network ``OR o P o (enrichment)`` of [V], Thm. 7.1 on given enrichment layers, or ``None``.

    Parameters
    ----------
    X : (K, n) the data ``enr`` was drawn for; y : (K,) labels in {0, 1}; enr : from :func:`enrich`;
    batch_size, rng, max_tries, order : as in :func:`mirror_layer`.

    Returns
    -------
    A :class:`lib.nets.Net` of strict threshold units, widths ``(n, [m,] [d,] r, 1)``, verified to
    satisfy ``net(X)[:, 0] == y`` exactly; ``None`` if perception failed or the check did not hold.
    """
    X = _mem._unit_points(X)
    if not isinstance(enr, Enrichment) or enr.V.shape[0] != X.shape[0]:
        raise ValueError("enr must be an Enrichment drawn for X (same number of points)")
    y = _mem.check_labels(y, X.shape[0])
    out = mirror_layer(enr.V, y, batch_size, rng, max_tries=max_tries, order=order)
    if out is None:
        return None
    net = _assemble(enr, *out)
    return net if np.array_equal(net(X)[:, 0], y) else None


def deep_connections(net: Net) -> int:
    """Deep connections ``W = d r`` of a shallow memorising net ``(n, ..., d, r, 1)``: the weights of the
    perception layer, the count of [V], Thm. 1.1 for this shape (the OR's ``r`` weights are left out,
    as in the assembly chapter)."""
    if not isinstance(net, Net) or len(net.widths) < 3:
        raise ValueError("net must be a Net with at least one hidden layer")
    return int(net.widths[-3] * net.widths[-2])


def smallest_network(X, y, rng: np.random.Generator, *, layers: str = "ER", m: int = 2048, d: int = 512,
                     p1: float = 0.05, max_tries: int = 10, s_max: int | None = None, order: str = "norm",
                     verify: bool = True, max_restarts: int = 5):
    """The smallest perception layer that memorises ``y`` on one draw of the enrichment layers.

    Draws the enrichment (:func:`enrich`; redrawn, up to ``max_restarts`` times in all, while even batches
    of one point fail, a Las Vegas restart as in :func:`lib.capacity_assembly.memorize`), then bisects
    on the batch size ``s`` in
    ``[1, s_max]`` (default ``s_max = K1``) for the largest ``s`` at which every batch finds a working
    sign vector (:func:`mirror_layer`, fresh signs at each ``s``). Success is not exactly monotone in
    ``s``: the result is a workable ``s`` whose successor failed once. The network at that ``s`` is
    assembled and (``verify=True``) checked exactly; ``verify=False`` leaves that check, a dense
    forward pass, to the caller.

    Returns
    -------
    ``(net, s)``: the verified :class:`lib.nets.Net` (widths ``(n, [m,] [d,] r, 1)``) and ``s``;
    ``W* = deep_connections(net) = d * 2 ceil(K1 / s)``.

    Raises
    ------
    RuntimeError if even batches of one point fail in every draw (points too close), or the final network
    disagrees with the labels (round-off at a threshold).
    """
    X = _mem._unit_points(X)
    y = _mem.check_labels(y, X.shape[0])
    as_generator("rng", rng)
    max_tries = as_int("max_tries", max_tries, min=1)
    as_choice("order", order, ("norm", "index"))
    max_restarts = as_int("max_restarts", max_restarts, min=1)
    K1 = int(y.sum())
    hi = max(K1, 1) if s_max is None else as_int("s_max", s_max, min=1)
    for _ in range(max_restarts):  # Las Vegas: redraw the enrichment if even s = 1 fails
        enr = enrich(X, rng, layers=layers, m=m, d=d, p1=p1)
        pos, Gpos = _positives(enr.V, y, order)
        best = _search(pos, Gpos, 1, rng, max_tries)
        if best is not None:
            break
    else:
        sep = _mem.min_separation(X) if X.shape[0] > 1 else math.inf
        raise RuntimeError(f"smallest_network: even batches of one point failed in {max_restarts} draws of the "
                           f"enrichment; minimal separation {sep:.4g}")
    lo = 1  # invariant: lo works; nothing above hi is tried
    while lo < hi:
        mid = (lo + hi + 1) // 2
        found = _search(pos, Gpos, mid, rng, max_tries)
        if found is None:
            hi = mid - 1
        else:
            lo, best = mid, found
    net = _assemble(enr, *_rows(enr.V, best))
    if verify and not np.array_equal(net(X)[:, 0], y):
        raise RuntimeError("smallest_network: the assembled network disagreed with the labels (round-off)")
    return net, lo


def size_sweep(Ks, reps: int, rng: np.random.Generator, *, n: int = 64, rho0: float = 0.0, layers: str = "ER",
               m: int = 2048, d: int = 512, p1: float = 0.05, max_tries: int = 10) -> dict:
    """``W*`` for ``reps`` independent draws at each data size ``K`` in ``Ks``.

    Each draw takes fresh data (:func:`lib.capacity.cap_data` with ``n`` and ``rho0``), fresh fair
    labels and fresh enrichment layers, and runs :func:`smallest_network`.

    Returns
    -------
    dict of arrays of shape ``(len(Ks) * reps,)``: ``K`` (data size), ``W`` (deep connections ``d r``
    of the smallest network found), ``Wc`` (the same without rounding up the last batch,
    ``2 d K1 / s``, so ``Wc <= W < Wc + 2d``), ``s`` (its batch size), ``K1`` (number of positive labels),
    ``exact`` (1 if the network, evaluated as a :class:`lib.nets.Net`, reproduced all labels exactly,
    else 0), ``sep`` (minimal separation of the data).
    """
    Ks = as_array("Ks", Ks, ndim=1, dtype=np.int64)
    if np.any(Ks < 2):
        raise ValueError(f"Ks must be integers >= 2; got {Ks.tolist()}")
    reps = as_int("reps", reps, min=1)
    as_generator("rng", rng)
    out = {key: [] for key in ("K", "W", "Wc", "s", "K1", "exact", "sep")}
    for K in Ks.tolist():
        for _ in range(reps):
            X = _mem.cap_data(K, n, rho0, rng)
            y = rng.integers(0, 2, K).astype(np.float64)
            net, s = smallest_network(X, y, rng, layers=layers, m=m, d=d, p1=p1, max_tries=max_tries, verify=False)
            dv = net.widths[-3]
            for key, val in (("K", K), ("W", deep_connections(net)), ("Wc", 2 * dv * y.sum() / s), ("s", s), ("K1", int(y.sum())),
                             ("exact", int(np.array_equal(net(X)[:, 0], y))), ("sep", _mem.min_separation(X))):
                out[key].append(val)
    return {key: np.array(val) for key, val in out.items()}


def ablation_trials(K: int, n: int, rho0: float, layers: str, batch_size: int, trials: int,
                    rng: np.random.Generator, *, m: int = 2048, d: int = 1024, p1: float = 0.05,
                    max_tries: int = 10) -> np.ndarray:
    """Success indicators of ``trials`` independent attempts to memorise with the enrichment ``layers``.

    Each trial draws fresh cap data (:func:`lib.capacity.cap_data`: ``K`` unit points in ``R^n`` with
    common component ``rho0``), fresh fair labels and fresh enrichment layers (:func:`enrich`), and
    tries batch size ``batch_size`` once (:func:`memorise_with`, Las Vegas over signs only). This is the
    ablation of [V], Sec. 2.5 at fixed sizes.

    Returns
    -------
    (trials,) array of 0/1: 1 when the assembled network reproduced every label exactly.
    """
    K = as_int("K", K, min=2)
    n = as_int("n", n, min=2)
    as_choice("layers", layers, LAYERS)
    s = as_int("batch_size", batch_size, min=1)
    trials = as_int("trials", trials, min=1)
    as_generator("rng", rng)
    out = np.zeros(trials)
    for t in range(trials):
        X = _mem.cap_data(K, n, rho0, rng)
        y = rng.integers(0, 2, K).astype(np.float64)
        enr = enrich(X, rng, layers=layers, m=m, d=d, p1=p1)
        out[t] = memorise_with(X, y, enr, s, rng, max_tries=max_tries) is not None
    return out


def clopper_pearson(k: int, n: int, delta: float = 1e-4) -> tuple[float, float]:
    """Exact (Clopper-Pearson) interval ``(lo, hi)`` for a success probability from ``k`` of ``n``,
    with total non-coverage at most ``delta`` (``delta / 2`` in each tail); ``lo = 0`` when ``k = 0``
    and ``hi = 1`` when ``k = n``."""
    from scipy.stats import beta

    n = as_int("n", n, min=1)
    k = as_int("k", k, min=0, max=n)
    delta = as_float("delta", delta, min=0.0, max=1.0, strict_min=True, strict_max=True)
    lo = 0.0 if k == 0 else float(beta.ppf(delta / 2, k, n - k + 1))
    hi = 1.0 if k == n else float(beta.isf(delta / 2, k + 1, n - k))
    return lo, hi


def circle_mixture(K: int, n: int, lam: float, rng: np.random.Generator) -> np.ndarray:
    """``K`` unit vectors that move from random to collinear-on-a-circle as ``lam`` goes from 0 to 1.

    ``x_k = (sqrt(1 - lam) z_k + sqrt(lam) c_k) / |...|`` with ``z_k`` uniform on the unit sphere of
    ``R^n`` and ``c_k = cos(theta_k) u + sin(theta_k) w`` equally spaced (``theta_k = 2 pi k / K``) on a
    random great circle. ``lam = 0`` gives uniform random points (well separated for ``n`` large);
    ``lam = 1`` gives points on one great circle at spacing ``2 sin(pi / K)``, the setting of the
    pigeonhole argument of [V], Sec. 1.5 (at most ``2m`` codes for a width-``m`` threshold layer).
    Shape ``(K, n)``, ``n >= 2``; **[added]** (not in [V]).
    """
    K = as_int("K", K, min=1)
    n = as_int("n", n, min=2)
    lam = as_float("lam", lam, min=0.0, max=1.0)
    as_generator("rng", rng)
    Z = rng.standard_normal((K, n))
    Z /= np.linalg.norm(Z, axis=1, keepdims=True)
    Q, _ = np.linalg.qr(rng.standard_normal((n, 2)))
    theta = 2 * math.pi * np.arange(K) / K
    C = np.cos(theta)[:, None] * Q[:, 0] + np.sin(theta)[:, None] * Q[:, 1]
    X = math.sqrt(1 - lam) * Z + math.sqrt(lam) * C
    norms = np.linalg.norm(X, axis=1, keepdims=True)
    if np.any(norms < 1e-12):
        raise ValueError("lam gave a zero vector before normalisation; draw again")  # probability zero
    return X / norms
