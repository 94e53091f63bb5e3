"""A lockbox or vendor file import's progress, in a RemittanceImport row that any app server's
poller reads: started before the import, written through a second database connection while
the import's transaction is open, finished after it commits or fails."""

import time
import uuid

from django.contrib.auth.models import User
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from payments.models import RemittanceImport, RemittanceSource
from payments.services import refuse_card_numbers


def remittance_import_start(
    *, token: uuid.UUID, source: RemittanceSource, file_name: str, by: User
) -> RemittanceImport:
    """The import's progress row (stage "reading"), committed at once so that a poller sees
    it; the same token again (a double submit) gives the row already made. Raises PaymentError
    for a file name holding a card number (never stored)."""
    refuse_card_numbers(file_name)
    with transaction.atomic():
        job, _ = RemittanceImport.objects.get_or_create(
            token=token, defaults={"source": source, "file_name": file_name[:200], "by": by}
        )
    return job


def remittance_import_finish(*, job: RemittanceImport, failed: bool) -> None:
    """Mark the import done (its batch committed) or failed (nothing was posted)."""
    stage = RemittanceImport.Stage.FAILED if failed else RemittanceImport.Stage.DONE
    RemittanceImport.objects.filter(pk=job.pk).update(stage=stage)


def remittance_import_progress(token: uuid.UUID) -> RemittanceImport | None:
    """The progress row of the import the form's `token` names, or None before it starts."""
    return RemittanceImport.objects.filter(token=token).first()


class ImportProgress:
    """`remittance_file_import`'s progress callback (done, total): writes the row through a
    connection of its own, at most every quarter second (the last call always), so the write
    is seen while the import's own transaction is still open. `close()` when done."""

    INTERVAL = 0.25  # seconds between writes

    def __init__(self, job: RemittanceImport) -> None:
        self.job_id = job.pk
        self.connection: BaseDatabaseWrapper | None = None
        self.last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self.last < self.INTERVAL and done < total:
            return
        self.last = now
        if self.connection is None:
            self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
        with self.connection.cursor() as cursor:
            cursor.execute(
                "UPDATE payments_remittanceimport SET stage = %s, rows_total = %s, "
                "rows_done = %s WHERE id = %s",
                [RemittanceImport.Stage.POSTING, total, min(done, total), self.job_id],
            )

    def close(self) -> None:
        """Close the second connection, if one was opened."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None
