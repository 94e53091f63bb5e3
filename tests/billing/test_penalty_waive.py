"""billing.services.penalty_waive: assessed and waived in one entry, with the reason."""

from datetime import date
from decimal import Decimal

import pytest

from billing.errors import BillingError, NothingToWaive
from billing.models import BillType, ChargeType
from billing.selectors import amount_due
from billing.services import Charge, bill_issue
from ledger.models import JournalEntry
from ledger.selectors import ledger_violations, trial_balance


@pytest.fixture
def late_tax_bill(reference, dana, clerk):
    return bill_issue(
        number="T2026-00077-1",
        bill_type=BillType.PROPERTY_TAX,
        source="test",
        customer=dana,
        description="2026 city tax, installment 1 of 2",
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 1, 31),
        charges=[Charge(ChargeType.objects.get(code="city_tax"), Decimal("1000.00"))],
        by=clerk,
    )


def test_waiver_forgives_penalty_and_interest_and_posts_both_sides(late_tax_bill, supervisor):
    from billing.services import penalty_waive

    as_of = date(2026, 11, 26)
    # 15% penalty on Oct 1, and 10 months of 1% interest by November 26
    before = amount_due(late_tax_bill, as_of)
    assert (before.penalty, before.interest) == (Decimal("150.00"), Decimal("100.00"))

    waiver = penalty_waive(
        bill=late_tax_bill, reason="Bank error, letter on file", by=supervisor, as_of=as_of
    )

    late_tax_bill.refresh_from_db()
    assert (waiver.penalty, waiver.interest) == (Decimal("150.00"), Decimal("100.00"))
    assert late_tax_bill.balance == Decimal("1000.00")
    assert late_tax_bill.interest_months_assessed == 10
    # the October 1 penalty is named as assessed, by the waiver's entry
    assert [(a.rule.kind, a.entry_id) for a in late_tax_bill.penalty_assessments.all()] == [
        ("percent_on_date", waiver.entry_id)
    ]
    after = amount_due(late_tax_bill, as_of)
    assert after.total == Decimal("1000.00")
    # a month later interest runs again, but only for the new month
    assert amount_due(late_tax_bill, date(2026, 12, 1)).interest == Decimal("10.00")
    entry = JournalEntry.objects.get(source="penalty_waiver")
    assert entry.posted_by == supervisor
    revenue = {row.account.code: row.balance for row in trial_balance(book="live").rows}
    assert "4900" not in revenue or revenue["4900"] == 0
    assert ledger_violations() == []


def test_nothing_to_waive_and_a_reason_is_required(late_tax_bill, supervisor):
    from billing.services import penalty_waive

    with pytest.raises(NothingToWaive, match=r"owes no penalty or interest as of 01/15/2026\."):
        penalty_waive(bill=late_tax_bill, reason="Early", by=supervisor, as_of=date(2026, 1, 15))
    with pytest.raises(BillingError, match="Say why"):
        penalty_waive(bill=late_tax_bill, reason="  ", by=supervisor, as_of=date(2026, 11, 26))
