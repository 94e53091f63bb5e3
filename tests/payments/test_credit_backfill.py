"""payments/migrations/0022: overpayment lines posted before credits named a customer get the
payment's customer, on the payment's entry and on its void's, so 2100 ties out from the start."""

import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from billing.selectors import customer_credit
from ledger.models import JournalLine
from ledger.selectors import ledger_violations
from payments.services import BillItem, payment_record, payment_void
from tests.payments.conftest import cash, issue

D = Decimal
MIGRATIONS = Path(__file__).resolve().parents[2] / "payments" / "migrations"
SQL = MIGRATIONS / "0022_credit_lines_name_customer.sql"


def _forget_customers() -> None:
    """What the books looked like before: 2100 lines naming no one."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE ledger_journalline DISABLE TRIGGER journal_line_append_only")
        cursor.execute("UPDATE ledger_journalline SET customer_id = NULL")
        cursor.execute("ALTER TABLE ledger_journalline ENABLE TRIGGER journal_line_append_only")


@pytest.mark.django_db(transaction=True)
def test_old_overpayments_are_credited_to_their_customers(drawer, clerk, dana, supervisor):
    # given two overpayments of $20.00 and $7.50, the second voided, from before the change
    kept, voided = (
        payment_record(
            drawer=drawer,
            items=[BillItem(issue(dana, supervisor, amount="10.00").pk, D(amount))],
            tenders=[cash(amount)],
            token=uuid.uuid4(),
            by=clerk,
            accept_overpayment=True,
        )
        for amount in ("30.00", "17.50")
    )
    payment_void(payment=voided, reason="Keyed wrong", by=clerk, approved_by=supervisor)
    _forget_customers()
    assert [v.rule for v in ledger_violations()] == [
        "account 2100 differs from the customers' credits"
    ]

    # when the migration's SQL runs
    with connection.cursor() as cursor:
        cursor.execute(SQL.read_text())

    # then every 2100 line names Dana, who holds the $20.00 that was kept
    lines = JournalLine.objects.filter(account__code="2100")
    assert lines.count() == 3
    assert set(lines.values_list("customer_id", flat=True)) == {dana.pk}
    assert customer_credit(dana) == D("20.00")
    assert ledger_violations() == []
    del kept
