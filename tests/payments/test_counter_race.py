"""The losing clerk's screen after a race (payments.views.cart_post and
payments.cart.cart_after_bill_changed): another window paid a bill in this cart first."""

import re
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.services import bill_adjust
from payments.models import Payment
from payments.services import BillItem, payment_record
from tests.payments.conftest import card, cash, issue, new_user, open_drawer
from tests.payments.test_views import counter_token

D = Decimal
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def clerk_client(client, clerk, drawer):
    client.force_login(clerk)
    return client


@pytest.fixture
def other_window(office):
    """A second clerk at Window 2, quicker than ours."""
    return open_drawer(new_user("rivera"), office, number=2)


def pay_elsewhere(drawer, bill, amount: str) -> Payment:
    return payment_record(
        drawer=drawer,
        items=[BillItem(bill.pk, D(amount))],
        tenders=[cash(amount)],
        token=uuid.uuid4(),
        by=drawer.clerk,
    )


def tender(client, kind: str = "cash", amount: str = "100.00", **extra) -> str:
    response = client.post(
        reverse("payments:cart_tender_add"), {"kind": kind, "amount": amount, **extra}, **HTMX
    )
    return response.content.decode()


def test_the_loser_is_told_which_receipt_and_window_took_the_bill_and_the_tender_goes_back(
    clerk_client, other_window, dana, supervisor
):
    # Given a bill in our cart and $100 cash tendered for it.
    bill = issue(dana, supervisor, amount="100.00")
    token = counter_token(clerk_client)
    clerk_client.post(reverse("payments:cart_bill_add"), {"bill": bill.pk}, **HTMX)
    tender(clerk_client, amount="100.00")
    # ...when Window 2 pays it first.
    theirs = pay_elsewhere(other_window, bill, "100.00")

    # When we post.
    response = clerk_client.post(reverse("payments:cart_post"), {"token": token}, **HTMX)

    # Then nothing posted, and the screen names the receipt, the window and the clerk.
    html = response.content.decode()
    assert response.status_code == 200
    assert Payment.objects.count() == 1
    assert "Nothing was posted" in html
    assert (
        f"Bill {bill.number} was paid at Window 2 a moment ago: receipt {theirs.receipt_number}"
        f" took $100.00 (clerk {other_window.clerk.get_full_name()}). It owes nothing now and is"
        " out of the cart." in html
    )
    # The tender is out of the cart and the clerk is told to hand it back.
    gone = "Nothing is left to pay, so the tenders are out of the cart: hand back $100.00 cash."
    assert gone in html
    cart = clerk_client.session["counter_cart"]
    assert cart["items"] == [] and cart["tenders"] == []
    # And no change due on the empty cart.
    assert "Change due" not in html
    assert "data-change" not in html


def test_every_kind_of_tender_is_given_back_with_what_to_do(
    clerk_client, other_window, dana, supervisor
):
    bill = issue(dana, supervisor, amount="150.00")
    token = counter_token(clerk_client)
    clerk_client.post(reverse("payments:cart_bill_add"), {"bill": bill.pk}, **HTMX)
    tender(clerk_client, "check", "50.00", check_number="3321", check_payer="Dana Whitfield")
    row = card("100.00")
    tender(
        clerk_client,
        "card",
        "100.00",
        card_brand=row.card_brand,
        card_last4=row.card_last4,
        authorization_code=row.authorization_code,
        terminal_reference=row.terminal_reference,
    )
    pay_elsewhere(other_window, bill, "150.00")

    html = clerk_client.post(reverse("payments:cart_post"), {"token": token}, **HTMX)
    text = html.content.decode()

    assert "hand back check #3321 for $50.00" in text
    assert "reverse the $100.00 card charge ending 4242 at the terminal (authorization A1B2C3)" in (
        text
    )
    assert clerk_client.session["counter_cart"]["tenders"] == []


def test_a_cart_still_owing_lowers_its_cash_by_what_the_lost_bill_asked(
    clerk_client, other_window, dana, supervisor
):
    # Given two bills ($60 and $30) and $100 cash: $10 change was due.
    kept = issue(dana, supervisor, amount="60.00")
    lost = issue(dana, supervisor, amount="30.00")
    token = counter_token(clerk_client)
    clerk_client.post(reverse("payments:cart_bill_add"), {"customer": dana.pk}, **HTMX)
    tender(clerk_client, amount="100.00")
    pay_elsewhere(other_window, lost, "30.00")

    # When we post.
    html = clerk_client.post(reverse("payments:cart_post"), {"token": token}, **HTMX)
    text = html.content.decode()

    # Then the lost bill is out, the cash is $30 lower (handed back) and the change is still $10.
    assert f"Bill {lost.number} was paid at Window 2" in text
    assert "The cash tender is lowered from $100.00 to $70.00: hand back $30.00." in text
    cart = clerk_client.session["counter_cart"]
    assert [row["bill_id"] for row in cart["items"]] == [kept.pk]
    assert cart["tenders"] == [{"kind": "cash", "amount": "70.00"}]
    assert re.search(r"data-change>\$10\.00<", text)

    # And posting again takes the payment.
    again = clerk_client.post(reverse("payments:cart_post"), {"token": token}, **HTMX)
    assert again.status_code == 204
    assert Payment.objects.filter(drawer__clerk__username="clerk").get().change == D("10.00")


def test_a_bill_paid_in_part_elsewhere_stays_at_what_it_owes_now(
    clerk_client, other_window, dana, supervisor
):
    bill = issue(dana, supervisor, amount="200.00")
    token = counter_token(clerk_client)
    clerk_client.post(reverse("payments:cart_bill_add"), {"bill": bill.pk}, **HTMX)
    tender(clerk_client, amount="200.00")
    theirs = pay_elsewhere(other_window, bill, "50.00")

    text = clerk_client.post(
        reverse("payments:cart_post"), {"token": token}, **HTMX
    ).content.decode()

    assert f"receipt {theirs.receipt_number} took $50.00" in text
    assert "It still owes $150.00: the cart asks for that now." in text
    assert "The cash tender is lowered from $200.00 to $150.00: hand back $50.00." in text
    cart = clerk_client.session["counter_cart"]
    assert cart["items"][0]["amount"] == "150.00"


def test_without_htmx_the_notes_come_back_as_messages(clerk_client, other_window, dana, supervisor):
    bill = issue(dana, supervisor, amount="40.00")
    token = counter_token(clerk_client)
    clerk_client.post(reverse("payments:cart_bill_add"), {"bill": bill.pk})
    clerk_client.post(reverse("payments:cart_tender_add"), {"kind": "cash", "amount": "40.00"})
    theirs = pay_elsewhere(other_window, bill, "40.00")

    response = clerk_client.post(reverse("payments:cart_post"), {"token": token}, follow=True)

    text = response.content.decode()
    assert theirs.receipt_number in text and "hand back $40.00 cash" in text
    assert "Change due" not in text


def test_a_check_left_larger_than_what_is_now_due_is_pointed_out(
    clerk_client, other_window, dana, supervisor
):
    # Given two bills ($60 and $40) paid with one $100 check.
    issue(dana, supervisor, amount="60.00")
    lost = issue(dana, supervisor, amount="40.00")
    token = counter_token(clerk_client)
    clerk_client.post(reverse("payments:cart_bill_add"), {"customer": dana.pk}, **HTMX)
    tender(clerk_client, "check", "100.00", check_number="5120", check_payer="Dana Whitfield")
    pay_elsewhere(other_window, lost, "40.00")

    text = clerk_client.post(
        reverse("payments:cart_post"), {"token": token}, **HTMX
    ).content.decode()

    # Then the check stays (it is for its own amount) and the clerk is told what to do with it.
    assert "The checks and cards ($100.00) now come to more than the $60.00 due" in text
    assert clerk_client.session["counter_cart"]["tenders"][0]["amount"] == "100.00"
    assert Payment.objects.count() == 1
    # And the check's excess is not shown as change: no change is given from a check.
    assert "Change due" not in text and "data-change" not in text
    assert re.search(r"data-noncash-over>40\.00<", text)


def test_a_check_larger_than_the_cart_is_never_shown_as_change(clerk_client, dana, supervisor):
    # Given a $60 bill and a $100 check (the post refuses it: no change from a check).
    bill = issue(dana, supervisor, amount="60.00")
    clerk_client.post(reverse("payments:cart_bill_add"), {"bill": bill.pk}, **HTMX)

    text = tender(clerk_client, "check", "100.00", check_number="77", check_payer="Dana Whitfield")

    # Then the cart names the excess instead of showing $40.00 change in large green.
    assert "Change due" not in text and "data-change" not in text
    assert "Checks and cards pass the due by" in text
    assert re.search(r"data-noncash-over>40\.00<", text)
    assert re.search(r'id="post-button"[^>]*disabled', text)


def test_an_older_receipt_is_not_blamed_for_a_bill_written_down_since_it_was_added(
    clerk_client, other_window, dana, supervisor
):
    # Given a $100 bill part-paid ($30) at Window 2 before our clerk put it in the cart.
    bill = issue(dana, supervisor, amount="100.00")
    earlier = pay_elsewhere(other_window, bill, "30.00")
    token = counter_token(clerk_client)
    clerk_client.post(reverse("payments:cart_bill_add"), {"bill": bill.pk}, **HTMX)
    tender(clerk_client, amount="70.00")
    # ...and a Supervisor writes it down by $20 meanwhile.
    bill_adjust(
        bill=bill,
        kind="write_down",
        amount=D("20.00"),
        reason="billing_error",
        note="Wrong rate",
        by=supervisor,
        token=uuid.uuid4(),
    )

    # When we post.
    text = clerk_client.post(
        reverse("payments:cart_post"), {"token": token}, **HTMX
    ).content.decode()

    # Then the screen says the bill was adjusted; it does not name the older receipt as the
    # payment that beat us.
    assert "a moment ago" not in text and earlier.receipt_number not in text
    assert (
        f"Bill {bill.number} now owes $50.00, less than the $70.00 it owed when added: it was"
        " adjusted or its penalty waived." in text
    )
    assert "The cash tender is lowered from $70.00 to $50.00: hand back $20.00." in text
