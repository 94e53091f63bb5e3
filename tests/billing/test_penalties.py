"""billing.penalties: hand-computed cases at month and year boundaries, leap years and partial
payments (amounts worked out on paper, one line each). These rules do not extend to business
days, so the calendar alone decides; test_business_days.py has the rules that do."""

from datetime import date
from decimal import Decimal

import pytest

from billing.business_days import NO_CLOSURES
from billing.penalties import AmountDue, BillState, Rule, compute_amount_due, months_late

TAX = [
    Rule(kind="monthly_interest", percent=Decimal("1"), id=1, business_days=False),
    Rule(kind="percent_on_date", percent=Decimal("15"), month=10, day=1, id=2, business_days=False),
]
WATER = [Rule(kind="percent_after_due", percent=Decimal("10"), id=3, business_days=False)]
PARKING = [
    Rule(kind="fixed_after_days", amount=Decimal("10.00"), days=20, id=4, business_days=False),
    Rule(kind="fixed_after_days", amount=Decimal("20.00"), days=60, id=5, business_days=False),
]


def _due(state: BillState, rules: list[Rule], as_of: date) -> AmountDue:
    return compute_amount_due(state, rules, as_of, closed=NO_CLOSURES)


@pytest.mark.parametrize(
    ("due", "as_of", "months"),
    [
        (date(2026, 1, 31), date(2026, 1, 31), 0),  # paid on the due date
        (date(2026, 1, 31), date(2026, 2, 1), 1),  # one day late
        (date(2026, 1, 31), date(2026, 2, 28), 1),  # February, not a leap year
        (date(2026, 1, 31), date(2026, 3, 1), 2),
        (date(2028, 1, 31), date(2028, 2, 29), 1),  # leap day still month one
        (date(2028, 1, 31), date(2028, 3, 1), 2),
        (date(2026, 6, 30), date(2026, 7, 31), 1),  # month-end due date: July is month one
        (date(2026, 6, 30), date(2026, 8, 1), 2),
        (date(2026, 11, 20), date(2026, 12, 20), 1),  # mid-month due date: the same day next month
        (date(2026, 11, 20), date(2026, 12, 21), 2),
        (date(2026, 11, 20), date(2027, 1, 20), 2),  # across the year
        (date(2026, 6, 30), date(2027, 6, 30), 12),
        (date(2026, 6, 30), date(2027, 7, 1), 13),
    ],
)
def test_months_or_portions_thereof(due, as_of, months):
    assert months_late(due, as_of) == months


@pytest.mark.parametrize(
    ("as_of", "penalty", "interest"),
    [
        (date(2026, 1, 31), "0.00", "0.00"),  # on time
        (date(2026, 2, 1), "0.00", "12.35"),  # 1% of 1,234.56 = 12.3456 -> 12.35
        (date(2026, 3, 1), "0.00", "24.70"),  # each month rounded: 2 x 12.35
        (date(2026, 9, 30), "0.00", "98.80"),  # 8 x 12.35
        (date(2026, 10, 1), "185.18", "111.15"),  # 15% = 185.184 on Oct 1; 9 x 12.35
        (date(2027, 1, 2), "185.18", "148.20"),  # 12 x 12.35
    ],
)
def test_property_tax_first_installment(as_of, penalty, interest):
    state = BillState(due_date=date(2026, 1, 31), principal_balance=Decimal("1234.56"))
    due = _due(state, TAX, as_of)
    assert (due.penalty, due.interest) == (Decimal(penalty), Decimal(interest))
    assert due.total == Decimal("1234.56") + Decimal(penalty) + Decimal(interest)


def test_partial_payment_interest_is_charged_once_per_month():
    # given March 1 assessed 2 months of interest, and the payment left 500.00 principal
    state = BillState(
        due_date=date(2026, 1, 31),
        principal_balance=Decimal("500.00"),
        interest_months_assessed=2,
    )
    # then in May (month 4) only months 3 and 4 accrue, on what is still owed: 2% of 500
    due = _due(state, TAX, date(2026, 5, 15))
    assert due.new_interest == Decimal("10.00")
    assert due.interest_months == 4


def test_assessed_but_unpaid_amounts_are_still_owed():
    state = BillState(
        due_date=date(2026, 1, 31),
        principal_balance=Decimal("100.00"),
        penalty_balance=Decimal("15.00"),
        interest_balance=Decimal("3.00"),
        penalty_rules_assessed=frozenset({2}),
        interest_months_assessed=10,
    )
    due = _due(state, TAX, date(2026, 11, 30))
    assert (due.new_penalty, due.new_interest) == (Decimal("0.00"), Decimal("0.00"))
    assert due.total == Decimal("118.00")


def test_second_installment_penalty_the_same_october():
    state = BillState(due_date=date(2026, 6, 30), principal_balance=Decimal("1000.00"))
    due = _due(state, TAX, date(2026, 10, 1))
    # July, August, September, and October 1 begins month four
    assert (due.penalty, due.interest) == (Decimal("150.00"), Decimal("40.00"))


def test_delinquency_date_before_the_due_date_moves_to_next_year():
    state = BillState(due_date=date(2026, 11, 15), principal_balance=Decimal("200.00"))
    rules = [Rule(kind="percent_on_date", percent=Decimal("15"), month=10, day=1, id=9)]
    assert _due(state, rules, date(2026, 12, 1)).penalty == Decimal("0.00")
    assert _due(state, rules, date(2027, 10, 1)).penalty == Decimal("30.00")


@pytest.mark.parametrize(
    ("as_of", "penalty"),
    [(date(2026, 11, 20), "0.00"), (date(2026, 11, 21), "8.92"), (date(2027, 3, 1), "8.92")],
)
def test_water_late_penalty_after_the_due_date(as_of, penalty):
    state = BillState(due_date=date(2026, 11, 20), principal_balance=Decimal("89.15"))
    assert _due(state, WATER, as_of).penalty == Decimal(penalty)  # 8.915 -> 8.92


@pytest.mark.parametrize(
    ("as_of", "penalty"),
    [
        (date(2026, 3, 21), "0.00"),  # day 20 after the ticket
        (date(2026, 3, 22), "10.00"),  # day 21
        (date(2026, 4, 30), "10.00"),
        (date(2026, 5, 1), "30.00"),  # day 61
    ],
)
def test_parking_late_fees(as_of, penalty):
    state = BillState(due_date=date(2026, 3, 1), principal_balance=Decimal("30.00"))
    assert _due(state, PARKING, as_of).penalty == Decimal(penalty)


def test_no_late_fee_while_an_appeal_is_pending():
    # an appeal opened on day 10: the fees of days 21 and 61 never come while it is pending
    state = BillState(
        due_date=date(2026, 3, 1),
        principal_balance=Decimal("30.00"),
        appeal_opened_on=date(2026, 3, 11),
    )
    assert _due(state, PARKING, date(2026, 12, 1)).total == Decimal("30.00")


def test_fees_already_due_stay_due_when_an_appeal_opens():
    # opened on day 30: the day-21 fee had already fallen due; the day-61 one does not come
    state = BillState(
        due_date=date(2026, 3, 1),
        principal_balance=Decimal("30.00"),
        appeal_opened_on=date(2026, 3, 31),
    )
    assert _due(state, PARKING, date(2026, 12, 1)).penalty == Decimal("10.00")


@pytest.mark.parametrize(
    ("as_of", "penalty"),
    [
        (date(2026, 5, 1), "10.00"),  # would have been day 61, but 40 appeal days came between
        (date(2026, 6, 9), "10.00"),  # day 100 is day 60 of the moved schedule
        (date(2026, 6, 10), "30.00"),  # day 61 of it
    ],
)
def test_a_closed_appeal_moves_the_schedule_later(as_of, penalty):
    state = BillState(due_date=date(2026, 3, 1), principal_balance=Decimal("30.00"), appeal_days=40)
    assert _due(state, PARKING, as_of).penalty == Decimal(penalty)


def test_a_paid_bill_accrues_nothing():
    state = BillState(due_date=date(2026, 1, 31), principal_balance=Decimal("0.00"))
    assert _due(state, TAX, date(2027, 1, 1)).total == Decimal("0.00")
