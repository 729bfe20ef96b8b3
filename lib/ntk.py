"""Near initialisation and the neural tangent kernel (Telgarsky's notes, Ch. 3).

Conventions (the *NTK* chapters of the book compare them):

* The notes' two-layer model is ``F(x; V) = sum_j a_j sigma(v_j . x)`` with ``a_j = +-1`` fixed,
  rows ``v_j ~ N(0, I_d)``, and (from Sec. 3.2 on) an outer factor ``rho / sqrt(m)``. Only the
  inner matrix ``V`` (shape ``(m, d)``) is trained. Inputs are rows: ``X`` has shape ``(n, d)``.
* The ReLU derivative is ``1[z >= 0]`` as in the proofs of Prop. 3.7 and Prop. 3.23; under a
  Gaussian ``V_0`` the value at 0 is irrelevant almost surely (Remark 3.22).
* Angles between input rows are computed as ``2 arctan2(|u - w|, |u + w|)`` of the unit vectors, which
  never returns NaN, even when a cosine rounds past +-1.
* ``relu_ntk`` follows the convention of neural-tangents' ``stax.serial(Dense(n, W_std, b_std),
  Relu(), ..., Dense(1, W_std, b_std))`` in NTK parameterisation: the input covariance is
  ``<x, y> / d``, a dense layer maps ``q -> W_std^2 q + b_std^2`` and ``Theta -> q' + W_std^2 Theta``.
"""
from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from . import nets
from .validate import as_array, as_choice, as_float, as_generator, as_int, as_probability

__all__ = [
    "ACTIVATIONS",
    "pair_angles",
    "relu_ntk_inner",
    "relu_outer_kernel",
    "relu_ntk",
    "init_two_layer",
    "two_layer_net",
    "two_layer",
    "taylor_gap",
    "relu_flip_sum",
    "remainder_from_preactivations",
    "prop34_bound",
    "prop37_bound",
    "adversarial_relu_perturbation",
    "relu_flip_second_moment",
    "taylor_expansion",
    "transport_weights",
    "span_transport",
    "orthant_probability3",
    "transport_limit_moments",
    "small_projection_count",
    "thm310_width",
    "embed_reference_network",
    "lemma38_threshold",
    "lemma38_tail",
    "cube_orthant_probability",
    "two_layer_module",
    "ntk_mlp",
    "empirical_ntk",
    "empirical_ntk_layers",
    "prop325_coefficients",
    "circle_points",
    "circle_kernel_profile",
    "circle_kernel_fourier",
    "kernel_least_squares",
    "taylor_features",
    "lazy_training",
]


# --------------------------------------------------------------------------------------------
# activations with their smoothness constants (Prop. 3.4)
# --------------------------------------------------------------------------------------------
def _softplus(z):
    return np.logaddexp(0.0, z)


def _softplus_d(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))


#: name -> (sigma, sigma', beta) with beta the Lipschitz constant of sigma' (inf for the ReLU).
ACTIVATIONS = {
    "relu": (lambda z: np.maximum(z, 0.0), lambda z: (z >= 0).astype(np.float64), math.inf),
    "softplus": (_softplus, _softplus_d, 0.25),
    "tanh": (np.tanh, lambda z: 1.0 - np.tanh(z) ** 2, 4.0 / (3.0 * math.sqrt(3.0))),
}


def _flag(name, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False; got {value!r}")
    return bool(value)


def _act(name):
    as_choice("activation", name, ACTIVATIONS)
    return ACTIVATIONS[name]


# --------------------------------------------------------------------------------------------
# analytic kernels
# --------------------------------------------------------------------------------------------
def _rows(name, X, d=None):
    X = as_array(name, X, ndim=2)
    if d is not None and X.shape[1] != d:
        raise ValueError(f"{name} must have {d} columns (the feature dimension of X); got {X.shape[1]}")
    return X


def _nonzero_norms(name, X):
    n = np.linalg.norm(X, axis=1)
    if np.any(n == 0):
        raise ValueError(f"{name} must have non-zero rows (the angle to a zero row is undefined)")
    return n


def pair_angles(X, Y=None):
    """Norms and angles of all pairs of rows.

    Parameters
    ----------
    X : (n, d) array of non-zero rows; Y : (n', d) array of non-zero rows (default ``X``).

    Returns
    -------
    nx : (n,), ny : (n',), theta : (n, n') with ``theta[i, k]`` in ``[0, pi]`` the angle between
    ``X[i]`` and ``Y[k]``, computed as ``2 arctan2(|u - w|, |u + w|)`` from the unit vectors ``u, w``,
    with the distances formed coordinate by coordinate (in row chunks) rather than from ``2 -+ 2 u.w``.
    So it is never NaN, and accurate near 0 and pi too (nearly parallel rows give angles of the size of
    their true separation, not ``sqrt(eps)``).
    """
    X = _rows("X", X)
    Y = X if Y is None else _rows("Y", Y, X.shape[1])
    nx, ny = _nonzero_norms("X", X), _nonzero_norms("Y", Y)
    Ux, Uy = X / nx[:, None], Y / ny[:, None]
    theta = np.empty((X.shape[0], Y.shape[0]))
    for sl in _row_chunks(X.shape[0], Y.shape[0] * X.shape[1]):
        diff = np.linalg.norm(Ux[sl, None, :] - Uy[None, :, :], axis=2)
        summ = np.linalg.norm(Ux[sl, None, :] + Uy[None, :, :], axis=2)
        theta[sl] = 2.0 * np.arctan2(diff, summ)
    return nx, ny, theta


def relu_ntk_inner(X, Y=None, rho: float = 1.0) -> np.ndarray:
    """Prop. 3.23 of the notes for any non-zero rows: the inner-layer ReLU NTK.

    ``k(x, y) = rho^2 <x, y> (pi - theta) / (2 pi)``, the limit of
    ``(rho^2 / m) sum_j <x, y> 1[v_j.x >= 0] 1[v_j.y >= 0]`` with ``v_j ~ N(0, I_d)``.
    The notes state it for unit vectors (where ``<x, y> = cos theta``); it holds for any non-zero
    rows because the indicators only see directions.

    Parameters
    ----------
    X : (n, d); Y : (n', d) or None (then ``Y = X``); rho : the temperature, >= 0.

    Returns
    -------
    K : (n, n') float64.
    """
    rho = as_float("rho", rho, min=0.0)
    X = _rows("X", X)
    Yr = X if Y is None else _rows("Y", Y, X.shape[1])
    _, _, theta = pair_angles(X, Yr)
    return rho**2 * (X @ Yr.T) * (np.pi - theta) / (2.0 * np.pi)


def relu_outer_kernel(X, Y=None) -> np.ndarray:
    """``E_v relu(v.x) relu(v.y)`` for ``v ~ N(0, I_d)`` (Cho and Saul's degree-1 kernel over 2).

    ``|x| |y| (sin theta + (pi - theta) cos theta) / (2 pi)``: the part of the NTK that comes from
    training the outer layer ``a`` (not in the notes, which train only ``V``). Shapes as in
    :func:`relu_ntk_inner`.
    """
    X = _rows("X", X)
    Yr = X if Y is None else _rows("Y", Y, X.shape[1])
    nx, ny, theta = pair_angles(X, Yr)
    return np.outer(nx, ny) * (np.sin(theta) + (np.pi - theta) * np.cos(theta)) / (2.0 * np.pi)


def _relu_expectations(q12, q11, q22, buffers=None):
    """E relu(u) relu(w) and E 1[u>0] 1[w>0] for a centred Gaussian pair with the given covariance.

    The cosine is clipped to [-1, 1] before ``arccos``, so rounding past +-1 gives no NaN.
    ``buffers``: four arrays shaped like ``q12`` to compute in (the last two are returned), so a
    recursion over layers allocates nothing per layer.
    """
    s, c, dot, nngp = buffers if buffers is not None else (np.empty_like(q12) for _ in range(4))
    two_pi = 2.0 * np.pi
    np.multiply(np.sqrt(q11)[:, None], np.sqrt(q22)[None, :], out=s)
    c.fill(0.0)
    np.divide(q12, s, out=c, where=s > 0)
    np.clip(c, -1.0, 1.0, out=c)
    np.arccos(c, out=dot)
    np.subtract(np.pi, dot, out=dot)
    np.divide(dot, two_pi, out=dot)  # E 1[u>0] 1[w>0] = (pi - theta) / (2 pi)
    np.multiply(c, c, out=nngp)
    np.subtract(1.0, nngp, out=nngp)
    np.sqrt(nngp, out=nngp)
    np.divide(nngp, two_pi, out=nngp)
    np.multiply(dot, c, out=c)
    np.add(nngp, c, out=nngp)
    np.multiply(s, nngp, out=nngp)  # s (sqrt(1 - c^2) / (2 pi) + dot c)
    return nngp, dot


def _ntk_recursion(q12, q11, q22, depth, W2, b2):
    """The layer recursion of :func:`relu_ntk` on a block of rows (``q12`` (r, n'), ``q11`` (r,)),
    in four buffers reused by every layer."""
    ntk = q12.copy()
    q12 = q12.copy()
    buffers = tuple(np.empty_like(q12) for _ in range(4))
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(depth):
            e12, dot = _relu_expectations(q12, q11, q22, buffers)
            q11 = W2 * q11 / 2.0 + b2  # E relu(u)^2 = q / 2
            q22 = W2 * q22 / 2.0 + b2
            np.multiply(W2, e12, out=q12)
            np.add(q12, b2, out=q12)
            np.multiply(W2, ntk, out=ntk)
            np.multiply(ntk, dot, out=ntk)
            np.add(q12, ntk, out=ntk)
    return q12, ntk


def _threads() -> int:
    """Worker threads for element-wise kernels: ``OMP_NUM_THREADS`` if set, else every core."""
    import os

    raw = os.environ.get("OMP_NUM_THREADS", "").strip()
    return max(1, int(raw)) if raw.isdigit() else max(1, os.cpu_count() or 1)


def _in_row_blocks(fn, q12, q11, q22, *args, block_entries: int = 1 << 16):
    """``fn`` on blocks of rows of ``q12``/``q11`` (about ``block_entries`` entries each), in threads.

    The recursion makes a dozen element-wise passes per layer. On the whole ``n x n`` matrix each
    pass streams it through memory; on a block of 64K entries (512 KB) the passes stay in cache,
    which is about twice as fast on one core. NumPy's element-wise functions are single-threaded but
    release the GIL, so the blocks also run in parallel. Every entry goes through the same
    operations as without blocks, so the result is bit-for-bit the same at any thread count and
    block size.
    """
    rows = max(1, block_entries // max(1, q12.shape[1]))
    if q12.shape[0] <= rows:
        return fn(q12, q11, q22, *args)
    cuts = list(range(0, q12.shape[0], rows)) + [q12.shape[0]]
    first = fn(q12[:rows], q11[:rows], q22, *args)  # its shapes and dtypes size the outputs
    outs = tuple(np.empty((q12.shape[0],) + r.shape[1:], r.dtype) for r in first)
    for o, r in zip(outs, first):
        o[:rows] = r

    def block(i):
        lo, hi = cuts[i], cuts[i + 1]
        for o, r in zip(outs, fn(q12[lo:hi], q11[lo:hi], q22, *args)):
            o[lo:hi] = r

    rest = range(1, len(cuts) - 1)
    workers = min(_threads(), len(rest))
    if workers == 1:
        for i in rest:
            block(i)
    else:
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(block, rest))
    return outs


def relu_ntk(X, Y=None, depth: int = 1, W_std: float = 2**0.5, b_std: float = 0.0):
    """Infinite-width NNGP and NTK of a fully connected ReLU network in NTK parameterisation.

    The network is ``Dense(W_std, b_std), Relu`` repeated ``depth`` times, then a readout
    ``Dense(1, W_std, b_std)``; a dense layer computes ``W_std W h / sqrt(fan_in) + b_std b`` with
    standard normal ``W, b``, and every weight and bias is trained. Recursion
    (neural-tangents' convention; Jacot et al. 2018):
    ``q_1 = W_std^2 <x, y> / d + b_std^2``, ``Theta_1 = q_1``, and for each hidden layer
    ``q_{l+1} = W_std^2 E[relu relu] + b_std^2``, ``Theta_{l+1} = q_{l+1} + W_std^2 Theta_l E[relu' relu']``.

    Parameters
    ----------
    X : (n, d); Y : (n', d) or None. Rows must be non-zero when ``b_std == 0``.
    depth : number of hidden ReLU layers, >= 1.
    W_std, b_std : standard deviations, >= 0.

    Returns
    -------
    nngp, ntk : two (n, n') float64 arrays (the output layer's covariance and tangent kernel).
    """
    X = _rows("X", X)
    Yr = X if Y is None else _rows("Y", Y, X.shape[1])
    depth = as_int("depth", depth, min=1)
    W2 = as_float("W_std", W_std, min=0.0) ** 2
    b2 = as_float("b_std", b_std, min=0.0) ** 2
    if b2 == 0.0:
        _nonzero_norms("X", X)
        _nonzero_norms("Y", Yr)
    d = X.shape[1]
    q12 = W2 * (X @ Yr.T) / d + b2
    q11 = W2 * np.einsum("ij,ij->i", X, X) / d + b2
    q22 = W2 * np.einsum("ij,ij->i", Yr, Yr) / d + b2
    q12, ntk = _in_row_blocks(_ntk_recursion, q12, q11, q22, depth, W2, b2)
    if not (np.all(np.isfinite(ntk)) and np.all(np.isfinite(q12))):
        raise ValueError(f"W_std and depth must keep the kernel within float64 (it grows like (W_std^2/2)^depth); "
                         f"got W_std={W_std!r}, depth={depth}")
    return q12, ntk


def cube_orthant_probability(x, y) -> float:
    """``P(v.x >= 0, v.y >= 0)`` for ``v`` uniform on the square ``[-1, 1]^2`` (PyTorch's law, d = 2).

    The angle of a uniform point of the square has density ``R(phi)^2 / 8`` with
    ``R(phi) = 1 / max(|cos phi|, |sin phi|)``; the event is the wedge of directions within
    ``pi / 2`` of both ``x`` and ``y``. Integrated by quadrature (scipy ``quad``, breakpoints at the
    square's corners). Gaussian rows give ``(pi - theta) / (2 pi)`` instead, for every rotation.

    Parameters
    ----------
    x, y : (2,) non-zero vectors.
    """
    from scipy.integrate import quad

    x = as_array("x", x, shape=(2,))
    y = as_array("y", y, shape=(2,))
    _nonzero_norms("x", x[None])
    _nonzero_norms("y", y[None])
    px, py = math.atan2(x[1], x[0]), math.atan2(y[1], y[0])
    gap = (py - px + math.pi) % (2 * math.pi) - math.pi  # signed angle from x to y in [-pi, pi)
    py = px + gap
    lo, hi = (py - math.pi / 2, px + math.pi / 2) if gap >= 0 else (px - math.pi / 2, py + math.pi / 2)
    if hi <= lo:
        return 0.0
    dens = lambda p: 1.0 / (8.0 * max(abs(math.cos(p)), abs(math.sin(p))) ** 2)
    corners = [math.pi / 4 + k * math.pi / 2 for k in range(-6, 6)]
    pts = [c for c in corners if lo < c < hi]
    return float(quad(dens, lo, hi, points=pts or None, epsabs=1e-13, epsrel=1e-12, limit=200)[0])


# --------------------------------------------------------------------------------------------
# the notes' two-layer model
# --------------------------------------------------------------------------------------------
def init_two_layer(m: int, d: int, rng: np.random.Generator, convention: str = "notes"):
    """Initial weights of a width-``m`` two-layer network in one of the conventions of Remark 3.2.

    ``'notes'``: ``a_j`` uniform on ``{-1, +1}``, ``v_j ~ N(0, I_d)`` (the notes' Ch. 3 choice);
    ``'theory'``: ``a_j`` uniform on ``{-1/sqrt(m), +1/sqrt(m)}``, ``v_j ~ N(0, I_d / d)``;
    ``'torch'``: PyTorch's default ``Linear`` law without biases, ``a_j ~ U[-1/sqrt(m), 1/sqrt(m)]``
    and ``v_{j,i} ~ U[-1/sqrt(d), 1/sqrt(d)]``.

    Returns
    -------
    a : (m,), V : (m, d) float64.
    """
    m = as_int("m", m, min=1)
    d = as_int("d", d, min=1)
    as_generator("rng", rng)
    as_choice("convention", convention, ("notes", "theory", "torch"))
    if convention == "torch":
        a = rng.uniform(-1.0, 1.0, m) / math.sqrt(m)
        V = rng.uniform(-1.0, 1.0, (m, d)) / math.sqrt(d)
        return a, V
    a = rng.choice(np.array([-1.0, 1.0]), size=m)
    V = rng.standard_normal((m, d))
    if convention == "theory":
        a, V = a / math.sqrt(m), V / math.sqrt(d)
    return a, V


def _two_layer_args(a, V, X=None):
    V = as_array("V", V, ndim=2)
    a = as_array("a", a, shape=(V.shape[0],))
    if X is None:
        return a, V
    X = as_array("X", X, ndim=2)
    if X.shape[1] != V.shape[1]:
        raise ValueError(f"X must have {V.shape[1]} columns (the columns of V); got {X.shape[1]}")
    return a, V, X


def two_layer_net(a, V, scale: float = 1.0, activation: str = "relu") -> nets.Net:
    """The notes' model ``x -> scale * sum_j a_j sigma(v_j . x)`` as a :class:`lib.nets.Net` (no biases).

    ``activation`` is any name of :data:`lib.nets.ACTIVATIONS`; ``scale`` is ``rho / sqrt(m)`` in
    the scaling of Sec. 3.2, 1 in Sec. 3.1.
    """
    a, V = _two_layer_args(a, V)
    scale = as_float("scale", scale)
    as_choice("activation", activation, nets.ACTIVATIONS)
    m = V.shape[0]
    return nets.Net([V, scale * a[None, :]], [np.zeros(m), np.zeros(1)], [activation, "identity"])


def _row_chunks(n, m, budget=2_000_000):
    """Slices of ``range(n)`` so that each (chunk, m) temporary has at most ``budget`` entries."""
    step = max(1, budget // max(m, 1))
    return [slice(i, min(i + step, n)) for i in range(0, n, step)]


def two_layer(X, a, V, activation: str = "relu") -> np.ndarray:
    """``F(x; V) = sum_j a_j sigma(v_j . x)`` for every row of ``X`` (n, d); returns (n,).

    Same as ``two_layer_net(a, V)(X)[:, 0]``, but also for ``activation='softplus'``; evaluated in
    row chunks so that memory stays bounded for large ``m``.
    """
    sigma, _, _ = _act(activation)
    a, V, X = _two_layer_args(a, V, X)
    out = np.empty(X.shape[0])
    for sl in _row_chunks(X.shape[0], V.shape[0]):
        out[sl] = sigma(X[sl] @ V.T) @ a
    return out


def taylor_gap(X, a, W, V, activation: str = "relu") -> np.ndarray:
    """Linearisation error of the notes' model at ``W``, evaluated at ``V``.

    ``|F(x; V) - F(x; W) - <dF(x; W)/dW, V - W>|`` for each row ``x`` of ``X``; with ``W = V_0``
    this is ``|F(x; V) - F_0(x; V)|`` of Def. 3.1, the quantity of Prop. 3.4 and, in general, of
    Prop. 3.7. The ReLU derivative is ``1[z >= 0]``.

    Parameters
    ----------
    X : (n, d); a : (m,); W, V : (m, d). Returns (n,).
    """
    _act(activation)
    a, V, X = _two_layer_args(a, V, X)
    W = as_array("W", W, shape=V.shape)
    out = np.empty(X.shape[0])
    for sl in _row_chunks(X.shape[0], V.shape[0]):
        out[sl] = _remainder(a, X[sl] @ W.T, X[sl] @ V.T, activation)
    return out


def _remainder(a, ZW, ZV, activation):
    sigma, dsigma, _ = ACTIVATIONS[activation]
    return np.abs(np.sum(a * (sigma(ZV) - sigma(ZW) - dsigma(ZW) * (ZV - ZW)), axis=-1))


def remainder_from_preactivations(a, ZW, ZV, activation: str = "relu") -> np.ndarray:
    """The linearisation error of :func:`taylor_gap` from pre-activations, batched over networks.

    ``|sum_j a_j (sigma(z_j) - sigma(w_j) - sigma'(w_j) (z_j - w_j))|`` with ``w_j = w_j . x`` (at
    the expansion point) and ``z_j = v_j . x``. Arrays ``a, ZW, ZV`` broadcast to a common shape
    ``(..., m)``; returns shape ``(...)``. Useful when only the pre-activations along ``x`` matter,
    e.g. many independent networks at once.
    """
    _act(activation)
    a = as_array("a", a)
    ZW = as_array("ZW", ZW)
    ZV = as_array("ZV", ZV)
    try:
        np.broadcast_shapes(a.shape, ZW.shape, ZV.shape)
    except ValueError as exc:
        raise ValueError(f"a, ZW and ZV must broadcast together; got {a.shape}, {ZW.shape}, {ZV.shape}") from exc
    return _remainder(a, ZW, ZV, activation)


def relu_flip_sum(X, a, W, V) -> np.ndarray:
    """Right side of eq. (3.6): ``sum_j a_j (1[v_j.x >= 0] - 1[w_j.x >= 0]) v_j.x``, signed, (n,).

    For the ReLU (positively homogeneous) it equals ``F(x; V) - F(x; W) - <dF(x; W), V - W>``
    exactly, which is what Remark 3.5 and the proof of Prop. 3.7 use.
    """
    a, V, X = _two_layer_args(a, V, X)
    W = as_array("W", W, shape=V.shape)
    ZW, ZV = X @ W.T, X @ V.T
    return (((ZV >= 0).astype(float) - (ZW >= 0)) * ZV) @ a


def prop34_bound(beta: float, a, V, V0) -> float:
    """Prop. 3.4: ``beta |a|_inf |V - V0|_F^2 / 2`` (valid for ``|x| <= 1``)."""
    beta = as_float("beta", beta, min=0.0)
    a, V = _two_layer_args(a, V)
    V0 = as_array("V0", V0, shape=V.shape)
    return float(beta * np.max(np.abs(a)) * np.sum((V - V0) ** 2) / 2.0)


def prop37_bound(a, B: float, delta: float) -> float:
    """Prop. 3.7: ``|a|_inf m^(1/3) (4 B^(4/3) + 2 B ln(1/delta)^(1/4))`` with ``m = len(a)``."""
    a = as_array("a", a, ndim=1)
    B = as_float("B", B, min=0.0)
    delta = as_probability("delta", delta, allow_one=False)
    m = a.size
    return float(np.max(np.abs(a)) * m ** (1 / 3) * (4 * B ** (4 / 3) + 2 * B * math.log(1 / delta) ** 0.25))


def adversarial_relu_perturbation(a, V0, x, B: float):
    """A perturbation in the ``B``-ball around ``V0`` with a large ReLU linearisation error (book's construction).

    Keep ``W = V0``. Among the rows with ``a_j > 0`` take the ``k`` with the smallest
    ``|u_j| = |v_{0,j} . x|`` and move each along ``-sign(u_j) x / |x|`` by ``|u_j|/|x| + s`` so that
    it crosses zero and lands at ``v_j . x = -+ s |x|``; each such row adds ``a_j s |x|`` to
    eq. (3.6), and ``s`` solves ``sum (|u_j|/|x| + s)^2 = B^2``. The ``k`` giving the largest total is
    chosen. This shows the ``m^(1/3) B^(4/3)`` of Prop. 3.7 is attained up to a constant.

    Parameters
    ----------
    a : (m,); V0 : (m, d); x : (d,) non-zero; B : radius >= 0.

    Returns
    -------
    V : (m, d) with ``|V - V0|_F <= B``; gap : float, ``|F(x; V) - F_0(x; V)|`` predicted by the
    construction (``k s |x| max a``-type sum, computed as ``s |x| sum_{chosen} a_j``).
    """
    a, V0 = _two_layer_args(a, V0)
    x = as_array("x", x, shape=(V0.shape[1],))
    B = as_float("B", B, min=0.0)
    nx = float(np.linalg.norm(x))
    if nx == 0:
        raise ValueError("x must be non-zero")
    V = V0.copy()
    pos = np.flatnonzero(a > 0)
    if pos.size == 0 or B == 0:
        return V, 0.0
    u = V0[pos] @ x / nx  # signed distance of each row's projection from 0
    order = pos[np.argsort(np.abs(u))]
    t = np.abs(V0[order] @ x) / nx
    k = np.arange(1, t.size + 1)
    S1, S2 = np.cumsum(t), np.cumsum(t**2)
    disc = S1**2 - k * (S2 - B**2)
    ok = S2 <= B**2
    s = np.where(ok, (-S1 + np.sqrt(np.maximum(disc, 0.0))) / k, -np.inf)
    gain = s * nx * np.cumsum(a[order])
    best = int(np.argmax(gain))
    if gain[best] <= 0:
        return V, 0.0
    rows = order[: best + 1]
    sgn = np.where(V0[rows] @ x >= 0, 1.0, -1.0)
    V[rows] -= (sgn * (t[: best + 1] + s[best]))[:, None] * (x / nx)[None, :]
    return V, float(gain[best])


def relu_flip_second_moment(s: float) -> float:
    """``E[(u + e)^2 1[sign(u + e) != sign(u)]]`` for independent ``u ~ N(0, 1)``, ``e ~ N(0, s^2)``.

    One unit's contribution to ``E (F(x; V) - F_0(x; V))^2`` under eq. (3.6) when ``|x| = 1``, the
    unit's pre-activation is ``u = v_0.x`` and the perturbation moves it by ``e``; with random signs
    ``a_j`` the cross terms vanish, so for i.i.d. ``N(0, s^2)`` perturbations of all ``m`` units the
    mean square error is exactly ``m`` times this. Computed by quadrature of
    ``2 int_0^inf phi(u) [(s^2 + u^2) Phi(-u/s) - u s phi(u/s)] du`` (book's addition, not in the notes).
    """
    from scipy.integrate import quad
    from scipy.stats import norm

    s = as_float("s", s, min=0.0, strict_min=True)
    f = lambda u: norm.pdf(u) * ((s * s + u * u) * norm.cdf(-u / s) - u * s * norm.pdf(u / s))
    return float(2.0 * quad(f, 0.0, np.inf, points=None, epsabs=0.0, epsrel=1e-10, limit=200)[0]) if s > 0.2 else \
        float(2.0 * quad(f, 0.0, 40.0 * s, epsabs=0.0, epsrel=1e-10, limit=200)[0])


# --------------------------------------------------------------------------------------------
# Lemma 3.8
# --------------------------------------------------------------------------------------------
def small_projection_count(V, x, tau: float) -> np.ndarray:
    """``sum_j 1[|v_j . x| <= tau |x|]`` (Lemma 3.8) for a batch of matrices ``V`` of shape (..., m, d); returns (...)."""
    V = as_array("V", V)
    if V.ndim < 2:
        raise ValueError(f"V must have at least 2 dimensions (..., m, d); got {V.ndim}")
    x = as_array("x", x, shape=(V.shape[-1],))
    tau = as_float("tau", tau, min=0.0, strict_min=True)
    nx = float(np.linalg.norm(x))
    if nx == 0:
        raise ValueError("x must be non-zero")
    return np.sum(np.abs(V @ x) <= tau * nx, axis=-1)


def lemma38_threshold(m: int, tau: float, delta: float, form: str = "proof") -> float:
    """Lemma 3.8's bound on the count: ``m tau + sqrt((m/2) ln(1/delta))`` (``'proof'``, what the proof
    gives) or ``m tau + sqrt(m/2) ln(1/delta)`` (``'printed'``, the statement as typeset)."""
    m = as_int("m", m, min=1)
    tau = as_float("tau", tau, min=0.0, strict_min=True)
    delta = as_probability("delta", delta, allow_one=False)
    as_choice("form", form, ("proof", "printed"))
    L = math.log(1 / delta)
    return m * tau + (math.sqrt(m / 2 * L) if form == "proof" else math.sqrt(m / 2) * L)


def lemma38_tail(m: int, tau: float, delta: float, form: str = "proof") -> float:
    """Exact ``P(count > threshold)`` for Lemma 3.8: the count is ``Binomial(m, 2 Phi(tau) - 1)``
    by rotational invariance."""
    from scipy.stats import binom, norm

    thr = lemma38_threshold(m, tau, delta, form)
    p = 2 * norm.cdf(tau) - 1
    return float(binom.sf(math.floor(thr), m, p))


# --------------------------------------------------------------------------------------------
# Theorem 3.14: transport maps and F_infinity
# --------------------------------------------------------------------------------------------
def taylor_expansion(X, a, V0, V) -> np.ndarray:
    """``F_0(x; V) = F(x; V_0) + <dF(x; V_0), V - V_0>`` of Def. 3.1 for the ReLU model, (n,)."""
    a, V, X = _two_layer_args(a, V, X)
    V0 = as_array("V0", V0, shape=V.shape)
    out = np.empty(X.shape[0])
    for sl in _row_chunks(X.shape[0], V.shape[0]):
        Z0 = X[sl] @ V0.T
        out[sl] = (np.maximum(Z0, 0) + (Z0 >= 0) * (X[sl] @ (V - V0).T)) @ a
    return out


def span_transport(V, centres, alpha) -> np.ndarray:
    """``T(v) = sum_i alpha_i x_i 1[v . x_i >= 0]`` (the transport of eq. (3.20)) at rows ``V`` (m, d); returns (m, d)."""
    V = as_array("V", V, ndim=2)
    centres = _rows("centres", centres, V.shape[1])
    alpha = as_array("alpha", alpha, shape=(centres.shape[0],))
    return ((V @ centres.T >= 0) * alpha) @ centres


def transport_weights(a, V0, T_values, rho: float, corrected: bool = True) -> np.ndarray:
    """Eq. (3.13): ``v_j = v_{0,j} + a_j rho / sqrt(m) T(v_{0,j})`` as printed (``corrected=False``), or
    ``v_j = v_{0,j} + a_j / (rho sqrt(m)) T(v_{0,j})`` (``corrected=True``, what the proof of Thm. 3.14 needs).

    Parameters
    ----------
    a : (m,) signs +-1; V0 : (m, d); T_values : (m, d), the transport at each row; rho > 0.
    """
    a, V0 = _two_layer_args(a, V0)
    T = as_array("T_values", T_values, shape=V0.shape)
    rho = as_float("rho", rho, min=0.0, strict_min=True)
    corrected = _flag("corrected", corrected)
    m = V0.shape[0]
    f = 1.0 / (rho * math.sqrt(m)) if corrected else rho / math.sqrt(m)
    return V0 + f * a[:, None] * T


def orthant_probability3(x, y, z) -> float:
    """``P(v.x >= 0, v.y >= 0, v.z >= 0)`` for ``v ~ N(0, I)``: ``1/8 + (asin r_xy + asin r_xz + asin r_yz) / (4 pi)``."""
    vs = [as_array(n, u, ndim=1) for n, u in (("x", x), ("y", y), ("z", z))]
    if len({u.size for u in vs}) != 1:
        raise ValueError("x, y and z must have the same length")
    U = np.stack(vs)
    _nonzero_norms("x, y, z", U)
    U = U / np.linalg.norm(U, axis=1, keepdims=True)
    C = np.clip(U @ U.T, -1.0, 1.0)
    return float(0.125 + (np.arcsin(C[0, 1]) + np.arcsin(C[0, 2]) + np.arcsin(C[1, 2])) / (4 * np.pi))


def transport_limit_moments(x, centres, alpha) -> tuple[float, float]:
    """Mean and variance of ``z = T(v) . x 1[v . x >= 0]`` for the transport of :func:`span_transport`.

    The mean is ``F_inf(x; T) = sum_i alpha_i k_inf(x_i, x)`` (eq. (3.20) with Prop. 3.23); the second
    moment is ``sum_{i,k} alpha_i alpha_k (x_i.x)(x_k.x) P(v.x_i >= 0, v.x_k >= 0, v.x >= 0)``.
    """
    centres = _rows("centres", centres)
    x = as_array("x", x, shape=(centres.shape[1],))
    alpha = as_array("alpha", alpha, shape=(centres.shape[0],))
    mean = float(relu_ntk_inner(centres, x[None])[:, 0] @ alpha)
    c = alpha * (centres @ x)
    second = sum(c[i] * c[k] * orthant_probability3(centres[i], centres[k], x)
                 for i in range(len(c)) for k in range(len(c)))
    return mean, float(second - mean**2)


# --------------------------------------------------------------------------------------------
# Theorem 3.10: planting a reference network near initialisation
# --------------------------------------------------------------------------------------------
def thm310_width(d: int, tau: float, delta: float) -> int:
    """Thm. 3.10's width requirement ``ceil(4^(d+2) ln(1/delta) / tau^(2d-2))``."""
    d = as_int("d", d, min=1)
    tau = as_float("tau", tau, min=0.0, strict_min=True)
    delta = as_probability("delta", delta, allow_one=False)
    try:
        width = 4.0 ** (d + 2) * math.log(1 / delta) / tau ** (2 * d - 2)
    except (OverflowError, ZeroDivisionError):
        width = math.inf
    if not math.isfinite(width):
        raise ValueError(f"tau and d must give a finite width requirement; got tau={tau!r}, d={d}")
    return int(math.ceil(width))


def embed_reference_network(a, V0, alpha, beta, tau: float) -> dict:
    """The construction in the proof of Thm. 3.10: plant ``g(x) = sum_i alpha_i relu(beta_i . x)`` in ``V0``.

    With ``v~_j = v_{0,j} / |v_{0,j}|``, ``S_i = {j : |beta_i - v~_j| <= tau, sgn a_j = sgn alpha_i}``,
    ``tau_d = tau^(d-1) / 2^(d+2)``, ``U_i`` the first ``n_U = floor(m tau_d)`` indices of ``S_i`` and
    ``c = 1 / (tau tau_d sqrt(m))``, set ``v_j = v_{0,j} + c |alpha_i| v~_j`` for ``j`` in ``U_i``.
    Then ``F(x; V) = F(x; V_0) + c sum_i alpha_i sum_{j in U_i} relu(v~_j . x)``, and
    ``c0 = c n_U`` (about ``sqrt(m) / tau``, the proof's scale) multiplies ``g``.

    Parameters
    ----------
    a : (m,) signs; V0 : (m, d); alpha : (k,) non-zero; beta : (k, d) unit rows; tau > 0.

    Returns
    -------
    dict with ``V`` (m, d), ``S`` (list of k index arrays), ``U`` (list of k index arrays, possibly
    overlapping if the beta_i are too close -- then later sets overwrite earlier ones, as naive code
    would), ``c``, ``c0``, ``n_U``, ``tau_d``.

    Raises ``ValueError`` if some ``|S_i| < n_U`` (the high-probability event of the proof failed).
    """
    a, V0 = _two_layer_args(a, V0)
    m, d = V0.shape
    alpha = as_array("alpha", alpha, ndim=1)
    beta = as_array("beta", beta, shape=(alpha.size, d))
    if np.any(alpha == 0):
        raise ValueError("alpha must have non-zero entries")
    if not np.allclose(np.linalg.norm(beta, axis=1), 1.0, atol=1e-12):
        raise ValueError("beta must have unit rows")
    tau = as_float("tau", tau, min=0.0, strict_min=True)
    nrm = np.linalg.norm(V0, axis=1)
    if np.any(nrm == 0):
        raise ValueError("V0 must have non-zero rows")
    Vt = V0 / nrm[:, None]
    tau_d = tau ** (d - 1) / 2 ** (d + 2)
    n_U = int(math.floor(m * tau_d))
    c = 1.0 / (tau * tau_d * math.sqrt(m))
    dist = np.linalg.norm(Vt[None, :, :] - beta[:, None, :], axis=2)  # (k, m)
    S = [np.flatnonzero((dist[i] <= tau) & (np.sign(a) == np.sign(alpha[i]))) for i in range(alpha.size)]
    if min(len(s_) for s_ in S) < n_U:
        raise ValueError(f"V0 must have at least floor(m tau_d) = {n_U} rows in every S_i; got {[len(s_) for s_ in S]}")
    U = [s_[:n_U] for s_ in S]
    V = V0.copy()
    for i, u in enumerate(U):
        V[u] = V0[u] + c * abs(alpha[i]) * Vt[u]
    return {"V": V, "S": S, "U": U, "c": c, "c0": c * n_U, "n_U": n_U, "tau_d": tau_d}


# --------------------------------------------------------------------------------------------
# torch: modules and empirical kernels
# --------------------------------------------------------------------------------------------
def two_layer_module(a, V, outer_scale: float = 1.0, inner_scale: float = 1.0, train_outer: bool = False):
    """A torch module ``x -> outer_scale * sum_j a_j relu(inner_scale * v_j . x)`` (float64).

    ``V`` is a parameter; ``a`` is a parameter only when ``train_outer`` (the notes train ``V``
    only, so by default ``a`` is a frozen buffer). Choices: the notes' scaled model is
    ``outer_scale = rho / sqrt(m)``; NTK parameterisation is ``outer_scale = 1/sqrt(m)``,
    ``inner_scale = 1/sqrt(d)`` with standard normal ``a, V``; standard parameterisation keeps both
    scales 1 and puts them in the weights. Returns a ``torch.nn.Module`` with scalar output per row.
    """
    import torch

    a, V = _two_layer_args(a, V)
    outer_scale = as_float("outer_scale", outer_scale)
    inner_scale = as_float("inner_scale", inner_scale)
    train_outer = _flag("train_outer", train_outer)

    class TwoLayer(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.V = torch.nn.Parameter(torch.tensor(V, dtype=torch.float64))
            if train_outer:
                self.a = torch.nn.Parameter(torch.tensor(a, dtype=torch.float64))
            else:
                self.register_buffer("a", torch.tensor(a, dtype=torch.float64))

        def forward(self, x):
            return outer_scale * (torch.relu(inner_scale * (x @ self.V.T)) @ self.a)

    return TwoLayer()


def ntk_mlp(widths: Sequence[int], generator, W_std: float = 2**0.5, b_std: float = 0.0):
    """A ReLU MLP in NTK parameterisation, matching :func:`relu_ntk` (float64 torch module).

    Layer ``l`` computes ``W_std W_l h / sqrt(widths[l]) + b_std b_l`` with standard normal
    ``W_l, b_l`` drawn from ``generator``; ReLU after every layer but the last. ``widths`` is
    ``(d, n_1, ..., n_depth, 1)``. Output shape ``(n,)``.
    """
    import torch

    if isinstance(widths, (str, bytes)) or not hasattr(widths, "__len__") or len(widths) < 3:
        raise ValueError("widths must list an input width, at least one hidden width and an output width")
    widths = [as_int(f"widths[{i}]", k, min=1) for i, k in enumerate(widths)]
    if widths[-1] != 1:
        raise ValueError(f"widths[-1] must be 1 (a scalar output); got {widths[-1]}")
    if not isinstance(generator, torch.Generator):
        raise ValueError(f"generator must be a torch.Generator (see lib.seeds.torch_generator); got {generator!r}")
    W_std = as_float("W_std", W_std, min=0.0)
    b_std = as_float("b_std", b_std, min=0.0)

    class NTKMLP(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.weights = torch.nn.ParameterList(
                [torch.nn.Parameter(torch.randn(o, i, generator=generator, dtype=torch.float64))
                 for i, o in zip(widths[:-1], widths[1:])])
            self.biases = torch.nn.ParameterList(
                [torch.nn.Parameter(torch.randn(o, generator=generator, dtype=torch.float64)) for o in widths[1:]])

        def forward(self, x):
            h = x
            for l, (W, b) in enumerate(zip(self.weights, self.biases)):
                h = W_std * (h @ W.T) / math.sqrt(W.shape[1]) + b_std * b
                if l < len(self.weights) - 1:
                    h = torch.relu(h)
            return h[..., 0]

    return NTKMLP()


def _jacobians(model, X, names):
    import torch
    from torch.func import functional_call, jacrev, vmap

    params = {k: v.detach() for k, v in model.named_parameters() if k in names}
    rest = {k: v.detach() for k, v in model.named_parameters() if k not in names}
    buffers = dict(model.named_buffers())

    def f(p, x):
        return functional_call(model, {**p, **rest, **buffers}, (x[None],)).reshape(())

    J = vmap(jacrev(f), in_dims=(None, 0))(params, torch.as_tensor(X, dtype=torch.float64))
    return {k: J[k].reshape(J[k].shape[0], -1) for k in params}


def empirical_ntk_layers(model, X, Y=None, wrt=None) -> dict:
    """Per-parameter empirical NTKs ``<dF(x)/dtheta_k, dF(y)/dtheta_k>`` of a scalar-output torch module.

    Parameters
    ----------
    model : ``torch.nn.Module`` mapping a batch (b, d) to (b,) or (b, 1), float64 parameters.
    X : (n, d); Y : (n', d) or None; wrt : parameter names to differentiate (default: all that
        require grad).

    Returns
    -------
    dict name -> (n, n') float64 NumPy array; their sum is :func:`empirical_ntk` (Sec. 3.3's
    layer-wise decomposition).
    """
    import torch

    if not isinstance(model, torch.nn.Module):
        raise ValueError(f"model must be a torch.nn.Module; got {type(model).__name__}")
    X = _rows("X", X)
    Yr = None if Y is None else _rows("Y", Y, X.shape[1])
    allp = [k for k, v in model.named_parameters() if v.requires_grad]
    names = allp if wrt is None else list(wrt)
    for k in names:
        if k not in allp:
            raise ValueError(f"wrt must name parameters of model that require grad ({allp}); got {k!r}")
    if not names:
        raise ValueError("model must have at least one parameter to differentiate")
    JX = _jacobians(model, X, names)
    JY = JX if Yr is None else _jacobians(model, Yr, names)
    return {k: (JX[k] @ JY[k].T).numpy() for k in names}


def empirical_ntk(model, X, Y=None, wrt=None) -> np.ndarray:
    """Empirical NTK of a scalar-output torch module over all its parameters (or those in ``wrt``),
    via ``torch.func`` (``vmap`` of ``jacrev``). Returns (n, n') float64."""
    return sum(empirical_ntk_layers(model, X, Y, wrt).values())


# --------------------------------------------------------------------------------------------
# Prop. 3.25: universality of the infinite-width kernel on the padded sphere
# --------------------------------------------------------------------------------------------
def prop325_coefficients(n_terms: int, boundary_scaled: bool = False) -> np.ndarray:
    """Maclaurin coefficients ``f_0, ..., f_{n_terms-1}`` of the kernel profile of Prop. 3.25.

    ``f(z) = w/2 - w arccos(w) / (2 pi)`` with ``w = z + 1/2`` (the corrected form, E13), so that
    ``k(x, x') = f(u.u')`` for ``x = (u, 1/sqrt 2)`` on the padded sphere. The coefficients are the
    Taylor coefficients of ``f`` at ``w_0 = 1/2``, from the exact recurrence for
    ``q(w) = (1 - w^2)^(-1/2) = -arccos'(w)``: ``(1 - w^2) q' = w q`` gives
    ``q_{n+1} = ((2n + 1) w_0 q_n + n q_{n-1}) / ((1 - w_0^2)(n + 1))``, then
    ``arccos_{n+1} = -q_n / (n + 1)`` and ``f_n = [w/2]_n - (w_0 arccos_n + arccos_{n-1}) / (2 pi)``.
    The radius of convergence is ``1/2`` (the singularity of arccos at ``w = 1``), so ``f_n`` grows
    like ``2^n``; the recurrence is run on ``f_n / 2^n`` (the terms of the series on the boundary
    ``|z| = 1/2``), which never overflows.

    Parameters
    ----------
    n_terms : number of coefficients, >= 1 (at most 1000 unless ``boundary_scaled``).
    boundary_scaled : return ``f_n / 2^n`` instead of ``f_n``.

    Returns
    -------
    (n_terms,) float64 array.
    """
    boundary_scaled = _flag("boundary_scaled", boundary_scaled)
    n_terms = as_int("n_terms", n_terms, min=1, max=1_000_000 if boundary_scaled else 1000)
    q = np.zeros(n_terms + 1)  # q_n / 2^n
    q[0] = 2.0 / math.sqrt(3.0)
    q[1] = q[0] / 3.0
    for n in range(1, n_terms):
        q[n + 1] = ((2 * n + 1) * q[n] + n * q[n - 1]) / (3.0 * (n + 1))
    h = np.empty(n_terms + 1)  # Taylor coefficients of arccos at 1/2, over 2^n
    h[0] = math.pi / 3.0
    h[1:] = -q[:n_terms] / (2.0 * np.arange(1, n_terms + 1))
    f = np.zeros(n_terms)
    f[0] = 0.25 - h[0] / (4 * math.pi)
    if n_terms > 1:
        f[1] = (0.5 - (h[0] + 2 * h[1] / 2) / (2 * math.pi)) / 2.0
        f[2:] = -(h[2:n_terms] + h[1:n_terms - 1]) / (4 * math.pi)
    return f if boundary_scaled else f * 2.0 ** np.arange(n_terms)


def circle_points(phi, padded: bool = True) -> np.ndarray:
    """Points of the unit circle as inputs of the notes' model.

    ``padded=False``: ``x = (cos phi, sin phi)`` in R^2. ``padded=True``: the set ``X`` of Prop. 3.25
    for ``d = 3``, ``x = (cos phi / sqrt 2, sin phi / sqrt 2, 1 / sqrt 2)`` (unit norm, last coordinate
    fixed -- the padding of Remark 3.24 baked in). ``phi`` : (n,) angles; returns (n, 2) or (n, 3).
    """
    phi = as_array("phi", phi, ndim=1)
    if not _flag("padded", padded):
        return np.stack([np.cos(phi), np.sin(phi)], axis=1)
    r = 1.0 / math.sqrt(2.0)
    return np.stack([r * np.cos(phi), r * np.sin(phi), np.full_like(phi, r)], axis=1)


def circle_kernel_profile(t, padded: bool = True) -> np.ndarray:
    """``kappa(t) = k_inf(x(phi), x(phi + t))`` of Prop. 3.23 on the circle, as a function of the gap ``t``.

    Unpadded: ``cos t (pi - |t|) / (2 pi)`` (``t`` reduced to ``[-pi, pi]``); padded:
    ``f(cos t / 2)`` with ``f`` of :func:`prop325_coefficients`. ``t`` : any shape; same shape out.
    """
    t = as_array("t", t, nonempty=False)
    s = np.abs(np.angle(np.exp(1j * t)))  # |t| reduced to [0, pi]
    if not _flag("padded", padded):
        return np.cos(t) * (np.pi - s) / (2 * np.pi)
    w = np.clip((np.cos(t) + 1.0) / 2.0, -1.0, 1.0)  # = x.x' on the padded circle
    return w / 2.0 - w * np.arccos(w) / (2 * np.pi)


def circle_kernel_fourier(n_max: int, padded: bool = True) -> np.ndarray:
    """Cosine coefficients ``c_n = (1/pi) int_{-pi}^{pi} kappa(t) cos(n t) dt``, ``n = 0..n_max``.

    ``kappa`` as in :func:`circle_kernel_profile` (even in ``t``), integrated by scipy's ``quad``
    with the cosine weight on ``[0, pi]`` (absolute error ~1e-12). For the unpadded kernel the odd
    coefficients ``n >= 3`` are exactly zero (this book's computation): ``(pi - |t|)`` has no even
    modes ``>= 2`` and the factor ``cos t`` shifts every mode by one. Returns (n_max + 1,).
    """
    from scipy.integrate import quad

    n_max = as_int("n_max", n_max, min=0, max=10_000)
    padded = _flag("padded", padded)
    prof = lambda t: float(circle_kernel_profile(np.array(t), padded))
    return np.array([2.0 / np.pi * quad(prof, 0.0, np.pi, weight="cos", wvar=n, epsabs=1e-13, limit=400)[0]
                     for n in range(n_max + 1)])


def kernel_least_squares(centres, X, y, rho: float = 1.0):
    """Best approximation of ``y`` at ``X`` by ``h(x) = sum_j alpha_j k_inf(x, centres_j)`` (eq. (3.20)).

    Minimum-norm least squares (``numpy.linalg.lstsq``) on the ``(n, P)`` matrix ``k_inf(X, centres)``
    of :func:`relu_ntk_inner`. Parameters: centres (P, d); X (n, d); y (n,); rho >= 0.

    Returns
    -------
    alpha : (P,), fitted : (n,) values of ``h`` at ``X``.
    """
    centres = _rows("centres", centres)
    X = _rows("X", X, centres.shape[1])
    y = as_array("y", y, shape=(X.shape[0],))
    _nonzero_norms("centres", centres)
    _nonzero_norms("X", X)
    A = relu_ntk_inner(X, centres, rho=rho)
    alpha = np.linalg.lstsq(A, y, rcond=None)[0]
    return alpha, A @ alpha


def taylor_features(X, a, V0, scale: float = 1.0) -> np.ndarray:
    """The Jacobian ``J = dF(X; V0)/dV`` of the notes' ReLU model, flattened: (n, m d).

    Row ``i`` holds ``scale * a_j 1[v_{0,j}.x_i >= 0] x_i`` for ``j = 1..m`` (unit-major), so that
    ``F_0(x_i; V) = F(x_i; V0) + J[i] . vec(V - V0)`` (Def. 3.1) and ``J J^T`` is the empirical
    NTK (Sec. 3.3). Parameters: X (n, d); a (m,); V0 (m, d); scale (``rho / sqrt m`` in Sec. 3.2).
    """
    a, V0, X = _two_layer_args(a, V0, X)
    scale = as_float("scale", scale)
    D = (X @ V0.T >= 0) * (scale * a)  # (n, m)
    return (D[:, :, None] * X[:, None, :]).reshape(X.shape[0], -1)


# --------------------------------------------------------------------------------------------
# Training near initialisation (beyond the notes: their optimisation chapters are empty)
# --------------------------------------------------------------------------------------------
def lazy_training(X, y, a, V0, eta: float, steps: int, scale: float, X_test=None, record_every: int = 1) -> dict:
    """Gradient descent on the notes' ReLU model and on its linearisation ``F_0``, side by side.

    Both minimise ``L(V) = sum_i (f(x_i; V) - y_i)^2 / 2`` over the inner weights ``V`` only, from
    the same ``V0``, with step ``eta``: the network ``f = scale * sum_j a_j relu(v_j . x)`` and the
    linearised model ``f_lin = f(x; V0) + <df(x; V0)/dV, V - V0>`` (Def. 3.1), whose activation pattern
    stays frozen at ``V0``. For ``f_lin`` the residual obeys ``r_{t+1} = (I - eta K_m) r_t`` exactly,
    with ``K_m = J J^T`` the empirical NTK at ``V0``. Batched over ``R`` independent networks.
    The ReLU derivative is ``1[z >= 0]``.

    Parameters
    ----------
    X : (n, d) training inputs; y : (n,) targets; a : (R, m) or (m,) fixed outer signs;
    V0 : (R, m, d) or (m, d) initial inner weights; eta > 0; steps >= 0; scale : ``rho / sqrt(m)``
    (NTK scaling) or ``1/m`` (mean-field) etc., > 0; X_test : (n_test, d) or None (then ``X``);
    record_every : record the test-set gap every this many steps (and at the last step).

    Returns
    -------
    dict with (a leading ``R`` axis only when the input was batched)
    ``loss_net``, ``loss_lin`` : (R, steps + 1) training losses;
    ``gap`` : (R,) ``max_t max_x |f(x; V_t) - f_lin(x; V_t^lin)|`` over the recorded steps and ``X_test``;
    ``gap_rms`` : (R,) ``max_t`` of the root-mean-square gap over ``X_test``;
    ``dist`` : (R, steps + 1) ``|V_t - V0|_F`` of the network; ``dist_lin`` : (R,) final ``|V^lin_T - V0|_F``;
    ``row_move`` : (R,) ``max_j |v_{T,j} - v_{0,j}|``; ``flips`` : (R,) fraction of pairs (i, j) whose
    sign of ``v_j . x_i`` differs between ``V0`` and ``V_T``; ``kernel_change`` : (R,)
    ``|K_m(V_T) - K_m(V0)|_F`` (empirical NTKs on ``X``); ``K0`` : (R, n, n); ``r0`` : (R, n) initial
    residuals ``f(X; V0) - y``; ``r_net``, ``r_lin`` : (R, n) final residuals of ``f`` and ``f_lin``; ``V``, ``V_lin`` : (R, m, d).
    """
    V0 = as_array("V0", V0, ndim=(2, 3))
    batched = V0.ndim == 3
    V0 = V0 if batched else V0[None]
    R, m, d = V0.shape
    a = as_array("a", a, shape=(R, m) if batched else (m,))
    a = a if batched else a[None]
    X = _rows("X", X, d)
    n = X.shape[0]
    y = as_array("y", y, shape=(n,))
    Xt = X if X_test is None else _rows("X_test", X_test, d)
    eta = as_float("eta", eta, min=0.0, strict_min=True)
    steps = as_int("steps", steps, min=0, max=10**7)
    scale = as_float("scale", scale, min=0.0, strict_min=True)
    record_every = as_int("record_every", record_every, min=1)
    sa = scale * a[:, None, :]  # (R, 1, m)
    Z0, Zt0 = X @ V0.transpose(0, 2, 1), Xt @ V0.transpose(0, 2, 1)  # (R, n, m), (R, n_test, m)
    B0, Bt0 = (Z0 >= 0) * sa, (Zt0 >= 0) * sa  # frozen patterns times outer weights
    f0, ft0 = np.sum(B0 * Z0, -1), np.sum(Bt0 * Zt0, -1)  # relu(z) = 1[z >= 0] z
    V, Vl = V0.copy(), V0.copy()
    loss_net, loss_lin = np.empty((R, steps + 1)), np.empty((R, steps + 1))
    dist = np.empty((R, steps + 1))
    gap, gap_rms = np.zeros(R), np.zeros(R)
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(steps + 1):
            Z = X @ V.transpose(0, 2, 1)
            B = (Z >= 0) * sa
            r = np.sum(B * Z, -1) - y
            dV = Vl - V0
            rl = f0 + np.sum(B0 * (X @ dV.transpose(0, 2, 1)), -1) - y
            loss_net[:, t], loss_lin[:, t] = 0.5 * np.sum(r**2, 1), 0.5 * np.sum(rl**2, 1)
            dist[:, t] = np.sqrt(np.sum((V - V0) ** 2, axis=(1, 2)))
            if t % record_every == 0 or t == steps:
                fn = np.sum(sa * np.maximum(Xt @ V.transpose(0, 2, 1), 0.0), -1)
                fl = ft0 + np.sum(Bt0 * (Xt @ dV.transpose(0, 2, 1)), -1)
                gap = np.maximum(gap, np.abs(fn - fl).max(1))
                gap_rms = np.maximum(gap_rms, np.sqrt(np.mean((fn - fl) ** 2, 1)))
            if t == steps:
                break
            V = V - eta * (np.swapaxes(B * r[:, :, None], 1, 2) @ X)
            Vl = Vl - eta * (np.swapaxes(B0 * rl[:, :, None], 1, 2) @ X)
    if not (np.all(np.isfinite(V)) and np.all(np.isfinite(Vl)) and np.all(np.isfinite(loss_net)) and np.all(np.isfinite(loss_lin))):
        raise ValueError(f"eta must keep gradient descent finite; got eta={eta!r} with {steps} steps "
                         "(a step above 2 / lambda_max(K_m) diverges)")
    BT = (Z >= 0) * sa
    G = X @ X.T
    K0 = G * (B0 @ np.swapaxes(B0, 1, 2))
    KT = G * (BT @ np.swapaxes(BT, 1, 2))
    out = {"loss_net": loss_net, "loss_lin": loss_lin, "gap": gap, "gap_rms": gap_rms, "dist": dist,
           "dist_lin": np.sqrt(np.sum((Vl - V0) ** 2, axis=(1, 2))),
           "row_move": np.sqrt(np.sum((V - V0) ** 2, axis=2)).max(1), "flips": np.mean((Z >= 0) != (Z0 >= 0), axis=(1, 2)),
           "kernel_change": np.sqrt(np.sum((KT - K0) ** 2, axis=(1, 2))), "K0": K0, "r0": f0 - y, "r_net": r,
           "r_lin": rl, "V": V, "V_lin": Vl}
    return out if batched else {k: v[0] for k, v in out.items()}
