"""Rebate amounts per method, checked on worked examples and on properties over random tiers."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.addons.customer_rebate.tools import rebate_math
from odoo.addons.customer_rebate.tools.rebate_math import compute_rebate, tier_progress

# 10 % from 0 and 25 % from 1,000: the example of the module docstring.
TWO_TIERS = [(0, 10), (1000, 25)]
# Three tiers, given out of order on purpose: 2 % from 500, 5 % from 1,000, 8 % from 5,000.
THREE_TIERS = [(5000, 8), (500, 2), (1000, 5)]


# --- worked example -----------------------------------------------------------------------------


def test_worked_example_incremental_pays_each_slice_at_its_rate():
    assert compute_rebate("incremental", TWO_TIERS, 2000).amount == pytest.approx(350)


def test_worked_example_retroactive_pays_reached_rate_on_everything():
    assert compute_rebate("retroactive", TWO_TIERS, 2000).amount == pytest.approx(500)


# --- flat ---------------------------------------------------------------------------------------


def test_flat_pays_lowest_threshold_rate_whatever_the_volume():
    result = compute_rebate("flat", THREE_TIERS, 100)
    assert result.amount == pytest.approx(2)
    assert result.tier_index == 0
    assert result.rate == 2


def test_flat_ignores_higher_tiers():
    assert compute_rebate("flat", THREE_TIERS, 10_000).amount == pytest.approx(200)


def test_flat_applies_to_value():
    assert compute_rebate("flat", [(0, 5)], 10, value=400).amount == pytest.approx(20)


# --- per_unit -----------------------------------------------------------------------------------


def test_per_unit_pays_reached_amount_per_unit_without_percentage():
    result = compute_rebate("per_unit", [(0, 0.5), (100, 1.5)], 150)
    assert result.amount == pytest.approx(225)
    assert result.tier_index == 1
    assert result.rate == 1.5


def test_per_unit_below_first_threshold_pays_nothing():
    result = compute_rebate("per_unit", [(100, 1.5)], 99)
    assert result.amount == 0
    assert result.tier_index is None
    assert result.rate == 0.0


def test_per_unit_tiers_on_amount_pay_per_quantity():
    # Thresholds on the invoiced amount (volume 5,000), paid per unit sold (value 40 units).
    result = compute_rebate("per_unit", [(0, 1), (4000, 3)], 5000, value=40)
    assert result.amount == pytest.approx(120)


def test_per_unit_rate_above_hundred_is_allowed():
    assert compute_rebate("per_unit", [(0, 150)], 2).amount == pytest.approx(300)


# --- retroactive --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("volume", "tier_index", "rate", "amount"),
    [
        (499, None, 0.0, 0.0),
        (500, 0, 2, 10),
        (999.99, 0, 2, 19.9998),
        (1000, 1, 5, 50),
        (4999, 1, 5, 249.95),
        (5000, 2, 8, 400),
        (20_000, 2, 8, 1600),
    ],
)
def test_retroactive_pays_reached_rate_on_whole_volume(volume, tier_index, rate, amount):
    result = compute_rebate("retroactive", THREE_TIERS, volume)
    assert result.tier_index == tier_index
    assert result.rate == rate
    assert result.amount == pytest.approx(amount)


def test_retroactive_rate_applies_to_value_when_tiers_count_quantity():
    # 1,200 units reach the 5 % tier; the rebate is 5 % of the 30,000 invoiced.
    result = compute_rebate("retroactive", THREE_TIERS, 1200, value=30_000)
    assert result.amount == pytest.approx(1500)


# --- incremental --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("volume", "tier_index", "amount"),
    [
        (400, None, 0.0),
        (500, 0, 0.0),
        (800, 0, 6),  # 300 x 2 %
        (1000, 1, 10),  # 500 x 2 %
        (3000, 1, 110),  # 10 + 2,000 x 5 %
        (6000, 2, 290),  # 10 + 4,000 x 5 % + 1,000 x 8 %
    ],
)
def test_incremental_pays_each_slice_at_its_rate(volume, tier_index, amount):
    result = compute_rebate("incremental", THREE_TIERS, volume)
    assert result.tier_index == tier_index
    assert result.amount == pytest.approx(amount)


def test_incremental_reports_marginal_rate():
    assert compute_rebate("incremental", THREE_TIERS, 6000).rate == 8


def test_incremental_scales_with_value_over_volume():
    # Worked example counted in units (2,000 units earn 350 "unit-percent"), invoiced 6,000:
    # the same 17.5 % average rate applies to the amount.
    result = compute_rebate("incremental", TWO_TIERS, 2000, value=6000)
    assert result.amount == pytest.approx(1050)


def test_incremental_zero_volume_with_value_pays_nothing():
    assert compute_rebate("incremental", TWO_TIERS, 0, value=500).amount == 0


# --- growth -------------------------------------------------------------------------------------


def test_growth_pays_rate_on_growth_only():
    # 15,000 against 10,000 last year: growth 5,000 reaches 4 % from 2,000.
    result = compute_rebate("growth", [(0, 1), (2000, 4)], 15_000, baseline=10_000)
    assert result.tier_index == 1
    assert result.rate == 4
    assert result.amount == pytest.approx(200)


def test_growth_thresholds_compare_with_growth_not_volume():
    result = compute_rebate("growth", [(1000, 4)], 15_000, baseline=14_500)
    assert result.tier_index is None
    assert result.amount == 0


def test_growth_decline_pays_nothing():
    result = compute_rebate("growth", [(0, 3)], 8000, baseline=10_000)
    assert result.amount == 0
    assert result.tier_index == 0


def test_growth_without_baseline_pays_on_whole_volume():
    assert compute_rebate("growth", [(0, 3)], 8000).amount == pytest.approx(240)


def test_growth_scales_with_value_over_volume():
    # 300 units against 200: growth 100 units at 10 %, over an amount three times the volume.
    result = compute_rebate("growth", [(0, 10)], 300, value=900, baseline=200)
    assert result.amount == pytest.approx(30)


# --- minimum, cap, negative volume --------------------------------------------------------------


@pytest.mark.parametrize("method", rebate_math.METHODS)
def test_below_minimum_volume_pays_nothing(method):
    result = compute_rebate(method, [(0, 5)], 999, minimum_volume=1000)
    assert result == rebate_math.RebateResult(0.0, None, 0.0)


def test_minimum_volume_reached_pays_normally():
    assert compute_rebate("retroactive", [(0, 5)], 1000, minimum_volume=1000).amount == 50


def test_minimum_compares_with_volume_not_growth():
    result = compute_rebate("growth", [(0, 10)], 1500, minimum_volume=1000, baseline=1400)
    assert result.amount == pytest.approx(10)


def test_cap_limits_the_amount_due_and_the_result_keeps_what_the_tiers_earned():
    due, result = rebate_math.rebate_due(
        rebate_math.Terms("retroactive", TWO_TIERS, cap_period=300.0), 2000, 2000, 0
    )
    assert due == 300
    assert result.amount == pytest.approx(500)
    assert result.rate == 25


def test_cap_not_reached_leaves_the_amount():
    due, _result = rebate_math.rebate_due(
        rebate_math.Terms("retroactive", TWO_TIERS, cap_period=800.0), 2000, 2000, 0
    )
    assert due == pytest.approx(500)


def test_zero_cap_means_no_cap():
    due, _result = rebate_math.rebate_due(
        rebate_math.Terms("retroactive", TWO_TIERS, cap_period=0.0, cap_total=0.0), 2000, 2000, 0
    )
    assert due == pytest.approx(500)


@pytest.mark.parametrize("method", rebate_math.METHODS)
def test_negative_volume_pays_nothing(method):
    result = compute_rebate(method, [(0, 5)], -100)
    assert result.amount == 0
    assert result.tier_index is None


def test_negative_value_never_makes_a_negative_rebate():
    assert compute_rebate("retroactive", [(0, 5)], 100, value=-50).amount == 0


def test_tiers_may_be_a_generator():
    tiers = ((threshold, rate) for threshold, rate in TWO_TIERS)
    assert compute_rebate("incremental", tiers, 2000).amount == pytest.approx(350)


# --- validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "tiers", "message"),
    [
        ("volume", [(0, 5)], "Unknown rebate method 'volume'"),
        ("retroactive", [], "at least one tier"),
        ("retroactive", [(0, -1)], "rate cannot be negative"),
        ("per_unit", [(0, -0.5)], "rate cannot be negative"),
        ("incremental", [(-10, 5)], "threshold cannot be negative"),
        ("retroactive", [(1000, 5), (0, 2), (1000, 6)], "share the threshold 1000"),
        ("flat", [(0, 101)], "a percentage cannot exceed 100"),
        ("growth", [(0, 5), (100, 150)], "a percentage cannot exceed 100"),
    ],
)
def test_invalid_tiers_are_rejected(method, tiers, message):
    with pytest.raises(ValueError, match=message):
        rebate_math.validate_tiers(tiers, method)
    with pytest.raises(ValueError, match=message):
        compute_rebate(method, tiers, 100)


def test_validate_tiers_returns_tiers_sorted_by_threshold():
    assert rebate_math.validate_tiers(THREE_TIERS, "retroactive") == (
        (500.0, 2.0),
        (1000.0, 5.0),
        (5000.0, 8.0),
    )


def test_rate_of_exactly_hundred_percent_is_allowed():
    assert compute_rebate("retroactive", [(0, 100)], 80).amount == 80


# --- tier_progress ------------------------------------------------------------------------------


def test_progress_below_first_tier_counts_from_zero():
    assert tier_progress(THREE_TIERS, 250) == {
        "tier_index": None,
        "rate": 0.0,
        "next_threshold": 500.0,
        "next_rate": 2.0,
        "volume_to_next": 250.0,
        "progress": 0.5,
    }


def test_progress_between_tiers_counts_from_current_threshold():
    assert tier_progress(THREE_TIERS, 2000) == {
        "tier_index": 1,
        "rate": 5.0,
        "next_threshold": 5000.0,
        "next_rate": 8.0,
        "volume_to_next": 3000.0,
        "progress": 0.25,
    }


def test_progress_on_a_threshold_starts_the_next_bar():
    progress = tier_progress(THREE_TIERS, 1000)
    assert progress["tier_index"] == 1
    assert progress["progress"] == 0.0


def test_progress_at_top_tier_is_full():
    assert tier_progress(THREE_TIERS, 7000) == {
        "tier_index": 2,
        "rate": 8.0,
        "next_threshold": None,
        "next_rate": None,
        "volume_to_next": 0.0,
        "progress": 1.0,
    }


def test_progress_for_growth_compares_growth_with_thresholds():
    progress = tier_progress([(0, 1), (2000, 4)], 11_500, baseline=10_000, method="growth")
    assert progress["tier_index"] == 0
    assert progress["volume_to_next"] == 500
    assert progress["progress"] == pytest.approx(0.75)


def test_progress_for_growth_decline_starts_at_zero():
    progress = tier_progress([(1000, 4)], 9000, baseline=10_000, method="growth")
    assert progress["tier_index"] is None
    assert progress["volume_to_next"] == 1000
    assert progress["progress"] == 0.0


def test_progress_for_flat_rate_is_always_full():
    progress = tier_progress(THREE_TIERS, 10, method="flat")
    assert progress["tier_index"] == 0
    assert progress["rate"] == 2
    assert progress["next_threshold"] is None
    assert progress["progress"] == 1.0


def test_progress_rejects_invalid_tiers():
    with pytest.raises(ValueError, match="at least one tier"):
        tier_progress([], 100)


# --- properties ---------------------------------------------------------------------------------

amounts = st.floats(min_value=0, max_value=1e7, allow_nan=False, allow_infinity=False)
percentages = st.floats(min_value=0, max_value=100, allow_nan=False, allow_infinity=False)


@st.composite
def tier_tables(draw, rising_rates=False):
    """Distinct thresholds with rates, rising with the threshold when asked."""
    thresholds = sorted(draw(st.lists(amounts, min_size=1, max_size=6, unique=True)))
    rates = draw(st.lists(percentages, min_size=len(thresholds), max_size=len(thresholds)))
    if rising_rates:
        rates.sort()
    return list(zip(thresholds, rates, strict=True))


@settings(max_examples=200, deadline=None)
@given(tiers=tier_tables(rising_rates=True), volume=amounts)
def test_incremental_never_pays_more_than_retroactive_with_rising_rates(tiers, volume):
    incremental = compute_rebate("incremental", tiers, volume).amount
    retroactive = compute_rebate("retroactive", tiers, volume).amount
    assert incremental <= retroactive + 1e-9 * max(retroactive, 1.0)


@settings(max_examples=200, deadline=None)
@given(tiers=tier_tables(), volume=amounts, extra=amounts)
def test_incremental_is_non_decreasing_in_volume(tiers, volume, extra):
    lower = compute_rebate("incremental", tiers, volume).amount
    higher = compute_rebate("incremental", tiers, volume + extra).amount
    assert higher >= lower


@settings(max_examples=200, deadline=None)
@given(
    method=st.sampled_from(rebate_math.METHODS),
    tiers=tier_tables(),
    volume=amounts,
    value=amounts,
    baseline=amounts,
    cap=st.floats(min_value=0.01, max_value=1e6, allow_nan=False),
)
def test_cap_is_never_exceeded(*, method, tiers, volume, value, baseline, cap):
    due, result = rebate_math.period_rebate(
        method, tiers, volume, value, baseline=baseline, cap_period=cap
    )
    assert 0 <= due <= cap
    assert due == pytest.approx(min(result.amount, cap))


@settings(max_examples=200, deadline=None)
@given(tiers=tier_tables(), volume=amounts)
def test_retroactive_pays_reached_tier_rate_on_whole_volume(tiers, volume):
    result = compute_rebate("retroactive", tiers, volume)
    reached = [rate for threshold, rate in tiers if threshold <= volume]
    expected_rate = reached[-1] if reached else 0.0
    assert result.rate == expected_rate
    assert result.amount == pytest.approx(expected_rate * volume / 100)


# --- rebate_due: the one function of an agreement's terms -----------------------------------

from dataclasses import FrozenInstanceError, replace  # noqa: E402
from datetime import date, timedelta  # noqa: E402

from odoo.addons.customer_rebate.tools.rebate_math import (  # noqa: E402
    PeriodFacts,
    Terms,
    period_rebate,
    projected_volume,
    rebate_due,
)

QUARTER = PeriodFacts(date(2027, 1, 1), date(2027, 3, 31))
caps = st.one_of(st.just(0.0), st.floats(min_value=0.01, max_value=1e6, allow_nan=False))


@st.composite
def terms(draw, rising_rates=False, method=None):
    method = method or draw(st.sampled_from(rebate_math.METHODS))
    return Terms(
        method,
        tuple(draw(tier_tables(rising_rates=rising_rates))),
        basis=draw(st.sampled_from(("amount", "quantity"))),
        minimum_volume=draw(st.one_of(st.just(0.0), amounts)),
        cap_period=draw(caps),
        cap_total=draw(caps),
        fixed_baseline=draw(st.one_of(st.none(), amounts)),
        expected_basis=draw(st.booleans()),
    )


def test_terms_are_frozen_with_sorted_tiers():
    agreed = Terms("retroactive", THREE_TIERS)
    assert agreed.tiers == ((500.0, 2.0), (1000.0, 5.0), (5000.0, 8.0))
    with pytest.raises(FrozenInstanceError):
        agreed.cap_period = 10.0
    assert Terms("per_unit", TWO_TIERS, basis="quantity").volume(900.0, 12.0) == 12.0
    assert Terms("per_unit", TWO_TIERS).volume(900.0, 12.0) == 900.0


def test_no_tiers_nothing_due():
    assert rebate_due(Terms("retroactive", ()), 5000, 5000, 10) == (0.0, rebate_math._NO_REBATE)


def test_period_cap_and_what_the_agreement_cap_leaves():
    agreed = Terms("retroactive", TWO_TIERS, cap_period=400.0, cap_total=1000.0)
    assert rebate_due(agreed, 2000, 2000, 0)[0] == pytest.approx(400.0)
    assert rebate_due(agreed, 2000, 2000, 0, other_periods_amount=700.0)[0] == pytest.approx(300)
    assert rebate_due(agreed, 2000, 2000, 0, other_periods_amount=1200.0)[0] == 0.0


def test_growth_baseline_fixed_or_of_the_period():
    measured = PeriodFacts(date(2027, 1, 1), date(2027, 3, 31), baseline_volume=1500.0)
    fixed = Terms("growth", [(0, 10)], fixed_baseline=1000.0)
    assert rebate_due(fixed, 2000, 2000, 0, period=measured)[0] == pytest.approx(100.0)
    per_period = replace(fixed, fixed_baseline=None)
    assert rebate_due(per_period, 2000, 2000, 0, period=measured)[0] == pytest.approx(50.0)
    assert rebate_due(per_period, 2000, 2000, 0)[0] == pytest.approx(200.0), "no baseline"


def test_expected_basis_while_open_and_the_outcome_once_ended():
    agreed = Terms("per_unit", [(0, 2), (1001, 10)], basis="quantity", expected_basis=True)
    expected = replace(QUARTER, expected_volume=1200.0)
    open_day, ended = date(2027, 2, 1), date(2027, 4, 1)
    due, result = rebate_due(agreed, 575, 5750, 575, period=expected, today=open_day)
    assert (due, result.rate) == (5750.0, 10.0)
    due, result = rebate_due(agreed, 575, 5750, 575, period=expected, today=ended)
    assert (due, result.rate) == (1150.0, 2.0)
    # No estimate entered: the run rate, 575 over 31 of 90 days, projects 1,669 units.
    due, result = rebate_due(agreed, 575, 5750, 575, period=QUARTER, today=date(2027, 1, 31))
    assert result.rate == 10.0
    assert due == pytest.approx(5750.0)


def test_projection_from_the_run_rate():
    assert projected_volume(QUARTER, 300.0, date(2026, 12, 1)) == 300.0, "not started"
    assert projected_volume(QUARTER, 300.0, date(2027, 1, 30)) == pytest.approx(900.0)
    assert projected_volume(QUARTER, 300.0, date(2027, 6, 1)) == 300.0, "ended: as is"
    assert projected_volume(replace(QUARTER, expected_volume=50.0), 300.0, date(2027, 2, 1)) == 50


@settings(max_examples=300, deadline=None)
@given(
    agreed=terms(),
    volume=amounts,
    amount=amounts,
    quantity=amounts,
    other=amounts,
    baseline=amounts,
    expected=st.one_of(st.just(0.0), amounts),
    day=st.integers(min_value=-30, max_value=120),
)
def test_caps_are_never_exceeded(
    *, agreed, volume, amount, quantity, other, baseline, expected, day
):
    period = replace(QUARTER, baseline_volume=baseline, expected_volume=expected)
    today = QUARTER.date_from + timedelta(days=day)
    due, _result = rebate_due(
        agreed, volume, amount, quantity, period=period, today=today, other_periods_amount=other
    )
    assert due >= 0
    if agreed.cap_period:
        assert due <= agreed.cap_period
    if agreed.cap_total:
        assert due <= max(agreed.cap_total - other, 0.0)


@settings(max_examples=200, deadline=None)
@given(agreed=terms(), sales=st.lists(amounts, min_size=1, max_size=6))
def test_an_agreement_never_pays_more_than_its_cap_over_its_periods(agreed, sales):
    total = 0.0
    for volume in sales:
        due, _result = rebate_due(agreed, volume, volume, volume, other_periods_amount=total)
        total += due
    if agreed.cap_total:
        assert total <= agreed.cap_total * (1 + 1e-9)
    if agreed.cap_period:
        assert total <= agreed.cap_period * len(sales) * (1 + 1e-9)


@settings(max_examples=300, deadline=None)
@given(agreed=terms(rising_rates=True), volume=amounts, extra=amounts, baseline=amounts)
def test_with_rising_rates_more_sales_never_earn_less(agreed, volume, extra, baseline):
    """Every method, caps and minimum included, once the tiers' rates rise with the
    thresholds (with falling rates a retroactive rebate may drop when a tier is reached)."""
    agreed = replace(agreed, expected_basis=False)
    period = replace(QUARTER, baseline_volume=baseline)
    lower, _result = rebate_due(agreed, volume, volume, volume, period=period)
    higher, _result = rebate_due(
        agreed, volume + extra, volume + extra, volume + extra, period=period
    )
    assert higher >= lower * (1 - 1e-9)


@settings(max_examples=200, deadline=None)
@given(agreed=terms(method="incremental"), volume=amounts, extra=amounts)
def test_incremental_never_earns_less_on_more_sales_whatever_the_rates(agreed, volume, extra):
    agreed = replace(agreed, expected_basis=False)
    lower, _result = rebate_due(agreed, volume, volume, volume)
    higher, _result = rebate_due(agreed, volume + extra, volume + extra, volume + extra)
    assert higher >= lower * (1 - 1e-9)


@settings(max_examples=200, deadline=None)
@given(agreed=terms(), volume=amounts, baseline=amounts, day=st.integers(0, 400))
def test_expected_basis_agrees_with_the_outcome_when_the_period_ends_as_expected(
    agreed, volume, baseline, day
):
    """An estimate that comes true accrues what the outcome earns; an ended period always
    accrues its outcome."""
    attained = replace(agreed, expected_basis=False)
    expected = replace(agreed, expected_basis=True)
    today = QUARTER.date_from + timedelta(days=day)
    come_true = replace(QUARTER, baseline_volume=baseline, expected_volume=volume)
    outcome, _result = rebate_due(attained, volume, volume, volume, period=come_true, today=today)
    estimate, _result = rebate_due(expected, volume, volume, volume, period=come_true, today=today)
    assert estimate == pytest.approx(outcome, rel=1e-9, abs=1e-9)
    ended = replace(QUARTER, baseline_volume=baseline, expected_volume=volume * 2 + 1)
    after_end = QUARTER.date_to + timedelta(days=1 + day)
    assert rebate_due(expected, volume, volume, volume, period=ended, today=after_end) == (
        rebate_due(attained, volume, volume, volume, period=ended, today=after_end)
    )


@settings(max_examples=200, deadline=None)
@given(
    agreed=terms(),
    volume=amounts,
    value=amounts,
    baseline=amounts,
    expected=st.one_of(st.none(), st.floats(min_value=0.01, max_value=1e7, allow_nan=False)),
    other=amounts,
)
def test_period_rebate_is_rebate_due_with_loose_arguments(
    *, agreed, volume, value, baseline, expected, other
):
    """period_rebate takes the expected volume itself (an estimate entered, never the run
    rate) and a fixed baseline; otherwise the same function."""
    loose = period_rebate(
        agreed.method,
        agreed.tiers,
        volume,
        value,
        expected_volume=expected,
        minimum_volume=agreed.minimum_volume,
        baseline=baseline if agreed.method == "growth" else 0.0,
        cap_period=agreed.cap_period,
        cap_total=agreed.cap_total,
        other_periods_amount=other,
    )
    one = rebate_due(
        replace(agreed, fixed_baseline=baseline, expected_basis=expected is not None),
        volume,
        value,
        value,
        period=replace(QUARTER, expected_volume=expected) if expected else None,
        today=QUARTER.date_from,
        other_periods_amount=other,
    )
    assert loose == one


def _cents(value):
    return round(value, 2)


def test_allocate_worked_examples():
    # 1,000 and -100 at 2 %: 18 shared as 20 and -2.
    assert rebate_math.allocate(18.0, _cents, [1000.0, -100.0]) == [20.0, -2.0]
    # A third each, the last line takes the remainder.
    assert rebate_math.allocate(10.0, _cents, [1.0, 1.0, 1.0]) == [3.33, 3.33, 3.34]
    # Weights that cancel out are split by size.
    assert rebate_math.allocate(4.0, _cents, [50.0, -50.0]) == [2.0, 2.0]
    assert rebate_math.allocate(5.0, _cents, []) == []


@settings(max_examples=300, deadline=None)
@given(
    amount=st.decimals(min_value=-100000, max_value=100000, places=2).map(float),
    weights=st.lists(
        st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), min_size=1, max_size=30
    ),
)
def test_allocate_shares_add_up_to_the_cent(amount, weights):
    """The shares of a rebate over invoice lines always add up to the amount booked."""
    shares = rebate_math.allocate(amount, _cents, weights)
    assert len(shares) == len(weights)
    assert abs(sum(shares) - amount) < 0.005 + 1e-9 * len(shares)
    assert all(share == _cents(share) for share in shares)
