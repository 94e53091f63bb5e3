"""The counter's cart column and receipt page (payments.views counter_view, cart_fee_add,
payment_view): no change due on an empty cart, only priced fee types offered, a post button
that says what it does, and a print key on the receipt."""

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import FeePrice, FeeType
from payments.services import BillItem, payment_record
from tests.payments.conftest import cash, fee, issue

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def clerk_client(client, clerk, drawer):
    client.force_login(clerk)
    return client


def unpriced_fee(code: str = "dog_license", starts_in_days: int | None = None) -> FeeType:
    """A fee type an Admin has made but not priced (or priced only from a later day)."""
    fee_type = FeeType.objects.create(
        code=code,
        name="Dog license" if code == "dog_license" else "Boat slip",
        category=FeeType.Category.OTHER,
        revenue_account=fee("tag_sheet").revenue_account,
    )
    if starts_in_days is not None:
        FeePrice.objects.create(
            fee_type=fee_type,
            effective_from=timezone.localdate() + timedelta(days=starts_in_days),
            price=Decimal("15.00"),
        )
    return fee_type


def test_an_empty_cart_with_a_tender_shows_no_change_due(clerk_client):
    html = clerk_client.post(
        reverse("payments:cart_tender_add"), {"kind": "cash", "amount": "20.00"}, **HTMX
    ).content.decode()
    assert "Change due" not in html and "data-change" not in html
    assert "Nothing to pay yet" in html
    assert "the tenders wait for a bill or a fee" in html
    page = clerk_client.get(reverse("payments:counter")).content.decode()
    assert "Change due" not in page


def test_a_cart_with_a_bill_still_shows_its_change(clerk_client, dana, supervisor):
    bill = issue(dana, supervisor, amount="15.00")
    clerk_client.post(reverse("payments:cart_bill_add"), {"bill": bill.pk}, **HTMX)
    html = clerk_client.post(
        reverse("payments:cart_tender_add"), {"kind": "cash", "amount": "20.00"}, **HTMX
    ).content.decode()
    assert re.search(r"data-change>\$5\.00<", html)


def test_fee_types_without_a_price_today_are_not_offered(clerk_client):
    none = unpriced_fee()
    later = unpriced_fee("boat_slip", starts_in_days=3)
    page = clerk_client.get(reverse("payments:counter")).content.decode()
    offered = re.search(r'<select name="fee_type".*?</select>', page, re.S)
    assert offered is not None
    assert f'value="{fee("tag_sheet").pk}"' in offered.group(0)
    assert f'value="{none.pk}"' not in offered.group(0)
    assert f'value="{later.pk}"' not in offered.group(0)


def test_a_fee_type_without_a_price_is_refused_with_a_sentence(clerk_client):
    none = unpriced_fee()
    html = clerk_client.post(
        reverse("payments:cart_fee_add"), {"fee_type": none.pk, "quantity": "1"}, **HTMX
    ).content.decode()
    assert f"Dog license has no price on {timezone.localdate():%m/%d/%Y}; an Admin sets it." in html
    assert clerk_client.session["counter_cart"]["items"] == []


def test_the_post_button_says_it_records_and_shows_the_receipt(clerk_client):
    page = clerk_client.get(reverse("payments:counter")).content.decode()
    assert "Post payment and show receipt (F8)" in page
    assert "print it there with <kbd>P</kbd>" in page
    assert "print receipt (F8)" not in page
    # The cart column is the one that stays in view (counter.css makes it sticky).
    assert 'class="counter-cart"' in page and "css/counter.css" in page


def test_the_receipt_page_advertises_its_print_key(clerk_client, drawer, dana, supervisor):
    bill = issue(dana, supervisor, amount="10.00")
    payment = payment_record(
        drawer=drawer,
        items=[BillItem(bill.pk, Decimal("10.00"))],
        tenders=[cash("10.00")],
        token=uuid.uuid4(),
        by=drawer.clerk,
    )
    page = clerk_client.get(payment.get_absolute_url()).content.decode()
    assert re.search(
        r'aria-keyshortcuts="P" data-print-receipt>Print receipt \(80 mm\) <kbd>P</kbd>', page
    )
    assert "js/receipt.js" in page
