"""The daily balancing report: everything an office took, gave back, counted and deposited on one
business day, from one consistent snapshot (REPEATABLE READ, read only), aggregated in SQL."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q

from billing.models import BillAdjustment, BillType, PenaltyWaiver
from ledger.models import Book
from ledger.money import ZERO
from payments.models import Drawer, Office, Payment, PaymentReversal, TenderKind
from reconciliation.models import Deposit, DrawerClose, SafeCount

# Account codes (ledger.services.STANDARD_CHART), as reconciliation.services.custody names them;
# not imported from there: the services import this module.
CASH_IN_DRAWER = "1000"
CHECKS_IN_DRAWER = "1010"
CARD_CLEARING = "1020"
TENDER_CODES = (CASH_IN_DRAWER, CHECKS_IN_DRAWER, CARD_CLEARING)
TENDER_OF_CODE = {
    CASH_IN_DRAWER: TenderKind.CASH,
    CHECKS_IN_DRAWER: TenderKind.CHECK,
    CARD_CLEARING: TenderKind.CARD,
}
# Entries that move money between a drawer and the change fund or the safe: custody, not
# collections (a float, a drop, a close). Every other entry naming a drawer is collections.
CUSTODY_SOURCES = (
    "drawer_open",
    "cash_drop",
    "cash_pickup",
    "drawer_close",  # ReconciliationSource.DRAWER_CLOSE
    "drawer_reopen",  # ReconciliationSource.DRAWER_REOPEN
)
GENERAL_FUND = "General"
MISSING_LISTED = 500  # receipt numbers listed at most per series; the count is always exact
# Memory for the report's sorts and hashes (PostgreSQL's default is 4MB): a busy day's 50,000
# receipts grouped by drawer and hour sorted through temporary files on disk (EXPLAIN: "external
# merge"); with this they aggregate in memory.
REPORT_WORK_MEM = "64MB"


@dataclass(frozen=True)
class TenderTotals:
    """Dollars by tender (Decimal): cash net of change, checks, card."""

    cash: Decimal = ZERO
    check: Decimal = ZERO
    card: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.cash + self.check + self.card

    def minus(self, other: "TenderTotals") -> "TenderTotals":
        return TenderTotals(
            self.cash - other.cash, self.check - other.check, self.card - other.card
        )

    @classmethod
    def of(cls, amounts: dict[str, Decimal]) -> "TenderTotals":
        return cls(
            cash=amounts.get(TenderKind.CASH, ZERO),
            check=amounts.get(TenderKind.CHECK, ZERO),
            card=amounts.get(TenderKind.CARD, ZERO),
        )


@dataclass(frozen=True)
class DrawerRow:
    """One drawer's day: its clerk and window, receipts, and what it collected by tender."""

    drawer_id: int
    clerk: str
    window: str
    status: str
    receipts: int
    taken: Decimal  # the receipts' totals as taken (credit on account included)
    voided: int  # how many of its receipts of the day are voided now
    collected: TenderTotals  # the drawer's ledger lines (collections, net of voids and refunds)


@dataclass(frozen=True)
class AmountRow:
    """A labelled count and amount (a bill type, a fee type, an hour, a clerk)."""

    label: str
    count: int
    amount: Decimal


@dataclass(frozen=True)
class AccountRow:
    code: str
    name: str
    fund: str
    amount: Decimal  # collected (credit) positive


@dataclass(frozen=True)
class FundRow:
    fund: str
    collected: Decimal
    due_from_general: Decimal  # what the General fund owes this fund for cash it holds for it


@dataclass(frozen=True)
class ExceptionRow:
    """A void, refund, returned check, waiver or adjustment with who asked and who approved."""

    kind: str
    reference: str
    amount: Decimal
    reason: str
    requested_by: str
    approved_by: str


@dataclass(frozen=True)
class ReceiptRange:
    """One receipt series' numbers on the day: `first_expected` follows the last number before
    the day (1 on the year's first day); every number up to `last` must be on a receipt."""

    year: int
    first: int
    last: int
    first_expected: int
    count: int
    missing: list[int]
    missing_count: int

    @property
    def has_gap(self) -> bool:
        return self.missing_count > 0


@dataclass(frozen=True)
class Agreement:
    """Drawer totals vs ledger totals vs payment records by tender: they must agree."""

    drawers: TenderTotals
    ledger: TenderTotals
    payments: TenderTotals

    @property
    def agrees(self) -> bool:
        return self.drawers == self.ledger == self.payments

    @property
    def drawers_vs_ledger(self) -> TenderTotals:
        return self.drawers.minus(self.ledger)

    @property
    def payments_vs_ledger(self) -> TenderTotals:
        return self.payments.minus(self.ledger)


@dataclass(frozen=True)
class TraineeRow:
    receipt: str
    clerk: str
    amount: Decimal
    reviewed_by: str


@dataclass
class DailyBalancing:
    """The daily balancing report of `office` on `day` (`training`: the training book's
    drawers only, a separate report). Amounts are dollars (Decimal)."""

    office: Office
    day: date
    training: bool
    drawers: list[DrawerRow] = field(default_factory=list)
    tenders: TenderTotals = field(default_factory=TenderTotals)
    credit_on_account: Decimal = ZERO
    by_bill_type: list[AmountRow] = field(default_factory=list)
    by_fee_type: list[AmountRow] = field(default_factory=list)
    by_hour: list[AmountRow] = field(default_factory=list)
    by_account: list[AccountRow] = field(default_factory=list)
    by_fund: list[FundRow] = field(default_factory=list)
    exceptions: list[ExceptionRow] = field(default_factory=list)
    closes: list[DrawerClose] = field(default_factory=list)
    safe_counts: list[SafeCount] = field(default_factory=list)
    deposits: list[Deposit] = field(default_factory=list)
    trainee_rows: list[TraineeRow] = field(default_factory=list)
    trainee_count: int = 0
    trainee_unreviewed: int = 0
    receipt_ranges: list[ReceiptRange] = field(default_factory=list)
    agreement: Agreement = field(
        default_factory=lambda: Agreement(TenderTotals(), TenderTotals(), TenderTotals())
    )

    @property
    def book(self) -> str:
        return Book.TRAINING if self.training else Book.LIVE

    @property
    def collected(self) -> Decimal:
        return self.tenders.total + self.credit_on_account

    @property
    def receipts(self) -> int:
        return sum(row.receipts for row in self.drawers)

    @property
    def has_gap(self) -> bool:
        return any(r.has_gap for r in self.receipt_ranges)

    @property
    def by_clerk(self) -> list[AmountRow]:
        totals: dict[str, list] = defaultdict(lambda: [0, ZERO])
        for row in self.drawers:
            totals[row.clerk][0] += row.receipts
            totals[row.clerk][1] += row.collected.total
        return [AmountRow(clerk, n, amount) for clerk, (n, amount) in sorted(totals.items())]

    @property
    def over_short_total(self) -> Decimal:
        drawers = sum((c.over_short for c in self.closes), ZERO)
        return drawers + sum((s.difference for s in self.safe_counts), ZERO)


def daily_balancing(*, office: Office, day: date, training: bool = False) -> DailyBalancing:
    """The daily balancing report of `office` on business date `day`; `training=True` gives the
    training drawers' separate report. Every query runs in one REPEATABLE READ, read-only
    transaction, so the figures are one snapshot; called inside a caller's transaction (the
    day's sign-off, which holds the office's lock), it reads in that transaction instead."""
    if connection.in_atomic_block:
        return _report(office, day, training)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'")
        return _report(office, day, training)


def _report(office: Office, day: date, training: bool) -> DailyBalancing:
    report = DailyBalancing(office=office, day=day, training=training)
    params = {
        "office": office.pk,
        "training": training,
        "day": day,
        "book": Book.TRAINING if training else Book.LIVE,
        "custody": list(CUSTODY_SOURCES),
        "tenders": list(TENDER_CODES),
        "tz": settings.TIME_ZONE,
    }
    # The drawers that could post on the day: open on it, or opened by then and closed since.
    params["drawers"] = list(
        Drawer.objects.filter(office=office, training=training, opened_on__lte=day)
        .filter(Q(closed_at__isnull=True) | Q(closed_at__date__gte=day))
        .values_list("pk", flat=True)
    )
    day_payments = _payments_of_day(params)
    by_drawer, by_account = _ledger_collections(params)
    report.drawers = _drawer_rows(office, day, training, day_payments.per_drawer, by_drawer)
    drawer_totals = _sum_tenders(by_drawer.values())
    report.tenders = drawer_totals
    ledger_totals = TenderTotals.of(
        {TENDER_OF_CODE[code]: row[3] for code, row in by_account.items() if code in TENDER_CODES}
    )
    records, credit = _payment_records(params, day_payments.change)
    report.credit_on_account = credit
    report.agreement = Agreement(drawers=drawer_totals, ledger=ledger_totals, payments=records)
    report.by_account, report.by_fund = _accounts_and_funds(by_account)
    report.by_bill_type, report.by_fee_type = _item_breakdowns(params)
    report.by_hour = day_payments.per_hour
    report.receipt_ranges = _receipt_ranges(params, day_payments.per_year)
    report.exceptions = _exceptions(office, day, training)
    report.closes = list(
        DrawerClose.objects.filter(
            drawer__office=office, drawer__training=training, business_date=day
        )
        .exclude(status=DrawerClose.Status.REOPENED)
        .select_related("drawer__clerk", "drawer__workstation", "counted_by", "signed_off_by")
        .order_by("drawer_id")
    )
    if not training:
        report.safe_counts = list(
            SafeCount.objects.filter(office=office, business_date=day).select_related(
                "counted_by", "witness", "signed_off_by"
            )
        )
        report.deposits = list(
            Deposit.objects.filter(office=office, business_date=day)
            .select_related("prepared_by", "verified_by", "bank_account")
            .order_by("bag_number")
        )
    report.trainee_count = day_payments.trainee_count
    report.trainee_unreviewed = day_payments.trainee_unreviewed
    if day_payments.trainee_count:
        report.trainee_rows = _trainee_rows(office, day, training)
    return report


def _fetch(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


@dataclass(frozen=True)
class _DayPayments:
    """The day's receipts in one pass: per drawer (count, taken, voided), per hour, per receipt
    year (first, last, count), the change given, and the trainees' counts."""

    per_drawer: dict[int, tuple[int, Decimal, int]]
    per_hour: list[AmountRow]
    per_year: list[tuple[int, int, int, int]]
    change: Decimal
    trainee_count: int
    trainee_unreviewed: int


def _payments_of_day(params: dict) -> _DayPayments:
    """One hash aggregate over the day's receipts by (drawer, hour, year), a few hundred rows
    at most, rolled up here: grouping sets made PostgreSQL sort the day instead."""
    rows = _fetch(
        """SELECT p.drawer_id, extract(hour FROM p.posted_at AT TIME ZONE %(tz)s)::int,
                  p.receipt_year, count(*), sum(p.total),
                  count(*) FILTER (WHERE p.status = 'voided'),
                  min(p.receipt_sequence), max(p.receipt_sequence), sum(p.change),
                  count(*) FILTER (WHERE p.needs_review OR p.reviewed_by_id IS NOT NULL),
                  count(*) FILTER (WHERE p.needs_review)
             FROM payments_payment p
            WHERE p.office_id = %(office)s AND p.training = %(training)s
              AND p.posted_on = %(day)s
            GROUP BY 1, 2, 3""",
        params,
    )
    per_drawer: dict[int, tuple[int, Decimal, int]] = {}
    hours: dict[int, tuple[int, Decimal]] = {}
    years: dict[int, tuple[int, int, int]] = {}
    change, trainees, unreviewed = ZERO, 0, 0
    for drawer_id, hour, year, n, taken, voided, first, last, chg, tr, un in rows:
        d_n, d_taken, d_voided = per_drawer.get(drawer_id, (0, ZERO, 0))
        per_drawer[drawer_id] = (d_n + n, d_taken + taken, d_voided + voided)
        h_n, h_taken = hours.get(hour, (0, ZERO))
        hours[hour] = (h_n + n, h_taken + taken)
        y_first, y_last, y_n = years.get(year, (first, last, 0))
        years[year] = (min(y_first, first), max(y_last, last), y_n + n)
        change += chg
        trainees += tr
        unreviewed += un
    return _DayPayments(
        per_drawer=per_drawer,
        per_hour=[AmountRow(f"{h:02d}:00", n, t) for h, (n, t) in sorted(hours.items())],
        per_year=[(y, f, last, n) for y, (f, last, n) in sorted(years.items())],
        change=change,
        trainee_count=trainees,
        trainee_unreviewed=unreviewed,
    )


def _ledger_collections(
    params: dict,
) -> tuple[dict[int, TenderTotals], dict[str, tuple[str, str, str, Decimal]]]:
    """The day's collection entries (every entry of the book and day, other than custody, with
    a line naming one of the office's drawers), one pass: each drawer's tender lines, and every
    account's net. Returns ({drawer id: totals}, {code: (code, name, fund, net amount)})."""
    rows = _fetch(
        """WITH day_entries AS (
                SELECT e.id FROM ledger_journalentry e
                 WHERE e.entry_date = %(day)s AND e.book = %(book)s
                   AND e.source <> ALL(%(custody)s)
                   AND e.id IN (SELECT x.entry_id FROM ledger_journalline x
                                 WHERE x.drawer_id = ANY(%(drawers)s::bigint[])))
            SELECT s.drawer_id, a.code, a.name, a.fund, s.amount
              FROM (SELECT l.drawer_id, l.account_id, sum(l.amount) AS amount
                      FROM day_entries de JOIN ledger_journalline l ON l.entry_id = de.id
                     GROUP BY l.drawer_id, l.account_id) s
              JOIN ledger_account a ON a.id = s.account_id""",
        params,
    )
    per_drawer: dict[int, dict[str, Decimal]] = defaultdict(dict)
    per_account: dict[str, tuple[str, str, str, Decimal]] = {}
    for drawer_id, code, name, fund, amount in rows:
        if drawer_id is not None and code in TENDER_CODES:
            per_drawer[drawer_id][TENDER_OF_CODE[code]] = amount
        earlier = per_account.get(code)
        per_account[code] = (code, name, fund, amount + (earlier[3] if earlier else ZERO))
    return {pk: TenderTotals.of(amounts) for pk, amounts in per_drawer.items()}, per_account


def _sum_tenders(totals) -> TenderTotals:
    result = TenderTotals()
    for t in totals:
        result = TenderTotals(result.cash + t.cash, result.check + t.check, result.card + t.card)
    return result


def _drawer_rows(
    office: Office,
    day: date,
    training: bool,
    counts: dict[int, tuple[int, Decimal, int]],
    collected: dict[int, TenderTotals],
) -> list[DrawerRow]:
    """Every drawer that worked on the day (open on it, or with receipts or collections)."""
    drawers = (
        Drawer.objects.filter(office=office, training=training)
        .filter(
            Q(pk__in=set(counts) | set(collected))
            | Q(opened_on=day)
            | Q(opened_on__lt=day, status__in=[Drawer.Status.OPEN, Drawer.Status.CLOSING])
        )
        .select_related("clerk", "workstation")
        .order_by("workstation__name", "pk")
    )
    return [
        DrawerRow(
            drawer_id=d.pk,
            clerk=d.clerk.get_full_name() or d.clerk.get_username(),
            window=d.workstation.name,
            status=d.get_status_display(),
            receipts=counts.get(d.pk, (0, ZERO, 0))[0],
            taken=counts.get(d.pk, (0, ZERO, 0))[1],
            voided=counts.get(d.pk, (0, ZERO, 0))[2],
            collected=collected.get(d.pk, TenderTotals()),
        )
        for d in drawers
    ]


def _payment_records(params: dict, change: Decimal) -> tuple[TenderTotals, Decimal]:
    """What the payments tables say the drawers collected on the day, by tender: the tenders of
    the day's receipts (cash net of change), less the voids, cash and card refunds, returned
    checks still in a drawer and cash credit refunds of the day. Also the credit on account
    spent as a tender. Read from payments' own rows, not the ledger, so the two can be
    compared."""
    rows = _fetch(
        """WITH taken AS (
                SELECT t.kind, sum(t.amount) AS amount FROM payments_tender t
                  JOIN payments_payment p ON p.id = t.payment_id
                 WHERE p.office_id = %(office)s AND p.training = %(training)s
                   AND p.posted_on = %(day)s
                 GROUP BY t.kind
                UNION ALL
                SELECT 'cash', -%(change)s::numeric
            ), day_reversals AS (
                SELECT r.* FROM payments_paymentreversal r
                  JOIN payments_payment p ON p.id = r.payment_id
                  JOIN ledger_journalentry e ON e.id = r.entry_id
                 WHERE p.office_id = %(office)s AND p.training = %(training)s
                   AND e.entry_date = %(day)s
            ), given_back AS (
                SELECT t.kind, -sum(t.amount) AS amount FROM day_reversals r
                  JOIN payments_tender t ON t.payment_id = r.payment_id
                 WHERE r.kind = 'void' GROUP BY t.kind
                UNION ALL
                SELECT 'cash', sum(p.change) FROM day_reversals r
                  JOIN payments_payment p ON p.id = r.payment_id WHERE r.kind = 'void'
                UNION ALL
                SELECT 'cash', -sum(r.amount - r.card_amount - r.credit_amount)
                  FROM day_reversals r WHERE r.kind = 'refund' AND r.city_check_number = ''
                UNION ALL
                SELECT 'card', -sum(r.card_amount) FROM day_reversals r WHERE r.kind = 'refund'
                UNION ALL
                SELECT 'check', -sum(r.amount) FROM day_reversals r
                 WHERE r.kind = 'returned_check'
                   AND EXISTS (SELECT 1 FROM ledger_journalline l
                                JOIN ledger_account a ON a.id = l.account_id
                               WHERE l.entry_id = r.entry_id AND a.code = '1010'
                                 AND l.drawer_id IS NOT NULL)
                UNION ALL
                SELECT 'cash', -sum(c.amount) FROM payments_creditrefund c
                  JOIN ledger_journalentry e ON e.id = c.entry_id
                 WHERE c.method = 'cash' AND e.entry_date = %(day)s AND e.book = %(book)s
                   AND c.drawer_id = ANY(%(drawers)s::bigint[])
            )
            SELECT kind, coalesce(sum(amount), 0) FROM (
                SELECT * FROM taken UNION ALL SELECT * FROM given_back) s
             GROUP BY kind""",
        {**params, "change": change},
    )
    amounts = dict(rows)
    return TenderTotals.of(amounts), amounts.get(TenderKind.CREDIT, ZERO)


def _accounts_and_funds(
    by_account: dict[str, tuple[str, str, str, Decimal]],
) -> tuple[list[AccountRow], list[FundRow]]:
    """Collections by account credited (receivables, revenue, penalty & interest, customer
    credits) and by fund. The tenders sit in the General fund's cash accounts, so the General
    fund owes every other fund what was collected for it."""
    accounts = [
        AccountRow(code=code, name=name, fund=fund, amount=-amount)
        for code, name, fund, amount in sorted(by_account.values())
        if code not in TENDER_CODES and amount
    ]
    funds: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in accounts:
        funds[row.fund] += row.amount
    fund_rows = [
        FundRow(
            fund=fund,
            collected=amount,
            due_from_general=ZERO if fund == GENERAL_FUND else amount,
        )
        for fund, amount in sorted(funds.items(), key=lambda kv: (kv[0] != GENERAL_FUND, kv[0]))
    ]
    return accounts, fund_rows


def _item_breakdowns(params: dict) -> tuple[list[AmountRow], list[AmountRow]]:
    """The day's receipts as taken: items by bill type and by fee type."""
    items = _fetch(
        """SELECT s.bill_type, f.name, s.n, s.amount
             FROM (SELECT b.bill_type, i.fee_type_id, count(*) AS n, sum(i.amount) AS amount
                     FROM payments_paymentitem i
                     JOIN payments_payment p ON p.id = i.payment_id
                     LEFT JOIN billing_bill b ON b.id = i.bill_id
                    WHERE p.office_id = %(office)s AND p.training = %(training)s
                      AND p.posted_on = %(day)s
                    GROUP BY b.bill_type, i.fee_type_id) s
             LEFT JOIN billing_feetype f ON f.id = s.fee_type_id""",
        params,
    )
    labels = dict(BillType.choices)
    bill_rows = sorted(
        (AmountRow(labels.get(bt, bt), n, amount) for bt, fee, n, amount in items if bt),
        key=lambda r: r.label,
    )
    fee_rows = sorted(
        (AmountRow(fee, n, amount) for bt, fee, n, amount in items if not bt),
        key=lambda r: r.label,
    )
    return bill_rows, fee_rows


def _receipt_ranges(params: dict, per_year: list[tuple[int, int, int, int]]) -> list[ReceiptRange]:
    """Per receipt year (`per_year`: year, the day's first and last number, how many): every
    number from the one after the last number before the day up to the day's last that is on
    no receipt. Counted first through the series' unique index; listed only when some are
    missing."""
    result = []
    for year, first, last, count in per_year:
        year_params = {**params, "year": year, "last": last}
        [(expected, present)] = _fetch(
            """SELECT b.expected,
                      (SELECT count(*) FROM payments_payment q
                        WHERE q.office_id = %(office)s AND q.training = %(training)s
                          AND q.receipt_year = %(year)s
                          AND q.receipt_sequence BETWEEN b.expected AND %(last)s)
                 FROM (SELECT coalesce(max(q.receipt_sequence), 0) + 1 AS expected
                         FROM payments_payment q
                        WHERE q.office_id = %(office)s AND q.training = %(training)s
                          AND q.receipt_year = %(year)s AND q.posted_on < %(day)s) b""",
            year_params,
        )
        # Every number from `expected` to `last` is on a receipt exactly when all are present.
        start = min(first, expected)
        missing_count = last - start + 1 - present
        missing: list[int] = []
        if missing_count:
            missing = [
                number
                for (number,) in _fetch(
                    """SELECT s FROM generate_series(%(start)s, %(last)s) s
                        WHERE NOT EXISTS (
                              SELECT 1 FROM payments_payment q
                               WHERE q.office_id = %(office)s AND q.training = %(training)s
                                 AND q.receipt_year = %(year)s AND q.receipt_sequence = s)
                        ORDER BY s LIMIT %(limit)s""",
                    {**year_params, "start": start, "limit": MISSING_LISTED},
                )
            ]
        result.append(
            ReceiptRange(
                year=year,
                first=first,
                last=last,
                first_expected=expected,
                count=count,
                missing=missing,
                missing_count=missing_count,
            )
        )
    return result


def _person(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _exceptions(office: Office, day: date, training: bool) -> list[ExceptionRow]:
    """Voids, refunds and returned checks of the office's receipts dated the day; penalty
    waivers and bill adjustments of the day (billing's, the same in every office's report;
    none in the training report)."""
    rows = []
    reversals = (
        PaymentReversal.objects.filter(payment__office=office, payment__training=training)
        .filter(Q(entry__entry_date=day) | Q(entry__isnull=True, created_at__date=day))
        .select_related("payment", "requested_by", "approved_by")
        .order_by("created_at", "pk")
    )
    for r in reversals:
        rows.append(
            ExceptionRow(
                kind=r.get_kind_display(),
                reference=r.payment.receipt_number,
                amount=r.amount,
                reason=r.reason,
                requested_by=_person(r.requested_by),
                approved_by=_person(r.approved_by),
            )
        )
    if training:
        return rows
    for w in PenaltyWaiver.objects.filter(entry__entry_date=day).select_related(
        "bill", "approved_by", "entry__posted_by"
    ):
        rows.append(
            ExceptionRow(
                kind="Penalty waiver",
                reference=w.bill.number,
                amount=w.penalty + w.interest,
                reason=w.reason,
                requested_by=_person(w.entry.posted_by),
                approved_by=_person(w.approved_by),
            )
        )
    for a in BillAdjustment.objects.filter(entry__entry_date=day).select_related(
        "bill", "approved_by", "entry__posted_by"
    ):
        rows.append(
            ExceptionRow(
                kind=f"Bill {a.get_kind_display().lower()}",
                reference=a.bill.number,
                amount=a.amount,
                reason=f"{a.get_reason_display()}: {a.note}",
                requested_by=_person(a.entry.posted_by),
                approved_by=_person(a.approved_by),
            )
        )
    return rows


TRAINEE_LISTED = 200


def _trainee_rows(office: Office, day: date, training: bool) -> list[TraineeRow]:
    """The first payments taken by trainees on the day (to review, or reviewed: a review
    clears needs_review and names the reviewer)."""
    payments = (
        Payment.objects.filter(office=office, training=training, posted_on=day)
        .filter(Q(needs_review=True) | Q(reviewed_by__isnull=False))
        .select_related("posted_by", "reviewed_by")
        .order_by("receipt_sequence")[:TRAINEE_LISTED]
    )
    return [
        TraineeRow(
            receipt=p.receipt_number,
            clerk=_person(p.posted_by),
            amount=p.total,
            reviewed_by=_person(p.reviewed_by),
        )
        for p in payments
    ]


# ledger_verify walks each office's chain of day sign-offs, and the chain of ledger day seals,
# in the order they were made, and names the FIRST sign-off (day) of each chain whose books no
# longer match: not chained to the seal before it; a seal algorithm older than the one before
# it (a downgrade to escape a wider text); its report PDF no longer has its SHA-256; reopened
# without its covered entry id (only the seals reopened before migration 0064 have none:
# reconciliation_seals_not_recomputed); its entries and lines no longer give its seal (an edit
# made with the triggers disabled shows here), a standing one over its whole day, a reopened
# one over its day's entries up to the one it covered (the ledger only appends to them); its
# own seal rewritten (the next one was chained to another). docs/ledger.md, "Day seals".
SEAL_RULE = "a signed-off day no longer matches its seal"
LEDGER_SEAL_RULE = "a sealed day's entries naming no office no longer match their seal"
DAY_CLOSE_CHECKS: list[tuple[str, str]] = [
    (
        SEAL_RULE,
        """WITH chain AS (
               SELECT s.*, encode(sha256(s.pdf), 'hex') AS pdf_sha,
                      -- a reopened version: its entries up to the one it covered
                      CASE WHEN s.reopened_at IS NOT NULL
                           THEN s.covered_through_entry END AS through,
                      lag(s.seal) OVER w AS prior_seal,
                      lead(s.previous_seal) OVER w AS next_previous,
                      max(s.seal_algorithm) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING
                                                          AND 1 PRECEDING) AS prior_algorithm
                 FROM reconciliation_daysignoff s
               WINDOW w AS (PARTITION BY s.office_id ORDER BY s.id)
           ), judged AS (
               SELECT c.id, c.office_id, c.business_date, c.version, CASE
                   WHEN c.previous_seal <> coalesce(c.prior_seal, '')
                       THEN 'it is not chained to the seal before it'
                   WHEN c.seal_algorithm < coalesce(c.prior_algorithm, 1)
                       THEN 'its seal algorithm is older than the one before it'
                   WHEN c.pdf_sha <> c.sha256
                       THEN 'its signed report PDF no longer matches its SHA-256'
                   WHEN c.reopened_at IS NOT NULL AND c.covered_through_entry IS NULL
                        AND c.seal NOT IN (SELECT reconciliation_seals_not_recomputed())
                       THEN 'it was reopened and no longer says which entries it covered'
                   WHEN (c.reopened_at IS NULL OR c.covered_through_entry IS NOT NULL)
                        AND c.seal <> CASE c.seal_algorithm
                           WHEN 1 THEN reconciliation_day_seal(
                               c.office_id, c.business_date, c.previous_seal, c.sha256,
                               c.through)
                           WHEN 2 THEN reconciliation_day_seal_v2(
                               c.office_id, c.business_date, c.previous_seal, c.sha256,
                               c.through)
                           ELSE reconciliation_day_seal_v3(
                               c.office_id, c.business_date, c.previous_seal, c.sha256,
                               c.covered_through_entry, c.through) END
                       THEN 'its entries and lines no longer give its seal'
                   WHEN c.next_previous IS NOT NULL AND c.next_previous <> c.seal
                       THEN 'its seal was rewritten: the next sign-off is chained to another'
                   END AS why
                 FROM chain c
           )
           SELECT DISTINCT ON (j.office_id)
                  format('The books of office %s for %s no longer match their seal (first '
                         'tampered day): %s (sign-off version %s).', o.code,
                         to_char(j.business_date, 'MM/DD/YYYY'), j.why, j.version)
             FROM judged j JOIN payments_office o ON o.id = j.office_id
            WHERE j.why IS NOT NULL
            ORDER BY j.office_id, j.id""",
    ),
    (
        LEDGER_SEAL_RULE,
        """WITH chain AS (
               SELECT g.*, CASE WHEN g.reopened_at IS NOT NULL
                                THEN g.covered_through_entry END AS through,
                      lag(g.seal) OVER w AS prior_seal,
                      lead(g.previous_seal) OVER w AS next_previous,
                      max(g.seal_algorithm) OVER (w ROWS BETWEEN UNBOUNDED PRECEDING
                                                          AND 1 PRECEDING) AS prior_algorithm
                 FROM reconciliation_ledgerdayseal g WINDOW w AS (ORDER BY g.id)
           ), judged AS (
               SELECT c.id, c.business_date, c.version, CASE
                   WHEN c.previous_seal <> coalesce(c.prior_seal, '')
                       THEN 'it is not chained to the seal before it'
                   WHEN c.seal_algorithm < coalesce(c.prior_algorithm, 2)
                       THEN 'its seal algorithm is older than the one before it'
                   WHEN c.reopened_at IS NOT NULL AND c.covered_through_entry IS NULL
                        AND c.seal NOT IN (SELECT reconciliation_seals_not_recomputed())
                       THEN 'it was reopened and no longer says which entries it covered'
                   WHEN (c.reopened_at IS NULL OR c.covered_through_entry IS NOT NULL)
                        AND c.seal <> CASE c.seal_algorithm
                           WHEN 2 THEN reconciliation_ledger_day_seal(
                               c.business_date, c.previous_seal, c.through)
                           ELSE reconciliation_ledger_day_seal_v3(
                               c.business_date, c.previous_seal, c.covered_through_entry,
                               c.through) END
                       THEN 'its entries and lines no longer give its seal'
                   -- only an office's reopen marks it reopened, and the sign-off that closes
                   -- the date again makes the next version: the newest version of a date can
                   -- stand reopened only while some office's day of the date does not stand
                   WHEN c.reopened_at IS NOT NULL
                        AND NOT EXISTS (SELECT 1 FROM reconciliation_ledgerdayseal later
                                         WHERE later.business_date = c.business_date
                                           AND later.id > c.id)
                        AND NOT EXISTS (
                            SELECT 1 FROM payments_office o
                             WHERE NOT EXISTS (SELECT 1 FROM reconciliation_daysignoff s
                                                WHERE s.office_id = o.id
                                                  AND s.business_date = c.business_date
                                                  AND s.reopened_at IS NULL))
                       THEN 'it is marked reopened, but every office''s day of the date stands'
                   WHEN c.next_previous IS NOT NULL AND c.next_previous <> c.seal
                       THEN 'its seal was rewritten: the next seal is chained to another'
                   WHEN NOT EXISTS (SELECT 1 FROM reconciliation_daysignoff s
                                     WHERE s.id = c.signoff_id
                                       AND s.business_date = c.business_date)
                       THEN 'it names a sign-off of another day'
                   END AS why
                 FROM chain c
           )
           SELECT format('The books of the entries naming no office for %s no longer match '
                         'their seal (first tampered day): %s (ledger day seal version %s).',
                         to_char(j.business_date, 'MM/DD/YYYY'), j.why, j.version)
             FROM judged j WHERE j.why IS NOT NULL ORDER BY j.id LIMIT 1""",
    ),
]
DAY_CLOSE_TRIGGERS: list[tuple[str, str]] = [
    ("ledger_journalline", "journal_line_day_open"),
    ("reconciliation_daysignoff", "daysignoff_frozen"),
    ("reconciliation_ledgerdayseal", "ledgerdayseal_frozen"),
]
