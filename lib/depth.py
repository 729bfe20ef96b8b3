"""Depth separation: the triangle map, squaring, exact affine-piece counting.

Implements Chapter 4 of Telgarsky's notes (draft of 25 Sep 2023): the triangle map
``Delta`` (Sec. 4.1), its fractal property (Prop. 4.1), the interpolants ``h_i`` of ``x^2`` and
their networks (Thm 4.2), products by polarisation (Cor. 4.3) and the affine complexity ``N_A``
of Def. 4.8 that Lemmas 4.9 and 4.11 bound.

Conventions (see the chapter *The triangle map*):

* a **hidden layer** is one affine map followed by a ReLU; Lemma 4.9's ``L`` counts hidden layers,
  while the notes' constructions count "2 layers" per ReLU layer. ``Net.depth`` is hidden
  layers + 1 (the affine output map);
* **units** are ReLU units (``Net.num_nodes``);
* ``N_A`` counts maximal *intervals* on which the function is affine, on a stated domain
  (all of R by default, or ``[lo, hi]``).

Piece counts and L1 distances are computed *exactly*: every float is a dyadic rational, so
``fractions.Fraction(w)`` is the weight itself, and all arithmetic below runs in rationals.
Breakpoints are found by propagation (every kink of a ReLU network is a zero of some unit's
pre-activation), never by sampling.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

import numpy as np

from .nets import Net
from .validate import as_array, as_choice, as_float, as_generator, as_int, as_widths

__all__ = [
    "PWL",
    "triangle",
    "triangle_power",
    "triangle_net",
    "triangle_power_net",
    "fractal_form",
    "parity_notes",
    "parity_corrected",
    "pwl_from_net",
    "count_affine_pieces",
    "node_piece_counts",
    "pwl_l1_distance",
    "pwl_eval",
    "triangle_power_pwl",
    "sign_changes",
    "triangle_certificate",
    "triangle_power_l1",
    "fit_l1",
    "best_line_l2_error",
    "pwl_l2_to_square",
    "thm46_bound",
    "lemma49_node_bound",
    "lemma49_bound",
    "random_integer_net",
    "net_affine_combination",
    "square_interpolant",
    "square_telescoped",
    "square_net",
    "square_shallow_net",
    "interpolant_net",
    "product_fn",
    "product_net",
    "square_l2_error_interpolant",
    "hat",
    "prod_chain",
    "partition_of_unity",
    "monomial_exponents",
    "monomials",
    "monomial_net",
    "sine_product",
    "sine_product_taylor",
    "glued_approximation",
]

# Largest grid exponents accepted (memory guards: a grid of 2^i points, or 2^i Fractions).
MAX_GRID_POWER = 24
MAX_PWL_POWER = 22
MAX_BUMPS = 10_000


def _hidden(name: str, value) -> list[int]:
    """Hidden widths: a non-empty 1-D list of integers >= 1 (0-d arrays and scalars refused)."""
    if isinstance(value, np.ndarray) and value.ndim != 1:
        raise ValueError(f"{name} must list at least one width (a 1-D sequence); got {value!r}")
    return as_widths(name, value, min_len=1)


# ---------------------------------------------------------------------------------------------
# The triangle map (Sec. 4.1)
# ---------------------------------------------------------------------------------------------
def triangle(x) -> np.ndarray:
    """``Delta(x) = 2 relu(x) - 4 relu(x - 1/2) + 2 relu(x - 1)`` (Telgarsky, Sec. 4.1).

    Equals ``2x`` on ``[0, 1/2)``, ``2 - 2x`` on ``[1/2, 1)`` and 0 elsewhere. Any shape; float64.
    """
    x = as_array("x", x, nonempty=False)
    r = lambda z: np.maximum(z, 0.0)  # noqa: E731
    return 2 * r(x) - 4 * r(x - 0.5) + 2 * r(x - 1.0)


def triangle_power(x, k: int) -> np.ndarray:
    """``Delta^k(x)``, the k-fold composition (``Delta^0`` is the identity). Any shape.

    Exact in float64 on dyadic inputs with at most ~50 binary digits; on generic inputs the
    rounding error doubles with each composition (keep ``k`` below ~40).
    """
    k = as_int("k", k, min=0)
    y = as_array("x", x, nonempty=False).copy()
    for _ in range(k):
        y = triangle(y)
    return y


def triangle_net() -> Net:
    """``Delta`` as a ReLU ``Net``: widths ``(1, 3, 1)``, one hidden layer of 3 units."""
    return triangle_power_net(1)


def triangle_power_net(k: int) -> Net:
    """``Delta^k`` as a ReLU ``Net`` with ``k`` hidden layers of 3 units each (Sec. 4.1).

    The output map ``(2, -4, 2)`` of each copy of ``Delta`` is folded into the input map of the next,
    so the net has widths ``(1, 3, ..., 3, 1)`` and ``3k`` units; in the notes' counting
    ("3 nodes and 2 layers for each new power") this is ``2k`` layers. ``k = 0`` gives the identity
    map (widths ``(1, 1)``).
    """
    k = as_int("k", k, min=0)
    if k == 0:
        return Net([np.ones((1, 1))], [np.zeros(1)], ("identity",))
    shift = np.array([0.0, -0.5, -1.0])
    out = np.array([[2.0, -4.0, 2.0]])
    weights = [np.ones((3, 1))] + [np.ones((3, 1)) @ out for _ in range(k - 1)] + [out]
    biases = [shift] * k + [np.zeros(1)]
    return Net(weights, biases, ("relu",) * k + ("identity",))


def fractal_form(x, L: int) -> np.ndarray:
    """Right side of Prop. 4.1: ``Delta(<2^(L-1) x>)`` with ``<z> = z - floor(z)``. Any shape.

    The notes state ``Delta^L(x) = Delta(<2^(L-1) x>)`` without a domain; it holds on ``[0, 1]`` only.
    """
    L = as_int("L", L, min=1)
    x = as_array("x", x, nonempty=False)
    z = np.ldexp(x, L - 1)
    return triangle(z - np.floor(z))


def _hypercube(X) -> np.ndarray:
    X = as_array("X", X, ndim=2)
    d = X.shape[1]
    if d < 2 or d & (d - 1):
        raise ValueError(f"X must have d = 2^L >= 2 columns; got {d}")
    if not np.all(np.abs(X) == 1):
        raise ValueError("X must have entries in {-1, +1}")
    return X


def parity_notes(X) -> np.ndarray:
    """The parity formula as printed in Sec. 4.1, item 2: ``Delta^(L-1)((d + sum x)/(2d))``, ``d = 2^L``.

    ``X``: ``(n, d)`` with entries ``+-1``. Returns ``(n,)``. It is *not* the parity (see the chapter).
    """
    X = _hypercube(X)
    d = X.shape[1]
    L = d.bit_length() - 1
    return triangle_power((d + X.sum(axis=1)) / (2 * d), L - 1)


def parity_corrected(X) -> np.ndarray:
    """Corrected parity: ``prod_i x_i = 1 - 2 Delta^L((d + sum x)/(2d))`` for ``d = 2^L`` (this book).

    ``X``: ``(n, d)`` with entries ``+-1``. Returns ``(n,)`` in ``{-1, +1}``.
    """
    X = _hypercube(X)
    d = X.shape[1]
    L = d.bit_length() - 1
    return 1.0 - 2.0 * triangle_power((d + X.sum(axis=1)) / (2 * d), L)


# ---------------------------------------------------------------------------------------------
# Exact piecewise-linear functions and affine complexity (Def. 4.8, Lemmas 4.9, 4.11)
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PWL:
    """A continuous piecewise-linear function on R, exactly (all numbers are ``Fraction``).

    ``xs`` (sorted, length ``P - 1``) are its true breakpoints (slope changes), ``ys`` the values
    there, ``slopes`` (length ``P``) the slopes of its ``P = N_A`` maximal pieces, left to right.
    For ``P = 1`` (an affine function), ``xs = ys = ()`` and ``offset`` is its value at 0.
    """

    xs: tuple
    ys: tuple
    slopes: tuple
    offset: Fraction = Fraction(0)

    @property
    def num_pieces(self) -> int:
        return len(self.slopes)

    def __call__(self, x) -> Fraction:
        """Exact value at a single rational ``x``."""
        x = Fraction(x)
        if not self.xs:
            return self.offset + self.slopes[0] * x
        j = int(np.searchsorted(np.array(self.xs, dtype=object), x, side="right"))
        if j == 0:
            return self.ys[0] + self.slopes[0] * (x - self.xs[0])
        return self.ys[j - 1] + self.slopes[j] * (x - self.xs[j - 1])


def _exact_params(net: Net):
    if not isinstance(net, Net):
        raise ValueError(f"net must be a lib.nets.Net; got {type(net).__name__}")
    if net.d_in != 1 or net.d_out != 1:
        raise ValueError(f"net must have 1 input and 1 output; got {net.d_in} and {net.d_out}")
    for i, a in enumerate(net.activations):
        if a not in ("relu", "identity"):
            raise ValueError(f"net.activations[{i}] must be 'relu' or 'identity' for piece counting; got {a!r}")
    to_q = np.vectorize(Fraction, otypes=[object])
    return [(to_q(W), to_q(b), a) for W, b, a in zip(net.weights, net.biases, net.activations)]


def _layer_values(params, E: np.ndarray, upto: int) -> list[np.ndarray]:
    """Pre-activations of maps ``0..upto`` (inclusive) at the points ``E`` (object array, (n,))."""
    h = E.reshape(-1, 1)
    out = []
    for l, (W, b, a) in enumerate(params[: upto + 1]):
        z = h @ W.T + b
        out.append(z)
        h = np.where(z > 0, z, Fraction(0)) if a == "relu" else z
    return out


def _probe_points(C: list) -> np.ndarray:
    if not C:
        return np.array([Fraction(0), Fraction(1)], dtype=object)
    return np.array([C[0] - 1] + C + [C[-1] + 1], dtype=object)


def _forward_to(params, pts: list, upto: int) -> np.ndarray:
    """Inputs of map ``upto`` (post-activations of map ``upto - 1``) at the points ``pts``."""
    h = np.array(pts, dtype=object).reshape(-1, 1)
    for W, b, a in params[:upto]:
        z = h @ W.T + b
        h = np.where(z > 0, z, Fraction(0)) if a == "relu" else z
    return h


def _candidates(params) -> list:
    """Sorted rationals containing every breakpoint of every unit (breakpoint propagation).

    The inputs of each map are cached per point, so a point is pushed through each layer once.
    """
    C: list = []
    cache: dict = {}  # point -> input vector of the current map
    for l, (W, b, a) in enumerate(params):
        if l > 0:  # advance the cache by one map
            keys = list(cache)
            if keys:
                Hc = np.array([cache[k] for k in keys], dtype=object)
                Zc = Hc @ params[l - 1][0].T + params[l - 1][1]
                Hc = np.where(Zc > 0, Zc, Fraction(0)) if params[l - 1][2] == "relu" else Zc
                cache = dict(zip(keys, list(Hc)))
        if a != "relu":
            continue
        E = _probe_points(C)
        new = [x for x in E if x not in cache]
        if new:
            cache.update(zip(new, list(_forward_to(params, new, l))))
        Z = np.array([cache[x] for x in E], dtype=object) @ W.T + b  # (n, m), affine between E's
        roots = set()
        Za, Zb = Z[:-1], Z[1:]
        for s_, u in np.argwhere((Za * Zb) < 0):
            roots.add(E[s_] + (E[s_ + 1] - E[s_]) * Za[s_, u] / (Za[s_, u] - Zb[s_, u]))
        # tails: the first and last segments extend affinely to -inf and +inf
        for u in range(Z.shape[1]):
            for (i0, i1) in ((0, 1), (-2, -1)):
                z0, z1 = Z[i0, u], Z[i1, u]
                if z0 == z1:
                    continue
                t = E[i0] - z0 * (E[i1] - E[i0]) / (z1 - z0)
                if not C or (i0 == 0 and t < E[1]) or (i0 == -2 and t > E[-2]):
                    roots.add(t)
        C = sorted(set(C) | roots)
    return C


def _pieces_from_values(E: np.ndarray, Y: np.ndarray, lo, hi) -> tuple[np.ndarray, np.ndarray]:
    """Per column of ``Y`` (values at probe points ``E``): mask of true breakpoints, and slopes."""
    S = (Y[1:] - Y[:-1]) / (E[1:] - E[:-1])[:, None]
    kink = S[1:] != S[:-1]  # at the interior points E[1:-1]
    inside = np.array([(lo is None or x > lo) and (hi is None or x < hi) for x in E[1:-1]], dtype=bool)
    return kink & inside[:, None], S


def _domain(lo, hi):
    """``(lo, hi)`` as Fractions, ``None`` for an infinite end; ``lo < hi`` required."""
    for name, v in (("lo", lo), ("hi", hi)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating, Fraction)) or v != v:
            raise ValueError(f"{name} must be a real number (or +-inf); got {v!r}")
    if not lo < hi:
        raise ValueError(f"lo must be < hi; got lo={lo}, hi={hi}")
    return (None if lo == -math.inf else Fraction(lo)), (None if hi == math.inf else Fraction(hi))


def pwl_from_net(net: Net) -> PWL:
    """The exact piecewise-linear function computed by a 1-input, 1-output ReLU ``Net``.

    Breakpoint propagation in rational arithmetic: layer by layer, the zeros of every unit's
    pre-activation (affine between the breakpoints found so far, and on the two unbounded tails)
    are added to the candidate set; finally collinear neighbours are merged, so the result has
    exactly ``N_A(net)`` pieces on R (Def. 4.8, Telgarsky Sec. 4.2). Activations must be ReLU or
    identity.
    """
    params = _exact_params(net)
    C = _candidates(params)
    E = _probe_points(C)
    y = _layer_values(params, E, len(params) - 1)[-1][:, 0]
    kink, S = _pieces_from_values(E, y.reshape(-1, 1), None, None)
    kink, S = kink[:, 0], S[:, 0]
    if not kink.any():
        return PWL((), (), (S[0],), y[0] - S[0] * E[0])
    idx = np.nonzero(kink)[0] + 1  # indices into E
    slopes = [S[0]] + [S[i] for i in idx]  # slope right of each kink is S[idx]
    return PWL(tuple(E[idx]), tuple(y[idx]), tuple(slopes))


def count_affine_pieces(net: Net, lo: float = -math.inf, hi: float = math.inf) -> int:
    """``N_A`` of a 1-input, 1-output ReLU ``Net`` restricted to ``[lo, hi]`` (default: all of R).

    Exact: breakpoint propagation in rational arithmetic (Def. 4.8, Telgarsky Sec. 4.2); a
    maximal piece is an interval, so pieces are ``1 +`` the number of slope changes strictly
    inside ``(lo, hi)``.
    """
    f = pwl_from_net(net)
    lo_q, hi_q = _domain(lo, hi)
    return 1 + sum(1 for x in f.xs if (lo_q is None or x > lo_q) and (hi_q is None or x < hi_q))


def node_piece_counts(net: Net) -> list[np.ndarray]:
    """``N_A`` on R of every ReLU unit's output, per hidden layer (Lemma 4.9's ``g``).

    Returns a list with one integer array of shape ``(m_i,)`` per hidden (ReLU) layer ``i``.
    """
    params = _exact_params(net)
    C = _candidates(params)
    E = _probe_points(C)
    Zs = _layer_values(params, E, len(params) - 1)
    out = []
    for (_, _, a), Z in zip(params, Zs):
        if a != "relu":
            continue
        H = np.where(Z > 0, Z, Fraction(0))
        kink, _ = _pieces_from_values(E, H, None, None)
        out.append(1 + kink.sum(axis=0).astype(int))
    return out


def pwl_eval(f: PWL, x) -> np.ndarray:
    """Float values of ``f`` at any array ``x`` (for plots)."""
    if not isinstance(f, PWL):
        raise ValueError(f"f must be a PWL; got {type(f).__name__}")
    x = as_array("x", x, nonempty=False)
    if not f.xs:
        return float(f.offset) + float(f.slopes[0]) * x
    xs = np.array([float(v) for v in f.xs])
    ys = np.array([float(v) for v in f.ys])
    y = np.interp(x, xs, ys)
    y = np.where(x < xs[0], ys[0] + float(f.slopes[0]) * (x - xs[0]), y)
    return np.where(x > xs[-1], ys[-1] + float(f.slopes[-1]) * (x - xs[-1]), y)


def _abs_affine_integral(da: Fraction, db: Fraction, length: Fraction) -> Fraction:
    """Exact ``int |affine|`` over a segment with end values ``da``, ``db``."""
    if da * db >= 0:
        return abs(da + db) * length / 2
    return (da * da + db * db) * length / (2 * (abs(da) + abs(db)))


def _values_sorted(f: PWL, pts: list) -> list:
    """Exact values of ``f`` at sorted rationals ``pts`` (one linear merge, no search)."""
    if not f.xs:
        return [f.offset + f.slopes[0] * x for x in pts]
    out, j, n = [], 0, len(f.xs)
    for x in pts:
        while j < n and f.xs[j] <= x:
            j += 1
        out.append(f.ys[0] + f.slopes[0] * (x - f.xs[0]) if j == 0 else f.ys[j - 1] + f.slopes[j] * (x - f.xs[j - 1]))
    return out


def pwl_l1_distance(f: PWL, g: PWL, lo: float = 0.0, hi: float = 1.0) -> Fraction:
    """Exact ``int_lo^hi |f - g| dx`` for two ``PWL`` functions (a ``Fraction``).

    Merges both breakpoint sets; on each segment ``f - g`` is affine and ``|f - g|`` integrates in
    closed form (Thm 4.4 measures approximation in this norm).
    """
    for name, v in (("f", f), ("g", g)):
        if not isinstance(v, PWL):
            raise ValueError(f"{name} must be a PWL; got {type(v).__name__}")
    lo_q, hi_q = _domain(lo, hi)
    if lo_q is None or hi_q is None:
        raise ValueError("lo and hi must be finite")
    pts = sorted({lo_q, hi_q} | {x for x in f.xs + g.xs if lo_q < x < hi_q})
    d = [a - b for a, b in zip(_values_sorted(f, pts), _values_sorted(g, pts))]
    return sum((_abs_affine_integral(d[j], d[j + 1], pts[j + 1] - pts[j]) for j in range(len(pts) - 1)),
               Fraction(0))


def triangle_power_pwl(n: int) -> PWL:
    """``Delta^n`` as an exact ``PWL`` in closed form: breakpoints ``j / 2^n`` (and 0, 1), values 0, 1, 0, ...

    Same function as ``pwl_from_net(triangle_power_net(n))`` but built directly (fast for large ``n``).
    """
    n = as_int("n", n, min=0, max=MAX_PWL_POWER)
    if n == 0:
        return PWL((), (), (Fraction(1),), Fraction(0))
    N = 2**n
    xs = tuple(Fraction(j, N) for j in range(N + 1))
    ys = tuple(Fraction(j % 2) for j in range(N + 1))
    slopes = (Fraction(0),) + tuple(Fraction(N if j % 2 == 0 else -N) for j in range(N)) + (Fraction(0),)
    return PWL(xs, ys, slopes)


def sign_changes(g: PWL, level: float = 0.5, lo: float = 0.0, hi: float = 1.0) -> int:
    """Number of strict sign changes of ``g - level`` on ``[lo, hi]`` (exact).

    ``g`` is affine between its breakpoints, so the signs at the breakpoints inside ``[lo, hi]`` and
    at the ends, zeros dropped, change exactly as often as ``g - level`` does.
    """
    if not isinstance(g, PWL):
        raise ValueError(f"g must be a PWL; got {type(g).__name__}")
    lev = Fraction(as_float("level", level))
    lo_q, hi_q = _domain(lo, hi)
    if lo_q is None or hi_q is None:
        raise ValueError("lo and hi must be finite")
    pts = [lo_q] + [x for x in g.xs if lo_q < x < hi_q] + [hi_q]
    signs = [(v > lev) - (v < lev) for v in _values_sorted(g, pts)]
    signs = [s_ for s_ in signs if s_ != 0]
    return sum(1 for a, b in zip(signs[:-1], signs[1:]) if a != b)


def triangle_certificate(n: int, c: int) -> Fraction:
    """Lower bound ``(2^(n-1) - 1 - c) 2^(-n-2)`` on ``int_0^1 |Delta^n - g|`` for any continuous
    piecewise-linear ``g`` with ``c`` sign changes of ``g - 1/2`` on ``[0, 1]`` (this book's careful form
    of the counting in the proof of Telgarsky's Thm 4.4). Negative values mean "vacuous".

    ``Delta^n - 1/2`` has ``2^n - 1`` whole triangles of area ``2^(-n-2)`` between its ``2^n`` crossings
    of ``1/2``. Each sign change of ``g - 1/2`` spoils at most one; inside each of the ``c + 1``
    segments where ``g - 1/2`` keeps its sign, consecutive triangles alternate, and at least half
    (rounded down) lie on the wrong side of ``1/2`` and cost their whole area.
    """
    n = as_int("n", n, min=1)
    c = as_int("c", c, min=0)
    return Fraction(2 ** (n - 1) - 1 - c, 2 ** (n + 2))


UNIT_ROUNDOFF = 2.0**-53  # u for float64 round-to-nearest


def triangle_power_l1(g: PWL, n: int) -> tuple[float, float]:
    """``int_0^1 |Delta^n - g| dx`` in vectorised float64, with an a-priori rounding bound.

    For large ``n`` (Thm 4.4 at ``L = 4`` needs ``n = 18``: ``2^18`` tents) the rational computation of
    :func:`pwl_l1_distance` is too slow, so this merges the dyadic grid ``{j / 2^n}`` (the breakpoints of
    ``Delta^n`` on ``[0, 1]``, where it takes the values ``j mod 2``) with the breakpoints of ``g`` in
    ``(0, 1)``, and integrates the affine ``|Delta^n - g|`` segment by segment in closed form.

    The values of ``Delta^n`` are exact: ``Delta`` maps floats in ``[0, 1]`` to floats exactly (``2x`` and
    ``2 - 2x`` are representable), so only ``g`` and the sum are rounded. With ``u = 2^-53``, ``V`` the
    maximum of ``|g|`` plus its total variation on ``[0, 1]`` plus 1, and ``K`` the number of segments,
    the returned bound is ``2 u (8 V + (K + 10) I)`` with ``I`` the computed integral: end values of
    ``g`` carry absolute error at most ``8 u V`` (the integrand is 1-Lipschitz in them), each closed-form
    term relative error at most ``10 u`` and the sum at most ``K u`` (Higham's recursive-summation
    bound; NumPy's pairwise sum does better); the factor 2 is spare.

    Parameters
    ----------
    g : PWL, a continuous piecewise-linear function (exact rationals).
    n : int >= 1, the power of the triangle map.

    Returns
    -------
    (value, bound) : floats; the exact integral lies within ``bound`` of ``value``.
    """
    if not isinstance(g, PWL):
        raise ValueError(f"g must be a PWL; got {type(g).__name__}")
    n = as_int("n", n, min=1, max=40)
    inner = [x for x in g.xs if 0 < x < 1]
    grid = np.arange(2**n + 1, dtype=np.float64) / 2**n
    knots = np.array([float(x) for x in inner], dtype=np.float64)
    knots = knots[np.ldexp(knots, n) % 1 != 0]  # knots already on the grid add nothing
    pos = np.searchsorted(grid, knots)
    pts = np.insert(grid, pos, knots)  # sorted merge (knots are sorted)
    fvals = np.insert((np.arange(2**n + 1) % 2).astype(np.float64), pos, triangle_power(knots, n))
    d = fvals - pwl_eval(g, pts)
    da, db, w = d[:-1], d[1:], np.diff(pts)
    same = da * db >= 0
    absum = np.abs(da) + np.abs(db)
    safe = np.where(absum > 0, absum, 1.0)
    terms = np.where(same, np.abs(da + db) * w / 2, (da * da + db * db) * w / (2 * safe))
    value = float(np.sum(terms))
    ends = [Fraction(0)] + inner + [Fraction(1)]
    vals = _values_sorted(g, ends)
    V = float(max(abs(v) for v in vals) + sum(abs(b - a) for a, b in zip(vals[:-1], vals[1:]))) + 1.0
    bound = 2 * UNIT_ROUNDOFF * (8 * V + (terms.size + 10) * value)
    return value, bound


def lemma49_node_bound(widths: Sequence[int]) -> list[np.ndarray]:
    """Lemma 4.9: a unit of hidden layer ``i`` (1-based) has ``N_A <= 2^i prod_{j<i} m_j``.

    ``widths`` are the hidden widths ``(m_1, ..., m_L)``. Returns one array per layer, broadcast to
    the layer's width, of Python ints.
    """
    m = _hidden("widths", widths)
    return [np.full(m[i], 2 ** (i + 1) * math.prod(m[:i]), dtype=object) for i in range(len(m))]


def lemma49_bound(widths: Sequence[int]) -> tuple[int, float]:
    """Lemma 4.9 for the output: ``(2^L prod_j m_j, (2m/L)^L)`` with ``m = sum_j m_j``.

    The first is the bound the proof gives, the second the stated (AM-GM) bound; first <= second.
    """
    m = _hidden("widths", widths)
    L = len(m)
    return 2**L * math.prod(m), (2 * sum(m) / L) ** L


def random_integer_net(hidden: Sequence[int], rng: np.random.Generator, *, max_weight: int = 3,
                       bias_denominator: int = 8, max_bias: int = 3) -> Net:
    """A random 1-input, 1-output ReLU ``Net`` with small integer weights and dyadic biases.

    Weights uniform on ``{-max_weight, ..., max_weight}``, biases ``k / bias_denominator`` with ``k``
    uniform on ``{-max_bias*den, ..., max_bias*den}``: all exactly representable, so piece counts
    are exact. ``hidden = (m_1, ..., m_L)``. ``bias_denominator`` must be a power of two.
    """
    hidden = _hidden("hidden", hidden)
    as_generator("rng", rng)
    max_weight = as_int("max_weight", max_weight, min=1)
    den = as_int("bias_denominator", bias_denominator, min=1)
    if den & (den - 1):
        raise ValueError(f"bias_denominator must be a power of two; got {den}")
    max_bias = as_int("max_bias", max_bias, min=0)
    widths = [1] + hidden + [1]
    Ws = [rng.integers(-max_weight, max_weight + 1, size=(o, i)).astype(float) for i, o in zip(widths[:-1], widths[1:])]
    bs = [rng.integers(-max_bias * den, max_bias * den + 1, size=o) / den for o in widths[1:]]
    return Net(Ws, bs, ("relu",) * len(hidden) + ("identity",))


def net_affine_combination(nets: Sequence[Net], coefficients, bias: float = 0.0) -> Net:
    """``x -> sum_i a_i g_i(x) + b`` as one ``Net`` (the nets run in parallel on the same input).

    All ``nets`` must be 1-input, 1-output with the same number of affine maps and activations
    (block-diagonal stacking). Used for Lemma 4.11 (1)-(2).
    """
    if not isinstance(nets, (list, tuple)) or len(nets) < 1 or not all(isinstance(n, Net) for n in nets):
        raise ValueError("nets must be a non-empty list of lib.nets.Net")
    a = as_array("coefficients", coefficients, shape=(len(nets),))
    b = as_float("bias", bias)
    if any(n.d_in != 1 or n.d_out != 1 for n in nets):
        raise ValueError("nets must all have 1 input and 1 output")
    if len({n.activations for n in nets}) != 1:
        raise ValueError("nets must all have the same depth and activations")
    Ws, bs = [], []
    for l in range(nets[0].depth):
        if l == 0:
            W = np.vstack([n.weights[0] for n in nets])
        else:
            rows = [n.weights[l].shape[0] for n in nets]
            cols = [n.weights[l].shape[1] for n in nets]
            W = np.zeros((sum(rows), sum(cols)))
            r = c = 0
            for n, p, q in zip(nets, rows, cols):
                W[r:r + p, c:c + q] = n.weights[l]
                r, c = r + p, c + q
        Ws.append(W)
        bs.append(np.concatenate([n.biases[l] for n in nets]))
    Ws.append(a.reshape(1, -1))
    bs.append(np.array([b]))
    acts = list(nets[0].activations[:-1]) + [nets[0].activations[-1], "identity"]
    return Net(Ws, bs, tuple(acts))


# ---------------------------------------------------------------------------------------------
# Squaring and products (Thm 4.2, Cor. 4.3)
# ---------------------------------------------------------------------------------------------
def square_interpolant(x, i: int) -> np.ndarray:
    """``h_i``: the piecewise-affine interpolation of ``x^2`` on ``S_i = {0, 1/2^i, ..., 1}`` (Sec. 4.1).

    Defined on ``[0, 1]``; ``x`` outside raises. Any shape.
    """
    i = as_int("i", i, min=0, max=MAX_GRID_POWER)
    x = as_array("x", x, nonempty=False)
    if x.size and (x.min() < 0 or x.max() > 1):
        raise ValueError("x must lie in [0, 1], the domain of h_i")
    S = np.arange(2**i + 1) / 2**i
    return np.interp(x, S, S**2)


def square_telescoped(x, i: int) -> np.ndarray:
    """``x - sum_{j=1}^i Delta^j(x) / 4^j``, the telescoped form of ``h_i`` (proof of Thm 4.2). Any shape."""
    i = as_int("i", i, min=0)
    x = as_array("x", x, nonempty=False)
    out, d = x.copy(), x.copy()
    for j in range(1, i + 1):
        d = triangle(d)
        out = out - d / 4.0**j
    return out


def square_net(i: int) -> Net:
    """``h_i`` as a pure ReLU ``Net``: ``i`` hidden layers, ``4i - 1`` units (Thm 4.2, this book's count).

    Hidden layer 1 holds ``relu(x), relu(x - 1/2), relu(x - 1)``; on ``[0, 1]`` the first also serves
    as the accumulator ``h_0 = x``. Hidden layer ``j >= 2`` holds ``relu(D), relu(D - 1/2),
    relu(D - 1), relu(h)`` with ``D = Delta^{j-1}(x)`` and ``h = h_{j-1}(x)`` read off the previous
    layer, using ``h_{j-1} >= 0``. The output is ``h_i = h_{i-1} - Delta^i / 4^i``. Exact on
    ``[0, 1]`` only: outside, ``relu(x) != x`` breaks the accumulator. ``i = 0`` is the identity.
    """
    i = as_int("i", i, min=0)
    if i == 0:
        return Net([np.ones((1, 1))], [np.zeros(1)], ("identity",))
    tri = np.array([2.0, -4.0, 2.0])
    Ws, bs = [np.ones((3, 1))], [np.array([0.0, -0.5, -1.0])]

    def readout(j, width):
        """Rows giving (Delta^j, h_j) from the outputs of hidden layer j (of the given width)."""
        D = np.zeros(width)
        D[:3] = tri
        acc = np.zeros(width)
        acc[0 if width == 3 else 3] = 1.0
        return D, acc - D / 4.0**j

    for j in range(2, i + 1):
        D, h = readout(j - 1, Ws[-1].shape[0])
        Ws.append(np.vstack([D, D, D, h]))
        bs.append(np.array([0.0, -0.5, -1.0, 0.0]))
    D, h = readout(i, Ws[-1].shape[0])
    Ws.append(h.reshape(1, -1))
    bs.append(np.zeros(1))
    return Net(Ws, bs, ("relu",) * i + ("identity",))


def square_shallow_net(i: int) -> Net:
    """``h_i`` as a one-hidden-layer ReLU ``Net`` with ``2^i`` units (exact on ``[0, 1]``).

    ``h_i(x) = x / 2^i + sum_{j=1}^{2^i - 1} (2 / 2^i) relu(x - j / 2^i)``: the slope on piece ``k`` is
    ``(2k + 1) / 2^i`` and grows by ``2 / 2^i`` at each interior knot; the linear term is the unit
    ``relu(x)``. This is the shallow, uniform-knot construction that Thm 4.2 improves on.
    """
    i = as_int("i", i, min=0, max=20)
    n = 2**i
    W1 = np.ones((n, 1))
    b1 = -np.arange(n) / n
    a = np.full((1, n), 2.0 / n)
    a[0, 0] = 1.0 / n
    return Net([W1, a], [b1, np.zeros(1)], ("relu", "identity"))


def interpolant_net(knots, values) -> Net:
    """One-hidden-layer ReLU ``Net`` through the points ``(t_k, v_k)``, ``k = 0..K``, on ``[t_0, t_K]``.

    ``g(x) = v_0 + sum_{k<K} a_k relu(x - t_k)`` with ``a_0 = s_0`` and ``a_k = s_k - s_(k-1)``, where
    ``s_k`` is the slope between knots ``k`` and ``k + 1``: ``K`` units; constant ``v_0`` left of
    ``t_0``, slope ``s_(K-1)`` right of ``t_K``. ``knots``: ``(K + 1,)`` strictly increasing, ``K >= 1``.
    """
    t = as_array("knots", knots, ndim=1)
    v = as_array("values", values, shape=(t.size,))
    if t.size < 2 or np.any(np.diff(t) <= 0):
        raise ValueError("knots must be strictly increasing and number at least 2")
    s_ = np.diff(v) / np.diff(t)
    a = np.concatenate([s_[:1], np.diff(s_)])
    K = s_.size
    return Net([np.ones((K, 1)), a.reshape(1, -1)], [-t[:-1], np.array([v[0]])], ("relu", "identity"))


def product_fn(x, y, i: int, variant: str = "symmetric") -> np.ndarray:
    """Approximate products from ``h_i`` by polarisation (Cor. 4.3), on ``[0, 1]^2``.

    ``variant='notes'``: ``g_i = (4 h_i((x+y)/2) - h_i(x) - h_i(y)) / 2``, the printed construction.
    ``variant='symmetric'`` (Yarotsky-style, an addition of this book):
    ``2 (h_i((x+y)/2) - h_i(x/2) - h_i(y/2))``, which vanishes when ``x = 0`` or ``y = 0``.
    ``x`` and ``y`` broadcast.
    """
    as_choice("variant", variant, ("notes", "symmetric"))
    i = as_int("i", i, min=0, max=MAX_GRID_POWER)
    x = as_array("x", x, nonempty=False)
    y = as_array("y", y, nonempty=False)
    for name, v in (("x", x), ("y", y)):
        if v.size and (v.min() < 0 or v.max() > 1):
            raise ValueError(f"{name} must lie in [0, 1], the domain of the product")
    try:
        np.broadcast_shapes(x.shape, y.shape)
    except ValueError as exc:
        raise ValueError(f"x and y must broadcast; got shapes {x.shape} and {y.shape}") from exc
    h = lambda z: square_interpolant(z, i)  # noqa: E731
    m = (x + y) / 2
    if variant == "notes":
        return 0.5 * (4 * h(m) - h(x) - h(y))
    return 2.0 * (h(m) - h(x / 2) - h(y / 2))


def product_net(i: int, variant: str = "symmetric") -> Net:
    """``product_fn(., ., i, variant)`` as a 2-input ReLU ``Net``: three ``square_net(i)`` in parallel.

    ``i`` hidden layers and ``3(4i - 1)`` units for ``i >= 1``; exact on ``[0, 1]^2``.
    """
    i = as_int("i", i, min=1)
    as_choice("variant", variant, ("notes", "symmetric"))
    if variant == "notes":
        A, c = np.array([[0.5, 0.5], [1.0, 0.0], [0.0, 1.0]]), np.array([2.0, -0.5, -0.5])
    else:
        A, c = np.array([[0.5, 0.5], [0.5, 0.0], [0.0, 0.5]]), np.array([2.0, -2.0, -2.0])
    sq = square_net(i)
    Ws, bs = [], []
    for l in range(sq.depth):
        W = sq.weights[l]
        if l == 0:
            Ws.append(np.vstack([W @ A[r:r + 1] for r in range(3)]))
        elif l < sq.depth - 1:
            Ws.append(np.kron(np.eye(3), W))
        else:
            Ws.append(np.kron(c.reshape(1, -1), W))
        bs.append(np.tile(sq.biases[l], 3) if l < sq.depth - 1 else np.zeros(1))
    return Net(Ws, bs, sq.activations)


def hat(a, s: int) -> np.ndarray:
    """The bump ``relu(s a + 1) - 2 relu(s a) + relu(s a - 1)`` of Lemma 5.5 (Telgarsky Sec. 4.2.1).

    Equals ``1 - s|a|`` on ``|a| <= 1/s`` and 0 elsewhere. Any shape.
    """
    s = as_int("s", s, min=1)
    a = as_array("a", a, nonempty=False)
    r = lambda z: np.maximum(z, 0.0)  # noqa: E731
    # the exact value lies in [0, 1]; the clip removes rounding residues of order 1e-16 (which made
    # the bump slightly negative at some points, found by the property tests)
    return np.clip(r(s * a + 1) - 2 * r(s * a) + r(s * a - 1), 0.0, 1.0)


def prod_chain(X, k: int, variant: str = "symmetric") -> np.ndarray:
    """``prod_{k,l}`` of Lemma 5.3: ``prod_2(prod_{l-1}(x_1..x_{l-1}), x_l)`` with ``prod_2 = product_fn``.

    ``X``: ``(n, l)`` in ``[0, 1]``; returns ``(n,)``. Between steps the running product is clipped to
    ``[0, 1]`` (``relu(z) - relu(z - 1)``, two ReLUs; an addition of this book, needed because the
    symmetric product can dip below 0 by up to ``4^-k`` and ``h_k`` is only valid on ``[0, 1]``; clipping
    never increases the error since the true product lies in ``[0, 1]``). ``l = 1`` returns ``x_1``.
    """
    X = as_array("X", X, ndim=2)
    if X.min() < 0 or X.max() > 1:
        raise ValueError("X must lie in [0, 1]^l")
    k = as_int("k", k, min=0, max=MAX_GRID_POWER)
    as_choice("variant", variant, ("notes", "symmetric"))
    out = X[:, 0].copy()
    for j in range(1, X.shape[1]):
        out = np.clip(product_fn(out, X[:, j], k, variant), 0.0, 1.0)
    return out


def partition_of_unity(X, s: int, k: int | None = None, variant: str = "symmetric") -> np.ndarray:
    """``part_{k,s}`` of Lemma 5.5: for each grid point ``v`` of ``{0, 1/s, ..., 1}^d`` the bump
    ``prod_{k,d}(hat(x_1 - v_1), ..., hat(x_d - v_d))``.

    ``X``: ``(n, d)``; returns ``(n, (s+1)^d)`` with columns in lexicographic order of ``v``.
    ``k=None`` uses exact products (the exact partition of unity).
    """
    X = as_array("X", X, ndim=2)
    s = as_int("s", s, min=1)
    if k is not None:
        k = as_int("k", k, min=1)
    as_choice("variant", variant, ("notes", "symmetric"))
    n, d = X.shape
    if (s + 1) ** d > MAX_BUMPS:
        raise ValueError(f"s must give at most {MAX_BUMPS} bumps, (s + 1)^d; got s={s}, d={d}")
    grid = np.arange(s + 1) / s
    H = np.clip(hat(X[:, :, None] - grid[None, None, :], s), 0.0, 1.0)  # (n, d, s+1); clip = rounding guard
    cols = []
    for v in np.ndindex(*(s + 1,) * d):
        F = np.stack([H[:, j, v[j]] for j in range(d)], axis=1)  # (n, d)
        cols.append(F.prod(axis=1) if k is None or d == 1 else prod_chain(F, k, variant))
    return np.stack(cols, axis=1)


def monomial_exponents(d: int, r: int) -> np.ndarray:
    """All exponent vectors ``alpha >= 0`` with ``sum(alpha) <= r`` in ``d`` variables (Lemma 5.4's index set).

    Returns an integer array of shape ``(N, d)``, ``N = C(d + r, r)``, ordered by degree and then
    lexicographically (largest power of ``x_1`` first).
    """
    d = as_int("d", d, min=1, max=20)
    r = as_int("r", r, min=0, max=20)
    if math.comb(d + r, r) > MAX_BUMPS * 10:
        raise ValueError(f"d and r must give at most {MAX_BUMPS * 10} monomials; got C(d + r, r) = {math.comb(d + r, r)}")

    def compositions(total, parts):
        if parts == 1:
            yield (total,)
            return
        for first in range(total, -1, -1):
            for rest in compositions(total - first, parts - 1):
                yield (first,) + rest

    rows = [c for q in range(r + 1) for c in compositions(q, d)]
    return np.array(rows, dtype=np.int64).reshape(-1, d)


def _factors(alpha) -> list[int]:
    """``alpha`` written as the list ``v`` of coordinates with repetition (proof of Lemma 5.4)."""
    a = as_array("alpha", alpha, ndim=1, dtype=np.int64)
    if a.size == 0 or np.any(a < 0):
        raise ValueError(f"alpha must be a non-empty vector of non-negative integers; got {alpha!r}")
    return [j for j, m in enumerate(a) for _ in range(int(m))]


def monomials(X, r: int, k: int, variant: str = "symmetric") -> np.ndarray:
    """``mono_{k,r}(x)`` of Lemma 5.4: approximate ``x^alpha`` for every ``alpha`` of ``monomial_exponents(d, r)``.

    Coordinate ``alpha`` is ``prod_{k,q}(x_{v_1}, ..., x_{v_q})`` (see :func:`prod_chain`) with ``v`` the
    coordinates repeated by multiplicity and ``q = |alpha|``; degree 0 gives 1 and degree 1 gives ``x_j``
    exactly. ``X``: ``(n, d)`` in ``[0, 1]``; returns ``(n, N)``.
    """
    X = as_array("X", X, ndim=2)
    if X.min() < 0 or X.max() > 1:
        raise ValueError("X must lie in [0, 1]^d")
    k = as_int("k", k, min=0, max=MAX_GRID_POWER)
    as_choice("variant", variant, ("notes", "symmetric"))
    A = monomial_exponents(X.shape[1], r)
    cols = []
    for alpha in A:
        v = _factors(alpha)
        cols.append(np.ones(X.shape[0]) if not v else prod_chain(X[:, v], k, variant))
    return np.stack(cols, axis=1)


def _fold(net: Net) -> Net:
    """Merge every affine map whose activation is ``identity`` into the next map (same function)."""
    Ws, bs, acts = [net.weights[0]], [net.biases[0]], [net.activations[0]]
    for W, b, a in zip(net.weights[1:], net.biases[1:], net.activations[1:]):
        if acts[-1] == "identity":
            Ws[-1], bs[-1], acts[-1] = W @ Ws[-1], W @ bs[-1] + b, a
        else:
            Ws.append(W), bs.append(b), acts.append(a)
    return Net(Ws, bs, tuple(acts))


def _product_stage(k: int, variant: str, n_pass: int) -> Net:
    """``(p, y, z_1..z_m) -> (clip(prod_{k,2}(p, y)), z_1..z_m)`` with ``m = n_pass``, valid on ``[0, 1]``.

    The pass-through coordinates ride along as ``relu(z) = z`` units; the clip is
    ``relu(t) - relu(t - 1)`` (one more hidden layer of 2 units).
    """
    P = product_net(k, variant)
    I = np.eye(n_pass)
    Ws, bs = [], []
    for l, (W, b) in enumerate(zip(P.weights, P.biases)):
        Ws.append(np.block([[W, np.zeros((W.shape[0], n_pass))], [np.zeros((n_pass, W.shape[1])), I]]))
        bs.append(np.concatenate([b, np.zeros(n_pass)]))
    # clip layer: (t, z) -> relu(t), relu(t - 1), relu(z); then output relu(t) - relu(t - 1), z
    Ws.append(np.block([[np.array([[1.0], [1.0]]), np.zeros((2, n_pass))], [np.zeros((n_pass, 1)), I]]))
    bs.append(np.concatenate([[0.0, -1.0], np.zeros(n_pass)]))
    Ws.append(np.block([[np.array([[1.0, -1.0]]), np.zeros((1, n_pass))], [np.zeros((n_pass, 2)), I]]))
    bs.append(np.zeros(1 + n_pass))
    acts = ("relu",) * (P.depth - 1) + ("identity", "relu", "identity")
    return Net(Ws, bs, acts)


def monomial_net(alpha, k: int, variant: str = "symmetric") -> Net:
    """``mono_{k,r}(x)_alpha`` as a ReLU ``Net`` with ``d = len(alpha)`` inputs and 1 output (Lemma 5.4).

    A chain of ``q - 1`` product stages (``q = |alpha|``), each ``product_net(k)`` followed by a clip to
    ``[0, 1]``, with the factors still to come carried along as ``relu(x) = x`` units: ``(q - 1)(k + 1)``
    hidden layers. Equal to ``monomials(X, r, k, variant)[:, alpha]`` on ``[0, 1]^d`` (and only there).
    ``q = 0`` gives the constant 1 and ``q = 1`` the coordinate, both as a single affine map.
    """
    v = _factors(alpha)
    d = len(np.atleast_1d(alpha))
    k = as_int("k", k, min=1, max=MAX_GRID_POWER)
    as_choice("variant", variant, ("notes", "symmetric"))
    if len(v) <= 1:
        W = np.zeros((1, d))
        if v:
            W[0, v[0]] = 1.0
        return Net([W], [np.array([0.0 if v else 1.0])], ("identity",))
    select = np.zeros((len(v), d))
    select[np.arange(len(v)), v] = 1.0
    net = Net([select], [np.zeros(len(v))], ("identity",))
    for m in range(len(v) - 2, -1, -1):  # remaining pass-through factors after this stage
        net = net.then(_product_stage(k, variant, m))
    return _fold(net)


def sine_product(X) -> np.ndarray:
    """The test function ``g(x) = 1/2 + (1/4) prod_j sin(2 pi x_j)`` (values in ``[1/4, 3/4]``). ``X``: ``(n, d)``."""
    X = as_array("X", X, ndim=2)
    return 0.5 + 0.25 * np.prod(np.sin(2 * np.pi * X), axis=1)


def sine_product_taylor(X, s: int, r: int) -> np.ndarray:
    """Degree ``r - 1`` Taylor polynomials ``p_v(x)`` of :func:`sine_product` at every grid point ``v`` of
    ``{0, 1/s, ..., 1}^d``, evaluated at the rows of ``X`` (the local polynomials of Thm 5.4's proof).

    ``d^alpha g(v) = (1/4) (2 pi)^|alpha| prod_j sin(2 pi v_j + alpha_j pi / 2)`` (plus ``1/2`` for
    ``alpha = 0``), so ``p_v(x) = sum_{|alpha| < r} d^alpha g(v) (x - v)^alpha / alpha!``.
    Returns ``(n, (s+1)^d)``, columns in the order of :func:`partition_of_unity`. ``r >= 1``.
    """
    X = as_array("X", X, ndim=2)
    s = as_int("s", s, min=1)
    r = as_int("r", r, min=1, max=12)
    n, d = X.shape
    if (s + 1) ** d > MAX_BUMPS:
        raise ValueError(f"s must give at most {MAX_BUMPS} grid points, (s + 1)^d; got s={s}, d={d}")
    V = np.array(list(np.ndindex(*(s + 1,) * d)), dtype=np.float64).reshape(-1, d) / s  # (m, d)
    Z = X[:, None, :] - V[None]  # (n, m, d)
    powers = [np.ones_like(Z)]
    for _ in range(r - 1):
        powers.append(powers[-1] * Z)  # powers[a] = Z**a
    out = np.full((n, V.shape[0]), 0.5)
    for alpha in monomial_exponents(d, r - 1):
        coef = 0.25 * (2 * np.pi) ** alpha.sum() * np.prod(np.sin(2 * np.pi * V + alpha * np.pi / 2), axis=1)
        coef = coef / np.prod([math.factorial(int(a)) for a in alpha])
        term = powers[alpha[0]][:, :, 0].copy()
        for j in range(1, d):
            term *= powers[alpha[j]][:, :, j]
        out += coef[None] * term
    return out


def glued_approximation(X, s: int, k: int, local_values, variant: str = "symmetric") -> np.ndarray:
    """The gluing of Thm 5.4's proof: ``f(x) = sum_v prod_{k,2}(clip(p_v(x)), clip(part_{k,s}(x)_v))``.

    ``local_values``: ``(n, (s+1)^d)``, the local polynomials ``p_v`` at the rows of ``X`` (e.g.
    :func:`sine_product_taylor`); ``part`` is :func:`partition_of_unity` with the chosen product. The
    clips to ``[0, 1]`` (``relu(z) - relu(z - 1)``) are this book's addition, needed so the products
    are evaluated on their domain (the draft's "clip" remark). ``X``: ``(n, d)`` in ``[0, 1]^d``;
    returns ``(n,)``.
    """
    X = as_array("X", X, ndim=2)
    if X.size and (X.min() < 0 or X.max() > 1):
        raise ValueError("X must lie in [0, 1]^d")
    s = as_int("s", s, min=1)
    k = as_int("k", k, min=1, max=MAX_GRID_POWER)
    as_choice("variant", variant, ("notes", "symmetric"))
    P = as_array("local_values", local_values, shape=(X.shape[0], (s + 1) ** X.shape[1]))
    part = np.clip(partition_of_unity(X, s, k, variant), 0.0, 1.0)
    return product_fn(np.clip(P, 0.0, 1.0), part, k, variant).sum(axis=1)


def square_l2_error_interpolant(i: int) -> Fraction:
    """``int_0^1 (h_i - x^2)^2 dx = 1 / (30 * 16^i)`` exactly (this book; each piece of length ``l``
    contributes ``l^5 / 30``)."""
    i = as_int("i", i, min=0)
    return Fraction(1, 30 * 16**i)


# ---------------------------------------------------------------------------------------------
# L2 approximation of the square (Thm 4.6)
# ---------------------------------------------------------------------------------------------
def best_line_l2_error(a, b) -> tuple[Fraction, Fraction, Fraction]:
    """``min_{c, d} int_a^b (x^2 - c x - d)^2 dx`` with its minimiser, exactly, by the normal equations.

    ``a < b``: ``Fraction`` or float (floats are converted exactly). Returns ``(error, c, d)``. The proof of
    Telgarsky's Thm 4.6 uses the closed form ``(b - a)^5 / 180``; this solves the 2x2 system of
    moments ``int x^k`` instead, so it is an independent computation.
    """
    a, b = (v if isinstance(v, Fraction) else Fraction(as_float(name, v)) for name, v in (("a", a), ("b", b)))
    if not a < b:
        raise ValueError(f"a must be < b; got a={a}, b={b}")
    M = [(b ** (k + 1) - a ** (k + 1)) / (k + 1) for k in range(5)]  # M[k] = int x^k
    # minimise int (x^2 - c x - d)^2: [[M2, M1], [M1, M0]] [c, d] = [M3, M2]
    det = M[2] * M[0] - M[1] * M[1]
    c = (M[3] * M[0] - M[1] * M[2]) / det
    d = (M[2] * M[2] - M[1] * M[3]) / det
    err = M[4] - 2 * c * M[3] - 2 * d * M[2] + c * c * M[2] + 2 * c * d * M[1] + d * d * M[0]
    return err, c, d


def pwl_l2_to_square(g: PWL, lo: float = 0.0, hi: float = 1.0) -> Fraction:
    """Exact ``int_lo^hi (g(x) - x^2)^2 dx`` for a ``PWL`` ``g`` (a ``Fraction``).

    On a segment ``[p, p + l]`` with ``t = x - p``, ``g - x^2 = A + B t - t^2`` with ``A = g(p) - p^2``,
    ``B = slope - 2p``, whose square integrates to ``A^2 l + A B l^2 + (B^2 - 2A) l^3/3 - B l^4/2 + l^5/5``.
    """
    if not isinstance(g, PWL):
        raise ValueError(f"g must be a PWL; got {type(g).__name__}")
    lo_q, hi_q = _domain(lo, hi)
    if lo_q is None or hi_q is None:
        raise ValueError("lo and hi must be finite")
    pts = [lo_q] + [x for x in g.xs if lo_q < x < hi_q] + [hi_q]
    vals = _values_sorted(g, pts)
    total = Fraction(0)
    for p, q, gp, gq in zip(pts[:-1], pts[1:], vals[:-1], vals[1:]):
        l = q - p
        A, B = gp - p * p, (gq - gp) / l - 2 * p
        total += A * A * l + A * B * l**2 + (B * B - 2 * A) * l**3 / 3 - B * l**4 / 2 + l**5 / 5
    return total


def thm46_bound(n_units: int, n_layers: int) -> float:
    """Telgarsky's Thm 4.6 lower bound ``1 / (5760 (2N/L)^(4L))`` for ``N`` units in ``L`` hidden layers."""
    L = as_int("n_layers", n_layers, min=1)
    N = as_int("n_units", n_units, min=L)  # every hidden layer has at least one unit
    return 1.0 / (5760.0 * (2.0 * N / L) ** (4 * L)) if 4 * L * math.log2(2.0 * N / L) < 1000 else 0.0


# ---------------------------------------------------------------------------------------------
# Fitting shallow networks (candidates for Thm 4.4)
# ---------------------------------------------------------------------------------------------
def fit_l1(hidden: Sequence[int], x, y, generator, *, steps: int = 1000, restarts: int = 3,
           lr: float = 0.02) -> Net:
    """Best of ``restarts`` Adam runs fitting a ReLU net with hidden widths ``hidden`` to ``y`` in mean |.|.

    ``x``, ``y``: shape ``(n,)``; ``generator``: a ``torch.Generator`` (initialisation is PyTorch's
    default ``Linear`` scheme drawn from it). float64 throughout. Returns the best net (lowest final
    training loss) as a ``Net``. A fit gives *one* candidate ``g``: an upper bound on the best
    achievable error, never a lower bound.
    """
    import torch

    hidden = _hidden("hidden", hidden)
    x = as_array("x", x, ndim=1)
    y = as_array("y", y, shape=(x.size,))
    if not isinstance(generator, torch.Generator):
        raise ValueError(f"generator must be a torch.Generator; got {type(generator).__name__}")
    steps = as_int("steps", steps, min=1)
    restarts = as_int("restarts", restarts, min=1)
    lr = as_float("lr", lr, min=0.0, strict_min=True)
    X, Y = torch.from_numpy(x).reshape(-1, 1), torch.from_numpy(y).reshape(-1, 1)
    widths = [1] + hidden + [1]
    best, best_loss = None, math.inf
    for _ in range(restarts):
        layers = []
        for a, b in zip(widths[:-1], widths[1:]):
            lin = torch.nn.Linear(a, b, dtype=torch.float64)
            bound = 1.0 / math.sqrt(a)
            with torch.no_grad():
                lin.weight.uniform_(-bound, bound, generator=generator)
                lin.bias.uniform_(-bound, bound, generator=generator)
            layers += [lin, torch.nn.ReLU()]
        model = torch.nn.Sequential(*layers[:-1])
        opt = torch.optim.Adam(model.parameters(), lr=lr)
        for _ in range(steps):
            opt.zero_grad()
            loss = (model(X) - Y).abs().mean()
            loss.backward()
            opt.step()
        with torch.no_grad():
            final = float((model(X) - Y).abs().mean())
        if final < best_loss:
            best, best_loss = model, final
    return Net.from_torch(best)
