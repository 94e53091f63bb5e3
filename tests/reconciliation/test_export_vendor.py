"""Parking tickets referred to the collection vendor and the vendor's payments imported back
(reconciliation.services.exports.referral_file_create, vendor_payments_import); their pages."""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from billing.models import Bill, BillType
from billing.selectors import with_amounts_due
from ledger.models import JournalLine
from ledger.selectors import ledger_violations
from reconciliation.errors import ExportError
from reconciliation.models import VendorPayment, VendorReferral
from reconciliation.services.exports import (
    posting_export_create,
    referral_file_create,
    vendor_payments_import,
)
from tests.payments.conftest import issue

D = Decimal


@pytest.fixture
def tickets(reference, dana, supervisor):
    """Two tickets 90 days past due, one 10 days past due."""
    today = timezone.localdate()
    old = [
        issue(
            dana,
            supervisor,
            bill_type=BillType.PARKING,
            amount="50.00",
            due=today - timedelta(days=90),
        )
        for _ in range(2)
    ]
    recent = issue(
        dana, supervisor, bill_type=BillType.PARKING, amount="50.00", due=today - timedelta(days=10)
    )
    return old, recent


def vendor_file(*rows: tuple[str, str, str, str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["ticket_number", "amount", "paid_date", "vendor_ref"])
    writer.writerows(rows)
    return buffer.getvalue().encode()


def test_tickets_past_due_are_referred_once(tickets, supervisor):
    old, _ = tickets

    made = referral_file_create(days_past_due=60, by=supervisor)

    numbers = [row["ticket_number"] for row in csv.DictReader(io.StringIO(made.content))]
    assert sorted(numbers) == sorted(t.number for t in old)
    assert made.row_count == 2
    assert VendorReferral.objects.count() == 2
    with pytest.raises(ExportError, match="nothing to send"):
        referral_file_create(days_past_due=60, by=supervisor)
    # Fewer days brings in the recent one, alone.
    later = referral_file_create(days_past_due=5, by=supervisor)
    assert later.row_count == 1


def test_referral_days_are_checked(supervisor, clerk, db):
    with pytest.raises(ExportError, match="from 1 to 3650"):
        referral_file_create(days_past_due=0, by=supervisor)
    with pytest.raises(ExportError, match="may not"):
        referral_file_create(days_past_due=60, by=clerk)


def test_vendor_payments_post_to_bank_and_the_tickets(tickets, supervisor):
    old, _ = tickets
    referral_file_create(days_past_due=60, by=supervisor)
    today_ = timezone.localdate()
    owed = {
        o.bill.pk: o.due.total
        for o in with_amounts_due(Bill.objects.filter(pk__in=[t.pk for t in old]), today_)
    }
    today = timezone.localdate().isoformat()
    content = vendor_file(
        (old[0].number, "20.00", today, "V-1"), (old[1].number, "30.00", today, "V-2")
    )

    result = vendor_payments_import(file_name="vendor.csv", content=content, by=supervisor)

    assert result.file is not None and result.file.total == D("50.00")
    assert [r.status for r in result.rows] == ["imported", "imported"]
    bank = JournalLine.objects.get(entry=result.file.entry, account__code="1100")
    assert bank.amount == D("50.00")
    # Penalties due by the paid date are assessed, then the payment comes off.
    assert Bill.objects.get(pk=old[0].pk).balance == owed[old[0].pk] - D("20.00")
    assert Bill.objects.get(pk=old[1].pk).balance == owed[old[1].pk] - D("30.00")
    assert ledger_violations() == []

    # The same file again adds nothing.
    again = vendor_payments_import(file_name="vendor.csv", content=content, by=supervisor)
    assert again.file is None
    assert [r.status for r in again.rows] == ["duplicate", "duplicate"]
    assert VendorPayment.objects.count() == 2

    # And the parking system's posting file carries them, once.
    export = posting_export_create(system="parking", by=supervisor)
    kinds = [row["event"] for row in csv.DictReader(io.StringIO(export.content))]
    assert kinds == ["vendor_payment", "vendor_payment"]


def test_a_bad_row_refuses_the_whole_file_and_says_why(tickets, supervisor):
    old, recent = tickets
    referral_file_create(days_past_due=60, by=supervisor)
    today = timezone.localdate().isoformat()
    content = vendor_file(
        (old[0].number, "20.00", today, "V-1"),
        ("NO-SUCH", "5.00", today, "V-2"),
        (old[1].number, "99999.00", today, "V-3"),
        (recent.number, "5.00", today, "V-4"),
        (old[0].number, "abc", today, "V-5"),
        (old[0].number, "1.00", "yesterday", "V-6"),
        (old[0].number, "1.00", today, "V-1"),
    )

    result = vendor_payments_import(file_name="vendor.csv", content=content, by=supervisor)

    assert result.file is None
    messages = {r.vendor_ref: (r.status, r.message) for r in result.rows if r.status == "refused"}
    assert "No parking ticket numbered NO-SUCH" in messages["V-2"][1]
    assert "Overpayment" in messages["V-3"][1]
    assert "never referred" in messages["V-4"][1]
    assert "abc" in messages["V-5"][1]
    assert "not a date" in messages["V-6"][1]
    assert VendorPayment.objects.count() == 0
    assert not JournalLine.objects.filter(account__code="1100", amount__gt=0).exists()
    assert ledger_violations() == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\xff\xfe\x00bad", "not UTF-8"),
        (b"ticket,amount\nA,1\n", "lacks the columns"),
        (b"ticket_number,amount,paid_date,vendor_ref\n", "no payment rows"),
    ],
)
def test_a_file_that_is_not_a_vendor_file_is_refused(supervisor, content, message):
    with pytest.raises(ExportError, match=message):
        vendor_payments_import(file_name="x.csv", content=content, by=supervisor)


def test_the_pages(client, tickets, supervisor):
    old, _ = tickets
    client.force_login(supervisor)
    made = client.post(reverse("reconciliation:referrals"), {"days_past_due": "60"}, follow=True)
    assert "2 tickets referred" in made.content.decode()
    bad = client.post(reverse("reconciliation:referrals"), {"days_past_due": "-3"})
    assert "is-invalid" in bad.content.decode()

    today = timezone.localdate().isoformat()
    upload = SimpleUploadedFile("v.csv", vendor_file((old[0].number, "10.00", today, "V-9")))
    page = client.post(reverse("reconciliation:vendor_payments"), {"file": upload})
    assert "1 payments imported" in page.content.decode()
    upload = SimpleUploadedFile("v.csv", vendor_file(("NOPE", "10.00", today, "V-10")))
    page = client.post(reverse("reconciliation:vendor_payments"), {"file": upload})
    assert "Nothing was imported" in page.content.decode()
    assert "No parking ticket numbered NOPE" in page.content.decode()
    upload = SimpleUploadedFile("v.csv", b"\xff\xfe")
    page = client.post(reverse("reconciliation:vendor_payments"), {"file": upload})
    assert page.status_code == 200 and "not UTF-8" in page.content.decode()


def test_a_name_a_spreadsheet_would_run_goes_to_the_vendor_as_text(tickets, supervisor, dana):
    """CSV injection: the collection vendor opens the referral file in a spreadsheet."""
    dana.name = '=HYPERLINK("http://evil.example","Pay here")'
    dana.address_line1 = "@SUM(1+1)"
    dana.save()

    made = referral_file_create(days_past_due=60, by=supervisor)

    rows = list(csv.DictReader(io.StringIO(made.content)))
    assert rows, "the tickets were referred"
    names = {value for row in rows for value in row.values()}
    assert '\'=HYPERLINK("http://evil.example","Pay here")' in names
    assert not any(value.startswith(("=", "@", "+")) for value in names)
    # Amounts stay numbers.
    assert all(Decimal(row["amount_due"]) > 0 for row in rows)
