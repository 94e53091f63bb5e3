"""payments.services.payment_record and interest: two identical bills cost the same whether the
customer came once or made small payments in between (each month's interest is rounded to the
cent on its own), and a payment names the penalty events it assessed."""

import uuid
from datetime import date
from decimal import Decimal

from billing.models import BillType, PenaltyRule
from payments.services import BillItem, payment_record
from tests.payments.conftest import cash, issue

D = Decimal


def _pay(drawer, clerk, bill, amount: str, as_of: date):
    return payment_record(
        drawer=drawer,
        items=[BillItem(bill.pk, D(amount))],
        tenders=[cash(amount)],
        token=uuid.uuid4(),
        by=clerk,
        as_of=as_of,
    )


def test_two_bills_of_333_35_cost_the_same_with_or_without_interim_visits(
    drawer, clerk, dana, supervisor
):
    # given two $333.35 tax bills due Tuesday July 21, 2026 (1% a month: $3.33 a month)
    once = issue(dana, supervisor, amount="333.35", due=date(2026, 7, 21))
    often = issue(dana, supervisor, amount="333.35", due=date(2026, 7, 21))
    # when one is paid off in month three (from September 22) in one visit
    paid_once = _pay(drawer, clerk, once, "343.34", date(2026, 9, 22))
    # and the other gets the month's interest paid in months one and two, then the rest
    first = _pay(drawer, clerk, often, "3.33", date(2026, 7, 22))
    second = _pay(drawer, clerk, often, "3.33", date(2026, 8, 22))
    rest = _pay(drawer, clerk, often, "336.68", date(2026, 9, 22))
    # then both cost 333.35 + 3 x 3.33, and both bills are paid off
    assert paid_once.items.get().interest_assessed == D("9.99")
    assert [p.items.get().interest_assessed for p in (first, second, rest)] == [D("3.33")] * 3
    assert paid_once.total == first.total + second.total + rest.total == D("343.34")
    once.refresh_from_db()
    often.refresh_from_db()
    assert once.balance == often.balance == D("0.00")


def test_a_payment_names_the_penalty_events_it_assessed(drawer, clerk, dana, supervisor):
    # given a tax bill unpaid past its October 1 penalty
    bill = issue(dana, supervisor, amount="1000.00", due=date(2026, 1, 31))
    # when part of it is paid
    payment = _pay(drawer, clerk, bill, "200.00", date(2026, 10, 5))
    # then the October rule is recorded as assessed by this payment's entry, once
    october = PenaltyRule.objects.get(bill_type=BillType.PROPERTY_TAX, kind="percent_on_date")
    assert [(a.rule_id, a.entry_id) for a in bill.penalty_assessments.all()] == [
        (october.pk, payment.entry_id)
    ]
    assert payment.items.get().penalty_assessed == D("150.00")
    later = _pay(drawer, clerk, bill, "100.00", date(2026, 11, 5))
    assert later.items.get().penalty_assessed == D("0.00")
    assert bill.penalty_assessments.count() == 1
