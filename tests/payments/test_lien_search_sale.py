"""A lien search sold at the counter (payments.services.payment_record with a FeeItem naming a
parcel and a good-through date): the fee posts like any fee sale, the certificate is issued and
numbered in the same transaction, named on the receipt, and VOID when the sale is voided. Then
the counter's pages: the preview, the cart, the receipt's link, and the payoff."""

import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from billing.liens import certificate_changes, certificate_is_void, lien_terms, liens_on
from billing.models import LienCertificate
from billing.selectors import amount_due
from billing.services import lien_certificate_issue
from ledger.models import JournalLine
from payments.errors import PaymentError
from payments.models import PaymentItem
from payments.services import BillItem, FeeItem, payment_record, payment_refund, payment_void
from tests.payments.conftest import cash, new_user, open_drawer

D = Decimal


def lien_search(parcel, good_through=None) -> FeeItem:
    return FeeItem(
        fee_type_id=lien_terms().fee_type_id,
        parcel_id=parcel.pk,
        good_through=good_through or timezone.localdate() + timedelta(days=30),
    )


def sell(drawer, clerk, item, tender="25.00"):
    return payment_record(
        drawer=drawer, items=[item], tenders=[cash(tender)], token=uuid.uuid4(), by=clerk
    )


def test_a_lien_search_posts_its_fee_and_issues_the_certificate(drawer, clerk, two_years):
    parcel = two_years["A"].property
    good_through = timezone.localdate() + timedelta(days=30)

    payment = sell(drawer, clerk, lien_search(parcel, good_through))

    item = PaymentItem.objects.select_related("lien_certificate").get(payment=payment)
    certificate = item.lien_certificate
    assert certificate is not None
    year = timezone.localdate().year
    assert certificate.number == f"LC-{year}-000001"
    assert (certificate.issued_by, certificate.good_through) == (clerk, good_through)
    assert not certificate.training
    expected = liens_on(parcel, good_through=good_through, issued_on=timezone.localdate())
    assert certificate.payoff == expected.payoff and certificate.items.count() == 4
    # The fee: $25.00 to 4320 Revenue - certificates and searches, like any fee sale.
    assert item.amount == D("25.00") and item.kind == PaymentItem.Kind.FEE
    revenue = JournalLine.objects.get(entry=payment.entry, account__code="4320")
    assert revenue.amount == D("-25.00")
    assert item.description.startswith(f"Lien search certificate LC-{year}-000001, parcel 24.-3-1")


def test_a_trainee_cannot_sell_a_lien_search(office, two_years):
    trainee = new_user("trainee-at-window", "Trainee")
    drawer = open_drawer(trainee, office, number=2)

    with pytest.raises(PaymentError, match="A Trainee does not sell a lien search"):
        sell(drawer, trainee, lien_search(two_years["A"].property))

    assert not LienCertificate.objects.exists()


def test_numbers_stay_gapless_when_a_sale_rolls_back(drawer, clerk, two_years):
    parcel = two_years["A"].property

    # Given: a sale whose transaction rolls back after the certificate was numbered.
    with pytest.raises(RuntimeError), transaction.atomic():
        sell(drawer, clerk, lien_search(parcel))
        raise RuntimeError("the power went out")

    # When: the next sale.
    payment = sell(drawer, clerk, lien_search(parcel))

    # Then: it takes the number the rolled-back one gave back.
    certificate = PaymentItem.objects.get(payment=payment).lien_certificate
    assert certificate.number == f"LC-{timezone.localdate().year}-000001"
    assert LienCertificate.objects.count() == 1


def test_a_training_drawer_numbers_the_training_series(office, clerk, two_years):
    drawer = open_drawer(clerk, office, training=True)

    payment = sell(drawer, clerk, lien_search(two_years["A"].property))

    certificate = PaymentItem.objects.get(payment=payment).lien_certificate
    assert certificate.training and certificate.number.startswith("TR-LC-")


def test_a_lien_search_needs_its_parcel_and_a_good_through_date(drawer, clerk, two_years):
    bare = FeeItem(fee_type_id=lien_terms().fee_type_id)
    with pytest.raises(PaymentError, match="sell it from the Lien search form"):
        sell(drawer, clerk, bare)

    too_late = lien_search(two_years["A"].property, timezone.localdate() + timedelta(days=91))
    with pytest.raises(PaymentError, match="at most 90 days"):
        sell(drawer, clerk, too_late)


def test_a_voided_sale_makes_the_certificate_void(drawer, clerk, supervisor, two_years):
    payment = sell(drawer, clerk, lien_search(two_years["A"].property))
    certificate = PaymentItem.objects.get(payment=payment).lien_certificate
    assert not certificate_is_void(certificate)

    payment_void(payment=payment, reason="Wrong parcel", by=clerk, approved_by=supervisor)

    assert certificate_is_void(certificate)
    assert LienCertificate.objects.filter(pk=certificate.pk).exists()


# The counter's pages


def test_the_counter_previews_a_lien_search_and_sells_it(client, drawer, clerk, two_years):
    client.force_login(clerk)
    good_through = timezone.localdate() + timedelta(days=20)
    form = {"parcel": " 24.-3-1 ", "good_through": good_through.isoformat()}
    expected = liens_on(
        two_years["A"].property, good_through=good_through, issued_on=timezone.localdate()
    )

    preview = client.post(reverse("payments:lien_search"), form, HTTP_HX_REQUEST="true")
    assert preview.status_code == 200
    assert f"{expected.payoff:,.2f}" in preview.text
    assert "Add the lien search to the cart ($25.00)" in preview.text

    added = client.post(reverse("payments:cart_lien_add"), form, HTTP_HX_REQUEST="true")
    assert "Lien search certificate, parcel 24.-3-1" in added.text
    token = client.session["counter_cart"]["token"]
    client.post(reverse("payments:cart_tender_add"), {"kind": "cash", "amount": "25.00"})
    posted = client.post(reverse("payments:cart_post"), {"token": token})

    certificate = LienCertificate.objects.get()
    receipt = client.get(posted.url)
    assert f"Print certificate {certificate.number}" in receipt.text
    assert reverse("billing:lien_certificate_pdf", args=[certificate.pk]) in receipt.text
    pdf = client.get(
        reverse("payments:receipt_pdf", args=[certificate.payment_item.payment.receipt_number])
    )
    assert pdf.status_code == 200


def test_the_preview_says_what_is_wrong(client, drawer, clerk, two_years):
    client.force_login(clerk)
    late = (timezone.localdate() + timedelta(days=120)).isoformat()

    unknown = client.post(
        reverse("payments:lien_search"),
        {"parcel": "99.-9-9", "good_through": late},
        HTTP_HX_REQUEST="true",
    )
    too_late = client.post(
        reverse("payments:lien_search"),
        {"parcel": "24.-3-1", "good_through": late},
        HTTP_HX_REQUEST="true",
    )

    assert "No parcel 99.-9-9 is on file" in unknown.text
    assert "at most 90 days after the date of issue" in too_late.text


def test_a_trainee_sees_no_lien_search_and_is_refused_one(client, office, two_years):
    trainee = new_user("trainee-counter", "Trainee")
    open_drawer(trainee, office, number=2)
    client.force_login(trainee)

    counter = client.get(reverse("payments:counter"))
    refused = client.post(
        reverse("payments:cart_lien_add"),
        {"parcel": "24.-3-1", "good_through": timezone.localdate().isoformat()},
        HTTP_HX_REQUEST="true",
    )

    assert "Lien search" not in counter.text
    assert "A Trainee does not sell a lien search" in refused.text
    assert client.session["counter_cart"]["items"] == []


def test_the_payoff_goes_into_the_cart_in_one_step(client, drawer, clerk, two_years):
    today = timezone.localdate()
    parcel = two_years["A"].property
    certificate = lien_certificate_issue(
        property=parcel, good_through=today + timedelta(days=10), by=clerk, issued_on=today
    )
    # Given: one of the liens was paid since.
    paid = two_years["D"]
    due = amount_due(paid, today).total
    payment_record(
        drawer=drawer,
        items=[BillItem(bill_id=paid.pk, amount=due, expected_due=due)],
        tenders=[cash(str(due))],
        token=uuid.uuid4(),
        by=clerk,
    )
    client.force_login(clerk)

    # When: the payoff button, pressed twice.
    client.post(reverse("payments:cart_lien_payoff", args=[certificate.pk]))
    again = client.post(reverse("payments:cart_lien_payoff", args=[certificate.pk]), follow=True)

    # Then: the three unpaid liens, once each, for what they owe today.
    rows = client.session["counter_cart"]["items"]
    assert [row["bill_id"] for row in rows] == [two_years[k].pk for k in "ABC"]
    owed = liens_on(parcel, good_through=today, issued_on=today)
    assert sum(D(row["amount"]) for row in rows) == owed.payoff
    notes = " ".join(str(m) for m in again.context["messages"])
    assert f"Bill {paid.number} was paid since the certificate; it is skipped." in notes
    assert f"Bill {two_years['A'].number} is already in the cart." in notes


def test_a_payoff_after_the_good_through_date_is_recomputed_as_of_today(
    client, drawer, clerk, two_years
):
    today = timezone.localdate()
    parcel = two_years["A"].property
    certificate = lien_certificate_issue(
        property=parcel,
        good_through=today - timedelta(days=10),
        by=clerk,
        issued_on=today - timedelta(days=40),
    )
    client.force_login(clerk)

    response = client.post(reverse("payments:cart_lien_payoff", args=[certificate.pk]), follow=True)

    notes = " ".join(str(m) for m in response.context["messages"])
    assert "the amounts were recomputed as of today" in notes
    rows = client.session["counter_cart"]["items"]
    owed = liens_on(parcel, good_through=today, issued_on=today)
    assert sum(D(row["amount"]) for row in rows) == owed.payoff
    assert owed.payoff >= certificate.payoff


def test_the_payoff_needs_an_open_drawer(client, clerk, office, two_years):
    today = timezone.localdate()
    certificate = lien_certificate_issue(
        property=two_years["A"].property, good_through=today, by=clerk, issued_on=today
    )
    client.force_login(clerk)

    response = client.post(reverse("payments:cart_lien_payoff", args=[certificate.pk]))

    assert response.url == reverse("payments:drawer_open")


def test_a_lien_paid_in_the_same_visit_is_not_certified_as_unpaid(drawer, clerk, two_years):
    # Given: the closing agent pays the oldest lien in full and buys the lien search at once.
    today = timezone.localdate()
    paid, part_paid = two_years["A"], two_years["B"]
    due = amount_due(paid, today).total
    payment = payment_record(
        drawer=drawer,
        items=[
            BillItem(bill_id=paid.pk, amount=due, expected_due=due),
            BillItem(bill_id=part_paid.pk, amount=D("100.00")),
            lien_search(paid.property),
        ],
        tenders=[cash(str(due + D("125.00")))],
        token=uuid.uuid4(),
        by=clerk,
    )

    # Then: the certificate states the parcel as the visit left it, so nothing has changed
    # since it was issued.
    certificate = PaymentItem.objects.get(payment=payment, kind="fee").lien_certificate
    listed = {item.bill_id: item for item in certificate.items.all()}
    assert paid.pk not in listed
    part_paid.refresh_from_db()
    assert listed[part_paid.pk].total == amount_due(part_paid, certificate.good_through).total
    assert (
        certificate.payoff
        == liens_on(paid.property, good_through=certificate.good_through, issued_on=today).payoff
    )
    assert not certificate_changes(certificate).changed


def test_the_same_lien_search_goes_into_the_cart_once(client, drawer, clerk, two_years):
    client.force_login(clerk)
    good_through = timezone.localdate() + timedelta(days=20)
    form = {"parcel": "24.-3-1", "good_through": good_through.isoformat()}

    # When: the add button is pressed twice (a double click, or the page reloaded).
    client.post(reverse("payments:cart_lien_add"), form, HTTP_HX_REQUEST="true")
    again = client.post(reverse("payments:cart_lien_add"), form, follow=True)
    # and once more for another good-through date: another certificate, sold on its own.
    later = {**form, "good_through": (good_through + timedelta(days=1)).isoformat()}
    client.post(reverse("payments:cart_lien_add"), later, HTTP_HX_REQUEST="true")

    # Then: the one search is in the cart once, and the clerk is told why nothing was added.
    rows = client.session["counter_cart"]["items"]
    assert [row["good_through"] for row in rows] == [form["good_through"], later["good_through"]]
    notes = " ".join(str(m) for m in again.context["messages"])
    assert "is already in the cart" in notes


def test_a_refund_that_takes_back_the_search_fee_makes_the_certificate_void(
    drawer, clerk, supervisor, two_years
):
    # Given: a visit that paid a lien and bought the search, the search last.
    bill = two_years["A"]
    due = amount_due(bill, timezone.localdate()).total
    payment = payment_record(
        drawer=drawer,
        items=[BillItem(bill_id=bill.pk, amount=due), lien_search(bill.property)],
        tenders=[cash(str(due + D("25.00")))],
        token=uuid.uuid4(),
        by=clerk,
    )
    certificate = PaymentItem.objects.get(payment=payment, kind="fee").lien_certificate

    # When: part of the fee is refunded, then the rest (refunds take back the last item first).
    refund = {"payment": payment, "by": clerk, "approved_by": supervisor, "drawer": drawer}
    payment_refund(**refund, reason="Search not needed", amount=D("10.00"))
    part_refunded = certificate_is_void(certificate)
    payment_refund(**refund, reason="Search not needed", amount=D("15.00"))

    # Then: the certificate stands while part of its fee does, and is VOID once none does;
    # the payment itself still stands for the bill it paid.
    assert not part_refunded
    assert certificate_is_void(certificate)
    payment.refresh_from_db()
    assert payment.status == payment.Status.POSTED


def test_the_preview_puts_each_error_next_to_its_field(client, drawer, clerk, two_years):
    client.force_login(clerk)
    late = (timezone.localdate() + timedelta(days=120)).isoformat()

    # When: a parcel not on file and a date too late; then a right parcel and no date.
    both = client.post(
        reverse("payments:lien_search"),
        {"parcel": "99.-9-9", "good_through": late},
        HTTP_HX_REQUEST="true",
    )
    no_date = client.post(
        reverse("payments:lien_search"), {"parcel": "24.-3-1"}, HTTP_HX_REQUEST="true"
    )

    # Then: each field says what is wrong with it, is marked invalid and described by its
    # message (announced as it appears), and the first wrong field takes the focus.
    parcel = field(both.text, "id_parcel")
    assert 'aria-invalid="true"' in parcel and 'aria-describedby="id_parcel-error"' in parcel
    assert "autofocus" in parcel
    assert "No parcel 99.-9-9 is on file" in error_of(both.text, "id_parcel")
    date_box = field(both.text, "id_good_through")
    assert 'aria-invalid="true"' in date_box and "autofocus" not in date_box
    assert "at most 90 days after the date of issue" in error_of(both.text, "id_good_through")
    assert 'aria-invalid="true"' not in field(no_date.text, "id_parcel")
    assert "autofocus" in field(no_date.text, "id_good_through")
    assert "the closing date" in error_of(no_date.text, "id_good_through")
    # and no preview of another search is left standing beside the errors.
    assert 'name="Lien search preview"' not in both.text and "Payoff through" not in both.text


def field(page: str, id_: str) -> str:
    """The <input> tag whose id is `id_`."""
    [tag] = re.findall(rf'<input[^>]*\bid="{id_}"[^>]*>', page)
    return tag


def error_of(page: str, id_: str) -> str:
    [message] = re.findall(rf'<div id="{id_}-error"[^>]*role="alert"[^>]*>(.*?)</div>', page, re.S)
    return message


def test_a_card_number_typed_as_the_parcel_is_refused_and_not_shown_back(
    client, drawer, clerk, two_years
):
    client.force_login(clerk)
    typed = {"parcel": "4111 1111 1111 1111", "good_through": timezone.localdate().isoformat()}

    preview = client.post(reverse("payments:lien_search"), typed, HTTP_HX_REQUEST="true")
    added = client.post(reverse("payments:cart_lien_add"), typed, follow=True)

    # Refused as any card number is, and neither echoed into the page nor kept in a message.
    assert "looks like a card number" in error_of(preview.text, "id_parcel")
    notes = " ".join(str(m) for m in added.context["messages"])
    assert "looks like a card number" in notes
    for page in (preview.text, added.text, notes):
        assert "4111" not in page and "1111 1111" not in page
