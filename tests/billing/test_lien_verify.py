"""The public verification of a lien certificate (/verify/<code>, billing.views.verify_view):
no sign-in, throttled per client address, and nothing shown but the certificate's number, the
parcel, the good-through date, the payoff, whether anything changed since issue and VOID. The
staff page shows what changed."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.selectors import amount_due
from billing.services import lien_certificate_issue
from payments.services import BillItem, FeeItem, payment_record, payment_void
from tests.payments.conftest import cash

D = Decimal


@pytest.fixture
def certificate(two_years, clerk):
    today = timezone.localdate()
    return lien_certificate_issue(
        property=two_years["A"].property,
        good_through=today + timedelta(days=10),
        by=clerk,
        issued_on=today,
    )


def verify(client, code: str, **extra):
    return client.get(reverse("verify", args=[code]), **extra)


def test_a_stranger_sees_only_what_identifies_the_certificate(client, certificate, two_years):
    response = verify(client, certificate.verification_code)

    assert response.status_code == 200
    page = response.text
    for shown in (
        certificate.number,
        "24.-3-1",
        certificate.good_through.strftime("%m/%d/%Y"),
        f"${certificate.payoff:,.2f}",
    ):
        assert shown in page, shown
    assert "Changed since issue" in page and ">No<" in page
    # Not the owner, the address, the items, the officer, nor a link to the staff page.
    for hidden in (
        "Dana Whitfield",
        "Green St",
        *(bill.number for bill in two_years.values()),
        "1,596",
        certificate.officer_name,
        reverse("billing:lien_certificate", args=[certificate.pk]),
    ):
        assert hidden not in page, hidden


def test_the_code_may_be_typed_in_any_case_with_dashes_or_spaces(client, certificate):
    typed = certificate.code_display.lower()

    assert verify(client, typed).status_code == 200
    assert verify(client, typed.replace("-", " ")).status_code == 200


def test_an_unknown_code_is_not_found(client, certificate):
    assert verify(client, "0000-0000-00").status_code == 404
    assert verify(client, "nonsense").status_code == 404


def test_the_page_is_throttled_per_client(client, certificate, settings):
    settings.VERIFY_REQUESTS_PER_MINUTE = 3

    answers = [verify(client, certificate.verification_code).status_code for _ in range(3)]
    guessing = verify(client, "0000-0000-00")
    other_client = verify(client, certificate.verification_code, REMOTE_ADDR="10.1.2.3")

    assert answers == [200, 200, 200]
    assert guessing.status_code == 429 and "Too many requests" in guessing.text
    assert guessing["Retry-After"] == "60"
    assert certificate.number not in guessing.text
    assert other_client.status_code == 200


def test_an_ipv6_client_is_throttled_by_its_network(client, certificate, settings):
    # An IPv6 host is given a /64 network: a new address for every guess must not be a new
    # client, else the throttle holds back nobody who has IPv6.
    settings.VERIFY_REQUESTS_PER_MINUTE = 2
    code = certificate.verification_code

    answers = [
        verify(client, code, REMOTE_ADDR=f"2001:db8:1:2::{n:x}").status_code for n in range(1, 4)
    ]
    # The same network written out in full is the same client.
    spelled = verify(client, code, REMOTE_ADDR="2001:0db8:0001:0002:ffff:0:0:9")
    another_network = verify(client, code, REMOTE_ADDR="2001:db8:1:3::1")

    assert answers == [200, 200, 429]
    assert spelled.status_code == 429
    assert another_network.status_code == 200


def test_behind_a_proxy_the_client_is_the_address_the_proxy_saw(client, certificate, settings):
    settings.VERIFY_REQUESTS_PER_MINUTE = 1
    settings.TRUSTED_PROXY_HOPS = 1
    code = certificate.verification_code

    first = verify(client, code, HTTP_X_FORWARDED_FOR="203.0.113.9")
    second = verify(client, code, HTTP_X_FORWARDED_FOR="203.0.113.9")
    # A client writing an address of its own in front gains nothing: the proxy's entry is last.
    forged = verify(client, code, HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.9")
    another = verify(client, code, HTTP_X_FORWARDED_FOR="203.0.113.10")

    assert [first.status_code, second.status_code, forged.status_code] == [200, 429, 429]
    assert another.status_code == 200


def test_a_later_payment_shows_as_a_change(client, certificate, two_years, drawer, clerk):
    today = timezone.localdate()
    bill = two_years["B"]
    due = amount_due(bill, today).total
    payment = payment_record(
        drawer=drawer,
        items=[BillItem(bill_id=bill.pk, amount=due, expected_due=due)],
        tenders=[cash(str(due))],
        token=uuid.uuid4(),
        by=clerk,
    )

    public = verify(client, certificate.verification_code)
    client.force_login(clerk)
    staff = client.get(reverse("billing:lien_certificate", args=[certificate.pk]))
    signed_in = verify(client, certificate.verification_code)

    assert "Yes: ask the office for the current amounts" in public.text
    assert payment.receipt_number not in public.text and bill.number not in public.text
    assert "Changed since issue." in staff.text
    assert bill.number in staff.text and payment.receipt_number in staff.text
    assert reverse("billing:lien_certificate", args=[certificate.pk]) in signed_in.text


def test_a_new_lien_billed_since_is_a_change(client, certificate, two_years, dana, supervisor):
    from tests.conftest import charge, tax_bill

    tax_bill(
        certificate.property,
        dana,
        supervisor,
        year=2027,
        installment=1,
        due=timezone.localdate() + timedelta(days=60),
        charges=[charge("special_assessment", "500.00")],
        number="SA2027-1",
    )
    client.force_login(supervisor)

    staff = client.get(reverse("billing:lien_certificate", args=[certificate.pk]))

    assert "New lien billed since" in staff.text and "SA2027-1" in staff.text


def test_a_voided_sale_shows_void(client, drawer, clerk, supervisor, two_years):
    from billing.liens import lien_terms

    payment = payment_record(
        drawer=drawer,
        items=[
            FeeItem(
                fee_type_id=lien_terms().fee_type_id,
                parcel_id=two_years["A"].property.pk,
                good_through=timezone.localdate(),
            )
        ],
        tenders=[cash("25.00")],
        token=uuid.uuid4(),
        by=clerk,
    )
    payment_void(payment=payment, reason="Wrong parcel", by=clerk, approved_by=supervisor)
    certificate = payment.items.get().lien_certificate

    public = verify(client, certificate.verification_code)
    client.force_login(clerk)
    staff = client.get(reverse("billing:lien_certificate", args=[certificate.pk]))

    assert "VOID" in public.text and "VOID" in staff.text
    assert "Put the payoff in the cart" not in staff.text


def test_certificates_are_found_by_number_code_or_parcel(client, certificate, trainee):
    client.force_login(trainee)
    url = reverse("billing:lien_certificates")

    by_number = client.get(url, {"q": certificate.number.lower()})
    by_code = client.get(url, {"q": certificate.code_display})
    by_parcel = client.get(url, {"q": "24.-3-1"})
    nothing = client.get(url, {"q": "LC-1999-000001"})

    assert by_number.url == by_code.url == certificate.get_absolute_url()
    assert certificate.number in by_parcel.text
    assert "No certificate has the number or code" in nothing.text


def test_a_parcel_is_found_as_the_counter_finds_it(client, certificate, clerk):
    # A parcel number pasted with a no-break space or a tab, or typed in small letters, is the
    # parcel the counter's lien search would find (it drops all blanks, ignores case).
    from billing.models import Property

    Property.objects.filter(pk=certificate.property_id).update(parcel_number="24.-3-1.A")
    client.force_login(clerk)
    url = reverse("billing:lien_certificates")

    for typed in ("24.-3-1.a", "24.-3-1.A\u00a0", "\t24.-3- 1.A"):
        found = client.get(url, {"q": typed})
        assert certificate.number in found.text, repr(typed)


def test_a_card_number_in_the_certificate_search_is_refused_at_the_field(
    client, certificate, clerk
):
    client.force_login(clerk)

    page = client.get(reverse("billing:lien_certificates"), {"q": "4111 1111 1111 1111"}).text

    # Said at the field (invalid, described by the message), and the number not shown back.
    assert 'aria-invalid="true"' in page and 'aria-describedby="id_q-error"' in page
    assert "This looks like a full card number" in page
    assert "4111" not in page
