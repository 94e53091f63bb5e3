"""What billing's pages show to whom (billing.views): the public verification of a lien
certificate shows only what identifies the certificate (issue 11), nothing of its owner, the
parcel's address or the bills behind it."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.services import lien_certificate_issue


@pytest.fixture
def certificate(two_years, dana, clerk):
    dana.phone = "607-555-0134"
    dana.email = "dana@example.org"
    dana.save()
    today = timezone.localdate()
    return lien_certificate_issue(
        property=two_years["A"].property,
        good_through=today + timedelta(days=10),
        by=clerk,
        issued_on=today,
    )


def test_the_verification_page_lists_only_what_identifies_the_certificate(client, certificate):
    # when a stranger follows the certificate's QR code
    page = client.get(reverse("verify", args=[certificate.verification_code])).text

    # then its list holds the number, parcel, good-through date, payoff and changed: no more
    values = [
        re.sub(r"<[^>]+>", "", value).strip()
        for value in re.findall(r"<dd[^>]*>(.*?)</dd>", page, re.S)
    ]
    assert values == [
        certificate.number,
        certificate.parcel_number,
        certificate.good_through.strftime("%m/%d/%Y"),
        f"${certificate.payoff:,.2f}",
        "No",
    ]


def test_the_verification_page_shows_nothing_of_the_owner_or_the_bills(
    client, certificate, two_years, dana
):
    page = client.get(reverse("verify", args=[certificate.verification_code])).text

    for hidden in (
        dana.name,
        "Whitfield",
        dana.address_line1,
        dana.postal_code,
        dana.phone,
        dana.email,
        "108 E Green St",
        certificate.officer_name,
        *(bill.number for bill in two_years.values()),
        "city tax",
        "Relevied",
    ):
        assert hidden not in page, hidden


def test_a_stranger_gets_no_link_to_the_staff_page(client, certificate):
    page = client.get(reverse("verify", args=[certificate.verification_code])).text

    assert reverse("billing:lien_certificate", args=[certificate.pk]) not in page
    assert reverse("billing:lien_certificate_pdf", args=[certificate.pk]) not in page
