"""billing.services.bill_adjust: a Supervisor cancels or writes down a bill with a reason."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection, transaction

from billing.errors import BillingError
from billing.models import BillAdjustment, BillType, ChargeType
from billing.selectors import amount_due
from billing.services import Charge, bill_adjust, bill_issue
from ledger.models import JournalEntry
from ledger.selectors import ledger_violations, trial_balance

D = Decimal


def _issue(customer, by, number, bill_type, charges, *, issued, due):
    return bill_issue(
        number=number,
        bill_type=bill_type,
        source="test",
        customer=customer,
        description=f"Test {number}",
        issue_date=issued,
        due_date=due,
        charges=[Charge(ChargeType.objects.get(code=code), D(amount)) for code, amount in charges],
        by=by,
    )


def _entry_lines(adjustment) -> list[tuple[str, Decimal]]:
    return sorted(
        (line.account.code, line.amount)
        for line in adjustment.entry.lines.select_related("account")
    )


@pytest.fixture
def ticket(reference, dana, clerk):
    # A $30.00 ticket written on Jan 10, 2026: a $10.00 late fee 20 days later, $20.00 at 60.
    return _issue(
        dana,
        clerk,
        "P-7001",
        BillType.PARKING,
        [("parking_fine", "30.00")],
        issued=date(2026, 1, 10),
        due=date(2026, 1, 10),
    )


def test_a_ticket_whose_appeal_is_won_is_cancelled_to_nothing_owed(ticket, supervisor):
    as_of = date(2026, 4, 1)  # 81 days on: both late fees have fallen due
    assert amount_due(ticket, as_of).total == D("60.00")

    adjustment = bill_adjust(
        bill=ticket,
        kind="cancel",
        reason="appeal_won",
        note="Hearing of March 30: ticket dismissed",
        by=supervisor,
        token=uuid.uuid4(),
        as_of=as_of,
    )

    ticket.refresh_from_db()
    assert (ticket.balance, ticket.principal_balance, ticket.penalty_balance) == (0, 0, 0)
    assert amount_due(ticket, as_of).total == D("0.00")
    assert amount_due(ticket, date(2027, 12, 31)).total == D("0.00")  # nothing accrues again
    assert (adjustment.amount, adjustment.penalty, adjustment.interest, adjustment.principal) == (
        D("60.00"),
        D("30.00"),
        D("0.00"),
        D("30.00"),
    )
    assert adjustment.balance_after == 0 and not adjustment.written_off
    # The late fees are assessed (Dr 1220, Cr 4900 $30), then everything comes back out of
    # the revenue it was booked to: Dr 4900 $30, Dr 4200 $30, Cr 1220 $60.
    assert _entry_lines(adjustment) == [
        ("1220", D("-60.00")),
        ("1220", D("30.00")),
        ("4200", D("30.00")),
        ("4900", D("-30.00")),
        ("4900", D("30.00")),
    ]
    balances = {row.account.code: row.balance for row in trial_balance(book="live").rows}
    assert balances.get("1220", 0) == 0 and balances.get("4200", 0) == 0
    assert adjustment.entry.source == "bill_adjustment"
    assert "appeal won" in adjustment.entry.memo
    assert ledger_violations() == []


def test_a_write_down_takes_interest_first_and_a_court_order_goes_to_write_offs(
    reference, dana, clerk, supervisor
):
    bill = _issue(
        dana,
        clerk,
        "T-7002",
        BillType.PROPERTY_TAX,
        [("city_tax", "1000.00")],
        issued=date(2026, 1, 1),
        due=date(2026, 3, 31),
    )
    as_of = date(2026, 5, 15)  # April and part of May: 2 months of 1% = $20.00 interest
    due = amount_due(bill, as_of)
    assert (due.principal, due.penalty, due.interest) == (D("1000.00"), 0, D("20.00"))

    adjustment = bill_adjust(
        bill=bill,
        kind="write_down",
        amount=D("25.00"),
        reason="court_order",
        note="Index 2026-118, order of May 14",
        by=supervisor,
        token=uuid.uuid4(),
        as_of=as_of,
    )

    bill.refresh_from_db()
    assert (adjustment.interest, adjustment.principal, adjustment.penalty) == (
        D("20.00"),
        D("5.00"),
        D("0.00"),
    )
    assert (bill.interest_balance, bill.principal_balance, bill.balance) == (
        0,
        D("995.00"),
        D("995.00"),
    )
    assert bill.interest_months_assessed == 2
    assert adjustment.written_off
    assert _entry_lines(adjustment) == [
        ("1200", D("-25.00")),
        ("1200", D("20.00")),
        ("4900", D("-20.00")),
        ("5200", D("25.00")),
    ]
    assert ledger_violations() == []


def test_a_billing_error_comes_out_of_each_revenue_line_in_proportion(
    reference, dana, clerk, supervisor
):
    bill = _issue(
        dana,
        clerk,
        "W-7003",
        BillType.WATER_SEWER,
        [("water", "100.00"), ("sewer", "50.01")],
        issued=date(2026, 11, 1),
        due=date(2027, 1, 31),
    )

    adjustment = bill_adjust(
        bill=bill,
        kind="write_down",
        amount=D("10.00"),
        reason="billing_error",
        note="Meter misread",
        by=supervisor,
        token=uuid.uuid4(),
    )

    # 10 x 100/150.01 = 6.6662 and 10 x 50.01/150.01 = 3.3337: 6.66 + 3.33 leaves a cent, which
    # goes to the larger remainder (water's).
    assert _entry_lines(adjustment) == [
        ("1210", D("-10.00")),
        ("4100", D("6.67")),
        ("4110", D("3.33")),
    ]
    bill.refresh_from_db()
    assert bill.balance == D("140.01")
    assert ledger_violations() == []


def test_an_adjustment_is_idempotent_on_its_token(ticket, supervisor):
    token = uuid.uuid4()
    call = dict(
        bill=ticket,
        kind="write_down",
        reason="billing_error",
        note="Wrong code",
        as_of=date(2026, 1, 15),
    )
    first = bill_adjust(**call, amount=D("5.00"), by=supervisor, token=token)
    again = bill_adjust(**call, amount=D("5.00"), by=supervisor, token=token)

    assert again.pk == first.pk
    assert BillAdjustment.objects.count() == 1
    assert JournalEntry.objects.filter(source="bill_adjustment").count() == 1
    with pytest.raises(BillingError, match="already used for another adjustment"):
        bill_adjust(**call, amount=D("6.00"), by=supervisor, token=token)


def test_what_an_adjustment_refuses(ticket, supervisor, clerk):
    token = uuid.uuid4()
    # As of January 15 the ticket owes its $30.00 fine only.
    base = dict(
        bill=ticket, reason="appeal_won", note="Dismissed", token=token, as_of=date(2026, 1, 15)
    )
    with pytest.raises(BillingError, match="Only a Supervisor"):
        bill_adjust(**base, kind="cancel", by=clerk)
    with pytest.raises(BillingError, match=r"owes \$30.00; it cannot be written down by \$30.01"):
        bill_adjust(**base, kind="write_down", amount=D("30.01"), by=supervisor)
    with pytest.raises(BillingError, match="whole cents, more than"):
        bill_adjust(**base, kind="write_down", amount=D("0.001"), by=supervisor)
    with pytest.raises(BillingError, match="whole cents, more than"):
        bill_adjust(**base, kind="write_down", amount=D("-1"), by=supervisor)
    with pytest.raises(BillingError, match=r"now owes \$30.00, not \$20.00"):
        bill_adjust(**base, kind="cancel", amount=D("20.00"), by=supervisor)
    with pytest.raises(BillingError, match="Say what happened"):
        bill_adjust(**{**base, "note": "  "}, kind="cancel", by=supervisor)
    with pytest.raises(BillingError, match="full card number"):
        bill_adjust(**{**base, "note": "card 4111 1111 1111 1111"}, kind="cancel", by=supervisor)
    with pytest.raises(BillingError, match="Choose the reason"):
        bill_adjust(**{**base, "reason": "whim"}, kind="cancel", by=supervisor)
    bill_adjust(**base, kind="cancel", by=supervisor)
    with pytest.raises(BillingError, match="owes nothing"):
        bill_adjust(**{**base, "token": uuid.uuid4()}, kind="cancel", by=supervisor)
    assert BillAdjustment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_adjustments_are_append_only_in_the_database(ticket, supervisor):
    adjustment = bill_adjust(
        bill=ticket, kind="cancel", reason="appeal_won", note="x", by=supervisor, token=uuid.uuid4()
    )
    for sql in (
        "UPDATE billing_billadjustment SET amount = 1 WHERE id = %s",
        "DELETE FROM billing_billadjustment WHERE id = %s",
    ):
        with (
            pytest.raises(Exception, match="adjustments are append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [adjustment.pk])
    assert BillAdjustment.objects.get().amount == adjustment.amount == D("60.00")
