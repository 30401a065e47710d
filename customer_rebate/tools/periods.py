"""Settlement periods of a rebate agreement.

Periods follow the calendar (months, quarters from January, April, July and October, halves
from January and July, calendar years) so that settlements line up with the accounting periods
the customer and the books already use; only the first and last periods are clipped to the
agreement's dates.
"""

from datetime import date, timedelta

FREQUENCIES = ("monthly", "quarterly", "semiannual", "yearly", "end")

_MONTHS_PER_PERIOD = {"monthly": 1, "quarterly": 3, "semiannual": 6, "yearly": 12}


def _calendar_period_start(day: date, months_per_period: int) -> date:
    """First day of the calendar period that contains ``day``."""
    first_month = (day.month - 1) // months_per_period * months_per_period + 1
    return date(day.year, first_month, 1)


def _add_months(first_of_month: date, months: int) -> date:
    """First day of the month ``months`` after ``first_of_month``."""
    month_index = first_of_month.month - 1 + months
    return date(first_of_month.year + month_index // 12, month_index % 12 + 1, 1)


def split_periods(date_start: date, date_end: date, frequency: str) -> list[tuple[date, date]]:
    """Inclusive ``(first day, last day)`` periods covering exactly ``date_start``..``date_end``.

    The periods are contiguous and in order; ``"end"`` settles once, over the whole agreement.
    """
    if frequency not in FREQUENCIES:
        raise ValueError(
            f"Unknown settlement frequency {frequency!r}; expected one of: "
            f"{', '.join(FREQUENCIES)}."
        )
    if date_end < date_start:
        raise ValueError(
            f"The period ends ({date_end.isoformat()}) before it starts ({date_start.isoformat()})."
        )
    if frequency == "end":
        return [(date_start, date_end)]

    months_per_period = _MONTHS_PER_PERIOD[frequency]
    periods = []
    period_start = date_start
    while period_start <= date_end:
        next_start = _add_months(
            _calendar_period_start(period_start, months_per_period), months_per_period
        )
        period_end = min(next_start - timedelta(days=1), date_end)
        periods.append((period_start, period_end))
        period_start = next_start
    return periods


def _one_year_earlier(day: date) -> date:
    """The same day one year earlier; February 29 falls back to February 28."""
    try:
        return day.replace(year=day.year - 1)
    except ValueError:
        return day.replace(year=day.year - 1, day=28)


def previous_year_period(date_from: date, date_to: date) -> tuple[date, date]:
    """The same dates one year earlier, the baseline a growth rebate is measured against."""
    return _one_year_earlier(date_from), _one_year_earlier(date_to)
