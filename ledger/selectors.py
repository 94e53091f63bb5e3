"""Read queries of the ledger for pages, reports and `ledger_verify`."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection
from django.db.models import F, QuerySet, Sum, Window
from django.db.models.functions import Coalesce

from ledger.models import Account, JournalLine
from ledger.money import ZERO


@dataclass(frozen=True)
class TrialBalanceRow:
    account: Account
    balance: Decimal

    @property
    def debit(self) -> Decimal | None:
        return self.balance if self.balance > 0 else None

    @property
    def credit(self) -> Decimal | None:
        return -self.balance if self.balance < 0 else None


@dataclass(frozen=True)
class TrialBalance:
    book: str
    as_of: date | None
    rows: list[TrialBalanceRow]

    @property
    def total_debits(self) -> Decimal:
        return sum((row.balance for row in self.rows if row.balance > 0), ZERO)

    @property
    def total_credits(self) -> Decimal:
        return sum((-row.balance for row in self.rows if row.balance < 0), ZERO)

    @property
    def difference(self) -> Decimal:
        return self.total_debits - self.total_credits


def trial_balance(*, book: str, as_of: date | None = None) -> TrialBalance:
    """Each account's balance (debit positive) over the entries of `book` up to `as_of`.
    Accounts with no lines are left out."""
    lines = JournalLine.objects.filter(entry__book=book)
    if as_of is not None:
        lines = lines.filter(entry__entry_date__lte=as_of)
    totals = dict(lines.values_list("account_id").annotate(total=Sum("amount")).order_by())
    accounts = Account.objects.filter(pk__in=totals.keys()).order_by("code")
    rows = [TrialBalanceRow(account=account, balance=totals[account.pk]) for account in accounts]
    return TrialBalance(book=book, as_of=as_of, rows=rows)


def account_balance(*, account: Account, book: str, before: date | None = None) -> Decimal:
    """The account's balance over `book`, counting only entries dated before `before` if given."""
    lines = JournalLine.objects.filter(account=account, entry__book=book)
    if before is not None:
        lines = lines.filter(entry__entry_date__lt=before)
    return lines.aggregate(total=Coalesce(Sum("amount"), ZERO))["total"]


def account_lines(
    *, account: Account, book: str, date_from: date | None = None, date_to: date | None = None
) -> QuerySet[JournalLine]:
    """The account's lines in date order, each with `running` (its balance after the line,
    counted from the start of `date_from`'s day, not including earlier lines)."""
    lines = JournalLine.objects.filter(account=account, entry__book=book)
    if date_from is not None:
        lines = lines.filter(entry__entry_date__gte=date_from)
    if date_to is not None:
        lines = lines.filter(entry__entry_date__lte=date_to)
    order = [F("entry__entry_date").asc(), F("entry_id").asc(), F("id").asc()]
    return (
        lines.select_related("entry", "entry__posted_by")
        .annotate(running=Window(Sum("amount"), order_by=order))
        .order_by(*order)
    )


@dataclass(frozen=True)
class Violation:
    rule: str
    detail: str


# The triggers that carry the invariants; ledger_verify checks they are present and enabled.
INVARIANT_TRIGGERS = (
    ("ledger_journalentry", "journal_entry_balances"),
    ("ledger_journalentry", "journal_entry_stamp_transaction"),
    ("ledger_journalline", "journal_line_entry_open"),
    ("ledger_commit_marker", "ledger_checks_at_commit"),
    ("ledger_journalentry", "journal_entry_append_only"),
    ("ledger_journalline", "journal_line_append_only"),
    ("ledger_journalentry", "journal_entry_period_open"),
    ("ledger_accountingperiod", "accounting_period_closed_frozen"),
)

_CHECKS: tuple[tuple[str, str], ...] = (
    (
        "entry does not balance",
        """SELECT 'entry ' || entry_id || ' sums to ' || sum(amount)
             FROM ledger_journalline GROUP BY entry_id HAVING sum(amount) <> 0
            ORDER BY entry_id""",
    ),
    (
        "entry has fewer than two lines",
        """SELECT 'entry ' || e.id || ' has ' || count(l.id) || ' line(s)'
             FROM ledger_journalentry e LEFT JOIN ledger_journalline l ON l.entry_id = e.id
            GROUP BY e.id HAVING count(l.id) < 2 ORDER BY e.id""",
    ),
    (
        "line of zero",
        "SELECT 'line ' || id || ' of entry ' || entry_id FROM ledger_journalline "
        "WHERE amount = 0 ORDER BY id",
    ),
    (
        "posted into a closed period",
        """SELECT 'entry ' || e.id || ' dated ' || e.entry_date || ' posted at ' || e.posted_at
                  || ' after period ' || p.name || ' closed at ' || p.closed_at
             FROM ledger_journalentry e JOIN ledger_accountingperiod p
               ON e.entry_date BETWEEN p.start_date AND p.end_date
            WHERE p.state = 'closed' AND e.posted_at > p.closed_at ORDER BY e.id""",
    ),
    (
        "reversal does not mirror its original",
        """WITH mirrored AS (
               SELECT r.id AS reversal, o.id AS original, l.account_id, l.amount
                 FROM ledger_journalentry r
                 JOIN ledger_journalentry o ON o.id = r.reverses_id
                 JOIN ledger_journalline l ON l.entry_id = o.id
               UNION ALL
               SELECT r.id, r.reverses_id, l.account_id, l.amount
                 FROM ledger_journalentry r JOIN ledger_journalline l ON l.entry_id = r.id
                WHERE r.reverses_id IS NOT NULL
           )
           SELECT 'entry ' || reversal || ' reverses entry ' || original
                  || ' but leaves ' || sum(amount) || ' on account id ' || account_id
             FROM mirrored GROUP BY reversal, original, account_id
           HAVING sum(amount) <> 0 ORDER BY reversal""",
    ),
    (
        "reversal in another book",
        """SELECT 'entry ' || r.id || ' (' || r.book || ') reverses entry ' || o.id
                  || ' (' || o.book || ')'
             FROM ledger_journalentry r JOIN ledger_journalentry o ON o.id = r.reverses_id
            WHERE r.book <> o.book ORDER BY r.id""",
    ),
    (
        "book does not balance",
        """SELECT 'book ' || e.book || ' sums to ' || sum(l.amount)
             FROM ledger_journalline l JOIN ledger_journalentry e ON e.id = l.entry_id
            GROUP BY e.book HAVING sum(l.amount) <> 0""",
    ),
)


_EXTRA_CHECKS: list[tuple[str, str]] = []
_EXTRA_TRIGGERS: list[tuple[str, str]] = []


def register_check(rule: str, sql: str) -> None:
    """Add a check to ledger_verify: `sql` returns one text column, a row per violation. Apps
    that keep sub-ledgers (bills, drawers) register theirs; the ledger depends on none of them."""
    if (rule, sql) not in _EXTRA_CHECKS:
        _EXTRA_CHECKS.append((rule, sql))


def register_trigger(table: str, name: str) -> None:
    """Add a trigger that ledger_verify must find present and enabled."""
    if (table, name) not in _EXTRA_TRIGGERS:
        _EXTRA_TRIGGERS.append((table, name))


def ledger_violations() -> list[Violation]:
    """Re-check every ledger invariant over the whole database; an empty list means clean."""
    violations: list[Violation] = []
    with connection.cursor() as cursor:
        for rule, sql in [*_CHECKS, *_EXTRA_CHECKS]:
            cursor.execute(sql)
            violations.extend(Violation(rule, detail) for (detail,) in cursor.fetchall())
        cursor.execute(
            """SELECT c.relname, t.tgname, t.tgenabled FROM pg_trigger t
                 JOIN pg_class c ON c.oid = t.tgrelid
                WHERE NOT t.tgisinternal"""
        )
        present = {(table, name): enabled for table, name, enabled in cursor.fetchall()}
    for table, name in [*INVARIANT_TRIGGERS, *_EXTRA_TRIGGERS]:
        state = present.get((table, name))
        if state is None:
            violations.append(Violation("invariant trigger missing", f"{name} on {table}"))
        elif state not in ("O", "A"):
            # D: disabled; R: fires only for replication sessions, so not for the app either.
            violations.append(Violation("invariant trigger disabled", f"{name} on {table}"))
    return violations
