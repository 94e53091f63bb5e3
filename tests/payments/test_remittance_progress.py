"""payments.remittance_progress: a file import's progress in a RemittanceImport row, written
through a second connection while the import's transaction is open, read by the polling page
(which any app server may answer: nothing is kept in a process's cache)."""

import uuid

import pytest
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.urls import reverse

from payments.errors import PaymentError
from payments.models import RemittanceImport
from payments.remittance_progress import (
    ImportProgress,
    remittance_import_finish,
    remittance_import_start,
)
from payments.services.remittance import remittance_sources_seed
from tests.payments.conftest import issue
from tests.payments.test_remittance_views import _upload, lockbox_file

transactional = pytest.mark.django_db(transaction=True)


@transactional
def test_the_poller_sees_progress_written_while_the_import_is_still_open(client, office, clerk):
    # given an import started for a lockbox file
    lockbox, _ = remittance_sources_seed(office=office)
    token = uuid.uuid4()
    job = remittance_import_start(token=token, source=lockbox, file_name="box.csv", by=clerk)
    url = reverse("payments:remittance_import_progress", args=[token])
    client.force_login(clerk)
    assert "Uploading and reading the file" in client.get(url).text
    report = ImportProgress(job)
    try:
        # when the import reports progress from inside its own, still open, transaction
        with transaction.atomic():
            report(1000, 10_000)
            # then another connection (the poller's, on any app server) already reads it
            assert _read_elsewhere(token) == ("posting", 1000, 10_000)
            report(1500, 10_000)  # within a quarter second: held back
            report(10_000, 10_000)  # the last call is never held back
            transaction.set_rollback(True)  # the import fails: its own work is undone
    finally:
        report.close()
    # and the page shows what was written, though the import's transaction rolled back
    assert "Checking and posting: 10000 of 10000 rows" in client.get(url).text
    remittance_import_finish(job=job, failed=True)
    assert RemittanceImport.objects.get(token=token).stage == "failed"


def _read_elsewhere(token: uuid.UUID) -> tuple:
    other = connections.create_connection(DEFAULT_DB_ALIAS)
    try:
        with other.cursor() as cursor:
            cursor.execute(
                "SELECT stage, rows_done, rows_total FROM payments_remittanceimport "
                "WHERE token = %s",
                [token],
            )
            return cursor.fetchone()
    finally:
        other.close()


@transactional
def test_an_import_through_the_page_leaves_its_row_done(client, office, clerk, dana, supervisor):
    # given the lockbox source and an open bill
    source, _ = remittance_sources_seed(office=office)
    bill = issue(dana, supervisor, amount="1000.00")
    client.force_login(clerk)
    # when a file paying it is imported through the page
    response = _upload(client, source, "box.csv", lockbox_file([(bill.number, "1000.00", "7")]))
    # then the batch is posted and the import's row says so, with its rows
    assert response.status_code == 302
    job = RemittanceImport.objects.get()
    assert (job.stage, job.rows_done, job.rows_total, job.file_name) == ("done", 1, 1, "box.csv")


@pytest.mark.django_db
def test_a_double_submit_starts_one_row_and_a_card_number_is_never_stored(office, clerk):
    lockbox, _ = remittance_sources_seed(office=office)
    token = uuid.uuid4()
    first = remittance_import_start(token=token, source=lockbox, file_name="a.csv", by=clerk)
    again = remittance_import_start(token=token, source=lockbox, file_name="a.csv", by=clerk)
    assert first.pk == again.pk and RemittanceImport.objects.count() == 1
    with pytest.raises(PaymentError, match="card number"):
        remittance_import_start(
            token=uuid.uuid4(), source=lockbox, file_name="4111111111111111.csv", by=clerk
        )
    assert RemittanceImport.objects.count() == 1
