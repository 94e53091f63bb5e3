"""Input a browser (or a billing system's file) can send that must be answered, not crash."""

import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.errors import BillingError, ImportRejected
from billing.models import Bill, BillType, ChargeType, ImportBatch
from billing.services import Charge, bill_import, bill_issue
from ledger.models import Account, AccountingPeriod
from ledger.services import period_close

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01", "1999-12-31"])
def test_far_dates_are_refused_on_the_form(client, clerk, dana, as_of):
    client.force_login(clerk)
    page = client.get(reverse("billing:search"), {"q": "Dana Whitfield", "as_of": as_of})
    assert page.status_code == 200
    assert "Give a date between 01/01/2000" in page.text
    assert (
        client.get(reverse("billing:customer", args=[dana.pk]), {"as_of": as_of}).status_code == 200
    )


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("3412.88", "1e999999999", "“1e999999999” is not an amount: write digits with a point"),
        (",2027,", ",²,", "is not a whole number from 2000 to 2100"),
        ("3412.88", "999999999999.99", "the file's bills add up to more than one entry can post"),
    ],
)
def test_odd_values_in_a_file_are_problems_not_crashes(reference, supervisor, old, new, problem):
    content = (SAMPLES / "tax.csv").read_text().replace(old, new, 1)
    if "999999999999.99" in new:
        content = content.replace("8120.00", "999999999999.99")
    with pytest.raises(ImportRejected) as excinfo:
        bill_import(source="tax", filename="tax.csv", content=content.encode(), by=supervisor)
    assert any(problem in e["problem"] for e in excinfo.value.errors), excinfo.value.errors
    assert not Bill.objects.exists()


def test_a_failing_import_does_not_stay_running(reference, supervisor, monkeypatch):
    import billing.services

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(billing.services, "bills_issue_bulk", broken)
    with pytest.raises(RuntimeError):
        bill_import(
            source="parking",
            filename="p.csv",
            content=(SAMPLES / "parking.csv").read_bytes(),
            by=supervisor,
        )
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.stage) == ("rejected", "failed")
    assert "disk full" in batch.errors[0]["problem"]


def test_a_bill_too_large_for_the_books_is_refused(reference, dana, clerk):
    huge = [Charge(ChargeType.objects.get(code="misc"), Decimal("999999999999.99"))] * 2
    with pytest.raises(BillingError, match="larger than the books can hold"):
        bill_issue(
            number="X1",
            bill_type=BillType.INVOICE,
            source="t",
            customer=dana,
            description="x",
            issue_date=timezone.localdate(),
            due_date=timezone.localdate(),
            charges=huge,
            by=clerk,
        )


def test_a_tampered_invoice_formset_is_answered(client, reference, dana, clerk):
    client.force_login(clerk)
    data = {
        "token": str(uuid.uuid4()),
        "due_date": (timezone.localdate() + timedelta(days=5)).isoformat(),
        "line-TOTAL_FORMS": "4",
        "line-INITIAL_FORMS": "4",
        "line-MIN_NUM_FORMS": "0",
        "line-MAX_NUM_FORMS": "20",
        "line-0-description": "Copies",
        "line-0-unit_price": "2.00",
        "line-0-revenue_account": str(Account.objects.get(code="4390").pk),
    }
    response = client.post(reverse("billing:invoice_new", args=[dana.pk]), data)
    assert response.status_code in (200, 302)


def test_a_ledger_refusal_reaches_the_form(client, reference, dana, clerk, supervisor, monkeypatch):
    today = timezone.localdate()
    ticket = bill_issue(
        number="P2699999",
        bill_type=BillType.PARKING,
        source="t",
        customer=dana,
        description="Parking ticket",
        issue_date=today - timedelta(days=90),
        due_date=today - timedelta(days=90),
        charges=[Charge(ChargeType.objects.get(code="parking_fine"), Decimal("20.00"))],
        by=clerk,
    )
    period = AccountingPeriod.objects.create(name="today", start_date=today, end_date=today)
    # A period closes only once it has ended: close it as of tomorrow, then come back to today.
    with monkeypatch.context() as tomorrow:
        tomorrow.setattr(timezone, "localdate", lambda *a, **k: today + timedelta(days=1))
        period_close(period=period, by=supervisor)
    client.force_login(supervisor)
    response = client.post(
        reverse("billing:waive", args=[ticket.number]),
        {"reason": "Meter was broken that week", "token": uuid.uuid4()},
    )
    assert response.status_code == 200
    assert "closed period" in response.text
