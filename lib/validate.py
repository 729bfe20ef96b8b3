"""One place that checks what ``lib``'s public functions are given.

Every public function validates its arguments here, so that bad input always raises a
``ValueError`` that names the argument and the rule it broke, never a bare NumPy or torch
error and never a silent NaN.
"""
from __future__ import annotations

import numbers
from typing import Iterable

import numpy as np

__all__ = [
    "as_array",
    "as_int",
    "as_float",
    "as_probability",
    "as_choice",
    "as_generator",
    "as_widths",
]


def _fail(name: str, rule: str, got) -> ValueError:
    text = repr(got)
    if len(text) > 80:
        text = text[:77] + "..."
    return ValueError(f"{name} must {rule}; got {text}")


def as_array(
    name: str,
    value,
    *,
    ndim: int | Iterable[int] | None = None,
    shape: tuple | None = None,
    finite: bool = True,
    nonempty: bool = True,
    dtype=np.float64,
) -> np.ndarray:
    """Return ``value`` as a NumPy array of ``dtype`` after checking it.

    ``shape`` may contain ``None`` for an axis of any length. Integer arrays are accepted for
    float dtypes; booleans, strings and objects are not.
    """
    if isinstance(value, np.ndarray):
        arr = value
    else:
        try:
            import torch  # local: torch is heavy and optional for most callers

            if isinstance(value, torch.Tensor):
                value = value.detach().cpu().numpy()
        except ImportError:  # pragma: no cover - torch is pinned in requirements
            pass
        try:
            arr = np.asarray(value)
        except (TypeError, ValueError) as exc:
            raise _fail(name, "be array-like", value) from exc
    if arr.dtype == object or arr.dtype.kind in "USVb":
        raise _fail(name, "hold numbers (not booleans, strings or objects)", value)
    if dtype is not None:
        if np.dtype(dtype).kind == "i" and arr.dtype.kind == "f":
            if not (np.all(np.isfinite(arr)) and np.all(arr == np.round(arr))):
                raise _fail(name, "hold whole numbers", value)
        if arr.dtype.kind == "c" and np.dtype(dtype).kind != "c":
            raise _fail(name, "be real", value)
        arr = arr.astype(dtype, copy=False)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if arr.ndim not in allowed:
            raise _fail(name, f"have {' or '.join(map(str, allowed))} dimension(s), not {arr.ndim}", value)
    if shape is not None:
        if arr.ndim != len(shape) or any(s is not None and s != a for s, a in zip(shape, arr.shape)):
            want = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
            raise ValueError(f"{name} must have shape {want}; got shape {arr.shape}")
    if nonempty and arr.size == 0:
        raise ValueError(f"{name} must not be empty; got shape {arr.shape}")
    if finite and arr.dtype.kind in "fc" and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def as_int(name: str, value, *, min: int | None = None, max: int | None = None) -> int:
    """Return ``value`` as a Python int, checking ``min <= value <= max``."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        if isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer():
            value = int(value)
        else:
            raise _fail(name, "be an integer", value)
    value = int(value)
    if min is not None and value < min:
        raise _fail(name, f"be at least {min}", value)
    if max is not None and value > max:
        raise _fail(name, f"be at most {max}", value)
    return value


def as_float(
    name: str,
    value,
    *,
    min: float | None = None,
    max: float | None = None,
    strict_min: bool = False,
    strict_max: bool = False,
) -> float:
    """Return ``value`` as a finite Python float inside the given range."""
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise _fail(name, "be a real number", value)
    value = float(value)
    if not np.isfinite(value):
        raise _fail(name, "be finite", value)
    if min is not None and (value <= min if strict_min else value < min):
        raise _fail(name, f"be {'>' if strict_min else '>='} {min}", value)
    if max is not None and (value >= max if strict_max else value > max):
        raise _fail(name, f"be {'<' if strict_max else '<='} {max}", value)
    return value


def as_probability(name: str, value, *, allow_zero: bool = False, allow_one: bool = True) -> float:
    """A probability or density. By default in (0, 1], the range of a sparsity ``alpha``."""
    return as_float(name, value, min=0.0, max=1.0, strict_min=not allow_zero, strict_max=not allow_one)


def as_choice(name: str, value, choices: Iterable[str]) -> str:
    """``value`` must be one of ``choices``."""
    choices = tuple(choices)
    if not isinstance(value, str) or value not in choices:
        raise _fail(name, f"be one of {', '.join(map(repr, choices))}", value)
    return value


def as_generator(name: str, value) -> np.random.Generator:
    """An explicit ``numpy.random.Generator``; seeds and ``None`` are refused on purpose."""
    if not isinstance(value, np.random.Generator):
        raise _fail(name, "be a numpy.random.Generator (see lib.seeds.chapter_rng)", value)
    return value


def as_widths(name: str, value, *, min_len: int = 1) -> list[int]:
    """A list of layer widths: at least ``min_len`` integers, each at least 1."""
    if (isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or np.ndim(value) == 0
            or len(value) < min_len):
        raise ValueError(f"{name} must list at least {min_len} width(s); got {value!r}")
    return [as_int(f"{name}[{i}]", k, min=1) for i, k in enumerate(value)]
