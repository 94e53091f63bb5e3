"""Billing pages: who may do what, and bad input answered on the form."""

import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import Bill, BillType, ChargeType, CustomerView, ImportBatch
from billing.services import Charge, bill_import, bill_issue

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"


@pytest.fixture
def ticket(reference, dana, clerk):
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


@pytest.mark.parametrize("role", ["trainee", "clerk", "supervisor"])
def test_counter_staff_search_and_view(client, users, ticket, role):
    client.force_login(users[role.title()])
    page = client.get(reverse("billing:search"), {"q": "Dana Whitfield"})
    assert page.status_code == 200
    assert "P2600042" in page.text
    assert client.get(reverse("billing:bill", args=["P2600042"])).status_code == 200
    assert client.get(reverse("billing:customer", args=[ticket.customer_id])).status_code == 200
    assert client.get(reverse("billing:directory")).status_code == 200


def test_an_exact_number_goes_straight_to_the_bill(client, clerk, ticket):
    client.force_login(clerk)
    response = client.get(reverse("billing:search"), {"q": "P2600042", "as_of": "2026-03-01"})
    assert response.status_code == 302
    assert response["Location"] == "/billing/bills/P2600042/?as_of=2026-03-01"
    page = client.get(response["Location"])
    # Jan 5 ticket on March 1: $10 late fee (day 21+), not yet the 60-day one
    assert page.context["due"].total == Decimal("30.00")


def test_viewing_a_customer_is_logged(client, clerk, ticket):
    client.force_login(clerk)
    client.get(reverse("billing:customer", args=[ticket.customer_id]))
    view = CustomerView.objects.get()
    assert (view.customer_id, view.viewed_by) == (ticket.customer_id, clerk)


@pytest.mark.parametrize(
    "query",
    [
        {"q": "x" * 500},
        {"as_of": "2026-02-31", "q": "Dana"},
        {"q": "'; DROP TABLE billing_bill;--"},
        {"q": "\x00"},
        {"q": "%_%"},
    ],
)
def test_bad_search_input_is_answered_not_a_500(client, clerk, ticket, query):
    client.force_login(clerk)
    assert client.get(reverse("billing:search"), query).status_code == 200


def test_only_supervisors_import(client, users):
    for role in ("Trainee", "Clerk"):
        client.force_login(users[role])
        assert client.get(reverse("billing:import")).status_code == 403
    client.force_login(users["Supervisor"])
    assert client.get(reverse("billing:import")).status_code == 200


def test_import_page_imports_and_reports_bad_files(client, supervisor, reference):
    client.force_login(supervisor)
    good = SAMPLES / "parking.csv"
    with good.open("rb") as upload:
        response = client.post(
            reverse("billing:import"), {"source": "parking", "file": upload, "token": uuid.uuid4()}
        )
    assert response.status_code == 302
    assert Bill.objects.filter(source="parking").count() == 3
    bad = (SAMPLES / "tax.csv").read_bytes().replace(b"24.-3-1", b"not-a-parcel")
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        reverse("billing:import"),
        {
            "source": "tax",
            "file": SimpleUploadedFile("tax.csv", bad, content_type="text/csv"),
            "token": uuid.uuid4(),
        },
    )
    assert response.status_code == 200
    assert "nothing was imported" in response.text
    assert "&#x27;not-a-parcel&#x27; is not in the expected form" in response.text
    batch = ImportBatch.objects.get(status="rejected")
    report = client.get(reverse("billing:import_errors", args=[batch.pk]))
    assert report["Content-Type"] == "text/csv"
    assert report.content.decode().splitlines() == [
        "line,column,problem,bill,on_file,in_file",
        "4,parcel_number,'not-a-parcel' is not in the expected form,,,",
    ]
    assert not Bill.objects.filter(source="tax").exists()


def test_import_form_refuses_an_empty_file_and_an_unknown_source(client, supervisor, reference):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(supervisor)
    empty = SimpleUploadedFile("empty.csv", b"", content_type="text/csv")
    response = client.post(
        reverse("billing:import"), {"source": "tax", "file": empty, "token": uuid.uuid4()}
    )
    assert response.status_code == 200
    assert "The submitted file is empty." in response.text
    ok = SimpleUploadedFile("x.csv", b"a,b\n", content_type="text/csv")
    response = client.post(
        reverse("billing:import"), {"source": "sewer", "file": ok, "token": uuid.uuid4()}
    )
    assert "Select a valid choice" in response.text


def test_waive_needs_a_supervisor_and_a_reason(client, users, ticket):
    url = reverse("billing:waive", args=["P2600042"])
    client.force_login(users["Clerk"])
    assert client.get(url).status_code == 403
    client.force_login(users["Supervisor"])
    token = client.get(url).context["form"].initial["token"]
    response = client.post(url, {"reason": "", "token": token})
    assert response.status_code == 200
    assert "This field is required." in response.text
    reason = "Ticket issued in error: meter broken"
    assert client.post(url, {"reason": reason, "token": token}).status_code == 302
    ticket.refresh_from_db()
    assert ticket.balance == Decimal("20.00")
    # the same form again (a double-click, a reload) shows the first waiver, posts nothing
    again = client.post(url, {"reason": reason, "token": token}, follow=True)
    assert "Waived $30.00 of penalty and interest" in again.text
    assert ticket.waivers.count() == 1
    # a new form finds nothing left to waive, and says so
    response = client.post(url, {"reason": reason, "token": uuid.uuid4()})
    assert "owes no penalty or interest" in response.text


def test_only_admins_edit_fee_types_and_rules(client, users, reference):
    for role in ("Clerk", "Supervisor"):
        client.force_login(users[role])
        assert client.get(reverse("admin:billing_feetype_changelist")).status_code in (302, 403)
    client.force_login(users["Admin"])
    assert client.get(reverse("admin:billing_feetype_changelist")).status_code == 200
    assert client.get(reverse("admin:billing_penaltyrule_changelist")).status_code == 200


def test_importing_twice_through_the_page_says_nothing_changed(client, supervisor, reference):
    bill_import(
        source="water",
        filename="water.csv",
        content=(SAMPLES / "water.csv").read_bytes(),
        by=supervisor,
    )
    client.force_login(supervisor)
    with (SAMPLES / "water.csv").open("rb") as upload:
        response = client.post(
            reverse("billing:import"),
            {"source": "water", "file": upload, "token": uuid.uuid4()},
            follow=True,
        )
    assert "already imported" in response.text


def test_one_upload_form_imports_once_and_reports_its_progress(client, supervisor, reference):
    client.force_login(supervisor)
    token = uuid.uuid4()
    for _ in range(2):  # a double-click
        with (SAMPLES / "parking.csv").open("rb") as upload:
            client.post(
                reverse("billing:import"), {"source": "parking", "file": upload, "token": token}
            )
    assert ImportBatch.objects.filter(status="done").count() == 1
    assert Bill.objects.filter(source="parking").count() == 3
    page = client.get(reverse("billing:import_progress", args=[token]))
    assert "Imported: done, 3 of 3 rows" in page.text
    assert "Uploading" in client.get(reverse("billing:import_progress", args=[uuid.uuid4()])).text


def test_an_upload_without_its_token_is_refused_politely(client, supervisor, reference):
    client.force_login(supervisor)
    with (SAMPLES / "parking.csv").open("rb") as upload:
        response = client.post(reverse("billing:import"), {"source": "parking", "file": upload})
    assert response.status_code == 200
    assert "one-time code was missing or altered" in response.text
    assert not Bill.objects.exists()


def test_a_supervisor_opens_and_closes_an_appeal_and_late_fees_follow(
    client, users, reference, dana, clerk
):
    today = timezone.localdate()
    issued = today - timedelta(days=10)
    bill_issue(
        number="P2600043",
        bill_type=BillType.PARKING,
        source="test",
        customer=dana,
        description="Parking ticket: Expired meter",
        issue_date=issued,
        due_date=issued,
        charges=[Charge(ChargeType.objects.get(code="parking_fine"), Decimal("20.00"))],
        by=clerk,
    )
    url = reverse("billing:appeal", args=["P2600043"])
    bill_url = reverse("billing:bill", args=["P2600043"])
    in_a_month = {"as_of": (today + timedelta(days=30)).isoformat()}
    client.force_login(users["Clerk"])
    assert client.post(url, {"note": "Hearing on March 3", "action": "open"}).status_code == 403
    client.force_login(users["Supervisor"])
    # without an appeal, day 40 brings the $10 late fee
    assert client.get(bill_url, in_a_month).context["due"].total == Decimal("30.00")
    response = client.post(url, {"note": "Hearing on March 3", "action": "open"}, follow=True)
    assert "no late fees accrue" in response.text
    again = client.post(url, {"note": "Hearing on March 3", "action": "open"}, follow=True)
    assert "is already pending" in again.text  # a double-click opens it once
    assert client.get(bill_url, in_a_month).context["due"].total == Decimal("20.00")
    response = client.post(url, {"note": "", "action": "close"}, follow=True)
    assert "nothing was recorded" in response.text
    client.post(url, {"note": "Upheld by the hearing officer", "action": "close"})
    ticket = Bill.objects.get(number="P2600043")
    assert not ticket.appeal_pending and ticket.appeal_days == 0
    assert [a.pending for a in ticket.appeals.all()] == [False, True]
    assert client.get(bill_url, in_a_month).context["due"].total == Decimal("30.00")


def test_only_tickets_are_appealed(users, reference, dana, clerk):
    from billing.errors import BillingError
    from billing.services import invoice_create, ticket_appeal_record

    invoice = invoice_create(
        customer=dana,
        charges=[Charge(ChargeType.objects.get(code="misc"), Decimal("5.00"), "Copies")],
        due_date=date(2030, 1, 1),
        memo="",
        by=clerk,
    )
    with pytest.raises(BillingError, match="Only parking tickets"):
        ticket_appeal_record(bill=invoice, pending=True, note="x", by=users["Supervisor"])
