"""Expand-and-sparsify: random directions, sparse codes and the averaging readout.

Implements the objects of Mukherjee & Huberman, *Why Neural Networks Work* (the source document of
the *expand-and-sparsify* part of the book) and of the results it cites (Dasgupta & Tosh 2020;
Johnson-Lindenstrauss; almost-orthogonality). Notation follows the document, **not** Dasgupta-Tosh:

* ``n``: input dimension; ``d``: expanded width (number of hidden units, rows of ``W``);
* ``k``: (expected) number of active units; ``m``: dimension of the data manifold;
* ``W``: the ``(d, n)`` projection matrix with rows ``w_j``; ``tau``: the ``(d,)`` thresholds;
* a code ``Z`` is a ``(num_inputs, d)`` 0/1 array, one row per input (inputs are rows, as in
  :mod:`lib.nets`).

The issue that specified this module names it ``lib.sparsify``; the functions ``topk_binary``,
``threshold_binary``, ``fit_average_readout`` and ``average_readout`` keep the names and meanings
given there.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np

from .nets import Net
from .validate import as_array, as_choice, as_float, as_generator, as_int, as_probability

__all__ = [
    "uniform_sphere",
    "pairwise_inner",
    "orthogonality_epsilon",
    "l1_ball_residual",
    "l2_ball_residual",
    "jl_dimension",
    "jl_ratios",
    "singular_value_interval",
    "topk_binary",
    "threshold_binary",
    "es_layer",
    "gaussian_thresholds",
    "sphere_cap_cosine",
    "sphere_cap_measure",
    "active_count_moments_gaussian",
    "fresh_layer_counts",
    "sphere_thresholds",
    "embedded_sphere",
    "fit_average_readout",
    "average_readout",
    "cap_error_bound",
    "sphere_readout_errors",
    "overlap_probability",
    "expected_min_flip",
    "stevens_coverage",
    "circle_covered",
]


# --------------------------------------------------------------------------------------------
# Random directions (document Sec. 3.1-3.3)
# --------------------------------------------------------------------------------------------
def uniform_sphere(num: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """``num`` i.i.d. points uniform on the unit sphere ``S^{n-1}`` (normalised Gaussians).

    Returns an array of shape ``(num, n)`` with unit rows (document Sec. 3.2: rows of ``W``
    "uniformly distributed on the unit sphere").
    """
    num = as_int("num", num, min=1)
    n = as_int("n", n, min=1)
    as_generator("rng", rng)
    G = rng.standard_normal((num, n))
    return G / np.linalg.norm(G, axis=1, keepdims=True)


def pairwise_inner(W) -> np.ndarray:
    """The ``d(d-1)/2`` inner products ``<w_i, w_j>``, ``i < j``, of the rows of ``W`` (``(d, n)``)."""
    W = as_array("W", W, ndim=2)
    if W.shape[0] < 2:
        raise ValueError(f"W must have at least 2 rows; got {W.shape[0]}")
    G = W @ W.T
    return G[np.triu_indices(W.shape[0], k=1)]


def orthogonality_epsilon(d: int, n: int, delta: float) -> float:
    """Union-bound level ``eps`` such that ``d`` uniform unit vectors in ``R^n`` are pairwise
    ``eps``-orthogonal with probability at least ``1 - delta``.

    Uses the cap bound ``P(|<u, v>| >= eps) <= 2 exp(-n eps^2 / 2)`` over ``d(d-1)/2`` pairs, so
    ``eps = sqrt(2 ln(d(d-1)/delta) / n)`` (Kainen-Kurkova's almost-orthogonality in its
    probabilistic form; document Sec. 3.1).
    """
    d = as_int("d", d, min=2)
    n = as_int("n", n, min=1)
    delta = as_probability("delta", delta, allow_one=False)
    return math.sqrt(2.0 * math.log(d * (d - 1) / delta) / n)


def l1_ball_residual(A, x, C: float, iters: int = 300) -> tuple[float, np.ndarray]:
    """Frank-Wolfe for ``min ||x - A c||`` over ``||c||_1 <= C``.

    Parameters
    ----------
    A : ``(n, N)``, columns are the random directions ``w_i``.
    x : ``(n,)``, the target.
    C : bound on the l1 norm of the coefficients (document Sec. 3.1, the Gorban et al. quote:
        coefficients "not allowed to be arbitrarily large").
    iters : Frank-Wolfe steps with exact line search.

    Returns
    -------
    (residual, c): the residual norm of the feasible iterate ``c`` (shape ``(N,)``), an upper bound
    on the constrained minimum.
    """
    A = as_array("A", A, ndim=2)
    x = as_array("x", x, shape=(A.shape[0],))
    C = as_float("C", C, min=0.0)
    iters = as_int("iters", iters, min=1)
    c = np.zeros(A.shape[1])
    r = x.copy()  # r = x - A c
    for _ in range(iters):
        g = A.T @ r  # minus half the gradient of ||x - A c||^2
        i = int(np.argmax(np.abs(g)))
        if g[i] == 0:
            break
        vertex = C * np.sign(g[i])  # the l1-ball vertex vertex * e_i
        dirv = vertex * A[:, i] - (x - r)  # A (vertex e_i - c)
        den = float(dirv @ dirv)
        if den == 0.0:
            break
        gamma = min(max(float(r @ dirv) / den, 0.0), 1.0)
        c *= 1.0 - gamma
        c[i] += gamma * vertex
        r = r - gamma * dirv
    return float(np.linalg.norm(r)), c


def l2_ball_residual(A, x, C):
    """Exact ``min ||x - A c||`` over ``||c||_2 <= C`` (trust-region problem).

    ``A`` has shape ``(n, N)``, ``x`` shape ``(n,)``; ``C`` is a number or an array of bounds (one
    eigendecomposition of ``A A^T`` serves them all). The minimiser is the ridge solution whose norm
    equals ``C`` (or the minimum-norm least-squares solution if that is already feasible); the ridge
    parameter is found by bisection on the decreasing norm ``||c(lambda)||``. Returns a float for a
    scalar ``C``, else an array of the shape of ``C``.
    """
    A = as_array("A", A, ndim=2)
    x = as_array("x", x, shape=(A.shape[0],))
    Cs = as_array("C", C)
    if np.any(Cs < 0):
        raise ValueError("C must be >= 0")
    lam_gram, U = np.linalg.eigh(A @ A.T)  # A A^T = U diag(s^2) U^T; cheap when n << N
    s = np.sqrt(np.clip(lam_gram, 0.0, None))
    b = U.T @ x
    keep = s > s.max() * 1e-12
    outside = float(x @ x - b[keep] @ b[keep])  # part of x outside the column space
    s, b = s[keep], b[keep]
    norm2 = lambda lam: float(np.sum((s * b / (s**2 + lam)) ** 2))  # ||c(lambda)||^2, decreasing
    out = []
    for c_bound in Cs.ravel():
        if norm2(0.0) <= c_bound**2:
            out.append(math.sqrt(max(outside, 0.0)))
            continue
        lo, hi = 0.0, 1.0
        while norm2(hi) > c_bound**2:
            hi *= 2.0
        for _ in range(200):
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if norm2(mid) > c_bound**2 else (lo, mid)
        res_in = b * hi / (s**2 + hi)
        out.append(math.sqrt(max(outside, 0.0) + float(res_in @ res_in)))
    out = np.array(out).reshape(Cs.shape)
    return float(out) if out.ndim == 0 else out


def jl_dimension(N: int, eps: float, delta: float) -> int:
    """Target dimension for Gaussian Johnson-Lindenstrauss with failure probability ``delta``.

    ``k = ceil((4 ln N + 2 ln(1/delta)) / (eps^2/2 - eps^3/3))``: each of the fewer than
    ``N^2/2`` pairs fails with probability at most ``2 exp(-k (eps^2/2 - eps^3/3) / 2)``
    (Dasgupta-Gupta's proof of JL, cited as [14] in the document).
    """
    N = as_int("N", N, min=2)
    eps = as_float("eps", eps, min=0.0, max=1.0, strict_min=True, strict_max=True)
    delta = as_probability("delta", delta, allow_one=False)
    return int(math.ceil((4 * math.log(N) + 2 * math.log(1 / delta)) / (eps**2 / 2 - eps**3 / 3)))


def jl_ratios(X, k: int, rng: np.random.Generator) -> np.ndarray:
    """Distortions ``||A(x_i - x_j)||^2 / ||x_i - x_j||^2`` of one Gaussian map ``A``.

    ``X`` has shape ``(N, D)``; ``A`` has shape ``(k, D)`` with entries ``N(0, 1/k)``, so each
    ratio has exactly the law ``chi^2_k / k``. Returns the ``N(N-1)/2`` ratios for ``i < j``.
    """
    X = as_array("X", X, ndim=2)
    if X.shape[0] < 2:
        raise ValueError(f"X must have at least 2 rows; got {X.shape[0]}")
    k = as_int("k", k, min=1)
    as_generator("rng", rng)
    A = rng.standard_normal((k, X.shape[1])) / math.sqrt(k)
    Y = X @ A.T
    iu = np.triu_indices(X.shape[0], k=1)

    def sqdist(M):
        sq = np.sum(M**2, axis=1)
        return (sq[:, None] + sq[None, :] - 2 * M @ M.T)[iu]

    before = sqdist(X)
    if np.any(before <= 0):
        raise ValueError("X must have distinct rows")
    return sqdist(Y) / before


def singular_value_interval(d: int, n: int, delta: float) -> tuple[float, float]:
    """Interval that holds all singular values of a ``(d, n)`` standard Gaussian matrix, ``d >= n``,
    with probability at least ``1 - delta``: ``sqrt(d) -+ (sqrt(n) + t)``, ``t = sqrt(2 ln(2/delta))``
    (Vershynin's non-asymptotic bound; the book's addition to document Sec. 3.3)."""
    d = as_int("d", d, min=1)
    n = as_int("n", n, min=1, max=d)
    delta = as_probability("delta", delta, allow_one=False)
    t = math.sqrt(2 * math.log(2 / delta))
    return math.sqrt(d) - math.sqrt(n) - t, math.sqrt(d) + math.sqrt(n) + t


# --------------------------------------------------------------------------------------------
# Sparsification (document Sec. 3.3, 3.4, 4.1)
# --------------------------------------------------------------------------------------------
def topk_binary(H, k: int) -> np.ndarray:
    """Winner-take-all code: ``Z`` of the shape of ``H`` (``(n_inputs, d)``) with exactly ``k`` ones
    per row, at that row's ``k`` largest entries; ties go to the lower index (stable sort).

    Deterministic sparsification of document Sec. 3.3 (the fly's top few percent).
    """
    H = as_array("H", H, ndim=2)
    k = as_int("k", k, min=1, max=H.shape[1])
    order = np.argsort(-H, axis=1, kind="stable")[:, :k]
    Z = np.zeros(H.shape)
    np.put_along_axis(Z, order, 1.0, axis=1)
    return Z


def threshold_binary(H, tau) -> np.ndarray:
    """Threshold code, eq. (4): ``Z[i, j] = 1`` iff ``H[i, j] >= tau[j]``. ``H``: ``(n_inputs, d)``;
    ``tau``: ``(d,)``."""
    H = as_array("H", H, ndim=2)
    tau = as_array("tau", tau, shape=(H.shape[1],))
    return (H >= tau).astype(np.float64)


def es_layer(W, tau, activation: str = "step") -> Net:
    """The layer ``u -> act(W u - tau)`` as a one-map :class:`lib.nets.Net` (bias ``b = -tau``).

    ``activation='relu'`` is eq. (2) of the document; ``'step'`` (``1[z >= 0]``) is eqs. (3)-(4),
    the binary code of Dasgupta and Tosh. ``W``: ``(d, n)``; ``tau``: ``(d,)``.
    """
    W = as_array("W", W, ndim=2)
    tau = as_array("tau", tau, shape=(W.shape[0],))
    as_choice("activation", activation, ("step", "relu"))
    return Net([W], [-tau], (activation,))


def gaussian_thresholds(W, k: float, cov=None) -> np.ndarray:
    """Per-unit thresholds for Gaussian inputs ``u ~ N(0, cov)``: the ``1 - k/d`` quantile of
    ``w_j^T u``, i.e. ``tau_j = sqrt(w_j^T cov w_j) * Phi^{-1}(1 - k/d)`` (document Sec. 4.1).

    ``W``: ``(d, n)``; ``k`` in ``(0, d)`` (need not be an integer); ``cov``: ``(n, n)`` or
    ``None`` for the identity. Returns ``(d,)``.
    """
    from scipy.stats import norm

    W = as_array("W", W, ndim=2)
    d, n = W.shape
    k = as_float("k", k, min=0.0, max=d, strict_min=True, strict_max=True)
    if cov is None:
        scale = np.linalg.norm(W, axis=1)
    else:
        cov = as_array("cov", cov, shape=(n, n))
        scale = np.sqrt(np.einsum("ij,jk,ik->i", W, cov, W))
    return scale * norm.isf(k / d)


def sphere_cap_cosine(p, m: int) -> np.ndarray:
    """Cosine ``c`` of the cap of normalised measure ``p`` on ``S^m``: ``P(s_1 >= c) = p`` for ``s``
    uniform on ``S^m`` (``s_1 = 2B - 1`` with ``B ~ Beta(m/2, m/2)``).

    Closed forms: ``cos(pi p)`` on the circle (``m=1``), ``1 - 2p`` on ``S^2`` (Archimedes).
    """
    from scipy.stats import beta

    p = as_array("p", p)
    if np.any(p <= 0) or np.any(p >= 1):
        raise ValueError("p must lie in (0, 1)")
    m = as_int("m", m, min=1)
    return 2.0 * beta.isf(p, m / 2, m / 2) - 1.0


def sphere_cap_measure(c, m: int) -> np.ndarray:
    """Normalised measure of the cap ``{s in S^m : s_1 >= c}`` (inverse of :func:`sphere_cap_cosine`).

    ``c`` may be any real array (1 below ``-1``, 0 above ``1``); returns an array of its shape.
    """
    from scipy.stats import beta

    c = as_array("c", c)
    m = as_int("m", m, min=1)
    return beta.sf((np.clip(c, -1.0, 1.0) + 1.0) / 2.0, m / 2, m / 2)


def active_count_moments_gaussian(d: int, k: float, n: int) -> tuple[float, float]:
    """Exact mean and variance of the number of active units for ``u ~ N(0, I_n)`` when each input
    meets a fresh Gaussian ``W`` (``(d, n)``) with the thresholds of :func:`gaussian_thresholds`.

    Given ``R = ||u||`` the units fire independently, each with probability
    ``p(R) = P(s_1 >= Phi^{-1}(1 - k/d) / R)`` (``s`` uniform on ``S^{n-1}``), so the count is a
    mixture of binomials: mean ``d E p(R) = k`` and variance ``d E[p(1-p)] + d^2 Var p(R)``, with
    ``R^2 ~ chi^2_n`` (integrated numerically). This quantifies the over-dispersion of the
    "k-sparse in expectation" code of document Sec. 4.1 (book's addition).
    """
    from scipy.integrate import quad
    from scipy.stats import chi, norm

    d = as_int("d", d, min=1)
    k = as_float("k", k, min=0.0, max=d, strict_min=True, strict_max=True)
    n = as_int("n", n, min=2)
    z = norm.isf(k / d)
    p = lambda r: float(sphere_cap_measure(z / r, n - 1))
    lo, hi = chi.ppf(1e-13, n), chi.isf(1e-13, n)
    moment = lambda f: quad(lambda r: f(p(r)) * chi.pdf(r, n), lo, hi, limit=200, epsabs=1e-13)[0]
    m1, m2 = moment(lambda q: q), moment(lambda q: q * q)
    return d * m1, d * (m1 - m2) + d * d * (m2 - m1 * m1)


def fresh_layer_counts(U, d: int, k: float, rng: np.random.Generator, law: str = "gaussian",
                       chunk: int = 256) -> np.ndarray:
    """Number of active units when each input row of ``U`` (``(T, n)``) meets its own fresh Gaussian
    ``W`` (``(d, n)``) with the exact percentile thresholds of the input law:
    ``tau_j = ||w_j|| Phi^{-1}(1 - k/d)`` for ``law='gaussian'`` (``u ~ N(0, I_n)``) or
    ``tau_j = ||w_j|| c_{n-1}(k/d)`` for ``law='sphere'`` (``u`` uniform on ``S^{n-1}``).
    Returns ``(T,)`` counts. Document Sec. 4.1; used to compare the count's law across input laws.
    """
    from scipy.stats import norm

    U = as_array("U", U, ndim=2)
    T, n = U.shape
    d = as_int("d", d, min=1)
    k = as_float("k", k, min=0.0, max=d, strict_min=True, strict_max=True)
    as_generator("rng", rng)
    as_choice("law", law, ("gaussian", "sphere"))
    chunk = as_int("chunk", chunk, min=1)
    c = norm.isf(k / d) if law == "gaussian" else float(sphere_cap_cosine(k / d, n - 1))
    out = np.empty(T)
    for start in range(0, T, chunk):
        Ub = U[start:start + chunk]
        Wb = rng.standard_normal((Ub.shape[0], d, n))
        h = np.einsum("bdn,bn->bd", Wb, Ub)
        out[start:start + chunk] = (h >= np.linalg.norm(Wb, axis=2) * c).sum(axis=1)
    return out


def sphere_thresholds(W, F, k: float) -> np.ndarray:
    """Exact thresholds for inputs uniform on the unit sphere ``S^m`` of the subspace spanned by
    the orthonormal columns of ``F`` (``(n, m+1)``): ``tau_j = ||F^T w_j|| c_m(k/d)``, so that unit
    ``j`` fires on a cap of normalised measure exactly ``k/d``. ``W``: ``(d, n)``; returns ``(d,)``.
    """
    W = as_array("W", W, ndim=2)
    d, n = W.shape
    F = as_array("F", F, ndim=2)
    if F.shape[0] != n or F.shape[1] < 2:
        raise ValueError(f"F must have shape ({n}, m+1) with m >= 1; got {F.shape}")
    if not np.allclose(F.T @ F, np.eye(F.shape[1]), atol=1e-10):
        raise ValueError("F must have orthonormal columns")
    k = as_float("k", k, min=0.0, max=d, strict_min=True, strict_max=True)
    return np.linalg.norm(W @ F, axis=1) * sphere_cap_cosine(k / d, F.shape[1] - 1)


def embedded_sphere(n: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """A random orthonormal frame ``F`` of shape ``(n, m+1)``: its columns span the subspace whose
    unit sphere ``S^m`` is the data manifold of Sec. 4.2 (``m < n``)."""
    n = as_int("n", n, min=2)
    m = as_int("m", m, min=1, max=n - 1)
    as_generator("rng", rng)
    Q, _ = np.linalg.qr(rng.standard_normal((n, m + 1)))
    return Q


# --------------------------------------------------------------------------------------------
# The averaging readout (document eq. 5; Dasgupta & Tosh Thm 8 as cited)
# --------------------------------------------------------------------------------------------
def fit_average_readout(Z, y) -> np.ndarray:
    """Readout weights of eq. (5): ``w[j]`` is the mean of ``y`` over the rows with ``Z[:, j] == 1``
    (the empirical version of "the expected value of f over U_j"); NaN where unit ``j`` never fires.

    ``Z``: ``(N, d)`` 0/1; ``y``: ``(N,)``. Returns ``(d,)``.
    """
    Z = as_array("Z", Z, ndim=2)
    if not np.all((Z == 0) | (Z == 1)):
        raise ValueError("Z must hold only 0 and 1")
    y = as_array("y", y, shape=(Z.shape[0],))
    counts = Z.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = (Z.T @ y) / counts
    w[counts == 0] = np.nan
    return w


def average_readout(Z, w) -> np.ndarray:
    """Eq. (5): ``yhat[i] = sum_j w[j] Z[i, j] / sum_j Z[i, j]``; NaN where row ``i`` has no active
    unit. ``Z``: ``(N, d)`` 0/1; ``w``: ``(d,)`` (NaN entries allowed only for units that are
    inactive on every row, otherwise the row's prediction is NaN). Returns ``(N,)``."""
    Z = as_array("Z", Z, ndim=2)
    if not np.all((Z == 0) | (Z == 1)):
        raise ValueError("Z must hold only 0 and 1")
    w = as_array("w", w, shape=(Z.shape[1],), finite=False)
    if np.any(np.isinf(w)):
        raise ValueError("w must not contain infinities")
    active = Z.sum(axis=1)
    used = Z.astype(bool)
    bad = (used & np.isnan(w)[None, :]).any(axis=1)
    num = Z @ np.where(np.isnan(w), 0.0, w)
    with np.errstate(invalid="ignore", divide="ignore"):
        yhat = num / active
    yhat[(active == 0) | bad] = np.nan
    return yhat


def cap_error_bound(k: float, d: int, m: int, lip: float) -> float:
    """Deterministic sup-norm bound ``2 L alpha`` for eq. (5) on ``S^m`` with cap thresholds.

    Each active unit's region is a cap of normalised measure ``k/d`` and geodesic radius
    ``alpha = arccos(c_m(k/d))`` containing the input, so each ``w'_j`` (any average of ``f`` over
    the cap) is within ``2 L alpha`` of ``f(u)`` when ``f`` is ``L``-Lipschitz for geodesic distance.
    This is the book's derivation of a special case of the rate ``O((k/d)^{1/m})`` that the document
    attributes to Dasgupta & Tosh, Thm 8.
    """
    d = as_int("d", d, min=1)
    k = as_float("k", k, min=0.0, max=d, strict_min=True, strict_max=True)
    m = as_int("m", m, min=1)
    lip = as_float("lip", lip, min=0.0)
    return float(2.0 * lip * np.arccos(sphere_cap_cosine(k / d, m)))


def sphere_readout_errors(W, F, k: int, f, n_train: int, n_test: int, rng: np.random.Generator,
                          sparsifier: str = "threshold") -> tuple[np.ndarray, np.ndarray]:
    """Train the averaging readout (5) on data uniform on the sphere ``S^m`` spanned by ``F`` and test it.

    Parameters
    ----------
    W : ``(d, n)`` projection matrix; F : ``(n, m+1)`` orthonormal frame of the data subspace.
    k : expected (``'threshold'``, exact cap thresholds of :func:`sphere_thresholds`) or exact
        (``'topk'``, :func:`topk_binary`) number of active units.
    f : callable mapping sphere coordinates ``(N, m+1)`` to targets ``(N,)``.
    n_train, n_test : numbers of i.i.d. uniform training and test points.

    Returns
    -------
    (abs_err, ever_active): ``(n_test,)`` absolute errors ``|f_hat - f|`` on the test points (NaN where
    eq. (5) is undefined), and the ``(d,)`` 0/1 indicator of units active on some training point.
    """
    W = as_array("W", W, ndim=2)
    F = as_array("F", F, shape=(W.shape[1], None))
    k = as_int("k", k, min=1, max=W.shape[0] - 1)
    if not callable(f):
        raise ValueError("f must be callable")
    n_train = as_int("n_train", n_train, min=1)
    n_test = as_int("n_test", n_test, min=1)
    as_generator("rng", rng)
    as_choice("sparsifier", sparsifier, ("threshold", "topk"))
    m1 = F.shape[1]
    if sparsifier == "threshold":
        tau = sphere_thresholds(W, F, k)
        code = lambda S: threshold_binary(S @ (W @ F).T, tau)
    else:
        code = lambda S: topk_binary(S @ (W @ F).T, k)
    S_tr = uniform_sphere(n_train, m1, rng)
    Z_tr = code(S_tr)
    w = fit_average_readout(Z_tr, f(S_tr))
    S_te = uniform_sphere(n_test, m1, rng)
    yhat = average_readout(code(S_te), w)
    return np.abs(yhat - f(S_te)), (Z_tr.sum(axis=0) > 0).astype(np.float64)


def overlap_probability(tau: float, rho) -> np.ndarray:
    """``p11 = P(X >= tau, Y >= tau)`` for a standard bivariate normal pair with correlation ``rho``.

    For unit inputs ``u, u'`` at angle ``theta`` and a Gaussian row ``w``, ``(w^T u, w^T u')`` is such a
    pair with ``rho = cos(theta)``, so the overlap ``z^T z'`` of two codes with the common threshold
    ``tau`` is ``Binomial(d, p11)`` over fresh ``W`` (document Sec. 5, phenomenon 2; the concentration
    of [18, Lem. 4] there). Computed as ``int_tau^inf phi(x) Phi-bar((tau - rho x)/sqrt(1 - rho^2)) dx``.
    """
    from scipy.integrate import quad
    from scipy.stats import norm

    tau = as_float("tau", tau)
    rho = as_array("rho", rho)
    if np.any(np.abs(rho) > 1):
        raise ValueError("rho must lie in [-1, 1]")
    out = []
    for r in rho.ravel():
        if r >= 1.0:
            out.append(norm.sf(tau))
        elif r <= -1.0:
            out.append(max(0.0, norm.sf(tau) - norm.cdf(-tau)))
        else:
            g = lambda x: norm.pdf(x) * norm.sf((tau - r * x) / math.sqrt(1 - r * r))
            out.append(quad(g, tau, np.inf, epsabs=1e-14, epsrel=1e-12, limit=200)[0])
    return np.array(out).reshape(rho.shape)


def expected_min_flip(d: int, n: int, c: float) -> float:
    """Exact ``E[min_j |w_j^T u - c|]`` for ``d`` i.i.d. uniform unit rows ``w_j`` in ``R^n`` and a unit ``u``.

    This is the mean length of the smallest perturbation of ``u`` that flips one unit of a threshold
    code with unit rows and common threshold ``c`` (distance to the nearest hyperplane
    ``w_j^T v = c``). With ``t = w^T u`` (density ``prop. to (1-t^2)^{(n-3)/2}``) and
    ``G(x) = P(|t - c| <= x)``, the mean is ``int_0^2 (1 - G(x))^d dx`` (book's addition to phenomenon 2).
    """
    from scipy.integrate import quad
    from scipy.stats import beta

    d = as_int("d", d, min=1)
    n = as_int("n", n, min=2)
    c = as_float("c", c, min=-1.0, max=1.0)
    a = (n - 1) / 2
    cdf = lambda t: beta.cdf((np.clip(t, -1, 1) + 1) / 2, a, a)
    surv = lambda x: (1.0 - (cdf(c + x) - cdf(c - x))) ** d
    scale = 1.0 / d  # the integrand decays on this scale; split the range for accuracy
    pts = [0.0, scale, 5 * scale, 20 * scale, 2.0]
    return float(sum(quad(surv, lo, hi, limit=200, epsabs=1e-15)[0] for lo, hi in zip(pts[:-1], pts[1:]) if hi > lo))


def stevens_coverage(d: int, a) -> float:
    """Probability that ``d`` arcs of length ``a`` (a fraction of the circumference), with i.i.d.
    uniform centres, cover the circle (Stevens 1939), in exact rational arithmetic:
    ``sum_{j=0}^{floor(1/a)} (-1)^j C(d, j) (1 - j a)^{d-1}`` (the alternating sum cancels badly in
    floating point). ``a`` is converted with ``Fraction(a)`` (exact for a float or a Fraction).
    """
    d = as_int("d", d, min=1)
    if not isinstance(a, Fraction):
        a = Fraction(as_float("a", a, min=0.0, strict_min=True))
    if not 0 < a:
        raise ValueError(f"a must be > 0; got {a}")
    if a >= 1:
        return 1.0
    s, j = Fraction(0), 0
    while j <= d and j * a < 1:
        s += (-1) ** j * math.comb(d, j) * (1 - j * a) ** (d - 1)
        j += 1
    return float(s)


def circle_covered(centres, a: float) -> np.ndarray:
    """Whether arcs of length ``a`` centred at ``centres`` (``(T, d)`` angles as fractions of a turn,
    one set of ``d`` arcs per row) cover the circle: iff every circular gap between consecutive
    centres is at most ``a``. Returns ``(T,)`` booleans."""
    centres = as_array("centres", centres, ndim=2)
    a = as_float("a", a, min=0.0, strict_min=True)
    s = np.sort(np.mod(centres, 1.0), axis=1)
    gaps = np.diff(np.concatenate([s, s[:, :1] + 1.0], axis=1), axis=1)
    return gaps.max(axis=1) <= a
