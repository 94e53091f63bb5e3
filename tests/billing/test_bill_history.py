"""billing.selectors.bill_history and the bill page's history (issue 10 §4): every event on a
bill as one dated table whose running balance ends at the bill's balance, and look up's
"Pay at the counter" for a user whose drawer is open.

The history test is transactional, so the commit-time checks (every entry balances, every
bill's balance matches its receivable lines) run on the state it builds through the services."""

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Bill, BillType
from billing.selectors import amount_due, bill_history
from billing.services import bill_adjust, penalty_waive
from payments.cart import SESSION_KEY as CART
from payments.services import (
    counter_setup_seed,
    payment_refund,
    payment_void,
    returned_check_record,
)
from reconciliation.services.exports import referral_file_create, vendor_payments_import
from tests.factories import fund_change_fund
from tests.payments.conftest import check, issue, open_drawer
from tests.payments.test_reversals import books_are_clean, pay

D = Decimal
transactional = pytest.mark.django_db(transaction=True)


@pytest.fixture
def office(reference):
    office = counter_setup_seed(office_code="CH", office_name="Chamberlain's Office", windows=4)
    fund_change_fund(office)
    return office


@pytest.fixture
def drawer(clerk, office):
    """The clerk's drawer, open at Window 1."""
    return open_drawer(clerk, office)


@pytest.fixture
def late_bill(reference, dana, supervisor):
    """$1,000.00 of city tax due January 31, 2026: penalty and interest accrue by today."""
    return issue(dana, supervisor, amount="1000.00", due=date(2026, 1, 31))


def _lived_through_everything(bill, drawer, clerk, supervisor):
    """Pay and void, waive, pay twice (cash, then check), refund part of the cash receipt,
    the check bounces, write the bill down: each through its service. Returns the receipts."""
    voided = pay(drawer, clerk, bill, "100.00")
    payment_void(payment=voided, reason="Wrong bill", by=clerk, approved_by=supervisor)
    penalty_waive(bill=bill, reason="Bank error, letter on file", by=supervisor, as_of=date.today())
    by_cash = pay(drawer, clerk, bill, "300.00")
    by_check = pay(drawer, clerk, bill, "200.00", tenders=[check("200.00", number="777")])
    payment_refund(
        payment=by_cash,
        reason="Paid twice",
        by=clerk,
        approved_by=supervisor,
        drawer=drawer,
        amount=D("50.00"),
    )
    returned_check_record(payment=by_check, reason="NSF", by=supervisor)
    bill_adjust(
        bill=bill,
        kind="write_down",
        amount=D("10.00"),
        reason="billing_error",
        note="Wrong rate",
        by=supervisor,
        token=uuid.uuid4(),
    )
    return voided, by_cash, by_check


@transactional
def test_the_running_balance_ends_at_the_bills_balance(late_bill, drawer, clerk, supervisor):
    # given a late bill that went through payment, void, waiver, refund, returned check and
    # a write-down
    accrued = amount_due(late_bill, timezone.localdate())
    assessed = accrued.new_penalty + accrued.new_interest
    assert assessed > 0
    voided, by_cash, by_check = _lived_through_everything(late_bill, drawer, clerk, supervisor)

    # when its history is read
    rows = bill_history(Bill.objects.get(pk=late_bill.pk))

    # then every event is there in order, with its receipt, and the balance runs to the bill's
    bill = Bill.objects.get(pk=late_bill.pk)
    assert [(r.kind, r.amount, r.receipt_number) for r in rows] == [
        ("Issued", D("1000.00"), ""),
        ("Penalty and interest assessed", assessed, voided.receipt_number),
        ("Payment", D("-100.00"), voided.receipt_number),
        ("Void", -assessed, voided.receipt_number),
        ("Void", D("100.00"), voided.receipt_number),
        ("Penalty and interest assessed", assessed, ""),
        ("Penalty and interest waived", -assessed, ""),
        ("Payment", D("-300.00"), by_cash.receipt_number),
        ("Payment", D("-200.00"), by_check.receipt_number),
        ("Refund", D("50.00"), by_cash.receipt_number),
        ("Returned check (NSF)", D("200.00"), by_check.receipt_number),
        ("Written down", D("-10.00"), ""),
    ]
    running = D("0.00")
    for row in rows:
        running += row.amount
        assert row.balance == running
    assert rows[0].day == date(2026, 1, 1)  # the bill's issue date
    assert {row.day for row in rows[1:]} == {timezone.localdate()}
    assert rows[-1].balance == bill.balance == D("740.00")
    assert "Bank error, letter on file" in rows[6].detail
    assert "Wrong rate" in rows[-1].detail and "Billing error" in rows[-1].detail
    assert rows[-2].by == (supervisor.get_full_name() or supervisor.username)
    books_are_clean()


@transactional
def test_the_bill_page_shows_the_history_in_a_fixed_number_of_queries(
    client, late_bill, drawer, clerk, supervisor, django_assert_max_num_queries
):
    # given the bill with its whole history
    voided, by_cash, by_check = _lived_through_everything(late_bill, drawer, clerk, supervisor)
    client.force_login(clerk)

    # when the clerk opens the bill page
    with django_assert_max_num_queries(40):
        page = client.get(reverse("billing:bill", args=[late_bill.number]))

    # then the history is one table with linked receipts, ending at the bill's balance
    assert page.status_code == 200
    html = page.text
    assert "History" in html
    for receipt in (voided, by_cash, by_check):
        assert reverse("payments:payment", args=[receipt.receipt_number]) in html
    for kind in ("Issued", "Void", "Refund", "Returned check (NSF)", "Written down"):
        assert kind in html
    assert "Penalty and interest waived" in html
    assert "$740.00" in html


@transactional
def test_more_receipts_cost_no_more_queries(
    client, late_bill, drawer, clerk, django_assert_max_num_queries
):
    # given a bill paid a little at a time, twelve receipts
    for _ in range(12):
        pay(drawer, clerk, late_bill, "10.00")
    client.force_login(clerk)

    # when its history is read, the number of queries does not grow with the receipts
    bill = Bill.objects.get(pk=late_bill.pk)
    with django_assert_max_num_queries(6):
        rows = bill_history(bill)
    assert [r.kind for r in rows].count("Payment") == 12


def test_a_bill_with_nothing_but_its_issue(late_bill):
    rows = bill_history(late_bill)
    assert [(r.kind, r.amount, r.balance) for r in rows] == [("Issued", D("1000.00"), D("1000.00"))]


@pytest.mark.parametrize("role", ["Trainee", "Clerk", "Supervisor"])
def test_counter_staff_see_the_history(client, users, late_bill, role):
    client.force_login(users[role])
    page = client.get(reverse("billing:bill", args=[late_bill.number]))
    assert page.status_code == 200
    assert "History" in page.text and "Issued" in page.text


def test_the_bill_page_needs_a_sign_in(client, late_bill):
    page = client.get(reverse("billing:bill", args=[late_bill.number]))
    assert page.status_code == 302 and "login" in page["Location"]


# Pay at the counter


PAY = "Pay at the counter"


def test_no_pay_at_the_counter_without_an_open_drawer(client, clerk, late_bill, office):
    client.force_login(clerk)
    assert PAY not in client.get(reverse("billing:bill", args=[late_bill.number])).text
    assert PAY not in client.get(reverse("billing:customer", args=[late_bill.customer_id])).text
    assert PAY not in client.get(reverse("billing:search"), {"q": "Dana Whitfield"}).text


def test_look_up_offers_to_pay_a_bill_at_the_counter(client, clerk, late_bill, drawer):
    # given a clerk whose drawer is open
    client.force_login(clerk)

    # then the bill, the customer and the search results offer to pay the bill there
    for page in (
        client.get(reverse("billing:bill", args=[late_bill.number])),
        client.get(reverse("billing:customer", args=[late_bill.customer_id])),
        client.get(reverse("billing:search"), {"q": "Dana Whitfield"}),
        client.get(reverse("billing:search"), {"q": "Dana Whitfield"}, HTTP_HX_REQUEST="true"),
    ):
        assert page.status_code == 200
        assert PAY in page.text
        assert reverse("payments:cart_bill_add") in page.text
        assert f'name="bill" value="{late_bill.pk}"' in page.text
        assert "csrfmiddlewaretoken" in page.text


def test_paying_at_the_counter_lands_on_the_counter_with_the_bill_in_the_cart(
    client, clerk, late_bill, drawer
):
    # given a clerk with an open drawer on the bill's page
    client.force_login(clerk)

    # when they press "Pay at the counter"
    page = client.post(reverse("payments:cart_bill_add"), {"bill": late_bill.pk}, follow=True)

    # then they are at the counter with the bill in the cart, at what it owes today
    assert page.redirect_chain[-1][0] == reverse("payments:counter")
    assert [row["bill_id"] for row in client.session[CART]["items"]] == [late_bill.pk]
    owed = amount_due(late_bill, timezone.localdate()).total
    assert client.session[CART]["items"][0]["amount"] == str(owed)
    assert late_bill.number in page.text


def test_a_paid_bill_is_not_offered(client, clerk, dana, reference, drawer, supervisor):
    bill = issue(dana, supervisor, amount="40.00")
    pay(drawer, clerk, bill, "40.00")
    client.force_login(clerk)
    assert PAY not in client.get(reverse("billing:bill", args=[bill.number])).text


def test_a_supervisor_without_a_drawer_is_not_offered(client, supervisor, late_bill, drawer):
    # the clerk's drawer is open, not the Supervisor's
    client.force_login(supervisor)
    assert PAY not in client.get(reverse("billing:bill", args=[late_bill.number])).text


def test_a_collection_vendors_payment_is_in_the_history(reference, dana, supervisor):
    # given a ticket 90 days past due, referred and paid $20.00 through the collection vendor
    ticket = issue(
        dana,
        supervisor,
        bill_type=BillType.PARKING,
        amount="50.00",
        due=timezone.localdate() - timedelta(days=90),
    )
    referral_file_create(days_past_due=60, by=supervisor)
    today = timezone.localdate().isoformat()
    content = (
        f"ticket_number,amount,paid_date,vendor_ref\n{ticket.number},20.00,{today},V-1\n"
    ).encode()
    vendor_payments_import(file_name="vendor.csv", content=content, by=supervisor)

    # when its history is read
    rows = bill_history(Bill.objects.get(pk=ticket.pk))

    # then the late fees assessed and the vendor's payment are named, down to the balance
    kinds = [r.kind for r in rows]
    assert kinds[0] == "Issued" and kinds[-1] == "Payment"
    assert "Penalty and interest assessed" in kinds
    assert "Collection vendor payment" in rows[-1].detail
    assert rows[-1].amount == D("-20.00")
    assert rows[-1].balance == Bill.objects.get(pk=ticket.pk).balance
