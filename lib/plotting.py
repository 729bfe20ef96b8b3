"""One plotting style for the whole book."""
from __future__ import annotations

import matplotlib as mpl

__all__ = ["COLORS", "use_book_style"]

COLORS = ("#1f4e79", "#c0504d", "#4f8a3c", "#8064a2", "#d9822b", "#2c9fa3", "#7f7f7f")

_STYLE = {
    "figure.figsize": (6.4, 3.8),
    "figure.dpi": 110,
    "savefig.dpi": 110,
    "figure.constrained_layout.use": True,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.titlesize": "medium",
    "axes.labelsize": "medium",
    "legend.frameon": False,
    "legend.fontsize": "small",
    "lines.linewidth": 1.6,
    "font.family": "DejaVu Sans",
    "mathtext.fontset": "dejavusans",
}


def use_book_style() -> None:
    """Set matplotlib's defaults to the book's style (colours, grid, sizes)."""
    mpl.rcParams.update(_STYLE)
    mpl.rcParams["axes.prop_cycle"] = mpl.cycler(color=list(COLORS))
