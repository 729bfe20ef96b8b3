"""``lib``: the code behind *Why Neural Networks Work*.

The chapters tell the story and hold the checks; this package holds the reusable simulations.
Core modules: :mod:`lib.validate` (argument checks), :mod:`lib.nets` (networks as data),
:mod:`lib.checks` (verdicts), :mod:`lib.seeds` (randomness), :mod:`lib.scale` (laptop or paper sizes),
:mod:`lib.plotting` (style).
Topic modules import the core, never each other.
"""
from . import checks, nets, plotting, scale, seeds, validate
from .nets import Net

__version__ = "0.1.0"
__all__ = ["Net", "checks", "nets", "plotting", "scale", "seeds", "validate"]
