"""billing.services.lien_certificate_issue: numbering, the snapshot it keeps, who may issue one,
and the database keeping it as issued."""

import re
from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from billing.errors import BillingError
from billing.liens import verification_code_normalized
from billing.models import LienCertificate, Property, StaffTitle
from billing.services import lien_certificate_issue

D = Decimal


def test_a_certificate_keeps_the_liens_and_the_parcel_as_they_were(two_years, clerk):
    parcel = two_years["A"].property
    clerk.first_name, clerk.last_name = "Casey", "Clerk"
    clerk.save()

    certificate = lien_certificate_issue(
        property=parcel, good_through=date(2026, 7, 31), by=clerk, issued_on=date(2026, 7, 10)
    )

    assert certificate.number == "LC-2026-000001"
    assert (certificate.parcel_number, certificate.address) == ("24.-3-1", "108 E Green St, Ithaca")
    assert certificate.owners == "Dana Whitfield"
    assert (certificate.principal, certificate.penalty, certificate.interest) == (
        D("4400.00"),
        D("330.00"),
        D("423.00"),
    )
    assert certificate.payoff == D("5153.00")
    items = list(certificate.items.order_by("id"))
    assert [(i.bill.number, i.total) for i in items] == [
        (two_years["A"].number, D("1596.00")),
        (two_years["B"].number, D("1280.00")),
        (two_years["C"].number, D("1166.00")),
        (two_years["D"].number, D("1111.00")),
    ]
    assert items[0].kind == "City property tax, relevied unpaid water charges"
    assert certificate.officer_name == "Casey Clerk"
    assert certificate.officer_title == "Clerk, Office of the City Chamberlain"
    assert "not included" in certificate.statement


def test_numbers_run_on_per_year_and_the_code_is_random_and_grouped(two_years, clerk):
    parcel = two_years["A"].property

    first, second = (
        lien_certificate_issue(
            property=parcel, good_through=date(2026, 7, 31), by=clerk, issued_on=date(2026, 7, 10)
        )
        for _ in range(2)
    )
    next_year = lien_certificate_issue(
        property=parcel, good_through=date(2027, 1, 15), by=clerk, issued_on=date(2027, 1, 4)
    )

    assert [first.number, second.number, next_year.number] == [
        "LC-2026-000001",
        "LC-2026-000002",
        "LC-2027-000001",
    ]
    assert first.verification_code != second.verification_code
    assert re.fullmatch(
        r"[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{2}", first.code_display
    )
    typed = first.code_display.lower().replace("-", " ")
    assert verification_code_normalized(typed) == first.verification_code


def test_training_certificates_have_their_own_series(two_years, clerk):
    parcel = two_years["A"].property
    on = {"good_through": date(2026, 7, 31), "issued_on": date(2026, 7, 10), "by": clerk}

    training = lien_certificate_issue(property=parcel, training=True, **on)
    live = lien_certificate_issue(property=parcel, **on)

    assert (training.number, live.number) == ("TR-LC-2026-000001", "LC-2026-000001")


def test_the_officer_signs_with_their_title_when_an_admin_gave_one(two_years, supervisor):
    StaffTitle.objects.create(user=supervisor, title="Deputy City Chamberlain")

    certificate = lien_certificate_issue(
        property=two_years["A"].property,
        good_through=date(2026, 7, 31),
        by=supervisor,
        issued_on=date(2026, 7, 10),
    )

    assert certificate.officer_title == "Deputy City Chamberlain"


def test_a_parcel_with_nothing_owed_gets_a_certificate_saying_so(reference, clerk):
    parcel = Property.objects.create(parcel_number="30.-1-7", street_address="5 Lake St")

    certificate = lien_certificate_issue(
        property=parcel, good_through=date(2026, 7, 31), by=clerk, issued_on=date(2026, 7, 10)
    )

    assert certificate.payoff == D("0.00") and not certificate.items.exists()
    assert certificate.owners == ""


def test_a_trainee_does_not_issue_one(two_years, trainee):
    with pytest.raises(BillingError, match="Only a Clerk, Supervisor or Admin issues"):
        lien_certificate_issue(
            property=two_years["A"].property,
            good_through=date(2026, 7, 31),
            by=trainee,
            issued_on=date(2026, 7, 10),
        )
    assert not LienCertificate.objects.exists()


def test_a_good_through_date_past_ninety_days_is_refused_and_takes_no_number(two_years, clerk):
    parcel = two_years["A"].property
    with pytest.raises(BillingError, match="at most 90 days"):
        lien_certificate_issue(
            property=parcel, good_through=date(2026, 12, 1), by=clerk, issued_on=date(2026, 7, 10)
        )

    certificate = lien_certificate_issue(
        property=parcel, good_through=date(2026, 7, 31), by=clerk, issued_on=date(2026, 7, 10)
    )

    assert certificate.number == "LC-2026-000001"


def test_the_database_keeps_a_certificate_and_its_items_as_issued(two_years, clerk):
    certificate = lien_certificate_issue(
        property=two_years["A"].property,
        good_through=date(2026, 7, 31),
        by=clerk,
        issued_on=date(2026, 7, 10),
    )
    item = certificate.items.first()

    def sql(statement: str, pk: int):
        with connection.cursor() as cursor:
            cursor.execute(statement, [pk])

    for statement, pk in (
        (
            "UPDATE billing_liencertificate SET payoff = 1, principal = 1 WHERE id = %s",
            certificate.pk,
        ),
        ("DELETE FROM billing_liencertificateitem WHERE id = %s", item.pk),
        ("UPDATE billing_liencertificateitem SET kind = 'x' WHERE id = %s", item.pk),
        ("DELETE FROM billing_liencertificate WHERE id = %s", certificate.pk),
    ):
        with (
            pytest.raises(DatabaseError, match="lien certificates are append-only"),
            transaction.atomic(),
        ):
            sql(statement, pk)
