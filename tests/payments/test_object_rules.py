"""Whose drawers and receipts a user sees and acts on (payments.views, receipt_visible_to in
payments.selectors, the void rule of payments.services): a clerk their own drawers, a Trainee
only their own receipts, a Clerk any receipt to reprint or refund from their own drawer but a
void only of their own, a Supervisor everything."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from cashiering.roles import Role
from payments.errors import NotReversible
from payments.models import ApprovalRequest, CashMovement, Payment
from payments.services import BillItem, approval_request, payment_record
from payments.services.drawers import cash_movement_record
from tests.payments.conftest import check, issue, new_user, open_drawer

D = Decimal


@pytest.fixture
def other_clerk(db):
    return new_user("clerk-next-window", Role.CLERK)


@pytest.fixture
def theirs(office, other_clerk, dana, supervisor):
    """Another clerk's open drawer at window 2, with a $100.00 receipt paid by check."""
    drawer = open_drawer(other_clerk, office, number=2)
    bill = issue(dana, supervisor, amount="100.00")
    payment = payment_record(
        drawer=drawer,
        items=[BillItem(bill_id=bill.pk, amount=D("100.00"))],
        tenders=[check("100.00", number="4411")],
        token=uuid.uuid4(),
        by=other_clerk,
    )
    return drawer, payment


def _void_form(send_to_queue: bool = True) -> dict[str, str]:
    return {"void-reason": "Wrong bill", "void-send_to_queue": "on" if send_to_queue else ""}


def test_a_clerk_cannot_open_another_clerks_drawer_page(client, office, clerk, theirs):
    # given a clerk with a drawer of their own
    drawer, _ = theirs
    open_drawer(clerk, office, number=1)
    client.force_login(clerk)

    # when they open the other clerk's drawer page
    response = client.get(reverse("payments:drawer_detail", args=[drawer.pk]))

    # then they are refused
    assert response.status_code == 403


def test_a_trainee_cannot_open_another_clerks_drawer_page(client, office, trainee, theirs):
    drawer, _ = theirs
    client.force_login(trainee)

    response = client.get(reverse("payments:drawer_detail", args=[drawer.pk]))

    assert response.status_code == 403


def test_a_clerk_cannot_print_another_clerks_cash_slip(client, clerk, supervisor, theirs):
    # given a pickup from the other clerk's drawer
    drawer, _ = theirs
    pickup = cash_movement_record(
        drawer=drawer, kind=CashMovement.Kind.PICKUP, amount=D("20.00"), by=supervisor
    )
    client.force_login(clerk)

    # when a clerk asks for its slip
    response = client.get(reverse("payments:movement_pdf", args=[pickup.pk]))

    # then they are refused
    assert response.status_code == 403


def test_a_trainee_is_told_another_clerks_receipt_does_not_exist(client, trainee, theirs):
    _, payment = theirs
    client.force_login(trainee)

    response = client.get(reverse("payments:payment", args=[payment.receipt_number]))

    assert response.status_code == 404


def test_a_trainee_cannot_reprint_another_clerks_receipt(client, trainee, theirs):
    # given the other clerk's receipt, printed never since
    _, payment = theirs
    client.force_login(trainee)

    # when the trainee asks for its PDF
    response = client.get(reverse("payments:receipt_pdf", args=[payment.receipt_number]))

    # then it is not found, and no reprint is counted
    assert response.status_code == 404
    payment.refresh_from_db()
    assert payment.reprints == 0


@pytest.mark.parametrize("kind", ["void", "refund"])
def test_a_trainee_cannot_ask_to_void_or_refund_another_clerks_receipt(
    client, office, trainee, theirs, kind
):
    # given a trainee at their own drawer
    _, payment = theirs
    open_drawer(trainee, office, number=3)
    client.force_login(trainee)

    # when they send the other clerk's receipt to the Supervisors' queue
    response = client.post(
        reverse(f"payments:payment_{kind}", args=[payment.receipt_number]),
        {f"{kind}-reason": "Wrong bill", f"{kind}-send_to_queue": "on"},
    )

    # then it is not found, and nothing waits in the queue
    assert response.status_code == 404
    assert not ApprovalRequest.objects.exists()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.POSTED


def test_a_trainee_finds_only_their_own_receipts(client, office, trainee, dana, supervisor, theirs):
    # given a receipt of the trainee's own drawer and the other clerk's, both paid by Dana
    _, payment = theirs
    mine = open_drawer(trainee, office, number=3)
    own = payment_record(
        drawer=mine,
        items=[BillItem(bill_id=issue(dana, supervisor, amount="40.00").pk, amount=D("40.00"))],
        tenders=[check("40.00", number="5511")],
        token=uuid.uuid4(),
        by=trainee,
    )
    client.force_login(trainee)

    # when the trainee looks the payer up
    page = client.get(reverse("payments:receipts"), {"q": "Dana"}).text

    # then only their own receipt is found
    assert own.receipt_number in page
    assert payment.receipt_number not in page


def test_a_clerk_cannot_send_another_clerks_receipt_to_be_voided(client, office, clerk, theirs):
    # given a clerk at their own drawer
    _, payment = theirs
    open_drawer(clerk, office, number=1)
    client.force_login(clerk)

    # when they send a void of the other clerk's receipt to the queue
    page = client.post(
        reverse("payments:payment_void", args=[payment.receipt_number]),
        _void_form(),
        follow=True,
    ).text

    # then they are told whose void it is, and nothing waits in the queue
    assert "Only the clerk whose drawer took it voids it" in page
    assert not ApprovalRequest.objects.exists()


def test_the_void_queue_refuses_another_clerks_receipt(clerk, theirs):
    _, payment = theirs

    with pytest.raises(NotReversible, match="Only the clerk whose drawer took it voids it"):
        approval_request(payment=payment, kind="void", reason="Wrong bill", by=clerk)

    assert not ApprovalRequest.objects.exists()


def test_a_clerk_reprints_another_windows_receipt_for_the_customer(client, clerk, theirs):
    # The counter's practice (issue 10): a customer back at another window asks for a copy,
    # found by number, payer or check number; a refund is paid out of that window's drawer.
    _, payment = theirs
    client.force_login(clerk)

    found = client.get(reverse("payments:receipts"), {"q": "4411"}).text
    page = client.get(reverse("payments:payment", args=[payment.receipt_number]))
    pdf = client.get(reverse("payments:receipt_pdf", args=[payment.receipt_number]))

    assert payment.receipt_number in found
    assert page.status_code == 200
    assert "Void this receipt" not in page.text  # the void is the other clerk's
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_a_supervisor_sees_every_drawer_and_receipt(client, supervisor, theirs):
    drawer, payment = theirs
    client.force_login(supervisor)

    for url in (
        reverse("payments:drawer_detail", args=[drawer.pk]),
        reverse("payments:payment", args=[payment.receipt_number]),
    ):
        assert client.get(url).status_code == 200, url
