"""The receipt page's reversals through Django's test client: a partial refund, a refund by
city check sent to the queue and paid there, and one check of two returned (issue 8 §5)."""

import re
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from pypdf import PdfReader

from billing.models import Bill
from cashiering.roles import Role
from payments.models import ApprovalRequest, Office, Payment, PaymentReversal
from payments.services import BillItem, payment_record
from tests.payments.conftest import cash, check, issue, new_user, open_drawer
from tests.payments.test_reversals import pay
from tests.payments.test_views import _bytes

D = Decimal
SIGN_IN = {
    "refund-supervisor_username": "supervisor",
    "refund-supervisor_password": "supervisor-demo-2026",
}


def messages_of(page) -> list[str]:
    return [str(m) for m in page.context["messages"]]


@pytest.mark.django_db
def test_a_clerk_refunds_part_of_a_receipt(client, clerk, drawer, dana, supervisor):
    bill = issue(dana, supervisor, amount="80.00")
    payment = pay(drawer, clerk, bill, "80.00")
    client.force_login(clerk)

    page = client.post(
        reverse("payments:payment_refund", args=[payment.receipt_number]),
        {
            "refund-token": str(uuid.uuid4()),
            "refund-reason": "Overcharged",
            "refund-amount": "12.50",
            **SIGN_IN,
        },
        follow=True,
    )

    assert messages_of(page)[-1] == (
        f"Refunded $12.50 of receipt {payment.receipt_number} (in cash)."
    )
    assert Bill.objects.get(pk=bill.pk).balance == D("12.50")
    html = page.content.decode()
    assert "Still standing on this receipt: <strong>67.50</strong>" in html
    assert "Void this receipt" not in html  # refunded in part: no void any more

    # and the printed receipt lists the refund
    pdf = client.get(reverse("payments:receipt_pdf", args=[payment.receipt_number]))
    text = "".join(p.extract_text() for p in PdfReader(_bytes(pdf)).pages)
    assert "Refund of 12.50" in text and "Overcharged" in text


@pytest.mark.django_db
def test_a_bad_refund_amount_is_a_form_message(client, clerk, drawer, dana, supervisor):
    bill = issue(dana, supervisor, amount="80.00")
    payment = pay(drawer, clerk, bill, "80.00")
    client.force_login(clerk)

    page = client.post(
        reverse("payments:payment_refund", args=[payment.receipt_number]),
        {
            "refund-token": str(uuid.uuid4()),
            "refund-reason": "Overcharged",
            "refund-amount": "1E5",
            **SIGN_IN,
        },
        follow=True,
    )

    assert page.status_code == 200
    assert "“1E5” is not an amount" in messages_of(page)[-1]
    assert not payment.reversals.exists()


@pytest.mark.django_db
def test_a_refund_by_city_check_waits_in_the_queue_and_is_paid_there(
    client, clerk, office, drawer, dana, supervisor
):
    # given a receipt paid by check; the clerk asks for a refund by city check
    bill = issue(dana, supervisor, amount="120.00")
    payment = pay(drawer, clerk, bill, "120.00", tenders=[check("120.00", "3141")])
    client.force_login(clerk)
    page = client.post(
        reverse("payments:payment_refund", args=[payment.receipt_number]),
        {
            "refund-token": str(uuid.uuid4()),
            "refund-reason": "Paid twice",
            "refund-by_city_check": "on",
        },
        follow=True,
    )
    assert messages_of(page)[-1] == "Sent to the Supervisors' queue."
    request = ApprovalRequest.objects.get(payment=payment)
    assert request.by_city_check

    # when a Supervisor approves it before the check clears, the page says when it may be paid
    client.force_login(supervisor)
    url = reverse("payments:approval_decide", args=[request.pk])
    page = client.post(url, {"approve": "yes", "city_check_number": "50001"}, follow=True)
    assert "may still return until it clears on" in messages_of(page)[-1]
    assert "City check number" in page.content.decode()

    # and once it has cleared, approving with the city check's number pays it
    Office.objects.filter(pk=office.pk).update(check_clearing_days=0)
    client.post(url, {"approve": "yes", "city_check_number": "50001"})
    refund = payment.reversals.get()
    assert (refund.city_check_number, refund.amount) == ("50001", D("120.00"))
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.REFUNDED


@pytest.mark.django_db
def test_the_supervisor_picks_which_check_came_back(client, clerk, drawer, dana, supervisor):
    bill = issue(dana, supervisor, amount="100.00")
    payment = payment_record(
        drawer=drawer,
        items=[BillItem(bill.pk, D("100.00"))],
        tenders=[check("70.00", "11"), check("30.00", "12")],
        token=uuid.uuid4(),
        by=clerk,
    )
    second = payment.tenders.get(check_number="12")
    client.force_login(supervisor)
    html = client.get(payment.get_absolute_url()).content.decode()
    assert "Check 11 from Dana Whitfield, 70.00" in html
    assert "Check 12 from Dana Whitfield, 30.00" in html

    page = client.post(
        reverse("payments:returned_check", args=[payment.receipt_number]),
        {"check": second.pk, "reason": "NSF"},
        follow=True,
    )

    assert messages_of(page)[-1].startswith("Returned check 12 recorded: $30.00 reopened")
    assert Bill.objects.get(pk=bill.pk).balance == D("30.00")
    assert [t.returned for t in payment.tenders.order_by("id")] == [False, True]
    html = page.content.decode()
    assert "Check 12 from" not in html and "Check 11 from" in html  # only 11 can come back now

    # a check of another receipt is not taken
    other = pay(drawer, clerk, issue(dana, supervisor, amount="5.00"), "5.00")
    page = client.post(
        reverse("payments:returned_check", args=[other.receipt_number]),
        {"check": second.pk, "reason": "NSF"},
        follow=True,
    )
    assert messages_of(page)[-1] == "That check is not one of this receipt's; pick it again."


@pytest.mark.django_db
def test_a_second_supervisor_approves_a_supervisors_request_in_the_queue(
    client, supervisor, office, dana
):
    drawer = open_drawer(supervisor, office, number=2)
    payment = pay(drawer, supervisor, issue(dana, supervisor, amount="9.00"), "9.00")
    client.force_login(supervisor)
    client.post(
        reverse("payments:payment_void", args=[payment.receipt_number]),
        {"void-reason": "Wrong", "void-send_to_queue": "on"},
    )
    request = ApprovalRequest.objects.get(payment=payment)

    page = client.post(
        reverse("payments:approval_decide", args=[request.pk]), {"approve": "yes"}, follow=True
    )
    assert "needs a second person" in messages_of(page)[-1]

    client.force_login(new_user("sup2", Role.SUPERVISOR))
    client.post(reverse("payments:approval_decide", args=[request.pk]), {"approve": "yes"})
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.VOIDED


@pytest.mark.django_db
def test_a_refund_form_sent_twice_refunds_once(client, drawer, clerk, dana, supervisor):
    # Given $120.00 paid on a $100.00 bill, $20.00 kept as credit
    bill = issue(dana, supervisor, amount="100.00")
    payment = payment_record(
        drawer=drawer,
        items=[BillItem(bill.pk, D("120.00"))],
        tenders=[cash("120.00")],
        token=uuid.uuid4(),
        by=clerk,
        accept_overpayment=True,
    )
    client.force_login(clerk)
    page = client.get(payment.get_absolute_url()).content.decode()
    token = re.search(r'name="refund-token" value="([0-9a-f-]{36})"', page).group(1)
    url = reverse("payments:payment_refund", args=[payment.receipt_number])
    data = {"refund-token": token, "refund-reason": "Overpaid", "refund-amount": "20.00", **SIGN_IN}

    # When the form is sent twice (a double-click, a reload that resends the POST)
    first = client.post(url, data, follow=True)
    again = client.post(url, data, follow=True)

    # Then one $20.00 refund is paid, and both answers say so
    refunds = PaymentReversal.objects.filter(payment=payment, kind="refund")
    assert [r.amount for r in refunds] == [D("20.00")]
    assert "Refunded $20.00" in messages_of(first)[-1]
    assert "Refunded $20.00" in messages_of(again)[-1]
    bill.refresh_from_db()
    assert bill.balance == D("0.00")


@pytest.mark.django_db
def test_a_refund_form_without_its_token_refunds_nothing(client, drawer, clerk, dana, supervisor):
    bill = issue(dana, supervisor, amount="80.00")
    payment = pay(drawer, clerk, bill, "80.00")
    client.force_login(clerk)
    url = reverse("payments:payment_refund", args=[payment.receipt_number])

    page = client.post(url, {"refund-reason": "Overcharged", **SIGN_IN}, follow=True)

    assert "one-time code was missing or altered" in messages_of(page)[-1]
    assert not PaymentReversal.objects.exists()
