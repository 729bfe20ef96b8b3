"""Torch modules for the activations of :mod:`lib.nets` that torch lacks (the two thresholds)."""
from __future__ import annotations

import torch

__all__ = ["Step", "module_for", "name_of"]


class Step(torch.nn.Module):
    """Threshold unit: ``1[z >= 0]`` (``strict=False``, Telgarsky) or ``1[z > 0]`` (``strict=True``, Vershynin)."""

    def __init__(self, strict: bool = False):
        super().__init__()
        self.strict = bool(strict)

    def forward(self, z):
        return (z > 0).to(z.dtype) if self.strict else (z >= 0).to(z.dtype)

    def extra_repr(self) -> str:
        return f"strict={self.strict}"


def module_for(name: str) -> torch.nn.Module:
    """The torch module computing activation ``name``."""
    table = {
        "relu": torch.nn.ReLU,
        "identity": torch.nn.Identity,
        "tanh": torch.nn.Tanh,
        "sigmoid": torch.nn.Sigmoid,
        "step": lambda: Step(strict=False),
        "step_strict": lambda: Step(strict=True),
    }
    if name not in table:
        raise ValueError(f"name must be one of {', '.join(sorted(table))}; got {name!r}")
    return table[name]()


def name_of(module: torch.nn.Module) -> str | None:
    """The activation name of ``module``, or ``None`` if it is not an activation the book knows."""
    if isinstance(module, Step):
        return "step_strict" if module.strict else "step"
    for cls, name in ((torch.nn.ReLU, "relu"), (torch.nn.Identity, "identity"), (torch.nn.Tanh, "tanh"), (torch.nn.Sigmoid, "sigmoid")):
        if isinstance(module, cls):
            return name
    return None
