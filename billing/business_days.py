"""Business days of the office: weekends, legal holidays and closures, as pure functions.

A last day to pay that falls on a Saturday, Sunday or public holiday moves to the next business
day (NY RPTL 925-a; General Construction Law 25-a). The office's closed days other than weekends
are data (billing.models.Holiday), passed in as a set of dates so the arithmetic stays pure."""

from collections.abc import Iterable
from datetime import date, timedelta

import holidays as legal_holidays_package

# The dates the office calendar can hold: the years the app computes bills, rules and
# holidays for (rules take effect from 2000; the `holidays` package is well kept for these).
CALENDAR_FIRST = date(2000, 1, 1)
CALENDAR_LAST = date(2099, 12, 31)
# The years a new database is seeded with (an Admin adds later years the same way).
SEEDED_YEARS = range(2000, 2051)

NO_CLOSURES: frozenset[date] = frozenset()


def is_business_day(day: date, closed: frozenset[date]) -> bool:
    """True on a weekday that is not in `closed` (legal holidays and office closures)."""
    return day.weekday() < 5 and day not in closed


def next_business_day(day: date, closed: frozenset[date]) -> date:
    """`day` itself when the office is open that day, else the first open day after it."""
    while not is_business_day(day, closed):
        day += timedelta(days=1)
    return day


def legal_holidays(years: Iterable[int]) -> list[tuple[date, str]]:
    """New York State and federal legal holidays (the `holidays` package, country US,
    subdivision NY), with the days they are observed on, in date order: (date, name)."""
    calendar = legal_holidays_package.country_holidays("US", subdiv="NY", years=list(years))
    return sorted((day, name[:100]) for day, name in calendar.items())
