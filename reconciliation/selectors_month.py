"""Read queries of month close and the finance exports: why a period may not close yet, the
month-end reconciliation (bank accounts, receivables), the general-ledger journal and the
revenue distribution. Every total is summed by PostgreSQL, never row by row in Python."""

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db import connection, transaction

from cashiering.dates import us_date
from cashiering.people import person_name
from ledger.models import Account, AccountingPeriod, AccountType, Book
from ledger.money import ZERO
from payments.models import Drawer
from reconciliation.models import DaySignoff, StatementLine

# The receivable accounts the month-end report holds against the open bills.
RECEIVABLE_CODES = ("1200", "1210", "1220", "1230")
# Interfund lines the GL export adds so each fund balances (computed in the export only; the
# finance system keeps these accounts in every fund).
DUE_FROM_OTHER_FUNDS = ("1900", "Due from other funds")
DUE_TO_OTHER_FUNDS = ("2900", "Due to other funds")

# Rules that `manage.py ledger_verify` re-checks (ledger.selectors.register_check).
EXPORT_CHECKS: list[tuple[str, str]] = [
    (
        "a collection vendor's payments file debits Bank by its total and credits each ticket "
        "by what its rows paid",
        """SELECT 'vendor payments file ' || f.id
             FROM reconciliation_vendorpaymentfile f
            WHERE f.entry_id IS NOT NULL AND (
                  f.total IS DISTINCT FROM (
                      SELECT sum(l.amount) FROM ledger_journalline l
                        JOIN ledger_account a ON a.id = l.account_id
                       WHERE l.entry_id = f.entry_id AND a.code = '1100')
               OR f.total IS DISTINCT FROM (
                      SELECT sum(p.amount) FROM reconciliation_vendorpayment p
                       WHERE p.file_id = f.id))""",
    ),
    (
        "a posting file lists as many events as it says",
        """SELECT 'posting file ' || x.id FROM reconciliation_postingexport x
            WHERE x.row_count <> (SELECT count(*) FROM reconciliation_postingexportitem i
                                   WHERE i.export_id = x.id)""",
    ),
]

# Triggers that keep the files sent and taken back frozen (migration 0050's SQL).
EXPORT_TRIGGERS: list[tuple[str, str]] = [
    (f"reconciliation_{table}", f"{table}_frozen")
    for table in (
        "postingexport",
        "postingexportitem",
        "referralfile",
        "vendorreferral",
        "vendorpaymentfile",
        "vendorpayment",
    )
]


# Month close


def month_close_refusals(period: AccountingPeriod) -> list[str]:
    """Why `period` may not close yet, in words a Supervisor can act on: statement lines dated
    in it still unmatched (matched or explained is fine), drawers with postings in it that
    were counted but not yet closed (open drawers are payments' own check,
    payments.selectors.open_drawers_in_period), and office-days with postings without a standing
    day sign-off. Registered with
    ledger.services.register_period_close_check; runs with the period row locked."""
    reasons: list[str] = []
    unmatched = (
        StatementLine.objects.filter(
            status=StatementLine.Status.UNMATCHED,
            posted_on__gte=period.start_date,
            posted_on__lte=period.end_date,
        )
        .select_related("bank_account")
        .order_by("posted_on", "id")
    )
    count = unmatched.count()
    if count:
        first = [
            f"{us_date(line.posted_on)} {line.amount} ({line.bank_account.code})"
            for line in unmatched[:5]
        ]
        more = f" and {count - 5} more" if count > 5 else ""
        reasons.append(
            f"{count} bank statement line{'s are' if count > 1 else ' is'} still unmatched "
            f"({', '.join(first)}{more}); match or explain {'them' if count > 1 else 'it'} first."
        )
    posted_in = """SELECT DISTINCT l.drawer_id FROM ledger_journalline l
                     JOIN ledger_journalentry e ON e.id = l.entry_id
                    WHERE l.drawer_id IS NOT NULL AND e.entry_date BETWEEN %s AND %s"""
    with connection.cursor() as cursor:
        cursor.execute(posted_in, [period.start_date, period.end_date])
        drawer_ids = [row[0] for row in cursor.fetchall()]
    counted = (
        Drawer.objects.filter(pk__in=drawer_ids)
        .exclude(status__in=[Drawer.Status.OPEN, Drawer.Status.CLOSED])
        .select_related("clerk", "workstation")
        .order_by("pk")
    )
    for drawer in counted:
        reasons.append(
            f"Drawer {drawer.pk} ({person_name(drawer.clerk)} at {drawer.workstation}) was counted "
            "but its close is not signed off; sign off or finish the close first."
        )
    reasons += _days_not_signed_off(period)
    return reasons


def _days_not_signed_off(period: AccountingPeriod) -> list[str]:
    """Office-days of `period` with live journal lines of the office (lines naming the office,
    or a drawer of it: what a day's seal covers, reconciliation_day_lines_text) and no
    standing DaySignoff (one not reopened). Lines naming no office (a wire booked to the
    bank) belong to no office-day and need no sign-off."""
    with connection.cursor() as cursor:
        cursor.execute(
            """WITH office_days AS (
                   SELECT DISTINCT e.entry_date AS day, coalesce(l.office_id, d.office_id) AS office
                     FROM ledger_journalline l
                     JOIN ledger_journalentry e ON e.id = l.entry_id
                     LEFT JOIN payments_drawer d ON d.id = l.drawer_id
                    WHERE e.book = 'live' AND e.entry_date BETWEEN %s AND %s
                      AND (l.office_id IS NOT NULL OR l.drawer_id IS NOT NULL))
               SELECT od.office, o.code, od.day FROM office_days od
                 JOIN payments_office o ON o.id = od.office
                ORDER BY o.code, od.day""",
            [period.start_date, period.end_date],
        )
        posted = cursor.fetchall()
    standing = set(
        DaySignoff.objects.filter(
            business_date__gte=period.start_date,
            business_date__lte=period.end_date,
            reopened_at__isnull=True,
        ).values_list("office_id", "business_date")
    )
    by_office: dict[str, list[date]] = {}
    for office_id, code, day in posted:
        if (office_id, day) not in standing:
            by_office.setdefault(code, []).append(day)
    reasons = []
    for code, days in by_office.items():
        shown = ", ".join(us_date(day) for day in days[:10])
        more = f" and {len(days) - 10} more" if len(days) > 10 else ""
        reasons.append(
            f"Office {code}: business days with postings are not signed off: {shown}{more}. "
            "Sign off each day (Daily report) first."
        )
    return reasons


# Month-end report


@dataclass(frozen=True)
class StatementItem:
    posted_on: date
    amount: Decimal
    description: str
    status: str
    explanation: str


@dataclass(frozen=True)
class BookItem:
    entry_id: int
    entry_date: date
    amount: Decimal
    memo: str
    source: str


@dataclass(frozen=True)
class TransitItem:
    deposit_id: int
    bag_number: str
    business_date: date
    amount: Decimal


@dataclass
class BankReconciliation:
    """One bank account at period end. Book side: the ledger balance plus the deposits the
    books have sent to this account that the bank had not shown by period end, plus bank
    items not in the books (statement lines not matched by then). Bank side: the statement
    balance plus those deposits in transit plus book entries on the account that are not on
    the statement. The two adjusted balances must agree; `difference` says by how much not."""

    account: Account
    book_balance: Decimal
    bank_balance: Decimal | None
    bank_balance_source: str
    deposits_in_transit: list[TransitItem] = field(default_factory=list)
    unmatched_statement: list[StatementItem] = field(default_factory=list)
    book_not_on_statement: list[BookItem] = field(default_factory=list)
    # Totals summed by PostgreSQL (the lists above are capped for the page).
    transit_total: Decimal = ZERO
    unmatched_total: Decimal = ZERO
    book_only_total: Decimal = ZERO
    unmatched_count: int = 0
    book_only_count: int = 0

    @property
    def adjusted_book(self) -> Decimal:
        return self.book_balance + self.transit_total + self.unmatched_total

    @property
    def adjusted_bank(self) -> Decimal:
        return (self.bank_balance or ZERO) + self.transit_total + self.book_only_total

    @property
    def difference(self) -> Decimal:
        return self.adjusted_book - self.adjusted_bank


@dataclass(frozen=True)
class ReceivableRow:
    """A receivable account at period end: the ledger's balance against the sum of the open
    bills' balances then (each bill's stored balance less its lines dated after the period)."""

    account: Account
    ledger_balance: Decimal
    open_bills_total: Decimal
    open_bills: int

    @property
    def difference(self) -> Decimal:
        return self.ledger_balance - self.open_bills_total


@dataclass
class MonthEndReport:
    period: AccountingPeriod
    banks: list[BankReconciliation]
    receivables: list[ReceivableRow]

    @property
    def agrees(self) -> bool:
        return all(b.difference == 0 for b in self.banks) and all(
            r.difference == 0 for r in self.receivables
        )


ITEMS_SHOWN = 200  # reconciling items listed per bank account; totals count them all


def month_end_report(period: AccountingPeriod) -> MonthEndReport:
    """The month-end reconciliation of `period` (live book, as of its last day): per bank
    account (asset accounts 11xx) book vs bank with the reconciling items, and the receivable
    accounts against the open bills. Dollars as Decimal. A handful of aggregate queries in one
    REPEATABLE READ snapshot, whatever the size of the ledger."""
    end = period.end_date
    banks = list(Account.objects.filter(type=AccountType.ASSET, code__regex=r"^11[0-9][0-9]$"))
    receivables = list(Account.objects.filter(code__in=RECEIVABLE_CODES).order_by("code"))
    snapshot = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if snapshot:  # the first statement of its own transaction: one consistent snapshot
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        balances = _ledger_balances(cursor, [a.pk for a in banks + receivables], end)
        bank_rows = [_bank_reconciliation(cursor, account, balances, end) for account in banks]
        open_bills = _open_bills_at(cursor, [a.pk for a in receivables], end)
    receivable_rows = [
        ReceivableRow(
            account=account,
            ledger_balance=balances.get(account.pk, ZERO),
            open_bills_total=open_bills.get(account.pk, (ZERO, 0))[0],
            open_bills=open_bills.get(account.pk, (ZERO, 0))[1],
        )
        for account in receivables
    ]
    return MonthEndReport(period=period, banks=bank_rows, receivables=receivable_rows)


def _ledger_balances(cursor, account_ids: list[int], end: date) -> dict[int, Decimal]:
    if not account_ids:
        return {}
    cursor.execute(
        """SELECT l.account_id, sum(l.amount)
             FROM ledger_journalline l JOIN ledger_journalentry e ON e.id = l.entry_id
            WHERE l.account_id = ANY(%s) AND e.book = 'live' AND e.entry_date <= %s
            GROUP BY l.account_id""",
        [account_ids, end],
    )
    return {account_id: total for account_id, total in cursor.fetchall()}


def _bank_reconciliation(
    cursor, account: Account, balances: dict[int, Decimal], end: date
) -> BankReconciliation:
    cursor.execute(
        """SELECT closing_balance, period_end, file_name FROM reconciliation_bankstatement
            WHERE bank_account_id = %s AND period_end <= %s AND closing_balance IS NOT NULL
            ORDER BY period_end DESC, imported_at DESC LIMIT 1""",
        [account.pk, end],
    )
    last = cursor.fetchone()
    cursor.execute(
        """SELECT count(*), sum(amount) FROM reconciliation_statementline
            WHERE bank_account_id = %s AND posted_on <= %s""",
        [account.pk, end],
    )
    line_count, line_sum = cursor.fetchone()
    if last is not None:
        bank_balance, source = last[0], f"closing balance of {last[2]} ({us_date(last[1])})"
    elif line_count:
        bank_balance, source = line_sum, "sum of the statement lines (no closing balance on file)"
    else:
        bank_balance, source = None, "no statement on file"
    row = BankReconciliation(
        account=account,
        book_balance=balances.get(account.pk, ZERO),
        bank_balance=bank_balance,
        bank_balance_source=source,
    )
    _transit(cursor, row, end)
    _unmatched(cursor, row, end)
    _book_only(cursor, row, end)
    return row


# A statement line was in the books by period end when its matching entry is dated by then.
_LINE_IN_BOOKS = "(s.entry_id IS NOT NULL AND me.entry_date <= %s)"


def _transit(cursor, row: BankReconciliation, end: date) -> None:
    """Verified deposits to this account, posted by `end`, that no statement line dated by
    `end` had matched by then, each at what it held in transit at `end`: its total less what
    returned checks of the bag took back out of 1040 by then."""
    cursor.execute(
        f"""WITH transit AS (
              SELECT d.id, d.bag_number, d.business_date,
                     d.cash_total + d.checks_total - coalesce((
                       SELECT -sum(l.amount) FROM reconciliation_depositcheck dc
                         JOIN payments_paymentreversal r
                           ON r.tender_id = dc.tender_id AND r.kind = 'returned_check'
                         JOIN ledger_journalline l
                           ON l.entry_id = r.entry_id
                           OR l.entry_id IN (SELECT b.entry_id FROM ledger_journalline b
                                              WHERE b.bill_id = r.fee_bill_id)
                         JOIN ledger_account a ON a.id = l.account_id AND a.code = '1040'
                         JOIN ledger_journalentry le ON le.id = l.entry_id
                        WHERE dc.deposit_id = d.id AND NOT dc.released
                          AND le.entry_date <= %s), 0) AS held
                FROM reconciliation_deposit d JOIN ledger_journalentry de ON de.id = d.entry_id
               WHERE d.bank_account_id = %s AND d.status = 'verified' AND de.entry_date <= %s
                 AND NOT EXISTS (
                     SELECT 1 FROM reconciliation_statementline s
                       LEFT JOIN ledger_journalentry me ON me.id = s.entry_id
                      WHERE s.deposit_id = d.id AND s.posted_on <= %s AND {_LINE_IN_BOOKS}))
           SELECT id, bag_number, business_date, held, count(*) OVER (), sum(held) OVER ()
             FROM transit ORDER BY business_date, id LIMIT %s""",  # noqa: S608 (a constant)
        [end, row.account.pk, end, end, end, ITEMS_SHOWN],
    )
    rows = cursor.fetchall()
    row.deposits_in_transit = [TransitItem(r[0], r[1], r[2], r[3]) for r in rows]
    row.transit_total = rows[0][5] if rows else ZERO


def _unmatched(cursor, row: BankReconciliation, end: date) -> None:
    """Statement lines dated by `end` whose amount was not in the books by then."""
    cursor.execute(
        f"""SELECT s.posted_on, s.amount, s.description, s.status, s.explanation,
                   count(*) OVER (), sum(s.amount) OVER ()
              FROM reconciliation_statementline s
              LEFT JOIN ledger_journalentry me ON me.id = s.entry_id
             WHERE s.bank_account_id = %s AND s.posted_on <= %s AND NOT {_LINE_IN_BOOKS}
             ORDER BY s.posted_on, s.id LIMIT %s""",  # noqa: S608 (a constant, no input)
        [row.account.pk, end, end, ITEMS_SHOWN],
    )
    rows = cursor.fetchall()
    row.unmatched_statement = [StatementItem(r[0], r[1], r[2], r[3], r[4]) for r in rows]
    row.unmatched_count = rows[0][5] if rows else 0
    row.unmatched_total = rows[0][6] if rows else ZERO


def _book_only(cursor, row: BankReconciliation, end: date) -> None:
    """Lines on the account dated by `end` whose entry matched no statement line dated by
    `end`: in the books, not (yet) at the bank."""
    cursor.execute(
        """SELECT e.id, e.entry_date, sum(l.amount), e.memo, e.source,
                  count(*) OVER (), sum(sum(l.amount)) OVER ()
             FROM ledger_journalline l JOIN ledger_journalentry e ON e.id = l.entry_id
            WHERE l.account_id = %s AND e.book = 'live' AND e.entry_date <= %s
              AND NOT EXISTS (SELECT 1 FROM reconciliation_statementline s
                               WHERE s.entry_id = e.id AND s.bank_account_id = %s
                                 AND s.posted_on <= %s)
            GROUP BY e.id ORDER BY e.entry_date, e.id LIMIT %s""",
        [row.account.pk, end, row.account.pk, end, ITEMS_SHOWN],
    )
    rows = cursor.fetchall()
    row.book_not_on_statement = [BookItem(r[0], r[1], r[2], r[3], r[4]) for r in rows]
    row.book_only_count = rows[0][5] if rows else 0
    row.book_only_total = rows[0][6] if rows else ZERO


def _open_bills_at(cursor, account_ids: list[int], end: date) -> dict[int, tuple[Decimal, int]]:
    """Per receivable account: the sum and count of bills open at `end` (stored balance less
    the bill's live receivable lines dated after `end`)."""
    if not account_ids:
        return {}
    cursor.execute(
        """WITH later AS (
               SELECT l.bill_id, sum(l.amount) AS moved
                 FROM ledger_journalline l JOIN ledger_journalentry e ON e.id = l.entry_id
                WHERE l.bill_id IS NOT NULL AND l.account_id = ANY(%s)
                  AND e.book = 'live' AND e.entry_date > %s
                GROUP BY l.bill_id)
           SELECT b.receivable_account_id, sum(b.balance - coalesce(later.moved, 0)),
                  count(*) FILTER (WHERE b.balance - coalesce(later.moved, 0) <> 0)
             FROM billing_bill b LEFT JOIN later ON later.bill_id = b.id
            WHERE b.receivable_account_id = ANY(%s)
            GROUP BY b.receivable_account_id""",
        [account_ids, end, account_ids],
    )
    return {acc: (total or ZERO, count) for acc, total, count in cursor.fetchall()}


def month_end_csv_rows(report: MonthEndReport) -> Iterator[list[str]]:
    """The month-end report as CSV rows (section, account, item, date, amount)."""
    yield ["section", "account", "item", "date", "amount"]
    for bank in report.banks:
        code = bank.account.code
        yield ["bank", code, "book balance (ledger)", "", str(bank.book_balance)]
        yield [
            "bank",
            code,
            f"bank balance: {bank.bank_balance_source}",
            "",
            str(bank.bank_balance or ""),
        ]
        for t in bank.deposits_in_transit:
            yield [
                "deposit in transit",
                code,
                f"bag {t.bag_number}",
                str(t.business_date),
                str(t.amount),
            ]
        for s in bank.unmatched_statement:
            yield [
                "statement line not in books",
                code,
                s.description,
                str(s.posted_on),
                str(s.amount),
            ]
        for b in bank.book_not_on_statement:
            yield [
                "book entry not on statement",
                code,
                f"entry {b.entry_id}: {b.memo}",
                str(b.entry_date),
                str(b.amount),
            ]
        yield ["bank", code, "deposits in transit (total)", "", str(bank.transit_total)]
        yield ["bank", code, "adjusted book balance", "", str(bank.adjusted_book)]
        yield ["bank", code, "adjusted bank balance", "", str(bank.adjusted_bank)]
        yield ["bank", code, "difference", "", str(bank.difference)]
    for r in report.receivables:
        code = r.account.code
        yield ["receivable", code, "ledger balance", "", str(r.ledger_balance)]
        yield ["receivable", code, f"open bills ({r.open_bills})", "", str(r.open_bills_total)]
        yield ["receivable", code, "difference", "", str(r.difference)]


# General-ledger journal export


@dataclass(frozen=True)
class JournalRow:
    """One row of the GL journal export: debit or credit (the other None), dollars."""

    entry_date: date
    fund: str
    account: str
    debit: Decimal | None
    credit: Decimal | None
    memo: str
    reference: str


def _row(day: date, fund: str, account: str, amount: Decimal, memo: str, ref: str) -> JournalRow:
    return JournalRow(
        day,
        fund,
        account,
        amount if amount > 0 else None,
        -amount if amount < 0 else None,
        memo,
        ref,
    )


def _interfund(day: date, nets: dict[str, Decimal], ref: str) -> list[JournalRow]:
    """The lines that make each fund balance on its own: a fund with more debits than credits
    owes the others (Cr 2900 Due to other funds); one with more credits is owed (Dr 1900 Due
    from other funds). The entry balances as a whole, so these balance too."""
    rows = []
    for fund, net in sorted(nets.items()):
        if net > 0:
            rows.append(_row(day, fund, DUE_TO_OTHER_FUNDS[0], -net, DUE_TO_OTHER_FUNDS[1], ref))
        elif net < 0:
            rows.append(
                _row(day, fund, DUE_FROM_OTHER_FUNDS[0], -net, DUE_FROM_OTHER_FUNDS[1], ref)
            )
    return rows


def gl_journal(*, date_from: date, date_to: date, detailed: bool = False) -> Iterator[JournalRow]:
    """The live book's journal from `date_from` to `date_to` (inclusive) for the city's finance
    system, balanced per fund.

    Summarized (the default): one row per day, fund and account, with that day's debits and
    credits on separate rows (reference `cashiering <day>`), and per day the interfund lines.
    Detailed: one row per journal line (reference `entry <id> <source>`), and per entry the
    interfund lines. Interfund lines use 1900 Due from other funds / 2900 Due to other funds,
    computed here only (the cashiering chart has no such accounts: the General fund holds the
    Water and Sewer funds' cash)."""
    if detailed:
        yield from _gl_detailed(date_from, date_to)
    else:
        yield from _gl_summarized(date_from, date_to)


def _gl_summarized(date_from: date, date_to: date) -> Iterator[JournalRow]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT e.entry_date, a.fund, a.code, a.name,
                      sum(l.amount) FILTER (WHERE l.amount > 0),
                      sum(l.amount) FILTER (WHERE l.amount < 0)
                 FROM ledger_journalline l
                 JOIN ledger_journalentry e ON e.id = l.entry_id
                 JOIN ledger_account a ON a.id = l.account_id
                WHERE e.book = 'live' AND e.entry_date BETWEEN %s AND %s
                GROUP BY e.entry_date, a.fund, a.code, a.name
                ORDER BY e.entry_date, a.fund, a.code""",
            [date_from, date_to],
        )
        rows = cursor.fetchall()
    day: date | None = None
    nets: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for entry_date, fund, code, name, debits, credits in rows:
        if day is not None and entry_date != day:
            yield from _interfund(day, nets, f"cashiering {day}")
            nets = defaultdict(lambda: ZERO)
        day = entry_date
        ref = f"cashiering {entry_date}"
        if debits:
            yield _row(entry_date, fund, code, debits, f"{name}: debits of the day", ref)
        if credits:
            yield _row(entry_date, fund, code, credits, f"{name}: credits of the day", ref)
        nets[fund] += (debits or ZERO) + (credits or ZERO)
    if day is not None:
        yield from _interfund(day, nets, f"cashiering {day}")


def _gl_detailed(date_from: date, date_to: date) -> Iterator[JournalRow]:
    sql = """SELECT e.id, e.entry_date, e.source, e.memo, a.fund, a.code, l.amount, l.memo
               FROM ledger_journalline l
               JOIN ledger_journalentry e ON e.id = l.entry_id
               JOIN ledger_account a ON a.id = l.account_id
              WHERE e.book = 'live' AND e.entry_date BETWEEN %s AND %s
              ORDER BY e.entry_date, e.id, l.id"""
    entry_id: int | None = None
    entry_day: date | None = None
    ref = ""
    nets: dict[str, Decimal] = defaultdict(lambda: ZERO)
    # A named cursor streams the rows: a month is up to millions of lines.
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, [date_from, date_to])
        for eid, day, source, entry_memo, fund, code, amount, memo in cursor:
            if entry_id is not None and eid != entry_id and entry_day is not None:
                yield from _interfund(entry_day, nets, ref)
                nets = defaultdict(lambda: ZERO)
            entry_id, entry_day, ref = eid, day, f"entry {eid} {source}"
            yield _row(day, fund, code, amount, memo or entry_memo, ref)
            nets[fund] += amount
    if entry_day is not None:
        yield from _interfund(entry_day, nets, ref)


def gl_journal_csv_rows(rows: Iterator[JournalRow]) -> Iterator[list[str]]:
    yield ["date", "fund", "account", "debit", "credit", "memo", "reference"]
    for r in rows:
        yield [
            r.entry_date.isoformat(),
            r.fund,
            r.account,
            "" if r.debit is None else str(r.debit),
            "" if r.credit is None else str(r.credit),
            r.memo,
            r.reference,
        ]


# Revenue distribution


@dataclass(frozen=True)
class RevenueRow:
    """Revenue posted to one account in a date range: credits (revenue earned: bills issued,
    fees sold, penalties assessed), debits (voids, adjustments, write-downs) and the net,
    positive for revenue."""

    fund: str
    code: str
    name: str
    credits: Decimal
    debits: Decimal

    @property
    def net(self) -> Decimal:
        return self.credits - self.debits


@dataclass(frozen=True)
class RevenueDistribution:
    date_from: date
    date_to: date
    rows: list[RevenueRow]

    def funds(self) -> list[tuple[str, list[RevenueRow], Decimal]]:
        """Rows grouped by fund, each with the fund's net total."""
        grouped: dict[str, list[RevenueRow]] = defaultdict(list)
        for row in self.rows:
            grouped[row.fund].append(row)
        return [
            (fund, rows, sum((r.net for r in rows), ZERO)) for fund, rows in sorted(grouped.items())
        ]

    @property
    def total(self) -> Decimal:
        return sum((r.net for r in self.rows), ZERO)


def revenue_distribution(*, date_from: date, date_to: date) -> RevenueDistribution:
    """Revenue by fund and account (live book) from `date_from` to `date_to`. The department
    directory in billing is not tied to revenue accounts, so the account is the department's
    line (4000 tax, 4100/4110 water and sewer, 42xx/43xx parking and fees)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT a.fund, a.code, a.name,
                      coalesce(-sum(l.amount) FILTER (WHERE l.amount < 0), 0),
                      coalesce(sum(l.amount) FILTER (WHERE l.amount > 0), 0)
                 FROM ledger_journalline l
                 JOIN ledger_journalentry e ON e.id = l.entry_id
                 JOIN ledger_account a ON a.id = l.account_id
                WHERE e.book = %s AND a.type = %s AND e.entry_date BETWEEN %s AND %s
                GROUP BY a.fund, a.code, a.name ORDER BY a.fund, a.code""",
            [Book.LIVE, AccountType.REVENUE, date_from, date_to],
        )
        rows = [RevenueRow(*row) for row in cursor.fetchall()]
    return RevenueDistribution(date_from=date_from, date_to=date_to, rows=rows)
