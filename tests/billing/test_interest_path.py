"""billing.penalties: what a bill owes does not depend on the path. Each month's interest is
rounded to the cent on its own, on the principal unpaid when that month began, and each penalty
event on its own, so interim part-payments change the total only by the principal they pay off
early, exactly as the schedule says."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from billing.business_days import legal_holidays, next_business_day
from billing.penalties import (
    FIXED_AFTER_DAYS,
    BillState,
    Rule,
    add_months,
    compute_amount_due,
    penalty_schedule,
)
from ledger.money import ZERO, to_cents

CLOSED = frozenset(day for day, _ in legal_holidays(range(2025, 2032)))
RULES = [
    Rule(kind="monthly_interest", percent=Decimal("1"), id=1),
    Rule(kind="percent_on_date", percent=Decimal("15"), month=10, day=1, id=2),
    Rule(kind="percent_after_due", percent=Decimal("5"), id=3),
    Rule(kind="fixed_after_days", amount=Decimal("10.00"), days=20, id=4),
]
TAX = RULES[:1]


def _visit(state: BillState, rules, day: date, amount: Decimal) -> tuple[BillState, Decimal]:
    """Pay up to `amount` on `day` as the counter does: assess what fell due, then apply
    penalty, interest, principal. Returns the bill after it and what was paid."""
    due = compute_amount_due(state, rules, day, closed=CLOSED)
    pay = min(amount, due.total)
    penalty_paid = min(pay, due.penalty)
    interest_paid = min(pay - penalty_paid, due.interest)
    principal_paid = pay - penalty_paid - interest_paid
    after = replace(
        state,
        principal_balance=due.principal - principal_paid,
        penalty_balance=due.penalty - penalty_paid,
        interest_balance=due.interest - interest_paid,
        penalty_rules_assessed=due.penalty_rules,
        interest_months_assessed=due.interest_months,
    )
    return after, pay


def test_the_issue_example_three_months_on_333_35_cost_the_same_either_way():
    # $333.35 due Tuesday July 21, 2026 at 1% a month: 3.33335 a month rounds to $3.33
    state = BillState(due_date=date(2026, 7, 21), principal_balance=Decimal("333.35"))
    # months begin Jul 22, Aug 22 and Sep 22 (Jul 21, Aug 21 and Sep 21 are business days)
    final = date(2026, 9, 22)
    # one visit at the end: three months at $3.33 (not 3% of 333.35 = 10.0005 -> $10.00)
    left_alone = compute_amount_due(state, TAX, final, closed=CLOSED)
    assert left_alone.interest == Decimal("9.99")
    assert left_alone.total == Decimal("343.34")
    # a visit each month paying that month's interest, then the rest
    visited, paid_one = _visit(state, TAX, date(2026, 7, 22), Decimal("3.33"))
    visited, paid_two = _visit(visited, TAX, date(2026, 8, 22), Decimal("3.33"))
    rest = compute_amount_due(visited, TAX, final, closed=CLOSED).total
    assert paid_one + paid_two + rest == Decimal("343.34")


def _charges_by_the_schedule(
    state: BillState, rules, visits: list[tuple[date, Decimal]], final: date
) -> Decimal:
    """What the schedule charges in all, worked out day by day from the due date: on the day a
    month of interest or a penalty falls due it is charged on the principal unpaid that day,
    each rounded to the cent; payments go to charges first, then to principal."""
    due_date = state.due_date
    month_end = (due_date + timedelta(days=1)).day == 1
    interest = next(r for r in rules if r.kind == "monthly_interest")
    month_starts = {
        next_business_day(add_months(due_date, k, month_end=month_end), CLOSED) + timedelta(days=1)
        for k in range(60)
    }
    penalties = penalty_schedule(due_date, rules, closed=CLOSED)
    paid_on = dict(visits)
    principal, unpaid_charges, charged = state.principal_balance, ZERO, ZERO
    day = due_date
    while day <= final:
        new = ZERO
        if day in month_starts:
            new += to_cents(principal * interest.percent / 100)
        for start, rule in penalties:
            if start == day:
                new += (
                    rule.amount
                    if rule.kind == FIXED_AFTER_DAYS
                    else to_cents(principal * rule.percent / 100)
                )
        if principal > 0:
            charged += new
            unpaid_charges += new
        amount = paid_on.get(day, ZERO)
        to_charges = min(amount, unpaid_charges)
        unpaid_charges -= to_charges
        principal -= amount - to_charges
        day += timedelta(days=1)
    return charged


@settings(max_examples=150, deadline=None)
@given(
    due=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)),
    principal=st.decimals(min_value="0.01", max_value="50000", places=2),
    visits=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=700), st.floats(min_value=0.001, max_value=0.9)
        ),
        max_size=6,
        unique_by=lambda visit: visit[0],
    ),
    final_after=st.integers(min_value=0, max_value=760),
)
def test_interim_payments_then_the_rest_cost_what_the_schedule_allows(
    due, principal, visits, final_after
):
    # given a bill, some part-payments on any days, then the rest paid off
    state = start = BillState(due_date=due, principal_balance=principal)
    final = due + timedelta(days=final_after)
    made = []
    for offset, share in sorted(visits):
        day = due + timedelta(days=offset)
        if day >= final:
            break
        owed = compute_amount_due(state, RULES, day, closed=CLOSED).total
        amount = min(max(to_cents(owed * Decimal(str(share))), Decimal("0.01")), owed)
        state, paid = _visit(state, RULES, day, amount)
        made.append((day, paid))
    state, rest = _visit(state, RULES, final, Decimal("1E12"))
    made.append((final, rest))
    # then it is paid off, and the total is the principal plus what the schedule charges
    assert compute_amount_due(state, RULES, final, closed=CLOSED).total == ZERO
    total = sum((paid for _, paid in made), ZERO)
    assert total == principal + _charges_by_the_schedule(start, RULES, made, final)


@settings(max_examples=100, deadline=None)
@given(
    due=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)),
    principal=st.decimals(min_value="0.01", max_value="50000", places=2),
    days=st.sets(st.integers(min_value=1, max_value=700), max_size=8),
)
def test_paying_only_what_accrued_along_the_way_costs_the_same_as_one_visit(due, principal, days):
    # given visits that pay only the penalty and interest owed (never principal)
    final = due + timedelta(days=730)
    state = start = BillState(due_date=due, principal_balance=principal)
    paid = ZERO
    for offset in sorted(days):
        owed = compute_amount_due(state, RULES, due + timedelta(days=offset), closed=CLOSED)
        state, amount = _visit(
            state, RULES, due + timedelta(days=offset), owed.penalty + owed.interest
        )
        paid += amount
    # then the visits and the rest cost exactly what one visit at the end costs
    rest = compute_amount_due(state, RULES, final, closed=CLOSED).total
    assert paid + rest == compute_amount_due(start, RULES, final, closed=CLOSED).total
