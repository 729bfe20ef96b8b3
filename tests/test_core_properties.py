"""Property-based tests of the core (lib.checks, lib.validate, lib.seeds) with hypothesis.

Random valid inputs give a record (or value) of the documented kind; random invalid inputs —
NaN or infinite entries, empty arrays, wrong shapes, out-of-range parameters, strings where numbers
belong — raise a ValueError that names the offending argument, never a bare NumPy error.
"""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lib import checks, seeds, validate

KW = dict(source="test", statement="a property-based test")
finite = st.floats(-1e6, 1e6, allow_nan=False)
bad_number = st.sampled_from([np.nan, np.inf, -np.inf, "1.0", 1 + 2j, None, [1.0, 2.0]])


@pytest.fixture(autouse=True)
def _fresh_records():
    checks.reset()
    yield
    checks.reset()


def verdict(call, claim):
    """A check either passes, returning a record with a finite margin, or raises an AssertionError
    whose message is the failed verdict naming its claim."""
    try:
        rec = call()
    except AssertionError as exc:
        assert f"FAIL [{claim}]" in str(exc)
        return None
    assert rec.passed and rec.claim == claim
    assert np.isfinite(float(rec.margin.split()[-1]))
    return rec


@settings(max_examples=40, deadline=None)
@given(st.lists(finite, min_size=30, max_size=200), finite)
def test_mean_checks_give_a_verdict_with_finite_margin(xs, b):
    verdict(lambda: checks.mean_bound("p-1", xs, b, **KW), "p-1")
    verdict(lambda: checks.mean_equals("p-2", xs, b, **KW), "p-2")


@settings(max_examples=40, deadline=None)
@given(st.lists(finite, min_size=30, max_size=60), st.integers(0, 59), bad_number)
def test_a_bad_entry_in_samples_is_refused_by_name(xs, i, bad):
    xs = list(xs)
    xs[i % len(xs)] = bad
    with pytest.raises(ValueError, match="samples"):
        checks.mean_bound("p-3", xs, 0.0, **KW)


@settings(max_examples=40, deadline=None)
@given(bad_number)
def test_a_bad_bound_or_prediction_is_refused_by_name(bad):
    with pytest.raises(ValueError, match="bound"):
        checks.mean_bound("p-4", np.zeros(40), bad, **KW)
    with pytest.raises(ValueError, match="predicted"):
        checks.rate("p-5", [1, 2, 4], [1, 2, 4], bad, **KW)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 10_000), st.floats(0, 1), st.data())
def test_proportion_margin_is_finite_and_bad_counts_are_refused(n, p, data):
    k = data.draw(st.integers(0, n))
    verdict(lambda: checks.proportion("p-6", k, n, p, **KW), "p-6")
    with pytest.raises(ValueError, match="successes"):
        checks.proportion("p-7", n + 1, n, p, **KW)
    with pytest.raises(ValueError, match="trials"):
        checks.proportion("p-8", 0, 0, p, **KW)


@settings(max_examples=40, deadline=None)
@given(st.floats(0.2, 3.0), st.floats(-2.0, 2.0), st.integers(4, 12))
def test_an_exact_power_law_has_the_right_slope(c, slope, n):
    x = np.geomspace(1, 1000, n)
    f = checks.fit_loglog(x, c * x ** slope)
    assert abs(f.slope - slope) < 1e-9 and f.halfwidth < 1e-6


@settings(max_examples=40, deadline=None)
@given(st.lists(finite, min_size=1, max_size=20), st.sampled_from([np.nan, np.inf]))
def test_exact_refuses_non_finite_measurements(xs, bad):
    with pytest.raises(ValueError, match="measured"):
        checks.exact("p-9", list(xs) + [bad], list(xs) + [0.0], **KW)
    with pytest.raises(ValueError, match="compatible shapes"):
        checks.exact("p-10", list(xs) + [0.0], list(xs) + [0.0, 1.0], **KW)


@settings(max_examples=40, deadline=None)
@given(st.one_of(st.floats(allow_nan=True), st.text(max_size=3), st.none(), st.integers(-5, 5)))
def test_probabilities_are_in_zero_one_or_refused(v):
    try:
        p = validate.as_probability("density", v)
    except ValueError as exc:
        assert "density" in str(exc)
    else:
        assert 0 < p <= 1


@settings(max_examples=40, deadline=None)
@given(st.one_of(st.lists(st.integers(-3, 5), max_size=5), st.text(max_size=3), st.integers()))
def test_widths_are_positive_integers_or_refused(v):
    try:
        w = validate.as_widths("widths", v, min_len=2)
    except ValueError as exc:
        assert "widths" in str(exc)
    else:
        assert len(w) >= 2 and all(isinstance(k, int) and k >= 1 for k in w)


@settings(max_examples=30, deadline=None)
@given(st.text(min_size=1, max_size=20), st.integers(0, 2**63 - 1))
def test_streams_depend_on_seed_and_name_only(name, seed):
    a = seeds.chapter_rng(name, default=seed).standard_normal(4)
    b = seeds.chapter_rng(name, default=seed).standard_normal(4)
    c = seeds.chapter_rng(name + "'", default=seed).standard_normal(4)
    assert np.array_equal(a, b) and not np.array_equal(a, c)
