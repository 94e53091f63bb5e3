"""billing.liens.certificate_changes: what changed on a certificate's parcel since it was issued,
and through which postings. "Since" is since the moment of issue, not the day: a payment taken
earlier the same day is already in the certificate's amounts (Django's Now() is PostgreSQL's
statement time, so postings in one test's transaction still come one after another)."""

import uuid
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from billing.liens import certificate_changes
from billing.selectors import amount_due
from billing.services import lien_certificate_issue
from payments.services import BillItem, payment_record
from tests.payments.conftest import cash


def pay(drawer, clerk, bill, amount: str):
    return payment_record(
        drawer=drawer,
        items=[BillItem(bill_id=bill.pk, amount=Decimal(amount))],
        tenders=[cash(amount)],
        token=uuid.uuid4(),
        by=clerk,
    )


def test_only_what_was_posted_after_the_moment_of_issue_is_listed(drawer, clerk, two_years):
    today = timezone.localdate()
    bill = two_years["A"]
    # Given: a part payment in the morning, then the certificate, then another part payment.
    morning = pay(drawer, clerk, bill, "500.00")
    certificate = lien_certificate_issue(
        property=bill.property, good_through=today + timedelta(days=5), by=clerk, issued_on=today
    )
    afternoon = pay(drawer, clerk, bill, "100.00")

    # When
    changes = certificate_changes(certificate)

    # Then: the bill changed through the afternoon's payment only; the morning's is in the
    # certificate's amounts already.
    assert [change.bill.pk for change in changes.items] == [bill.pk]
    receipts = [row.receipt_number for row in changes.items[0].events]
    assert receipts == [afternoon.receipt_number]
    assert morning.receipt_number not in receipts
    bill.refresh_from_db()
    assert changes.items[0].now == amount_due(bill, certificate.good_through).total
