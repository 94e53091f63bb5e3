"""payment_void refuses a receipt whose bill was adjusted after it: putting the bill back as it
was would undo the adjustment's assessment (and charge it again). A refund still works."""

import uuid
from decimal import Decimal

import pytest

from billing.services import bill_adjust
from ledger.selectors import ledger_violations
from payments.errors import NotReversible
from payments.services import BillItem, payment_record, payment_refund, payment_void
from tests.payments.conftest import cash, issue

D = Decimal


def test_a_void_after_an_adjustment_is_refused_and_a_refund_is_not(drawer, clerk, dana, supervisor):
    bill = issue(dana, supervisor, amount="100.00")
    paid = payment_record(
        drawer=drawer,
        items=[BillItem(bill.pk, D("40.00"))],
        tenders=[cash("40.00")],
        token=uuid.uuid4(),
        by=clerk,
    )
    bill_adjust(
        bill=bill,
        kind="write_down",
        amount=D("10.00"),
        reason="billing_error",
        note="Wrong rate",
        by=supervisor,
        token=uuid.uuid4(),
    )

    with pytest.raises(NotReversible, match=r"was written down after this receipt; refund it"):
        payment_void(payment=paid, reason="Keyed wrong", by=clerk, approved_by=supervisor)
    payment_refund(
        payment=paid, reason="Keyed wrong", by=clerk, approved_by=supervisor, drawer=drawer
    )

    bill.refresh_from_db()
    assert bill.balance == D("90.00")  # $100.00 - $10.00 written down; the $40.00 owed again
    assert ledger_violations() == []
