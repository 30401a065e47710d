"""Rebate amount for a volume under a tiered agreement.

Kept free of Odoo so the money rules can be read, tested and property-checked on their own;
the models only gather the volume and round the result with the agreement's currency.

A tier is a ``(threshold, rate)`` pair: the tier applies from ``threshold`` (in the units of the
volume: an amount or a quantity) and its ``rate`` is a percentage (5 means 5 %), except for the
``per_unit`` method where it is an amount per unit.

The two tiered methods differ in what the highest tier reached pays on. With tiers 10 % from 0
and 25 % from 1,000 and a volume of 2,000:

* ``retroactive`` pays the reached rate on the whole volume: 25 % x 2,000 = 500;
* ``incremental`` pays each slice at its own rate: 10 % x 1,000 + 25 % x 1,000 = 350.
"""

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

METHODS = ("flat", "per_unit", "retroactive", "incremental", "growth")

Tier = tuple[float, float]


@dataclass(frozen=True)
class RebateResult:
    """What an agreement earns for a volume, with enough detail to explain it to the customer."""

    amount: float  # after the minimum, before any cap (see rebate_due); not rounded
    tier_index: int | None  # highest tier reached, in threshold order; None when none counts
    rate: float  # rate of that tier, 0.0 when none


_NO_REBATE = RebateResult(amount=0.0, tier_index=None, rate=0.0)


def validate_tiers(tiers: Iterable[Tier], method: str) -> tuple[Tier, ...]:
    """Reject a tier table that would pay an ambiguous or absurd rebate.

    Returns the tiers as floats sorted by threshold, so that callers which accept any iterable
    (a generator, a recordset mapping) read it only once.
    """
    if method not in METHODS:
        raise ValueError(
            f"Unknown rebate method {method!r}; expected one of: {', '.join(METHODS)}."
        )
    sorted_tiers = tuple(sorted((float(threshold), float(rate)) for threshold, rate in tiers))
    if not sorted_tiers:
        raise ValueError("A rebate agreement needs at least one tier.")
    is_percentage = method != "per_unit"
    previous_threshold = None
    for threshold, rate in sorted_tiers:
        if threshold < 0:
            raise ValueError(f"A tier threshold cannot be negative (got {threshold:.15g}).")
        if rate < 0:
            raise ValueError(f"A tier rate cannot be negative (got {rate:.15g}).")
        if is_percentage and rate > 100:
            raise ValueError(
                f"The tier rate {rate:.15g} is a percentage, and a percentage cannot exceed 100."
            )
        if threshold == previous_threshold:
            raise ValueError(
                f"Two tiers share the threshold {threshold:.15g}; "
                "each tier needs its own threshold."
            )
        previous_threshold = threshold
    return sorted_tiers


def _reached_tier_index(tiers: tuple[Tier, ...], volume: float) -> int | None:
    """Index of the highest tier whose threshold the volume has reached, None below the first."""
    index = bisect_right([threshold for threshold, _rate in tiers], volume) - 1
    return index if index >= 0 else None


def _counted_volume(method: str, volume: float, baseline: float) -> float:
    """The volume thresholds are compared with: growth tiers reward only what beats the baseline."""
    if method == "growth":
        return max(volume - baseline, 0.0)
    return volume


def _incremental_rebate(tiers: tuple[Tier, ...], volume: float) -> float:
    """Sum of each slice between consecutive thresholds at its own tier's rate, in volume units."""
    upper_bounds = [threshold for threshold, _rate in tiers[1:]] + [float("inf")]
    total = 0.0
    for (threshold, rate), upper_bound in zip(tiers, upper_bounds, strict=True):
        slice_volume = min(volume, upper_bound) - threshold
        if slice_volume <= 0:
            break
        total += slice_volume * rate
    return total / 100


def compute_rebate(
    method: str,
    tiers: Iterable[Tier],
    volume: float,
    *,
    value: float | None = None,
    minimum_volume: float = 0.0,
    baseline: float = 0.0,
) -> RebateResult:
    """Rebate earned by ``volume`` under ``tiers`` with the given method.

    ``volume`` is what thresholds and the minimum are compared with; ``value`` is what the rate
    applies to (the amount, or the quantity for ``per_unit``) and defaults to ``volume``. When the
    agreement counts quantities but pays a percentage of the amount, the rebate worked out in
    volume units is scaled by ``value / volume``. A rebate is never negative: credit notes that
    outweigh invoices earn nothing rather than claw back. Caps are not applied here but in
    :func:`rebate_due`, the one place that knows both the period's and the agreement's.
    """
    sorted_tiers = validate_tiers(tiers, method)
    volume = float(volume)
    value = volume if value is None else float(value)
    if volume < 0 or volume < minimum_volume:
        return _NO_REBATE

    counted = _counted_volume(method, volume, baseline)
    tier_index = 0 if method == "flat" else _reached_tier_index(sorted_tiers, counted)
    if tier_index is None:
        return _NO_REBATE
    rate = sorted_tiers[tier_index][1]

    if method == "per_unit":
        amount = rate * value
    elif method in ("flat", "retroactive"):
        amount = rate * value / 100
    elif not volume:
        amount = 0.0
    else:
        in_volume_units = (
            _incremental_rebate(sorted_tiers, volume)
            if method == "incremental"
            else rate * counted / 100
        )
        # Scale through the effective rate (rebate per unit of volume, bounded by the highest
        # rate) so that a vanishing volume cannot overflow.
        amount = in_volume_units if value == volume else in_volume_units / volume * value
    return RebateResult(amount=max(amount, 0.0), tier_index=tier_index, rate=rate)


@dataclass(frozen=True)
class Terms:
    """The rebate terms of one agreement, as plain values: built once per agreement
    (``rebate.agreement._rebate_terms``) and handed to :func:`rebate_due`.

    ``basis`` says what the thresholds and the minimum count (``amount`` or ``quantity``);
    ``cap_period`` bounds the rebate of one period and ``cap_total`` that of the whole
    agreement (0: no cap). ``fixed_baseline`` is the stated baseline of a growth agreement,
    None when each period is measured against its own (the same period of the previous
    year). ``expected_basis`` accrues an open period at the tier it is expected to end in."""

    method: str
    tiers: tuple[Tier, ...]
    basis: str = "amount"
    minimum_volume: float = 0.0
    cap_period: float = 0.0
    cap_total: float = 0.0
    fixed_baseline: float | None = None
    expected_basis: bool = False

    def __post_init__(self):
        object.__setattr__(
            self, "tiers", tuple(sorted((float(t), float(r)) for t, r in self.tiers))
        )

    def volume(self, amount: float, quantity: float) -> float:
        """What the thresholds and the minimum count, of sales of ``amount`` and ``quantity``."""
        return quantity if self.basis == "quantity" else amount


@dataclass(frozen=True)
class PeriodFacts:
    """What the maths needs of a settlement period: its dates, its measured baseline (the
    same period of the previous year) and the volume finance expects it to end with (0:
    projected from the run rate)."""

    date_from: date
    date_to: date
    baseline_volume: float = 0.0
    expected_volume: float = 0.0


def period_baseline(terms: Terms, period: PeriodFacts | None) -> float:
    """The volume growth is measured above: 0 unless the method is growth."""
    if terms.method != "growth":
        return 0.0
    if terms.fixed_baseline is not None:
        return terms.fixed_baseline
    return period.baseline_volume if period is not None else 0.0


def projected_volume(period: PeriodFacts, volume_so_far: float, today: date) -> float:
    """The volume the period is expected to end with: the estimate entered, else the volume
    so far projected over the whole period at its run rate."""
    if period.expected_volume:
        return period.expected_volume
    if today < period.date_from:
        return volume_so_far
    elapsed = (min(today, period.date_to) - period.date_from).days + 1
    length = (period.date_to - period.date_from).days + 1
    return volume_so_far * length / elapsed


def _cap(amount: float, cap: float | None) -> float:
    """``amount`` bounded by ``cap`` (None: no cap; a cap used up leaves nothing)."""
    return amount if cap is None else min(amount, max(cap, 0.0))


def rebate_due(
    terms: Terms,
    volume: float,
    amount: float,
    quantity: float,
    *,
    period: PeriodFacts | None = None,
    today: date | None = None,
    other_periods_amount: float = 0.0,
) -> tuple[float, RebateResult]:
    """``(amount, result)``: the rebate due on sales of ``volume`` (what thresholds count),
    ``amount`` and ``quantity`` under ``terms``: tiers, minimum, growth baseline, expected
    basis, the period cap and what the agreement cap leaves once the other periods took
    ``other_periods_amount``; not rounded. ``result`` tells the tier and rate.

    On the expected basis (IFRS 15's most likely amount) a ``period`` still open on
    ``today`` accrues at the tier it is expected to end in, the effective rate of that
    tier applied to the value so far; once the period has ended (or without a period) its
    outcome decides (IFRS 15.59). Without tiers nothing is due."""
    if not terms.tiers:
        return 0.0, _NO_REBATE
    expected = None
    if (
        terms.expected_basis
        and period is not None
        and today is not None
        and today <= period.date_to
    ):
        expected = projected_volume(period, volume, today)
    return _due(
        terms,
        volume,
        quantity if terms.method == "per_unit" else amount,
        baseline=period_baseline(terms, period),
        expected_volume=expected,
        other_periods_amount=other_periods_amount,
    )


def _due(terms, volume, value, *, baseline, expected_volume, other_periods_amount):
    """The rebate due once the baseline and the expected volume are known (see rebate_due)."""
    if expected_volume is None:
        result = compute_rebate(
            terms.method,
            terms.tiers,
            volume,
            value=value,
            minimum_volume=terms.minimum_volume,
            baseline=baseline,
        )
        due = result.amount
    else:
        # The effective rate of the expected outcome, per unit of volume, applied to the
        # value so far. Worked out in volume units (the rebate is proportional to the value)
        # so that a vanishing volume cannot overflow; sales that net to nothing or less
        # earn nothing.
        result = compute_rebate(
            terms.method,
            terms.tiers,
            expected_volume,
            value=expected_volume,
            minimum_volume=terms.minimum_volume,
            baseline=baseline,
        )
        rate = result.amount / expected_volume if expected_volume > 0 else 0.0
        due = max(value, 0.0) * rate if volume > 0 else 0.0
    due = _cap(due, terms.cap_period or None)
    if terms.cap_total:
        due = _cap(due, terms.cap_total - other_periods_amount)
    return max(due, 0.0), result


def period_rebate(
    method: str,
    tiers: Iterable[Tier],
    volume: float,
    value: float,
    *,
    expected_volume: float | None = None,
    minimum_volume: float = 0.0,
    baseline: float = 0.0,
    cap_period: float = 0.0,
    cap_total: float = 0.0,
    other_periods_amount: float = 0.0,
) -> tuple[float, RebateResult]:
    """:func:`rebate_due` for loose arguments (``value`` is the amount, or the quantity for
    ``per_unit``; ``expected_volume`` replaces the projection, ``baseline`` is fixed)."""
    terms = Terms(
        method,
        tuple(tiers),
        minimum_volume=minimum_volume,
        cap_period=cap_period,
        cap_total=cap_total,
    )
    return _due(
        terms,
        volume,
        value,
        baseline=baseline,
        expected_volume=expected_volume,
        other_periods_amount=other_periods_amount,
    )


def tier_progress(
    tiers: Iterable[Tier],
    volume: float,
    baseline: float = 0.0,
    method: str = "retroactive",
) -> dict:
    """Where the volume stands between its tier and the next, to draw a progress bar.

    ``progress`` is the fraction of the way from the current tier's threshold (0 below the first
    tier) to the next threshold, 1.0 once the top tier is reached. A flat rate has no tier to
    climb, so it always reports the top.
    """
    sorted_tiers = validate_tiers(tiers, method)
    counted = max(_counted_volume(method, float(volume), baseline), 0.0)
    tier_index = 0 if method == "flat" else _reached_tier_index(sorted_tiers, counted)
    next_index = 0 if tier_index is None else tier_index + 1
    rate = 0.0 if tier_index is None else sorted_tiers[tier_index][1]

    if method == "flat" or next_index >= len(sorted_tiers):
        return {
            "tier_index": tier_index,
            "rate": rate,
            "next_threshold": None,
            "next_rate": None,
            "volume_to_next": 0.0,
            "progress": 1.0,
        }

    next_threshold, next_rate = sorted_tiers[next_index]
    floor = 0.0 if tier_index is None else sorted_tiers[tier_index][0]
    return {
        "tier_index": tier_index,
        "rate": rate,
        "next_threshold": next_threshold,
        "next_rate": next_rate,
        "volume_to_next": next_threshold - counted,
        # Thresholds are distinct and counted < next_threshold, so the span is never empty.
        "progress": (counted - floor) / (next_threshold - floor),
    }


def allocate(amount: float, round_amount, weights: list[float]) -> list[float]:
    """Split an amount over lines in proportion to their signed weights, each share rounded
    with `round_amount` (the currency's rounding), the last line taking the remainder so
    that the shares add up to the amount exactly. A negative line (a discount, a returned
    item) takes its own negative share: 1,000 and -100 at 2 % share 18 as 20 and -2.
    Weights that cancel out are split by size."""
    if not weights:
        return []
    total = sum(weights)
    if abs(total) < 1e-6:
        weights = [abs(weight) for weight in weights]
        total = sum(weights)
    if abs(total) < 1e-6:
        return [0.0] * (len(weights) - 1) + [round_amount(amount)]
    shares = [round_amount(amount * weight / total) for weight in weights[:-1]]
    shares.append(round_amount(amount - sum(shares)))
    return shares
