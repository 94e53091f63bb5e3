"""billing.penalties with billing.business_days: a last day to pay that falls on a Saturday,
Sunday, legal holiday or office closure moves to the next business day (RPTL 925-a, General
Construction Law 25-a): the due date, each month's last day of "1% per month or portion
thereof", and the day before a dated penalty. Holidays are the `holidays` package's (US, NY)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.business_days import legal_holidays, next_business_day
from billing.penalties import BillState, Rule, add_months, compute_amount_due, penalty_schedule

CLOSED = frozenset(day for day, _ in legal_holidays(range(2025, 2032)))
TAX = [
    Rule(kind="monthly_interest", percent=Decimal("1"), id=1),
    Rule(kind="percent_on_date", percent=Decimal("15"), month=10, day=1, id=2),
]
WATER = [Rule(kind="percent_after_due", percent=Decimal("10"), id=3)]
PARKING = [
    Rule(kind="fixed_after_days", amount=Decimal("10.00"), days=20, id=4),
    Rule(kind="fixed_after_days", amount=Decimal("20.00"), days=60, id=5),
]
ALL_KINDS = [*TAX, *WATER, *PARKING]


def _interest(due: date, as_of: date, closed=CLOSED, rules=TAX) -> Decimal:
    state = BillState(due_date=due, principal_balance=Decimal("1000.00"))
    return compute_amount_due(state, rules, as_of, closed=closed).interest


def test_the_issue_example_due_saturday_paid_monday_owes_no_interest():
    # $1,000.00 due Saturday January 31, 2026, paid Monday February 2: $0.00, not $10.00
    assert _interest(date(2026, 1, 31), date(2026, 2, 2)) == Decimal("0.00")
    assert _interest(date(2026, 1, 31), date(2026, 2, 3)) == Decimal("10.00")


@pytest.mark.parametrize(
    ("due", "last_day", "why"),
    [
        (date(2026, 1, 31), date(2026, 2, 2), "Saturday: Monday"),
        (date(2026, 5, 31), date(2026, 6, 1), "Sunday: Monday"),
        (date(2026, 1, 1), date(2026, 1, 2), "New Year's Day (a Thursday): Friday"),
        (date(2027, 1, 1), date(2027, 1, 4), "New Year's Day on a Friday: past the weekend"),
        (date(2029, 7, 4), date(2029, 7, 5), "Independence Day (a Wednesday): Thursday"),
        (date(2027, 7, 4), date(2027, 7, 6), "Independence Day on a Sunday, observed Monday"),
        (date(2026, 7, 3), date(2026, 7, 6), "Friday July 3, observed for Saturday the 4th"),
        (date(2026, 1, 17), date(2026, 1, 20), "Saturday, then Martin Luther King Jr. Day"),
        (date(2026, 9, 5), date(2026, 9, 8), "Saturday, then Labor Day"),
        (date(2026, 11, 26), date(2026, 11, 27), "Thanksgiving: Friday"),
        (date(2026, 11, 20), date(2026, 11, 20), "an ordinary Friday stays"),
    ],
)
def test_a_due_date_on_a_closed_day_moves_to_the_next_business_day(due, last_day, why):
    # paid on the moved last day: no interest; the day after: one month
    assert _interest(due, last_day) == Decimal("0.00"), why
    assert _interest(due, last_day + timedelta(days=1)) == Decimal("10.00"), why


@pytest.mark.parametrize(
    ("due", "as_of", "interest"),
    [
        # due Sat Jan 31 (moved to Mon Feb 2); month one ends Sat Feb 28, moved to Mon Mar 2
        (date(2026, 1, 31), date(2026, 3, 2), "10.00"),
        (date(2026, 1, 31), date(2026, 3, 3), "20.00"),
        # due Thu Aug 20; month one ends Sun Sep 20, moved to Mon Sep 21
        (date(2026, 8, 20), date(2026, 9, 21), "10.00"),
        (date(2026, 8, 20), date(2026, 9, 22), "20.00"),
        # due Mon Oct 26; month one ends on Thanksgiving, Thu Nov 26, moved to Fri Nov 27
        (date(2026, 10, 26), date(2026, 11, 27), "10.00"),
        (date(2026, 10, 26), date(2026, 11, 28), "20.00"),
        # due Tue Mar 31; month two (May) ends Sun May 31 and moves to Mon Jun 1
        (date(2026, 3, 31), date(2026, 6, 1), "20.00"),
        (date(2026, 3, 31), date(2026, 6, 2), "30.00"),
    ],
)
def test_each_month_boundary_on_a_closed_day_moves_too(due, as_of, interest):
    assert _interest(due, as_of) == Decimal(interest)


def test_a_rule_that_does_not_extend_keeps_the_calendar_dates():
    rules = [Rule(kind="monthly_interest", percent=Decimal("1"), id=1, business_days=False)]
    assert _interest(date(2026, 1, 31), date(2026, 2, 2), rules=rules) == Decimal("10.00")
    assert _interest(date(2026, 1, 31), date(2026, 3, 1), rules=rules) == Decimal("20.00")


def test_an_office_closure_counts_like_a_holiday():
    # a snow day on Tuesday February 3, 2026, the due date: paying Wednesday is on time
    snow = CLOSED | {date(2026, 2, 3)}
    assert _interest(date(2026, 2, 3), date(2026, 2, 4), closed=snow) == Decimal("0.00")
    assert _interest(date(2026, 2, 3), date(2026, 2, 4)) == Decimal("10.00")


@pytest.mark.parametrize(
    ("due", "on_time", "late"),
    [
        # Sep 30, 2028 is a Saturday: the last day before the Oct 1 penalty moves to Mon Oct 2
        (date(2028, 1, 31), date(2028, 10, 2), date(2028, 10, 3)),
        # Sep 30, 2029 is a Sunday: Monday Oct 1 is still without it
        (date(2029, 1, 31), date(2029, 10, 1), date(2029, 10, 2)),
        # Sep 30, 2026 is a Wednesday: the penalty comes on October 1 as written
        (date(2026, 1, 31), date(2026, 9, 30), date(2026, 10, 1)),
    ],
)
def test_the_dated_penalty_waits_for_a_business_day(due, on_time, late):
    state = BillState(due_date=due, principal_balance=Decimal("1000.00"))
    rules = [TAX[1]]
    assert compute_amount_due(state, rules, on_time, closed=CLOSED).penalty == Decimal("0.00")
    assert compute_amount_due(state, rules, late, closed=CLOSED).penalty == Decimal("150.00")


@pytest.mark.parametrize(
    ("rules", "due", "on_time", "late", "penalty"),
    [
        # water due Sat Jun 20, 2026: the 10% after the due date from Tue Jun 23
        (WATER, date(2026, 6, 20), date(2026, 6, 22), date(2026, 6, 23), "100.00"),
        # a ticket of Sun Mar 1, 2026: day 20 is Sat Mar 21, so the $10 fee from Tue Mar 24
        (PARKING[:1], date(2026, 3, 1), date(2026, 3, 23), date(2026, 3, 24), "10.00"),
        # a ticket of Tue Nov 3, 2026 (Election Day): day 20 is Mon Nov 23, an open day
        (PARKING[:1], date(2026, 11, 3), date(2026, 11, 23), date(2026, 11, 24), "10.00"),
    ],
)
def test_late_fees_after_a_closed_last_day(rules, due, on_time, late, penalty):
    state = BillState(due_date=due, principal_balance=Decimal("1000.00"))
    assert compute_amount_due(state, rules, on_time, closed=CLOSED).penalty == Decimal("0.00")
    assert compute_amount_due(state, rules, late, closed=CLOSED).penalty == Decimal(penalty)


def _last_days(due: date) -> list[date]:
    """Every last day to pay at a lower rate under ALL_KINDS, as the calendar has them: the
    due date, the last day of each of 14 months, and the day before each penalty."""
    month_end = (due + timedelta(days=1)).day == 1
    days = [add_months(due, k, month_end=month_end) for k in range(14)]
    days += [start - timedelta(days=1) for start, _ in penalty_schedule(due, ALL_KINDS)]
    return days


@given(
    due=st.dates(min_value=date(2025, 1, 1), max_value=date(2029, 12, 31)),
    extra_closures=st.sets(st.dates(min_value=date(2025, 1, 1), max_value=date(2031, 12, 31))),
)
def test_paying_on_the_moved_last_day_costs_what_paying_on_the_last_day_would(due, extra_closures):
    # Whatever the kind of rule and whatever days are closed: paying on the next business day
    # after a last day costs exactly what paying on that last day costs.
    closed = CLOSED | frozenset(extra_closures)
    state = BillState(due_date=due, principal_balance=Decimal("1234.56"))
    for last in _last_days(due):
        moved = next_business_day(last, closed)
        on_last = compute_amount_due(state, ALL_KINDS, last, closed=closed)
        on_moved = compute_amount_due(state, ALL_KINDS, moved, closed=closed)
        assert on_moved.total == on_last.total, (last, moved)
