"""Amounts typed at the counter go through ledger.money's one parser (issue 8, §3): "12,50" is
refused there as in imports, not taken as $1,250.00."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tests.payments.conftest import issue

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def clerk_client(client, clerk):
    client.force_login(clerk)
    return client


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12,50", "“12,50” is not an amount: a comma may only separate thousands, as in 1,234.56."),
        ("1,2,3", "“1,2,3” is not an amount: a comma may only separate thousands, as in 1,234.56."),
        ("1E5", "“1E5” is not an amount: write digits with a point, as in 1,234.56."),
        ("\u0661\u0662", "“\u0661\u0662” is not an amount: write digits with a point"),
        ("\uff11\uff12", "“\uff11\uff12” is not an amount: write digits with a point"),
        ("12.345", "“12.345” has more than two decimal places (whole cents)."),
    ],
)
def test_a_bill_amount_is_read_by_the_one_parser(
    clerk_client, drawer, dana, supervisor, typed, message
):
    bill = issue(dana, supervisor, amount="2000.00")
    clerk_client.post(reverse("payments:cart_bill_add"), {"bill": bill.pk})
    page = clerk_client.post(
        reverse("payments:cart_item_update", args=[0]), {"amount": typed}, **HTMX
    )
    assert page.status_code == 200
    assert message in page.content.decode()
    assert clerk_client.session["counter_cart"]["items"][0]["amount"] == "2000.00"


@pytest.mark.parametrize("typed", ["1234.56", "1,234.56", "$1,234.56"])
def test_amounts_written_the_american_way_are_taken(clerk_client, drawer, dana, supervisor, typed):
    bill = issue(dana, supervisor, amount="2000.00")
    clerk_client.post(reverse("payments:cart_bill_add"), {"bill": bill.pk})
    clerk_client.post(reverse("payments:cart_item_update", args=[0]), {"amount": typed}, **HTMX)
    assert Decimal(clerk_client.session["counter_cart"]["items"][0]["amount"]) == Decimal("1234.56")
    clerk_client.post(reverse("payments:cart_tender_add"), {"kind": "cash", "amount": typed})
    assert [t["amount"] for t in clerk_client.session["counter_cart"]["tenders"]] == ["1234.56"]


def test_a_tender_too_large_gets_one_message_not_the_same_twice(clerk_client, drawer):
    page = clerk_client.post(
        reverse("payments:cart_tender_add"),
        {"kind": "cash", "amount": "99999999999999999"},
        **HTMX,
    )
    text = page.content.decode()
    assert text.count("is more than the books can hold") == 1
    assert (
        "“99999999999999999” is more than the books can hold (at most $999,999,999,999.99)." in text
    )
    assert clerk_client.session["counter_cart"]["tenders"] == []
