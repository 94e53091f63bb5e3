"""Credit on account in the pages: the customer page, the counter's cart, and the refund."""

import re
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.selectors import customer_credit
from cashiering.roles import Role
from payments.models import CreditRefund
from payments.services import BillItem, payment_record
from tests.payments.conftest import cash, issue, new_user

D = Decimal


@pytest.fixture
def credited(drawer, clerk, dana, supervisor):
    """Dana overpays a $100.00 bill with $125.00: $25.00 on account."""
    bill = issue(dana, supervisor, amount="100.00")
    return payment_record(
        drawer=drawer,
        items=[BillItem(bill.pk, D("125.00"))],
        tenders=[cash("125.00")],
        token=uuid.uuid4(),
        by=clerk,
        accept_overpayment=True,
    )


def test_the_customer_page_shows_the_credit_and_its_history(client, clerk, credited, dana):
    client.force_login(clerk)
    page = client.get(reverse("billing:customer", args=[dana.pk]))
    assert "Credit on account: $25.00" in page.text
    assert "Refund credit" not in page.text  # a clerk does not refund


def test_the_counter_shows_the_credit_and_applies_it_as_a_tender(
    client, clerk, credited, dana, supervisor
):
    water = issue(dana, supervisor, amount="40.00")
    client.force_login(clerk)
    htmx = {"HTTP_HX_REQUEST": "true"}
    cart = client.post(reverse("payments:cart_bill_add"), {"bill": water.pk}, **htmx).text
    assert "credit on account $25.00" in cart
    too_much = client.post(
        reverse("payments:cart_tender_add"), {"kind": "credit", "amount": "25.01"}, **htmx
    ).text
    assert "The customer holds $25.00 of credit on account; apply no more than that." in too_much
    client.post(reverse("payments:cart_tender_add"), {"kind": "credit", "amount": "25.00"}, **htmx)
    again = client.post(
        reverse("payments:cart_tender_add"), {"kind": "credit", "amount": "0.01"}, **htmx
    ).text
    assert "($25.00 already in this visit)" in again
    client.post(reverse("payments:cart_tender_add"), {"kind": "cash", "amount": "15.00"}, **htmx)
    page = client.get(reverse("payments:counter"))
    token = re.search(r'name="token" value="([0-9a-f-]{36})"', page.text).group(1)

    posted = client.post(reverse("payments:cart_post"), {"token": token}, **htmx)

    assert posted.status_code == 204
    assert customer_credit(dana) == 0
    water.refresh_from_db()
    assert water.balance == 0
    receipt = client.get(posted["HX-Redirect"])
    assert "Credit on account" in receipt.text


def test_a_supervisor_refunds_credit_and_prints_the_record(client, supervisor, credited, dana):
    client.force_login(supervisor)
    url = reverse("payments:credit_refund", args=[dana.pk])
    page = client.get(url)
    assert page.status_code == 200
    token = re.search(r'name="token" value="([0-9a-f-]{36})"', page.text).group(1)
    form = {"token": token, "amount": "30.00", "method": "city_check", "reason": "Moved away"}
    too_much = client.post(url, form)
    assert "holds $25.00 of credit; refund at most that." in too_much.text.replace("&#x27;", "'")
    cash_without_drawer = client.post(url, {**form, "amount": "25.00", "method": "cash"})
    assert "Choose the open drawer the cash comes out of." in cash_without_drawer.text
    review = client.post(url, {**form, "amount": "25.00"})
    assert "Check before paying" in review.text and not CreditRefund.objects.exists()

    # the confirmation needs another Supervisor's sign-in (dual control, issue 8 §10)
    alone = client.post(url, {**form, "amount": "25.00", "confirmed": "on"})
    assert "Another Supervisor approves a credit refund" in alone.text
    themselves = client.post(
        url,
        {**form, "amount": "25.00", "confirmed": "on", "supervisor_username": "supervisor",
         "supervisor_password": "supervisor-demo-2026"},
    )  # fmt: skip
    assert "You cannot approve what you ask for" in themselves.text
    assert not CreditRefund.objects.exists()
    other = new_user("sup2", Role.SUPERVISOR)
    other.set_password("second-supervisor-2026")
    other.save()

    done = client.post(
        url,
        {**form, "amount": "25.00", "confirmed": "on", "supervisor_username": "sup2",
         "supervisor_password": "second-supervisor-2026"},
    )  # fmt: skip

    refund = CreditRefund.objects.get()
    assert (refund.refunded_by, refund.approved_by) == (supervisor, other)
    assert done["Location"] == reverse("payments:credit_refund_record", args=[refund.pk])
    assert customer_credit(dana) == 0
    record = client.get(done["Location"])
    assert "City check (refund request)" in record.text and "$25.00" in record.text
    pdf = client.get(reverse("payments:credit_refund_pdf", args=[refund.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_a_clerk_cannot_refund_credit(client, clerk, credited, dana):
    client.force_login(clerk)
    assert client.get(reverse("payments:credit_refund", args=[dana.pk])).status_code == 403
