"""Stacking: the deep memorising network of Vershynin (2020), Theorem 7.2 ([V] below).

A deep architecture ``(n_1, ..., n_L)`` with ``L >= 5`` memorises by *stacking* ``S = L - 3`` shallow
networks ``F_i = P_i o R_i o E`` (``i = 3, ..., L-1`` in [V]; stages ``0, ..., S-1`` here) that share
one Enrichment I map ``E``. Layer by layer ([V], proof of Thm. 7.2, Step 4 and Fig. 2):

* layer 2: ``E(x)`` (``m`` codes);
* layer 3: a *carry* of ``E(x)`` and ``R_3``;
* layer ``i`` (``4 <= i <= L-2``): carry, ``R_i`` and ``P_{i-1}``;
* layer ``L-1``: ``R_{L-1}`` and ``P_{L-2}``; layer ``L``: ``P_{L-1}``;
* output: the OR of all of layer ``L`` (Thm. 1.1).

The outputs of each ``P_i`` are accumulated into the following layers so that the final OR sees all
of them. Two ways are offered: ``accumulator="last_node"`` adds ``lam`` times the sum of the previous
perception outputs (and of the node that already holds the earlier sums) to the *last* node of the
next perception block, as [V] does; ``"dedicated"`` keeps one extra node per layer,
``acc = phi(sum of previous P outputs + previous acc)`` with bias 0, which is exact for threshold and
ReLU alike because all these outputs are non-negative (a departure from [V]: for ReLU, adding into a
perception node can be cancelled by its negative pre-activation).

Activations are chosen per affine map (the class of [V], Sec. 1.1 allows "mix and match" between
maps). The carry is ``1[c - 1/2 > 0]`` for threshold maps, exact on the 0/1 codes of a threshold
``E`` ([V], footnote 8, with the scale of ``E`` moved into the next weights), and ``relu(c)`` for
ReLU maps, exact on any non-negative codes. The output node is always the strict threshold.

Sizes follow [V]'s proof: ``m = n_0 // 3`` with ``n_0 = min(n_2, ..., n_L)``, ``d_i = n_i // 3``,
``r_i = 2 (n_{i+1} // 6)`` mirror units (an even number, at most ``n_{i+1} / 3``). Positives are
distributed to stages with ``|I_i| <= (n_i n_{i+1} / W) K_1 + 1`` (Step 2), ``W = sum n_i n_{i+1}``
over ``i = 3..L-1`` (the deep connections). Perception uses the Las Vegas mirror perceptrons of
:mod:`lib.capacity_assembly` (per-pair midpoint threshold, redrawn signs, restarts).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from . import capacity as _mem
from .capacity_assembly import _unit_distinct
from .nets import Net
from .validate import as_choice, as_float, as_generator, as_int, as_widths

__all__ = ["StackedNetwork", "stage_sizes", "layer_blocks", "distribute_positives", "used_widths", "stack_memorize",
           "deep_connections", "STACK_ACTIVATIONS"]

STACK_ACTIVATIONS = ("step_strict", "relu")


@dataclass(frozen=True)
class StackedNetwork:
    """Result of :func:`stack_memorize`.

    net : the :class:`lib.nets.Net`, widths ``(n_1, ..., n_L, 1)`` (or the used widths ``n'_i`` when
        block sizes ``m, d, r`` are given); batches : per stage, the indices of the positives it memorises (``I_i``);
    widths : the architecture ``(n_1, ..., n_L)``; used : the used widths ``(n'_1, ..., n'_L)``;
    tries : total number of sign draws over all batches of the successful attempt; restarts : the
        number of fresh random layers drawn before success (1 = first attempt).
    """

    net: Net
    batches: tuple
    widths: tuple
    used: tuple
    tries: int
    restarts: int


def deep_connections(widths) -> int:
    """``W = n_3 n_4 + ... + n_{L-1} n_L`` ([V], Thm. 1.1 / 7.2), for ``widths = (n_1, ..., n_L)``."""
    w = as_widths("widths", widths, min_len=3)
    return int(sum(a * b for a, b in zip(w[2:-1], w[3:])))


def stage_sizes(widths, accumulator: str = "dedicated") -> dict:
    """The block sizes of [V], proof of Thm. 7.2, Step 3, for ``widths = (n_1, ..., n_L)``, ``L >= 5``.

    Returns ``{"m": n_0 // 3, "d": [n_i // 3], "r": [2 (n_{i+1} // 6)]}`` for ``i = 3, ..., L-1``
    (``S = L - 3`` stages; ``r`` even because mirror units come in pairs). With the dedicated
    accumulator (one extra node per layer, a departure from [V]) ``r_i = 2 ((n_{i+1} - 1) // 6)``,
    which keeps every used width ``n'_i <= n_i``. Raises ValueError if a block would be empty."""
    w = as_widths("widths", widths, min_len=5)
    as_choice("accumulator", accumulator, ("dedicated", "last_node"))
    shift = 1 if accumulator == "dedicated" else 0
    n0 = min(w[1:])
    m = n0 // 3
    d = [w[i] // 3 for i in range(2, len(w) - 1)]
    r = [2 * ((w[i + 1] - shift) // 6) for i in range(2, len(w) - 1)]
    if m < 1 or min(d) < 1 or min(r) < 2:
        raise ValueError(f"widths must be at least 7 from n_2 on so that every block is non-empty; got {tuple(w)}")
    return {"m": m, "d": d, "r": r}


def distribute_positives(K1: int, shares) -> list[int]:
    """Numbers ``|I_i|`` of positives per stage, ``sum = K1`` and ``|I_i| <= (s_i / sum s) K1 + 1``.

    ``shares`` are positive weights ``s_i``, one per stage: ``n_i n_{i+1}`` in [V], Thm. 7.2, Step 2.
    Floors of the quotas, with the remainder given to the largest fractional parts (ties to the
    earlier stage), so each count is ``floor`` or ``floor + 1`` of its quota."""
    K1 = as_int("K1", K1, min=0)
    sh = as_widths("shares", shares, min_len=1)
    prods = np.array(sh, dtype=np.float64)
    quota = prods / prods.sum() * K1
    base = np.floor(quota).astype(int)
    extra = K1 - int(base.sum())
    order = np.argsort(-(quota - base), kind="stable")
    base[order[:extra]] += 1
    return base.tolist()


def layer_blocks(m: int, d, r, accumulator: str = "dedicated") -> list[dict]:
    """The blocks of each hidden layer of the stacked network, in order, as ``{name: size}``.

    Names: ``"E"`` (codes of Enrichment I, or their carry), ``"R<i>"``, ``"P<i>"`` (stage ``i``) and
    ``"acc"`` (dedicated accumulator). Layer 2 of [V] is ``[E]``, layer 3 ``[E, R0]``, then
    ``[E, R_j, P_{j-1}, acc]`` (no carry in layer ``L-1``, accumulator from layer 5 on), and layer
    ``L`` is ``[P_{S-1}, acc]`` ([V], proof of Thm. 7.2, Step 4 and Fig. 2)."""
    m = as_int("m", m, min=1)
    d = as_widths("d", d, min_len=2)
    r = as_widths("r", r, min_len=2)
    if len(r) != len(d):
        raise ValueError(f"r must list one size per stage ({len(d)}); got {len(r)}")
    as_choice("accumulator", accumulator, ("dedicated", "last_node"))
    S, ded = len(d), accumulator == "dedicated"
    out = [{"E": m}, {"E": m, "R0": d[0]}]
    for j in range(1, S):
        blk = {"E": m} if j < S - 1 else {}
        blk[f"R{j}"] = d[j]
        blk[f"P{j - 1}"] = r[j - 1]
        if ded and j >= 2:
            blk["acc"] = 1
        out.append(blk)
    last = {f"P{S - 1}": r[S - 1]}
    if ded:
        last["acc"] = 1
    out.append(last)
    return out


def used_widths(widths, accumulator: str = "dedicated") -> tuple[int, ...]:
    """The widths ``n'_i`` that the stacked network uses for the architecture ``widths`` ([V], Step 4):
    ``n'_1 = n_1``, ``n'_2 = m``, ``n'_3 = m + d_3``, ``n'_i = m + d_i + r_{i-1}`` (``4 <= i <= L-2``),
    ``n'_{L-1} = d_{L-1} + r_{L-2}``, ``n'_L = r_{L-1}``, plus one accumulator node in each layer from
    layer 5 on when ``accumulator == "dedicated"``. With exact thirds this is [V]'s
    ``n_0/3 + 2 n_i/3`` etc. Computed from :func:`layer_blocks`."""
    w = as_widths("widths", widths, min_len=5)
    s = stage_sizes(w, accumulator)
    return (w[0],) + tuple(sum(b.values()) for b in layer_blocks(s["m"], s["d"], s["r"], accumulator))


def _acts(activations, S: int) -> tuple[str, ...]:
    n_maps = S + 2  # hidden maps: E, then S + 1 maps up to layer L
    if isinstance(activations, str):
        as_choice("activations", activations, STACK_ACTIVATIONS)
        return (activations,) * n_maps
    if isinstance(activations, (bytes, np.ndarray)) or not hasattr(activations, "__len__") or len(activations) != n_maps:
        raise ValueError(f"activations must be one name or a list of {n_maps} names (one per hidden map); got {activations!r}")
    return tuple(as_choice(f"activations[{i}]", a, STACK_ACTIVATIONS) for i, a in enumerate(activations))


def _act(name: str, z: np.ndarray) -> np.ndarray:
    return (z > 0).astype(np.float64) if name == "step_strict" else np.maximum(z, 0.0)


def _mirror(V, B, rng, tau, max_tries):
    """Rows (w, -w), threshold and number of draws for batch B, or None if no draw works."""
    for t in range(1, max_tries + 1):
        w = rng.choice([-1.0, 1.0], size=B.size) @ V[B]
        off, on = _mem.mirror_margins(V, w, B)
        if tau is None:
            if on - off > 1e-9 * max(1.0, on):
                return w, (off + on) / 2, t
        elif off <= tau < on:
            return w, tau, t
    return None


def stack_memorize(X, y, rng: np.random.Generator, *, widths=None, m: int | None = None, d=None, r=None,
                   p1: float = 0.05, activations="step_strict", accumulator: str = "dedicated", lam: float = 1.0,
                   tau: float | None = None, max_tries: int = 30, max_restarts: int = 5,
                   verify: bool = True) -> StackedNetwork:
    """A deep network in ``F(n_1, ..., n_L, 1)`` with ``F(x_k) = y_k`` for all ``k`` ([V], Thm. 7.2 + OR).

    Parameters
    ----------
    X : (K, n_1) distinct unit vectors (separated, for success); y : (K,) labels in {0, 1}.
    widths : the architecture ``(n_1, ..., n_L)``, ``L >= 5``, ``n_1 = X.shape[1]``: block sizes from
        :func:`stage_sizes` ([V]'s thirds), positives shared with weights ``n_i n_{i+1}``, and the used
        widths padded to ``n_i`` with idle nodes (zero weights, bias -1). Or, instead of ``widths``:
    m, d, r : explicit block sizes: ``m`` codes of ``E``; per stage ``d[i]`` units of ``R_i`` and an even
        number ``r[i] >= 2`` of mirror units; positives shared with weights ``d_i r_i``; the network then
        has exactly the used widths.
    rng : numpy Generator, the only source of randomness.
    p1 : second moment ``E phi(gamma - b_1)^2`` of Enrichment I; each ``R_i`` uses ``p_2 = d_i^{-1/2}``
        ([V], Lemma 5.3). Biases from :func:`lib.capacity.bias_for_second_moment` for the map's activation.
    activations : ``"step_strict"``, ``"relu"``, or one of them per hidden map (``L - 1`` maps: ``E``,
        then the maps into layers 3..L). A threshold carry needs 0/1 codes, so if ``E`` is ReLU every
        map that carries must be ReLU too.
    accumulator : ``"dedicated"`` (one OR/sum node per layer, exact) or ``"last_node"`` ([V]'s
        wording: add ``lam`` times the previous outputs into the last node of the next perception block).
    tau : perception threshold; ``None`` = per-pair midpoint of the margins (see :func:`memorize`).
    max_tries : sign draws per batch; max_restarts : fresh random layers before giving up.
    verify : if False, return the first network whose perception layers were all found, *without*
        requiring ``net(X)[:, 0] == y`` (to study constructions that can fail, e.g. ``"last_node"``
        with ReLU).

    Returns
    -------
    StackedNetwork. Raises RuntimeError if no attempt gives ``net(X)[:, 0] == y`` exactly (the message
    reports the measured separation of ``X``); ValueError for bad input.
    """
    X = _unit_distinct(X)
    K, n = X.shape
    y = _mem.check_labels(y, K)
    if widths is not None:
        if m is not None or d is not None or r is not None:
            raise ValueError("widths: give either widths or the block sizes m, d, r, not both")
        w = as_widths("widths", widths, min_len=5)
        if w[0] != n:
            raise ValueError(f"widths[0] must equal the input dimension {n}; got {w[0]}")
        sz = stage_sizes(w, accumulator)
        m, d, r = sz["m"], sz["d"], sz["r"]
        shares = [w[i] * w[i + 1] for i in range(2, len(w) - 1)]
    else:
        if m is None or d is None or r is None:
            raise ValueError("m, d, r: give all three block sizes (or widths)")
        m = as_int("m", m, min=1)
        d = as_widths("d", d, min_len=2)
        r = as_widths("r", r, min_len=2)
        if len(r) != len(d) or any(k % 2 or k < 2 for k in r):
            raise ValueError(f"r must list one even number >= 2 per stage ({len(d)} stages); got {r}")
        shares = [a * b for a, b in zip(d, r)]
        w = None
    as_generator("rng", rng)
    p1 = as_float("p1", p1, min=0.0, max=0.5, strict_min=True)
    as_choice("accumulator", accumulator, ("dedicated", "last_node"))
    lam = as_float("lam", lam, min=0.0, strict_min=True)
    tau = None if tau is None else as_float("tau", tau, min=0.0, strict_min=True)
    max_tries = as_int("max_tries", max_tries, min=1)
    max_restarts = as_int("max_restarts", max_restarts, min=1)
    if not isinstance(verify, (bool, np.bool_)):
        raise ValueError(f"verify must be True or False; got {verify!r}")
    S = len(d)
    acts = _acts(activations, S)
    if acts[0] == "relu" and any(a == "step_strict" for a in acts[1:S]):
        raise ValueError("activations: a threshold carry needs 0/1 codes, so with a ReLU E the maps into "
                         "layers 3..L-1 must be ReLU")
    pos = np.flatnonzero(y == 1)
    counts = distribute_positives(pos.size, shares)
    stage_pos = np.split(pos, np.cumsum(counts)[:-1])
    last = ""
    for attempt in range(1, max_restarts + 1):
        res = _attempt(X, w, m, d, r, acts, stage_pos, rng, p1, accumulator, lam, tau, max_tries)
        if isinstance(res, str):
            last = res
            continue
        net, tries, used = res
        if not verify or np.array_equal(net(X)[:, 0], y):
            arch = tuple(w) if w is not None else used
            return StackedNetwork(net, tuple(stage_pos), arch, used, tries, attempt)
        last = "the assembled network disagreed with the labels"
    sep = _mem.min_separation(X) if K > 1 else float("inf")
    raise RuntimeError(f"stack_memorize failed after {max_restarts} restarts: {last}. Measured minimal separation "
                       f"of X is {sep:.4g}")


def _attempt(X, w, m, d, r, acts, stage_pos, rng, p1, accumulator, lam, tau, max_tries):
    S = len(d)
    b1 = _mem.bias_for_second_moment(p1, acts[0])
    s1 = 1.0 / math.sqrt(m * p1)
    G1 = rng.standard_normal((m, X.shape[1]))
    C = _act(acts[0], X @ G1.T - b1)  # codes of E, unscaled
    R_w, R_b, P_rows, P_b, tries = [], [], [], [], 0
    for i in range(S):  # stage i: R in map i+1 (activation acts[i+1]), P in map i+2 (acts[i+2])
        p2 = d[i] ** -0.5
        b2 = _mem.bias_for_second_moment(p2, acts[i + 1])
        s2 = 1.0 / math.sqrt(d[i] * p2)
        G2 = rng.standard_normal((d[i], m)) * s1
        V = _act(acts[i + 1], C @ G2.T - b2) * s2
        rows, taus = [], []
        npairs = r[i] // 2
        for B in np.array_split(stage_pos[i], npairs):
            if B.size == 0:
                continue
            got = _mirror(V, B, rng, tau, max_tries)
            if got is None:
                return f"stage {i}: a batch of {B.size} failed {max_tries} sign draws"
            wv, t_i, t = got
            rows += [wv * s2, -wv * s2]
            taus += [t_i, t_i]
            tries += t
        idle = r[i] - len(rows)
        Wp = np.vstack([np.array(rows).reshape(-1, d[i]), np.zeros((idle, d[i]))])
        bp = np.concatenate([-np.array(taus), np.full(idle, -1.0)])
        R_w.append(G2)
        R_b.append(np.full(d[i], -b2))
        P_rows.append(Wp)
        P_b.append(bp)
    return _assemble(X.shape[1], w, m, d, r, acts, G1, b1, R_w, R_b, P_rows, P_b, accumulator, lam, tries)


def _assemble(n, w, m, d, r, acts, G1, b1, R_w, R_b, P_w, P_b, accumulator, lam, tries):
    """Block matrices of the stacked network. Each hidden layer is a list of blocks (name, size)."""
    S = len(d)
    ded = accumulator == "dedicated"
    carry_bias = -0.5  # threshold carry 1[c - 1/2 > 0]; ReLU carry relu(c - 0) (set below)
    layers = [[("E", m)]]
    Ws, bs = [G1], [np.full(m, -b1)]
    for k in range(1, S + 1):  # map k produces hidden layer k+2 of [V] (k = 1: layer 3)
        prev = dict(layers[-1])
        offs, o = {}, 0
        for name, size in layers[-1]:
            offs[name] = (o, o + size)
            o += size
        blocks = []
        if k < S:
            blocks.append(("E", m))
        blocks.append((f"R{k - 1}", d[k - 1]))
        if k >= 2:
            blocks.append((f"P{k - 2}", r[k - 2]))
        if ded and k >= 3:
            blocks.append(("acc", 1))
        rows_w, rows_b = [], []
        for name, size in blocks:
            Wb = np.zeros((size, o))
            if name == "E":
                a, b_ = offs["E"]
                Wb[:, a:b_] = np.eye(m)
                bb = np.full(m, carry_bias if acts[k] == "step_strict" else 0.0)
            elif name.startswith("R"):
                a, b_ = offs["E"]
                i = int(name[1:])
                Wb[:, a:b_] = R_w[i]
                bb = R_b[i]
            elif name.startswith("P"):
                i = int(name[1:])
                a, b_ = offs[f"R{i}"]
                Wb[:, a:b_] = P_w[i]
                bb = P_b[i].copy()
                if not ded and i >= 1:  # [V]: previous outputs added into the last node of this block
                    a, b_ = offs[f"P{i - 1}"]
                    Wb[-1, a:b_] = lam
            else:  # dedicated accumulator: OR / sum of the previous P block and the previous acc
                a, b_ = offs[f"P{k - 3}"]
                Wb[0, a:b_] = 1.0
                if "acc" in offs:
                    a, b_ = offs["acc"]
                    Wb[0, a:b_] = 1.0
                bb = np.zeros(1)
            rows_w.append(Wb)
            rows_b.append(bb)
        Ws.append(np.vstack(rows_w))
        bs.append(np.concatenate(rows_b))
        layers.append(blocks)
    # map S+1: layer L -> [P_{S-1} (+ acc)], then the OR output
    offs, o = {}, 0
    for name, size in layers[-1]:
        offs[name] = (o, o + size)
        o += size
    Wl = np.zeros((r[S - 1], o))
    a, b_ = offs[f"R{S - 1}"]
    Wl[:, a:b_] = P_w[S - 1]
    bl = P_b[S - 1].copy()
    if not ded:
        a, b_ = offs[f"P{S - 2}"]
        Wl[-1, a:b_] = lam
    if ded:
        acc = np.zeros((1, o))
        a, b_ = offs[f"P{S - 2}"]
        acc[0, a:b_] = 1.0
        if "acc" in offs:
            a, b_ = offs["acc"]
            acc[0, a:b_] = 1.0
        Wl = np.vstack([Wl, acc])
        bl = np.concatenate([bl, np.zeros(1)])
    Ws.append(Wl)
    bs.append(bl)
    Ws.append(np.ones((1, Wl.shape[0])))
    bs.append(np.zeros(1))
    used = tuple([n] + [W.shape[0] for W in Ws[:-1]])
    if w:
        Ws, bs = _pad(Ws, bs, w)
    return Net(Ws, bs, tuple(acts) + ("step_strict",)), tries, used


def _pad(Ws, bs, widths):
    """Extend hidden layer sizes to ``widths[1:]`` with idle nodes: zero weights in and out, bias -1."""
    Ws, bs = list(Ws), list(bs)
    for i, target in enumerate(widths[1:]):
        extra = target - Ws[i].shape[0]
        if extra < 0:
            raise ValueError(f"widths[{i + 1}] = {target} is smaller than the {Ws[i].shape[0]} nodes the construction uses")
        if extra:
            Ws[i] = np.vstack([Ws[i], np.zeros((extra, Ws[i].shape[1]))])
            bs[i] = np.concatenate([bs[i], np.full(extra, -1.0)])
            Ws[i + 1] = np.hstack([Ws[i + 1], np.zeros((Ws[i + 1].shape[0], extra))])
    return Ws, bs

