"""The bill adjustment page: a Supervisor reviews, confirms, and the bill's history shows it."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import BillAdjustment, BillType, ChargeType
from billing.services import Charge, bill_issue

D = Decimal


@pytest.fixture
def ticket(reference, dana, clerk):
    # Written today's year on Nov 1 and due the same day: a $20.00 fine.
    return bill_issue(
        number="P-9001",
        bill_type=BillType.PARKING,
        source="test",
        customer=dana,
        description="Parking ticket: Expired meter",
        issue_date=date(2026, 11, 29),
        due_date=date(2026, 11, 29),
        charges=[Charge(ChargeType.objects.get(code="parking_fine"), D("20.00"))],
        by=clerk,
    )


def _token(page) -> str:
    return re.search(r'name="token" value="([0-9a-f-]{36})"', page.text).group(1)


def test_a_supervisor_cancels_a_ticket_after_reviewing_it(client, supervisor, ticket):
    client.force_login(supervisor)
    url = reverse("billing:adjust", args=[ticket.number])
    page = client.get(url)
    assert page.status_code == 200
    form = {"token": _token(page), "kind": "cancel", "reason": "appeal_won", "note": "Dismissed"}

    review = client.post(url, form)

    assert review.status_code == 200
    assert "Check before posting" in review.text
    assert "It will owe <strong>$0.00</strong>" in review.text
    assert not BillAdjustment.objects.exists()

    done = client.post(url, {**form, "confirmed": "on", "amount": "20.00"})

    assert done.status_code == 302 and done["Location"] == ticket.get_absolute_url()
    ticket.refresh_from_db()
    assert ticket.balance == 0
    bill_page = client.get(ticket.get_absolute_url())
    # the bill's history shows the cancellation, its reason and note, down to $0.00
    row = re.search(r"<tr>\s*<td>[^<]*</td>\s*<td>Cancelled</td>.*?</tr>", bill_page.text, re.S)
    assert row is not None
    assert "Appeal won: Dismissed" in row.group(0)
    assert re.search(r">20\.00</td>\s*<td[^>]*>0\.00</td>", row.group(0))
    # the same form again posts nothing more
    client.post(url, {**form, "confirmed": "on", "amount": "20.00"})
    assert BillAdjustment.objects.count() == 1


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("abc", "is not an amount"),
        ("20.01", "it cannot be written down by $20.01"),
        ("1.234", "more than two decimal places"),
        ("", "Say how much to write the bill down by."),
        ("-5", "is not an amount"),
    ],
)
def test_bad_write_downs_get_a_message(client, supervisor, ticket, amount, message):
    client.force_login(supervisor)
    url = reverse("billing:adjust", args=[ticket.number])
    token = _token(client.get(url))
    page = client.post(
        url,
        {"token": token, "kind": "write_down", "amount": amount, "reason": "billing_error",
         "note": "Wrong plate", "confirmed": "on"},
    )  # fmt: skip
    assert page.status_code == 200
    assert message in page.text.replace("&#x27;", "'")
    assert not BillAdjustment.objects.exists()


def test_only_a_supervisor_adjusts(client, clerk, ticket):
    client.force_login(clerk)
    assert client.get(reverse("billing:adjust", args=[ticket.number])).status_code == 403
    assert "Cancel or write down" not in client.get(ticket.get_absolute_url()).text
