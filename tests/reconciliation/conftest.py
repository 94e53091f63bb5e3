"""Shared fixtures of reconciliation's tests: an office with a funded change fund, clerks with
drawers, two Supervisors (dual control) and helpers that pay bills through the services."""

from decimal import Decimal

import pytest

from cashiering.roles import Role
from payments.services import BillItem, payment_record
from tests.payments.conftest import (  # noqa: F401 (fixtures re-exported)
    card,
    cash,
    check,
    drawer,
    fee,
    issue,
    new_user,
    office,
    open_drawer,
    window,
)


@pytest.fixture
def supervisor2(db):
    """A second Supervisor: verifies what the first prepares, signs off what a clerk counts."""
    return new_user("supervisor-two", Role.SUPERVISOR)


def pay(drawer, clerk, bill, *tenders, amount: str | None = None, token=None):  # noqa: F811
    """Pay `bill` (in full unless `amount`) at `drawer` with `tenders` (default: exact cash)."""
    import uuid

    due = bill.balance if amount is None else Decimal(amount)
    return payment_record(
        drawer=drawer,
        items=[BillItem(bill_id=bill.pk, amount=due)],
        tenders=list(tenders) or [cash(str(due))],
        token=token or uuid.uuid4(),
        by=clerk,
    )
