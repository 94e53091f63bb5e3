"""Statement import and card settlement under concurrency: the same file sent twice at once
imports once; a day's card batches settle once when two people match two lines at once."""

import threading
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from ledger.models import Account
from ledger.selectors import ledger_violations
from reconciliation.models import BankStatement, CardSettlement, StatementLine
from reconciliation.services import (
    csv_mapping_save,
    statement_import,
    statement_line_match_card_day,
)
from tests.reconciliation.conftest import card, issue, pay
from tests.reconciliation.flows import drawer_closed

SAMPLES = Path(__file__).parent / "samples"


def together(*calls):
    """Run `calls` at once, each in its own thread and connection; their outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait()
            outcomes[i] = call()
        except Exception as exc:  # the outcome under test
            outcomes[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_the_same_file_at_once_imports_once(reference, supervisor):
    bank = Account.objects.get(code="1100")
    data = (SAMPLES / "svb_us_example.bai2").read_bytes()

    def send():
        return statement_import(bank_account=bank, file_name="svb.bai2", data=data, by=supervisor)

    outcomes = together(send, send)

    assert sum(isinstance(o, Exception) for o in outcomes) == 1
    refused = next(o for o in outcomes if isinstance(o, Exception))
    assert "already imported" in str(refused)
    assert BankStatement.objects.count() == 1
    assert StatementLine.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_days_card_batches_settle_once_at_once(
    reference, office, drawer, clerk, supervisor, dana
):
    bank = Account.objects.get(code="1100")
    pay(drawer, clerk, issue(dana, supervisor, amount="100.00"), card("100.00"))
    drawer_closed(drawer, receiver=supervisor, card_total="100.00")
    csv_mapping_save(
        bank_account=bank,
        by=supervisor,
        date_column="1",
        date_format="%Y-%m-%d",
        amount_column="2",
        description_column="3",
        has_header=False,
    )
    today = timezone.localdate().isoformat()
    statement_import(
        bank_account=bank,
        file_name="b.csv",
        by=supervisor,
        data=f"{today},98.00,SETTLEMENT A\n{today},98.00,SETTLEMENT B\n".encode(),
    )
    first, second = StatementLine.objects.order_by("id")

    outcomes = together(
        lambda: statement_line_match_card_day(
            line=first, target=timezone.localdate(), by=supervisor
        ),
        lambda: statement_line_match_card_day(
            line=second, target=timezone.localdate(), by=supervisor
        ),
    )

    assert sum(isinstance(o, Exception) for o in outcomes) == 1
    assert CardSettlement.objects.count() == 1
    assert CardSettlement.objects.get().fees == Decimal("2.00")
    assert ledger_violations() == []
