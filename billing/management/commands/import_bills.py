"""Imports a CSV file from one of the City's billing systems (all rows or none)."""

from pathlib import Path

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from billing.errors import AlreadyImported, BillingError, ImportRejected
from billing.importing import SOURCES
from billing.services import bill_import


class Command(BaseCommand):
    help = "Import bills from a billing system's CSV file. The layouts are in docs/imports.md."

    def add_arguments(self, parser):
        parser.add_argument("--source", required=True, choices=SOURCES)
        parser.add_argument("--user", required=True, help="Username of the supervisor importing.")
        parser.add_argument("file", type=Path)

    def handle(self, *args, source, user, file: Path, **options):
        try:
            by = User.objects.get(username=user, is_active=True)
        except User.DoesNotExist as exc:
            raise CommandError(f"No active user {user!r}.") from exc
        if not by.has_perm("billing.import_bills"):
            raise CommandError(f"{user} may not import bills (Supervisors may).")
        try:
            content = file.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {file}: {exc.strerror}.") from exc

        def progress(stage: str, done: int, total: int) -> None:
            self.stdout.write(f"  {stage}: {done:,} rows" + (f" of {total:,}" if total else ""))

        try:
            batch = bill_import(
                source=source, filename=file.name, content=content, by=by, progress=progress
            )
        except ImportRejected as exc:
            for error in exc.errors[:200]:
                self.stderr.write(
                    f"line {error['line']}, {error['column'] or '-'}: {error['problem']}"
                )
            if len(exc.errors) > 200:
                self.stderr.write(f"... and {len(exc.errors) - 200} more")
            raise CommandError(str(exc)) from exc
        except AlreadyImported as exc:
            self.stdout.write(self.style.WARNING(str(exc)))
            return
        except BillingError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {batch.bills_created:,} bills ({batch.rows_total:,} rows) totalling "
                f"${batch.amount_total:,.2f}; batch {batch.pk}."
            )
        )
