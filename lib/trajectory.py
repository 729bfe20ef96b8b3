"""Trajectory growth through random sparse deep ReLU networks.

Implements the random sparse networks of Definitions 1-4 and the length measurements of the
trajectory paper (anonymous ICLR 2020 submission, "Trajectory growth lower bounds for random sparse
deep ReLU networks"; cited in the book as ``anon2020trajectory``).

Conventions (the paper's Section 1.1)
-------------------------------------
* Post-activation ``z^(0) = x``; pre-activation ``h^(d) = W^(d) z^(d) + b^(d)``;
  post-activation ``z^(d+1) = relu(h^(d))``. So ``z^(d)`` comes after ``d`` weight layers, each
  followed by a ReLU, and there is no linear read-out.
* ``alpha`` is the *density*: a weight is drawn from ``P`` with probability ``alpha`` and is 0
  otherwise (``W_ij ~ alpha P + (1 - alpha) delta_0``, Definition 1). Biases are never masked.
* ``scale`` is the paper's parameter of ``P``: the standard deviation ``sigma_w`` (Gaussian,
  Definition 2), the half-width ``C_w`` of ``U(-C_w, C_w)`` (uniform, Definition 3), or the integer
  half-width ``C`` of the lattice ``{-C, ..., C}`` (discrete, Definition 4; it contains 0, so
  ``N_w = 2C + 1``).
* ``scaling='fan_in'`` (the default, the experiments of Section 4) divides every non-zero weight by
  ``sqrt(k_in)`` and does **not** compensate for the sparsity; ``'none'`` is the unscaled form of the
  definitions; ``'fan_in_density'`` divides by ``sqrt(alpha k_in)`` (a common pruning convention
  that the paper does not use).
* Batched arrays put the networks first: weights ``(n_nets, k_out, k_in)``, biases
  ``(n_nets, k_out)``, points ``(n_nets, T, k)``.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .nets import Net
from .validate import as_array, as_choice, as_float, as_generator, as_int, as_probability

__all__ = [
    "DISTS",
    "BIAS_DISTS",
    "sparse_weights",
    "sparse_biases",
    "sample_layers",
    "sparse_net",
    "Trace",
    "propagate",
    "polyline_length",
    "chord_lengths",
    "tangent_lengths",
    "layer_speeds",
    "layer_lengths",
    "exact_lengths",
    "circle",
    "segment",
    "pca2",
    "mixture_cdf",
    "ks_distance",
    "entry_variance",
    "zero_fraction",
    "corollary_base",
    "rms_growth",
    "m_constant",
    "subvector_norms",
    "mz_p0",
    "mz_constant_a",
    "discrete_joint_abs_means",
    "one_layer_ratios",
    "growth_factors",
    "flip_differences",
    "mean_abs",
    "richardson",
    "arc_segment",
    "kill_probability",
    "pre_post_defect",
    "zero_units",
    "relu_layers",
    "weight_scale",
    "train_classifier",
    "net_growth_factors",
]

DISTS = ("gaussian", "uniform", "discrete")
BIAS_DISTS = ("gaussian", "uniform", "discrete", "zero")
SCALINGS = ("fan_in", "none", "fan_in_density")
DTYPES = ("float64", "float32")
# Networks are propagated in groups whose buffers hold at most this many entries (256 MB in float64),
# so that paper sizes (100 networks of width 784, 8000 points) fit in memory. See _by_networks.
CHUNK_ENTRIES = 1 << 25


def _flag(name, value) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False; got {value!r}")
    return bool(value)


def _scale(dist: str, scale) -> float:
    if dist == "discrete":
        return float(as_int("scale", scale, min=1))
    return as_float("scale", scale, min=0.0, strict_min=True)


def _batch(n_nets) -> tuple:
    return () if n_nets is None else (as_int("n_nets", n_nets, min=1),)


def sparse_weights(k_out, k_in, alpha, dist, scale, rng, *, n_nets=None, scaling="fan_in") -> np.ndarray:
    """Weights of one layer of a random sparse network (Definitions 1-4).

    Each entry is 0 with probability ``1 - alpha`` and otherwise a draw from ``P`` divided by the
    scaling's divisor (``sqrt(k_in)`` by default, the experiments' convention of Section 4).

    Parameters
    ----------
    k_out, k_in : int >= 1
        Output and input widths; the matrix has shape ``(k_out, k_in)`` and acts as ``W @ z``.
    alpha : float in (0, 1]
        Density (probability that a weight is drawn from ``P``).
    dist : ``'gaussian'`` | ``'uniform'`` | ``'discrete'``
        ``P = N(0, scale^2)``, ``U(-scale, scale)`` or uniform on ``{-scale, ..., scale}``
        (``scale`` a positive integer ``C``; the lattice contains 0).
    scale : float > 0
        ``sigma_w``, ``C_w`` or ``C``, before scaling.
    rng : numpy.random.Generator
    n_nets : int, optional
        If given, return a stack of shape ``(n_nets, k_out, k_in)`` of independent layers.
    scaling : ``'fan_in'`` | ``'none'`` | ``'fan_in_density'``
        Divisor ``sqrt(k_in)``, ``1`` or ``sqrt(alpha k_in)``.

    Returns
    -------
    ndarray, float64, shape ``(k_out, k_in)`` or ``(n_nets, k_out, k_in)``.
    """
    k_out = as_int("k_out", k_out, min=1)
    k_in = as_int("k_in", k_in, min=1)
    alpha = as_probability("alpha", alpha)
    as_choice("dist", dist, DISTS)
    scale = _scale(dist, scale)
    as_generator("rng", rng)
    as_choice("scaling", scaling, SCALINGS)
    shape = _batch(n_nets) + (k_out, k_in)
    if dist == "gaussian":
        W = scale * rng.standard_normal(shape)
    elif dist == "uniform":
        W = rng.uniform(-scale, scale, shape)
    else:
        C = int(scale)
        W = rng.integers(-C, C + 1, size=shape).astype(np.float64)
    if alpha < 1.0:
        W *= rng.random(shape) < alpha
    divisor = {"fan_in": np.sqrt(k_in), "none": 1.0, "fan_in_density": np.sqrt(alpha * k_in)}[scaling]
    return W / divisor


def sparse_biases(k, dist, scale, rng, *, n_nets=None) -> np.ndarray:
    """Biases ``b_i ~ Q`` i.i.d., never masked (Definition 1).

    ``dist`` is ``'gaussian'`` (``N(0, scale^2)``), ``'uniform'`` (``U(-scale, scale)``),
    ``'discrete'`` (uniform on ``{-scale, +scale}``, the set ``B = {-0.01, 0.01}`` of Section 4 when
    ``scale = 0.01``) or ``'zero'`` (all zero; ``scale`` is ignored). Biases are not rescaled by the
    width. Returns shape ``(k,)`` or ``(n_nets, k)``.
    """
    k = as_int("k", k, min=1)
    as_choice("dist", dist, BIAS_DISTS)
    as_generator("rng", rng)
    shape = _batch(n_nets) + (k,)
    if dist == "zero":
        return np.zeros(shape)
    scale = as_float("scale", scale, min=0.0, strict_min=True)
    if dist == "gaussian":
        return scale * rng.standard_normal(shape)
    if dist == "uniform":
        return rng.uniform(-scale, scale, shape)
    return scale * (2.0 * rng.integers(0, 2, size=shape) - 1.0)


def _per_layer(name, value, depth):
    if np.ndim(value) == 0:
        return [value] * depth
    value = list(value)
    if len(value) != depth:
        raise ValueError(f"{name} must be a scalar or hold one value per layer ({depth}); got {len(value)}")
    return value


def sample_layers(widths, alpha, dist, scale, bias_scale, n_nets, rng, *, bias_dist=None, scaling="fan_in"):
    """``n_nets`` independent random sparse networks, as stacked weights and biases.

    Parameters
    ----------
    widths : sequence of int, ``(k_0, k_1, ..., k_d)``, at least two entries.
    alpha, scale : float or one value per layer (the paper's Remark: layer-varying parameters).
    dist : weight family (``DISTS``).
    bias_scale : float >= 0
        ``sigma_b``, ``C_b`` or the discrete bias magnitude; 0 means zero bias.
    n_nets : int >= 1
    rng : numpy.random.Generator
    bias_dist : bias family; defaults to the weight family (as in Section 4), or ``'zero'`` when
        ``bias_scale == 0``.
    scaling : see :func:`sparse_weights`.

    Returns
    -------
    (Ws, bs) : lists of length ``d``; ``Ws[l]`` has shape ``(n_nets, k_{l+1}, k_l)`` and ``bs[l]``
    shape ``(n_nets, k_{l+1})``.
    """
    if isinstance(widths, (str, bytes)) or not hasattr(widths, "__len__") or len(widths) < 2:
        raise ValueError("widths must list at least an input and an output width")
    widths = [as_int(f"widths[{i}]", k, min=1) for i, k in enumerate(widths)]
    depth = len(widths) - 1
    alphas = _per_layer("alpha", alpha, depth)
    scales = _per_layer("scale", scale, depth)
    bias_scale = as_float("bias_scale", bias_scale, min=0.0)
    n_nets = as_int("n_nets", n_nets, min=1)
    as_choice("dist", dist, DISTS)
    if bias_dist is None:
        bias_dist = "zero" if bias_scale == 0 else dist
    as_choice("bias_dist", bias_dist, BIAS_DISTS)
    if bias_dist != "zero" and bias_scale == 0:
        raise ValueError("bias_scale must be > 0 unless bias_dist is 'zero'")
    Ws, bs = [], []
    for l in range(depth):
        Ws.append(sparse_weights(widths[l + 1], widths[l], alphas[l], dist, scales[l], rng,
                                 n_nets=n_nets, scaling=scaling))
        bs.append(sparse_biases(widths[l + 1], bias_dist, bias_scale, rng, n_nets=n_nets))
    return Ws, bs


def sparse_net(widths, alpha, dist, scale, bias_scale, rng, *, bias_dist=None, scaling="fan_in") -> Net:
    """One random sparse ReLU network as a :class:`lib.nets.Net` (ReLU after every layer).

    The output is the post-activation ``z^(d)``: every layer, including the last, has a ReLU, as in
    the paper's theorems. Arguments as in :func:`sample_layers`.
    """
    Ws, bs = sample_layers(widths, alpha, dist, scale, bias_scale, 1, rng, bias_dist=bias_dist, scaling=scaling)
    return Net([W[0] for W in Ws], [b[0] for b in bs], ["relu"] * len(Ws))


@dataclass(frozen=True)
class Trace:
    """Points and tangents at every layer.

    ``z[l]``, ``dz[l]``: post-activations ``z^(l)`` and tangents ``dz^(l)``, ``l = 0..d``, each of
    shape ``(n_nets, T, k_l)``; ``h[l]``, ``dh[l]``: pre-activations ``h^(l)`` and their tangents,
    ``l = 0..d-1``, shape ``(n_nets, T, k_{l+1})``. Tangents are ``None`` when no ``dX`` was given.
    """

    z: list
    h: list
    dz: list | None
    dh: list | None


def _check_layers(Ws, bs):
    if not isinstance(Ws, (list, tuple)) or not isinstance(bs, (list, tuple)) or len(Ws) != len(bs) or not Ws:
        raise ValueError("Ws and bs must be non-empty lists of equal length")
    n = None
    for l, (W, b) in enumerate(zip(Ws, bs)):
        W = as_array(f"Ws[{l}]", W, ndim=3)
        b = as_array(f"bs[{l}]", b, shape=(W.shape[0], W.shape[1]))
        if n is not None and W.shape[0] != n:
            raise ValueError(f"Ws[{l}] must stack {n} networks like Ws[0]; got {W.shape[0]}")
        if l > 0 and W.shape[2] != Ws[l - 1].shape[1]:
            raise ValueError(f"Ws[{l}] must take {Ws[l - 1].shape[1]} inputs; got {W.shape[2]}")
        n = W.shape[0]


def _inputs(X, Ws, name="X"):
    X = as_array(name, X, ndim=(2, 3))
    if X.shape[-1] != Ws[0].shape[2]:
        raise ValueError(f"{name} must have {Ws[0].shape[2]} columns (the input width); got {X.shape[-1]}")
    if X.shape[-2] < 1:
        raise ValueError(f"{name} must hold at least one point")
    # a contiguous copy: matmul falls back to a slow non-BLAS loop on stride-0 (broadcast) views
    return np.ascontiguousarray(np.broadcast_to(X, (Ws[0].shape[0],) + X.shape[-2:]))


def _dtype(dtype):
    as_choice("dtype", dtype, DTYPES)
    return np.dtype(dtype)


def _steps(X, dX, Ws, bs, dtype=np.float64):
    """Yield ``(h, dh, z, dz)`` layer by layer; one batched GEMM for points and tangents together.

    Everything (inputs, weights, biases, sums) is held in ``dtype``; float32 is for precision studies.
    Points and tangents share one buffer ``(n_nets, 2T, k)``, so no layer concatenates or copies:
    the bias is added in place and ReLU and its mask write straight into the next layer's input.
    """
    dtype = np.dtype(dtype)
    T = X.shape[1]
    if dX is None:
        both = X.astype(dtype, copy=False)
    else:
        both = np.concatenate([X.astype(dtype, copy=False), dX.astype(dtype, copy=False)], axis=1)
    for W, b in zip(Ws, bs):
        W = np.asarray(W).astype(dtype, copy=False)
        b = np.asarray(b).astype(dtype, copy=False)
        out = np.matmul(both, np.ascontiguousarray(np.swapaxes(W, 1, 2)))  # contiguous: BLAS path
        h = out[:, :T]
        h += b[:, None, :]
        active = h > 0
        nxt = np.empty_like(out)
        z = np.multiply(h, active, out=nxt[:, :T])  # = relu(h) for finite h
        if dX is None:
            both = z
            yield h, None, z, None
        else:
            dh = out[:, T:]
            dz = np.multiply(dh, active, out=nxt[:, T:])
            both = nxt
            yield h, dh, z, dz


def propagate(X, Ws, bs, dX=None) -> Trace:
    """Pass points ``X`` (and tangents ``dX``) through a stack of networks, keeping every layer.

    Tangents follow the forward-mode recursion ``dz^(l+1) = 1[h^(l) > 0] * (W^(l) dz^(l))`` (the
    derivative of the paper's Stage 1, with ReLU'(0) = 0).

    Parameters
    ----------
    X : ``(T, k_0)`` (shared by all nets) or ``(n_nets, T, k_0)``.
    Ws, bs : as returned by :func:`sample_layers`.
    dX : same shape as ``X``, optional; ``dX[i]`` is the velocity ``x'(t_i)``.
    """
    _check_layers(Ws, bs)
    Z0 = _inputs(X, Ws)
    dZ0 = None if dX is None else _inputs(dX, Ws, "dX")
    if dZ0 is not None and dZ0.shape != Z0.shape:
        raise ValueError(f"dX must have the shape of X; got {dZ0.shape} and {Z0.shape}")
    z, h = [Z0], []
    dz, dh = (None, None) if dZ0 is None else ([dZ0], [])
    for hl, dhl, zl, dzl in _steps(Z0, dZ0, Ws, bs):
        h.append(hl)
        z.append(zl)
        if dZ0 is not None:
            dh.append(dhl)
            dz.append(dzl)
    return Trace(z, h, dz, dh)


def _polyline(Z, closed):
    """Chord length along axis -2, computed in ``Z``'s own dtype, returned as float64."""
    if closed:
        Z = np.concatenate([Z, Z[..., :1, :]], axis=-2)
    return np.linalg.norm(np.diff(Z, axis=-2), axis=-1).sum(axis=-1).astype(np.float64)


def polyline_length(Z, closed=False, *, dtype="float64") -> np.ndarray:
    """Chord length ``sum_i ||Z[i+1] - Z[i]||`` along axis ``-2`` (plus the closing chord if ``closed``).

    ``Z`` has shape ``(..., T, k)`` with ``T >= 2``; returns shape ``(...)`` (float64). ``dtype``
    (``'float64'`` or ``'float32'``) is the precision in which differences and norms are computed.
    """
    Z = as_array("Z", Z).astype(_dtype(dtype), copy=False)
    if Z.ndim < 2 or Z.shape[-2] < 2:
        raise ValueError(f"Z must have shape (..., T, k) with T >= 2 points; got shape {Z.shape}")
    return _polyline(Z, _flag("closed", closed))


def _by_networks(fn, X, dX, Ws, bs, copies, **kw):
    """``fn`` on groups of networks whose buffers hold at most :data:`CHUNK_ENTRIES` entries.

    Returns the results stacked along the network axis, or None when one group holds them all.
    ``copies`` is how many ``(T, width)`` blocks a network's buffer holds (2 when tangents ride
    along). Every network gets the same operations alone as in any group (one GEMM per network and
    layer), so the result does not depend on the grouping."""
    n = Ws[0].shape[0]
    shared = lambda A: A.ndim == 2 or A.shape[0] == 1
    if not (shared(X) or X.shape[0] == n) or (dX is not None and not (shared(dX) or dX.shape[0] == n)):
        return None  # mismatched stacks: let the caller's checks name the problem
    width = max(max(W.shape[1], W.shape[2]) for W in Ws)
    step = max(1, CHUNK_ENTRIES // max(1, copies * X.shape[-2] * width))
    if step >= n:
        return None
    part = lambda A, sl: A if shared(A) else A[sl]
    out = []
    for lo in range(0, n, step):
        sl = slice(lo, min(n, lo + step))
        args = (part(X, sl),) + (() if dX is None else (part(dX, sl),))
        out.append(fn(*args, [W[sl] for W in Ws], [b[sl] for b in bs], **kw))
    return np.concatenate(out, axis=0)


def chord_lengths(X, Ws, bs, *, closed=False, pre=False, dtype="float64") -> np.ndarray:
    """Polyline lengths of the images of the polyline ``X`` at every layer, without storing layers.

    Returns ``(n_nets, d + 1)`` post-activation lengths ``l(z^(0..d))``, or with ``pre=True``
    ``(n_nets, d)`` pre-activation lengths ``l(h^(0..d-1))``. ``X`` is ``(T, k_0)``, ``T >= 2``
    (or ``(n_nets, T, k_0)``, one polyline per network).
    A chord length never exceeds the arc length of the curve it samples. ``dtype``
    (``'float64'`` or ``'float32'``) is the precision of the whole computation (the result is float64).
    """
    _check_layers(Ws, bs)
    dt = _dtype(dtype)
    closed, pre = _flag("closed", closed), _flag("pre", pre)
    X = as_array("X", X, ndim=(2, 3))
    grouped = _by_networks(chord_lengths, X, None, Ws, bs, 1, closed=closed, pre=pre, dtype=dtype)
    if grouped is not None:
        return grouped
    Z0 = _inputs(X, Ws)
    if Z0.shape[1] < 2:
        raise ValueError(f"X must hold at least 2 points for a polyline; got {Z0.shape[1]}")
    out = [] if pre else [_polyline(Z0.astype(dt), closed)]
    for h, _, z, _ in _steps(Z0, None, Ws, bs, dt):
        out.append(_polyline(h if pre else z, closed))
    return np.stack(out, axis=1)


def tangent_lengths(X, dX, Ws, bs, *, pre=False, dtype="float64") -> np.ndarray:
    """Mean speed ``mean_i ||dz^(l)(t_i)||`` at every layer: the arc length estimated by tangents.

    For ``t_i`` stratified uniform on ``[0, 1]`` (one uniform draw in each of ``T`` equal cells)
    this is an unbiased estimate of the arc length ``int_0^1 ||dz^(l)/dt|| dt`` of each net's image
    curve. Returns ``(n_nets, d + 1)`` (post-activations, ``l = 0..d``) or with ``pre=True``
    ``(n_nets, d)`` (pre-activations ``h^(0..d-1)``). ``dtype`` as in :func:`chord_lengths`.
    """
    return layer_speeds(X, dX, Ws, bs, pre=pre, dtype=dtype).mean(axis=-1)


def layer_speeds(X, dX, Ws, bs, *, pre=False, dtype="float64") -> np.ndarray:
    """Speeds ``||dz^(l)(t_i)||`` at every layer and point, without storing the layers.

    Returns ``(n_nets, d + 1, T)`` (post-activations ``l = 0..d``) or with ``pre=True``
    ``(n_nets, d, T)`` (pre-activation speeds ``||dh^(l)(t_i)||``, ``l = 0..d-1``), as float64.
    Arguments as in :func:`propagate`, with ``dX`` required; ``dtype`` (``'float64'`` or
    ``'float32'``) is the precision of the propagation.
    """
    _check_layers(Ws, bs)
    dt = _dtype(dtype)
    pre = _flag("pre", pre)
    X, dX = as_array("X", X, ndim=(2, 3)), as_array("dX", dX, ndim=(2, 3))
    if X.shape == dX.shape:  # else _inputs below names the mismatch
        grouped = _by_networks(layer_speeds, X, dX, Ws, bs, 2, pre=pre, dtype=dtype)
        if grouped is not None:
            return grouped
    Z0 = _inputs(X, Ws)
    dZ0 = _inputs(dX, Ws, "dX")
    if dZ0.shape != Z0.shape:
        raise ValueError(f"dX must have the shape of X; got {dZ0.shape} and {Z0.shape}")
    out = [] if pre else [np.linalg.norm(dZ0.astype(dt), axis=-1)]
    for _, dh, _, dz in _steps(Z0, dZ0, Ws, bs, dt):
        out.append(np.linalg.norm(dh if pre else dz, axis=-1))
    return np.stack(out, axis=1).astype(np.float64)


def layer_lengths(X, depth, width, alpha, dist, scale, bias_scale, n_nets, rng, *, closed=False,
                  bias_dist=None, scaling="fan_in") -> np.ndarray:
    """Chord lengths of the post-activation images of the polyline ``X`` at layers ``0..depth``.

    Each of the ``n_nets`` networks (widths ``(n, width, ..., width)``) is freshly sampled by
    :func:`sample_layers`. ``X`` has shape ``(T, n)`` with ``T >= 2``; ``closed`` adds the chord from
    the last point back to the first. Returns ``(n_nets, depth + 1)``.
    """
    X = as_array("X", X, ndim=2)
    if X.shape[0] < 2:
        raise ValueError(f"X must hold at least 2 points; got {X.shape[0]}")
    depth = as_int("depth", depth, min=1)
    width = as_int("width", width, min=1)
    Ws, bs = sample_layers([X.shape[1]] + [width] * depth, alpha, dist, scale, bias_scale, n_nets, rng,
                           bias_dist=bias_dist, scaling=scaling)
    return chord_lengths(X, Ws, bs, closed=closed)


def _exact_one(X, Ws, bs):
    t = np.arange(X.shape[0], dtype=np.float64)
    Z = X
    lengths, pieces = [polyline_length(Z)], [X.shape[0] - 1]
    for W, b in zip(Ws, bs):
        H = Z @ W.T + b
        i, j = np.nonzero(H[:-1] * H[1:] < 0)  # unit j changes sign inside piece i
        frac = H[i, j] / (H[i, j] - H[i + 1, j])
        t_new = t[i] + frac * (t[i + 1] - t[i])
        H_new = H[i] + frac[:, None] * (H[i + 1] - H[i])  # h is affine on each piece
        H_new[np.arange(j.size), j] = 0.0
        t = np.concatenate([t, t_new])
        order = np.argsort(t, kind="stable")
        t, H = t[order], np.concatenate([H, H_new])[order]
        Z = np.maximum(H, 0.0)
        lengths.append(polyline_length(Z))
        pieces.append(np.count_nonzero(np.diff(t) > 0))
    return lengths, pieces


def exact_lengths(X, Ws, bs, *, closed=False):
    """Exact arc lengths of the images of the polyline ``X`` at layers ``0..d`` (no discretisation).

    The image of a polyline under a ReLU layer is again a polyline: on each piece the pre-activation
    ``h`` is affine in the parameter, so every sign change of a unit is found exactly by linear
    interpolation and inserted as a new vertex. Repeating layer by layer gives every kink of the
    image curve, and the chord length through all kinks *is* the arc length (up to rounding).

    Parameters
    ----------
    X : ``(T, k_0)``, ``T >= 2`` vertices of the input polyline (a segment needs ``T = 2``).
    Ws, bs : as returned by :func:`sample_layers`.
    closed : join the last vertex back to the first.

    Returns
    -------
    lengths : ``(n_nets, d + 1)``; pieces : ``(n_nets, d + 1)`` int, the number of linear pieces of
    the image at each layer (pieces of zero length not counted).
    """
    _check_layers(Ws, bs)
    X = as_array("X", X, ndim=2)
    if X.shape[0] < 2:
        raise ValueError(f"X must hold at least 2 vertices; got {X.shape[0]}")
    if X.shape[1] != Ws[0].shape[2]:
        raise ValueError(f"X must have {Ws[0].shape[2]} columns (the input width); got {X.shape[1]}")
    if _flag("closed", closed):
        X = np.concatenate([X, X[:1]])
    L, K = [], []
    for n in range(Ws[0].shape[0]):
        lengths, pieces = _exact_one(X, [W[n] for W in Ws], [b[n] for b in bs])
        L.append(lengths)
        K.append(pieces)
    return np.array(L), np.array(K)


def _plane(n, plane):
    if plane is None:
        if n < 2:
            raise ValueError(f"n must be at least 2 for a circle; got {n}")
        P = np.zeros((2, n))
        P[0, 0] = P[1, 1] = 1.0
        return P
    P = as_array("plane", plane, shape=(2, n))
    if not np.allclose(P @ P.T, np.eye(2), atol=1e-10):
        raise ValueError("plane must have two orthonormal rows")
    return P


def circle(n, t, *, radius=1.0, plane=None, center=None):
    """Circle ``x(t) = c + r (cos 2 pi t, sin 2 pi t) P`` in a 2-plane of ``R^n``; length ``2 pi r``.

    Parameters
    ----------
    n : int >= 2, ambient dimension.
    t : ``(T,)`` parameter values in ``[0, 1]``.
    radius : float > 0.
    plane : ``(2, n)`` orthonormal rows ``P``; default ``e_1, e_2``.
    center : ``(n,)``, default 0.

    Returns
    -------
    X, dX : ``(T, n)`` points and velocities ``x'(t)`` (``||x'(t)|| = 2 pi r``).
    """
    n = as_int("n", n, min=1)
    t = as_array("t", t, ndim=1)
    r = as_float("radius", radius, min=0.0, strict_min=True)
    P = _plane(n, plane)
    c = np.zeros(n) if center is None else as_array("center", center, shape=(n,))
    ang = 2 * np.pi * t
    X = c + r * (np.cos(ang)[:, None] * P[0] + np.sin(ang)[:, None] * P[1])
    dX = 2 * np.pi * r * (-np.sin(ang)[:, None] * P[0] + np.cos(ang)[:, None] * P[1])
    return X, dX


def segment(x0, x1, t):
    """Straight line ``x(t) = x0 + t (x1 - x0)``; returns ``X, dX`` of shape ``(T, n)``; length ``||x1 - x0||``."""
    x0 = as_array("x0", x0, ndim=1)
    x1 = as_array("x1", x1, shape=x0.shape)
    t = as_array("t", t, ndim=1)
    X = x0 + t[:, None] * (x1 - x0)
    return X, np.broadcast_to(x1 - x0, X.shape).copy()


def pca2(Z) -> np.ndarray:
    """Project one curve ``Z`` of shape ``(T, k)`` onto its top two principal axes: ``(T, 2)``.

    Signs are fixed so that the largest-magnitude coordinate of each axis is positive.
    """
    Z = as_array("Z", Z, ndim=2)
    if Z.shape[0] < 2 or Z.shape[1] < 2:
        raise ValueError(f"Z must have at least 2 points and 2 coordinates; got shape {Z.shape}")
    C = Z - Z.mean(axis=0)
    _, _, Vt = np.linalg.svd(C, full_matrices=False)
    V = Vt[:2]
    V = V * np.sign(V[np.arange(2), np.abs(V).argmax(axis=1)])[:, None]
    return C @ V.T


def mixture_cdf(x, alpha, dist, scale, k_in=1, *, left=False) -> np.ndarray:
    """CDF of one weight, ``alpha P / sqrt(k_in) + (1 - alpha) delta_0`` (Definition 1, fan-in scaling).

    ``left=True`` gives the left limit ``P(W < x)`` (differs from ``P(W <= x)`` at atoms: 0 and,
    for the lattice, the points ``j / sqrt(k_in)``). Returns an array of the shape of ``x``.
    """
    from scipy.stats import norm

    x = as_array("x", x, nonempty=False)
    alpha = as_probability("alpha", alpha)
    as_choice("dist", dist, DISTS)
    s = _scale(dist, scale)
    k_in = as_int("k_in", k_in, min=1)
    u = x * np.sqrt(k_in)  # the unscaled value
    if dist == "gaussian":
        FP = norm.cdf(u / s)
    elif dist == "uniform":
        FP = np.clip((u + s) / (2 * s), 0.0, 1.0)
    else:
        # number of lattice points j in {-C..C} with j <= u (or j < u for the left limit)
        j = np.ceil(u) - 1 if left else np.floor(u + 1e-9)
        FP = np.clip(j + s + 1, 0, 2 * s + 1) / (2 * s + 1)
    atom = (x > 0) if left else (x >= 0)
    return alpha * FP + (1 - alpha) * atom


def ks_distance(samples, alpha, dist, scale, k_in=1) -> float:
    """Kolmogorov distance ``sup_x |F_n(x) - F(x)|`` between the empirical CDF of ``samples`` and
    :func:`mixture_cdf`, exact for laws with atoms (ties are handled through left limits)."""
    x = np.sort(as_array("samples", samples).ravel())
    n = x.size
    i = np.arange(1, n + 1)
    F = mixture_cdf(x, alpha, dist, scale, k_in)
    F_left = mixture_cdf(x, alpha, dist, scale, k_in, left=True)
    return float(max(np.max(i / n - F), np.max(F_left - (i - 1) / n)))


def entry_variance(dist, scale) -> float:
    """Variance of one draw of ``P`` before the width scaling: ``sigma^2``, ``C^2/3``, ``C(C+1)/3``."""
    as_choice("dist", dist, DISTS)
    s = _scale(dist, scale)
    return {"gaussian": s**2, "uniform": s**2 / 3, "discrete": s * (s + 1) / 3}[dist]


def zero_fraction(dist, scale, alpha) -> float:
    """Probability that a weight is exactly 0: ``1 - alpha``, plus ``alpha / (2C + 1)`` for the lattice."""
    as_choice("dist", dist, DISTS)
    s = _scale(dist, scale)
    alpha = as_probability("alpha", alpha)
    return 1 - alpha + (alpha / (2 * s + 1) if dist == "discrete" else 0.0)


def m_constant(dist, scale, variant="proof") -> float:
    """The constant ``M`` with ``E|u^T w| >= M ||u||`` for ``w`` i.i.d. from ``P`` (unscaled).

    Gaussian ``sigma sqrt(2/pi)`` (an equality; Section 3 of the paper); uniform ``U(-C, C)``:
    ``C / (2 sqrt 2)`` (Lemma 10); lattice ``{-C..C}``: ``sum|w| / (sqrt2 N_w)`` (``'proof'``, where
    the proof of Lemma 11 ends) or ``sum|w| / (2 N_w)`` (``'statement'``, as Lemma 11 is printed),
    with ``sum|w| = C(C+1)`` and ``N_w = 2C+1``.
    """
    as_choice("dist", dist, DISTS)
    s = _scale(dist, scale)
    as_choice("variant", variant, ("proof", "statement"))
    if dist == "gaussian":
        return s * np.sqrt(2 / np.pi)
    if dist == "uniform":
        return s / (2 * np.sqrt(2))
    return s * (s + 1) / ((np.sqrt(2) if variant == "proof" else 2.0) * (2 * s + 1))


def corollary_base(dist, scale, alpha, variant="proof") -> float:
    """Per-layer base of Corollaries 1-3 in the experiments' scaling (weights divided by ``sqrt(k)``).

    Theorem 2's base is ``alpha M sqrt(k) / 2``; with ``P`` scaled by ``1/sqrt(k)`` the width cancels:
    Gaussian ``alpha sigma_w / sqrt(2 pi)`` (Cor. 1, ``M = sigma sqrt(2/pi)``); uniform
    ``alpha C / (4 sqrt 2)`` (Cor. 2, ``M = C / (2 sqrt 2)``, Lemma 10); discrete lattice
    ``{-C..C}``: ``alpha sum|w| / (2 sqrt 2 N_w)`` with ``sum|w| = C(C+1)``, ``N_w = 2C+1``
    (``variant='proof'``, the constant the proof of Lemma 11 reaches) or ``alpha sum|w| / (4 N_w)``
    (``variant='statement'``, as Lemma 11 and Corollary 3 are printed). The formulas of
    Corollaries 1-3 are lost in the source's text; these are reconstructed from Theorem 2 and the
    legible constants ``M``.
    """
    alpha = as_probability("alpha", alpha)
    return alpha * m_constant(dist, scale, variant) / 2


def rms_growth(dist, scale, alpha) -> float:
    """``sqrt(alpha Var(P) / 2)`` in the experiments' scaling: the exact per-layer growth of
    ``sqrt(E ||dz||^2)`` (the book's addition, not in the paper)."""
    alpha = as_probability("alpha", alpha)
    return float(np.sqrt(alpha * entry_variance(dist, scale) / 2))


def subvector_norms(u, alpha, n, rng) -> np.ndarray:
    """``n`` independent draws of ``||u_J||``, ``J`` keeping each index with probability ``alpha``.

    Lemma 7 of the paper bounds the mean below by ``alpha ||u||``; Appendix B (Eq. 46) above by
    ``sqrt(alpha) ||u||``. ``u`` has shape ``(k,)``; returns shape ``(n,)``.
    """
    u = as_array("u", u, ndim=1)
    alpha = as_probability("alpha", alpha)
    n = as_int("n", n, min=1)
    as_generator("rng", rng)
    keep = rng.random((n, u.size)) < alpha
    return np.sqrt(keep.astype(np.float64) @ (u * u))


def mz_p0() -> float:
    """The root ``p_0`` in ``(1, 2)`` of ``Gamma((p + 1)/2) = sqrt(pi)/2`` (Lemma 9, Ferger 2014).

    ``p = 2`` is a second root (``Gamma(3/2) = sqrt(pi)/2``), so the bracket is ``(1, 1.99)``.
    """
    from scipy.optimize import brentq
    from scipy.special import gamma

    return float(brentq(lambda p: gamma((p + 1) / 2) - np.sqrt(np.pi) / 2, 1.0, 1.99, xtol=1e-14))


def mz_constant_a(p) -> float:
    """Optimal lower Marcinkiewicz-Zygmund constant ``A_p`` of Lemma 9 (Eq. 41), ``p > 0``."""
    from scipy.special import gamma

    p = as_float("p", p, min=0.0, strict_min=True)
    if p <= mz_p0():
        return 2 ** (p / 2 - 1)
    if p < 2:
        return float(2 ** (p / 2) * gamma((p + 1) / 2) / np.sqrt(np.pi))
    return 1.0


def discrete_joint_abs_means(z, dz, values, probs, bias_values, bias_probs=None):
    """Exact ``E[|X| | Y > 0]``, ``E|X|`` and ``P(Y = 0)`` for ``X = w^T dz``, ``Y = w^T z + b``.

    ``w`` has i.i.d. entries on ``values`` with probabilities ``probs`` (a sparse lattice is the
    lattice with extra mass on 0), ``b`` is independent on ``bias_values`` (uniform unless
    ``bias_probs``). Computed by enumerating all ``len(values)**k * len(bias_values)`` outcomes, so
    keep that below ``2e6``. This is the quantity of Lemmas 5-6 of the paper.

    Returns
    -------
    (cond, uncond, p_zero) : floats; ``cond`` is NaN if ``P(Y > 0) = 0``.
    """
    z = as_array("z", z, ndim=1)
    dz = as_array("dz", dz, shape=z.shape)
    values = as_array("values", values, ndim=1)
    probs = as_array("probs", probs, shape=values.shape)
    bias_values = as_array("bias_values", bias_values, ndim=1)
    bias_probs = (np.full(bias_values.size, 1 / bias_values.size) if bias_probs is None
                  else as_array("bias_probs", bias_probs, shape=bias_values.shape))
    for name, pr in (("probs", probs), ("bias_probs", bias_probs)):
        if np.any(pr < 0) or abs(pr.sum() - 1) > 1e-12:
            raise ValueError(f"{name} must be non-negative and sum to 1")
    count = values.size ** z.size * bias_values.size
    if count > 2_000_000:
        raise ValueError(f"values**k * len(bias_values) must be at most 2e6 outcomes; got {count}")
    grids = np.meshgrid(*([values] * z.size), indexing="ij")
    W = np.stack([g.ravel() for g in grids], axis=1)
    pw = np.prod(np.meshgrid(*([probs] * z.size), indexing="ij"), axis=0).ravel()
    X = W @ dz
    Y = (W @ z)[:, None] + bias_values[None, :]
    P = pw[:, None] * bias_probs[None, :]
    absX = np.abs(X)[:, None]
    pos = Y > 0
    p_pos = P[pos].sum()
    cond = float((absX * P)[pos].sum() / p_pos) if p_pos > 0 else float("nan")
    return cond, float((absX * P).sum()), float(P[Y == 0].sum())


def one_layer_ratios(z, dz, alpha, dist, scale, bias_scale, n_draws, rng, *, bias_dist=None, bias_shift=0.0,
                     chunk=256) -> np.ndarray:
    """``R = ||1[W z + b > 0] * (W dz)|| / ||dz||`` for ``n_draws`` independent layers ``(W, b)``.

    This is the one-layer step ``||dz^(d+1)|| / ||dz^(d)||`` of the proof of Theorem 2 at a fixed
    input ``z`` and tangent ``dz`` (both of shape ``(k_in,)``); the layer is square
    (``k_out = k_in``) and sampled by :func:`sample_layers`. ``bias_shift`` adds a constant to every
    bias (a non-even bias law, which breaks the theorem's hypothesis). Returns ``(n_draws,)``.
    """
    z = as_array("z", z, ndim=1)
    dz = as_array("dz", dz, shape=z.shape)
    if not np.any(dz):
        raise ValueError("dz must not be the zero vector")
    n_draws = as_int("n_draws", n_draws, min=1)
    chunk = as_int("chunk", chunk, min=1)
    bias_shift = as_float("bias_shift", bias_shift)
    k = z.size
    out = []
    for start in range(0, n_draws, chunk):
        m = min(chunk, n_draws - start)
        (W,), (b,) = sample_layers([k, k], alpha, dist, scale, bias_scale, m, rng, bias_dist=bias_dist)
        active = (W @ z + b + bias_shift) > 0
        out.append(np.linalg.norm(active * (W @ dz), axis=1))
    return np.concatenate(out) / np.linalg.norm(dz)


def growth_factors(X, dX, Ws, bs) -> np.ndarray:
    """Per-network mean of the per-point, per-layer ratios ``||dz^(l+1)(t)|| / ||dz^(l)(t)||``.

    The "expected growth factor" of the paper's Figures 3 and 5, one value per network (the
    networks are the independent replicates). Points whose tangent is already zero at layer ``l``
    are dropped from that layer's average (0/0). Returns ``(n_nets,)``.
    """
    speeds = layer_speeds(X, dX, Ws, bs)             # (n_nets, d + 1, T)
    num, den = speeds[:, 1:], speeds[:, :-1]
    alive = den > 0
    ratios = np.where(alive, num / np.where(alive, den, 1.0), 0.0)
    return ratios.sum(axis=(1, 2)) / np.maximum(alive.sum(axis=(1, 2)), 1)


def flip_differences(Y, corners) -> np.ndarray:
    """``D[i, j] = 1[Y_i > a_j] - 1[-Y_i > a_j]`` (coordinatewise ``>``, all coordinates) for boxes ``{y > a_j}``.

    If the law of ``Y`` is even, ``P(Y in B) = P(-Y in B)`` for every box ``B``, so every column of
    ``D`` has mean exactly 0; this is the Monte Carlo form of Lemmas 1 and 3 of the paper (an even
    law stays even under linear maps and marginals). A corner entry ``-inf`` leaves that coordinate
    free, which tests a marginal.

    Parameters
    ----------
    Y : ``(n, m)`` samples.
    corners : ``(q, m)`` lower corners ``a_j``; entries may be ``-inf`` but not NaN or ``+inf``.

    Returns
    -------
    ndarray of shape ``(n, q)`` with entries in ``{-1, 0, 1}`` (float64).
    """
    Y = as_array("Y", Y, ndim=2)
    a = as_array("corners", corners, ndim=2, finite=False)
    if a.shape[1] != Y.shape[1]:
        raise ValueError(f"corners must have {Y.shape[1]} columns (the dimension of Y); got {a.shape[1]}")
    if np.any(np.isnan(a)) or np.any(a == np.inf):
        raise ValueError("corners must not contain NaN or +inf (use -inf for a free coordinate)")
    inside = np.all(Y[:, None, :] > a[None], axis=2)
    mirrored = np.all(-Y[:, None, :] > a[None], axis=2)
    return inside.astype(np.float64) - mirrored.astype(np.float64)


def richardson(coarse, fine, *, ratio=2.0, order=1.0) -> np.ndarray:
    """Richardson extrapolation ``fine + (fine - coarse) / (ratio**order - 1)``.

    If a measurement at resolution ``N`` errs by ``a / N**order`` (plus smaller terms) and ``fine`` is
    taken at ``ratio * N``, the leading error cancels. For chord lengths of ReLU images (deficit
    ``~ 1/N``, order 1, ratio 2) this is ``2 L_2N - L_N``. ``coarse`` and ``fine`` are arrays of one
    shape (or broadcastable); returns their broadcast shape. The book's addition; the paper does
    not extrapolate.
    """
    c = as_array("coarse", coarse)
    f = as_array("fine", fine)
    r = as_float("ratio", ratio, min=1.0, strict_min=True)
    p = as_float("order", order, min=0.0, strict_min=True)
    try:
        shape = np.broadcast_shapes(c.shape, f.shape)
    except ValueError as exc:
        raise ValueError(f"coarse and fine must have broadcastable shapes; got {c.shape} and {f.shape}") from exc
    with np.errstate(over="ignore"):
        denom = float(np.float64(r) ** p) - 1.0
    if not np.isfinite(denom) or denom <= 0:
        raise ValueError(f"ratio**order - 1 must be positive and finite; got ratio={r}, order={p}")
    return np.broadcast_to(f + (f - c) / denom, shape).copy()


def mean_abs(dist, scale) -> float:
    """``E|w|`` for one draw of ``P`` before the width scaling (no sparsity).

    Gaussian ``N(0, sigma^2)``: ``sigma sqrt(2/pi)``; uniform ``U(-C, C)``: ``C / 2``; lattice
    ``{-C..C}``: ``C(C+1) / (2C+1)``. At width 1 the proof of Theorem 2 is exact up to its constant
    ``M``: ``E l(z^(d)) = (alpha E|w| / 2)^d l(x)`` (the book's addition), which equals the bound
    only when ``M = E|w|``, i.e. for the Gaussian.
    """
    as_choice("dist", dist, DISTS)
    s = _scale(dist, scale)
    if dist == "gaussian":
        return float(s * np.sqrt(2 / np.pi))
    if dist == "uniform":
        return s / 2
    return s * (s + 1) / (2 * s + 1)


def arc_segment(x0, x1, t, pairs):
    """The paper's "curved" trajectory of Appendix C.1: a segment bent into semicircles in some planes.

    The source says only "a straight line which has been modified to be a semi-circular arc in 100
    randomly chosen hyperplanes"; the book's reading: for each coordinate pair ``(i, j)`` in
    ``pairs`` (disjoint), the projection onto coordinates ``i, j`` runs along the half circle with
    diameter from ``(x0_i, x0_j)`` to ``(x1_i, x1_j)`` (angle ``theta_0 + pi t``); the other
    coordinates move on the straight line ``x0 + t (x1 - x0)``. The speed is constant, so the
    length is ``sqrt(sum_other (x1 - x0)^2 + (pi^2 / 4) sum_pairs ((x1 - x0)_i^2 + (x1 - x0)_j^2))``.

    Parameters
    ----------
    x0, x1 : ``(n,)`` end points.
    t : ``(T,)`` parameter values in ``[0, 1]``.
    pairs : ``(q, 2)`` integer coordinate pairs, all ``2q`` indices distinct and in ``[0, n)``.

    Returns
    -------
    X, dX : ``(T, n)`` points and velocities ``x'(t)``.
    """
    x0 = as_array("x0", x0, ndim=1)
    x1 = as_array("x1", x1, shape=x0.shape)
    t = as_array("t", t, ndim=1)
    P = as_array("pairs", pairs, ndim=2, dtype=np.int64, nonempty=False)
    if P.shape[1] != 2 or np.unique(P).size != P.size or (P.size and (P.min() < 0 or P.max() >= x0.size)):
        raise ValueError(f"pairs must be a (q, 2) array of distinct coordinates in [0, {x0.size}); got shape {P.shape}")
    X, dX = segment(x0, x1, t)
    if P.size:
        i, j = P[:, 0], P[:, 1]
        ci, cj = (x0[i] + x1[i]) / 2, (x0[j] + x1[j]) / 2
        rho = np.hypot(x0[i] - ci, x0[j] - cj)
        theta = np.arctan2(x0[j] - cj, x0[i] - ci)[None, :] + np.pi * t[:, None]     # (T, q)
        X[:, i], X[:, j] = ci + rho * np.cos(theta), cj + rho * np.sin(theta)
        dX[:, i], dX[:, j] = -np.pi * rho * np.sin(theta), np.pi * rho * np.cos(theta)
    return X, dX


# -- broken hypotheses and trained networks (chapters 07b, 07c) ----------------------------------
def kill_probability(alpha, support, k_out) -> float:
    """Exact probability that one random sparse layer maps a tangent to zero: ``P(dz^(d+1) = 0)``.

    Setting: weights ``alpha P + (1 - alpha) delta_0`` with ``P`` continuous and even (Gaussian or
    uniform; not the lattice, whose atoms make ``w^T dz = 0`` possible), an even bias law, and a
    fixed point ``z`` with tangent ``dz`` that has ``support`` non-zero coordinates. We need
    ``P(w^T z + b = 0) = 0`` or ``supp(dz)`` inside ``supp(z)`` (true after a ReLU, and for zero
    bias). Unit ``i`` contributes nothing when its row misses ``supp(dz)`` (probability
    ``(1 - alpha)^s``) or, otherwise, when it is inactive (probability 1/2 by evenness). The
    ``k_out`` rows are independent, so the answer is ``((1 + (1 - alpha)^s) / 2)^k_out``.
    The book's addition (the paper's Appendix B treats the case ``dz = e_1`` only through means).
    """
    alpha = as_probability("alpha", alpha)
    s = as_int("support", support, min=1)
    k_out = as_int("k_out", k_out, min=1)
    return float(((1.0 + (1.0 - alpha) ** s) / 2.0) ** k_out)


def pre_post_defect(post, pre) -> np.ndarray:
    """``D[n, l] = mean_t (||dh^(l)(t)||^2 - 2 ||dz^(l+1)(t)||^2) / ||dz^(l)(t)||^2`` for each net.

    ``post`` are the post-activation speeds ``||dz^(l)(t)||``, shape ``(n_nets, d + 1, T)``, and
    ``pre`` the pre-activation speeds ``||dh^(l)(t)||``, shape ``(n_nets, d, T)``, of the same
    networks and points (:func:`layer_speeds` without and with ``pre=True``).
    Given the layer-``l`` point and tangent, an even law of ``(w, b)`` makes each unit active with
    probability 1/2 independently of ``(w^T dz)^2`` (Lemmas 5-6 with ``X^2`` in place of ``|X|``),
    so ``E||dz^(l+1)||^2 = E||dh^(l)||^2 / 2``: every entry has mean exactly 0. Points whose tangent
    is already 0 at layer ``l`` are left out of that layer's mean (0/0). Returns ``(n_nets, d)``.
    The book's addition, not in the paper.
    """
    post = as_array("post", post, ndim=3)
    if post.shape[1] < 2:
        raise ValueError(f"post must hold at least 2 layers (d + 1 >= 2); got shape {post.shape}")
    pre = as_array("pre", pre, shape=(post.shape[0], post.shape[1] - 1, post.shape[2]))
    if np.any(post < 0) or np.any(pre < 0):
        raise ValueError("post and pre must be speeds (non-negative)")
    post, pre = post**2, pre**2
    den = post[:, :-1]
    alive = den > 0
    ratio = np.where(alive, (pre - 2.0 * post[:, 1:]) / np.where(alive, den, 1.0), 0.0)
    return ratio.sum(axis=-1) / np.maximum(alive.sum(axis=-1), 1)


def zero_units(X, dX, Ws, bs) -> tuple[np.ndarray, np.ndarray]:
    """Counts of pre-activations that are exactly 0, and of those whose tangent is not 0.

    Returns ``(zeros, bad)``, each ``(n_nets, d)`` int: ``zeros[n, l]`` counts pairs (point, unit)
    with ``h^(l) = 0`` exactly, ``bad[n, l]`` those among them with ``dh^(l) != 0``. The proof of
    Theorem 2 assumes ``P(h = 0) = 0``; a ``bad`` unit is where that assumption could change a
    length (``ReLU'(0)`` is then a convention). Arguments as in :func:`propagate` (``dX`` required).
    """
    if dX is None:
        raise ValueError("dX must be given (the tangents)")
    trace = propagate(X, Ws, bs, dX)
    zeros = np.stack([(h == 0).sum(axis=(1, 2)) for h in trace.h], axis=1)
    bad = np.stack([((h == 0) & (dh != 0)).sum(axis=(1, 2)) for h, dh in zip(trace.h, trace.dh)], axis=1)
    return zeros, bad


def relu_layers(net) -> tuple[list, list]:
    """The ReLU layers of a :class:`lib.nets.Net` as a stack of one network (``n_nets = 1``).

    Keeps the leading maps whose activation is ``relu`` (a trained classifier's linear read-out is
    dropped), so that :func:`layer_speeds` and :func:`growth_factors` measure ``z^(1..d)``.
    Returns ``(Ws, bs)`` with ``Ws[l]`` of shape ``(1, k_{l+1}, k_l)`` and ``bs[l]`` ``(1, k_{l+1})``.
    """
    if not isinstance(net, Net):
        raise ValueError(f"net must be a lib.nets.Net; got {type(net).__name__}")
    d = 0
    while d < net.depth and net.activations[d] == "relu":
        d += 1
    if d == 0:
        raise ValueError("net must start with at least one relu layer")
    return [W[None].copy() for W in net.weights[:d]], [b[None].copy() for b in net.biases[:d]]


def weight_scale(Ws) -> float:
    """Effective ``sigma_w`` of a stack of layers: mean over layers of ``sqrt(k_in) * std(W^(l))``.

    For weights ``N(0, sigma_w^2 / k_in)`` this estimates ``sigma_w``; it is how the book reads the
    "post-training sigma_w" of the paper's Appendix C.2 (the paper does not define it).
    ``Ws`` is a list of ``(n_nets, k_out, k_in)`` arrays with at least 2 entries each.
    """
    if not isinstance(Ws, (list, tuple)) or not Ws:
        raise ValueError("Ws must be a non-empty list of weight stacks")
    vals = []
    for l, W in enumerate(Ws):
        W = as_array(f"Ws[{l}]", W, ndim=3)
        if W.shape[1] * W.shape[2] < 2:
            raise ValueError(f"Ws[{l}] must hold at least 2 weights per network")
        vals.append(np.sqrt(W.shape[2]) * W.reshape(W.shape[0], -1).std(axis=1, ddof=1).mean())
    return float(np.mean(vals))


def train_classifier(X, y, widths, sigma_w, generator, *, steps=200, lr=3e-3, bias_scale=0.01, device=None,
                     threads=1):
    """Train a dense ReLU classifier from a Gaussian initialisation (the setting of the paper's App. C.2).

    Weights start ``N(0, sigma_w^2 / k_in)``, biases ``N(0, bias_scale^2)`` (the paper's Section 4
    laws, dense), drawn from ``generator``; every hidden map has a ReLU and the last map is a linear
    read-out to ``widths[-1]`` classes. Full-batch Adam on the cross-entropy, ``steps`` steps in
    float32 (fast; the returned networks are float64 copies). The loop runs on ``threads`` torch
    threads (default 1: for layers this small, more threads only contend); the previous setting is
    restored afterwards.

    Parameters
    ----------
    X : ``(n, widths[0])`` inputs; y : ``(n,)`` integer labels in ``[0, widths[-1])``.
    widths : ``(k_0, k_1, ..., k_d, n_classes)``, at least three entries.
    sigma_w : float > 0; generator : ``torch.Generator``; device : torch device (default CPU).

    Returns
    -------
    (initial, trained) : two :class:`lib.nets.Net` (the network before and after training).
    """
    import torch

    if not isinstance(generator, torch.Generator):
        raise ValueError(f"generator must be a torch.Generator; got {type(generator).__name__}")
    if isinstance(widths, (str, bytes)) or not hasattr(widths, "__len__") or len(widths) < 3:
        raise ValueError("widths must list an input width, at least one hidden width and the number of classes")
    widths = [as_int(f"widths[{i}]", k, min=1) for i, k in enumerate(widths)]
    X = as_array("X", X, shape=(None, widths[0]))
    y = as_array("y", y, shape=(X.shape[0],), dtype=np.int64)
    if y.min() < 0 or y.max() >= widths[-1]:
        raise ValueError(f"y must hold labels in [0, {widths[-1]}); got range [{y.min()}, {y.max()}]")
    sigma_w = as_float("sigma_w", sigma_w, min=0.0, strict_min=True)
    steps = as_int("steps", steps, min=0)
    lr = as_float("lr", lr, min=0.0, strict_min=True)
    bias_scale = as_float("bias_scale", bias_scale, min=0.0)
    n_threads = as_int("threads", threads, min=1)
    try:
        device = torch.device("cpu") if device is None else torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device must name a torch device (e.g. 'cpu'); got {device!r}") from exc
    layers = []
    for i, (a, b) in enumerate(zip(widths[:-1], widths[1:])):
        lin = torch.nn.Linear(a, b)
        with torch.no_grad():
            lin.weight.copy_(torch.randn(b, a, generator=generator) * (sigma_w / np.sqrt(a)))
            lin.bias.copy_(torch.randn(b, generator=generator) * bias_scale)
        layers += [lin, torch.nn.ReLU()] if i < len(widths) - 2 else [lin]
    model = torch.nn.Sequential(*layers).to(device)
    initial = Net.from_torch(model)
    Xt = torch.as_tensor(X, dtype=torch.float32, device=device)
    yt = torch.as_tensor(y, device=device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    threads = torch.get_num_threads()
    torch.set_num_threads(n_threads)  # tiny layers: extra threads only contend
    try:
        for _ in range(steps):
            loss = torch.nn.functional.cross_entropy(model(Xt), yt)
            opt.zero_grad()
            loss.backward()
            opt.step()
    finally:
        torch.set_num_threads(threads)
    return initial, Net.from_torch(model.cpu())


def net_growth_factors(net, X, dX) -> np.ndarray:
    """Growth factors (as in :func:`growth_factors`) of ``m`` trajectories through one network.

    ``net`` is a :class:`lib.nets.Net`; its leading ReLU layers are used (:func:`relu_layers`).
    ``X`` and ``dX`` have shape ``(m, T, k_0)``: trajectory ``i`` is sampled at ``X[i]`` with
    velocities ``dX[i]``. The network is repeated along the batch axis, so all trajectories go
    through one batched pass. Returns ``(m,)``: for each trajectory, the mean over layers and points
    of ``||dz^(l+1)(t)|| / ||dz^(l)(t)||`` (the quantity of the paper's Figures 3, 5 and 6).
    """
    Ws, bs = relu_layers(net)
    X = as_array("X", X, ndim=3)
    dX = as_array("dX", dX, shape=X.shape)
    if X.shape[2] != Ws[0].shape[2]:
        raise ValueError(f"X must have {Ws[0].shape[2]} columns (the input width); got {X.shape[2]}")
    m = X.shape[0]
    return growth_factors(X, dX, [np.repeat(W, m, axis=0) for W in Ws], [np.repeat(b, m, axis=0) for b in bs])
