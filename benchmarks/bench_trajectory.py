"""Trajectory propagation and random-network sampling against the machine's own limits.

Propagation (``lib.trajectory.propagate``) is rated in GFLOP/s with ``2 T k_in k_out`` flops per
layer per network (``2 * 2T * k_in * k_out`` with tangents, which ride in the same GEMM), and
compared with a chain of plain ``torch.matmul`` and NumPy ``@`` products of exactly the same
shapes (float64, same weights, no bias, no ReLU, nothing stored): the GEMM-only floor.

Sampling (``lib.trajectory.sample_layers``, ``lib.nets.gaussian_net``) is rated in entries/s
(weights and biases drawn) and compared with one ``rng.standard_normal`` call of the same count.
Its "GFLOP/s-equivalent" is the flop count of propagating ``T`` points through the sampled stack
divided by the sampling time, so its ratio to the matmul rate is ``t_matmul / t_sample``: the
number of propagations through the weights that cost as much as drawing them.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from benchmarks import common
from lib import nets, trajectory

# (name, width k, depth d, networks, points T, with tangents)
FULL = [("k100-d10-n20-T1000", 100, 10, 20, 1000, False),
        ("k100-d10-n20-T1000-tangents", 100, 10, 20, 1000, True),
        ("k100-d10-n2-T10000", 100, 10, 2, 10000, False),
        ("k784-d10-n4-T1000", 784, 10, 4, 1000, False)]
QUICK = [("k100-d4-n5-T500", 100, 4, 5, 500, False),
         ("k100-d4-n5-T500-tangents", 100, 4, 5, 500, True),
         ("k256-d3-n2-T500", 256, 3, 2, 500, False)]
CASES = QUICK if common.quick() else FULL
ALPHA, SCALE, BIAS = 0.5, 2.0, 0.01  # the trajectory chapters' typical draw


def stack(k, depth, n_nets, seed=0):
    """A stack of ``n_nets`` sparse Gaussian ReLU networks of width ``k`` and depth ``depth``."""
    return trajectory.sample_layers([k] * (depth + 1), ALPHA, "gaussian", SCALE, BIAS, n_nets, common.rng(seed))


def propagate_flops(k, depth, n_nets, T, tangents):
    rows = 2 * T if tangents else T
    return 2 * rows * k * k * depth * n_nets


def _inputs(k, T, seed=1):
    r = common.rng(seed)
    return r.standard_normal((T, k)), r.standard_normal((T, k))


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_propagate_lib(benchmark, case):
    name, k, depth, n_nets, T, tangents = case
    Ws, bs = stack(k, depth, n_nets)
    X, dX = _inputs(k, T)
    common.tag(benchmark, f"propagate/{name}", "lib", flops=propagate_flops(k, depth, n_nets, T, tangents))
    trace = benchmark.pedantic(trajectory.propagate, args=(X, Ws, bs), kwargs={"dX": dX if tangents else None},
                               rounds=common.rounds(3, 7), warmup_rounds=1)
    assert trace.z[-1].shape == (n_nets, T, k)


def _chain(matmul, Z, Wts):
    for Wt in Wts:
        Z = matmul(Z, Wt)
    return Z


@pytest.mark.parametrize("backend", ["torch", "numpy"])
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_propagate_matmul(benchmark, case, backend):
    name, k, depth, n_nets, T, tangents = case
    Ws, _ = stack(k, depth, n_nets)
    rows = 2 * T if tangents else T
    Z = np.ascontiguousarray(np.broadcast_to(np.vstack(_inputs(k, T))[:rows], (n_nets, rows, k)))
    Wts = [np.ascontiguousarray(np.swapaxes(W, 1, 2)) for W in Ws]
    if backend == "torch":
        Z, Wts, mm = torch.from_numpy(Z), [torch.from_numpy(W) for W in Wts], torch.matmul
    else:
        mm = np.matmul
    common.tag(benchmark, f"propagate/{name}", f"baseline:{backend}.matmul",
               flops=propagate_flops(k, depth, n_nets, T, tangents))
    out = benchmark.pedantic(_chain, args=(mm, Z, Wts), rounds=common.rounds(3, 7), warmup_rounds=1)
    assert tuple(out.shape) == (n_nets, rows, k)


SAMPLE_CASES = [c for c in CASES if not c[5]]


def _entries(k, depth, n_nets):
    return n_nets * depth * (k * k + k)


@pytest.mark.parametrize("case", SAMPLE_CASES, ids=[c[0] for c in SAMPLE_CASES])
def test_sample_layers(benchmark, case):
    name, k, depth, n_nets, T, _ = case
    common.tag(benchmark, f"sample_layers/{name}", "lib", entries=_entries(k, depth, n_nets),
               matmul_group=f"propagate/{name}")
    Ws, _ = benchmark.pedantic(lambda: stack(k, depth, n_nets, seed=2), rounds=common.rounds(3, 9), warmup_rounds=1)
    assert Ws[0].shape == (n_nets, k, k)


@pytest.mark.parametrize("case", SAMPLE_CASES, ids=[c[0] for c in SAMPLE_CASES])
def test_sample_layers_normal(benchmark, case):
    name, k, depth, n_nets, T, _ = case
    count = _entries(k, depth, n_nets)
    common.tag(benchmark, f"sample_layers/{name}", "baseline:rng.standard_normal", entries=count)
    r = common.rng(3)
    out = benchmark.pedantic(r.standard_normal, args=(count,), rounds=common.rounds(3, 9), warmup_rounds=1)
    assert out.size == count


NET_WIDTHS = {"k100-d4": [100] * 5} if common.quick() else {"k100-d10": [100] * 11, "k784-d10": [784] * 11}


def _net_entries(widths):
    return sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))


@pytest.mark.parametrize("name", list(NET_WIDTHS))
def test_gaussian_net(benchmark, name):
    widths = NET_WIDTHS[name]
    common.tag(benchmark, f"gaussian_net/{name}", "lib", entries=_net_entries(widths))
    r = common.rng(4)
    net = benchmark.pedantic(lambda: nets.gaussian_net(widths, r, sigma_w=SCALE, sigma_b=BIAS, density=ALPHA),
                             rounds=common.rounds(5, 15), warmup_rounds=1)
    assert net.widths == tuple(widths) or list(net.widths) == widths


@pytest.mark.parametrize("name", list(NET_WIDTHS))
def test_gaussian_net_normal(benchmark, name):
    count = _net_entries(NET_WIDTHS[name])
    common.tag(benchmark, f"gaussian_net/{name}", "baseline:rng.standard_normal", entries=count)
    r = common.rng(5)
    out = benchmark.pedantic(r.standard_normal, args=(count,), rounds=common.rounds(5, 15), warmup_rounds=1)
    assert out.size == count
