"""STUBS for month-close tests: bank statements and deposits made directly through the models,
because their services (statement import and matching, deposit prepare/verify) are being
written by other helpers. At merge these switch to those services.

Nothing here is used by the app; only tests/reconciliation/test_month*.py and test_export*.py."""

import hashlib
import uuid
from datetime import date
from decimal import Decimal

from django.utils import timezone

from ledger.models import Account, JournalEntry
from ledger.services import Line, post
from reconciliation.models import BankStatement, Deposit, StatementLine


def statement_with_lines(
    *,
    by,
    lines: list[tuple[date, str]],
    closing_balance: str | None = None,
    period: tuple[date, date] | None = None,
    bank_code: str = "1100",
) -> list[StatementLine]:
    """STUB: a bank statement for `bank_code` with `lines` (posted_on, amount), all unmatched."""
    bank = Account.objects.get(code=bank_code)
    start, end = period or (min(d for d, _ in lines), max(d for d, _ in lines))
    statement = BankStatement.objects.create(
        bank_account=bank,
        format=BankStatement.Format.CSV,
        file_name=f"stub-{uuid.uuid4().hex[:6]}.csv",
        file_sha256=hashlib.sha256(uuid.uuid4().bytes).hexdigest(),
        period_start=start,
        period_end=end,
        closing_balance=Decimal(closing_balance) if closing_balance is not None else None,
        line_count=len(lines),
        imported_by=by,
    )
    return [
        StatementLine.objects.create(
            statement=statement,
            bank_account=bank,
            posted_on=day,
            amount=Decimal(amount),
            description=f"Stub line {n}",
            fingerprint=uuid.uuid4().hex,
        )
        for n, (day, amount) in enumerate(lines, start=1)
    ]


def explain(line: StatementLine, by, text: str = "Bank error, corrected next month") -> None:
    """STUB: a Supervisor explains a statement line (the matching page's service)."""
    StatementLine.objects.filter(pk=line.pk).update(
        status=StatementLine.Status.EXPLAINED,
        explanation=text,
        matched_by=by,
        matched_at=timezone.now(),
    )


def match_to_entry(line: StatementLine, entry: JournalEntry, by) -> None:
    """STUB: mark a statement line matched to an entry already posted on the bank account."""
    StatementLine.objects.filter(pk=line.pk).update(
        status=StatementLine.Status.MATCHED, entry=entry, matched_by=by, matched_at=timezone.now()
    )


def bank_entry(*, by, amount: str, day: date, memo: str = "Stub bank entry") -> JournalEntry:
    """Dr 1100 Bank / Cr 3000 Fund balance through the ledger's own service (not a stub)."""
    value = Decimal(amount)
    return post(
        entry_date=day,
        memo=memo,
        source="opening_balance",
        by=by,
        lines=[
            Line(Account.objects.get(code="1100"), value),
            Line(Account.objects.get(code="3000"), -value),
        ],
    )


def verified_deposit(*, office, by, verifier, amount: str, day: date, bag: str) -> Deposit:
    """STUB: a verified deposit in transit to 1100 (Dr 1040 / Cr 3000 stands in for the safe)."""
    value = Decimal(amount)
    entry = post(
        entry_date=day,
        memo=f"Stub deposit bag {bag}",
        source="deposit",
        by=by,
        lines=[
            Line(Account.objects.get(code="1040"), value, office_id=office.pk),
            Line(Account.objects.get(code="3000"), -value),
        ],
    )
    return Deposit.objects.create(
        office=office,
        bank_account=Account.objects.get(code="1100"),
        bag_number=bag,
        status=Deposit.Status.VERIFIED,
        business_date=day,
        cash_total=value,
        checks_total=Decimal("0"),
        prepared_by=by,
        verified_by=verifier,
        verified_at=timezone.now(),
        entry=entry,
        token=uuid.uuid4(),
    )
