"""ledger_verify's billing control totals (billing.selectors.BILL_CHECKS): each receivable
account equals its open bills, each bill's parts add up to its balance; and a penalty waiver is
frozen in the database (billing 0021)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from billing.models import BillType, ChargeType
from billing.services import Charge, bill_issue, penalty_waive
from ledger.models import Account, Source
from ledger.selectors import ledger_violations
from ledger.services import Line, post

D = Decimal


def _bill(number: str, customer, by, bill_type=BillType.PROPERTY_TAX, amount="1000.00"):
    code = {BillType.PROPERTY_TAX: "city_tax", BillType.PARKING: "parking_fine"}[bill_type]
    return bill_issue(
        number=number,
        bill_type=bill_type,
        source="test",
        customer=customer,
        description="Test bill",
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 1, 31),
        charges=[Charge(ChargeType.objects.get(code=code), D(amount))],
        by=by,
    )


def _rows(rule: str) -> list[str]:
    return [v.detail for v in ledger_violations() if v.rule == rule]


@pytest.fixture
def bills(reference, dana, clerk):
    return [
        _bill("T-1", dana, clerk, amount="1000.00"),
        _bill("T-2", dana, clerk, amount="250.50"),
        _bill("P-1", dana, clerk, bill_type=BillType.PARKING, amount="45.00"),
    ]


def test_receivables_equal_their_open_bills(bills):
    assert ledger_violations() == []


def test_a_receivable_line_naming_no_bill_breaks_the_control_total(bills, supervisor, chart):
    # Given $75.00 posted to property tax receivable with no bill behind it
    post(
        entry_date=date(2026, 3, 2),
        memo="Adjustment to receivable without a bill",
        source=Source.ADJUSTMENT,
        by=supervisor,
        lines=[Line(chart["1200"], D("75.00")), Line(chart["4390"], D("-75.00"))],
    )
    # Then verify names the account and what its bills owe (1,000.00 + 250.50)
    assert _rows("receivable account differs from its open bills") == [
        "account 1200 Accounts receivable - property tax holds 1325.50 but the open bills on it "
        "(property_tax) owe 1250.50"
    ]


def test_a_receivable_posting_without_any_bill_of_its_type_is_found(reference, supervisor, chart):
    # Water receivable has no bill at all, and $12.00 was posted to it
    post(
        entry_date=date(2026, 3, 2),
        memo="Stray posting",
        source=Source.ADJUSTMENT,
        by=supervisor,
        lines=[Line(chart["1210"], D("12.00")), Line(chart["4390"], D("-12.00"))],
    )
    assert _rows("receivable account differs from its open bills") == [
        f"account 1210 {Account.objects.get(code='1210').name} holds 12.00 but the open bills "
        "on it (none) owe 0"
    ]


def test_training_postings_to_receivables_are_not_counted(bills, supervisor, chart):
    post(
        entry_date=date(2026, 3, 2),
        memo="Training payment",
        source=Source.ADJUSTMENT,
        by=supervisor,
        book="training",
        lines=[Line(chart["1000"], D("30.00")), Line(chart["1220"], D("-30.00"))],
    )
    assert ledger_violations() == []


def test_a_bill_whose_parts_do_not_add_up_is_named(bills, capsys):
    # Given a bill's parts rewritten with its check constraint dropped (as a restore without
    # constraints, or a hand edit, could leave it): principal 900 + penalty 0 + interest 0
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # run the issue's checks now
        cursor.execute("ALTER TABLE billing_bill DROP CONSTRAINT bill_balance_is_its_parts")
        cursor.execute("UPDATE billing_bill SET principal_balance = 900 WHERE number = 'T-1'")
    # Then verify fails naming the bill
    with pytest.raises(CommandError, match="1 ledger invariant violation"):
        call_command("ledger_verify", stdout=open("/dev/null", "w"))  # noqa: SIM115
    err = capsys.readouterr().err
    assert (
        "VIOLATION bill balance is not its principal, penalty and interest: bill T-1 stores "
        "1000.00 but its parts sum to 900.00"
    ) in err


@pytest.mark.django_db(transaction=True)
def test_a_penalty_waiver_cannot_be_changed_or_deleted(chart, reference, dana, clerk, supervisor):
    bill = _bill("T-9", dana, clerk)
    waiver = penalty_waive(bill=bill, reason="Bank error", by=supervisor, as_of=date(2026, 11, 26))
    for statement in (
        "UPDATE billing_penaltywaiver SET penalty = 0 WHERE id = %s",
        "UPDATE billing_penaltywaiver SET reason = 'edited' WHERE id = %s",
        "DELETE FROM billing_penaltywaiver WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="a penalty waiver records money"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(statement, [waiver.pk])
    waiver.refresh_from_db()
    assert (waiver.penalty, waiver.interest, waiver.reason) == (
        D("150.00"),
        D("100.00"),
        "Bank error",
    )
