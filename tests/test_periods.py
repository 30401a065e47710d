"""Settlement periods: calendar-aligned, clipped to the agreement, contiguous and complete."""

from datetime import date, timedelta
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.addons.customer_rebate.tools.periods import (
    FREQUENCIES,
    previous_year_period,
    split_periods,
)

# An agreement running a year from mid-March.
START = date(2025, 3, 15)
END = date(2026, 3, 14)


def test_monthly_periods_follow_calendar_months():
    periods = split_periods(START, END, "monthly")
    assert len(periods) == 13
    assert periods[0] == (date(2025, 3, 15), date(2025, 3, 31))
    assert periods[1] == (date(2025, 4, 1), date(2025, 4, 30))
    assert periods[9] == (date(2025, 12, 1), date(2025, 12, 31))
    assert periods[10] == (date(2026, 1, 1), date(2026, 1, 31))
    assert periods[11] == (date(2026, 2, 1), date(2026, 2, 28))
    assert periods[-1] == (date(2026, 3, 1), date(2026, 3, 14))


def test_quarterly_periods_start_in_january_april_july_october():
    assert split_periods(START, END, "quarterly") == [
        (date(2025, 3, 15), date(2025, 3, 31)),
        (date(2025, 4, 1), date(2025, 6, 30)),
        (date(2025, 7, 1), date(2025, 9, 30)),
        (date(2025, 10, 1), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2026, 3, 14)),
    ]


def test_semiannual_periods_start_in_january_and_july():
    assert split_periods(START, END, "semiannual") == [
        (date(2025, 3, 15), date(2025, 6, 30)),
        (date(2025, 7, 1), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2026, 3, 14)),
    ]


def test_yearly_periods_follow_calendar_years():
    assert split_periods(START, END, "yearly") == [
        (date(2025, 3, 15), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2026, 3, 14)),
    ]


def test_end_frequency_is_one_period_over_the_whole_range():
    assert split_periods(START, END, "end") == [(START, END)]


def test_full_calendar_year_in_quarters_is_not_clipped():
    assert split_periods(date(2025, 1, 1), date(2025, 12, 31), "quarterly") == [
        (date(2025, 1, 1), date(2025, 3, 31)),
        (date(2025, 4, 1), date(2025, 6, 30)),
        (date(2025, 7, 1), date(2025, 9, 30)),
        (date(2025, 10, 1), date(2025, 12, 31)),
    ]


def test_leap_year_february_ends_on_the_29th():
    periods = split_periods(date(2024, 2, 10), date(2024, 3, 5), "monthly")
    assert periods == [
        (date(2024, 2, 10), date(2024, 2, 29)),
        (date(2024, 3, 1), date(2024, 3, 5)),
    ]


def test_range_ending_on_leap_day():
    assert split_periods(date(2024, 1, 1), date(2024, 2, 29), "quarterly") == [
        (date(2024, 1, 1), date(2024, 2, 29)),
    ]


@pytest.mark.parametrize("frequency", FREQUENCIES)
def test_single_day_is_one_period(frequency):
    assert split_periods(date(2025, 6, 30), date(2025, 6, 30), frequency) == [
        (date(2025, 6, 30), date(2025, 6, 30)),
    ]


@pytest.mark.parametrize("frequency", FREQUENCIES)
def test_end_before_start_is_rejected(frequency):
    with pytest.raises(ValueError, match=r"ends .* before it starts"):
        split_periods(date(2025, 6, 30), date(2025, 6, 29), frequency)


def test_unknown_frequency_is_rejected():
    with pytest.raises(ValueError, match="Unknown settlement frequency 'weekly'"):
        split_periods(START, END, "weekly")


def test_previous_year_period_moves_both_dates_back_a_year():
    assert previous_year_period(START, END) == (date(2024, 3, 15), date(2025, 3, 14))


def test_previous_year_period_turns_leap_day_into_february_28():
    assert previous_year_period(date(2024, 2, 29), date(2024, 2, 29)) == (
        date(2023, 2, 28),
        date(2023, 2, 28),
    )
    assert previous_year_period(date(2024, 1, 1), date(2024, 2, 29)) == (
        date(2023, 1, 1),
        date(2023, 2, 28),
    )


def test_previous_year_period_into_a_leap_year_keeps_february_28():
    assert previous_year_period(date(2025, 2, 28), date(2025, 3, 1)) == (
        date(2024, 2, 28),
        date(2024, 3, 1),
    )


dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))

MONTHS_PER_PERIOD = {"monthly": 1, "quarterly": 3, "semiannual": 6, "yearly": 12}


def calendar_period(day, frequency):
    """Which calendar period of the frequency holds the day."""
    return day.year, (day.month - 1) // MONTHS_PER_PERIOD[frequency]


@settings(max_examples=200, deadline=None)
@given(
    first=dates,
    length=st.integers(min_value=0, max_value=1500),
    frequency=st.sampled_from(FREQUENCIES),
)
def test_periods_are_contiguous_and_cover_the_range(first, length, frequency):
    last = first + timedelta(days=length)
    periods = split_periods(first, last, frequency)
    assert periods[0][0] == first
    assert periods[-1][1] == last
    for (_previous_start, previous_end), (next_start, _next_end) in pairwise(periods):
        assert next_start == previous_end + timedelta(days=1)


@settings(max_examples=200, deadline=None)
@given(
    first=dates,
    length=st.integers(min_value=0, max_value=1500),
    frequency=st.sampled_from([f for f in FREQUENCIES if f != "end"]),
)
def test_each_period_is_one_whole_calendar_period_clipped_to_the_range(first, length, frequency):
    last = first + timedelta(days=length)
    for period_start, period_end in split_periods(first, last, frequency):
        assert calendar_period(period_start, frequency) == calendar_period(period_end, frequency)
        if period_start != first:
            assert calendar_period(period_start - timedelta(days=1), frequency) != (
                calendar_period(period_start, frequency)
            )
        if period_end != last:
            assert calendar_period(period_end + timedelta(days=1), frequency) != (
                calendar_period(period_end, frequency)
            )
