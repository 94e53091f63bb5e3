"""payments.services.payment_void refuses clearly (issue 8 §9): any change to a bill after the
payment (a payment, a waiver, a refund, a returned check) blocks the void with a message saying
to refund it instead, at the counter and in the approvals queue, never an HTTP 500."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Bill
from billing.services import penalty_waive
from payments.errors import NotReversible
from payments.models import ApprovalRequest, Payment
from payments.services import (
    approval_decide,
    approval_request,
    payment_refund,
    payment_void,
    returned_check_record,
)
from tests.payments.conftest import check, issue, new_user, open_drawer
from tests.payments.test_reversals import bill_state, books_are_clean, pay

D = Decimal
transactional = pytest.mark.django_db(transaction=True)
SUPERVISOR_SIGN_IN = {
    "void-supervisor_username": "supervisor",
    "void-supervisor_password": "supervisor-demo-2026",
}


def late_bill_part_paid_then_waived(drawer, clerk, dana, supervisor):
    """A late $1,000.00 tax bill: $5.00 paid today (penalty assessed with it, so most of the
    penalty stays owed), then the rest of its penalty and interest waived the same day."""
    bill = issue(dana, supervisor, amount="1000.00", due=date(2026, 1, 31))
    payment = pay(drawer, clerk, bill, "5.00")
    assert payment.items.get().penalty_assessed > D("5.00")
    penalty_waive(bill=bill, reason="First offence", by=supervisor, as_of=timezone.localdate())
    return bill, payment


@transactional
def test_a_void_after_a_same_day_waiver_is_refused_with_a_message(drawer, clerk, dana, supervisor):
    # given a payment, then a waiver on the same bill (today: an IntegrityError, HTTP 500)
    bill, payment = late_bill_part_paid_then_waived(drawer, clerk, dana, supervisor)
    before = bill_state(bill)

    # when the payment is voided, then it is refused: refund it instead
    with pytest.raises(
        NotReversible,
        match=rf"Bill {bill.number} changed after this receipt \(Waiver of \$[0-9.,]+ penalty "
        r"and interest on bill .*\); a void would undo that too: refund it instead\.",
    ):
        payment_void(payment=payment, reason="Wrong bill", by=clerk, approved_by=supervisor)

    # and nothing changed; the refund the message points to works
    assert bill_state(bill) == before
    payment_refund(
        payment=payment, reason="Wrong bill", by=clerk, approved_by=supervisor, drawer=drawer
    )
    assert Bill.objects.get(pk=bill.pk).principal_balance == D("1000.00")
    books_are_clean()


@transactional
def test_a_void_after_another_receipts_refund_on_the_bill_is_refused(
    drawer, clerk, dana, supervisor
):
    # given two receipts on one bill, the earlier one refunded after the later was taken
    bill = issue(dana, supervisor, amount="100.00")
    first = pay(drawer, clerk, bill, "40.00")
    second = pay(drawer, clerk, bill, "60.00")
    payment_refund(
        payment=first, reason="Paid twice", by=clerk, approved_by=supervisor, drawer=drawer
    )

    # when the later one is voided, then the refund (a later change to the bill) blocks it
    with pytest.raises(NotReversible, match=r"changed after this receipt .*Refund of"):
        payment_void(payment=second, reason="Wrong", by=clerk, approved_by=supervisor)
    books_are_clean()


@transactional
def test_a_void_after_a_returned_check_on_the_bill_is_refused(drawer, clerk, dana, supervisor):
    bill = issue(dana, supervisor, amount="100.00")
    by_check = pay(drawer, clerk, bill, "30.00", tenders=[check("30.00")])
    in_cash = pay(drawer, clerk, bill, "70.00")
    returned_check_record(payment=by_check, reason="NSF", by=supervisor)

    with pytest.raises(NotReversible, match=r"changed after this receipt .*Returned check"):
        payment_void(payment=in_cash, reason="Wrong", by=clerk, approved_by=supervisor)
    books_are_clean()


@transactional
def test_a_later_payment_voided_since_does_not_block_a_void(drawer, clerk, dana, supervisor):
    # given two receipts on one bill, the later one voided: it and its void cancel out
    bill = issue(dana, supervisor, amount="100.00")
    first = pay(drawer, clerk, bill, "40.00")
    second = pay(drawer, clerk, bill, "60.00")
    payment_void(payment=second, reason="Wrong", by=clerk, approved_by=supervisor)

    # when the first is voided, then it is
    payment_void(payment=first, reason="Wrong", by=clerk, approved_by=supervisor)
    assert Bill.objects.get(pk=bill.pk).balance == D("100.00")
    books_are_clean()


@transactional
def test_at_the_counter_a_void_after_a_waiver_says_refund_it_instead(
    client, trainee, office, dana, supervisor
):
    drawer = open_drawer(trainee, office, number=3)
    _, payment = late_bill_part_paid_then_waived(drawer, trainee, dana, supervisor)
    client.force_login(trainee)

    page = client.post(
        reverse("payments:payment_void", args=[payment.receipt_number]),
        {"void-reason": "Wrong bill", **SUPERVISOR_SIGN_IN},
        follow=True,
    )

    assert page.status_code == 200
    assert "a void would undo that too: refund it instead" in page.content.decode()
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.POSTED


@transactional
def test_in_the_approvals_queue_a_void_after_a_waiver_says_refund_it_instead(
    client, drawer, clerk, dana, supervisor
):
    # given a void request sent before the waiver
    bill = issue(dana, supervisor, amount="1000.00", due=date(2026, 1, 31))
    payment = pay(drawer, clerk, bill, "5.00")
    request = approval_request(payment=payment, kind="void", reason="Wrong bill", by=clerk)
    penalty_waive(bill=bill, reason="First offence", by=supervisor, as_of=timezone.localdate())
    client.force_login(supervisor)

    # when the Supervisor approves it in the queue
    page = client.post(
        reverse("payments:approval_decide", args=[request.pk]), {"approve": "yes"}, follow=True
    )

    # then the page says why, and the request still waits
    assert page.status_code == 200
    assert "refund it instead" in page.content.decode()
    assert ApprovalRequest.objects.get(pk=request.pk).status == ApprovalRequest.Status.PENDING
    with pytest.raises(NotReversible, match="refund it instead"):
        approval_decide(request=request, approve=True, by=new_user("sup2", "Supervisor"))
