"""Where the book's randomness comes from.

Each chapter draws all its randomness from one base seed: the environment variable
``BOOK_SEED`` when it is set, otherwise the chapter's fixed default. Streams for separate
experiments are split off with :func:`chapter_rng` by name, so adding an experiment never shifts
the numbers of another. ``lib`` itself never seeds global state.
"""
from __future__ import annotations

import os
import zlib

import numpy as np

from .validate import as_int

__all__ = ["DEFAULT_SEED", "base_seed", "chapter_rng", "torch_generator"]

DEFAULT_SEED = 20261201
ENV = "BOOK_SEED"


def base_seed(default: int = DEFAULT_SEED) -> int:
    """``BOOK_SEED`` from the environment if set (a non-negative integer), else ``default``."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return as_int("default", default, min=0)
    try:
        value = int(raw)
    except ValueError as exc:
        raise ValueError(f"{ENV} must be a non-negative integer; got {raw!r}") from exc
    return as_int(ENV, value, min=0)


def _key(name: str) -> int:
    if not isinstance(name, str) or not name:
        raise ValueError(f"name must be a non-empty string; got {name!r}")
    return zlib.crc32(name.encode("utf-8"))


def chapter_rng(name: str, default: int = DEFAULT_SEED) -> np.random.Generator:
    """A generator for the experiment called ``name``, derived from the base seed.

    The same ``(BOOK_SEED, name)`` always gives the same stream; different names give
    independent streams (``numpy.random.SeedSequence``).
    """
    return np.random.default_rng(np.random.SeedSequence([base_seed(default), _key(name)]))


def torch_generator(name: str, default: int = DEFAULT_SEED):
    """A CPU ``torch.Generator`` for the experiment ``name``, seeded like :func:`chapter_rng`."""
    import torch

    seed = int(np.random.SeedSequence([base_seed(default), _key(name)]).generate_state(1, np.uint64)[0] >> 1)
    return torch.Generator().manual_seed(seed)
