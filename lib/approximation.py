"""Approximation with shallow networks: the constructions of Telgarsky's notes, Ch. 1-2, and the
arithmetic and estimators behind the overparameterisation blog post.

Conventions (see the foundations chapter): a network's *depth* counts affine maps (the notes'
"layers", Def. 1.3), *nodes* are hidden units, the threshold unit is ``step`` = 1[z >= 0], and every
construction here has a linear (``identity``) output map. Inputs are rows: an ``(n, d)`` array.

Sources
-------
* Telgarsky, *Deep learning theory* (draft 2023), Def. 1.3, eq. (1.4), Prop. 2.1, Remark 2.2,
  Thm 2.3 and its proof.
* Blog post on overparameterisation (after Poggio): the ResNet-152 / ImageNet arithmetic and the
  intrinsic-dimension argument of its Sec. 1.
* Additions that are in neither source are marked [GK] in the docstrings (among them the
  dimension-sweep reduction for centred Gaussians and the certified root counts): the ReLU
  piecewise-linear interpolant, the two-NN estimator (Facco et al., 2017), the explicit bump
  width ``gamma_for_tau`` and the ResNet parameter formula.
"""
from __future__ import annotations

import math
from typing import Callable, Sequence

import numpy as np

from .nets import Net
from .validate import as_array, as_choice, as_float, as_int, as_widths

__all__ = [
    "robust_ceil",
    "resnet_param_count",
    "resnet_torch",
    "two_nn_log_ratios",
    "two_nn_dimension",
    "knn_regress",
    "relu_features",
    "least_squares_fit",
    "threshold_staircase",
    "prune_zero_units",
    "relu_abs",
    "chebyshev_sup_error",
    "minimax_poly_error_grid",
    "pl_interpolant_net",
    "cube_side_count",
    "cube_corners",
    "gamma_for_tau",
    "trapezoid_net",
    "box_bump_net",
    "piecewise_constant_h",
    "lipschitz_cube_net",
    "cube_net_node_count",
    "box_bump_l1",
    "eval_in_chunks",
    "exp_net_eval",
    "exp_net_product",
    "fit_exp_net",
    "exp_relu_plan",
    "exp_to_relu_net",
    "numerical_rank",
    "chebyshev_interpolant",
    "sigmoid_derivative_poly",
    "sigmoid_derivative",
    "sigmoid_derivative_sup",
    "square_block_bound",
    "compositional_q_net",
    "poly2_eval",
    "q_error_bound",
    "fourier_transform_1d",
    "gaussian_ft",
    "gaussian_density",
    "barron_q",
    "abs_sin_integral",
    "barron_gaussian_rep",
    "barron_gaussian_mass",
    "barron_integral_gaussian",
    "barron_integral_gaussian_holder",
    "gaussian_barron_sample",
    "threshold_sample_net",
    "sampled_threshold_values",
    "sin2pi_threshold_sample",
    "sin2pi_tv_cdf",
    "threshold_eval_1d",
    "maurey_sq_errors",
    "poly_mlp_forward",
    "poly_mlp_degree",
    "poly_net1_residual_jacobian",
    "solve_interpolation",
    "real_root_counts",
    "kac_rice_expected_real_roots",
    "barron_radial_mass",
    "barron_radial_hit_prob",
    "barron_radial_exact_error",
    "trig_real_root_counts",
    "mlp_batched_forward",
    "train_mlp_batched",
]

MAX_NODES = 200_000  # largest number of hidden units a construction may have
MAX_DENSE = 30_000_000  # largest dense weight matrix (floats, 240 MB) a construction may store


def robust_ceil(x: float, rtol: float = 1e-9) -> int:
    """``ceil(x)``, but a value within ``rtol`` (relative) of an integer is snapped to it first.

    ``2.1 / 0.3`` is ``7.000000000000001`` in floating point; the intended ``ceil`` is 7, not 8.
    """
    x = as_float("x", x)
    rtol = as_float("rtol", rtol, min=0.0)
    r = round(x)
    if abs(x - r) <= rtol * max(1.0, abs(x)):
        return int(r)
    return int(math.ceil(x))


def _target_values(g: Callable, X: np.ndarray, name: str = "g") -> np.ndarray:
    """Evaluate a target ``g`` on rows ``X`` (n, d) and insist on shape (n,) and finite values."""
    if not callable(g):
        raise ValueError(f"{name} must be callable; got {g!r}")
    y = np.asarray(g(X), dtype=np.float64)
    if y.shape != (X.shape[0],):
        raise ValueError(f"{name} must map an (n, d) array to shape (n,); got shape {y.shape} for n={X.shape[0]}")
    if not np.all(np.isfinite(y)):
        raise ValueError(f"{name} must return finite values")
    return y


# ---------------------------------------------------------------------------------------------
# The puzzle: scale arithmetic, intrinsic dimension, risk decomposition
# ---------------------------------------------------------------------------------------------
def resnet_param_count(blocks: Sequence[int], *, bottleneck: bool = True, num_classes: int = 1000,
                       in_channels: int = 3) -> int:
    """[GK] Learnable parameters of a torchvision-style ResNet, in closed form.

    Stem: 7x7 conv (no bias) to 64 channels + batch norm. Four stages of ``blocks[s]`` residual
    blocks with base widths 64, 128, 256, 512; a bottleneck block has 1x1, 3x3, 1x1 convolutions
    (expansion 4), a basic block two 3x3 convolutions (expansion 1); the first block of a stage has
    a 1x1 projection shortcut when its input and output channels differ. Every batch norm counts
    its scale and shift (2 per channel); convolutions have no bias. Head: fully connected layer
    ``(expansion * 512) x num_classes`` plus bias.

    Parameters
    ----------
    blocks : four positive ints, e.g. ``(3, 8, 36, 3)`` for ResNet-152 (the blog's network).
    """
    if isinstance(blocks, (str, bytes)) or not hasattr(blocks, "__len__") or len(blocks) != 4:
        raise ValueError(f"blocks must list 4 stage lengths; got {blocks!r}")
    blocks = [as_int(f"blocks[{i}]", b, min=1) for i, b in enumerate(blocks)]
    num_classes = as_int("num_classes", num_classes, min=1)
    in_channels = as_int("in_channels", in_channels, min=1)
    exp = 4 if bottleneck else 1
    total = in_channels * 64 * 49 + 2 * 64
    c_in = 64
    for stage, n in enumerate(blocks):
        p = 64 * 2**stage
        for i in range(n):
            if bottleneck:
                total += c_in * p + 2 * p + 9 * p * p + 2 * p + p * exp * p + 2 * exp * p
            else:
                total += 9 * c_in * p + 2 * p + 9 * p * p + 2 * p
            if i == 0 and (c_in != exp * p or stage > 0):
                total += c_in * exp * p + 2 * exp * p
            c_in = exp * p
    return int(total + c_in * num_classes + num_classes)


def resnet_torch(blocks: Sequence[int], *, bottleneck: bool = True, num_classes: int = 1000, device="meta"):
    """A ResNet as a ``torch.nn.Module`` built from ``torch.nn`` layers (on the ``meta`` device by
    default, so no memory is allocated). Same architecture as :func:`resnet_param_count`; used to
    count parameters independently and to check the wiring by a forward pass of shapes.
    """
    import torch
    from torch import nn

    if isinstance(blocks, (str, bytes)) or not hasattr(blocks, "__len__") or len(blocks) != 4:
        raise ValueError(f"blocks must list 4 stage lengths; got {blocks!r}")
    blocks = [as_int(f"blocks[{i}]", b, min=1) for i, b in enumerate(blocks)]
    num_classes = as_int("num_classes", num_classes, min=1)
    exp = 4 if bottleneck else 1

    class Block(nn.Module):
        def __init__(self, c_in, p, stride):
            super().__init__()
            if bottleneck:
                self.body = nn.Sequential(
                    nn.Conv2d(c_in, p, 1, bias=False), nn.BatchNorm2d(p), nn.ReLU(),
                    nn.Conv2d(p, p, 3, stride, 1, bias=False), nn.BatchNorm2d(p), nn.ReLU(),
                    nn.Conv2d(p, exp * p, 1, bias=False), nn.BatchNorm2d(exp * p))
            else:
                self.body = nn.Sequential(
                    nn.Conv2d(c_in, p, 3, stride, 1, bias=False), nn.BatchNorm2d(p), nn.ReLU(),
                    nn.Conv2d(p, p, 3, 1, 1, bias=False), nn.BatchNorm2d(p))
            self.short = (nn.Sequential(nn.Conv2d(c_in, exp * p, 1, stride, bias=False), nn.BatchNorm2d(exp * p))
                          if (stride != 1 or c_in != exp * p) else nn.Identity())

        def forward(self, x):
            return torch.relu(self.body(x) + self.short(x))

    with torch.device(device):
        layers = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(3, 2, 1)]
        c_in = 64
        for stage, n in enumerate(blocks):
            p = 64 * 2**stage
            for i in range(n):
                layers.append(Block(c_in, p, 2 if (i == 0 and stage > 0) else 1))
                c_in = exp * p
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(c_in, num_classes)]
        return nn.Sequential(*layers)


def two_nn_log_ratios(X, *, boxsize: float | None = None) -> np.ndarray:
    """[GK, Facco et al. 2017] ``log(r2_i / r1_i)`` for every row of ``X`` (n, D).

    ``r1_i, r2_i`` are the distances from point i to its nearest and second-nearest other point.
    If the points are locally uniform on an m-dimensional set, ``m * log(r2/r1)`` is standard
    exponential. ``boxsize`` makes distances periodic on the torus ``[0, boxsize)^D``.

    Returns
    -------
    array of shape (n,)
    """
    from scipy.spatial import cKDTree

    X = as_array("X", X, ndim=2)
    if X.shape[0] < 3:
        raise ValueError(f"X must have at least 3 rows; got {X.shape[0]}")
    if boxsize is not None:
        boxsize = as_float("boxsize", boxsize, min=0.0, strict_min=True)
        if X.min() < 0 or X.max() >= boxsize:
            raise ValueError("X must lie in [0, boxsize) when boxsize is given")
    dist, _ = cKDTree(X, boxsize=boxsize).query(X, k=3)
    if np.any(dist[:, 1] <= 0):
        raise ValueError("X must not contain repeated rows (a zero nearest-neighbour distance)")
    return np.log(dist[:, 2] / dist[:, 1])


def two_nn_dimension(X, *, boxsize: float | None = None) -> float:
    """[GK] The two-NN maximum-likelihood estimate ``n / sum_i log(r2_i / r1_i)`` of intrinsic dimension."""
    L = two_nn_log_ratios(X, boxsize=boxsize)
    return float(L.size / L.sum())


def knn_regress(X_train, y_train, X_test, k: int) -> np.ndarray:
    """k-nearest-neighbour regression: the mean label of the ``k`` nearest training rows.

    Shapes: ``X_train`` (n, D), ``y_train`` (n,), ``X_test`` (t, D); returns (t,).
    """
    from scipy.spatial import cKDTree

    X_train = as_array("X_train", X_train, ndim=2)
    y_train = as_array("y_train", y_train, shape=(X_train.shape[0],))
    X_test = as_array("X_test", X_test, shape=(None, X_train.shape[1]))
    k = as_int("k", k, min=1, max=X_train.shape[0])
    _, idx = cKDTree(X_train).query(X_test, k=k)
    idx = idx.reshape(X_test.shape[0], k)
    return y_train[idx].mean(axis=1)


def relu_features(X, W, b) -> np.ndarray:
    """Random-feature matrix ``relu(X W^T + b)``: ``X`` (n, d), ``W`` (m, d), ``b`` (m,); returns (n, m)."""
    X = as_array("X", X, ndim=2)
    W = as_array("W", W, shape=(None, X.shape[1]))
    b = as_array("b", b, shape=(W.shape[0],))
    return np.maximum(X @ W.T + b, 0.0)


def least_squares_fit(Phi, y) -> np.ndarray:
    """Minimum-norm least-squares coefficients ``c`` minimising ``|Phi c - y|``: ``Phi`` (n, m), ``y`` (n,)."""
    Phi = as_array("Phi", Phi, ndim=2)
    y = as_array("y", y, shape=(Phi.shape[0],))
    return np.linalg.lstsq(Phi, y, rcond=None)[0]


# ---------------------------------------------------------------------------------------------
# Univariate folklore: Prop. 2.1, Remark 2.2, piecewise-linear interpolation
# ---------------------------------------------------------------------------------------------
def threshold_staircase(g: Callable, rho: float, eps: float, *, strict: bool = False) -> Net:
    """Prop. 2.1 (Telgarsky 2023): a 2-layer threshold network with ``m = ceil(rho/eps)`` nodes.

    ``b_i = (i-1) eps / rho`` for ``i = 1..m``, ``a_1 = g(b_1)``, ``a_i = g(b_i) - g(b_{i-1})`` and
    ``f(x) = sum_i a_i 1[x >= b_i]`` (the notes' ``1[x_i >= b_i]`` read as ``1[x >= b_i]``).
    If ``g`` is rho-Lipschitz then ``sup_{[0,1]} |f - g| <= eps``.

    Parameters
    ----------
    g : callable mapping an (n, 1) array to (n,).
    rho : Lipschitz constant, >= 0 (rho = 0 gives one node, the constant g(0)).
    eps : target sup error, > 0.
    strict : use ``step_strict`` = 1[z > 0] instead (the hypothesis-breaking variant).

    Returns
    -------
    Net with widths (1, m, 1), activations (``step``, ``identity``), no output bias.
    """
    rho = as_float("rho", rho, min=0.0)
    eps = as_float("eps", eps, min=0.0, strict_min=True)
    m = max(1, robust_ceil(rho / eps))
    if m > MAX_NODES:
        raise ValueError(f"threshold_staircase would need m = {m} nodes, above the budget {MAX_NODES}")
    b = np.arange(m) * (eps / rho if m > 1 else 0.0)  # m = 1 also covers a subnormal rho (eps / rho = inf)
    gb = _target_values(g, b[:, None])
    a = np.diff(gb, prepend=0.0)
    return Net([np.ones((m, 1)), a[None, :]], [-b, np.zeros(1)],
               ["step_strict" if strict else "step", "identity"])


def prune_zero_units(net: Net, tol: float = 0.0) -> Net:
    """Drop hidden units of a 2-layer net whose outgoing weight has ``|a_i| <= tol`` (Remark 2.2's flat regions).

    The function is unchanged when ``tol = 0``. At least one unit is kept.
    """
    if not isinstance(net, Net) or net.depth != 2 or net.d_out != 1:
        raise ValueError("net must be a 2-layer Net with one output")
    tol = as_float("tol", tol, min=0.0)
    keep = np.abs(net.weights[1][0]) > tol
    if not keep.any():
        keep[0] = True
    return Net([net.weights[0][keep], net.weights[1][:, keep]], [net.biases[0][keep], net.biases[1]],
               list(net.activations))


def relu_abs() -> Net:
    """Remark 2.2: ``|x| = relu(x) + relu(-x)``, two ReLU nodes, exact."""
    return Net([np.array([[1.0], [-1.0]]), np.array([[1.0, 1.0]])], [np.zeros(2), np.zeros(1)], "relu")


def chebyshev_sup_error(f: Callable, degree: int, X, kind: int = 1) -> float:
    """Sup error on the points ``X`` (n,) in [-1, 1] of the degree-``degree`` Chebyshev interpolant of ``f``.

    ``f`` maps a 1-D array to the same shape. ``kind=1`` interpolates in the ``degree + 1``
    Chebyshev points of the first kind (``numpy.polynomial.chebyshev.chebinterpolate``);
    ``kind=2`` in the ``degree + 1`` Chebyshev extreme points ``cos(j pi / degree)``, the points of
    Trefethen (2019), whose Thm 7.2 bounds the error (see :func:`chebyshev_interpolant`).
    """
    from numpy.polynomial import chebyshev as C

    coef = chebyshev_interpolant(f, degree, kind=kind)
    X = as_array("X", X, ndim=1)
    if X.min() < -1 or X.max() > 1:
        raise ValueError("X must lie in [-1, 1]")
    return float(np.max(np.abs(C.chebval(X, coef) - _values_1d(f, X))))


def _values_1d(f: Callable, x: np.ndarray, name: str = "f") -> np.ndarray:
    """``f(x)`` for a 1-D ``x``, insisting on the same shape and finite values."""
    if not callable(f):
        raise ValueError(f"{name} must be callable; got {f!r}")
    y = np.asarray(f(x), dtype=np.float64)
    if y.shape != x.shape:
        raise ValueError(f"{name} must map a 1-D array to the same shape; got {y.shape} for {x.shape}")
    if not np.all(np.isfinite(y)):
        raise ValueError(f"{name} must return finite values")
    return y


def chebyshev_interpolant(f: Callable, degree: int, kind: int = 2) -> np.ndarray:
    """Chebyshev coefficients (degree + 1,) of the polynomial interpolating ``f`` in Chebyshev points.

    ``kind=2`` [GK, Trefethen 2019, Ch. 3]: the points ``x_j = cos(j pi / n)``, ``j = 0..n``
    (``n = degree >= 1``); the coefficients come from the discrete cosine sum
    ``c_k = (2/n) sum_j'' f(x_j) cos(j k pi / n)`` (halved first and last terms, and ``c_0, c_n``
    halved once more). ``kind=1``: first-kind points (``chebinterpolate``).
    For ``f`` whose derivative has total variation ``V``, the kind-2 interpolant satisfies
    ``sup |f - p_n| <= 4 V / (pi (n - 1))`` for ``n > 1`` (Trefethen 2019, Thm 7.2 with nu = 1).
    """
    from numpy.polynomial import chebyshev as C

    kind = as_int("kind", kind, min=1, max=2)
    degree = as_int("degree", degree, min=1 if kind == 2 else 0, max=4096)
    if kind == 1:
        if not callable(f):
            raise ValueError(f"f must be callable; got {f!r}")
        return C.chebinterpolate(lambda t: _values_1d(f, t), degree)
    n = degree
    j = np.arange(n + 1)
    fx = _values_1d(f, np.cos(np.pi * j / n))
    w = np.ones(n + 1)
    w[0] = w[-1] = 0.5
    coef = (2.0 / n) * (np.cos(np.pi * np.outer(j, j) / n) @ (w * fx))
    coef[0] /= 2.0
    coef[-1] /= 2.0
    return coef


def minimax_poly_error_grid(f: Callable, degree: int, X) -> float:
    """Smallest possible max error over the points ``X`` of a polynomial of degree ``<= degree``.

    Solves the linear program ``min t`` subject to ``|sum_j c_j T_j(x_i) - f(x_i)| <= t`` (Chebyshev
    basis, HiGHS). Because a maximum over the finite set ``X`` never exceeds the supremum over an
    interval containing it, the value is a **lower bound** on the best uniform error ``E_n(f)`` on
    that interval. ``X`` (n,) in [-1, 1]; ``f`` maps 1-D arrays to the same shape.
    """
    from numpy.polynomial import chebyshev as C
    from scipy.optimize import linprog

    degree = as_int("degree", degree, min=0)
    X = as_array("X", X, ndim=1)
    if X.min() < -1 or X.max() > 1:
        raise ValueError("X must lie in [-1, 1]")
    if X.size < degree + 2:
        raise ValueError(f"X must hold at least degree + 2 = {degree + 2} points; got {X.size}")
    if not callable(f):
        raise ValueError("f must be callable")
    y = np.asarray(f(X), dtype=np.float64)
    T = C.chebvander(X, degree)
    one = np.ones((X.size, 1))
    A_ub = np.vstack([np.hstack([T, -one]), np.hstack([-T, -one])])
    cost = np.zeros(degree + 2)
    cost[-1] = 1.0
    res = linprog(cost, A_ub=A_ub, b_ub=np.concatenate([y, -y]),
                  bounds=[(None, None)] * (degree + 1) + [(0, None)], method="highs")
    if res.status != 0:  # pragma: no cover - the LP is always feasible and bounded
        raise RuntimeError(f"linear program failed: {res.message}")
    return float(res.fun)


def pl_interpolant_net(g: Callable, knots) -> Net:
    """[GK] A 2-layer ReLU net equal to the piecewise-linear interpolant of ``g`` on ``knots``.

    With knots ``t_0 < ... < t_n`` and slopes ``s_j`` on ``[t_j, t_{j+1}]``:
    ``f(x) = g(t_0) + s_0 (relu(x - t_0) - relu(t_0 - x)) + sum_{j=1}^{n-1} (s_j - s_{j-1}) relu(x - t_j)``,
    which extrapolates linearly with slope ``s_0`` left of ``t_0`` and ``s_{n-1}`` right of ``t_n``.

    Parameters
    ----------
    g : callable mapping an (n, 1) array to (n,).
    knots : strictly increasing 1-D array of at least 2 knots.

    Returns
    -------
    Net with widths (1, n + 1, 1) (relu hidden layer, identity output with bias g(t_0)).
    """
    t = as_array("knots", knots, ndim=1)
    if t.size < 2:
        raise ValueError(f"knots must hold at least 2 points; got {t.size}")
    if np.any(np.diff(t) <= 0):
        raise ValueError("knots must be strictly increasing (sorted, no repeats)")
    if t.size > MAX_NODES:
        raise ValueError(f"pl_interpolant_net would need {t.size} nodes, above the budget {MAX_NODES}")
    y = _target_values(g, t[:, None])
    s = np.diff(y) / np.diff(t)
    W1 = np.concatenate([[1.0, -1.0], np.ones(t.size - 2)])[:, None]
    b1 = np.concatenate([[-t[0], t[0]], -t[1:-1]])
    a = np.concatenate([[s[0], -s[0]], np.diff(s)])
    return Net([W1, a[None, :]], [b1, np.array([y[0]])], "relu")


# ---------------------------------------------------------------------------------------------
# Theorem 2.3: the three-layer cube network
# ---------------------------------------------------------------------------------------------
def cube_side_count(rho: float, eps: float, d: int, k_rule: str = "corrected") -> int:
    """Cubes per side ``k`` in the proof of Thm 2.3.

    ``'corrected'``: ``k = ceil(rho sqrt(d) / eps)``, so a cube of side 1/k has Euclidean diameter
    ``sqrt(d)/k <= eps/rho``. ``'document'``: the notes' ``k = ceil(rho / (eps sqrt(d)))``, which only
    gives ``rho sqrt(d)/k <= d eps``. At least 1.
    """
    rho = as_float("rho", rho, min=0.0)
    eps = as_float("eps", eps, min=0.0, strict_min=True)
    d = as_int("d", d, min=1)
    as_choice("k_rule", k_rule, ("corrected", "document"))
    x = rho * math.sqrt(d) / eps if k_rule == "corrected" else rho / (eps * math.sqrt(d))
    return max(1, robust_ceil(x))


def cube_net_node_count(k: int, d: int) -> int:
    """Nodes of the unshared Thm 2.3 network: ``4d`` first-layer and 1 second-layer ReLU per cube, ``(4d+1) k^d``."""
    k = as_int("k", k, min=1)
    d = as_int("d", d, min=1)
    return (4 * d + 1) * k**d


def gamma_for_tau(k: int, d: int, tau: float) -> float:
    """[GK] The bump margin ``gamma`` with ``(1/k + 2 gamma)^d - k^{-d} = tau`` exactly.

    ``gamma = expm1(log1p(tau k^d) / d) / (2k)``, computed without the cancellation of
    ``(k^{-d} + tau)^{1/d} - 1/k``.
    """
    k = as_int("k", k, min=1)
    d = as_int("d", d, min=1)
    tau = as_float("tau", tau, min=0.0, strict_min=True)
    return float(math.expm1(math.log1p(tau * float(k) ** d) / d) / (2 * k))


def trapezoid_net(u: float, v: float, gamma: float) -> Net:
    """The proof's ``f_{gamma,i}``: 4 ReLUs, equal to 1 on [u, v], 0 off [u - gamma, v + gamma], linear between.

    ``relu((z-u+gamma)/gamma) - relu((z-u)/gamma) - relu((z-v)/gamma) + relu((z-v-gamma)/gamma)``.
    """
    u = as_float("u", u)
    v = as_float("v", v)
    gamma = as_float("gamma", gamma, min=0.0, strict_min=True)
    if not u < v:
        raise ValueError(f"u must be smaller than v; got u={u}, v={v}")
    W1 = np.full((4, 1), 1.0 / gamma)
    b1 = -np.array([u - gamma, u, v, v + gamma]) / gamma
    return Net([W1, np.array([[1.0, -1.0, -1.0, 1.0]])], [b1, np.zeros(1)], "relu")


def _bump_layers(U: np.ndarray, V: np.ndarray, gamma: float):
    """First two affine maps of the cube network for lower corners ``U`` and upper corners ``V`` (m, d)."""
    m, d = U.shape
    offs = np.stack([U - gamma, U, V, V + gamma], axis=-1)  # (m, d, 4)
    rows = np.repeat(np.arange(m * d), 4)
    W1 = np.zeros((m * d * 4, d))
    W1[np.arange(m * d * 4), np.tile(np.repeat(np.arange(d), 4), m)] = 1.0 / gamma
    b1 = -offs.reshape(-1) / gamma
    sign = np.tile([1.0, -1.0, -1.0, 1.0], m * d)
    W2 = np.zeros((m, m * d * 4))
    W2[rows // d, np.arange(m * d * 4)] = sign
    b2 = np.full(m, -(d - 1.0))
    return W1, b1, W2, b2


def box_bump_net(u, v, gamma: float) -> Net:
    """The proof's ``f_gamma(x) = relu(sum_i f_{gamma,i}(x_i) - (d - 1))``: 3 affine maps, ``4d + 1`` ReLUs.

    Equals 1 on the closed box ``[u, v]``, 0 outside ``prod_i [u_i - gamma, v_i + gamma]``, in [0, 1] between.
    ``u, v`` have shape (d,) with ``u < v``.
    """
    u = as_array("u", u, ndim=1)
    v = as_array("v", v, shape=u.shape)
    gamma = as_float("gamma", gamma, min=0.0, strict_min=True)
    if np.any(u >= v):
        raise ValueError("u must be smaller than v in every coordinate")
    W1, b1, W2, b2 = _bump_layers(u[None], v[None], gamma)
    return Net([W1, W2, np.ones((1, 1))], [b1, b2, np.zeros(1)], "relu")


def cube_corners(k: int, d: int) -> np.ndarray:
    """Lower corners ``u_j``, shape (k^d, d), of the cubes of side 1/k in [0,1]^d (lexicographic, last coordinate fastest)."""
    k = as_int("k", k, min=1)
    d = as_int("d", d, min=1)
    if k**d > 10**7:
        raise ValueError(f"cube_corners would list k^d = {k**d} corners, above 10^7")
    grids = np.meshgrid(*([np.arange(k) / k] * d), indexing="ij")
    return np.stack([gr.reshape(-1) for gr in grids], axis=1)


def piecewise_constant_h(g: Callable, k: int, d: int) -> Callable[[np.ndarray], np.ndarray]:
    """The proof's ``h(x) = g(u_s)`` for ``x`` in the half-open cube ``R_s`` of side ``1/k``.

    The floor index is clipped to ``k - 1`` so that points with ``x_i = 1`` belong to the last cube.
    Returns a function mapping (n, d) arrays in [0,1]^d to (n,).
    """
    k = as_int("k", k, min=1)
    d = as_int("d", d, min=1)
    if k**d > 10**7:
        raise ValueError(f"piecewise_constant_h would tabulate k^d = {k**d} values, above 10^7")
    U = cube_corners(k, d)
    a = _target_values(g, U)

    def h(X):
        X = as_array("X", X, shape=(None, d))
        idx = np.clip(np.floor(X * k).astype(np.int64), 0, k - 1)
        flat = np.ravel_multi_index(tuple(idx.T), (k,) * d)
        return a[flat]

    return h


def lipschitz_cube_net(g: Callable, rho: float, eps: float, d: int, *, k_rule: str = "corrected",
                       gamma: float | None = None, max_nodes: int = MAX_NODES) -> Net:
    """Thm 2.3 (Telgarsky 2023) as a network: 3 affine maps, ``(4d + 1) k^d`` ReLU nodes.

    Cubes ``R_j = [u_j, u_j + 1/k)`` with ``k`` from :func:`cube_side_count` (``k_rule``), heights
    ``a_j = g(u_j)``, and ``f = sum_j a_j f_{gamma,j}`` with the box bumps of :func:`box_bump_net`.
    By default ``gamma = gamma_for_tau(k, d, tau)`` with ``tau = eps / sum_j |a_j|``, so each bump
    has ``int |f_j - 1_{R_j}| <= tau`` and, for a rho-Lipschitz ``g`` (Euclidean norm) and the
    corrected ``k``, ``int_{[0,1]^d} |f - g| <= 2 eps``. If all ``a_j = 0`` the output weights are 0.

    Parameters
    ----------
    g : callable mapping (n, d) arrays to (n,).
    rho : Lipschitz constant, >= 0.  eps : > 0.  d : input dimension, >= 1.
    gamma : override the bump margin (> 0).
    max_nodes : refuse (ValueError giving the size) when ``(4d+1) k^d`` exceeds this; the construction
        also refuses when its dense second layer (``4d k^(2d)`` floats) exceeds ``MAX_DENSE``.
    """
    k = cube_side_count(rho, eps, d, k_rule)
    eps = float(eps)
    max_nodes = as_int("max_nodes", max_nodes, min=1)
    nodes = cube_net_node_count(k, d)
    if nodes > max_nodes:
        raise ValueError(f"lipschitz_cube_net would need (4d+1)k^d = {nodes} nodes (k={k}, d={d}), "
                         f"above max_nodes={max_nodes}")
    dense = 4 * d * k ** (2 * d)
    if dense > MAX_DENSE:
        raise ValueError(f"lipschitz_cube_net would store a dense second layer of 4d k^(2d) = {dense} floats "
                         f"(k={k}, d={d}), above the memory budget of {MAX_DENSE}")
    U = cube_corners(k, d)
    a = _target_values(g, U)
    if gamma is None:
        total = float(np.abs(a).sum())
        tau = eps / total if total > 0 else math.inf  # total may be subnormal: eps / total overflows
        gamma = gamma_for_tau(k, d, tau) if math.isfinite(tau) else 1.0 / (2 * k)
    gamma = as_float("gamma", gamma, min=0.0, strict_min=True)
    W1, b1, W2, b2 = _bump_layers(U, U + 1.0 / k, gamma)
    return Net([W1, W2, a[None, :]], [b1, b2, np.zeros(1)], "relu")


def box_bump_l1(u, v, gamma: float, n_per_axis: int = 200) -> float:
    """``int_{R^d} |f_gamma - 1_{[u, v]}|`` by a midpoint rule aligned with the bump's breakpoints.

    Each axis is cut at ``u_i - gamma, u_i, v_i, v_i + gamma`` and each of the 3 pieces gets
    ``n_per_axis`` midpoints, so no quadrature cell straddles a kink of the ramps. Outside the
    enlarged box the integrand is 0. Cost ``(3 n_per_axis)^d`` evaluations; ``d <= 3``.
    The exact values [GK] are ``gamma`` for d = 1 and ``2 gamma / k + 2 gamma^2 / 3`` for d = 2
    when ``v - u = 1/k`` in every coordinate.
    """
    u = as_array("u", u, ndim=1)
    v = as_array("v", v, shape=u.shape)
    gamma = as_float("gamma", gamma, min=0.0, strict_min=True)
    n = as_int("n_per_axis", n_per_axis, min=1)
    d = u.size
    if d > 3 or (3 * n) ** d > 4 * 10**6:
        raise ValueError(f"box_bump_l1 would evaluate (3 n_per_axis)^d = {(3 * n) ** d} points (d={d}); "
                         "the limit is 4e6 and d <= 3")
    net = box_bump_net(u, v, gamma)
    axes, weights = [], []
    for i in range(d):
        cuts = np.array([u[i] - gamma, u[i], v[i], v[i] + gamma])
        width = np.diff(cuts)
        mids = cuts[:-1, None] + (np.arange(n)[None, :] + 0.5) / n * width[:, None]
        axes.append(mids.reshape(-1))
        weights.append(np.repeat(width / n, n))
    grids = np.meshgrid(*axes, indexing="ij")
    X = np.stack([gr.reshape(-1) for gr in grids], axis=1)
    W = np.ones(1)
    for w in weights:
        W = np.multiply.outer(W, w)
    inside = np.all((X >= u) & (X < v), axis=1).astype(float)
    return float(np.sum(W.reshape(-1) * np.abs(net(X)[:, 0] - inside)))


def eval_in_chunks(net: Net, X, chunk: int = 4096) -> np.ndarray:
    """``net(X)[:, 0]`` for a one-output net, evaluated ``chunk`` rows at a time to bound memory.

    The wide first layer of :func:`lipschitz_cube_net` makes ``net(X)`` allocate ``n x 4d k^d``
    floats at once; chunking keeps that below ``chunk x 4d k^d``. Returns shape (n,).
    """
    if not isinstance(net, Net) or net.d_out != 1:
        raise ValueError("net must be a Net with one output")
    X = as_array("X", X, shape=(None, net.d_in), nonempty=False)
    chunk = as_int("chunk", chunk, min=1)
    return np.concatenate([net(X[i:i + chunk])[:, 0] for i in range(0, X.shape[0], chunk)]) if X.shape[0] else np.zeros(0)


# ---------------------------------------------------------------------------------------------
# Universality: Lemma 2.7 and Theorem 2.5
# ---------------------------------------------------------------------------------------------
def exp_net_eval(a, V, X) -> np.ndarray:
    """Lemma 2.7's unbiased exponential network ``x -> a^T exp(V x)``.

    ``a`` (m,), ``V`` (m, d), ``X`` (n, d); returns (n,). (The core ``Net`` has no ``exp``
    activation, so this class is kept as coefficients and exponents.)
    """
    a = as_array("a", a, ndim=1)
    V = as_array("V", V, shape=(a.size, None))
    X = as_array("X", X, shape=(None, V.shape[1]))
    with np.errstate(over="ignore", invalid="ignore"):
        out = np.exp(X @ V.T) @ a
    if not np.all(np.isfinite(out)):
        raise ValueError("exp_net_eval overflowed float64: V x is too large (reduce V or X)")
    return out


def exp_net_product(a, V, u, W) -> tuple[np.ndarray, np.ndarray]:
    """Lemma 2.7, condition 4: ``(a^T exp(Vx)) (u^T exp(Wx)) = sum_{j,i} a_j u_i exp((v_j + w_i)^T x)``.

    ``a`` (m,), ``V`` (m, d), ``u`` (n,), ``W`` (n, d). Returns the product's coefficients (m n,)
    and exponents (m n, d), ``j`` major.
    """
    a = as_array("a", a, ndim=1)
    V = as_array("V", V, shape=(a.size, None))
    u = as_array("u", u, ndim=1)
    W = as_array("W", W, shape=(u.size, V.shape[1]))
    return np.outer(a, u).reshape(-1), (V[:, None, :] + W[None, :, :]).reshape(-1, V.shape[1])


def fit_exp_net(y, X, V) -> np.ndarray:
    """Least-squares coefficients ``a`` of ``a^T exp(V x)`` for values ``y`` (n,) at rows ``X`` (n, d).

    Columns are scaled to unit norm before solving (the matrix is badly conditioned) and the
    scaling is undone. An illustration of Lemma 2.7, whose proof is not constructive.
    """
    X = as_array("X", X, ndim=2)
    y = as_array("y", y, shape=(X.shape[0],))
    V = as_array("V", V, shape=(None, X.shape[1]))
    Phi = np.exp(X @ V.T)
    s = np.linalg.norm(Phi, axis=0)
    return np.linalg.lstsq(Phi / s, y, rcond=None)[0] / s


def exp_relu_plan(a, V, eps: float) -> tuple[float, float, int]:
    """Sizes of Thm 2.5 step 2 for the ReLU: ``(R, tol, N)``.

    ``R = max_j ||v_j||_1`` bounds ``|v_j^T x|`` on [0,1]^d; ``tol = eps / (1 + 2 sum_j |a_j|)`` is
    the accuracy the univariate approximation of exp must reach on [-R, R]; ``N`` is the number of
    equispaced intervals for which the piecewise-linear interpolant's error ``h^2 e^R / 8 <= tol``
    [GK: the notes leave this step as a todo].
    """
    a = as_array("a", a, ndim=1)
    V = as_array("V", V, shape=(a.size, None))
    eps = as_float("eps", eps, min=0.0, strict_min=True)
    R = max(float(np.abs(V).sum(axis=1).max()), 1e-12)
    tol = eps / (1.0 + 2.0 * float(np.abs(a).sum()))
    N = max(1, math.ceil(2 * R / math.sqrt(8 * tol * math.exp(-R))))
    return R, tol, N


def exp_to_relu_net(a, V, eps: float, max_nodes: int = MAX_NODES) -> Net:
    """Thm 2.5 step 2 for the ReLU: a 2-layer biased ReLU net ``f(x) = sum_j a_j p(v_j^T x)``.

    ``p`` is the piecewise-linear interpolant of ``exp`` on ``N + 1`` equispaced knots of [-R, R]
    (:func:`exp_relu_plan`), written with ``N + 1`` ReLUs as in :func:`pl_interpolant_net`. Then
    ``|p - exp| <= tol`` on [-R, R] and ``sup_{[0,1]^d} |f - a^T exp(V x)| <= eps / 2``.
    The network has ``m (N + 1)`` nodes; it refuses (ValueError giving the size) above ``max_nodes``.
    """
    a = as_array("a", a, ndim=1)
    V = as_array("V", V, shape=(a.size, None))
    R, tol, N = exp_relu_plan(a, V, eps)
    max_nodes = as_int("max_nodes", max_nodes, min=1)
    nodes = a.size * (N + 1)
    if nodes > max_nodes:
        raise ValueError(f"exp_to_relu_net would need m (N+1) = {nodes} nodes (N={N}), above max_nodes={max_nodes}")
    p = pl_interpolant_net(lambda T: np.exp(T[:, 0]), np.linspace(-R, R, N + 1))
    w, b, u, c = p.weights[0][:, 0], p.biases[0], p.weights[1][0], p.biases[1][0]
    W1 = (w[None, :, None] * V[:, None, :]).reshape(-1, V.shape[1])
    b1 = np.tile(b, a.size)
    W2 = (a[:, None] * u[None, :]).reshape(1, -1)
    return Net([W1, W2], [b1, np.array([c * a.sum()])], "relu")


def numerical_rank(Phi, rtol: float = 1e-9) -> int:
    """Number of singular values of ``Phi`` (n, m) above ``rtol`` times the largest."""
    Phi = as_array("Phi", Phi, ndim=2)
    rtol = as_float("rtol", rtol, min=0.0)
    s = np.linalg.svd(Phi, compute_uv=False)
    return int(np.sum(s > rtol * s[0])) if s[0] > 0 else 0


# ---------------------------------------------------------------------------------------------
# Smoothness and depth: the blog's Sec. 2.3 and its compositional Q example
# ---------------------------------------------------------------------------------------------
def sigmoid_derivative_poly(r: int) -> np.ndarray:
    """Coefficients (lowest degree first) of the polynomial ``P_r`` with ``sigma^(r)(z) = P_r(sigma(z))``.

    ``sigma`` is the logistic function. Because ``sigma' = sigma (1 - sigma)``, ``P_0(s) = s`` and
    ``P_{r+1}(s) = P_r'(s) s (1 - s)`` [GK]. ``r`` in 0..12. Returns shape (r + 2,).
    """
    from numpy.polynomial import polynomial as P

    r = as_int("r", r, min=0, max=12)
    coef = np.array([0.0, 1.0])
    for _ in range(r):
        coef = P.polymul(P.polyder(coef), [0.0, 1.0, -1.0])
    return coef


def sigmoid_derivative(r: int, z) -> np.ndarray:
    """The ``r``-th derivative of the logistic function at ``z`` (any shape), via :func:`sigmoid_derivative_poly`."""
    from numpy.polynomial import polynomial as P

    coef = sigmoid_derivative_poly(r)
    z = as_array("z", z, nonempty=False)
    s = 0.5 * (1.0 + np.tanh(0.5 * z))
    return P.polyval(s, coef)


def sigmoid_derivative_sup(r: int) -> float:
    """``sup_z |sigma^(r)(z)|`` for the logistic ``sigma``: the maximum of ``|P_r|`` on [0, 1] [GK].

    Computed exactly from the critical points of ``P_r`` (real roots of ``P_r'`` in [0, 1]) and the ends.
    """
    from numpy.polynomial import polynomial as P

    coef = sigmoid_derivative_poly(r)
    crit = P.polyroots(P.polyder(coef)) if coef.size > 2 else np.zeros(0)
    crit = crit[np.abs(crit.imag) < 1e-9].real
    s = np.concatenate([[0.0, 1.0], crit[(crit >= 0) & (crit <= 1)]])
    return float(np.max(np.abs(P.polyval(s, coef))))


def square_block_bound(t, h: float, c: float = 1.0) -> np.ndarray:
    """[GK] Taylor bound on ``|s_h(t) - t^2|`` for the 3-unit sigmoid squaring block.

    ``s_h(t) = (sigma(c + h t) - 2 sigma(c) + sigma(c - h t)) / (h^2 sigma''(c))``. The central second
    difference equals ``sigma''(c) u^2 + sigma''''(xi) u^4 / 12`` with ``u = h t``, so
    ``|s_h(t) - t^2| <= h^2 t^4 sup|sigma''''| / (12 |sigma''(c)|)`` (exact arithmetic; rounding
    adds about ``4 * 2^-53 / (h^2 |sigma''(c)|)``). ``t`` any shape; returns the same shape.
    """
    t = as_array("t", t, nonempty=False)
    h = as_float("h", h, min=0.0, strict_min=True)
    c = as_float("c", c)
    s2 = abs(float(sigmoid_derivative(2, c)))
    if s2 < 1e-6:
        raise ValueError(f"c must make sigma''(c) non-zero (|sigma''(c)| >= 1e-6); got c={c}")
    return h**2 * t**4 * sigmoid_derivative_sup(4) / (12.0 * s2)


def _stencil(a: int, h: float) -> np.ndarray:
    """Central difference weights on (-h, 0, h) for the a-th derivative, a in 0..2."""
    return [np.array([0.0, 1.0, 0.0]), np.array([-1.0, 0.0, 1.0]) / (2 * h), np.array([1.0, -2.0, 1.0]) / h**2][a]


def compositional_q_net(coef, h1: float, h2: float, *, squarings: int = 10, c0: float = 1.0, c: float = 1.0,
                        block: str = "sigmoid") -> Net:
    """The blog's compositional example (its eq. 2, after Mhaskar) as a deep network: ``Q = p^(2^s)``.

    ``p(x, y) = sum_{a,b<=2} coef[a, b] x^a y^b`` (``coef`` (3, 3); the blog's nine coefficients
    a..i) and ``s = squarings``. [GK construction, the blog gives none]
    * map 1: 9 sigmoid units ``sigma(c0 + h1 (i x + j y))``, ``i, j in {-1, 0, 1}``; the monomial
      ``x^a y^b`` is their tensor-product central difference of orders (a, b) divided by
      ``sigma^(a+b)(c0)``, so ``p`` is a fixed linear combination (error O(h1^2));
    * maps 2..s+1: ``s`` squaring blocks of 3 units ``sigma(c + h2 t), sigma(c), sigma(c - h2 t)``
      (see :func:`square_block_bound`), each combination feeding the next block's units;
    * last map: the linear read-out of the last block.
    Widths ``(2, 9, 3, ..., 3, 1)``: ``9 + 3 s`` nodes, ``1 + s`` hidden layers (39 and 11 for s = 10).
    ``block="relu"``: the same blocks with ReLU units, ``c = 0`` and read-out ``(u_1 + u_3) / h2``,
    which computes ``|t|`` exactly, not ``t^2`` (the smoothness hypothesis dropped).
    """
    coef = as_array("coef", coef, shape=(3, 3))
    h1 = as_float("h1", h1, min=0.0, strict_min=True, max=1.0)
    h2 = as_float("h2", h2, min=0.0, strict_min=True, max=1.0)
    s = as_int("squarings", squarings, min=0, max=64)
    c0 = as_float("c0", c0)
    c = as_float("c", c)
    as_choice("block", block, ("sigmoid", "relu"))
    derivs = [float(sigmoid_derivative(r, c0)) for r in range(5)]
    if min(abs(v) for v in derivs) < 1e-6:
        raise ValueError(f"c0 must make sigma^(r)(c0) non-zero for r <= 4; got c0={c0}")
    offs = np.array([-1.0, 0.0, 1.0])
    W1 = h1 * np.array([[i, j] for i in offs for j in offs])
    alpha = np.zeros(9)  # read-out of p from the 9 first-layer units
    for a in range(3):
        for b in range(3):
            alpha += coef[a, b] * np.outer(_stencil(a, h1), _stencil(b, h1)).reshape(-1) / derivs[a + b]
    weights, biases, acts = [W1], [np.full(9, c0)], ["sigmoid"]
    if block == "sigmoid":
        if abs(float(sigmoid_derivative(2, c))) < 1e-6:
            raise ValueError(f"c must make sigma''(c) non-zero; got c={c}")
        beta = np.array([1.0, -2.0, 1.0]) / (h2**2 * float(sigmoid_derivative(2, c)))
        cb = c
    else:
        beta, cb = np.array([1.0, 0.0, 1.0]) / h2, 0.0
    readout = alpha
    for _ in range(s):
        weights.append(np.outer(np.array([h2, 0.0, -h2]), readout))
        biases.append(np.full(3, cb))
        acts.append(block)
        readout = beta
    weights.append(readout[None, :])
    biases.append(np.zeros(1))
    acts.append("identity")
    return Net(weights, biases, tuple(acts))


def poly2_eval(coef, X) -> np.ndarray:
    """``p(x, y) = sum_{a,b<=2} coef[a, b] x^a y^b`` at rows ``X`` (n, 2); returns (n,)."""
    coef = as_array("coef", coef, shape=(3, 3))
    X = as_array("X", X, shape=(None, 2))
    Px = X[:, :1] ** np.arange(3)
    Py = X[:, 1:] ** np.arange(3)
    return np.einsum("na,ab,nb->n", Px, coef, Py)


def q_error_bound(p, inner_err, h2: float, *, squarings: int = 10, c: float = 1.0,
                  inner_rounding: float = 0.0) -> np.ndarray:
    """[GK] Pointwise bound on ``|net(x) - p(x)^(2^s)|`` for :func:`compositional_q_net` (sigmoid blocks).

    ``p`` (n,) the exact inner values with ``|p| <= 1``; ``inner_err`` (n,) the error of the first
    layer's ``p~`` at the same points (measured). Block ``j`` receives ``t_j + delta_j`` with
    ``t_j = p^(2^j)`` and returns its square up to ``e_j`` = :func:`square_block_bound` at
    ``|t_j| + delta_j`` plus a rounding allowance ``16 * 2^-53 / (h2^2 |sigma''(c)|)``, so
    ``delta_{j+1} <= 2 |t_j| delta_j + delta_j^2 + e_j``. ``inner_rounding`` (>= 0) is added to
    ``delta_0``: the first block recomputes ``p~`` with differently scaled weights, whose rounding
    (about ``2^-53 sum_k |alpha_k|``, the read-out weights being large) the measured ``inner_err``
    does not see. Returns ``delta_s`` (n,).
    """
    p = as_array("p", p, ndim=1)
    if np.abs(p).max() > 1 + 1e-12:
        raise ValueError("p must satisfy |p| <= 1 (up to 1e-12 of rounding)")
    delta = as_array("inner_err", inner_err, shape=p.shape)
    if delta.min() < 0:
        raise ValueError("inner_err must be non-negative")
    h2 = as_float("h2", h2, min=0.0, strict_min=True, max=1.0)
    s = as_int("squarings", squarings, min=0, max=64)
    c = as_float("c", c)
    delta = delta + as_float("inner_rounding", inner_rounding, min=0.0)
    rounding = 16 * 2.0**-53 / (h2**2 * abs(float(sigmoid_derivative(2, c))))
    t = p.copy()
    for _ in range(s):
        e = square_block_bound(np.abs(t) + delta, h2, c) + rounding
        delta = 2 * np.abs(t) * delta + delta**2 + e
        t = t * t
    return delta


# ---------------------------------------------------------------------------------------------
# Infinite width, Barron's representation and sampling: Telgarsky (2023), Sec. 2.3-2.4
# Fourier convention (Lemma 2.9): g~(w) = int exp(-2 pi i w.x) g(x) dx; phases theta in turns.
# ---------------------------------------------------------------------------------------------
def fourier_transform_1d(g_vals, x, w) -> np.ndarray:
    """``g~(w) = int exp(-2 pi i w x) g(x) dx`` by the trapezoid rule on the equispaced grid ``x`` (n,).

    ``g_vals`` (n,) are ``g(x)``; ``w`` (k,) the frequencies. Accurate to rounding for smooth ``g``
    that vanish (with their derivatives) at both ends of the grid. Returns complex (k,).
    """
    x = as_array("x", x, ndim=1)
    g_vals = as_array("g_vals", g_vals, shape=x.shape)
    w = as_array("w", w, ndim=1)
    if x.size < 3:
        raise ValueError(f"x must hold at least 3 points; got {x.size}")
    dx = np.diff(x)
    if np.any(dx <= 0) or np.ptp(dx) > 1e-9 * dx[0] * x.size:
        raise ValueError("x must be strictly increasing and equispaced")
    wt = np.full(x.size, dx.mean())
    wt[0] = wt[-1] = dx.mean() / 2
    return np.exp(-2j * np.pi * np.outer(w, x)) @ (wt * g_vals)


def gaussian_ft(w, sigma: float, mu) -> np.ndarray:
    """Fourier transform of the normalised N(mu, sigma^2 I) density: ``exp(-2 pi i w.mu - 2 pi^2 sigma^2 |w|^2)``.

    ``w`` (k, d), ``mu`` (d,). The notes (after Lemma 2.9) state this pair with the prefactor
    ``(2 pi sigma^2)^(+d/2)`` on the density; the correct one is ``(2 pi sigma^2)^(-d/2)``.
    """
    sigma = as_float("sigma", sigma, min=0.0, strict_min=True)
    mu = as_array("mu", mu, ndim=1)
    w = as_array("w", w, shape=(None, mu.size))
    return np.exp(-2j * np.pi * (w @ mu) - 2 * np.pi**2 * sigma**2 * np.sum(w * w, axis=1))


def gaussian_density(X, sigma: float, mu) -> np.ndarray:
    """The N(mu, sigma^2 I) density ``(2 pi sigma^2)^(-d/2) exp(-|x - mu|^2 / (2 sigma^2))`` at rows ``X`` (n, d)."""
    sigma = as_float("sigma", sigma, min=0.0, strict_min=True)
    mu = as_array("mu", mu, ndim=1)
    X = as_array("X", X, shape=(None, mu.size))
    r2 = np.sum((X - mu) ** 2, axis=1)
    return (2 * np.pi * sigma**2) ** (-mu.size / 2) * np.exp(-r2 / (2 * sigma**2))


def barron_q(w, b, ghat: Callable) -> np.ndarray:
    """Thm 2.12's density, literally: ``q(w, b) = 2 pi |g~(w)| (sin 2pi(-b + theta(-w)) - sin 2pi(b + theta(w))) 1[0 <= b <= |w|]``.

    ``w`` (n, d), ``b`` (n,); ``ghat`` maps (n, d) frequencies to complex (n,); ``theta`` is the phase
    of ``ghat`` in turns. For real ``g`` this equals ``-4 pi |g~(w)| sin(2 pi (b + theta(w)))`` on the
    support [GK]. Returns (n,).
    """
    w = as_array("w", w, ndim=2)
    b = as_array("b", b, shape=(w.shape[0],))
    if not callable(ghat):
        raise ValueError(f"ghat must be callable; got {ghat!r}")
    gp, gm = np.asarray(ghat(w)), np.asarray(ghat(-w))
    if gp.shape != b.shape or gm.shape != b.shape:
        raise ValueError(f"ghat must map (n, d) to shape (n,); got {gp.shape}")
    th_p, th_m = np.angle(gp) / (2 * np.pi), np.angle(gm) / (2 * np.pi)
    on = (b >= 0) & (b <= np.linalg.norm(w, axis=1))
    return 2 * np.pi * np.abs(gp) * (np.sin(2 * np.pi * (-b + th_m)) - np.sin(2 * np.pi * (b + th_p))) * on


def abs_sin_integral(lo, hi) -> np.ndarray:
    """``int_lo^hi |sin(2 pi u)| du`` in closed form (arrays of the same shape; ``lo > hi`` gives minus).

    Uses ``G(u) = floor(2u)/pi + (1 - cos(2 pi r))/(2 pi)``, ``r = u - floor(2u)/2``, an antiderivative
    of ``|sin 2 pi u|`` (each half period contributes ``1/pi``).
    """
    lo = as_array("lo", lo, nonempty=False)
    hi = as_array("hi", hi, nonempty=False)
    try:
        np.broadcast_shapes(lo.shape, hi.shape)
    except ValueError as exc:
        raise ValueError(f"lo and hi must broadcast; got {lo.shape} and {hi.shape}") from exc

    def G(u):
        n = np.floor(2 * u)
        r = u - n / 2
        return n / np.pi + (1 - np.cos(2 * np.pi * r)) / (2 * np.pi)

    return G(hi) - G(lo)


def _freq_grid(n_w: int, d: int, half_width: float):
    """Midpoints of an n_w^d grid on [-half_width, half_width]^d and the cell volume."""
    h = 2 * half_width / n_w
    ax = -half_width + h * (np.arange(n_w) + 0.5)
    W = np.stack([g.reshape(-1) for g in np.meshgrid(*([ax] * d), indexing="ij")], axis=1)
    return W, h**d


def barron_gaussian_rep(X, sigma: float, mu, *, n_w: int = 400, half_width: float | None = None,
                        absolute: bool = False) -> np.ndarray:
    """``int int q(w, b) 1[w.x >= b] db dw`` for the N(mu, sigma^2 I) density (Thm 2.12), by quadrature.

    The b-integral is done in closed form: with ``c = clip(w.x, 0, |w|)`` and ``theta = -w.mu``,
    ``int_0^c -4 pi |g~| sin(2 pi (b + theta)) db = -2 |g~| (cos 2 pi theta - cos 2 pi (c + theta))``;
    the w-integral by the midpoint rule on ``n_w^d`` cells of ``[-half_width, half_width]^d``
    (default ``7 / (2 pi sigma)``, seven standard deviations of ``|g~|``). Equals ``g(x) - g(0)`` when
    ``|x| <= 1`` (a hypothesis the notes' statement omits); outside the ball it does not.
    ``absolute=True`` integrates ``|q|`` instead, giving ``||q||_1 Pr_{mu~}[w.x >= b]``, the term
    needed for Maurey's exact identity. ``X`` (n, d) with d in 1..3; returns (n,).
    """
    sigma = as_float("sigma", sigma, min=0.0, strict_min=True)
    mu = as_array("mu", mu, ndim=1)
    d = mu.size
    if d > 3:
        raise ValueError(f"mu must have 1 to 3 entries (quadrature in d <= 3); got {d}")
    X = as_array("X", X, shape=(None, d))
    n_w = as_int("n_w", n_w, min=2, max=4000 if d == 1 else (800 if d == 2 else 60))
    hw = 7.0 / (2 * np.pi * sigma) if half_width is None else as_float("half_width", half_width, min=0.0, strict_min=True)
    W, vol = _freq_grid(n_w, d, hw)
    amp = np.exp(-2 * np.pi**2 * sigma**2 * np.sum(W * W, axis=1))
    theta = -(W @ mu)
    norm = np.linalg.norm(W, axis=1)
    out = np.empty(X.shape[0])
    for i0 in range(0, X.shape[0], 64):
        c = np.clip(X[i0:i0 + 64] @ W.T, 0.0, norm)
        if absolute:
            inner = 4 * np.pi * abs_sin_integral(theta, c + theta)
        else:
            inner = -2 * (np.cos(2 * np.pi * theta) - np.cos(2 * np.pi * (c + theta)))
        out[i0:i0 + 64] = (inner * amp) @ np.full(amp.size, vol)
    return out


def barron_gaussian_mass(sigma: float, mu, *, n_w: int = 400) -> float:
    """``||q||_1 = int int |q(w, b)| db dw`` for the N(mu, sigma^2 I) density, by quadrature (d <= 3).

    The b-integral ``4 pi |g~(w)| int_0^{|w|} |sin 2 pi (b + theta)| db`` is exact (:func:`abs_sin_integral`).
    Thm 2.12 bounds it by ``2 int |grad~ g|`` (:func:`barron_integral_gaussian`).
    """
    sigma = as_float("sigma", sigma, min=0.0, strict_min=True)
    mu = as_array("mu", mu, ndim=1)
    d = mu.size
    if d > 3:
        raise ValueError(f"mu must have 1 to 3 entries (quadrature in d <= 3); got {d}")
    n_w = as_int("n_w", n_w, min=2, max=4000 if d == 1 else (800 if d == 2 else 60))
    W, vol = _freq_grid(n_w, d, 7.0 / (2 * np.pi * sigma))
    amp = np.exp(-2 * np.pi**2 * sigma**2 * np.sum(W * W, axis=1))
    theta = -(W @ mu)
    norm = np.linalg.norm(W, axis=1)
    return float(np.sum(4 * np.pi * amp * abs_sin_integral(theta, norm + theta)) * vol)


def barron_integral_gaussian(d: int, sigma: float) -> float:
    """[GK] Exact ``int |grad~ g(w)| dw = 2 pi int |w| |g~(w)| dw`` for the N(mu, sigma^2 I) density.

    With ``a = 2 pi^2 sigma^2``: ``2 pi * pi^(d/2) Gamma((d+1)/2) / (Gamma(d/2) a^((d+1)/2))``
    (polar coordinates; independent of mu). Equals 2 for d = 1 and 2 pi sigma^2 = 1.
    """
    d = as_int("d", d, min=1, max=10_000)
    sigma = as_float("sigma", sigma, min=0.0, strict_min=True)
    a = 2 * np.pi**2 * sigma**2
    log = (math.log(2 * math.pi) + (d / 2) * math.log(math.pi) + math.lgamma((d + 1) / 2) - math.lgamma(d / 2)
           - ((d + 1) / 2) * math.log(a))
    return _exp_checked(log, "barron_integral_gaussian")


def _exp_checked(log: float, who: str) -> float:
    """``exp(log)``, refusing (ValueError naming d and sigma) when it overflows float64; underflow gives 0."""
    if log > 709.0:
        raise ValueError(f"{who}: d and sigma give a value exp({log:.1f}) above the float64 range")
    return math.exp(log)


def barron_integral_gaussian_holder(d: int, sigma: float) -> float:
    """The notes' Hoelder bound on ``int |grad~ g|``: ``2 pi sqrt(d) / (sqrt(2 pi) (2 pi sigma^2)^((d+1)/2))``."""
    d = as_int("d", d, min=1, max=10_000)
    sigma = as_float("sigma", sigma, min=0.0, strict_min=True)
    log = (math.log(2 * math.pi) + 0.5 * math.log(d) - 0.5 * math.log(2 * math.pi)
           - ((d + 1) / 2) * math.log(2 * math.pi * sigma**2))
    return _exp_checked(log, "barron_integral_gaussian_holder")


def gaussian_barron_sample(m: int, sigma: float, mu, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """[GK] ``m`` iid draws ``(w_i, b_i, s_i)`` from ``|q| / ||q||_1`` (Thm 2.12, N(mu, sigma^2 I) target).

    Rejection sampling: propose ``w`` with density proportional to ``|w| |g~(w)|`` (uniform direction,
    ``|w|^2 ~ Gamma((d+1)/2, scale 1/a)``, ``a = 2 pi^2 sigma^2``) and ``b ~ U[0, |w|]``, so the proposal
    density of ``(w, b)`` is proportional to ``|g~(w)|``; accept with probability ``|sin 2 pi (b + theta(w))|``.
    The sign is ``s = -sgn sin(2 pi (b + theta))``, the sign of ``q``. Returns ``W`` (m, d), ``b`` (m,), ``s`` (m,).
    """
    m = as_int("m", m, min=1, max=10**7)
    sigma = as_float("sigma", sigma, min=0.0, strict_min=True)
    mu = as_array("mu", mu, ndim=1)
    from .validate import as_generator

    rng = as_generator("rng", rng)
    d, a = mu.size, 2 * np.pi**2 * sigma**2
    Ws, bs, ss, have = [], [], [], 0
    while have < m:
        n = int(2.2 * (m - have)) + 16
        u = rng.standard_normal((n, d))
        u /= np.linalg.norm(u, axis=1, keepdims=True)
        r = np.sqrt(rng.gamma((d + 1) / 2, 1.0 / a, size=n))
        W = u * r[:, None]
        b = rng.random(n) * r
        sn = np.sin(2 * np.pi * (b - W @ mu))
        keep = rng.random(n) < np.abs(sn)
        Ws.append(W[keep]), bs.append(b[keep]), ss.append(-np.sign(sn[keep]))
        have += int(keep.sum())
    return np.concatenate(Ws)[:m], np.concatenate(bs)[:m], np.concatenate(ss)[:m]


def threshold_sample_net(W, b, s, mass: float, const: float = 0.0) -> Net:
    """Lemma 2.17's sampled network ``x -> const + (mass / m) sum_i s_i 1[w_i.x >= b_i]`` as a 2-layer ``step`` Net.

    ``W`` (m, d), ``b`` (m,), ``s`` (m,) signs in {-1, +1}; ``mass`` = ``||mu||_1``.
    """
    W = as_array("W", W, ndim=2)
    b = as_array("b", b, shape=(W.shape[0],))
    s = as_array("s", s, shape=(W.shape[0],))
    if not np.all(np.abs(s) == 1):
        raise ValueError("s must hold signs -1 or +1")
    mass = as_float("mass", mass, min=0.0)
    const = as_float("const", const)
    return Net([W, (mass / W.shape[0]) * s[None, :]], [-b, np.array([const])], ["step", "identity"])


def sampled_threshold_values(X, W, b, s, mass: float) -> np.ndarray:
    """Values of several sampled threshold networks at once: ``(mass / m) sum_i s_ri 1[w_ri.x >= b_ri]``.

    ``X`` (n, d); ``W`` (R, m, d), ``b`` (R, m), ``s`` (R, m) for ``R`` independent samples. Returns (R, n).
    """
    W = as_array("W", W, ndim=3)
    R, m, d = W.shape
    X = as_array("X", X, shape=(None, d))
    b = as_array("b", b, shape=(R, m))
    s = as_array("s", s, shape=(R, m))
    mass = as_float("mass", mass, min=0.0)
    out = np.empty((R, X.shape[0]))
    for r in range(R):
        out[r] = (mass / m) * (((X @ W[r].T) >= b[r]).astype(np.float64) @ s[r])
    return out


def sin2pi_threshold_sample(m: int, rng: np.random.Generator, size: tuple = ()) -> tuple[np.ndarray, np.ndarray]:
    """Exact draws ``(b, s)`` from ``mu~`` for ``mu = 2 pi cos(2 pi b) db`` on [0, 1] (Issue 2 of Sec. 2.4).

    ``|mu|`` has mass 4, one unit on each quarter period; on ``[0, 1/4]`` the CDF is ``sin(2 pi b)``, so
    ``b = arcsin(U) / (2 pi)``, reflected into the other quarters; ``s = sgn cos(2 pi b)`` (+, -, -, +).
    Returns ``b``, ``s`` of shape ``size + (m,)``.
    """
    m = as_int("m", m, min=1, max=10**8)
    from .validate import as_generator

    rng = as_generator("rng", rng)
    if not isinstance(size, tuple) or any(not isinstance(k, (int, np.integer)) or k < 1 for k in size):
        raise ValueError(f"size must be a tuple of positive ints; got {size!r}")
    shape = tuple(size) + (m,)
    q = rng.integers(0, 4, size=shape)
    t = np.arcsin(rng.random(shape)) / (2 * np.pi)
    b = np.choose(q, [t, 0.5 - t, 0.5 + t, 1.0 - t])
    s = np.where((q == 0) | (q == 3), 1.0, -1.0)
    return b, s


def sin2pi_tv_cdf(x) -> np.ndarray:
    """``F(x) = Pr_{mu~}[b <= x] = (1/4) int_0^x |2 pi cos 2 pi b| db`` for x in [0, 1] (closed form)."""
    x = as_array("x", x, nonempty=False)
    if x.size and (x.min() < 0 or x.max() > 1):
        raise ValueError("x must lie in [0, 1]")
    return abs_sin_integral(np.full(x.shape, 0.25), x + 0.25) * np.pi / 2


def threshold_eval_1d(x, b, s, mass: float) -> np.ndarray:
    """``(mass / m) sum_i s_ri 1[x >= b_ri]`` for R samples at once by sorting: ``b, s`` (R, m), ``x`` (n,) -> (R, n)."""
    b = as_array("b", b, ndim=2)
    s = as_array("s", s, shape=b.shape)
    x = as_array("x", x, ndim=1)
    mass = as_float("mass", mass, min=0.0)
    order = np.argsort(b, axis=1, kind="stable")
    bs = np.take_along_axis(b, order, axis=1)
    cs = np.concatenate([np.zeros((b.shape[0], 1)), np.cumsum(np.take_along_axis(s, order, axis=1), axis=1)], axis=1)
    idx = np.stack([np.searchsorted(row, x, side="right") for row in bs])
    return (mass / b.shape[1]) * np.take_along_axis(cs, idx, axis=1)


def maurey_sq_errors(atoms, probs, k: int, reps: int, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """Lemma 2.16 in R^D: squared errors ``|X - (1/k) sum_i V_i|^2`` for ``reps`` independent samples.

    ``V`` takes the value ``atoms[j]`` ((S, D)) with probability ``probs[j]``; ``X = E V``. Returns the
    ``reps`` squared errors and the exact expectation ``(E|V|^2 - |X|^2) / k`` (the identity in the proof).
    """
    atoms = as_array("atoms", atoms, ndim=2)
    probs = as_array("probs", probs, shape=(atoms.shape[0],))
    if probs.min() < 0 or abs(probs.sum() - 1) > 1e-9:
        raise ValueError("probs must be non-negative and sum to 1")
    k = as_int("k", k, min=1, max=10**6)
    reps = as_int("reps", reps, min=1, max=10**6)
    from .validate import as_generator

    rng = as_generator("rng", rng)
    if k * reps > 5 * 10**7:
        raise ValueError(f"k * reps must be at most 5e7; got {k * reps}")
    X = probs @ atoms
    idx = rng.choice(atoms.shape[0], size=(reps, k), p=probs / probs.sum())
    means = atoms[idx].mean(axis=1)
    exact = (float(probs @ np.sum(atoms**2, axis=1)) - float(X @ X)) / k
    return np.sum((means - X) ** 2, axis=1), exact


# ---------------------------------------------------------------------------------------------
# The loss landscape as a polynomial system: the blog's Sec. 3
# ---------------------------------------------------------------------------------------------
def poly_mlp_forward(X, weights, biases, act_coef) -> np.ndarray:
    """Output (n,) of a network whose hidden activation is the polynomial ``sum_k act_coef[k] z^k``.

    ``weights[l]`` (k_l, k_{l-1}), ``biases[l]`` (k_l,), the last map linear with one output; ``X`` (n, d).
    With an activation of degree ``l`` the output is a polynomial in all weights and biases of degree
    :func:`poly_mlp_degree` (the blog's "by induction").
    """
    from numpy.polynomial import polynomial as P

    c = as_array("act_coef", act_coef, ndim=1)
    if not isinstance(weights, (list, tuple)) or not isinstance(biases, (list, tuple)) or len(weights) != len(biases) \
            or len(weights) < 1:
        raise ValueError("weights and biases must be lists of the same positive length")
    h = as_array("X", X, ndim=2)
    for i, (W, b) in enumerate(zip(weights, biases)):
        W = as_array(f"weights[{i}]", W, shape=(None, h.shape[1]))
        b = as_array(f"biases[{i}]", b, shape=(W.shape[0],))
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below
            z = h @ W.T + b
            h = z if i == len(weights) - 1 else P.polyval(z, c)
    if h.shape[1] != 1:
        raise ValueError(f"weights[-1] must have one row (one output); got {h.shape[1]}")
    if not np.all(np.isfinite(h)):
        raise ValueError("poly_mlp_forward overflowed: weights or X too large for the polynomial activation")
    return h[:, 0]


def poly_mlp_degree(l: int, hidden_layers: int) -> int:
    """[GK] Degree of the output in the weights and biases for a degree-``l`` activation.

    ``d_1 = l``, ``d_{j+1} = l (d_j + 1)`` over the hidden layers, output degree ``d_L + 1``
    (a linear read-out). One hidden layer: ``l + 1``; two: ``l (l + 1) + 1``. The squared loss has twice this.
    """
    l = as_int("l", l, min=1, max=1000)
    L = as_int("hidden_layers", hidden_layers, min=1, max=10)
    deg = l
    for _ in range(L - 1):
        deg = l * (deg + 1)
    return deg + 1


def poly_net1_residual_jacobian(params, x, y, act_coef) -> tuple[np.ndarray, np.ndarray]:
    """Residuals ``F(x_i; w) - y_i`` (N,) and their Jacobian (N, K) for ``F(x) = sum_j a_j s(w_j x + b_j) + c``.

    One input, one hidden layer of width ``h`` with the polynomial activation ``s`` (``act_coef``,
    power basis); ``params = (a, w, b, c)`` flattened, ``K = 3h + 1``. Derivatives in closed form.
    """
    from numpy.polynomial import polynomial as P

    p = as_array("params", params, ndim=1)
    if (p.size - 1) % 3 or p.size < 4:
        raise ValueError(f"params must have 3h + 1 entries (a, w, b, c); got {p.size}")
    x = as_array("x", x, ndim=1)
    y = as_array("y", y, shape=x.shape)
    c = as_array("act_coef", act_coef, ndim=1)
    h = (p.size - 1) // 3
    a, w, b, c0 = p[:h], p[h:2 * h], p[2 * h:3 * h], p[-1]
    z = np.outer(x, w) + b
    s, ds = P.polyval(z, c), P.polyval(z, P.polyder(c)) if c.size > 1 else np.zeros_like(z)
    r = s @ a + c0 - y
    J = np.hstack([s, ds * a * x[:, None], ds * a, np.ones((x.size, 1))])
    return r, J


def solve_interpolation(params0, x, y, act_coef, *, steps: int = 50, tol: float = 1e-13) -> np.ndarray:
    """Minimum-norm Gauss-Newton for ``F(x_i; w) = y_i`` (:func:`poly_net1_residual_jacobian`) from ``params0``.

    With more weights than data (K > N) each step ``w <- w - J^+ r`` moves orthogonally to the
    solution set, so it converges to a nearby point of it. Stops when ``max |r| <= tol``; raises
    ValueError when it has not converged after ``steps`` steps.
    """
    p = as_array("params0", params0, ndim=1).copy()
    steps = as_int("steps", steps, min=1, max=10_000)
    tol = as_float("tol", tol, min=0.0, strict_min=True)
    for _ in range(steps):
        r, J = poly_net1_residual_jacobian(p, x, y, act_coef)
        if np.abs(r).max() <= tol:
            return p
        p = p - np.linalg.lstsq(J, r, rcond=None)[0]
        if not np.all(np.isfinite(p)):
            break
    r, _ = poly_net1_residual_jacobian(p, x, y, act_coef) if np.all(np.isfinite(p)) else (np.array([np.inf]), None)
    if np.abs(r).max() <= tol:
        return p
    raise ValueError(f"solve_interpolation did not converge in steps={steps} (residual {np.abs(r).max():.2e}); "
                     "start closer (params0) or raise steps")


def real_root_counts(coefs, *, tol: float = 1e-7) -> np.ndarray:
    """Number of real roots of each polynomial ``sum_k coefs[r, k] x^k`` (rows of ``coefs``, (R, l + 1)).

    Batched companion-matrix eigenvalues; a root counts as real when ``|Im z| <= tol (1 + |z|)``.
    The leading coefficient must be non-zero.
    """
    C_ = as_array("coefs", coefs, ndim=2)
    tol = as_float("tol", tol, min=0.0, strict_min=True)
    R, n1 = C_.shape
    if n1 < 2:
        raise ValueError(f"coefs must have at least 2 columns (degree >= 1); got {n1}")
    if np.any(C_[:, -1] == 0):
        raise ValueError("coefs must have a non-zero leading coefficient (last column)")
    l = n1 - 1
    comp = np.zeros((R, l, l))
    comp[:, 0, :] = -C_[:, -2::-1] / C_[:, -1:]
    comp[:, np.arange(1, l), np.arange(l - 1)] = 1.0
    z = np.linalg.eigvals(comp)
    return np.sum(np.abs(z.imag) <= tol * (1 + np.abs(z)), axis=1)


def kac_rice_expected_real_roots(variances, n_nodes: int = 20) -> float:
    """[GK] Expected number of real roots of ``sum_k a_k x^k`` with independent ``a_k ~ N(0, variances[k])``.

    Kac-Rice: ``(1/pi) int sqrt(A C - B^2) / A dx`` with ``A = sum v_k x^(2k)``, ``B = sum k v_k x^(2k-1)``,
    ``C = sum k^2 v_k x^(2k-2)``. Computed on [-1, 1] for the polynomial and for its reversal (the
    roots outside the unit interval), by ``n_nodes``-point Gauss-Legendre on sub-intervals graded
    geometrically towards 0 and +-1, where root densities concentrate. Kostlan variances
    ``binom(l, k)`` give exactly ``sqrt(l)`` (Edelman and Kostlan 1995); iid (Kac) ones about
    ``(2/pi) ln l + 0.6257``.
    """
    v = as_array("variances", variances, ndim=1)
    if v.size < 2 or np.any(v <= 0):
        raise ValueError("variances must hold at least 2 positive entries")
    n_nodes = as_int("n_nodes", n_nodes, min=2, max=200)
    g, gw = np.polynomial.legendre.leggauss(n_nodes)
    half = np.unique(np.concatenate([2.0 ** -np.arange(1.0, 41.0), 1.0 - 2.0 ** -np.arange(1.0, 41.0), [0.0, 1.0]]))
    cuts = np.unique(np.concatenate([-half, half]))
    lo, hi = cuts[:-1], cuts[1:]
    x = ((hi - lo)[:, None] * (g + 1) / 2 + lo[:, None]).ravel()
    wq = ((hi - lo)[:, None] / 2 * gw).ravel()
    k = np.arange(v.size)

    def density_integral(vv):
        A = (x[:, None] ** (2 * k)) @ vv
        B = (x[:, None] ** np.maximum(2 * k - 1, 0) * (k > 0)) @ (k * vv)
        C = (x[:, None] ** np.maximum(2 * k - 2, 0) * (k > 0)) @ (k**2 * vv)
        return float(wq @ (np.sqrt(np.maximum(A * C - B**2, 0.0)) / A)) / np.pi

    return density_integral(v) + density_integral(v[::-1])


# ---------------------------------------------------------------------------------------------
# Dimension sweep of Barron sampling: centred Gaussians in any d (the notes' Sec. 2.3-2.4)
# ---------------------------------------------------------------------------------------------
def _radial_setup(d, sigma):
    d = as_int("d", d, min=1, max=10_000)
    sigma = as_float("sigma", sigma, min=0.0, strict_min=True)
    a = 2 * np.pi**2 * sigma**2
    Z = _exp_checked(-(d / 2) * math.log(2 * math.pi * sigma**2), "barron_radial (Z = (2 pi sigma^2)^(-d/2))")
    if Z == 0.0:
        raise ValueError(f"(2 pi sigma^2)^(-d/2) underflows for d={d}, sigma={sigma}")
    # Gauss-Legendre on every half period [j/2, (j+1)/2] of |sin 2 pi b| up to b_max
    J = int(math.ceil(2 * (math.sqrt(d) + 12.0) / math.sqrt(2 * a)))
    g, gw = np.polynomial.legendre.leggauss(32)
    b = ((np.arange(J)[:, None] + (g + 1) / 2) / 2).ravel()
    wq = np.tile(gw / 4, J) * np.abs(np.sin(2 * np.pi * b))
    return d, sigma, a, Z, b, wq


def barron_radial_mass(d: int, sigma: float) -> float:
    """``||q||_1`` of Thm 2.12's density for the centred N(0, sigma^2 I_d) density, in any dimension ``d``.

    For ``mu = 0`` the phase vanishes and ``q(w, b) = -4 pi |g~(w)| sin(2 pi b) 1[0 <= b <= |w|]``. Writing
    ``|g~| = Z x`` (density of ``W ~ N(0, I / (2a))``), ``a = 2 pi^2 sigma^2``, ``Z = (2 pi sigma^2)^(-d/2)``,
    ``||q||_1 = 4 pi Z int_0^inf |sin 2 pi b| Pr(|W| >= b) db`` with ``2a |W|^2 ~ chi^2_d``: a 1-D integral,
    done by 32-point Gauss-Legendre on each half period (smooth pieces). [GK] (our reduction)
    """
    from scipy.stats import chi2

    d, sigma, a, Z, b, wq = _radial_setup(d, sigma)
    return float(4 * np.pi * Z * (wq @ chi2.sf(2 * a * b**2, d)))


def barron_radial_hit_prob(X, sigma: float) -> np.ndarray:
    """``Pr[w.x >= b]`` for ``(w, b)`` drawn from ``|q| / ||q||_1`` (centred Gaussian target), rows ``X`` (n, d).

    Needs ``|x| <= 1`` (then ``w.x <= |w|`` and the cut at ``|w|`` is inactive); ``w.x`` is then
    ``N(0, |x|^2 / (2a))`` under the Gaussian part, so the probability is
    ``(4 pi Z / ||q||_1) int_0^inf |sin 2 pi b| Pr(N(0,1) >= b sqrt(2a) / |x|) db``. This is the term
    ``E_P F`` in Lemma 2.17's exact identity. Returns (n,). [GK]
    """
    from scipy.stats import norm

    X = as_array("X", X, ndim=2)
    d, sigma, a, Z, b, wq = _radial_setup(X.shape[1], sigma)
    r = np.linalg.norm(X, axis=1)
    if r.max() > 1 + 1e-12:
        raise ValueError(f"X must have rows of norm <= 1 (Thm 2.12's hypothesis); got max norm {r.max():.4g}")
    mass = barron_radial_mass(d, sigma)
    out = np.zeros(X.shape[0])
    nz = r > 0
    out[nz] = 4 * np.pi * Z * (norm.sf(np.sqrt(2 * a) * b[None, :] / r[nz, None]) @ wq) / mass
    return out


def barron_radial_exact_error(X, sigma: float) -> float:
    """Lemma 2.17's identity: ``m E ||g - g(0) - f_m||^2_{L2(P)} = ||q||_1^2 E_P F - ||g - g(0)||_P^2``.

    ``g`` is the centred N(0, sigma^2 I_d) density, ``P`` uniform on the rows of ``X`` (n, d), all in the
    unit ball, and ``f_m`` the network of ``m`` threshold units sampled from ``|q| / ||q||_1``
    (:func:`gaussian_barron_sample` with ``mu = 0``). The value does not depend on ``m``.
    """
    X = as_array("X", X, ndim=2)
    p = barron_radial_hit_prob(X, sigma)
    d = X.shape[1]
    mass = barron_radial_mass(d, sigma)
    Z = (2 * np.pi * sigma**2) ** (-d / 2)
    target = Z * np.expm1(-np.sum(X * X, axis=1) / (2 * sigma**2))
    return float(mass**2 * p.mean() - np.mean(target**2))


# ---------------------------------------------------------------------------------------------
# Certified real-root counts (Kostlan's square-root law at high degree)
# ---------------------------------------------------------------------------------------------
def _trig_basis(t, l):
    """``sin^k t cos^(l-k) t`` (n, l+1) and its t-derivative."""
    k = np.arange(l + 1)
    s, c = np.sin(t)[:, None], np.cos(t)[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        B = s**k * c ** (l - k)
        dB = k * s ** np.maximum(k - 1, 0) * c ** (l - k + 1) - (l - k) * s ** (k + 1) * c ** np.maximum(l - k - 1, 0)
    return B, dB


def trig_real_root_counts(coefs, *, n_grid: int | None = None, max_refine: int = 6) -> tuple[np.ndarray, int]:
    """Certified numbers of real roots of ``p(x) = sum_k coefs[r, k] x^k`` (rows, (R, l + 1)).

    Real roots of ``p`` (with the point at infinity) are the zeros on ``[0, pi)`` of the trigonometric
    polynomial ``h(t) = cos^l(t) p(tan t) = sum_k a_k sin^k t cos^(l-k) t`` of degree ``l``. We sample
    ``h`` and ``h'`` on a grid of ``n_grid`` cells (default ``16 l``) and *certify* each cell. With
    ``B_k = sin^k cos^(l-k)``, ``sum_k binom(l, k) B_k(t) B_k(s) = cos^l(t - s)``, so Cauchy-Schwarz gives
    ``|h''(t)| <= M = H sqrt(3 l^2 - 2 l)`` with ``H = |a / sqrt(binom(l, k))|_2`` (``3 l^2 - 2 l`` is the
    fourth derivative of ``cos^l`` at 0). A cell of width ``D`` without a sign change has no zero if
    both end values exceed ``M D^2 / 8`` (plus rounding); a cell with a sign change has exactly one if
    ``|h'(mid)| > M D / 2`` (plus rounding). Other cells are split into 16 and re-examined, up to
    ``max_refine`` times (stopping early if more than 200 000 cells remain). Returns the counts (R,)
    and the number of cells left uncertified: 0 means every count is exact, up to the rounding
    allowance (a zero exactly on a grid point, a probability-zero event for random coefficients,
    stays uncertified). ``h(0) = a_0`` must be non-zero. [GK] (our construction)
    """
    A = as_array("coefs", coefs, ndim=2)
    R, n1 = A.shape
    if n1 < 2:
        raise ValueError(f"coefs must have at least 2 columns (degree >= 1); got {n1}")
    if np.any(A[:, 0] == 0):
        raise ValueError("coefs must have a non-zero constant term (h(0) = a_0, a grid point)")
    l = n1 - 1
    n_grid = 16 * l if n_grid is None else as_int("n_grid", n_grid, min=4, max=10**6)
    max_refine = as_int("max_refine", max_refine, min=0, max=12)
    if R * (n_grid + 1) > 5 * 10**7:
        raise ValueError(f"R * (n_grid + 1) must be at most 5e7 (memory); got {R * (n_grid + 1)}")
    from scipy.special import gammaln

    k = np.arange(l + 1)
    sq = np.exp(0.5 * (gammaln(l + 1) - gammaln(k + 1) - gammaln(l - k + 1)))
    Hb = np.linalg.norm(A / sq, axis=1)  # sup |h| (Cauchy-Schwarz)
    M = Hb * math.sqrt(3.0 * l * l - 2.0 * l)  # sup |h''| (Cauchy-Schwarz against the Kostlan kernel)
    rnd = 8 * (l + 1) * np.finfo(float).eps * np.abs(A / sq).sum(axis=1)  # rounding of h, h'/l

    def examine(rows, lo, width):
        """Certify cells [lo, lo + width] of polynomials ``rows``; return (counts, undecided mask)."""
        t = np.stack([lo, lo + width / 2, lo + width], axis=1)
        B, dB = _trig_basis(t.ravel(), l)
        h = np.einsum("ij,ij->i", np.repeat(A[rows], 3, axis=0), B).reshape(-1, 3)
        dh = np.einsum("ij,ij->i", A[rows], dB.reshape(-1, 3, l + 1)[:, 1])
        change = np.signbit(h[:, 0]) != np.signbit(h[:, 2])
        no_zero = np.minimum(np.abs(h[:, 0]), np.abs(h[:, 2])) > M[rows] * width**2 / 8 + rnd[rows]
        one_zero = np.abs(dh) > M[rows] * width / 2 + l * rnd[rows]
        ok = np.where(change, one_zero, no_zero)
        return change & ok, ~ok

    t = np.linspace(0.0, np.pi, n_grid + 1)
    B, dB = _trig_basis(t, l)
    Hg, width = A @ B.T, np.pi / n_grid
    counts = np.zeros(R, dtype=np.int64)
    # first pass on the full grid, vectorised over cells
    Bm, dBm = _trig_basis(t[:-1] + width / 2, l)
    dHm = A @ dBm.T
    change = np.signbit(Hg[:, :-1]) != np.signbit(Hg[:, 1:])
    no_zero = np.minimum(np.abs(Hg[:, :-1]), np.abs(Hg[:, 1:])) > (M * width**2 / 8 + rnd)[:, None]
    one_zero = np.abs(dHm) > (M * width / 2 + l * rnd)[:, None]
    ok = np.where(change, one_zero, no_zero)
    counts += np.sum(change & ok, axis=1)
    rows, cells = np.nonzero(~ok)
    lo = t[cells]
    for _ in range(max_refine):
        if rows.size == 0 or rows.size > 200_000:  # nothing left, or too many cells to split (memory)
            break
        width /= 16
        rows, lo = np.repeat(rows, 16), (lo[:, None] + width * np.arange(16)).ravel()
        found, undecided = examine(rows, lo, np.full(lo.size, width))
        np.add.at(counts, rows, found)
        rows, lo = rows[undecided], lo[undecided]
    return counts, int(rows.size)


# ---------------------------------------------------------------------------------------------
# Small trained MLPs, many restarts at once (the blog's Fig. 1 and Sec. 3.1 as experiments)
# ---------------------------------------------------------------------------------------------
def _mlp_act(z, act_coef, lib):
    if act_coef is None:
        return lib.maximum(z, 0 * z) if lib is np else z.clamp_min(0)
    out = 0 * z + act_coef[-1]
    for ck in act_coef[-2::-1]:  # Horner
        out = out * z + ck
    return out


def mlp_batched_forward(X, weights, biases, act_coef=None) -> np.ndarray:
    """Outputs (B, n) of ``B`` MLPs at once; ``weights[l]`` (B, k_l, k_(l-1)), ``biases[l]`` (B, k_l), ``X`` (n, d).

    Hidden activation: ReLU when ``act_coef`` is None, else the polynomial ``sum_k act_coef[k] z^k``
    (power basis); the last map is linear with one output. Float64 NumPy, for checking what
    :func:`train_mlp_batched` returned.
    """
    h = as_array("X", X, ndim=2)
    if not isinstance(weights, (list, tuple)) or not isinstance(biases, (list, tuple)) or len(weights) != len(biases) \
            or len(weights) < 1:
        raise ValueError("weights and biases must be lists of the same positive length")
    c = None if act_coef is None else as_array("act_coef", act_coef, ndim=1)
    W0 = as_array("weights[0]", weights[0], ndim=3)
    B = W0.shape[0]
    if h.shape[1] != W0.shape[2]:
        raise ValueError(f"X must have {W0.shape[2]} columns to match weights[0] of shape {W0.shape}; got {h.shape[1]}")
    h = np.broadcast_to(h, (B,) + h.shape)
    for i, (W, b) in enumerate(zip(weights, biases)):
        W = as_array(f"weights[{i}]", W, shape=(B, None, h.shape[2]))
        b = as_array(f"biases[{i}]", b, shape=(B, W.shape[1]))
        with np.errstate(over="ignore", invalid="ignore"):
            z = h @ W.transpose(0, 2, 1) + b[:, None, :]
            h = z if i == len(weights) - 1 else _mlp_act(z, c, np)
    if h.shape[2] != 1:
        raise ValueError(f"weights[-1] must have one row (one output); got {h.shape[2]}")
    if not np.all(np.isfinite(h)):
        raise ValueError("mlp_batched_forward overflowed (polynomial activation on large inputs)")
    return h[:, :, 0]


def train_mlp_batched(X, y, widths, restarts: int, generator, *, act_coef=None, steps: int = 2000,
                      lr: float = 1e-2, device="cpu") -> dict:
    """Train ``restarts`` independent MLPs of widths ``widths`` = ``[d, k_1, ..., 1]`` on ``(X, y)`` at once.

    Full-batch Adam on the mean squared error, in float64; each restart has its own loss, so the batch
    is exactly ``restarts`` separate runs. Initialisation as ``torch.nn.Linear``: weights and biases
    uniform on ``+-1/sqrt(fan_in)``, drawn from ``generator`` (a ``torch.Generator``). Hidden activation
    ReLU, or the polynomial ``act_coef`` (power basis; the blog's "polynomial ReLU"). Returns a dict with
    ``mse`` (restarts,) the final training MSE, ``weights`` and ``biases`` (NumPy, as
    :func:`mlp_batched_forward` takes them) and ``history`` (steps,) the mean over restarts of the MSE.
    """
    import torch

    X = as_array("X", X, ndim=2)
    y = as_array("y", y, shape=(X.shape[0],))
    widths = as_widths("widths", widths, min_len=2)
    if widths[0] != X.shape[1] or widths[-1] != 1:
        raise ValueError(f"widths must start with X's {X.shape[1]} columns and end with 1; got {widths}")
    restarts = as_int("restarts", restarts, min=1, max=10_000)
    steps = as_int("steps", steps, min=1, max=10**6)
    lr = as_float("lr", lr, min=0.0, strict_min=True)
    if not isinstance(generator, torch.Generator):
        raise ValueError(f"generator must be a torch.Generator (see lib.seeds.torch_generator); got {generator!r}")
    c = None if act_coef is None else [float(v) for v in as_array("act_coef", act_coef, ndim=1)]
    if sum(restarts * o * (i + 1) for i, o in zip(widths[:-1], widths[1:])) > 10**7:
        raise ValueError("restarts times the number of parameters must be at most 1e7")
    params = []
    for i, o in zip(widths[:-1], widths[1:]):
        bound = 1.0 / math.sqrt(i)
        W = (torch.rand((restarts, o, i), generator=generator, dtype=torch.float64) * 2 - 1) * bound
        b = (torch.rand((restarts, o), generator=generator, dtype=torch.float64) * 2 - 1) * bound
        params += [W.to(device).requires_grad_(), b.to(device).requires_grad_()]
    Xt = torch.as_tensor(X, device=device).expand(restarts, -1, -1)
    yt = torch.as_tensor(y, device=device)
    opt = torch.optim.Adam(params, lr=lr)
    history = np.empty(steps)

    def forward():
        h = Xt
        for j in range(0, len(params), 2):
            z = torch.baddbmm(params[j + 1][:, None, :], h, params[j].transpose(1, 2))
            h = z if j == len(params) - 2 else _mlp_act(z, c, torch)
        return ((h[:, :, 0] - yt) ** 2).mean(dim=1)

    for s in range(steps):
        opt.zero_grad()
        mse = forward()
        mse.sum().backward()
        opt.step()
        history[s] = float(mse.detach().mean())
    with torch.no_grad():
        mse = forward().cpu().numpy()
    arrays = [p.detach().cpu().numpy() for p in params]
    return {"mse": mse, "weights": arrays[0::2], "biases": arrays[1::2], "history": history}
