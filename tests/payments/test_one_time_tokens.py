"""Every counter form with a one-time token (drawer open, cash drop, cash pickup, the cart's
post): a missing or altered token is answered with a message and a fresh form that can be
submitted; the same token twice does the thing once and shows the first result."""

import re
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from cashiering.forms import FRESH_FORM_MESSAGE
from payments.models import CashMovement, Drawer, Payment
from tests.payments.conftest import issue, window

D = Decimal
HTMX = {"HTTP_HX_REQUEST": "true"}
# Missing, empty, altered in the page (not a UUID any more), and cut short by a tool.
BAD_TOKENS = [
    pytest.param(None, id="missing"),
    pytest.param("", id="empty"),
    pytest.param("<b>token</b>", id="altered"),
    pytest.param("7d0c1a36-5b8e-4c3f-9e0a-2f6b1d4c8e9", id="cut-short"),
]
# The Supervisor receiving a cash drop into the safe (issue 9: two people).
RECEIVER = {"supervisor_username": "supervisor", "supervisor_password": "supervisor-demo-2026"}
TOKEN_INPUT = re.compile(r'<input type="hidden" name="token" value="([^"]*)"')


def with_token(data: dict, token: str | None) -> dict:
    return {**data, "token": token} if token is not None else dict(data)


def page_tokens(html: str) -> list[str]:
    """The one-time tokens of the forms on a page; each must be a UUID."""
    tokens = TOKEN_INPUT.findall(html)
    for token in tokens:
        uuid.UUID(token)  # a fresh, well-formed token, or this raises
    return tokens


def message_shown(html: str) -> bool:
    return FRESH_FORM_MESSAGE.replace("'", "&#x27;") in html


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


# Drawer open


def drawer_open_data(office) -> dict:
    return {"workstation": window(office, 2).pk, "count_2": "10", "count_9": "40"}


@pytest.mark.parametrize("bad", BAD_TOKENS)
def test_a_drawer_open_form_with_a_bad_token_says_so_and_offers_a_fresh_one(
    clerk_client, clerk, office, bad
):
    url = reverse("payments:drawer_open")
    response = clerk_client.post(url, with_token(drawer_open_data(office), bad))

    assert response.status_code == 200
    html = response.content.decode()
    assert message_shown(html)
    assert not Drawer.objects.exists()
    (fresh,) = page_tokens(html)
    assert fresh != bad
    # What the clerk counted is still in the form; submitting it again opens the drawer.
    assert 'name="count_2" value="10"' in html
    again = clerk_client.post(url, with_token(drawer_open_data(office), fresh))
    assert again.status_code == 302
    assert Drawer.objects.get(clerk=clerk).opening_float == D("210.00")


def test_a_drawer_open_form_sent_twice_opens_one_drawer(clerk_client, clerk, office):
    data = with_token(drawer_open_data(office), str(uuid.uuid4()))
    first = clerk_client.post(reverse("payments:drawer_open"), data)
    again = clerk_client.post(reverse("payments:drawer_open"), data, follow=True)
    assert first["Location"] == reverse("payments:counter")
    assert again.redirect_chain[-1][0] == reverse("payments:counter")
    assert "Your drawer at CH Window 2 is open." in again.content.decode()
    assert Drawer.objects.filter(clerk=clerk).count() == 1


# Cash drop (the clerk's drawer page)


@pytest.mark.parametrize("bad", BAD_TOKENS)
def test_a_cash_drop_with_a_bad_token_says_so_and_offers_a_fresh_form(clerk_client, drawer, bad):
    url = reverse("payments:drawer")
    response = clerk_client.post(url, with_token({"amount": "40.00", **RECEIVER}, bad))

    assert response.status_code == 200
    html = response.content.decode()
    assert message_shown(html)
    assert not CashMovement.objects.exists()
    (fresh,) = page_tokens(html)
    assert fresh != bad
    done = clerk_client.post(url, {"amount": "40.00", "token": fresh, **RECEIVER}, follow=True)
    assert "Cash drop of $40.00 recorded" in done.content.decode()
    assert drawer.movements.get().amount == D("40.00")


def test_a_cash_drop_sent_twice_is_recorded_once_and_shown_again(clerk_client, drawer):
    data = {"amount": "40.00", "token": str(uuid.uuid4()), **RECEIVER}
    clerk_client.post(reverse("payments:drawer"), data)
    again = clerk_client.post(reverse("payments:drawer"), data, follow=True)
    assert "Cash drop of $40.00 recorded" in again.content.decode()
    assert drawer.movements.count() == 1


# Cash pickup (the Supervisors' page)


@pytest.mark.parametrize("bad", BAD_TOKENS)
def test_a_pickup_with_a_bad_token_says_so_and_offers_a_fresh_form(client, supervisor, drawer, bad):
    client.force_login(supervisor)
    url = reverse("payments:pickup", args=[drawer.pk])
    response = client.post(url, with_token({"amount": "50.00"}, bad), follow=True)

    assert response.redirect_chain[-1][0] == reverse("payments:approvals")
    html = response.content.decode()
    assert message_shown(html)
    assert not CashMovement.objects.exists()
    (fresh,) = page_tokens(html)  # the drawer's pickup form, with a new token
    assert fresh != bad
    done = client.post(url, {"amount": "50.00", "token": fresh}, follow=True)
    assert "Picked up $50.00" in done.content.decode()
    assert drawer.movements.get().kind == CashMovement.Kind.PICKUP


def test_a_pickup_sent_twice_is_recorded_once(client, supervisor, drawer):
    client.force_login(supervisor)
    url = reverse("payments:pickup", args=[drawer.pk])
    data = {"amount": "50.00", "token": str(uuid.uuid4())}
    client.post(url, data)
    again = client.post(url, data, follow=True)
    assert "Picked up $50.00" in again.content.decode()
    assert drawer.movements.get().amount == D("50.00")


# The cart's post


def _cart_ready(client, dana, supervisor) -> str:
    """A $75.00 tax bill and $80.00 cash in the cart; returns the cart's token."""
    bill = issue(dana, supervisor, amount="75.00")
    client.post(reverse("payments:cart_bill_add"), {"bill": bill.pk}, **HTMX)
    client.post(reverse("payments:cart_tender_add"), {"kind": "cash", "amount": "80.00"}, **HTMX)
    return client.session["counter_cart"]["token"]


@pytest.mark.parametrize("bad", BAD_TOKENS)
def test_a_cart_post_with_a_bad_token_says_so_and_offers_the_cart_again(
    clerk_client, drawer, dana, supervisor, bad
):
    token = _cart_ready(clerk_client, dana, supervisor)
    url = reverse("payments:cart_post")
    response = clerk_client.post(url, with_token({}, bad), **HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert message_shown(html)
    assert not Payment.objects.exists()
    assert page_tokens(html) == [token]  # the cart's own token: post again and it posts
    done = clerk_client.post(url, {"token": token}, **HTMX)
    assert done.status_code == 204
    assert Payment.objects.get().total == D("75.00")


def test_a_cart_post_with_a_bad_token_without_htmx_says_so_on_the_counter(
    clerk_client, drawer, dana, supervisor
):
    _cart_ready(clerk_client, dana, supervisor)
    page = clerk_client.post(reverse("payments:cart_post"), {"token": "x"}, follow=True)
    assert page.redirect_chain[-1][0] == reverse("payments:counter")
    assert message_shown(page.content.decode())
    assert not Payment.objects.exists()


def test_a_cart_post_sent_twice_posts_once_and_shows_the_first_receipt(
    clerk_client, drawer, dana, supervisor
):
    token = _cart_ready(clerk_client, dana, supervisor)
    first = clerk_client.post(reverse("payments:cart_post"), {"token": token}, **HTMX)
    again = clerk_client.post(reverse("payments:cart_post"), {"token": token}, **HTMX)
    payment = Payment.objects.get()
    assert first["HX-Redirect"] == again["HX-Redirect"] == payment.get_absolute_url()
    assert payment.total == D("75.00")


def test_every_counter_form_with_a_token_is_covered_here():
    # A new form with a one-time token must take the shared field (and get tests here).
    from cashiering.forms import OneTimeTokenForm
    from payments import forms

    with_tokens = {
        name
        for name, form in vars(forms).items()
        if isinstance(form, type)
        and form.__module__ == forms.__name__
        and "token" in getattr(form, "base_fields", {})
    }
    assert with_tokens == {
        "DrawerOpenForm",
        "CashMovementForm",
        "PostForm",
        "CreditRefundForm",
        "RefundForm",
    }
    for name in with_tokens:
        assert issubclass(getattr(forms, name), OneTimeTokenForm), name
