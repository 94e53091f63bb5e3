"""Re-checks every ledger invariant over the whole database and prints the trial balance."""

from django.core.management.base import BaseCommand, CommandError

from ledger.models import Book
from ledger.money import format_money
from ledger.selectors import ledger_violations, trial_balance


class Command(BaseCommand):
    help = (
        "Re-check the ledger's invariants over the whole database, print the trial balance per "
        "account, and exit 1 naming the offending rows if anything is wrong."
    )

    def handle(self, *args, **options):
        for book in Book:
            balance = trial_balance(book=book.value)
            if not balance.rows:
                continue
            self.stdout.write(f"Trial balance, {book.label.lower()} book")
            self.stdout.write(f"{'Account':<52} {'Debit':>18} {'Credit':>18}")
            for row in balance.rows:
                debit = format_money(row.debit) if row.debit else ""
                credit = format_money(row.credit) if row.credit else ""
                self.stdout.write(f"{str(row.account)[:52]:<52} {debit:>18} {credit:>18}")
            self.stdout.write(
                f"{'Total':<52} {format_money(balance.total_debits):>18} "
                f"{format_money(balance.total_credits):>18}\n"
            )
        violations = ledger_violations()
        if violations:
            for violation in violations:
                self.stderr.write(f"VIOLATION {violation.rule}: {violation.detail}")
            raise CommandError(f"{len(violations)} ledger invariant violation(s).", returncode=1)
        self.stdout.write(self.style.SUCCESS("Ledger verified: every invariant holds."))
