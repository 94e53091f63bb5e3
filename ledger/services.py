"""Every write to the ledger. `post` is the only function that inserts journal entries and lines."""

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.formats import date_format

from ledger.errors import (
    AlreadyReversed,
    AppendOnly,
    DayClosed,
    InvalidLine,
    LedgerError,
    PeriodClosed,
    PeriodNotClosable,
    UnbalancedEntry,
)
from ledger.models import (
    Account,
    AccountingPeriod,
    AccountType,
    Book,
    JournalEntry,
    JournalLine,
    PeriodState,
    Source,
)
from ledger.money import MAX_AMOUNT, ZERO, format_money, is_whole_cents


@dataclass(frozen=True)
class Line:
    """One line of an entry to post: debit positive, credit negative."""

    account: Account
    amount: Decimal
    memo: str = ""
    bill_id: int | None = None
    drawer_id: int | None = None
    customer_id: int | None = None  # customer credit lines: whose credit
    office_id: int | None = None  # custody lines (change fund, safe, in transit): whose office


def _check_lines(lines: Sequence[Line]) -> None:
    if len(lines) < 2:
        raise UnbalancedEntry("An entry needs at least two lines.")
    total = ZERO
    for number, line in enumerate(lines, start=1):
        if not isinstance(line.amount, Decimal):
            raise InvalidLine(f"Line {number}: the amount must be a Decimal, not {line.amount!r}.")
        if not is_whole_cents(line.amount):
            raise InvalidLine(f"Line {number}: {line.amount} is not a whole number of cents.")
        if line.amount == 0:
            raise InvalidLine(f"Line {number}: a line of $0.00 posts nothing.")
        if abs(line.amount) > MAX_AMOUNT:
            raise InvalidLine(f"Line {number}: {line.amount} is larger than the ledger can hold.")
        if line.account.pk is None or not line.account.is_active:
            raise InvalidLine(f"Line {number}: account {line.account} does not take postings.")
        total += line.amount
    if total != 0:
        raise UnbalancedEntry(
            f"The entry does not balance: its lines sum to {format_money(total)}."
        )


def _translate(exc: DatabaseError) -> LedgerError | None:
    """Turn a refusal by the database's ledger triggers into the matching domain error."""
    code = getattr(exc.__cause__, "pgcode", None)
    detail = str(exc.__cause__ or exc).splitlines()[0]
    if code == "LG001":
        return UnbalancedEntry(detail)
    if code == "LG002":
        return AppendOnly(detail)
    if code == "LG003":
        return PeriodClosed(f"Nothing can be posted into a closed period ({detail}).")
    if code == "DC001":
        return DayClosed(
            f"That business day is closed and signed off ({detail}). Post on the next business "
            "day, or ask an Admin to reopen the day."
        )
    return None


_LINE_COLUMNS = (
    "entry_id",
    "account_id",
    "amount",
    "memo",
    "bill_id",
    "drawer_id",
    "customer_id",
    "office_id",
)
# Built from the model's own names, never from input; the values go as parameters.
_LINE_INSERT = f"INSERT INTO {JournalLine._meta.db_table} ({', '.join(_LINE_COLUMNS)}) VALUES "  # noqa: S608
_LINE_PLACEHOLDERS = "(" + ", ".join(["%s"] * len(_LINE_COLUMNS)) + ")"


_ENTRY_INSERT = (
    f"INSERT INTO {JournalEntry._meta.db_table}"  # noqa: S608
    " (entry_date, memo, source, posted_by_id, reverses_id, book)"
    " VALUES (%s, %s, %s, %s, %s, %s) RETURNING id, posted_at"
)


def _entry_inserted(
    *,
    entry_date: date,
    memo: str,
    source: str,
    by: User,
    book: str,
    reverses: JournalEntry | None,
) -> JournalEntry:
    """The entry row, inserted by hand (the counter posts one per visit and the ORM's insert
    cost more than the statement), returned as the saved JournalEntry the ORM would give."""
    with connection.cursor() as cursor:
        cursor.execute(
            _ENTRY_INSERT,
            [entry_date, memo, source, by.pk, reverses.pk if reverses else None, book],
        )
        entry_id, posted_at = cursor.fetchone()
    entry = JournalEntry(
        id=entry_id,
        entry_date=entry_date,
        memo=memo,
        source=source,
        posted_by=by,
        posted_at=posted_at,
        reverses=reverses,
        book=book,
    )
    entry._state.adding = False
    entry._state.db = connection.alias
    return entry


COPY_THRESHOLD = 500  # lines; past this, COPY is much faster than one long INSERT


def _insert_lines(entry_id: int, lines: Sequence[Line]) -> None:
    """All of an entry's lines in one statement: a multi-row INSERT, or COPY for a large entry
    (a bulk issuance). The ORM's bulk_create builds model instances and asks for their ids back;
    posting needs neither, and this is the counter's hot path."""
    if len(lines) > COPY_THRESHOLD:
        _copy_lines(entry_id, lines)
        return
    params: list[int | Decimal | str | None] = []
    for line in lines:
        params += [
            entry_id,
            line.account.pk,
            line.amount,
            line.memo[:255],
            line.bill_id,
            line.drawer_id,
            line.customer_id,
            line.office_id,
        ]
    with connection.cursor() as cursor:
        cursor.execute(_LINE_INSERT + ", ".join([_LINE_PLACEHOLDERS] * len(lines)), params)


def _copy_lines(entry_id: int, lines: Sequence[Line]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    for line in lines:
        writer.writerow(
            [
                entry_id,
                line.account.pk,
                line.amount,
                line.memo[:255],
                "" if line.bill_id is None else line.bill_id,
                "" if line.drawer_id is None else line.drawer_id,
                "" if line.customer_id is None else line.customer_id,
                "" if line.office_id is None else line.office_id,
            ]
        )
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_expert(  # type: ignore[attr-defined]
            f"COPY {JournalLine._meta.db_table} ({', '.join(_LINE_COLUMNS)}) "
            "FROM STDIN WITH (FORMAT csv, NULL '', FORCE_NOT_NULL (memo))",
            buffer,
        )


def post(
    *,
    entry_date: date,
    memo: str,
    source: str,
    by: User,
    lines: Sequence[Line],
    book: str = Book.LIVE,
    reverses: JournalEntry | None = None,
    savepoint: bool = True,
) -> JournalEntry:
    """Post one balanced journal entry. The only writer of entries and lines.

    Python checks the lines first to give a clear message; PostgreSQL checks again and has the
    last word (balance at commit, append-only, closed periods). `savepoint=False` saves the two
    round trips of a savepoint for a caller whose whole transaction fails with the entry (the
    counter's payment): a refused entry then spoils the caller's transaction, not only its own
    block."""
    if not memo.strip():
        raise LedgerError("An entry needs a memo saying what it is for.", code="memo_required")
    if book not in Book.values:
        raise LedgerError(f"Unknown book {book!r}.", code="unknown_book")
    _check_lines(lines)
    try:
        with transaction.atomic(savepoint=savepoint):
            entry = _entry_inserted(
                entry_date=entry_date,
                memo=memo.strip()[:255],
                source=source,
                by=by,
                book=book,
                reverses=reverses,
            )
            _insert_lines(entry.pk, lines)
    except IntegrityError as exc:
        if reverses is not None and "reverses_id" in str(exc):
            raise AlreadyReversed(f"Entry {reverses.pk} has already been reversed.") from exc
        raise
    except DatabaseError as exc:
        translated = _translate(exc)
        if translated is None:
            raise
        raise translated from exc
    return entry


def entry_reverse(
    *, entry: JournalEntry, by: User, memo: str, entry_date: date | None = None
) -> JournalEntry:
    """Post the exact reverse of `entry`, linked to it. An entry can be reversed only once."""
    with transaction.atomic():
        original = JournalEntry.objects.select_for_update().get(pk=entry.pk)
        if JournalEntry.objects.filter(reverses=original).exists():
            raise AlreadyReversed(f"Entry {original.pk} has already been reversed.")
        lines = [
            Line(
                account=line.account,
                amount=-line.amount,
                memo=line.memo,
                bill_id=line.bill_id,
                drawer_id=line.drawer_id,
                customer_id=line.customer_id,
                office_id=line.office_id,
            )
            for line in original.lines.select_related("account").order_by("id")
        ]
        return post(
            entry_date=entry_date or timezone.localdate(),
            memo=memo,
            source=Source.REVERSAL,
            by=by,
            lines=lines,
            book=original.book,
            reverses=original,
        )


# What else must be true before a period closes, registered by the apps that know it (payments:
# no drawer with postings in the period is still open). Each returns the reasons it refuses.
PeriodCloseCheck = Callable[[AccountingPeriod], list[str]]
_PERIOD_CLOSE_CHECKS: list[PeriodCloseCheck] = []


def register_period_close_check(check: PeriodCloseCheck) -> None:
    """Add a check that period_close runs, in its transaction, with the period row locked."""
    if check not in _PERIOD_CLOSE_CHECKS:
        _PERIOD_CLOSE_CHECKS.append(check)


def period_close(*, period: AccountingPeriod, by: User) -> AccountingPeriod:
    """Close an accounting period: from then on nothing may be posted on its dates.

    Only a period that has ended (its last day is before the office's today) closes, and only
    when every registered check agrees (no open drawer has postings in it): closing the current
    month would stop the counter. The row lock waits for postings in flight on those dates
    (they hold a share lock on it).

    Raises PeriodClosed if it is closed already, PeriodNotClosable with the reasons otherwise."""
    with transaction.atomic():
        locked = AccountingPeriod.objects.select_for_update().get(pk=period.pk)
        if locked.state == PeriodState.CLOSED:
            raise PeriodClosed(f"Period {locked.name} is already closed.")
        today = timezone.localdate()
        if locked.end_date >= today:
            raise PeriodNotClosable(
                f"Period {locked.name} runs through {date_format(locked.end_date)}; it can be "
                f"closed from {date_format(locked.end_date + timedelta(days=1))}."
            )
        reasons = [reason for check in _PERIOD_CLOSE_CHECKS for reason in check(locked)]
        if reasons:
            raise PeriodNotClosable(f"Period {locked.name} cannot close yet: " + " ".join(reasons))
        locked.state = PeriodState.CLOSED
        locked.closed_at = timezone.now()
        locked.closed_by = by
        locked.save(update_fields=["state", "closed_at", "closed_by"])
    return locked


# The chart of accounts every office starts with; admins add bank accounts and revenue lines.
STANDARD_CHART: tuple[tuple[str, str, str, str], ...] = (
    ("1000", "Cash in drawer", AccountType.ASSET, "General"),
    ("1010", "Checks in drawer", AccountType.ASSET, "General"),
    ("1020", "Card clearing", AccountType.ASSET, "General"),
    ("1030", "Change fund (cash in safe)", AccountType.ASSET, "General"),
    ("1035", "Cash in safe (collections)", AccountType.ASSET, "General"),
    ("1036", "Checks in safe", AccountType.ASSET, "General"),
    ("1040", "Deposits in transit", AccountType.ASSET, "General"),
    ("1100", "Bank - operating account", AccountType.ASSET, "General"),
    ("1200", "Accounts receivable - property tax", AccountType.ASSET, "General"),
    ("1210", "Accounts receivable - water & sewer", AccountType.ASSET, "Water"),
    ("1220", "Accounts receivable - parking tickets", AccountType.ASSET, "General"),
    ("1230", "Accounts receivable - miscellaneous invoices", AccountType.ASSET, "General"),
    ("2100", "Customer credits (overpayments)", AccountType.LIABILITY, "General"),
    ("2110", "Refunds payable (city checks)", AccountType.LIABILITY, "General"),
    ("3000", "Fund balance", AccountType.EQUITY, "General"),
    ("4000", "Revenue - real property tax", AccountType.REVENUE, "General"),
    ("4100", "Revenue - water charges", AccountType.REVENUE, "Water"),
    ("4110", "Revenue - sewer charges", AccountType.REVENUE, "Sewer"),
    ("4200", "Revenue - parking fines", AccountType.REVENUE, "General"),
    ("4300", "Revenue - trash tags", AccountType.REVENUE, "General"),
    ("4310", "Revenue - parking permits", AccountType.REVENUE, "General"),
    ("4320", "Revenue - certificates and searches", AccountType.REVENUE, "General"),
    ("4330", "Revenue - returned check fees", AccountType.REVENUE, "General"),
    ("4390", "Revenue - miscellaneous", AccountType.REVENUE, "General"),
    ("4900", "Penalty & interest revenue", AccountType.REVENUE, "General"),
    ("5000", "Cash over/short", AccountType.EXPENSE, "General"),
    ("5100", "Bank fees", AccountType.EXPENSE, "General"),
    ("5200", "Bills written off", AccountType.EXPENSE, "General"),
)


def chart_of_accounts_seed(accounts: Iterable[tuple[str, str, str, str]] = STANDARD_CHART) -> int:
    """Create the standard accounts that are missing; returns how many it created."""
    created = 0
    with transaction.atomic():
        for code, name, type_, fund in accounts:
            _, was_created = Account.objects.get_or_create(
                code=code, defaults={"name": name, "type": type_, "fund": fund}
            )
            created += was_created
    return created
