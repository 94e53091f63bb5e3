"""payments.services.remittance: mail batches (control total and count, items checked as they are
entered, posting clean items and holding exceptions) and a Supervisor's resolutions.

Transactional: the commit-time checks (entries balance, bill balances match their receivable
lines) run on what each test did."""

import uuid
from decimal import Decimal

import pytest

from billing.models import Bill, BillType
from ledger.models import JournalLine
from payments.errors import PaymentError, RemittanceError
from payments.models import Drawer, Payment, RemittanceBatch, RemittanceItem
from payments.remittance_selectors import remittance_batch_totals, remittance_exceptions_open
from payments.services import payment_void
from payments.services.remittance import (
    remittance_batch_cancel,
    remittance_batch_open,
    remittance_batch_post,
    remittance_exception_resolve,
    remittance_item_add,
    remittance_item_remove,
    remittance_return_letter_context,
)
from tests.payments.conftest import issue
from tests.payments.test_reversals import books_are_clean

D = Decimal
transactional = pytest.mark.django_db(transaction=True)


def open_batch(office, clerk, total: str, count: int) -> RemittanceBatch:
    return remittance_batch_open(
        office=office, control_total=D(total), control_count=count, by=clerk, token=uuid.uuid4()
    )


def add(
    batch, clerk, scanline: str, amount: str, number="1001", payer="Dana Whitfield", postmark=None
):
    return remittance_item_add(
        batch=batch,
        scanline=scanline,
        amount=D(amount),
        check_number=number,
        check_payer=payer,
        postmark=postmark,
        by=clerk,
        token=uuid.uuid4(),
    )


def line_sum(entry, code: str) -> Decimal:
    return sum(
        (line.amount for line in JournalLine.objects.filter(entry=entry, account__code=code)),
        D("0"),
    )


@transactional
def test_a_batch_that_differs_from_its_control_does_not_post(office, clerk, dana, supervisor):
    # given a batch taped at $300.00 for 2 checks, with one $250.00 check entered
    bill = issue(dana, supervisor, amount="250.00")
    batch = open_batch(office, clerk, "300.00", 2)
    add(batch, clerk, bill.number, "250.00")

    # when it is posted, then it is refused saying by how much, and nothing is posted
    with pytest.raises(RemittanceError, match=r"\$50\.00 short of the control total"):
        remittance_batch_post(batch=batch, by=clerk, token=uuid.uuid4())
    with pytest.raises(RemittanceError, match="1 items for a control count of 2"):
        remittance_batch_post(batch=batch, by=clerk, token=uuid.uuid4())
    assert Payment.objects.count() == 0
    assert RemittanceBatch.objects.get(pk=batch.pk).status == "open"
    totals = remittance_batch_totals(batch)
    assert (totals.count, totals.total, totals.difference, totals.agrees) == (
        1,
        D("250.00"),
        D("-50.00"),
        False,
    )


@transactional
def test_a_batch_with_exceptions_posts_the_clean_items_and_queues_the_rest(
    office, clerk, dana, supervisor
):
    # given two bills and a batch of three checks: one clean, one for no bill, one overpaying
    # a parking ticket (whose policy takes no overpayment)
    tax = issue(dana, supervisor, amount="400.00")
    ticket = issue(dana, supervisor, bill_type=BillType.PARKING, amount="50.00")
    batch = open_batch(office, clerk, "535.00", 3)
    clean = add(batch, clerk, tax.number, "400.00", number="2001")
    unknown = add(batch, clerk, "NO-SUCH-BILL", "60.00", number="2002")
    over = add(batch, clerk, ticket.number, "75.00", number="2003")
    assert (clean.state, unknown.reason, over.reason) == ("clean", "unknown_bill", "amount_differs")

    # when it posts (twice with the same token)
    token = uuid.uuid4()
    posted = remittance_batch_post(batch=batch, by=clerk, token=token)
    again = remittance_batch_post(batch=batch, by=clerk, token=token)

    # then one receipt for the clean item, the two exceptions held in 2150, one entry: all
    # the checks in the safe; the batch's drawer is closed
    assert again.pk == posted.pk and posted.status == "posted"
    payment = Payment.objects.get()
    assert payment.drawer_id == batch.drawer_id and payment.entry_id == posted.entry_id
    assert Bill.objects.get(pk=tax.pk).balance == 0
    assert line_sum(posted.entry, "1036") == D("535.00")
    assert line_sum(posted.entry, "2150") == D("-135.00")
    assert Drawer.objects.get(pk=batch.drawer_id).status == "closed"
    assert set(remittance_exceptions_open(office).values_list("sequence", flat=True)) == {2, 3}
    books_are_clean()

    # and a void of the batch's receipt is refused with a clear message
    with pytest.raises(PaymentError, match="closed"):
        payment_void(payment=payment, reason="test", by=clerk, approved_by=supervisor)


@transactional
def test_a_supervisor_resolves_each_kind(office, clerk, dana, supervisor):
    # given a posted batch of four exceptions
    a = issue(dana, supervisor, bill_type=BillType.PARKING, amount="50.00")
    b = issue(dana, supervisor, bill_type=BillType.PARKING, amount="40.00")
    batch = open_batch(office, clerk, "275.00", 4)
    over_a = add(batch, clerk, a.number, "80.00", number="11")
    over_b = add(batch, clerk, b.number, "65.00", number="12")
    held = add(batch, clerk, "X-1", "70.00", number="13")
    back = add(batch, clerk, "X-2", "60.00", number="14")
    remittance_batch_post(batch=batch, by=clerk, token=uuid.uuid4())

    # when a clerk tries, then it is refused
    with pytest.raises(RemittanceError, match="Only a Supervisor"):
        remittance_exception_resolve(
            item=held, action="hold", amount=None, note="x", by=clerk, token=uuid.uuid4()
        )

    # apply: the ticket paid in full, the $30.00 over to Dana's credit; same token twice
    token = uuid.uuid4()
    applied = remittance_exception_resolve(
        item=over_a, action="apply", amount=None, note="", by=supervisor, token=token
    )
    assert (
        remittance_exception_resolve(
            item=over_a, action="apply", amount=None, note="", by=supervisor, token=token
        ).payment_id
        == applied.payment_id
    )
    assert applied.state == "applied" and Bill.objects.get(pk=a.pk).balance == 0
    assert line_sum(applied.resolution_entry, "2150") == D("80.00")
    assert line_sum(applied.resolution_entry, "2100") == D("-30.00")

    # apply partially: $25.00 to the ticket, the other $40.00 to credit
    partial = remittance_exception_resolve(
        item=over_b,
        action="apply_partial",
        amount=D("25.00"),
        note="asked",
        by=supervisor,
        token=uuid.uuid4(),
    )
    assert Bill.objects.get(pk=b.pk).balance == D("15.00")
    assert line_sum(partial.resolution_entry, "2100") == D("-40.00")

    # hold: stays in 2150, nothing posted
    kept = remittance_exception_resolve(
        item=held,
        action="hold",
        amount=None,
        note="calling the sender",
        by=supervisor,
        token=uuid.uuid4(),
    )
    assert kept.state == "held" and kept.resolution_entry is None

    # return: out of the safe
    sent = remittance_exception_resolve(
        item=back,
        action="return",
        amount=None,
        note="no bill of ours",
        by=supervisor,
        token=uuid.uuid4(),
    )
    assert line_sum(sent.resolution_entry, "1036") == D("-60.00")
    assert remittance_return_letter_context(sent)["amount"] == D("60.00")

    # an unknown bill cannot be applied
    with pytest.raises(RemittanceError, match="names no bill"):
        remittance_exception_resolve(
            item=kept, action="apply", amount=None, note="", by=supervisor, token=uuid.uuid4()
        )
    held_total = sum(i.amount for i in RemittanceItem.objects.filter(state__in=["held"]))
    assert held_total == D("70.00")
    books_are_clean()


@transactional
def test_a_trainee_is_refused(office, trainee, clerk, dana, supervisor):
    with pytest.raises(RemittanceError, match="Trainee"):
        open_batch(office, trainee, "10.00", 1)


@transactional
def test_an_item_is_removed_and_a_batch_cancelled_while_open(office, clerk, dana, supervisor):
    bill = issue(dana, supervisor, amount="100.00")
    batch = open_batch(office, clerk, "100.00", 1)
    item = add(batch, clerk, bill.number, "10.00")
    remittance_item_remove(item=item, by=clerk)
    assert batch.items.count() == 0
    with pytest.raises(RemittanceError, match="amount must be more than"):
        add(batch, clerk, bill.number, "0")
    cancelled = remittance_batch_cancel(batch=batch, by=clerk, reason="opened twice")
    assert cancelled.status == "cancelled"
    assert Drawer.objects.get(pk=batch.drawer_id).status == "closed"
    with pytest.raises(RemittanceError, match="cancelled"):
        add(batch, clerk, bill.number, "10.00")
