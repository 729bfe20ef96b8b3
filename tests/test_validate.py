"""lib.validate: every rule raises ValueError naming the argument."""
import numpy as np
import pytest
import torch

from lib import validate as v


def test_as_array_accepts_lists_arrays_and_tensors():
    np.testing.assert_array_equal(v.as_array("x", [[1, 2]], shape=(1, 2)), [[1.0, 2.0]])
    assert v.as_array("x", torch.ones(2, 3), ndim=2).dtype == np.float64
    assert v.as_array("x", np.arange(3), dtype=np.int64).dtype == np.int64


@pytest.mark.parametrize(
    "value, kwargs, match",
    [
        ([1.0, np.nan], {}, "x must be finite"),
        ([np.inf], {}, "x must be finite"),
        ([], {}, "x must not be empty"),
        ([[1.0]], {"ndim": 1}, "x must have 1 dimension"),
        ([1.0, 2.0], {"shape": (3,)}, r"x must have shape \(3\)"),
        (["a"], {}, "x must hold numbers"),
        ([True], {}, "x must hold numbers"),
        ([1.5], {"dtype": np.int64}, "x must hold whole numbers"),
        ([1j], {}, "x must be real"),
    ],
)
def test_as_array_rules(value, kwargs, match):
    with pytest.raises(ValueError, match=match):
        v.as_array("x", value, **kwargs)


def test_scalars():
    assert v.as_int("k", 3.0) == 3
    assert v.as_float("s", np.float32(2.5)) == 2.5
    assert v.as_probability("alpha", 1.0) == 1.0
    for bad, match in [(lambda: v.as_int("k", 0, min=1), "k must be at least 1"),
                       (lambda: v.as_int("k", 2.5), "k must be an integer"),
                       (lambda: v.as_int("k", True), "k must be an integer"),
                       (lambda: v.as_float("s", float("nan")), "s must be finite"),
                       (lambda: v.as_float("s", "1"), "s must be a real number"),
                       (lambda: v.as_probability("alpha", 0.0), "alpha must be > 0"),
                       (lambda: v.as_probability("alpha", 1.01), "alpha must be <= 1"),
                       (lambda: v.as_probability("p", 1.0, allow_one=False), "p must be < 1"),
                       (lambda: v.as_choice("mode", "c", ["a", "b"]), "mode must be one of 'a', 'b'"),
                       (lambda: v.as_generator("rng", 0), "rng must be a numpy.random.Generator")]:
        with pytest.raises(ValueError, match=match):
            bad()


def test_as_widths():
    assert v.as_widths("widths", (3, 4.0), min_len=2) == [3, 4]
    for bad, match in [((3,), "widths must list at least 2"), ("34", "widths must list"),
                       ((3, 0), r"widths\[1\] must be at least 1"), ((3, 1.5), r"widths\[1\] must be an integer")]:
        with pytest.raises(ValueError, match=match):
            v.as_widths("widths", bad, min_len=2)


def test_widths_refuse_a_zero_dimensional_array():
    with pytest.raises(ValueError, match="widths must list at least 2"):
        v.as_widths("widths", np.array(3), min_len=2)
