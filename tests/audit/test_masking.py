"""Contact details are masked in lists (billing.masking): the look-up and the counter's search
show the last four digits of a phone, the first letter of an email, a street without its
number, and a Show button (logged) for the rest."""

import pytest
from django.urls import reverse

from audit.models import AccessEvent
from billing.masking import email_masked, phone_masked, street_masked
from tests.payments.conftest import open_drawer

pytestmark = pytest.mark.django_db


def test_the_masks():
    assert phone_masked("(607) 555-6580") == "•••-•••-6580"
    assert phone_masked("") == ""
    assert email_masked("dana@example.com") == "d•••@example.com"
    assert email_masked("") == ""
    assert street_masked("212 N Aurora St") == "••• N Aurora St"
    assert street_masked("") == ""


def _with_contact(dana):
    dana.phone, dana.email = "(607) 555-6580", "dana@example.com"
    dana.save()
    return dana


def test_the_look_up_masks_contact_details_and_logs_nothing(client, clerk, reference, dana):
    # given a customer with a phone and an email who owes a bill
    _with_contact(dana)
    client.force_login(clerk)
    # when a clerk searches for her
    page = client.get(reverse("billing:search"), {"q": "Whitfield"}).content.decode()
    # then the list shows her details masked, and a Show button
    assert "Dana Whitfield" in page
    assert "••• N Aurora St" in page and "•••-•••-6580" in page and "d•••@example.com" in page
    assert "212 N Aurora" not in page and "555-6580" not in page and "dana@example" not in page
    assert reverse("billing:customer_contact", args=[dana.pk]) in page
    assert not AccessEvent.objects.exists()


def test_the_counter_search_masks_contact_details(client, clerk, office, dana):
    # given a clerk at the counter, their drawer open
    _with_contact(dana)
    open_drawer(clerk, office)
    client.force_login(clerk)
    # when they search
    page = client.post(
        reverse("payments:search"), {"q": "Whitfield"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    # then the details are masked too
    assert "Dana Whitfield" in page
    assert "••• N Aurora St" in page and "•••-•••-6580" in page
    assert "212 N Aurora" not in page and "555-6580" not in page
