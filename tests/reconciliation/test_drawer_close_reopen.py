"""reconciliation.services.drawer_reopen: a Supervisor reopens a closed drawer with a reason; the
close entry is reversed line for line (safe to drawer), and the drawer can be closed again."""

import uuid
from decimal import Decimal

import pytest
from django.core.management import call_command

from ledger.models import JournalLine
from ledger.services import Line
from payments.errors import PaymentError
from payments.models import Drawer
from payments.selectors import custody_held
from reconciliation.errors import CloseError
from reconciliation.models import CustodyTransfer, DrawerClose, DrawerReopen
from reconciliation.services import drawer_close_count, drawer_reopen
from reconciliation.services.custody import (
    Handover,
    ReconciliationSource,
    accounts,
    custody_transfer_post,
)
from tests.reconciliation.conftest import issue, pay

D = Decimal


def closed(drawer, clerk, supervisor, twenties: int = 10) -> DrawerClose:
    return drawer_close_count(
        drawer=drawer,
        counts={"$20 bills": twenties, "Quarters": 40},
        checks=[],
        card_batch_total=D("0.00"),
        stock={},
        by=clerk,
        received_by=supervisor,
        token=uuid.uuid4(),
    )


def test_reopen_reverses_the_close_and_the_drawer_closes_again(
    drawer, clerk, supervisor, office, dana
):
    pay(drawer, clerk, issue(dana, clerk, amount="100.00"))
    first = closed(drawer, clerk, supervisor, twenties=15)
    assert custody_held(office, "1035") == D("100.00")

    reopen = drawer_reopen(
        drawer=drawer, by=supervisor, reason="Clerk found a receipt", token=uuid.uuid4()
    )

    assert Drawer.objects.get(pk=drawer.pk).status == Drawer.Status.OPEN
    assert DrawerClose.objects.get(pk=first.pk).status == DrawerClose.Status.REOPENED
    assert reopen.reason == "Clerk found a receipt"
    assert reopen.entry.source == ReconciliationSource.DRAWER_REOPEN
    assert reopen.entry.reverses_id == first.entry_id  # review: linked like a void
    original = sorted((li.account_id, li.amount) for li in first.entry.lines.all())
    reversed_ = sorted((li.account_id, -li.amount) for li in reopen.entry.lines.all())
    assert original == reversed_
    transfer = CustodyTransfer.objects.get(entry=reopen.entry)
    assert transfer.kind == CustodyTransfer.Kind.SAFE_TO_DRAWER
    assert custody_held(office, "1035") == D("0.00")

    pay(drawer, clerk, issue(dana, clerk, amount="20.00"))
    second = closed(drawer, clerk, supervisor, twenties=16)

    assert second.status == DrawerClose.Status.CLOSED
    assert second.expected_cash == D("330.00") and second.over_short == 0
    assert custody_held(office, "1035") == D("120.00")
    call_command("ledger_verify")


def test_reopen_needs_a_supervisor_and_a_reason(drawer, clerk, supervisor):
    closed(drawer, clerk, supervisor)
    with pytest.raises(CloseError, match="Only a Supervisor"):
        drawer_reopen(drawer=drawer, by=clerk, reason="x", token=uuid.uuid4())
    with pytest.raises(CloseError, match="Say why"):
        drawer_reopen(drawer=drawer, by=supervisor, reason=" ", token=uuid.uuid4())
    assert not DrawerReopen.objects.exists()


def test_reopen_of_an_open_drawer_is_refused(drawer, supervisor):
    with pytest.raises(CloseError, match="not closed"):
        drawer_reopen(drawer=drawer, by=supervisor, reason="x", token=uuid.uuid4())


def test_the_same_reopen_token_twice_reopens_once(drawer, clerk, supervisor):
    closed(drawer, clerk, supervisor)
    token = uuid.uuid4()
    first = drawer_reopen(drawer=drawer, by=supervisor, reason="x", token=token)
    again = drawer_reopen(drawer=drawer, by=supervisor, reason="x", token=token)
    assert first.pk == again.pk
    assert DrawerReopen.objects.count() == 1


def test_reopen_is_refused_when_the_safe_no_longer_holds_the_money(
    drawer, clerk, supervisor, supervisor2, office, dana
):
    pay(drawer, clerk, issue(dana, clerk, amount="100.00"))
    closed(drawer, clerk, supervisor, twenties=15)
    # The safe's collections cash leaves in a bag.
    codes = accounts("1035", "1040")
    custody_transfer_post(
        office=office,
        kind=CustodyTransfer.Kind.SAFE_TO_BAG,
        lines=[
            Line(codes["1040"], D("100.00"), "Bag", office_id=office.pk),
            Line(codes["1035"], D("-100.00"), "Bag", office_id=office.pk),
        ],
        memo="Bag 1",
        source=ReconciliationSource.DEPOSIT,
        handover=Handover(handed_by=supervisor, received_by=supervisor2),
        cash=D("100.00"),
    )

    with pytest.raises(PaymentError, match="less than nothing"):
        drawer_reopen(drawer=drawer, by=supervisor2, reason="x", token=uuid.uuid4())

    assert Drawer.objects.get(pk=drawer.pk).status == Drawer.Status.CLOSED
    assert not JournalLine.objects.filter(entry__source=ReconciliationSource.DRAWER_REOPEN)


def test_reopen_is_refused_while_the_clerk_has_another_drawer_open(
    drawer, clerk, supervisor, office
):
    from tests.reconciliation.conftest import open_drawer

    closed(drawer, clerk, supervisor)
    open_drawer(clerk, office, number=2)

    with pytest.raises(CloseError, match="another drawer open"):
        drawer_reopen(drawer=drawer, by=supervisor, reason="x", token=uuid.uuid4())
