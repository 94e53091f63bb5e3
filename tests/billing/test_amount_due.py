"""billing.selectors.amount_due: a bill follows the rules in effect on its due date."""

from datetime import date
from decimal import Decimal

from billing.models import BillType, ChargeType, PenaltyRule
from billing.selectors import amount_due, with_amounts_due
from billing.services import Charge, bill_issue


def _water_bill(customer, by, number, due):
    return bill_issue(
        number=number,
        bill_type=BillType.WATER_SEWER,
        source="test",
        customer=customer,
        description="Water & sewer",
        issue_date=date(2026, 1, 5),
        due_date=due,
        charges=[Charge(ChargeType.objects.get(code="water"), Decimal("100.00"))],
        by=by,
    )


def test_a_rule_taking_effect_later_applies_to_bills_falling_due_after_it(reference, dana, clerk):
    # given the 10% water penalty, and from July 1 an extra 1% interest a month
    PenaltyRule.objects.create(
        bill_type=BillType.WATER_SEWER,
        kind="monthly_interest",
        percent=Decimal("1"),
        effective_from=date(2026, 7, 1),
    )
    before = _water_bill(dana, clerk, "W-BEFORE", date(2026, 2, 20))
    after = _water_bill(dana, clerk, "W-AFTER", date(2026, 8, 20))
    as_of = date(2026, 11, 26)
    assert amount_due(before, as_of).interest == Decimal("0.00")
    # August 21 to November 26: four months or portions
    assert amount_due(after, as_of).interest == Decimal("4.00")
    both = {o.bill.number: o.due.total for o in with_amounts_due([before, after], as_of)}
    assert both == {"W-BEFORE": Decimal("110.00"), "W-AFTER": Decimal("114.00")}


def test_the_demo_schedule_has_both_parking_late_fees(reference, dana, clerk):
    # $10 after 20 days and $20 more after 60: two rules of one kind, both kept
    assert PenaltyRule.objects.filter(bill_type=BillType.PARKING).count() == 2
    ticket = bill_issue(
        number="P-FEES",
        bill_type=BillType.PARKING,
        source="test",
        customer=dana,
        description="Parking ticket",
        issue_date=date(2026, 1, 5),
        due_date=date(2026, 1, 5),
        charges=[Charge(ChargeType.objects.get(code="parking_fine"), Decimal("20.00"))],
        by=clerk,
    )
    assert amount_due(ticket, date(2026, 3, 7)).penalty == Decimal("30.00")
