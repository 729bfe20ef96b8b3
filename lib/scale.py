"""How big the book's experiments are: laptop scale (default) or the source papers' scale.

The environment variable ``BOOK_SCALE`` chooses ``laptop`` (the default: every notebook executes
in well under a minute on two cores) or ``paper`` (the sizes the source documents used, for a
workstation or a GPU). Chapters choose their sizes with :func:`pick`, so the same checks run at
both scales; tolerances derived from sample sizes (``lib.checks``) tighten by themselves at
paper scale. :func:`device` gives the torch device to compute on: the first CUDA device when
torch finds one, else the CPU.

Example
-------
>>> n_networks = pick(laptop=20, paper=100)
"""
from __future__ import annotations

import os

__all__ = ["ENV", "SCALES", "book_scale", "is_paper", "pick", "device"]

ENV = "BOOK_SCALE"
SCALES = ("laptop", "paper")


def book_scale() -> str:
    """``BOOK_SCALE`` from the environment (``laptop`` when unset or empty)."""
    raw = os.environ.get(ENV, "").strip().lower()
    if not raw:
        return "laptop"
    if raw not in SCALES:
        raise ValueError(f"{ENV} must be one of {SCALES}; got {raw!r}")
    return raw


def is_paper() -> bool:
    """True when the book runs at the source papers' scale."""
    return book_scale() == "paper"


def pick(laptop, paper):
    """``laptop`` at laptop scale, ``paper`` at paper scale (any values, e.g. sizes or tuples)."""
    return paper if is_paper() else laptop


def device():
    """The torch device for heavy computations: ``cuda`` when available, else ``cpu``.

    At laptop scale this is always the CPU, so the book's default numbers do not depend on
    whether the reader's machine has a GPU.
    """
    import torch

    if is_paper() and torch.cuda.is_available():
        return torch.device("cuda")
    return torch.device("cpu")
