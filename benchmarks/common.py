"""Sizes, thread settings and bookkeeping shared by the benchmark modules.

The driver (``tools/bench.py``) chooses the mode and the thread count through the environment:

* ``BENCH_MODE``: ``quick`` (small sizes, few rounds; the whole kernel suite in well under a
  minute) or ``full`` (the chapters' sizes; the default).
* ``BENCH_THREADS``: BLAS/OpenMP/torch threads for the kernels (default 1, the setting of
  ``make test``). The driver also exports ``OMP_NUM_THREADS`` and friends before Python starts;
  :func:`limit_threads` enforces the same count at run time with threadpoolctl and torch.

Every benchmark stores ``extra_info`` that the driver turns into ratios: ``group`` (the
measurement the ratio belongs to), ``role`` (``lib`` for the book's code, ``baseline:NAME`` for a
reference measured in the same run) and, where a rate is defined, ``flops`` or ``entries``.
"""
from __future__ import annotations

import os

import numpy as np

MODES = ("quick", "full")


def mode() -> str:
    """``BENCH_MODE`` from the environment, ``full`` when unset."""
    raw = os.environ.get("BENCH_MODE", "full").strip().lower() or "full"
    if raw not in MODES:
        raise ValueError(f"BENCH_MODE must be one of {MODES}; got {raw!r}")
    return raw


def quick() -> bool:
    return mode() == "quick"


def threads() -> int:
    """``BENCH_THREADS`` (default 1), a positive integer."""
    raw = os.environ.get("BENCH_THREADS", "1").strip() or "1"
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if n < 1:
        raise ValueError(f"BENCH_THREADS must be a positive integer; got {raw!r}")
    return n


def limit_threads():
    """Limit numpy's BLAS and torch to :func:`threads` threads; returns the threadpoolctl context
    (keep a reference for as long as the limit should hold)."""
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(threads())
    return threadpool_limits(limits=threads())


def rounds(quick_rounds: int, full_rounds: int) -> int:
    """Number of timed rounds for the current mode."""
    return quick_rounds if quick() else full_rounds


def rng(seed: int) -> np.random.Generator:
    """A fresh, explicitly seeded Generator (benchmarks never touch global random state)."""
    return np.random.default_rng(seed)


def tag(benchmark, group: str, role: str, **info) -> None:
    """Record the bookkeeping the driver needs to pair a benchmark with its baselines."""
    benchmark.group = group
    benchmark.extra_info.update(group=group, role=role, threads=threads(), mode=mode(), **info)
