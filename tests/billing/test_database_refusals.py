"""Billing's money pages (a penalty waiver, a new invoice) answer a refusal by PostgreSQL with a
form message, never an HTTP 500 (issue 8 §9). The refusal is a trigger made inside the test's
transaction, so it goes away with it."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from billing.models import Bill, BillType, ChargeType, PenaltyWaiver
from billing.services import Charge, bill_issue
from ledger.models import Account

pytestmark = pytest.mark.django_db


def refuse_journal_entries() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            """CREATE FUNCTION pg_temp.refuse_for_test() RETURNS trigger LANGUAGE plpgsql AS $$
               BEGIN
                   RAISE EXCEPTION 'refused for the test' USING ERRCODE = 'check_violation';
               END $$"""
        )
        cursor.execute(
            "CREATE TRIGGER refuse_for_test BEFORE INSERT ON ledger_journalentry "
            "FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse_for_test()"
        )


def test_a_refused_waiver_is_a_form_message(client, reference, dana, clerk, supervisor):
    today = timezone.localdate()
    ticket = bill_issue(
        number="P2688888",
        bill_type=BillType.PARKING,
        source="t",
        customer=dana,
        description="Parking ticket",
        issue_date=today - timedelta(days=90),
        due_date=today - timedelta(days=90),
        charges=[Charge(ChargeType.objects.get(code="parking_fine"), Decimal("20.00"))],
        by=clerk,
    )
    refuse_journal_entries()
    client.force_login(supervisor)

    response = client.post(
        reverse("billing:waive", args=[ticket.number]),
        {"reason": "Meter was broken that week", "token": uuid.uuid4()},
    )

    assert response.status_code == 200
    assert "The books refused this waiver, so nothing was saved." in response.text
    assert not PenaltyWaiver.objects.exists()
    assert Bill.objects.get(pk=ticket.pk).balance == Decimal("20.00")


def test_a_refused_invoice_is_a_form_message(client, reference, dana, clerk):
    refuse_journal_entries()
    client.force_login(clerk)
    data = {
        "token": str(uuid.uuid4()),
        "due_date": (timezone.localdate() + timedelta(days=5)).isoformat(),
        "memo": "Copies",
        "line-TOTAL_FORMS": "1",
        "line-INITIAL_FORMS": "0",
        "line-MIN_NUM_FORMS": "0",
        "line-MAX_NUM_FORMS": "20",
        "line-0-description": "Copies",
        "line-0-quantity": "1",
        "line-0-unit_price": "2.00",
        "line-0-revenue_account": str(Account.objects.get(code="4390").pk),
    }

    response = client.post(reverse("billing:invoice_new", args=[dana.pk]), data)

    assert response.status_code == 200
    assert "The books refused this invoice, so nothing was saved." in response.text
    assert not Bill.objects.filter(customer=dana).exists()


def test_a_refused_adjustment_is_a_form_message(client, reference, dana, clerk, supervisor):
    # Given a $20.00 parking ticket, and PostgreSQL refusing every journal entry
    from billing.models import BillAdjustment

    today = timezone.localdate()
    ticket = bill_issue(
        number="P2688889",
        bill_type=BillType.PARKING,
        source="t",
        customer=dana,
        description="Parking ticket",
        issue_date=today,
        due_date=today + timedelta(days=30),
        charges=[Charge(ChargeType.objects.get(code="parking_fine"), Decimal("20.00"))],
        by=clerk,
    )
    refuse_journal_entries()
    client.force_login(supervisor)

    # When a Supervisor confirms its cancellation
    response = client.post(
        reverse("billing:adjust", args=[ticket.number]),
        {"token": uuid.uuid4(), "kind": "cancel", "reason": "appeal_won",
         "note": "Appeal won", "confirmed": "on"},
    )  # fmt: skip

    # Then the page says the books refused it, and nothing is saved
    assert response.status_code == 200
    assert "The books refused this adjustment, so nothing was saved." in response.text
    assert not BillAdjustment.objects.exists()
    assert Bill.objects.get(pk=ticket.pk).balance == Decimal("20.00")
