"""Shared pieces of the property-based tests: bad values, and the rule that a ValueError names its argument."""
import numpy as np
import pytest
from hypothesis import settings

S = settings(max_examples=25, deadline=None)
BAD_SCALARS = [float("nan"), float("inf"), "1", 1 + 2j, None]
BAD_ARRAYS = [np.array([[np.nan, 1.0]]), np.array([[np.inf, 0.0]]), np.array([["a", "b"]]), np.array([[1j, 0]]),
              np.zeros((0, 2))]


def raises_naming(name, fn, *args, **kw):
    """``fn(*args, **kw)`` must raise a ValueError whose message names ``name``."""
    with pytest.raises(ValueError, match=name):
        fn(*args, **kw)
