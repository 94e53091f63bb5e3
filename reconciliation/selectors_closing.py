"""Read queries of the drawer close: what a drawer should hold (from its ledger lines), its
recorded checks and stock, the queues of the Supervisors' pages, a close's report, and the rules
`ledger_verify` re-checks about closes."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q, QuerySet, Sum

from ledger.models import JournalLine
from ledger.money import ZERO
from payments.models import DenominationCount, Drawer, Payment, StockCount, Tender, TenderKind
from payments.selectors import stock_available
from reconciliation.models import CloseCheck, DrawerClose


@dataclass(frozen=True)
class DrawerExpected:
    """What a drawer should hold now, in dollars: the sums of the ledger lines naming it on 1000
    Cash in drawer, 1010 Checks in drawer and 1020 Card clearing."""

    cash: Decimal
    checks: Decimal
    card: Decimal


def drawer_expected(drawer: Drawer) -> DrawerExpected:
    """The drawer's sub-ledger now (every book: a training drawer's lines are in the training
    book). Read it under the drawer's lock to use it for a close."""
    sums = {
        row["account__code"]: row["total"]
        for row in JournalLine.objects.filter(
            drawer_id=drawer.pk, account__code__in=("1000", "1010", "1020")
        )
        .values("account__code")
        .annotate(total=Sum("amount"))
    }
    return DrawerExpected(
        cash=sums.get("1000") or ZERO,
        checks=sums.get("1010") or ZERO,
        card=sums.get("1020") or ZERO,
    )


def drawer_checks_recorded(drawer: Drawer) -> list[Tender]:
    """The check tenders the drawer should hold: taken at it, not voided (handed back) and not
    returned by the bank, in the order they were taken."""
    return list(
        Tender.objects.filter(payment__drawer=drawer, kind=TenderKind.CHECK, returned=False)
        .exclude(payment__status=Payment.Status.VOIDED)
        .select_related("payment")
        .order_by("id")
    )


def drawer_stock_expected(drawer: Drawer) -> dict[int, int]:
    """Tags and permit cards the drawer should hold, by fee type id: what it opened with less
    what its standing receipts sold."""
    counts = StockCount.objects.filter(
        drawer=drawer, stage=DenominationCount.Stage.OPENING
    ).select_related("fee_type")
    return {count.fee_type_id: stock_available(drawer, count.fee_type) for count in counts}


def drawer_stock_types(drawer: Drawer) -> list:
    """The fee types the drawer opened with as stock (what its close counts), by name."""
    return [
        count.fee_type
        for count in StockCount.objects.filter(drawer=drawer, stage=DenominationCount.Stage.OPENING)
        .select_related("fee_type")
        .order_by("fee_type__name")
    ]


def drawer_standing_close(drawer: Drawer) -> DrawerClose | None:
    """The drawer's count waiting for sign-off, or its close standing, if any."""
    return DrawerClose.objects.filter(drawer=drawer).exclude(status="reopened").first()


def closes_awaiting_sign_off() -> QuerySet[DrawerClose]:
    """Counts waiting for a Supervisor (beyond the tolerance, or with no one to receive the
    money yet), oldest first."""
    return (
        DrawerClose.objects.filter(status=DrawerClose.Status.COUNTED)
        .select_related("drawer__workstation", "drawer__office", "drawer", "counted_by")
        .order_by("counted_at")
    )


def drawers_open() -> QuerySet[Drawer]:
    """Drawers still open (a Supervisor may close one left open, with a witness)."""
    return (
        # a remittance batch's drawer closes when the batch posts or is cancelled
        Drawer.objects.filter(status=Drawer.Status.OPEN, kind=Drawer.Kind.COUNTER)
        .select_related("workstation", "office")
        .order_by("opened_at")
    )


def closes_recent(limit: int = 50) -> QuerySet[DrawerClose]:
    """Closes standing (drawer closed), newest first: what a Supervisor may reopen."""
    return (
        DrawerClose.objects.filter(status=DrawerClose.Status.CLOSED)
        .select_related("drawer__workstation", "drawer", "counted_by", "signed_off_by")
        .order_by("-closed_at")[:limit]
    )


@dataclass(frozen=True)
class TenderRow:
    tender: str
    expected: Decimal
    counted: Decimal

    @property
    def difference(self) -> Decimal:
        return self.counted - self.expected


@dataclass(frozen=True)
class StockRow:
    name: str
    expected: int
    counted: int

    @property
    def difference(self) -> int:
        return self.counted - self.expected


@dataclass(frozen=True)
class CloseReport:
    """A close's result: expected vs counted per tender and per stock item, the checks by state,
    the denominations and the over/short."""

    close: DrawerClose
    tenders: list[TenderRow]
    stock: list[StockRow]
    present: list[CloseCheck]
    missing: list[CloseCheck]
    extra: list[CloseCheck]
    denominations: list
    tolerance: Decimal

    @property
    def beyond_tolerance(self) -> bool:
        return abs(self.close.over_short) > self.tolerance


def close_report(close: DrawerClose) -> CloseReport:
    close = DrawerClose.objects.select_related(
        "drawer__workstation",
        "drawer__office",
        "counted_by",
        "witness",
        "signed_off_by",
    ).get(pk=close.pk)
    checks = list(close.checks.all())
    return CloseReport(
        close=close,
        tenders=[
            TenderRow("Cash", close.expected_cash, close.counted_cash),
            TenderRow("Checks", close.expected_checks, close.counted_checks),
            TenderRow("Card batch", close.expected_card, close.card_batch_total),
        ],
        stock=[
            StockRow(s.fee_type.stock_label, s.expected, s.counted)
            for s in close.stock.select_related("fee_type").order_by("fee_type__name")
        ],
        present=[c for c in checks if c.state == CloseCheck.State.PRESENT],
        missing=[c for c in checks if c.state == CloseCheck.State.MISSING],
        extra=[c for c in checks if c.state == CloseCheck.State.EXTRA],
        denominations=list(close.denominations.order_by("-denomination", "label")),
        tolerance=close.drawer.office.over_short_tolerance,
    )


def closes_for_user_q(user) -> Q:
    """Closes a user may look at: their own drawer's or their own count (Supervisors: all)."""
    return Q(drawer__clerk=user) | Q(counted_by=user) | Q(witness=user)


# Rules that `manage.py ledger_verify` re-checks (registered in reconciliation.apps).
CLOSING_CHECKS: list[tuple[str, str]] = [
    (
        "a drawer close's entry posts its over/short (counted - expected) to 5000",
        """SELECT 'drawer ' || c.drawer_id || ' close ' || c.id || ' over/short '
                  || (c.counted_cash + c.counted_checks + c.card_batch_total
                      - c.expected_cash - c.expected_checks - c.expected_card)
                  || ' but its entry posts ' || -coalesce(os.amount, 0)
             FROM reconciliation_drawerclose c
             LEFT JOIN LATERAL (
                  SELECT sum(l.amount) AS amount
                    FROM ledger_journalline l JOIN ledger_account a ON a.id = l.account_id
                   WHERE l.entry_id = c.entry_id AND a.code = '5000') os ON true
            WHERE c.status <> 'counted'
              AND (c.counted_cash + c.counted_checks + c.card_batch_total
                   - c.expected_cash - c.expected_checks - c.expected_card)
                  <> -coalesce(os.amount, 0)""",
    ),
    (
        "a closed drawer has exactly one standing close, and a standing close's drawer is closed",
        """SELECT 'drawer ' || d.id || ' (' || d.status || ') has '
                  || count(c.id) FILTER (WHERE c.status = 'closed') || ' standing closes'
             FROM payments_drawer d
             LEFT JOIN reconciliation_drawerclose c ON c.drawer_id = d.id
            -- a remittance batch's drawer is never counted (payments.services.remittance)
            WHERE d.kind = 'counter'
            GROUP BY d.id, d.status
           HAVING (d.status = 'closed'
                   AND count(c.id) FILTER (WHERE c.status = 'closed') <> 1)
               OR (d.status <> 'closed'
                   AND count(c.id) FILTER (WHERE c.status = 'closed') <> 0)
               OR (d.status = 'closing'
                   AND count(c.id) FILTER (WHERE c.status = 'counted') <> 1)
               OR (d.status <> 'closing'
                   AND count(c.id) FILTER (WHERE c.status = 'counted') <> 0)""",
    ),
]
