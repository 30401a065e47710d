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

METHODS = ("flat", "per_unit", "retroactive", "incremental", "growth")

Tier = tuple[float, float]


@dataclass(frozen=True)
class RebateResult:
    """What an agreement earns for a volume, with enough detail to explain it to the customer."""

    amount: float  # after minimum and cap; not rounded, the caller rounds with a currency
    uncapped: float  # the same before the cap, to show what the cap withheld
    tier_index: int | None  # highest tier reached, in threshold order; None when none counts
    rate: float  # rate of that tier, 0.0 when none
    capped: bool


_NO_REBATE = RebateResult(amount=0.0, uncapped=0.0, tier_index=None, rate=0.0, capped=False)


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
    cap: float | None = 0.0,
    baseline: float = 0.0,
) -> RebateResult:
    """Rebate earned by ``volume`` under ``tiers`` with the given method.

    ``volume`` is what thresholds and the minimum are compared with; ``value`` is what the rate
    applies to (the amount, or the quantity for ``per_unit``) and defaults to ``volume``. When the
    agreement counts quantities but pays a percentage of the amount, the rebate worked out in
    volume units is scaled by ``value / volume``. A rebate is never negative: credit notes that
    outweigh invoices earn nothing rather than claw back. ``cap`` of 0 or None means no cap.
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
        uncapped = rate * value
    elif method in ("flat", "retroactive"):
        uncapped = rate * value / 100
    elif not volume:
        uncapped = 0.0
    else:
        in_volume_units = (
            _incremental_rebate(sorted_tiers, volume)
            if method == "incremental"
            else rate * counted / 100
        )
        # Scale through the effective rate (rebate per unit of volume, bounded by the highest
        # rate) so that a vanishing volume cannot overflow.
        uncapped = in_volume_units if value == volume else in_volume_units / volume * value
    uncapped = max(uncapped, 0.0)

    capped = cap is not None and 0 < cap < uncapped
    return RebateResult(
        amount=float(cap) if capped else uncapped,
        uncapped=uncapped,
        tier_index=tier_index,
        rate=rate,
        capped=capped,
    )


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
    """``(amount, result)``: the rebate a settlement period has earned on its ``volume`` and
    ``value`` so far, after the period cap and what the agreement cap leaves once the other
    periods took ``other_periods_amount``; not rounded. ``result`` tells the tier and rate.

    With ``expected_volume`` (the expected accrual basis, IFRS 15's most likely amount) the
    tier is the one the period is expected to end in, and its effective rate applies to the
    value so far. Without it the volume so far decides: the attained basis, and any period
    that has ended, whose outcome replaces the estimate (IFRS 15.59)."""
    if expected_volume is None:
        result = compute_rebate(
            method, tiers, volume, value=value, minimum_volume=minimum_volume, baseline=baseline
        )
        amount = result.amount
    else:
        scale = value / volume if volume else 0.0
        expected_value = expected_volume * scale
        result = compute_rebate(
            method,
            tiers,
            expected_volume,
            value=expected_value,
            minimum_volume=minimum_volume,
            baseline=baseline,
        )
        ratio = result.amount / expected_value if expected_value else 0.0
        amount = max(value, 0.0) * ratio
    if cap_period:
        amount = min(amount, cap_period)
    if cap_total:
        amount = min(amount, max(cap_total - other_periods_amount, 0.0))
    return max(amount, 0.0), result


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
