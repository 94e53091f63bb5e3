"""Every month-close and export page answers hostile input with a message, never a 500, and
saves nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from ledger.models import AccountingPeriod, PeriodState
from reconciliation.models import PostingExport, ReferralFile, VendorPayment

HOSTILE = [
    "",
    "\x00",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "4111 1111 1111 1111",
    "x" * 5000,
    "-1",
    "1E400",
    "0001-01-01",
    "9999-12-31",
    "NaN",
    "\u202e",
]

PAGES = [
    ("post", "month_close", ["period", "confirmed"]),
    ("get", "month_end", ["period", "format"]),
    ("get", "gl_export", ["date_from", "date_to", "detailed"]),
    ("get", "revenue", ["date_from", "date_to", "format"]),
    ("post", "postings", ["system"]),
    ("post", "referrals", ["days_past_due"]),
]


@pytest.mark.parametrize(("method", "name", "fields"), PAGES, ids=[p[1] for p in PAGES])
def test_hostile_values_are_a_message(client, supervisor, method, name, fields, db):
    AccountingPeriod.objects.create(name="2026-10", start_date="2026-10-01", end_date="2026-10-31")
    client.force_login(supervisor)
    url = reverse(f"reconciliation:{name}")
    for value in HOSTILE:
        response = getattr(client, method)(url, dict.fromkeys(fields, value))
        assert response.status_code < 500, (name, value)
    assert not PostingExport.objects.exists()
    assert not ReferralFile.objects.exists()
    assert AccountingPeriod.objects.get().state == PeriodState.OPEN


@pytest.mark.parametrize(
    "content",
    [
        b"\x00" * 100,
        b"ticket_number,amount,paid_date,vendor_ref\n\x00,\x00,\x00,\x00\n",
        b'ticket_number,amount,paid_date,vendor_ref\n"unterminated,1,2026-01-01,V\n',
        b"ticket_number,amount,paid_date,vendor_ref\nT,1E400,2026-01-01,V\n",
        b"ticket_number,amount,paid_date,vendor_ref\nT,1.00,0001-01-01,V\n",
        "ticket_number,amount,paid_date,vendor_ref\nT,1.00,2026-01-01,\u202e\n".encode(),
    ],
)
def test_a_hostile_vendor_file_is_a_message(client, supervisor, content, db):
    client.force_login(supervisor)
    upload = SimpleUploadedFile("v.csv", content)
    response = client.post(reverse("reconciliation:vendor_payments"), {"file": upload})
    assert response.status_code == 200
    assert not VendorPayment.objects.exists()


@pytest.mark.parametrize("typed", ["١٢٣", "1E2", "0", "3651", "-5", "12.5", ""])
def test_the_referral_days_take_plain_whole_numbers_only(typed):
    from reconciliation.forms_month import ReferralForm

    form = ReferralForm(data={"days_past_due": typed})
    assert not form.is_valid()
    assert form.errors["days_past_due"]


def test_the_referral_days_take_a_plain_number():
    from reconciliation.forms_month import ReferralForm

    form = ReferralForm(data={"days_past_due": "60"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["days_past_due"] == 60
