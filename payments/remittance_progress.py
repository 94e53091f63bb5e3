"""A lockbox or vendor file import's progress, in a RemittanceImport row that any app server's
poller reads: started before the import, written through a second database connection while
the import's transaction is open, finished after it commits or fails."""

import uuid

from django.contrib.auth.models import User
from django.db import transaction

from cashiering.bulk import ProgressRow
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


class ImportProgress(ProgressRow):
    """`remittance_file_import`'s progress callback (done, total): the RemittanceImport row
    written through a connection of its own (cashiering.bulk.ProgressRow), the last call
    always. `close()` when done."""

    def __init__(self, job: RemittanceImport) -> None:
        super().__init__(RemittanceImport, job.pk)

    def __call__(self, done: int, total: int) -> None:
        self.write(
            stage=RemittanceImport.Stage.POSTING,
            done=min(done, total),
            total=total,
            force=done >= total,
        )
