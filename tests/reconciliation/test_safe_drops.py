"""Cash into the safe from a drawer is a hand-over between two people: a clerk's drop names the
Supervisor who receives it (payments.services.cash_movement_record, the drawer page), a pickup
the clerk who hands it; both are recorded as a CustodyTransfer on the movement's entry."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from ledger.selectors import ledger_violations
from payments.errors import ApprovalRequired
from payments.models import CashMovement
from payments.services import cash_movement_record
from reconciliation.errors import CustodyError
from reconciliation.models import CustodyTransfer
from reconciliation.services import cash_drop_record

D = Decimal


def test_a_drop_received_by_a_supervisor_is_a_hand_over(drawer, clerk, supervisor):
    movement = cash_drop_record(
        drawer=drawer, amount=D("50.00"), by=clerk, received_by=supervisor, token=uuid.uuid4()
    )
    transfer = CustodyTransfer.objects.get(entry=movement.entry)
    assert transfer.kind == CustodyTransfer.Kind.DROP
    assert (transfer.handed_by, transfer.received_by) == (clerk, supervisor)
    assert transfer.cash == D("50.00")
    assert movement.witnessed_by == supervisor
    assert ledger_violations() == []


def test_a_pickup_is_handed_over_by_the_clerk(drawer, clerk, supervisor):
    movement = cash_movement_record(drawer=drawer, kind="pickup", amount=D("30.00"), by=supervisor)
    transfer = CustodyTransfer.objects.get(entry=movement.entry)
    assert (transfer.handed_by, transfer.received_by) == (clerk, supervisor)


def test_the_receiver_is_a_supervisor_and_not_the_clerk(drawer, clerk, users):
    from cashiering.roles import Role

    with pytest.raises(ApprovalRequired, match="needs a Supervisor's approval"):
        cash_drop_record(drawer=drawer, amount=D("5.00"), by=clerk, received_by=users[Role.TRAINEE])
    with pytest.raises(ApprovalRequired):
        cash_drop_record(drawer=drawer, amount=D("5.00"), by=clerk, received_by=clerk)
    with pytest.raises(CustodyError, match="A Supervisor receives"):
        cash_drop_record(drawer=drawer, amount=D("5.00"), by=clerk, received_by=None)
    assert not CashMovement.objects.exists()


def test_the_drawer_page_takes_the_receiving_supervisors_sign_in(client, drawer, clerk):
    client.force_login(clerk)
    data = {"token": str(uuid.uuid4()), "amount": "20.00"}
    refused = client.post(reverse("payments:drawer"), data)
    assert "A Supervisor receives the cash into the safe" in refused.text
    wrong = client.post(
        reverse("payments:drawer"),
        {**data, "supervisor_username": "supervisor", "supervisor_password": "nope"},
    )
    assert "not a Supervisor" in wrong.text
    assert not CashMovement.objects.exists()
    done = client.post(
        reverse("payments:drawer"),
        {
            **data,
            "supervisor_username": "supervisor",
            "supervisor_password": "supervisor-demo-2026",
        },
        follow=True,
    )
    assert "Cash drop of $20.00 recorded" in done.text
    transfer = CustodyTransfer.objects.get(kind=CustodyTransfer.Kind.DROP)
    assert transfer.received_by.username == "supervisor"
