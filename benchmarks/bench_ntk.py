"""Neural tangent kernels against the machine's limits.

* ``lib.ntk.relu_ntk(X, depth=L)`` for ``n`` points against one dense ``n x n`` by ``n x n``
  product (NumPy ``@``, ``2 n^3`` flops) of the same ``n``: the time ratio says how many large
  GEMMs the analytic kernel costs (it is ``O(n^2 (d + L))`` work, mostly elementwise ``arccos``).
* ``lib.ntk.empirical_ntk`` (``torch.func``: ``vmap`` of ``jacrev``) against a hand-written
  Jacobian of the two-layer net ``f(x) = a . relu(V x) / sqrt(m)`` (both ``a`` and ``V`` trained):
  ``df/da_j = relu(v_j . x) / sqrt(m)``, ``df/dV_jk = a_j 1[v_j . x > 0] x_k / sqrt(m)``, then
  ``J J^T``. The two must agree to ``1e-10``.
"""
from __future__ import annotations

import math

import numpy as np
import pytest

from benchmarks import common
from lib import ntk

NTK_SIZES = [250, 500] if common.quick() else [500, 1000, 2000]
NTK_DEPTH, NTK_DIM = 3, 50


def ntk_inputs(n, d=NTK_DIM, seed=10):
    """``n`` Gaussian points in ``R^d`` (rows non-zero almost surely)."""
    return common.rng(seed).standard_normal((n, d))


@pytest.mark.parametrize("n", NTK_SIZES)
def test_relu_ntk(benchmark, n):
    X = ntk_inputs(n)
    common.tag(benchmark, f"relu_ntk/n{n}", "lib", n=n, depth=NTK_DEPTH, d=NTK_DIM)
    nngp, K = benchmark.pedantic(ntk.relu_ntk, args=(X,), kwargs={"depth": NTK_DEPTH},
                                 rounds=common.rounds(3, 7), warmup_rounds=1)
    assert K.shape == (n, n)


@pytest.mark.parametrize("n", NTK_SIZES)
def test_relu_ntk_gemm(benchmark, n):
    r = common.rng(11)
    A, B = r.standard_normal((n, n)), r.standard_normal((n, n))
    common.tag(benchmark, f"relu_ntk/n{n}", "baseline:numpy.matmul(n x n, n x n)", flops=2 * n**3, n=n)
    out = benchmark.pedantic(np.matmul, args=(A, B), rounds=common.rounds(3, 7), warmup_rounds=1)
    assert out.shape == (n, n)


def two_layer_ntk_by_hand(a, V, X) -> np.ndarray:
    """Empirical NTK of ``f(x) = a . relu(V x) / sqrt(m)`` over ``(a, V)`` from the explicit Jacobian.

    Parameters
    ----------
    a : (m,); V : (m, d); X : (n, d), float64.

    Returns
    -------
    (n, n) float64: ``J J^T`` with ``J = [df/da, df/dV]`` of shape ``(n, m + m d)``; ReLU'(0) = 0.
    """
    m = V.shape[0]
    Z = X @ V.T                                             # (n, m) pre-activations
    Ja = np.maximum(Z, 0.0) / math.sqrt(m)                  # df/da_j
    gate = (Z > 0) * a / math.sqrt(m)                       # a_j 1[v_j . x > 0] / sqrt(m)
    JV = (gate[:, :, None] * X[:, None, :]).reshape(X.shape[0], -1)  # df/dV_jk, flattened as (j, k)
    J = np.concatenate([Ja, JV], axis=1)
    return J @ J.T


EMP = {"n": 100, "d": 10, "m": 256} if common.quick() else {"n": 400, "d": 20, "m": 1000}


def emp_problem(n, d, m, seed=12):
    """Standard normal ``a, V`` (NTK parameterisation of the outer layer) and ``n`` inputs."""
    r = common.rng(seed)
    return r.standard_normal(m), r.standard_normal((m, d)), r.standard_normal((n, d)) / math.sqrt(d)


def torch_model(a, V):
    return ntk.two_layer_module(a, V, outer_scale=1 / math.sqrt(V.shape[0]), train_outer=True)


def test_empirical_ntk_torch_func(benchmark):
    a, V, X = emp_problem(**EMP)
    model = torch_model(a, V)
    common.tag(benchmark, "empirical_ntk/two-layer", "lib", **EMP)
    K = benchmark.pedantic(ntk.empirical_ntk, args=(model, X), rounds=common.rounds(3, 7), warmup_rounds=1)
    diff = float(np.max(np.abs(K - two_layer_ntk_by_hand(a, V, X))))
    benchmark.extra_info["max_abs_diff_vs_hand"] = diff
    assert diff < 1e-10, f"torch.func NTK and the hand-written Jacobian differ by {diff:.3g}"


def test_empirical_ntk_by_hand(benchmark):
    a, V, X = emp_problem(**EMP)
    common.tag(benchmark, "empirical_ntk/two-layer", "baseline:hand-written Jacobian", **EMP)
    K = benchmark.pedantic(two_layer_ntk_by_hand, args=(a, V, X), rounds=common.rounds(3, 7), warmup_rounds=1)
    assert K.shape == (EMP["n"], EMP["n"])
