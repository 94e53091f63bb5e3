"""billing.plans: the payment plan arithmetic (RPTL 1184), pure: schedules, late installment
interest and charges, the day a plan defaults; and the penalty engine's freeze and reversion."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing import penalties, plans
from billing.business_days import NO_CLOSURES

D = Decimal
ONE_PERCENT = [penalties.Rule(kind=penalties.MONTHLY_INTEREST, percent=D("1"), id=1)]


def test_a_schedule_puts_the_odd_cents_on_the_first_installments():
    # given $1,000.00 with $250.00 down, over 7 months from March 10, 2026
    rows = plans.schedule(
        total=D("1000.00"), down_payment=D("250.00"), installments=7, enrolled_on=date(2026, 3, 10)
    )
    # then $750.00 / 7 = $107.14 and 2 cents left: installments 1 and 2 are $107.15
    assert [(r.number, r.amount) for r in rows] == [
        (0, D("250.00")),
        (1, D("107.15")),
        (2, D("107.15")),
        (3, D("107.14")),
        (4, D("107.14")),
        (5, D("107.14")),
        (6, D("107.14")),
        (7, D("107.14")),
    ]
    assert sum(r.amount for r in rows) == D("1000.00")
    assert plans.extra_cent_installments([(r.number, r.amount) for r in rows]) == [1, 2]
    # and the down payment is due on enrolment, each installment the last day of a month
    assert rows[0].due_on == date(2026, 3, 10)
    assert [r.due_on for r in rows[1:4]] == [
        date(2026, 4, 30),
        date(2026, 5, 31),
        date(2026, 6, 30),
    ]


def test_due_dates_are_month_ends_through_february_and_a_leap_year():
    # given a plan enrolled on January 31, 2027, over 14 months
    rows = plans.schedule(
        total=D("1400.00"), down_payment=D("0"), installments=14, enrolled_on=date(2027, 1, 31)
    )
    # then no down payment row, and February has its 28 days, then 29 in 2028
    assert rows[0].number == 1
    assert rows[0].due_on == date(2027, 2, 28)
    assert rows[1].due_on == date(2027, 3, 31)
    assert rows[12].due_on == date(2028, 2, 29)


def test_the_down_payment_cap_is_rounded_down():
    assert plans.down_payment_cap(D("1000.03"), D("25")) == D("250.00")


@given(
    total_cents=st.integers(min_value=200, max_value=10**11),
    down_share=st.integers(min_value=0, max_value=25),
    count=st.integers(min_value=1, max_value=24),
)
def test_every_schedule_adds_up_and_no_installment_is_a_cent_off_another(
    total_cents, down_share, count
):
    total = D(total_cents) / 100
    down = plans.down_payment_cap(total, D(down_share))
    rows = plans.schedule(
        total=total, down_payment=down, installments=count, enrolled_on=date(2026, 1, 15)
    )
    monthly = [r.amount for r in rows if r.number > 0]
    assert sum(r.amount for r in rows) == total
    assert len(monthly) == count
    assert max(monthly) - min(monthly) <= D("0.01")
    assert monthly == sorted(monthly, reverse=True)  # the extra cents come first
    assert all(r.due_on.day >= 28 for r in rows if r.number > 0)


def test_late_interest_counts_months_or_portions_with_the_business_day_rule():
    # given an installment of $100.00 due Saturday January 31, 2026, unpaid
    due = date(2026, 1, 31)
    # then on Monday February 2 it is not late yet (the last day moves to Monday)
    assert not plans.is_late(due, date(2026, 2, 2), NO_CLOSURES)
    assert plans.late_interest(
        unpaid=D("100"), due_on=due, as_of=date(2026, 2, 2), percent=D("1"), closed=NO_CLOSURES
    ) == (D("0"), 0)
    # on Tuesday February 3 it owes one month: $1.00
    assert plans.late_interest(
        unpaid=D("100"), due_on=due, as_of=date(2026, 2, 3), percent=D("1"), closed=NO_CLOSURES
    ) == (D("1.00"), 1)
    # on March 31 (a Tuesday) still two months; April 1 starts the third
    assert plans.late_interest(
        unpaid=D("100.50"), due_on=due, as_of=date(2026, 4, 1), percent=D("1"), closed=NO_CLOSURES
    ) == (D("3.03"), 3)  # $1.005 rounds half-up to $1.01 each month
    # and months already assessed are not charged again
    assert plans.late_interest(
        unpaid=D("100"),
        due_on=due,
        as_of=date(2026, 4, 1),
        percent=D("1"),
        closed=NO_CLOSURES,
        months_assessed=2,
    ) == (D("1.00"), 3)


def test_the_late_charge_applies_after_fifteen_days_moved_to_a_business_day():
    due = date(2026, 4, 30)  # a Thursday; 15 days later is Friday May 15
    args = {"unpaid": D("107.15"), "due_on": due, "percent": D("5"), "after_days": 15}
    assert plans.late_charge(**args, as_of=date(2026, 5, 15), closed=NO_CLOSURES) == D("0")
    assert plans.late_charge(**args, as_of=date(2026, 5, 16), closed=NO_CLOSURES) == D("5.36")
    # with May 15 a closure, the last day without it is Monday May 18
    closed = frozenset({date(2026, 5, 15)})
    assert plans.late_charge_from(due, 15, closed) == date(2026, 5, 19)
    assert plans.late_charge(**args, as_of=date(2026, 5, 18), closed=closed) == D("0")


def test_a_plan_defaults_the_day_after_thirty_days_past_the_business_due_date():
    # due Saturday January 31, 2026: the last day is Monday February 2, +30 = March 4
    assert plans.default_from(date(2026, 1, 31), 30, NO_CLOSURES) == date(2026, 3, 5)


def test_the_last_day_to_cure_a_late_installment_moves_off_a_weekend_or_closed_day():
    # due Thursday April 30, 2026: +30 = Saturday May 30, moved to Monday June 1; default
    # from Tuesday June 2
    assert plans.default_from(date(2026, 4, 30), 30, NO_CLOSURES) == date(2026, 6, 2)
    # and a closure on that Monday moves it to Tuesday: default from Wednesday June 3
    closed = frozenset({date(2026, 6, 1)})
    assert plans.default_from(date(2026, 4, 30), 30, closed) == date(2026, 6, 3)


def test_money_fills_installments_oldest_first():
    assert plans.filled([D("250"), D("107.15"), D("107.15")], D("300")) == [
        D("250"),
        D("50"),
        D("0"),
    ]


def test_a_bill_in_a_plan_in_good_standing_accrues_nothing_after_enrolment():
    # given a $1,000.00 bill due January 31, 2026 enrolled on March 10 (two months late)
    state = penalties.BillState(
        due_date=date(2026, 1, 31),
        principal_balance=D("1000.00"),
        plan_enrolled_on=date(2026, 3, 10),
    )
    # then in June it still owes what it did on enrolment: two months of 1%
    due = penalties.compute_amount_due(state, ONE_PERCENT, date(2026, 6, 15), closed=NO_CLOSURES)
    assert due.total == D("1020.00")


def _paid_without_plan(payments, as_of):
    """A bill paid `payments` ((day, amount) pairs) without a plan: the engine step by step."""
    state = penalties.BillState(due_date=date(2026, 1, 31), principal_balance=D("1000.00"))
    principal_paid = []
    for day, amount in payments:
        due = penalties.compute_amount_due(state, ONE_PERCENT, day, closed=NO_CLOSURES)
        interest_paid = min(amount, due.interest)
        principal = amount - interest_paid
        principal_paid.append((day, principal))
        state = penalties.BillState(
            due_date=state.due_date,
            principal_balance=due.principal - principal,
            interest_balance=due.interest - interest_paid,
            interest_months_assessed=due.interest_months,
        )
    return penalties.compute_amount_due(state, ONE_PERCENT, as_of, closed=NO_CLOSURES), state


def test_a_defaulted_plan_owes_as_a_bill_paid_the_same_principal_on_the_same_days():
    # given a bill paid without a plan on three days (it assesses interest each time)
    days = [date(2026, 3, 10), date(2026, 4, 30), date(2026, 6, 30)]
    without, state = _paid_without_plan(
        [(days[0], D("270.00")), (days[1], D("120.00")), (days[2], D("110.00"))],
        date(2026, 9, 15),
    )
    # and the same bill in a plan that paid the same principal on the same days (the plan
    # assessed only the two months to enrolment, on March 10), then defaulted
    # (the principal each no-plan payment paid, read from the step-by-step run)
    _, paid_steps = _steps(days)
    plan_state = penalties.BillState(
        due_date=date(2026, 1, 31),
        principal_balance=D("1000.00") - sum(p for _, p in paid_steps),
        interest_months_assessed=2,
        plan_payments=tuple(paid_steps),
    )
    with_plan = penalties.compute_amount_due(
        plan_state, ONE_PERCENT, date(2026, 9, 15), closed=NO_CLOSURES
    )
    # then the plan bill owes the principal plus every month's interest the no-plan bill was
    # charged after enrolment, on the same principals
    charged_without = _interest_charged_after_month_two(days)
    assert with_plan.principal == state.principal_balance
    assert with_plan.new_interest == charged_without
    assert with_plan.interest_months == without.interest_months == 8


def _steps(days):
    """The no-plan run's principal paid per payment."""
    state = penalties.BillState(due_date=date(2026, 1, 31), principal_balance=D("1000.00"))
    out = []
    for day, amount in zip(days, [D("270.00"), D("120.00"), D("110.00")], strict=True):
        due = penalties.compute_amount_due(state, ONE_PERCENT, day, closed=NO_CLOSURES)
        interest_paid = min(amount, due.interest)
        out.append((day, amount - interest_paid))
        state = penalties.BillState(
            due_date=state.due_date,
            principal_balance=due.principal - (amount - interest_paid),
            interest_balance=due.interest - interest_paid,
            interest_months_assessed=due.interest_months,
        )
    return state, out


def _interest_charged_after_month_two(days):
    """Interest of months 3..8 of the no-plan run (through September 15): what was assessed
    at each later payment plus what is due at the end."""
    state = penalties.BillState(due_date=date(2026, 1, 31), principal_balance=D("1000.00"))
    total = D("0")
    for day, amount in zip(days, [D("270.00"), D("120.00"), D("110.00")], strict=True):
        due = penalties.compute_amount_due(state, ONE_PERCENT, day, closed=NO_CLOSURES)
        if day != days[0]:
            total += due.new_interest
        interest_paid = min(amount, due.interest)
        state = penalties.BillState(
            due_date=state.due_date,
            principal_balance=due.principal - (amount - interest_paid),
            interest_balance=due.interest - interest_paid,
            interest_months_assessed=due.interest_months,
        )
    end = penalties.compute_amount_due(state, ONE_PERCENT, date(2026, 9, 15), closed=NO_CLOSURES)
    return total + end.new_interest


def test_reversion_hand_computed():
    # given $1,000.00 due January 31, 2026, two months assessed on enrolment March 10, then the
    # plan paid $200.00 of principal on April 30 (month 3 began April 1) and defaulted
    state = penalties.BillState(
        due_date=date(2026, 1, 31),
        principal_balance=D("800.00"),
        interest_months_assessed=2,
        plan_payments=((date(2026, 4, 30), D("200.00")),),
    )
    # then on June 15 (month 5) it owes months 3 on $1,000.00 ($10.00) and 4-5 on $800.00
    # ($8.00 each): $26.00
    due = penalties.compute_amount_due(state, ONE_PERCENT, date(2026, 6, 15), closed=NO_CLOSURES)
    assert due.new_interest == D("26.00")
    assert due.total == D("826.00")


@given(
    rest_cents=st.integers(min_value=1, max_value=60),
    count=st.integers(min_value=1, max_value=24),
)
def test_a_tiny_total_makes_no_installment_of_nothing(rest_cents, count):
    # given a few cents left to split ($0.01 ... $0.60) into up to 24 installments
    rest = D(rest_cents) / 100
    if rest_cents < count:
        # then more installments than cents is refused, with how many it can make
        with pytest.raises(ValueError, match=f"at most {rest_cents} monthly installment"):
            plans.schedule(
                total=rest, down_payment=D(0), installments=count, enrolled_on=date(2026, 1, 5)
            )
        return
    # else every installment is at least a cent and they add up
    rows = plans.schedule(
        total=rest, down_payment=D(0), installments=count, enrolled_on=date(2026, 1, 5)
    )
    assert all(r.amount >= D("0.01") for r in rows)
    assert sum(r.amount for r in rows) == rest
