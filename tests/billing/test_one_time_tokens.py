"""Every billing form with a one-time token (penalty waiver, bill import, invoice, adjustment,
payment plan enrolment and cancellation): a missing or altered token is answered with a message
and a fresh form that can be submitted; the same token twice does the thing once and shows the
first result."""

import re
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from billing.models import (
    Bill,
    BillType,
    ChargeType,
    FeeType,
    ImportBatch,
    PaymentPlan,
    PenaltyWaiver,
    PlanCancellation,
    Property,
)
from billing.services import Charge, bill_issue
from cashiering.forms import FRESH_FORM_MESSAGE
from tests.plans_fixtures import tax_bill

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
BAD_TOKENS = [
    pytest.param(None, id="missing"),
    pytest.param("", id="empty"),
    pytest.param("<b>token</b>", id="altered"),
    pytest.param("7d0c1a36-5b8e-4c3f-9e0a-2f6b1d4c8e9", id="cut-short"),
]
TOKEN_INPUT = re.compile(r'<input type="hidden" name="token" value="([^"]*)"')


def with_token(data: dict, token: str | None) -> dict:
    return {**data, "token": token} if token is not None else dict(data)


def fresh_token(html: str, bad: str | None) -> str:
    (token,) = TOKEN_INPUT.findall(html)
    uuid.UUID(token)  # well formed, or this raises
    assert token != bad
    return token


def message_shown(html: str) -> bool:
    return FRESH_FORM_MESSAGE.replace("'", "&#x27;") in html


@pytest.fixture
def ticket(reference, dana, clerk):
    """A $20.00 ticket from January 5, 2026: $30.00 of late fees by now."""
    return bill_issue(
        number="P2600042",
        bill_type=BillType.PARKING,
        source="test",
        customer=dana,
        description="Parking ticket: Expired meter",
        issue_date=date(2026, 1, 5),
        due_date=date(2026, 1, 5),
        charges=[Charge(ChargeType.objects.get(code="parking_fine"), Decimal("20.00"))],
        by=clerk,
    )


# Penalty waiver

REASON = "Ticket issued in error: meter broken"


@pytest.mark.parametrize("bad", BAD_TOKENS)
def test_a_waiver_with_a_bad_token_says_so_and_offers_a_fresh_form(client, supervisor, ticket, bad):
    client.force_login(supervisor)
    url = reverse("billing:waive", args=[ticket.number])
    response = client.post(url, with_token({"reason": REASON}, bad))

    assert response.status_code == 200
    assert message_shown(response.text)
    assert not PenaltyWaiver.objects.exists()
    assert REASON in response.text  # the reason typed is kept
    token = fresh_token(response.text, bad)
    done = client.post(url, {"reason": REASON, "token": token}, follow=True)
    assert "Waived $30.00 of penalty and interest on bill P2600042." in done.text
    ticket.refresh_from_db()
    assert ticket.balance == Decimal("20.00")


def test_a_waiver_sent_twice_waives_once_and_shows_the_first(client, supervisor, ticket):
    client.force_login(supervisor)
    url = reverse("billing:waive", args=[ticket.number])
    data = {"reason": REASON, "token": str(uuid.uuid4())}
    client.post(url, data)
    again = client.post(url, data, follow=True)
    assert "Waived $30.00 of penalty and interest on bill P2600042." in again.text
    assert ticket.waivers.count() == 1


# Bill import


def parking_csv() -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "parking.csv", (SAMPLES / "parking.csv").read_bytes(), content_type="text/csv"
    )


@pytest.mark.parametrize("bad", BAD_TOKENS)
def test_an_import_with_a_bad_token_says_so_and_offers_a_fresh_form(
    client, supervisor, reference, bad
):
    client.force_login(supervisor)
    url = reverse("billing:import")
    response = client.post(url, with_token({"source": "parking", "file": parking_csv()}, bad))

    assert response.status_code == 200
    assert message_shown(response.text)
    assert not ImportBatch.objects.exists() and not Bill.objects.exists()
    token = fresh_token(response.text, bad)
    done = client.post(url, {"source": "parking", "file": parking_csv(), "token": token})
    assert done.status_code == 302
    assert Bill.objects.filter(source="parking").count() == 3


def test_an_import_sent_twice_imports_once_and_says_so(client, supervisor, reference):
    client.force_login(supervisor)
    url = reverse("billing:import")
    token = str(uuid.uuid4())
    client.post(url, {"source": "parking", "file": parking_csv(), "token": token})
    again = client.post(
        url, {"source": "parking", "file": parking_csv(), "token": token}, follow=True
    )
    assert "already" in again.text
    assert ImportBatch.objects.filter(status="done").count() == 1
    assert Bill.objects.filter(source="parking").count() == 3


# Invoice


def invoice_data(token: str | None) -> dict:
    lien = FeeType.objects.get(code="lien_search")
    return with_token(
        {
            "memo": "Lien search",
            "due_date": (timezone.localdate() + timedelta(days=30)).isoformat(),
            "line-TOTAL_FORMS": "4",
            "line-INITIAL_FORMS": "0",
            "line-MIN_NUM_FORMS": "0",
            "line-MAX_NUM_FORMS": "20",
            "line-0-fee_type": lien.pk,
            "line-0-quantity": "2",
        },
        token,
    )


@pytest.mark.parametrize("bad", BAD_TOKENS)
def test_an_invoice_with_a_bad_token_says_so_and_offers_a_fresh_form(
    client, clerk, reference, dana, bad
):
    client.force_login(clerk)
    url = reverse("billing:invoice_new", args=[dana.pk])
    response = client.post(url, invoice_data(bad))

    assert response.status_code == 200
    assert message_shown(response.text)
    assert not Bill.objects.exists()
    assert 'value="Lien search"' in response.text  # what was typed is kept
    token = fresh_token(response.text, bad)
    done = client.post(url, invoice_data(token))
    assert done.status_code == 302
    assert Bill.objects.get(bill_type=BillType.INVOICE).principal == Decimal("50.00")


def test_an_invoice_sent_twice_makes_one_and_shows_it(client, clerk, reference, dana):
    client.force_login(clerk)
    url = reverse("billing:invoice_new", args=[dana.pk])
    data = invoice_data(str(uuid.uuid4()))
    first = client.post(url, data)
    again = client.post(url, data)
    bill = Bill.objects.get(bill_type=BillType.INVOICE)
    assert first["Location"] == again["Location"] == bill.get_absolute_url()


# Payment plans (enrolment and cancellation)


@pytest.fixture
def delinquent_parcel(reference, dana, supervisor):
    """A parcel of Dana's with a $900.00 tax bill 45 days past due today."""
    prop = Property.objects.create(parcel_number="24.-3-1", street_address="108 E Green St")
    prop.owners.add(dana)
    bill = tax_bill(
        dana,
        supervisor,
        prop,
        amount="900.00",
        due=timezone.localdate() - timedelta(days=45),
        year=timezone.localdate().year,
    )
    return prop, bill


def plan_data(bill, customer, token: str | None) -> dict:
    return with_token(
        {
            "bills": [bill.pk],
            "customer": customer.pk,
            "down_payment": "0",
            "installments": "6",
            "confirmed": "on",
        },
        token,
    )


@pytest.mark.parametrize("bad", BAD_TOKENS)
def test_a_plan_with_a_bad_token_says_so_and_offers_a_fresh_form(
    client, supervisor, dana, delinquent_parcel, bad
):
    prop, bill = delinquent_parcel
    client.force_login(supervisor)
    url = reverse("billing:plan_new", args=[prop.pk])
    response = client.post(url, plan_data(bill, dana, bad))

    assert response.status_code == 200
    assert message_shown(response.text)
    assert not PaymentPlan.objects.exists()
    token = fresh_token(response.text, bad)
    done = client.post(url, plan_data(bill, dana, token))
    assert done.status_code == 302
    assert done["Location"] == PaymentPlan.objects.get().get_absolute_url()


@pytest.mark.parametrize("bad", BAD_TOKENS)
def test_a_plan_cancellation_with_a_bad_token_says_so_and_offers_a_fresh_form(
    client, supervisor, dana, delinquent_parcel, bad
):
    prop, bill = delinquent_parcel
    client.force_login(supervisor)
    client.post(
        reverse("billing:plan_new", args=[prop.pk]), plan_data(bill, dana, str(uuid.uuid4()))
    )
    plan = PaymentPlan.objects.get()
    url = reverse("billing:plan_cancel", args=[plan.number])
    data = {"reason": "Taxpayer withdrew", "confirmed": "on"}
    response = client.post(url, with_token(data, bad))

    assert response.status_code == 200
    assert message_shown(response.text)
    assert "Taxpayer withdrew" in response.text  # the reason typed is kept
    assert not PlanCancellation.objects.exists()
    token = fresh_token(response.text, bad)
    done = client.post(url, {**data, "token": token})
    assert done["Location"] == plan.get_absolute_url()
    assert PlanCancellation.objects.get().plan == plan


def test_every_billing_form_with_a_token_is_covered_here():
    from billing import forms
    from cashiering.forms import OneTimeTokenForm

    with_tokens = {
        name
        for name, form in vars(forms).items()
        if isinstance(form, type)
        and form.__module__ == forms.__name__
        and "token" in getattr(form, "base_fields", {})
    }
    assert with_tokens == {
        "WaiverForm",
        "ImportForm",
        "InvoiceForm",
        "AdjustForm",
        "PlanEnrollForm",
        "PlanCancelForm",
    }
    for name in with_tokens:
        assert issubclass(getattr(forms, name), OneTimeTokenForm), name
