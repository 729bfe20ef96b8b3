"""Memory capacity of threshold and ReLU networks (Vershynin 2020): baselines and Gaussian tools.

Source: R. Vershynin, *Memory capacity of neural networks with threshold and ReLU activations*
(arXiv version of 28 July 2020), referred to below as [V]. Notation follows [V]: ``K`` is the number
of data points, ``K1`` the number of labels equal to one, ``n`` the input dimension, and the
threshold is the *strict* one, ``phi(t) = 1[t > 0]`` ([V], eq. (1.1); ``"step_strict"`` in
:mod:`lib.nets`).

Two groups of functions:

* **Baselines** for Section 1 of [V]: Cover's counting formula for a homogeneous perceptron
  (:func:`cover_fraction`, :func:`linearly_separable`, :func:`cover_trials`), a one-hidden-layer
  threshold network in the spirit of Baum's construction (:func:`baum_network`) and a two-layer
  ReLU interpolant with at most ``K`` hidden units (:func:`relu_interpolate`). The last two return
  :class:`lib.nets.Net`.
* **Gaussian integrals** for Appendix A of [V]: the Mills ratio (A.1), the moments
  ``E((gamma - a)_+)^k`` (k = 0 is the tail probability, i.e. the second moment of the threshold;
  k = 1, 2 are Lemma A.1), scaled moments ``E((sigma gamma - c)_+)^k`` (Lemma A.3) and the
  stability ratios of Lemma A.2 with the printed and the corrected leading terms.

Later groups: bivariate Gaussian pair expectations for Section 3 (:func:`pair_expectation`),
random enrichment layers and exact binomial tools for Sections 4-5, and random-sign mirror
perceptrons for Section 6. The assembled network of Theorem 7.1 is in :mod:`lib.capacity_assembly`.
(The issue that specified this topic names the module ``lib.capacity``; the book's file ownership
puts it here, with the same function names: ``memorize``, ``relu_interpolate``, ``cover_fraction``.)

All computations are float64.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from scipy import linalg, optimize, special

from .nets import Net
from .validate import as_array, as_choice, as_float, as_generator, as_int, as_probability

__all__ = [
    "cover_fraction",
    "linearly_separable",
    "cover_trials",
    "baum_network",
    "relu_interpolate",
    "check_labels",
    "mills_ratio",
    "normal_tail",
    "relu_moment",
    "log_relu_moment",
    "scaled_moment",
    "stability_ratio",
    "stability_leading",
    "stability_relative_error",
    "PRINTED_POWERS",
    "CORRECTED_POWERS",
    "PSI_KINDS",
    "pair_expectation",
    "ACTIVATION_MOMENT",
    "cap_data",
    "min_separation",
    "bias_for_second_moment",
    "enrichment",
    "log_q_table",
    "binomial_two_sided_pvalue",
    "binomial_deviation",
    "gaussian_projections",
    "equal_gram_vectors",
    "mirror_margins",
    "mirror_perceptron",
    "perception_network",
]

# ---------------------------------------------------------------------------------------------
# input checks shared by the constructions


def check_labels(y, K: int, *, binary: bool = True) -> np.ndarray:
    """Labels of shape ``(K,)``; with ``binary`` they must lie in {0, 1}. Returns float64."""
    K = as_int("K", K, min=0)
    y = as_array("y", y, shape=(K,), nonempty=False)
    if binary and not np.all((y == 0) | (y == 1)):
        bad = y[(y != 0) & (y != 1)][:3]
        raise ValueError(f"y must hold labels in {{0, 1}}; got values such as {bad.tolist()}")
    return y


def _points(X, name: str = "X") -> np.ndarray:
    """A 2-D array of at least one point (row), refused by ``name`` otherwise."""
    X = as_array(name, X, ndim=2, nonempty=False)
    if X.shape[0] == 0:
        raise ValueError(f"{name} must hold at least one point (K >= 1); got K = 0")
    return X


def _unit_points(X, name: str = "X") -> np.ndarray:
    """:func:`_points` whose rows are unit vectors (to 1e-8), refused by ``name`` otherwise."""
    X = _points(X, name)
    norms = np.linalg.norm(X, axis=1)
    if np.any(np.abs(norms - 1) > 1e-8):
        bad = int(np.argmax(np.abs(norms - 1)))
        raise ValueError(f"{name} must hold unit vectors; row {bad} has norm {norms[bad]:.6g}")
    return X


def _distinct(X: np.ndarray) -> None:
    _, counts = np.unique(X, axis=0, return_counts=True)
    if np.any(counts > 1):
        raise ValueError(f"X must hold distinct points; {int(np.sum(counts > 1))} point(s) are repeated")


# ---------------------------------------------------------------------------------------------
# Cover's counting formula (Cover 1965; cited in [V], Sec. 1.3 and 1.6)


def cover_fraction(K: int, n: int) -> float:
    """Probability that ``K`` points in general position in R^n, with uniformly random labels, are
    separable by a homogeneous perceptron ``x -> 1[<w, x> > 0]``.

    Cover's function-counting theorem: of the ``2^K`` dichotomies, ``C(K, n) = 2 sum_{k<n}
    binom(K-1, k)`` are homogeneously linearly separable, so the fraction is
    ``2^(1-K) sum_{k=0}^{n-1} binom(K-1, k)``. Computed in exact rational arithmetic and rounded
    once to float. It equals 1 for ``K <= n`` and exactly 1/2 at ``K = 2n``.

    Parameters
    ----------
    K : number of points, at least 1.
    n : dimension, at least 1.
    """
    K = as_int("K", K, min=1)
    n = as_int("n", n, min=1)
    count = sum(math.comb(K - 1, k) for k in range(min(n, K)))
    return float(Fraction(count, 2 ** (K - 1)))


def linearly_separable(X, y, *, affine: bool = False) -> bool:
    """Whether labels ``y`` in {0, 1} on rows of ``X`` (shape ``(K, n)``) are strictly separable by
    ``1[<w, x> > 0]`` (or ``1[<w, x> - c > 0]`` with ``affine=True``).

    Decided by linear-programming feasibility of ``s_k <w, x_k> >= 1`` with ``s_k = 2 y_k - 1``
    (HiGHS through :func:`scipy.optimize.linprog`); strict separability with a margin is
    equivalent to this after rescaling ``w``.
    """
    X = _points(X)
    y = check_labels(y, X.shape[0])
    if affine:
        X = np.column_stack([X, -np.ones(X.shape[0])])
    s = 2.0 * y - 1.0
    res = optimize.linprog(np.zeros(X.shape[1]), A_ub=-(s[:, None] * X), b_ub=-np.ones(X.shape[0]),
                           bounds=[(None, None)] * X.shape[1], method="highs")
    if res.status not in (0, 2):  # 0 feasible, 2 infeasible; anything else is a solver problem
        raise RuntimeError(f"linprog failed with status {res.status}: {res.message}")
    return bool(res.status == 0)


def cover_trials(K: int, n: int, trials: int, rng: np.random.Generator, *, rank: int | None = None) -> int:
    """Number of separable instances among ``trials`` draws of ``K`` standard Gaussian points in
    R^n with independent fair labels (the Monte Carlo counterpart of :func:`cover_fraction`).

    With ``rank`` given, the points are drawn inside a random ``rank``-dimensional subspace of R^n
    (so they are *not* in general position when ``rank < n``).
    """
    K = as_int("K", K, min=1)
    n = as_int("n", n, min=1)
    trials = as_int("trials", trials, min=1)
    as_generator("rng", rng)
    r = n if rank is None else as_int("rank", rank, min=1, max=n)
    hits = 0
    for _ in range(trials):
        Z = rng.standard_normal((K, r))
        if r < n:
            Q, _ = np.linalg.qr(rng.standard_normal((n, r)))
            Z = Z @ Q.T
        y = rng.integers(0, 2, size=K)
        hits += linearly_separable(Z, y)
    return hits


# ---------------------------------------------------------------------------------------------
# Baum-type one-hidden-layer threshold network ([V], Sec. 1.3; Baum 1988)


def baum_network(X, y) -> Net:
    """A threshold network ``[n, 2 ceil(K1/n), 1]`` with ``net(X)[:, 0] == y`` for points in general
    position (a reconstruction of the construction sketched in [V], Sec. 1.3).

    The positives are cut into batches of at most ``n`` points. For batch ``B`` the minimum-norm
    ``a`` with ``<a, x_k> = 1`` (k in B) defines a hyperplane through the batch; general position
    keeps every other point off it, at distance at least ``2 tau_B`` in the value of ``<a, x>``.
    Two strict threshold units ``1[<a,x> - (1 - tau) > 0]`` and ``1[<a,x> - (1 + tau) > 0]`` then
    differ exactly on the slab ``|<a,x> - 1| < tau``, and the output
    ``1[sum(upper - lower) - 1/2 > 0]`` fires exactly on the positives.

    Parameters
    ----------
    X : (K, n) array of points; y : (K,) labels in {0, 1}.

    Returns
    -------
    Net with widths ``(n, 2 ceil(K1/n), 1)`` and activations ``("step_strict", "step_strict")``.
    With no positive label the hidden layer has two idle units and the output is 0.

    Raises
    ------
    ValueError if the points are not distinct, or if some point other than a batch's own lies on
    (or within round-off of) that batch's hyperplane, i.e. general position fails.
    """
    X = _points(X)
    K, n = X.shape
    y = check_labels(y, K)
    _distinct(X)
    pos = np.flatnonzero(y == 1)
    rows, biases = [], []
    scale = np.abs(X).max() if K else 1.0
    for start in range(0, pos.size, n):
        B = pos[start:start + n]
        a, *_ = np.linalg.lstsq(X[B], np.ones(B.size), rcond=None)
        t = X @ a
        others = np.setdiff1d(np.arange(K), B)
        resid = np.abs(t[B] - 1.0).max()
        gap = np.abs(t[others] - 1.0).min() if others.size else 1.0
        noise = 1e3 * np.finfo(float).eps * max(1.0, np.abs(a).sum() * scale)
        if gap <= 4 * max(resid, noise):
            raise ValueError(
                f"X must be in general position: a point lies within {gap:.3g} of the hyperplane through a "
                f"batch of {B.size} positives (round-off level {max(resid, noise):.3g})")
        tau = gap / 2.0
        rows += [a, a]
        biases += [-(1.0 - tau), -(1.0 + tau)]
    if not rows:  # no positives: any network that never fires
        rows, biases = [np.zeros(n), np.zeros(n)], [0.0, 0.0]
    h = len(rows)
    out = np.tile([1.0, -1.0], h // 2)[None, :]
    if pos.size == 0:
        out = np.zeros((1, h))
    return Net([np.array(rows), out], [np.array(biases), np.array([-0.5])], ("step_strict", "step_strict"))


# ---------------------------------------------------------------------------------------------
# Two-layer ReLU interpolation with K units (Zhang et al. 2017-type; [V], Sec. 1.3 and 1.5)


def _default_direction(n: int) -> np.ndarray:
    a = np.cos(np.arange(1, n + 1) * (1 + 5**0.5) / 2 * np.pi) + 1.0 / np.arange(1, n + 1)
    return a / np.linalg.norm(a)


def relu_interpolate(X, y, *, direction=None) -> Net:
    """A network ``x -> sum_j w_j (<a, x> - b_j)_+`` with ``K`` hidden ReLU units that interpolates
    real labels ``y`` on distinct points ``X`` (shape ``(K, n)``) up to float64 round-off.

    Project on one direction ``a`` (default: a fixed generic unit vector; pass ``direction`` to
    choose), sort the projections ``t_(1) < ... < t_(K)``, put biases ``b_1 < t_(1)`` and
    ``b_j`` halfway between ``t_(j-1)`` and ``t_(j)``. The matrix ``A_kj = (t_(k) - b_j)_+`` is
    lower triangular with a positive diagonal, so ``A w = y`` is solved by forward substitution.

    Returns
    -------
    Net with widths ``(n, K, 1)`` and activations ``("relu", "identity")``.

    Raises
    ------
    ValueError if the points are not distinct, or their projections on ``a`` are not distinct
    (choose another ``direction``).
    """
    X = _points(X)
    K, n = X.shape
    y = check_labels(y, K, binary=False)
    _distinct(X)
    a = _default_direction(n) if direction is None else as_array("direction", direction, shape=(n,))
    if not np.linalg.norm(a) > 0:
        raise ValueError("direction must be a non-zero vector")
    t = X @ a
    order = np.argsort(t, kind="stable")
    ts = t[order]
    gaps = np.diff(ts)
    if K > 1 and gaps.min() <= 1e3 * np.finfo(float).eps * max(1.0, np.abs(ts).max()):
        raise ValueError(f"direction must give distinct projections; the closest two differ by {gaps.min():.3g}")
    unit = gaps.min() if K > 1 else 1.0
    b = np.empty(K)
    b[0] = ts[0] - unit
    b[1:] = (ts[:-1] + ts[1:]) / 2.0
    A = np.maximum(ts[:, None] - b[None, :], 0.0)
    w_sorted = linalg.solve_triangular(A, y[order], lower=True)
    return Net([np.tile(a, (K, 1)), w_sorted[None, :]], [-b, np.zeros(1)], ("relu", "identity"))


# ---------------------------------------------------------------------------------------------
# Gaussian integrals ([V], Appendix A)

SQRT_2PI = math.sqrt(2.0 * math.pi)
# leading power of (1 + z) in Lemma A.2 for the moment k = 0 (tail), 1 (ReLU), 2 (ReLU squared)
PRINTED_POWERS = {0: 0.5, 1: 1.0, 2: 1.5}   # as printed in (A.3)-(A.5)
CORRECTED_POWERS = {0: 0.5, 1: 1.5, 2: 2.5}  # (2k + 1)/2, from Lemma A.1 at a and a / sqrt(1 + z)

_GL_NODES, _GL_WEIGHTS = np.polynomial.laguerre.laggauss(80)
_SWITCH = 6.0  # above this a, moments use the cancellation-free Laguerre form


def mills_ratio(a) -> np.ndarray:
    """The paper's Mills ratio ``Psi(a) = int_a^inf e^{-x^2/2} dx / e^{-a^2/2}`` ([V], (A.1)),
    i.e. ``Q(a) / phi(a)`` with ``Q`` the standard normal tail, via ``erfcx``; any real ``a``
    (for ``a < -37.6`` the value exceeds the float64 range and is returned as ``inf``)."""
    a = as_array("a", a)
    return math.sqrt(math.pi / 2.0) * special.erfcx(a / math.sqrt(2.0))


def normal_tail(a) -> np.ndarray:
    """``Q(a) = P(gamma > a)`` computed as ``ndtr(-a)`` (never ``1 - Phi(a)``)."""
    return special.ndtr(-as_array("a", a))


def _k(k) -> int:
    return as_int("k", k, min=0, max=2)


def log_relu_moment(a, k: int) -> np.ndarray:
    """``log E((gamma - a)_+)^k`` for ``k`` in {0, 1, 2} (``k = 0`` means ``log P(gamma > a)``).

    For ``a <= 6`` the closed forms of [V], Lemma A.1 proof are used,
    ``E(gamma-a)_+ = phi(a) - a Q(a)`` and ``E(gamma-a)_+^2 = (a^2+1) Q(a) - a phi(a)``;
    for ``a > 6``, where those forms cancel catastrophically, the identity
    ``E((gamma - a)_+)^k = phi(a) a^{-(k+1)} int_0^inf u^k e^{-u} e^{-u^2/(2a^2)} du`` is evaluated by
    80-point Gauss-Laguerre quadrature (relative error near machine precision).
    Any real ``a`` (array); returns the same shape.
    """
    a = as_array("a", a)
    k = _k(k)
    out = np.empty_like(a)
    lo = a <= _SWITCH
    al = a[lo]
    if k == 0:
        out[lo] = special.log_ndtr(-al)
    else:
        Q, pdf = special.ndtr(-al), np.exp(-al**2 / 2) / SQRT_2PI
        val = pdf - al * Q if k == 1 else (al**2 + 1) * Q - al * pdf
        out[lo] = np.log(val)
    ah = a[~lo]
    if ah.size:
        u = _GL_NODES[None, :]
        f = u**k * np.exp(-(u**2) / (2 * ah[:, None] ** 2))
        out[~lo] = -ah**2 / 2 - math.log(SQRT_2PI) - (k + 1) * np.log(ah) + np.log(f @ _GL_WEIGHTS)
    return out


def relu_moment(a, k: int) -> np.ndarray:
    """``E((gamma - a)_+)^k`` for ``k`` in {0, 1, 2}; ``k = 0`` is ``P(gamma > a)``, the second
    moment of the threshold ``1[gamma - a > 0]``. See :func:`log_relu_moment`."""
    return np.exp(log_relu_moment(a, k))


def scaled_moment(sigma, c, k: int) -> np.ndarray:
    """``E psi(sigma gamma)`` for ``psi(t) = 1[t > c]`` (``k = 0``) or ``((t - c)_+)^k`` (``k = 1, 2``).

    Uses ``E((sigma gamma - c)_+)^k = sigma^k E((gamma - c/sigma)_+)^k`` for ``sigma > 0`` and the
    value ``psi(0)`` at ``sigma = 0`` (the setting of [V], Lemma A.3). ``sigma`` is an array of
    non-negative numbers; ``c`` a real number.
    """
    s = as_array("sigma", sigma)
    if np.any(s < 0):
        raise ValueError("sigma must be non-negative")
    c = as_float("c", c)
    k = _k(k)
    out = np.empty_like(s)
    with np.errstate(divide="ignore", over="ignore"):
        pos = (s > 0) & (np.abs(c / np.where(s > 0, s, 1.0)) < 1e150)  # tinier sigma: use the sigma -> 0 limit
    if pos.any():
        out[pos] = s[pos] ** k * relu_moment(c / s[pos], k)
    at0 = 1.0 if 0.0 > c else 0.0  # psi(0) = 1[0 > c] or ((-c)_+)^k
    out[~pos] = at0 if k == 0 else max(-c, 0.0) ** k
    return out


def stability_ratio(a, z, k: int) -> np.ndarray:
    """Exact ratio ``E psi_k(gamma sqrt(1+z) - a) / E psi_k(gamma - a)`` of [V], Lemma A.2,
    with ``psi_0(t) = 1[t > 0]``, ``psi_k(t) = (t_+)^k`` for ``k = 1, 2``.

    Computed in log space from ``E((s gamma - a)_+)^k = s^k E((gamma - a/s)_+)^k``, so it is
    accurate where both moments underflow. ``a`` array, ``z > -1`` a number.
    """
    a = as_array("a", a)
    z = as_float("z", z, min=-1.0, strict_min=True)
    k = _k(k)
    s = math.sqrt(1.0 + z)
    return np.exp(k * math.log(s) + log_relu_moment(a / s, k) - log_relu_moment(a, k))


def stability_leading(a, z, k: int, *, version: str = "corrected") -> np.ndarray:
    """Leading term ``exp(a^2 z / (2(1+z))) (1+z)^p`` of [V], Lemma A.2, with the power ``p``
    as printed (``version="printed"``: 1/2, 1, 3/2 for k = 0, 1, 2) or corrected
    (``"corrected"``: (2k+1)/2, i.e. 1/2, 3/2, 5/2)."""
    a = as_array("a", a)
    z = as_float("z", z, min=-1.0, strict_min=True)
    k = _k(k)
    as_choice("version", version, ("printed", "corrected"))
    p = (PRINTED_POWERS if version == "printed" else CORRECTED_POWERS)[k]
    return np.exp(a**2 * z / (2 * (1 + z)) + p * math.log1p(z))


def stability_relative_error(a, z, k: int, *, version: str = "corrected") -> np.ndarray:
    """``ratio / leading - 1`` for [V], Lemma A.2, computed in log space with ``expm1`` so that it
    stays accurate when the ratio and the leading term over- or underflow separately.

    Lemma A.2 claims this is ``O(a^{-2})`` as ``a -> infinity``; that holds for
    ``version="corrected"`` and fails for ``"printed"`` when ``k = 1, 2`` (the error tends to
    ``(1+z)^{1/2} - 1`` and ``(1+z) - 1``).
    """
    a = as_array("a", a)
    z = as_float("z", z, min=-1.0, strict_min=True)
    k = _k(k)
    as_choice("version", version, ("printed", "corrected"))
    s = math.sqrt(1.0 + z)
    log_ratio = k * math.log(s) + log_relu_moment(a / s, k) - log_relu_moment(a, k)
    p = (PRINTED_POWERS if version == "printed" else CORRECTED_POWERS)[k]
    return np.expm1(log_ratio - (a**2 * z / (2 * (1 + z)) + p * math.log1p(z)))


# ---------------------------------------------------------------------------------------------
# Pair expectations of a bivariate normal ([V], Section 3)

PSI_KINDS = ("threshold", "relu", "relu2", "window")
_GLX, _GLW = np.polynomial.legendre.leggauss(16)


def _psi(kind: str, t: np.ndarray, c: float) -> np.ndarray:
    if kind == "threshold":
        return (t > c).astype(np.float64)
    if kind == "relu":
        return np.maximum(t - c, 0.0)
    if kind == "relu2":
        return np.maximum(t - c, 0.0) ** 2
    return (np.abs(t) < c).astype(np.float64)


def _inner(kind: str, mu: np.ndarray, sd: float, c: float) -> np.ndarray:
    """E psi(mu + sd * gamma) for each mu, stable in both tails."""
    if kind == "threshold":
        return special.ndtr((mu - c) / sd)
    if kind == "relu":
        return sd * relu_moment((c - mu) / sd, 1)
    if kind == "relu2":
        return sd**2 * relu_moment((c - mu) / sd, 2)
    return special.ndtr((c - mu) / sd) - special.ndtr((-c - mu) / sd)


def pair_expectation(Sigma, kind: str, c: float, *, panels: int = 120) -> float:
    """``E psi(X_1) psi(X_2)`` for ``(X_1, X_2) ~ N(0, Sigma)`` by one-dimensional quadrature.

    ``psi`` is ``1[t > c]`` (``"threshold"``), ``(t - c)_+`` (``"relu"``), ``((t - c)_+)^2``
    (``"relu2"``) or ``1[|t| < c]`` (``"window"``, ``c > 0``). These are the quantities of [V],
    Section 3: with ``Sigma`` the Gram matrix of ``(x, x')`` and ``c = b``,
    ``E phi(<g,x> - b) phi(<g,x'> - b) = pair_expectation(Sigma, kind, b)``.

    Method: condition on ``X_1``; then ``X_2 | X_1 = t ~ N(r t, v)`` with ``r = S12/S11`` and
    ``v = S22 - S12^2/S11``, and the inner expectation has a closed form (normal tail or ReLU
    moment, both evaluated without cancellation). The outer integral over the support of
    ``psi(X_1)`` is cut where the Gaussian weight falls below ``e^{-46}`` of its peak and computed
    by ``panels`` 16-point Gauss-Legendre panels, refined geometrically around the point where the
    inner expectation switches on. Singular ``Sigma`` (``v = 0``) is handled exactly. All terms
    are positive, so the relative accuracy is near machine precision for smooth cases and about
    ``1e-9`` or better in the sharpest ones (see the tests).

    Parameters
    ----------
    Sigma : (2, 2) symmetric positive semi-definite array with positive diagonal.
    kind : one of :data:`PSI_KINDS`.
    c : threshold ``b`` (real) or window half-width ``h`` (positive).
    """
    S = as_array("Sigma", Sigma, shape=(2, 2))
    if not np.allclose(S, S.T, rtol=0, atol=1e-12 * np.abs(S).max()):
        raise ValueError("Sigma must be symmetric")
    if S[0, 0] <= 0 or S[1, 1] <= 0:
        raise ValueError("Sigma must have a positive diagonal")
    v = S[1, 1] - S[0, 1] ** 2 / S[0, 0]
    if v < -1e-12 * S[1, 1]:
        raise ValueError(f"Sigma must be positive semi-definite; its determinant is {np.linalg.det(S):.3g}")
    as_choice("kind", kind, PSI_KINDS)
    c = as_float("c", c, min=0.0 if kind == "window" else None, strict_min=kind == "window")
    panels = as_int("panels", panels, min=4)
    s1 = math.sqrt(S[0, 0])
    r = S[0, 1] / S[0, 0]
    sd = math.sqrt(max(v, 0.0))
    if kind == "window":
        lo, hi = -c, c
    else:
        lo = c
        peak = max(c, 0.0)
        hi = peak + math.sqrt(peak**2 + 92.0 * S[0, 0])
        if hi <= lo:
            return 0.0
    breaks = np.linspace(lo, hi, panels + 1)
    # refine around t* where the inner expectation turns on (mean r t crosses the threshold)
    if r != 0 and kind != "window":
        with np.errstate(over="ignore", invalid="ignore"):  # tiny r: t* is far outside [lo, hi] (or inf)
            t_star = c / r
            width = max(sd / abs(r), 1e-6 * s1)
            extra = (t_star + np.array([-1.0, 1.0])[:, None] * width * 2.0 ** np.arange(-4, 8)[None, :]).ravel()
        breaks = np.unique(np.concatenate([breaks, extra[(extra > lo) & (extra < hi)], [lo, hi]]))
    left, right = breaks[:-1, None], breaks[1:, None]
    t = ((left + right) / 2 + (right - left) / 2 * _GLX[None, :]).ravel()
    w = ((right - left) / 2 * _GLW[None, :]).ravel()
    dens = np.exp(-(t**2) / (2 * S[0, 0])) / (s1 * SQRT_2PI)
    inner = _psi(kind, r * t, c) if sd == 0 else _inner(kind, r * t, sd, c)
    return float(np.sum(w * dens * _psi(kind, t, c) * inner))


# ---------------------------------------------------------------------------------------------
# Data, biases and the random enrichment maps ([V], Sections 4-5)

ACTIVATION_MOMENT = {"step_strict": 0, "relu": 2}  # E phi(gamma - b)^2 = m_k(b) with this k


def cap_data(K: int, n: int, rho0: float, rng: np.random.Generator) -> np.ndarray:
    """``K`` unit vectors ``x_k = sqrt(rho0) e_1 + sqrt(1 - rho0) z_k`` with ``z_k`` uniform on the
    unit sphere of ``e_1``-perp (a spherical cap around ``e_1``). Then
    ``<x_i, x_j> = rho0 + (1 - rho0) <z_i, z_j>``: ``rho0`` sets the common component, and the
    separation ``|x_i - x_j|^2 = 2 (1 - rho0)(1 - <z_i, z_j>)``. Shape ``(K, n)``, ``n >= 2``.
    """
    K = as_int("K", K, min=1)
    n = as_int("n", n, min=2)
    rho0 = as_float("rho0", rho0, min=0.0, max=1.0, strict_max=True)
    as_generator("rng", rng)
    Z = rng.standard_normal((K, n - 1))
    Z /= np.linalg.norm(Z, axis=1, keepdims=True)
    return np.column_stack([np.full(K, math.sqrt(rho0)), math.sqrt(1 - rho0) * Z])


def min_separation(X) -> float:
    """``min_{i != j} |x_i - x_j|_2`` over the rows of ``X`` (shape ``(K, n)``, ``K >= 2``)."""
    X = as_array("X", X, ndim=2)
    if X.shape[0] < 2:
        raise ValueError(f"X must hold at least 2 points; got {X.shape[0]}")
    sq = np.sum(X**2, axis=1)
    D = sq[:, None] + sq[None, :] - 2 * X @ X.T
    np.fill_diagonal(D, np.inf)
    return float(math.sqrt(max(D.min(), 0.0)))


def bias_for_second_moment(p: float, activation: str = "step_strict") -> float:
    """The bias ``b`` with ``E phi(gamma - b)^2 = p`` ([V], Lemmas 5.1 and 5.3), ``p`` in (0, 1/2].

    Threshold (``"step_strict"``): ``b = Q^{-1}(p)``, so ``p`` is also the firing probability.
    ReLU: ``E(gamma - b)_+^2 = p`` solved in log space; note that the ReLU unit then fires with
    probability ``Q(b)``, which is larger than ``p`` (``p = 0.05`` gives ``b = 1.18``, firing 12%).
    """
    as_choice("activation", activation, tuple(ACTIVATION_MOMENT))
    p = as_float("p", p, min=0.0, max=0.5, strict_min=True)
    if activation == "step_strict":
        return float(-special.ndtri(p))
    target = math.log(p)
    f = lambda b: log_relu_moment(np.array([b]), 2)[0] - target
    return float(optimize.brentq(f, 0.0, 60.0, xtol=1e-14))


def enrichment(n_in: int, n_out: int, p: float, rng: np.random.Generator, *,
               activation: str = "step_strict") -> tuple[Net, float]:
    """The random layer of [V], eq. (5.1): ``Phi(x) = phi(G x - b 1)`` with ``G`` an
    ``(n_out, n_in)`` standard Gaussian matrix and the common bias ``b`` set by
    ``E phi(gamma - b)^2 = p`` (:func:`bias_for_second_moment`).

    Returns ``(Phi, scale)`` with ``Phi`` a one-map :class:`lib.nets.Net` and
    ``scale = (n_out p)^{-1/2}``, so that the *almost pseudolinear* map ``E = scale * Phi`` of
    Theorems 5.2 and 5.4 maps unit vectors to vectors of squared norm about 1. (A network absorbs
    ``scale`` into the next layer's weights.) For Enrichment I ``n_out = m``; for Enrichment II
    ``n_out = d`` and ``p = d^{-1/2}``.
    """
    n_in = as_int("n_in", n_in, min=1)
    n_out = as_int("n_out", n_out, min=1)
    as_generator("rng", rng)
    b = bias_for_second_moment(p, activation)
    G = rng.standard_normal((n_out, n_in))
    return Net([G], [np.full(n_out, -b)], (activation,)), 1.0 / math.sqrt(n_out * p)


def log_q_table(rho_grid, b: float, activation: str = "step_strict") -> np.ndarray:
    """``log E phi(X_1 - b) phi(X_2 - b)`` for unit-variance pairs with correlation ``rho`` on a
    grid (for interpolation when many pairs are needed); uses :func:`pair_expectation`."""
    as_choice("activation", activation, tuple(ACTIVATION_MOMENT))
    r = as_array("rho_grid", rho_grid, ndim=1)
    if np.any(np.abs(r) > 1):
        raise ValueError("rho_grid must lie in [-1, 1]")
    b = as_float("b", b)
    kind = "threshold" if activation == "step_strict" else "relu"
    return np.log([pair_expectation(np.array([[1.0, x], [x, 1.0]]), kind, b) for x in r])


def binomial_two_sided_pvalue(k, m: int, q) -> np.ndarray:
    """Exact two-sided tail ``2 min(P(Bin(m, q) <= k), P(Bin(m, q) >= k))`` (capped at 1), elementwise.

    Used to test that counts ``<Phi(x), Phi(x')>`` of a random threshold layer follow
    ``Bin(m, q)`` ([V], Lemma 4.1 for the threshold, where the law is exactly binomial)."""
    from scipy.stats import binom

    k = as_array("k", k)
    m = as_int("m", m, min=1)
    q = as_array("q", q)
    if np.any((q < 0) | (q > 1)):
        raise ValueError("q must lie in [0, 1]")
    try:
        np.broadcast_shapes(k.shape, q.shape)
    except ValueError as exc:
        raise ValueError(f"k and q must have broadcastable shapes; got {k.shape} and {q.shape}") from exc
    q = np.where(q < 1e-300, 0.0, np.where(q > 1 - 1e-16, np.minimum(q, 1.0), q))  # subnormal q overflows scipy
    lo = binom.cdf(k, m, q)
    hi = binom.sf(k - 1, m, q)
    return np.minimum(1.0, 2 * np.minimum(lo, hi))


def binomial_deviation(m: int, q: float, level: float) -> float:
    """Smallest ``t`` with ``P(|Bin(m, q) - m q| > t) <= level``, exactly ([V], Lemma 4.1 for the
    threshold, where ``<Phi(x), Phi(x')> ~ Bin(m, q)``). ``t`` is one of the values ``|k - m q|``."""
    from scipy.stats import binom

    m = as_int("m", m, min=1)
    q = as_probability("q", q, allow_zero=True)
    level = as_float("level", level, min=0.0, max=1.0, strict_min=True)
    q = 0.0 if q < 1e-300 else q  # a subnormal q makes scipy's binomial pmf overflow; the law is that of q = 0
    ks = np.arange(m + 1)
    dev = np.abs(ks - m * q)
    order = np.argsort(-dev, kind="stable")
    cum = np.cumsum(binom.pmf(ks, m, q)[order])
    i = int(np.searchsorted(cum, level, side="right"))  # leading entries with cumulative mass <= level
    return float(dev[order][min(i, m)])


def gaussian_projections(gram, d: int, rng: np.random.Generator) -> np.ndarray:
    """A ``(K, d)`` matrix whose ``d`` columns are independent ``N(0, gram)`` vectors.

    This is the exact joint law of ``(<g_i, u_k>)_{k, i}`` for ``g_1..g_d ~ N(0, I_m)`` and points
    ``u_k`` with Gram matrix ``gram`` (shape ``(K, K)``, positive semi-definite), so a random layer
    ``phi(G u - b)`` on ``K`` points can be simulated without the ``d x m`` matrix ``G``
    ([V], eq. (5.6)). Uses a symmetric square root (eigh), which tolerates singular ``gram``.
    """
    Gm = as_array("gram", gram, ndim=2)
    if Gm.shape[0] != Gm.shape[1] or not np.allclose(Gm, Gm.T, atol=1e-10 * max(1.0, np.abs(Gm).max())):
        raise ValueError("gram must be a symmetric square matrix")
    d = as_int("d", d, min=1)
    as_generator("rng", rng)
    w, Q = np.linalg.eigh((Gm + Gm.T) / 2)
    if w.min() < -1e-8 * max(1.0, w.max()):
        raise ValueError(f"gram must be positive semi-definite; smallest eigenvalue {w.min():.3g}")
    root = (Q * np.sqrt(np.clip(w, 0, None))) @ Q.T
    return root @ rng.standard_normal((Gm.shape[0], d))


# ---------------------------------------------------------------------------------------------
# Perception ([V], Section 2.2 and Section 6)


def equal_gram_vectors(K: int, eta: float, rng: np.random.Generator) -> np.ndarray:
    """``K`` unit vectors in R^K with ``<v_i, v_j> = +-eta`` (random signs) for all ``i != j``.

    The Gram matrix is ``I + eta S`` with ``S`` a random symmetric sign matrix with zero diagonal;
    the rows are its Cholesky factor. Hypothesis (6.1) of [V], Lemma 6.1 then holds with equality.
    Raises ValueError if ``I + eta S`` is not positive definite (``eta ||S||`` must be below 1).
    """
    K = as_int("K", K, min=2)
    eta = as_float("eta", eta, min=0.0, max=1.0, strict_max=True)
    as_generator("rng", rng)
    S = np.triu(rng.choice([-1.0, 1.0], size=(K, K)), 1)
    S = S + S.T
    try:
        return np.linalg.cholesky(np.eye(K) + eta * S)
    except np.linalg.LinAlgError as exc:
        raise ValueError(f"eta must make I + eta S positive definite; eta = {eta} is too large for K = {K}") from exc


def _batch(batch, K: int) -> np.ndarray:
    """A non-empty 1-D array of distinct integer row indices in ``[0, K)``."""
    b = np.asarray(batch) if not isinstance(batch, (str, bytes)) else np.asarray([batch])
    if b.ndim != 1 or b.size == 0 or b.dtype.kind not in "iu" and not (
            b.dtype.kind == "f" and np.all(np.isfinite(b)) and np.all(b == np.round(b))):
        raise ValueError(f"batch must be a non-empty 1-D list of integer row indices; got {batch!r}"[:200])
    b = b.astype(np.int64)
    if b.min() < 0 or b.max() >= K or np.unique(b).size != b.size:
        raise ValueError(f"batch must hold distinct row indices in [0, {K}); got {b.tolist()[:10]}")
    return b


def mirror_margins(V, w, batch) -> tuple[float, float]:
    """``(max_{k not in batch} |<w, v_k>|, min_{k in batch} |<w, v_k>|)`` for rows ``v_k`` of ``V``.

    The mirror pair ``1[<w,v> - tau > 0] + 1[-<w,v> - tau > 0]`` fires exactly on the batch iff the
    first number is ``<= tau`` and the second ``> tau`` ([V], Sec. 2.2 and (6.3))."""
    V = _points(V, "V")
    w = as_array("w", w, shape=(V.shape[1],))
    a = np.abs(V @ w)
    inside = np.zeros(V.shape[0], dtype=bool)
    inside[_batch(batch, V.shape[0])] = True
    off = float(a[~inside].max()) if (~inside).any() else 0.0
    on = float(a[inside].min()) if inside.any() else math.inf
    return off, on


def mirror_perceptron(V, batch, rng: np.random.Generator, *, tau: float = 0.5, max_tries: int = 1):
    """The random perceptron of [V], Sec. 2.2 / Lemma 6.1: ``w = sum_{k in batch} xi_k v_k`` with
    independent fair signs ``xi``, redrawn (Las Vegas) until the mirror pair with threshold ``tau``
    fires exactly on the batch, at most ``max_tries`` times.

    Returns ``(w, tries, ok)``: the last ``w`` drawn, the number of draws, and whether it works.
    The paper's Theorem 6.2 uses ``tau = 1/8`` with the certificate (6.3); its Section 2.2 uses
    ``tau = 1/2`` for unit-norm ``v``, which is what works at practical sizes.
    """
    V = _points(V, "V")
    batch = _batch(batch, V.shape[0])
    as_generator("rng", rng)
    tau = as_float("tau", tau, min=0.0, strict_min=True)
    max_tries = as_int("max_tries", max_tries, min=1)
    for t in range(1, max_tries + 1):
        w = rng.choice([-1.0, 1.0], size=batch.size) @ V[batch]
        off, on = mirror_margins(V, w, batch)
        if off <= tau < on:
            return w, t, True
    return w, max_tries, False


def perception_network(V, y, batch_size: int, rng: np.random.Generator, *, tau: float = 0.5,
                       max_tries: int = 50) -> tuple[Net, list[int]]:
    """Theorem 6.2 of [V] followed by the OR output of Theorem 1.1: a threshold network
    ``v -> 1[sum_j P(v)_j > 0]`` with ``P`` made of ``r = 2 ceil(K1 / batch_size)`` mirror units.

    The positives are cut (in index order) into batches of at most ``batch_size``; for each batch a
    :func:`mirror_perceptron` is drawn (Las Vegas, up to ``max_tries`` draws). The first map has rows
    ``+w_i`` and ``-w_i`` with bias ``-tau`` and the strict threshold, the output map has weights 1 and
    bias 0, so the output is 1 iff some mirror unit fires. Negatives are never put in a batch.

    Returns ``(net, tries)`` with ``net`` of widths ``(d, r, 1)`` (``r = 2`` idle units if no label is
    1) and the number of draws per batch. Raises RuntimeError naming the batch if the budget runs out.
    """
    V = _points(V, "V")
    K, d = V.shape
    y = check_labels(y, K)
    batch_size = as_int("batch_size", batch_size, min=1)
    pos = np.flatnonzero(y == 1)
    rows, tries = [], []
    for start in range(0, pos.size, batch_size):
        B = pos[start:start + batch_size]
        w, t, ok = mirror_perceptron(V, B, rng, tau=tau, max_tries=max_tries)
        if not ok:
            off, on = mirror_margins(V, w, B)
            raise RuntimeError(f"batch {start // batch_size} ({B.size} points): no sign draw in {max_tries} separates it "
                               f"(last draw: off-batch max {off:.3f}, on-batch min {on:.3f}, tau {tau})")
        rows += [w, -w]
        tries.append(t)
    if not rows:
        return Net([np.zeros((2, d)), np.zeros((1, 2))], [np.full(2, -tau), np.zeros(1)], ("step_strict", "step_strict")), []
    W = np.array(rows)
    return Net([W, np.ones((1, W.shape[0]))], [np.full(W.shape[0], -tau), np.zeros(1)], ("step_strict", "step_strict")), tries


# The assembled network of Theorem 7.1 lives in its own module; it is part of this interface.
from .capacity_assembly import default_sizes, memorize  # noqa: E402  (imports this module)
