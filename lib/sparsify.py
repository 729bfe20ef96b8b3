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
    "relu_features",
    "ridge_readout",
    "readout_gd_steps",
    "train_two_layer",
    "relative_change",
    "train_classifier",
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
    Y = X @ A.T  # A (x_i - x_j) = y_i - y_j: project once, then take differences
    i, j = np.triu_indices(X.shape[0], k=1)

    def sqdist(M):
        # direct differences, in row blocks: the expansion |a|^2 + |b|^2 - 2 a.b cancels
        # catastrophically for nearly equal rows
        out = np.empty(i.size)
        for s in range(0, i.size, 4096):
            D = M[i[s:s + 4096]] - M[j[s:s + 4096]]
            out[s:s + 4096] = np.einsum("ij,ij->i", D, D)
        return out

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


# --------------------------------------------------------------------------------------------
# Random features, lazy training, memorisation, double descent (document Sec. 5, items 3, 4, 7)
# --------------------------------------------------------------------------------------------
def relu_features(X, W, b=None) -> np.ndarray:
    """Random ReLU features ``F = relu(X W^T + b) / sqrt(d)`` of an untrained layer (eq. (2) with
    ``tau = -b``), scaled so that ``F F^T`` has entries of order one for any width.

    ``X``: ``(N, n)`` inputs as rows; ``W``: ``(d, n)``; ``b``: ``(d,)`` or ``None`` (zero).
    Returns ``(N, d)``. Document Sec. 5 item 3 (untrained networks) uses such a layer with a
    trained linear readout on top.
    """
    X = as_array("X", X, ndim=2)
    W = as_array("W", W, shape=(None, X.shape[1]))
    b = np.zeros(W.shape[0]) if b is None else as_array("b", b, shape=(W.shape[0],))
    with np.errstate(over="ignore", invalid="ignore"):
        F = np.maximum(X @ W.T + b, 0.0) / math.sqrt(W.shape[0])
    if not np.all(np.isfinite(F)):
        raise ValueError("X and W must be small enough that X W^T + b is finite in float64 (overflow)")
    return F


def ridge_readout(F, y, lam=0.0) -> np.ndarray:
    """Linear readout ``a`` minimising ``||F a - y||^2 + lam ||a||^2`` (``lam > 0``: ridge) or, for
    ``lam = 0``, the minimum-norm least-squares solution ``pinv(F) y`` (singular values below
    ``1e-12`` times the largest are treated as zero).

    ``F``: ``(N, d)`` features; ``y``: ``(N,)`` or ``(N, c)`` targets; ``lam``: a number, or a 1-D
    array of ``L`` values (one SVD serves them all). Returns ``(d,)`` or ``(d, c)``, with a leading
    axis of length ``L`` when ``lam`` is an array.
    Computed from the thin SVD of ``F``, so it is stable at the interpolation threshold ``d = N``.
    """
    F = as_array("F", F, ndim=2)
    y = as_array("y", y, ndim=(1, 2))
    if y.shape[0] != F.shape[0]:
        raise ValueError(f"y must have {F.shape[0]} rows (one per row of F); got {y.shape[0]}")
    lams = as_array("lam", lam, ndim=(0, 1))
    if np.any(lams < 0):
        raise ValueError("lam must be >= 0")
    try:
        U, s, Vt = np.linalg.svd(F, full_matrices=False)
    except np.linalg.LinAlgError as exc:  # e.g. entries so large that the SVD overflows
        raise ValueError("F must be well scaled: its SVD did not converge") from exc
    if not np.isfinite(s).all():
        raise ValueError("F must be small enough that its singular values are finite in float64")
    if s.max() == 0:
        raise ValueError("F must not be zero")
    keep = s > s.max() * 1e-12
    pinv = np.where(keep, 1.0 / np.where(keep, s, 1.0), 0.0)
    coef = U.T @ y  # (r,) or (r, c)
    out = []
    for lm in lams.ravel():
        with np.errstate(divide="ignore"):  # s / (s^2 + lam), written so that s^2 cannot overflow
            filt = pinv if lm == 0 else np.where(s > 0, 1.0 / (s + lm / np.where(s > 0, s, 1.0)), 0.0)
        out.append(Vt.T @ (filt[:, None] * coef if coef.ndim == 2 else filt * coef))
    return out[0] if lams.ndim == 0 else np.stack(out)


def readout_gd_steps(F, y, tol: float, eta: float | None = None, max_steps: int = 10**9) -> int:
    """Exact number of full-batch gradient-descent steps on ``L(a) = ||F a - y||^2 / 2`` from ``a = 0``
    until the squared residual ``||F a_t - y||^2`` is at most ``tol``.

    The residual obeys ``r_t = (I - eta K)^t y`` with ``K = F F^T``, so with ``K = sum_i l_i q_i q_i^T``
    the squared residual is ``sum_i (1 - eta l_i)^(2t) (q_i^T y)^2``: it is evaluated in closed form
    and the first ``t`` is found by bisection (it is decreasing in ``t`` for ``0 < eta <= 1/l_max``).
    ``eta`` defaults to ``1 / l_max``. ``F``: ``(N, d)``; ``y``: ``(N,)``. Returns ``max_steps`` if the
    tolerance is not reached by then (e.g. ``y`` outside the range of ``F``). Used for the
    training-time claim of document Sec. 5 item 7 (Zhang et al.).
    """
    F = as_array("F", F, ndim=2)
    y = as_array("y", y, shape=(F.shape[0],))
    tol = as_float("tol", tol, min=0.0, strict_min=True)
    max_steps = as_int("max_steps", max_steps, min=1)
    with np.errstate(over="ignore", invalid="ignore"):
        K = F @ F.T
    if not np.isfinite(K).all():
        raise ValueError("F must be small enough that F F^T is finite in float64")
    lam, Q = np.linalg.eigh(K)
    lam = np.clip(lam, 0.0, None)
    if lam.max() <= 0:
        raise ValueError("F must not be zero")
    eta = 1.0 / lam.max() if eta is None else as_float("eta", eta, min=0.0, max=1.0 / lam.max(), strict_min=True)
    c2 = (Q.T @ y) ** 2
    fac = np.clip(1.0 - eta * lam, 0.0, 1.0)
    res2 = lambda t: float(np.sum(c2 * fac ** (2.0 * t)))
    if res2(0) <= tol:
        return 0
    if res2(max_steps) > tol:
        return max_steps
    lo, hi = 0, max_steps  # res2(lo) > tol >= res2(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if res2(mid) > tol else (lo, mid)
    return hi


def train_two_layer(X, y, width: int, *, steps: int, lr: float, generator, scaling: str = "ntk",
                    optimizer: str = "gd", train_first: bool = True, device=None):
    """Train ``f(x) = s_m sum_j a_j relu(w_j^T x)`` on the squared loss ``sum_i (f(x_i) - y_i)^2 / (2N)``.

    Parameters
    ----------
    X : ``(N, n)`` inputs; y : ``(N,)`` targets.
    width : number ``m`` of hidden units.
    steps, lr : full-batch steps and base learning rate.
    generator : ``torch.Generator`` for the initialisation ``w_j ~ N(0, I_n / n)``, ``a_j ~ N(0, 1)``.
    scaling : ``'ntk'`` (``s_m = m^{-1/2}``, learning rate ``lr``) or ``'mf'`` (mean field,
        ``s_m = 1/m``, learning rate ``lr * m`` so that each unit moves by O(1)) -- the two
        parameterisations of Chizat, Oyallon & Bach that document Sec. 5 item 4 cites as [9].
    optimizer : ``'gd'`` (plain gradient descent) or ``'adam'`` (then ``lr`` is used unscaled).
    train_first : if False only the readout ``a`` is trained (random features).
    device : torch device (default CPU). Computation in float64.

    Returns
    -------
    (net0, net, losses): the initial and trained networks as :class:`lib.nets.Net` (the factor
    ``s_m`` folded into the output weights) and the ``(steps + 1,)`` training losses.
    """
    import torch

    X = as_array("X", X, ndim=2)
    y = as_array("y", y, shape=(X.shape[0],))
    width = as_int("width", width, min=1)
    steps = as_int("steps", steps, min=0)
    lr = as_float("lr", lr, min=0.0, strict_min=True)
    if not isinstance(generator, torch.Generator):
        raise ValueError(f"generator must be a torch.Generator; got {generator!r}")
    as_choice("scaling", scaling, ("ntk", "mf"))
    as_choice("optimizer", optimizer, ("gd", "adam"))
    dev = torch.device("cpu") if device is None else torch.device(device)
    n = X.shape[1]
    s_m = width ** -0.5 if scaling == "ntk" else 1.0 / width
    W0 = torch.randn(width, n, generator=generator, dtype=torch.float64) / math.sqrt(n)
    a0 = torch.randn(width, generator=generator, dtype=torch.float64)
    W = W0.clone().to(dev).requires_grad_(train_first)
    a = a0.clone().to(dev).requires_grad_(True)
    Xt = torch.from_numpy(X).to(dev)
    yt = torch.from_numpy(y).to(dev)
    params = [a] + ([W] if train_first else [])
    step_lr = lr * width if (scaling == "mf" and optimizer == "gd") else lr
    opt = torch.optim.SGD(params, lr=step_lr) if optimizer == "gd" else torch.optim.Adam(params, lr=step_lr)
    loss_fn = lambda: 0.5 * torch.mean((s_m * (torch.relu(Xt @ W.T) @ a) - yt) ** 2)
    losses = np.empty(steps + 1)
    for t in range(steps):
        opt.zero_grad()
        loss = loss_fn()
        losses[t] = loss.item()
        loss.backward()
        opt.step()
    with torch.no_grad():
        losses[steps] = loss_fn().item()
    if not np.all(np.isfinite(losses)):
        raise ValueError(f"lr must be small enough for training to stay finite; the loss diverged with lr = {lr}")
    to_net = lambda Wm, am: Net([Wm.detach().cpu().numpy().copy(), (s_m * am.detach().cpu().numpy())[None, :].copy()],
                                [np.zeros(width), np.zeros(1)], ("relu", "identity"))
    return to_net(W0, a0), to_net(W, a), losses


def relative_change(net0: Net, net: Net, layer: int = 0) -> float:
    """``||W_T - W_0||_F / ||W_0||_F`` for the weights of map ``layer`` of two networks of the same
    shape (the "weights change by very little" of document Sec. 5 item 4)."""
    if not isinstance(net0, Net) or not isinstance(net, Net):
        raise ValueError("net0 and net must be lib.nets.Net instances")
    layer = as_int("layer", layer, min=0, max=net0.depth - 1)
    if net0.widths != net.widths:
        raise ValueError(f"net and net0 must have the same widths; got {net.widths} and {net0.widths}")
    A, B = net0.weights[layer], net.weights[layer]
    den = float(np.linalg.norm(A))
    if den == 0:
        raise ValueError("net0 must have non-zero weights in the chosen layer")
    return float(np.linalg.norm(B - A)) / den


def train_classifier(X, labels, width: int, *, steps: int, lr: float, generator, num_classes: int | None = None,
                     stop_at: float | None = None, device=None):
    """Train a one-hidden-layer ReLU classifier ``x -> V relu(W x + b) + c`` by full-batch Adam on the
    cross-entropy loss, recording the training accuracy after every step.

    Parameters
    ----------
    X : ``(N, n)`` inputs; labels : ``(N,)`` integers in ``[0, num_classes)``.
    width : hidden units; steps, lr : Adam steps and learning rate.
    generator : ``torch.Generator`` for PyTorch's default ``Linear`` initialisation (uniform, fan-in).
    num_classes : defaults to ``labels.max() + 1``.
    stop_at : stop as soon as the training accuracy reaches this value (``None``: run all steps).
    device : torch device (default CPU). Computation in float64.

    Returns
    -------
    (net, accuracy): the trained :class:`lib.nets.Net` (logits as outputs) and the training accuracies,
    ``accuracy[t]`` after ``t`` steps (length ``steps + 1``, shorter when ``stop_at`` was reached). This is the memorisation experiment of Zhang et al.,
    which document Sec. 5 item 7 cites as [5], in its smallest form.
    """
    import torch

    X = as_array("X", X, ndim=2)
    labels = as_array("labels", labels, shape=(X.shape[0],), dtype=np.int64)
    if labels.min() < 0:
        raise ValueError("labels must be >= 0")
    num_classes = int(labels.max()) + 1 if num_classes is None else as_int("num_classes", num_classes, min=2)
    if labels.max() >= num_classes:
        raise ValueError(f"labels must be < num_classes = {num_classes}")
    width = as_int("width", width, min=1)
    steps = as_int("steps", steps, min=0)
    lr = as_float("lr", lr, min=0.0, strict_min=True)
    if not isinstance(generator, torch.Generator):
        raise ValueError(f"generator must be a torch.Generator; got {generator!r}")
    if stop_at is not None:
        stop_at = as_probability("stop_at", stop_at)
    dev = torch.device("cpu") if device is None else torch.device(device)
    n = X.shape[1]
    bound1, bound2 = 1 / math.sqrt(n), 1 / math.sqrt(width)
    uni = lambda shape, b: ((torch.rand(shape, generator=generator, dtype=torch.float64) * 2 - 1) * b).to(dev)
    params = [uni((width, n), bound1), uni((width,), bound1), uni((num_classes, width), bound2), uni((num_classes,), bound2)]
    for p in params:
        p.requires_grad_(True)
    W, b, V, c = params
    Xt, yt = torch.from_numpy(X).to(dev), torch.from_numpy(labels).to(dev)
    opt = torch.optim.Adam(params, lr=lr)
    acc = np.empty(steps + 1)
    for t in range(steps + 1):
        logits = torch.relu(Xt @ W.T + b) @ V.T + c
        acc[t] = (logits.argmax(dim=1) == yt).double().mean().item()
        if t == steps or (stop_at is not None and acc[t] >= stop_at):
            acc = acc[: t + 1]
            break
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(logits, yt)
        if not torch.isfinite(loss):
            raise ValueError(f"lr must be small enough (and X well scaled) for training to stay finite; lr = {lr}")
        loss.backward()
        opt.step()
    np_ = lambda p: p.detach().cpu().numpy().copy()
    return Net([np_(W), np_(V)], [np_(b), np_(c)], ("relu", "identity")), acc


# --------------------------------------------------------------------------------------------
# Additions for the chapters 01b, 03b, 04b (JL maximum distortion, fly hashing, what breaks the
# readout, conjecture 5a, depth, kinks)
# --------------------------------------------------------------------------------------------
__all__ += [
    "jl_distortion_level",
    "sparse_binary_projection",
    "circle_mass_thresholds",
    "circle_arcs",
    "relu_readout_flip",
    "jacobian_singular_values",
    "relu_kinks_on_line",
]


def jl_distortion_level(N: int, k: int, delta: float) -> float:
    """Exact union-bound level for the largest Johnson-Lindenstrauss distortion of ``N`` points.

    Each of the ``P = N(N-1)/2`` ratios ``||A(x_i - x_j)||^2 / ||x_i - x_j||^2`` of a Gaussian map
    ``A`` (``(k, D)``, entries ``N(0, 1/k)``) has the law ``chi^2_k / k``, so
    ``P(max_pairs |ratio - 1| > eps) <= P * p(eps)`` with the exact two-sided tail
    ``p(eps) = P(|chi^2_k / k - 1| > eps)``. Returns the ``eps`` with ``P * p(eps) = delta``
    (document Sec. 2, JL [14]; exact tails instead of Dasgupta-Gupta's exponential bounds).
    """
    from scipy.optimize import brentq
    from scipy.stats import chi2

    N = as_int("N", N, min=2)
    k = as_int("k", k, min=1)
    delta = as_probability("delta", delta, allow_one=False)
    P = N * (N - 1) / 2
    tail = lambda e: chi2.cdf(k * (1 - e), k) + chi2.sf(k * (1 + e), k)
    g = lambda e: math.log(P * max(tail(e), 1e-300)) - math.log(delta)
    lo, hi = 0.0, 1.0
    while g(hi) > 0:
        hi *= 2.0
    if g(lo) <= 0:  # even eps = 0 is enough (P * 1 <= delta cannot happen for delta < 1, kept for safety)
        return 0.0
    return float(brentq(g, lo, hi, xtol=1e-12))


def sparse_binary_projection(d: int, n: int, s: int, rng: np.random.Generator) -> np.ndarray:
    """The fly's projection: a ``(d, n)`` 0/1 matrix whose rows have exactly ``s`` ones at uniformly
    random positions (each Kenyon cell samples ``s`` of the ``n`` projection-neuron channels;
    Dasgupta, Stevens & Navlakha 2017, cited as [16] in document Sec. 2)."""
    d = as_int("d", d, min=1)
    n = as_int("n", n, min=1)
    s = as_int("s", s, min=1, max=n)
    as_generator("rng", rng)
    idx = np.argsort(rng.random((d, n)), axis=1)[:, :s]
    M = np.zeros((d, n))
    np.put_along_axis(M, idx, 1.0, axis=1)
    return M


def circle_mass_thresholds(W, F, k: float, cdf, iters: int = 60) -> np.ndarray:
    """Thresholds adapted to a non-uniform law of the angle on the circle ``u(theta) = F (cos theta, sin theta)``.

    Unit ``j`` fires on the arc ``|theta - phi_j| <= alpha_j`` (see :func:`circle_arcs`); here
    ``alpha_j`` is chosen by bisection so that the arc has probability exactly ``k/d`` under the
    angle law with distribution function ``cdf`` on ``(-pi, pi]``, and ``tau_j = rho_j cos(alpha_j)``
    with ``rho_j = ||F^T w_j||``. This is the per-neuron percentile of document Sec. 4.1 (fn. 3)
    for a non-uniform density. ``W``: ``(d, n)``; ``F``: ``(n, 2)`` orthonormal; ``cdf``: a vectorised
    callable with ``cdf(-pi) = 0`` and ``cdf(pi) = 1``. Returns ``(d,)``.
    """
    W = as_array("W", W, ndim=2)
    d = W.shape[0]
    F = as_array("F", F, shape=(W.shape[1], 2))
    if not np.allclose(F.T @ F, np.eye(2), atol=1e-10):
        raise ValueError("F must have orthonormal columns")
    k = as_float("k", k, min=0.0, max=d, strict_min=True, strict_max=True)
    if not callable(cdf):
        raise ValueError("cdf must be callable")
    iters = as_int("iters", iters, min=1)
    turn = 2 * np.pi

    def G(x):  # distribution function unwrapped to the real line: G(x + 2 pi) = G(x) + 1
        q = np.floor((x + np.pi) / turn)
        return q + np.asarray(cdf(x - q * turn), dtype=np.float64)

    try:
        ends = np.asarray(cdf(np.array([-np.pi, 0.0, np.pi])), dtype=np.float64).ravel()
    except (TypeError, ValueError) as exc:
        raise ValueError("cdf must map an array of angles to an array of probabilities") from exc
    if ends.shape != (3,) or not np.all(np.isfinite(ends)) or not 0.0 <= ends[1] <= 1.0:
        raise ValueError("cdf must be a distribution function on (-pi, pi] (cdf(-pi) = 0, cdf(pi) = 1)")
    ends = ends[[0, 2]]
    if not (np.all(np.isfinite(ends)) and abs(ends[0]) < 1e-9 and abs(ends[1] - 1.0) < 1e-9):
        raise ValueError("cdf must be a distribution function on (-pi, pi] (cdf(-pi) = 0, cdf(pi) = 1)")
    P = W @ F
    rho, phi = np.hypot(P[:, 0], P[:, 1]), np.arctan2(P[:, 1], P[:, 0])
    lo, hi = np.zeros(d), np.full(d, np.pi)
    for _ in range(iters):
        mid = 0.5 * (lo + hi)
        small = G(phi + mid) - G(phi - mid) < k / d
        lo, hi = np.where(small, mid, lo), np.where(small, hi, mid)
    return rho * np.cos(0.5 * (lo + hi))


def circle_arcs(W, F, tau) -> tuple[np.ndarray, np.ndarray]:
    """The arcs on which threshold units fire, for inputs on the circle ``u(theta) = F (cos theta, sin theta)``.

    With ``rho_j = ||F^T w_j||`` and ``phi_j`` the angle of ``F^T w_j``, ``w_j^T u(theta) =
    rho_j cos(theta - phi_j)``, so unit ``j`` fires (eq. (4), ``>= tau_j``) exactly on the arc
    ``|theta - phi_j| <= alpha_j`` with ``alpha_j = arccos(tau_j / rho_j)`` (``pi`` when
    ``tau_j <= -rho_j``: always on). ``W``: ``(d, n)``; ``F``: ``(n, 2)`` orthonormal; ``tau``: ``(d,)``.

    Returns
    -------
    (phi, alpha): ``(d,)`` centres in ``(-pi, pi]`` and half-widths in ``[0, pi]``; ``alpha`` is NaN
    for a unit that never fires on the circle (``tau_j > rho_j``).
    """
    W = as_array("W", W, ndim=2)
    F = as_array("F", F, shape=(W.shape[1], 2))
    if not np.allclose(F.T @ F, np.eye(2), atol=1e-10):
        raise ValueError("F must have orthonormal columns")
    tau = as_array("tau", tau, shape=(W.shape[0],))
    P = W @ F
    rho = np.hypot(P[:, 0], P[:, 1])
    phi = np.arctan2(P[:, 1], P[:, 0])
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(rho > 0, tau / np.where(rho > 0, rho, 1.0), np.where(tau <= 0, -1.0, np.inf))
    alpha = np.where(ratio > 1, np.nan, np.arccos(np.clip(ratio, -1.0, 1.0)))
    return phi, alpha


def relu_readout_flip(X, W, tau, a, *, max_iter: int = 100, overshoot: float = 0.02, return_points: bool = False):
    """Size of a perturbation that flips the sign of ``f(x) = a^T relu(W x - tau) / sqrt(d)``.

    ``f`` is the ReLU layer of eq. (2) with a linear readout ``a`` (as :func:`relu_features` with
    ``b = -tau``). Starting at each row of ``X`` (``(N, n)``) it runs DeepFool for a piecewise-linear
    scalar function: ``x <- x - (1 + overshoot) f(x) grad f(x) / ||grad f(x)||^2`` until the sign of
    ``f`` differs from its sign at the start. The returned ``(N,)`` Euclidean norms of the final
    perturbations are upper bounds on the smallest flipping perturbation (an attack, not a
    certificate); ``inf`` where ``f(x) = 0`` at the start (no prediction to flip) or where the attack
    stalls (zero gradient) or has not flipped within ``max_iter`` steps. Reaching ``f = 0`` (no active
    unit: eq. (5) would be undefined) counts as a flip: the prediction is lost. With
    ``return_points=True`` it returns ``(norms, X_adv)``, ``X_adv`` of shape ``(N, n)`` holding the
    perturbed inputs (the starting point where the attack failed). Document Sec. 5 item 2 and
    conjecture 5a (book's experiment).
    """
    X = as_array("X", X, ndim=2)
    W = as_array("W", W, shape=(None, X.shape[1]))
    d = W.shape[0]
    tau = as_array("tau", tau, shape=(d,))
    a = as_array("a", a, shape=(d,))
    max_iter = as_int("max_iter", max_iter, min=1)
    overshoot = as_float("overshoot", overshoot, min=0.0, max=1.0)
    if not isinstance(return_points, (bool, np.bool_)):
        raise ValueError(f"return_points must be True or False; got {return_points!r}")
    scale = 1.0 / math.sqrt(d)

    def f_grad(Xc):
        Z = Xc @ W.T - tau
        act = Z > 0
        return (np.where(act, Z, 0.0) @ a) * scale, ((act * a) @ W) * scale

    with np.errstate(over="ignore", invalid="ignore"):
        f0, _ = f_grad(X)
        if not np.all(np.isfinite(f0)):
            raise ValueError("X, W, tau and a must be small enough that f(x) is finite in float64")
        sign0 = np.sign(f0)
        Xc = X.copy()
        done = sign0 == 0
        out = np.full(X.shape[0], np.inf)
        for _ in range(max_iter):
            live = ~done
            if not live.any():
                break
            f, g = f_grad(Xc[live])
            g2 = np.einsum("ij,ij->i", g, g)
            flipped = np.sign(f) != sign0[live]
            idx = np.flatnonzero(live)
            out[idx[flipped]] = np.linalg.norm(Xc[idx[flipped]] - X[idx[flipped]], axis=1)
            stalled = ~flipped & (g2 == 0)
            done[idx[flipped | stalled]] = True
            step = ~flipped & ~stalled
            Xc[idx[step]] -= ((1.0 + overshoot) * f[step] / g2[step])[:, None] * g[step]
        live = ~done
        if live.any():
            f, _ = f_grad(Xc[live])
            idx = np.flatnonzero(live)
            ok = np.sign(f) != sign0[live]
            out[idx[ok]] = np.linalg.norm(Xc[idx[ok]] - X[idx[ok]], axis=1)
    if return_points:
        return out, np.where(np.isfinite(out)[:, None], Xc, X)
    return out


def jacobian_singular_values(net: Net, X) -> np.ndarray:
    """Singular values of the input-output Jacobian ``J(x) = d net(x) / dx`` at each row of ``X``.

    ``net``: a :class:`lib.nets.Net`; ``X``: ``(N, d_in)``. The Jacobian is assembled column by
    column with forward-mode derivatives (:meth:`lib.nets.Net.jvp`, ReLU'(0) = 0). Returns
    ``(N, min(d_in, d_out))``, each row in decreasing order. Used for the depth claim of document
    Sec. 5 item 2 (book's illustration).
    """
    if not isinstance(net, Net):
        raise ValueError(f"net must be a lib.nets.Net; got {net!r}")
    X = as_array("X", X, shape=(None, net.d_in))
    n = net.d_in
    out = []
    eye = np.eye(n)
    for x in X:
        _, JT = net.jvp(np.repeat(x[None, :], n, axis=0), eye)  # row i is J e_i
        out.append(np.linalg.svd(JT, compute_uv=False))
    return np.array(out)


def relu_kinks_on_line(W, tau, a, x0, v, t_range) -> np.ndarray:
    """Breakpoints of ``t -> a^T relu(W (x0 + t v) - tau)`` inside the open interval ``t_range``.

    Each unit's pre-activation ``w_j^T x0 - tau_j + t w_j^T v`` is affine in ``t``, so it contributes
    exactly one kink, at ``t_j = (tau_j - w_j^T x0) / (w_j^T v)``, when ``w_j^T v != 0`` and
    ``a_j != 0``, and none otherwise (distinct ``t_j`` assumed, true with probability one for
    continuous weights). ``W``: ``(d, n)``; ``tau``, ``a``: ``(d,)``; ``x0``, ``v``: ``(n,)``;
    ``t_range = (lo, hi)``. Returns the sorted kink locations. Document Sec. 5 item 7 ("counting
    weights is misleading"; book's structural check).
    """
    W = as_array("W", W, ndim=2)
    d, n = W.shape
    tau = as_array("tau", tau, shape=(d,))
    a = as_array("a", a, shape=(d,))
    x0 = as_array("x0", x0, shape=(n,))
    v = as_array("v", v, shape=(n,))
    t_range = as_array("t_range", t_range, shape=(2,))
    if not t_range[0] < t_range[1]:
        raise ValueError(f"t_range must be (lo, hi) with lo < hi; got {t_range}")
    slope = W @ v
    use = (slope != 0) & (a != 0)
    t = (tau[use] - W[use] @ x0) / slope[use]
    return np.sort(t[(t > t_range[0]) & (t < t_range[1])])
