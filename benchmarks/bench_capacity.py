"""Time of the memorisation construction ``lib.capacity_assembly.memorize`` as ``K`` grows.

Inputs as in the assembly chapter: ``K`` points of a spherical cap in ``R^64`` with common
component ``rho_0 = 0.3`` (``lib.capacity.cap_data``) and fair random labels, default sizes
(``m = 4096``, ``d = 1024``; ``lib.capacity_assembly.default_sizes``). Each round draws fresh data
and labels from its own seeded Generator, outside the timed call. The driver fits
``time ~ K^slope`` with ``lib.checks.fit_loglog``.
"""
from __future__ import annotations

import itertools

import numpy as np
import pytest

from benchmarks import common
from lib import capacity, capacity_assembly

SIZES = [50, 100, 200, 400] if common.quick() else [50, 100, 200, 400, 800, 1600]
DIM, RHO0 = 64, 0.3


@pytest.mark.parametrize("K", SIZES)
def test_memorize(benchmark, K):
    seeds = itertools.count(100)

    def setup():
        r = common.rng(next(seeds))
        X = capacity.cap_data(K, DIM, RHO0, r)
        return (X, r.integers(0, 2, K), r), {}

    common.tag(benchmark, "memorize", "lib", K=K, n=DIM, rho0=RHO0)
    net = benchmark.pedantic(capacity_assembly.memorize, setup=setup, rounds=common.rounds(3, 5), warmup_rounds=0)
    assert net.widths[0] == DIM
