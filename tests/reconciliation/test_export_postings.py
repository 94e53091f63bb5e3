"""Payment posting files (reconciliation.services.exports.posting_export_create and
posting_export_acknowledge): each event once, none missed, acknowledged; the page."""

import csv
import hashlib
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from billing.models import BillType
from payments.services import payment_void
from reconciliation.errors import ExportError
from reconciliation.models import PostingExport, PostingExportItem
from reconciliation.services.exports import posting_export_acknowledge, posting_export_create
from tests.payments.conftest import issue
from tests.reconciliation.conftest import pay

D = Decimal


def rows_of(export: PostingExport) -> list[dict]:
    return list(csv.DictReader(io.StringIO(export.content)))


def test_each_payment_goes_once_and_a_void_goes_in_the_next_file(drawer, clerk, supervisor, dana):
    tax = issue(dana, supervisor, amount="300.00")
    water = issue(dana, supervisor, bill_type=BillType.WATER_SEWER, amount="40.00")
    payment = pay(drawer, clerk, tax, amount="120.00")
    pay(drawer, clerk, water)

    first = posting_export_create(system="tax", by=supervisor)

    assert [(r["bill_number"], r["event"], r["amount"]) for r in rows_of(first)] == [
        (tax.number, "payment", "120.00")
    ]
    assert rows_of(first)[0]["receipt_number"] == payment.receipt_number
    assert first.file_sha256 == hashlib.sha256(first.content.encode()).hexdigest()
    with pytest.raises(ExportError, match="Nothing new to send to Property tax"):
        posting_export_create(system="tax", by=supervisor)

    payment_void(payment=payment, reason="Wrong bill", by=clerk, approved_by=supervisor)
    second = posting_export_create(system="tax", by=supervisor)

    assert [(r["event"], r["amount"]) for r in rows_of(second)] == [("void", "120.00")]
    # The water payment waits for the water system's file, untouched by the tax files.
    water_file = posting_export_create(system="water", by=supervisor)
    assert [r["bill_number"] for r in rows_of(water_file)] == [water.number]
    assert PostingExportItem.objects.count() == 3


def test_an_event_cannot_be_recorded_twice(drawer, clerk, supervisor, dana):
    tax = issue(dana, supervisor, amount="300.00")
    pay(drawer, clerk, tax)
    export = posting_export_create(system="tax", by=supervisor)
    item = export.items.get()

    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        PostingExportItem.objects.create(
            export=export,
            kind=item.kind,
            bill=item.bill,
            amount=item.amount,
            event_date=item.event_date,
            payment_item=item.payment_item,
        )


def test_acknowledged_once(drawer, clerk, supervisor, supervisor2, dana):
    pay(drawer, clerk, issue(dana, supervisor, amount="10.00"))
    export = posting_export_create(system="tax", by=supervisor)

    done = posting_export_acknowledge(export=export, by=supervisor2)

    assert done.status == PostingExport.Status.ACKNOWLEDGED
    assert done.acknowledged_by == supervisor2
    with pytest.raises(ExportError, match="already acknowledged by"):
        posting_export_acknowledge(export=export, by=supervisor)


def test_a_clerk_may_not_export(clerk, db):
    with pytest.raises(ExportError, match="may not create payment posting files"):
        posting_export_create(system="tax", by=clerk)


def test_an_unknown_system_is_refused(supervisor):
    with pytest.raises(ExportError, match="tax, water or parking"):
        posting_export_create(system="sewer", by=supervisor)


def test_training_payments_are_not_sent(office, trainee, clerk, supervisor, dana):
    from tests.payments.conftest import open_drawer

    training = open_drawer(clerk, office, number=2, training=True)
    pay(training, clerk, issue(dana, supervisor, amount="10.00"))
    with pytest.raises(ExportError, match="Nothing new"):
        posting_export_create(system="tax", by=supervisor)


# The page


def test_the_page_creates_downloads_and_acknowledges(client, drawer, clerk, supervisor, dana):
    pay(drawer, clerk, issue(dana, supervisor, amount="10.00"))
    client.force_login(supervisor)
    url = reverse("reconciliation:postings")

    made = client.post(url, {"system": "tax"}, follow=True)
    assert "1 events" in made.content.decode()
    export = PostingExport.objects.get()
    download = client.get(reverse("reconciliation:posting_download", args=[export.pk]))
    assert download.content == export.content.encode()
    assert "attachment" in download["Content-Disposition"]

    again = client.post(url, {"system": "tax"})
    assert "Nothing new to send" in again.content.decode()

    ack = reverse("reconciliation:posting_acknowledge", args=[export.pk])
    assert "is acknowledged" in client.post(ack, follow=True).content.decode()
    assert "already acknowledged" in client.post(ack, follow=True).content.decode()


@pytest.mark.parametrize("bad", ["", "sewer", "<script>", "\x00"])
def test_a_bad_system_is_a_message(client, supervisor, bad):
    client.force_login(supervisor)
    response = client.post(reverse("reconciliation:postings"), {"system": bad})
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()


def test_a_clerk_may_not_download(client, clerk, drawer, supervisor, dana):
    pay(drawer, clerk, issue(dana, supervisor, amount="10.00"))
    export = posting_export_create(system="tax", by=supervisor)
    client.force_login(clerk)
    response = client.get(reverse("reconciliation:posting_download", args=[export.pk]))
    assert response.status_code == 403


@pytest.mark.django_db(transaction=True)
def test_two_supervisors_at_once_make_one_file(reference, office, clerk, supervisor, supervisor2):
    import threading

    from django.db import connection

    from billing.models import Customer
    from tests.payments.conftest import open_drawer

    customer = Customer.objects.create(name="Concurrent Payer")
    drawer = open_drawer(clerk, office)
    for _ in range(3):
        pay(drawer, clerk, issue(customer, supervisor, amount="10.00"))
    results: list = []
    barrier = threading.Barrier(2)

    def export(by):
        try:
            barrier.wait()
            results.append(posting_export_create(system="tax", by=by))
        except ExportError as exc:
            results.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=export, args=(u,)) for u in (supervisor, supervisor2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    files = [r for r in results if isinstance(r, PostingExport)]
    refused = [r for r in results if isinstance(r, ExportError)]
    assert len(files) == 1 and len(refused) == 1
    assert "Nothing new" in str(refused[0])
    assert PostingExportItem.objects.count() == 3 == files[0].row_count


def test_a_refund_and_a_returned_check_are_events_on_their_bills(drawer, clerk, supervisor, dana):
    from payments.services import payment_refund, returned_check_record
    from tests.payments.conftest import check

    refunded_bill = issue(dana, supervisor, amount="100.00")
    refunded = pay(drawer, clerk, refunded_bill)
    returned_bill = issue(dana, supervisor, amount="60.00")
    by_check = pay(drawer, clerk, returned_bill, check("60.00", number="501"))
    posting_export_create(system="tax", by=supervisor)

    payment_refund(
        payment=refunded,
        reason="Paid twice",
        by=clerk,
        approved_by=supervisor,
        drawer=drawer,
        amount=D("25.00"),
    )
    returned_check_record(payment=by_check, reason="NSF", by=supervisor)
    export = posting_export_create(system="tax", by=supervisor)

    events = {(r["bill_number"], r["event"], r["amount"]) for r in rows_of(export)}
    assert events == {
        (refunded_bill.number, "refund", "25.00"),
        (returned_bill.number, "returned_check", "60.00"),
    }
