"""A bill's stored balance equals its receivable lines, enforced by PostgreSQL at commit."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from billing.models import BillType, ChargeType
from billing.services import Charge, bill_issue, charge_types_seed
from ledger.services import chart_of_accounts_seed


def _ticket(customer, by):
    charge_types_seed()
    return bill_issue(
        number="P26000001",
        bill_type=BillType.PARKING,
        source="test",
        customer=customer,
        description="Parking ticket",
        issue_date=date(2026, 11, 2),
        due_date=date(2026, 11, 2),
        charges=[Charge(ChargeType.objects.get(code="parking_fine"), Decimal("30.00"))],
        by=by,
    )


@pytest.mark.django_db(transaction=True)
def test_issued_bill_balances_with_its_receivable(dana, clerk):
    chart_of_accounts_seed()
    bill = _ticket(dana, clerk)
    assert bill.balance == Decimal("30.00")
    call_command("ledger_verify", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.mark.django_db(transaction=True)
def test_changing_a_balance_without_posting_is_refused_at_commit(dana, clerk):
    chart_of_accounts_seed()
    bill = _ticket(dana, clerk)
    with (
        pytest.raises(
            DatabaseError, match=r"stored balance of 0\.00 but its receivable lines sum to 30\.00"
        ),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE billing_bill SET principal_balance = 0, balance = 0 WHERE id = %s", [bill.pk]
        )


def test_ledger_verify_names_a_bill_whose_balance_was_forced(dana, clerk, chart, capsys):
    bill = _ticket(dana, clerk)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE billing_bill DISABLE TRIGGER bill_balance_updated")
        cursor.execute(
            "UPDATE billing_bill SET principal_balance = 1, balance = 1 WHERE id = %s", [bill.pk]
        )
    with pytest.raises(CommandError):
        call_command("ledger_verify")
    err = capsys.readouterr().err
    assert "bill P26000001 stores 1.00 but its receivable lines sum to 30.00" in err
    assert "invariant trigger disabled: bill_balance_updated" in err


def _raw_entry_naming(cursor, bill, by, account_code: str) -> None:
    """A balanced raw entry of $5.00 whose first line names the bill on `account_code`."""
    cursor.execute(
        "INSERT INTO ledger_journalentry (entry_date, memo, source, posted_by_id, book)"
        " VALUES ('2026-11-02', 'raw', 'adjustment', %s, 'live') RETURNING id",
        [by.pk],
    )
    (entry,) = cursor.fetchone()
    cursor.execute(
        "INSERT INTO ledger_journalline (entry_id, account_id, amount, memo, bill_id)"
        " SELECT %s, id, -5.00, '', %s FROM ledger_account WHERE code = %s",
        [entry, bill.pk, account_code],
    )
    cursor.execute(
        "INSERT INTO ledger_journalline (entry_id, account_id, amount, memo)"
        " SELECT %s, id, 5.00, '' FROM ledger_account WHERE code = '1000'",
        [entry],
    )


@pytest.mark.django_db(transaction=True)
def test_a_receivable_line_naming_a_bill_without_its_balance_is_refused_at_commit(dana, clerk):
    # Given a $30.00 ticket, when a raw entry credits its receivable by $5.00 and the bill's
    # stored balance is left as it was, then the commit is refused (once, for the transaction)
    chart_of_accounts_seed()
    bill = _ticket(dana, clerk)
    with (
        pytest.raises(
            DatabaseError,
            match=rf"bill {bill.pk} has a stored balance of 30\.00 but its receivable lines "
            r"sum to 25\.00",
        ),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        _raw_entry_naming(cursor, bill, clerk, "1220")
    # and the same entry with the balance updated in the same transaction commits
    with transaction.atomic(), connection.cursor() as cursor:
        _raw_entry_naming(cursor, bill, clerk, "1220")
        cursor.execute(
            "UPDATE billing_bill SET principal_balance = 25, balance = 25 WHERE id = %s",
            [bill.pk],
        )
    call_command("ledger_verify", stdout=open("/dev/null", "w"))  # noqa: SIM115


@pytest.mark.django_db(transaction=True)
def test_a_line_naming_a_bill_on_another_account_leaves_its_balance_alone(dana, clerk):
    chart_of_accounts_seed()
    bill = _ticket(dana, clerk)
    with transaction.atomic(), connection.cursor() as cursor:
        _raw_entry_naming(cursor, bill, clerk, "4390")
    bill.refresh_from_db()
    assert bill.balance == Decimal("30.00")
