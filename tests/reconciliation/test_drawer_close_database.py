"""The drawer close under PostgreSQL's rules: a closed drawer takes no line (DR001), and two
closes of one drawer racing post once."""

import threading
import uuid
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, connections

from ledger.models import JournalEntry
from ledger.services import Line, post
from reconciliation.errors import CloseError
from reconciliation.models import DrawerClose
from reconciliation.services import drawer_close_count
from reconciliation.services.custody import ReconciliationSource, accounts
from tests.reconciliation.conftest import issue, pay

D = Decimal


def count(drawer, clerk, supervisor, token=None) -> DrawerClose:
    return drawer_close_count(
        drawer=drawer,
        counts={"$20 bills": 10, "Quarters": 40},
        checks=[],
        card_batch_total=D("0.00"),
        stock={},
        by=clerk,
        received_by=supervisor,
        token=token or uuid.uuid4(),
    )


@pytest.mark.django_db(transaction=True)
def test_a_line_naming_a_closed_drawer_is_refused_by_postgresql(drawer, clerk, supervisor):
    count(drawer, clerk, supervisor)
    codes = accounts("1000", "5000")

    with pytest.raises(DatabaseError, match="is closed"):
        post(
            entry_date=drawer.opened_on,
            memo="Sneaked in",
            source="test",
            by=clerk,
            lines=[
                Line(codes["1000"], D("5.00"), "cash", drawer_id=drawer.pk),
                Line(codes["5000"], D("-5.00"), "over"),
            ],
        )
    assert not JournalEntry.objects.filter(memo="Sneaked in").exists()
    call_command("ledger_verify")


@pytest.mark.django_db(transaction=True)
def test_a_payment_at_a_closed_drawer_is_refused(drawer, clerk, supervisor, dana):
    from payments.errors import NoOpenDrawer

    count(drawer, clerk, supervisor)
    with pytest.raises(NoOpenDrawer, match="closed"):
        pay(drawer, clerk, issue(dana, clerk, amount="10.00"))


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("same_token", [False, True], ids=["two-tokens", "one-token"])
def test_two_closes_racing_post_once(drawer, clerk, supervisor, same_token):
    barrier = threading.Barrier(2)
    results: list[object] = []
    shared = uuid.uuid4()

    def close_once() -> None:
        try:
            barrier.wait()
            results.append(count(drawer, clerk, supervisor, shared if same_token else None))
        except CloseError as exc:
            results.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=close_once) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    closes = [r for r in results if isinstance(r, DrawerClose)]
    refused = [r for r in results if isinstance(r, CloseError)]
    if same_token:
        assert len(closes) == 2 and closes[0].pk == closes[1].pk
    else:
        assert len(closes) == 1 and len(refused) == 1
        assert "not open" in str(refused[0])
    assert DrawerClose.objects.count() == 1
    assert JournalEntry.objects.filter(source=ReconciliationSource.DRAWER_CLOSE).count() == 1
    connection.ensure_connection()
    call_command("ledger_verify")
