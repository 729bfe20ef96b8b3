"""Verdicts for the book's numerical checks.

Every check turns a claim into something that can fail: it computes the measured value, the
prediction and the *margin* (how much room the claim had; negative means it failed), returns a
:class:`Record`, shows one readable line, and raises ``AssertionError`` when the claim fails.

Tolerances are never picked by hand. Deterministic checks state their floating-point slack;
statistical checks take a false-fail probability ``delta`` (the chance that a true claim fails on
a fresh seed) and derive the tolerance from it and the sample size:

* ``support=(lo, hi)`` known: Hoeffding's inequality, valid at every sample size;
* otherwise the normal approximation with the sample standard deviation (labelled ``CLT``);
  for skewed samples (squared errors, lengths) ``mean_equals(..., skew=True)`` uses Hall's
  (1992) skewness-corrected Student statistic instead, whose tails are right to second order;
* proportions: the exact binomial tail;
* rates: a least-squares slope on log-log axes with its Student-t interval at level ``1 - delta``.

The records of the running kernel are kept in :data:`RECORDS`; :func:`table` shows them as the
chapter's closing table and :func:`family_rate` adds up the false-fail rates (a union bound).
"""
from __future__ import annotations

import html
import json
import math
from dataclasses import asdict, dataclass
from typing import Sequence

import numpy as np

from .validate import as_array, as_choice, as_float, as_int, as_probability

__all__ = [
    "DEFAULT_DELTA",
    "RECORDS",
    "Record",
    "exact",
    "bound",
    "mean_bound",
    "mean_equals",
    "proportion",
    "rate",
    "monotone",
    "table",
    "family_rate",
    "reset",
]

DEFAULT_DELTA = 1e-4
RECORDS: list["Record"] = []


@dataclass(frozen=True)
class Record:
    """One check: what was claimed, where, what was measured and predicted, and the verdict."""

    claim: str
    source: str
    statement: str
    measured: str
    predicted: str
    margin: str
    passed: bool
    method: str
    delta: float = 0.0  # false-fail probability of a statistical check; 0 for exact ones

    @property
    def verdict(self) -> str:
        return "PASS" if self.passed else "FAIL"

    def line(self) -> str:
        mark = "\u2714" if self.passed else "\u2718"
        return (
            f"{mark} {self.verdict} [{self.claim}] {self.statement} | measured {self.measured}; "
            f"predicted {self.predicted}; margin {self.margin} ({self.method}; {self.source})"
        )

    def to_json(self) -> str:
        return json.dumps(asdict(self) | {"verdict": self.verdict}, ensure_ascii=False)

    def _ipython_display_(self) -> None:
        """Show nothing: the verdict was displayed when the check ran (a record left as a cell's
        last value would otherwise appear, and enter the claims ledger, twice)."""

    def to_html(self) -> str:
        """The verdict as HTML, carrying the record as JSON for the claims ledger."""
        e = html.escape
        cls = "claim-pass" if self.passed else "claim-fail"
        mark = "\u2714" if self.passed else "\u2718"
        return (
            f'<div class="claim-check {cls}" data-claim="{e(self.to_json(), quote=True)}">'
            f'<span class="claim-verdict">{mark} {self.verdict}</span> '
            f'<code class="claim-id">{e(self.claim)}</code> {e(self.statement)}<br>'
            f'<span class="claim-numbers">measured {e(self.measured)}; predicted {e(self.predicted)}; '
            f"margin {e(self.margin)}</span> "
            f'<span class="claim-source">({e(self.method)}; {e(self.source)})</span></div>'
        )


def fmt(x) -> str:
    """Short human form of a number (4 significant digits)."""
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, (int, np.integer)):
        return str(int(x))
    x = float(x)
    if x == 0:
        return "0"
    if math.isinf(x) or math.isnan(x):
        return str(x)
    if 1e-3 <= abs(x) < 1e5:
        return f"{x:.4g}"
    return f"{x:.3e}"


def _emit(rec: Record) -> Record:
    RECORDS.append(rec)
    shown = False
    try:
        from IPython import get_ipython
        from IPython.display import display

        if get_ipython() is not None:
            display({"text/plain": rec.line(), "text/html": rec.to_html()}, raw=True)
            shown = True
    except ImportError:  # pragma: no cover
        pass
    if not shown:
        print(rec.line())
    if not rec.passed:
        raise AssertionError(rec.line())
    return rec


def _text(name: str, value) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{name} must be a non-empty string; got {value!r}")
    return value.strip()


def _delta(delta) -> float:
    return as_float("delta", delta, min=0.0, max=0.5, strict_min=True)


def exact(claim, measured, predicted, *, source, statement, atol=0.0, rtol=0.0) -> Record:
    """An identity: ``max |measured - predicted| <= atol + rtol * max |predicted|``.

    Use ``atol = rtol = 0`` for exact (integer or rational) identities; otherwise state the
    floating-point slack and why it suffices.
    """
    m = as_array("measured", measured, nonempty=True)
    p = as_array("predicted", predicted, nonempty=True)
    try:
        diff = float(np.max(np.abs(np.broadcast_to(m, np.broadcast_shapes(m.shape, p.shape)) - p)))
    except ValueError as exc:
        raise ValueError(f"measured and predicted must have compatible shapes; got {m.shape} and {p.shape}") from exc
    atol = as_float("atol", atol, min=0.0)
    rtol = as_float("rtol", rtol, min=0.0)
    tol = atol + rtol * float(np.max(np.abs(p)))
    meas = fmt(m.item()) if m.size == 1 else f"max|diff| {fmt(diff)} over {m.size} entries"
    pred = fmt(p.item()) if p.size == 1 else f"{p.size} values"
    slack = "exact" if tol == 0 else f"|diff| <= {fmt(tol)}"
    return _emit(Record(_text("claim", claim), _text("source", source), _text("statement", statement),
                        meas, pred, fmt(tol - diff), diff <= tol, slack))


def bound(claim, measured, bound, *, source, statement, side="upper", slack=0.0) -> Record:
    """A deterministic inequality: every entry of ``measured`` is ``<= bound + slack`` (``side='upper'``)
    or ``>= bound - slack`` (``side='lower'``). ``bound`` broadcasts against ``measured``."""
    as_choice("side", side, ("upper", "lower"))
    m = as_array("measured", measured)
    b = as_array("bound", bound)
    slack = as_float("slack", slack, min=0.0)
    try:
        room = (b + slack - m) if side == "upper" else (m - b + slack)
    except ValueError as exc:
        raise ValueError(f"measured and bound must have compatible shapes; got {m.shape} and {b.shape}") from exc
    worst = int(np.argmin(room))
    margin = float(room.flat[worst])
    mb = np.broadcast_to(m, room.shape).flat[worst]
    bb = np.broadcast_to(b, room.shape).flat[worst]
    op = "<=" if side == "upper" else ">="
    where = "" if room.size == 1 else f" (tightest of {room.size})"
    return _emit(Record(_text("claim", claim), _text("source", source), _text("statement", statement),
                        fmt(mb) + where, f"{op} {fmt(bb)}", fmt(margin), margin >= 0,
                        "deterministic" + (f", slack {fmt(slack)}" if slack else "")))


def _deviation(x: np.ndarray, delta: float, support) -> tuple[float, str]:
    n = x.size
    if support is not None:
        lo, hi = (as_float("support[0]", support[0]), as_float("support[1]", support[1]))
        if not lo < hi:
            raise ValueError(f"support must be (lo, hi) with lo < hi; got {support!r}")
        if x.min() < lo or x.max() > hi:
            raise ValueError(f"samples must lie in support {support!r}; got range [{x.min()}, {x.max()}]")
        return (hi - lo) * math.sqrt(math.log(1.0 / delta) / (2.0 * n)), f"Hoeffding, n={n}, delta={delta:g}"
    if n < 30:
        raise ValueError(f"samples must number at least 30 for the normal approximation (or give support); got {n}")
    from scipy.stats import norm

    s = float(np.std(x, ddof=1))
    return float(norm.isf(delta)) * s / math.sqrt(n), f"CLT, n={n}, delta={delta:g}"


def mean_bound(claim, samples, bound, *, source, statement, side="upper", delta=DEFAULT_DELTA, support=None) -> Record:
    """A bound on a mean: the true mean is ``<= bound`` (``side='upper'``) or ``>= bound``.

    Fails only when the sample mean is beyond ``bound`` by more than the deviation allowed at
    false-fail probability ``delta``; the margin is that allowance minus the excess.
    """
    as_choice("side", side, ("upper", "lower"))
    x = as_array("samples", samples).ravel()
    b = as_float("bound", bound)
    d = _delta(delta)
    t, method = _deviation(x, d, support)
    mean = float(x.mean())
    margin = (b + t - mean) if side == "upper" else (mean - b + t)
    op = "<=" if side == "upper" else ">="
    return _emit(Record(_text("claim", claim), _text("source", source), _text("statement", statement),
                        f"mean {fmt(mean)} (allowance {fmt(t)})", f"{op} {fmt(b)}", fmt(margin), margin >= 0, method, d))


def _hall_interval(x: np.ndarray, delta: float) -> tuple[float, float]:
    """Two-sided interval for the mean at level ``1 - delta`` from Hall's transformation.

    With ``T = sqrt(n)(mean - mu)/s`` and sample skewness ``g``, Hall (1992, J. R. Stat. Soc. B 54,
    221-228) shows that ``T + g(1 + 2T^2)/(6 sqrt n) + g^2 T^3/(27 n)`` is N(0, 1) up to O(1/n),
    where the plain ``T`` is off by O(1/sqrt n) in the tails for skewed data. The map is monotone
    and has the closed-form inverse used here.
    """
    from scipy.stats import norm

    n = x.size
    mean, s = float(x.mean()), float(np.std(x, ddof=1))
    if s == 0.0:
        return mean, mean
    g = float(np.mean((x - mean) ** 3) / np.std(x) ** 3)
    z = float(norm.isf(delta / 2.0))
    if abs(g) < 1e-12:
        ts = (-z, z)
    else:
        r = math.sqrt(n)
        ts = tuple(3 * r / g * (np.cbrt(1 + g / r * (c - g / (6 * r))) - 1) for c in (-z, z))
    lo, hi = sorted(float(mean - t * s / math.sqrt(n)) for t in ts)
    return lo, hi


def mean_equals(claim, samples, predicted, *, source, statement, delta=DEFAULT_DELTA, support=None,
                skew=False) -> Record:
    """A two-sided identity on a mean: ``|sample mean - predicted|`` within the deviation at ``delta``.

    ``skew=True`` replaces the normal approximation by Hall's skewness-corrected interval (for
    skewed samples such as squared errors; at least 30 samples, no ``support``).
    """
    x = as_array("samples", samples).ravel()
    p = as_float("predicted", predicted)
    d = _delta(delta)
    if skew:
        if support is not None:
            raise ValueError("skew must be False when support is given (Hoeffding needs no correction)")
        if x.size < 30:
            raise ValueError(f"samples must number at least 30 for the skew-corrected interval; got {x.size}")
        lo, hi = _hall_interval(x, d)
        mean = float(x.mean())
        margin = float(min(p - lo, hi - p))
        return _emit(Record(_text("claim", claim), _text("source", source), _text("statement", statement),
                            f"mean {fmt(mean)}", f"{fmt(p)} in [{fmt(lo)}, {fmt(hi)}]", fmt(margin), margin >= 0,
                            f"Hall skew-corrected t, n={x.size}, delta={d:g} two-sided", d))
    t, method = _deviation(x, d / 2.0, support)
    mean = float(x.mean())
    margin = t - abs(mean - p)
    return _emit(Record(_text("claim", claim), _text("source", source), _text("statement", statement),
                        f"mean {fmt(mean)}", f"{fmt(p)} +/- {fmt(t)}", fmt(margin), margin >= 0,
                        method.replace(f"delta={d / 2:g}", f"delta={d:g} two-sided"), d))


def proportion(claim, successes, trials, p, *, source, statement, side="upper", delta=DEFAULT_DELTA) -> Record:
    """A bound on a probability from ``successes`` out of ``trials`` (exact binomial tail).

    ``side='upper'`` claims the true probability is ``<= p``: it fails when
    ``P(Binomial(trials, p) >= successes) < delta``. ``side='lower'`` claims ``>= p``.
    The margin is reported as ``log10(tail / delta)``.
    """
    from scipy.stats import binom

    as_choice("side", side, ("upper", "lower"))
    n = as_int("trials", trials, min=1)
    k = as_int("successes", successes, min=0, max=n)
    p = as_probability("p", p, allow_zero=True)
    d = _delta(delta)
    tail = float(binom.sf(k - 1, n, p)) if side == "upper" else float(binom.cdf(k, n, p))
    margin = math.log10(max(tail, 1e-300) / d)
    op = "<=" if side == "upper" else ">="
    return _emit(Record(_text("claim", claim), _text("source", source), _text("statement", statement),
                        f"{k}/{n} = {fmt(k / n)}", f"{op} {fmt(p)}", f"log10(tail/delta) {fmt(margin)}",
                        tail >= d, f"exact binomial, delta={d:g}", d))


@dataclass(frozen=True)
class Fit:
    slope: float
    intercept: float
    halfwidth: float  # half-width of the slope's interval at level 1 - delta


def fit_loglog(x, y, delta=DEFAULT_DELTA) -> Fit:
    """Least-squares fit ``log y = intercept + slope log x`` with the slope's Student-t interval."""
    from scipy.stats import t as student_t

    x = as_array("x", x, ndim=1)
    y = as_array("y", y, shape=(x.size,))
    if x.size < 3:
        raise ValueError(f"x must hold at least 3 points to fit a rate with an interval; got {x.size}")
    if np.any(x <= 0) or np.any(y <= 0):
        raise ValueError("x and y must be positive to fit a rate on log-log axes")
    lx, ly = np.log(x), np.log(y)
    A = np.column_stack([np.ones_like(lx), lx])
    coef, *_ = np.linalg.lstsq(A, ly, rcond=None)
    resid = ly - A @ coef
    dof = x.size - 2
    s2 = float(resid @ resid) / dof
    sxx = float(((lx - lx.mean()) ** 2).sum())
    if sxx == 0:
        raise ValueError("x must take at least two distinct values")
    hw = float(student_t.isf(_delta(delta) / 2, dof)) * math.sqrt(s2 / sxx)
    return Fit(float(coef[1]), float(coef[0]), hw)


def rate(claim, x, y, predicted, *, source, statement, side="equal", delta=DEFAULT_DELTA, max_halfwidth=None) -> Record:
    """A power law ``y ~ x**slope`` fitted on log-log axes, with the slope's interval at ``1 - delta``.

    ``side='equal'``: the interval contains ``predicted``; ``'upper'``: slope ``<= predicted`` is not
    rejected; ``'lower'``: slope ``>= predicted`` is not rejected. ``max_halfwidth`` makes an
    inconclusive fit (interval too wide to say anything) a failure.
    """
    as_choice("side", side, ("equal", "upper", "lower"))
    p = as_float("predicted", predicted)
    d = _delta(delta)
    f = fit_loglog(x, y, d)
    if side == "equal":
        margin = f.halfwidth - abs(f.slope - p)
        pred = f"slope {fmt(p)}"
    elif side == "upper":
        margin = p - (f.slope - f.halfwidth)
        pred = f"slope <= {fmt(p)}"
    else:
        margin = (f.slope + f.halfwidth) - p
        pred = f"slope >= {fmt(p)}"
    ok = margin >= 0
    method = f"log-log least squares, {np.size(x)} points, t-interval at 1-{d:g}"
    if max_halfwidth is not None:
        mh = as_float("max_halfwidth", max_halfwidth, min=0.0, strict_min=True)
        margin = min(margin, mh - f.halfwidth)  # an interval too wide to decide is a failure
        ok = margin >= 0
        method += f", half-width <= {fmt(mh)}"
    return _emit(Record(_text("claim", claim), _text("source", source), _text("statement", statement),
                        f"slope {fmt(f.slope)} +/- {fmt(f.halfwidth)}", pred, fmt(margin), ok, method, d))


def monotone(claim, values, *, source, statement, increasing=True, slack=0.0) -> Record:
    """Each value is ``>=`` (``increasing``) or ``<=`` the one before, up to ``slack``."""
    v = as_array("values", values, ndim=1)
    if v.size < 2:
        raise ValueError(f"values must hold at least 2 entries; got {v.size}")
    slack = as_float("slack", slack, min=0.0)
    steps = np.diff(v) if increasing else -np.diff(v)
    margin = float(steps.min()) + slack
    word = "increasing" if increasing else "decreasing"
    return _emit(Record(_text("claim", claim), _text("source", source), _text("statement", statement),
                        f"smallest step {fmt(float(steps.min()))} over {v.size} values", word, fmt(margin), margin >= 0,
                        "deterministic" + (f", slack {fmt(slack)}" if slack else "")))


def family_rate(records: Sequence[Record] | None = None) -> float:
    """Union bound on the chance that any statistical check in ``records`` fails for a true claim."""
    return float(sum(r.delta for r in (RECORDS if records is None else records)))


def reset() -> None:
    """Forget the records of this kernel (used by tests)."""
    RECORDS.clear()


class _Table:
    def __init__(self, records):
        self.records = list(records)

    def __repr__(self) -> str:
        rows = [f"{r.verdict}  {r.claim:<18} {r.measured}  vs  {r.predicted}  ({r.source})" for r in self.records]
        rows.append(f"{sum(r.passed for r in self.records)}/{len(self.records)} passed; "
                    f"family-wise false-fail rate <= {fmt(family_rate(self.records))}")
        return "\n".join(rows)

    def _repr_html_(self) -> str:
        e = html.escape
        head = "".join(f"<th>{h}</th>" for h in ("claim", "source", "statement", "measured", "predicted", "verdict"))
        body = "".join(
            f"<tr><td><code>{e(r.claim)}</code></td><td>{e(r.source)}</td><td>{e(r.statement)}</td>"
            f"<td>{e(r.measured)}</td><td>{e(r.predicted)}</td><td>{r.verdict}</td></tr>"
            for r in self.records
        )
        foot = (f"<p>{sum(r.passed for r in self.records)} of {len(self.records)} checks passed; the chance that "
                f"any statistical check here fails for a true claim is at most {fmt(family_rate(self.records))} "
                "(union bound).</p>")
        return f'<table class="claims-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{foot}'


def table(records: Sequence[Record] | None = None) -> _Table:
    """The closing table of a chapter: every check run in this kernel (or the given records)."""
    return _Table(RECORDS if records is None else records)
