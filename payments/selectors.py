"""Read queries of the counter: drawers, what they should hold, receipts and the queues."""

from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.db.models import Q, QuerySet, Sum

from billing.models import FeeType
from ledger.models import JournalLine
from ledger.money import ZERO
from payments.models import (
    ApprovalRequest,
    DenominationCount,
    Drawer,
    Payment,
    PaymentItem,
    PaymentReversal,
    StockCount,
    TenderKind,
)

# Rules that `manage.py ledger_verify` re-checks (see ledger.selectors.register_check).
PAYMENT_CHECKS: list[tuple[str, str]] = [
    (
        "a payment's entry is in the book of its drawer",
        """SELECT p.receipt_number FROM payments_payment p
             JOIN ledger_journalentry e ON e.id = p.entry_id
            WHERE e.book <> CASE WHEN p.training THEN 'training' ELSE 'live' END""",
    ),
    (
        # Credit on account is a tender too: a debit to 2100 (an overpayment is a credit there).
        "a payment's entry debits its tenders net of change",
        """SELECT p.receipt_number FROM payments_payment p
            WHERE p.total <> (SELECT coalesce(sum(l.amount), 0) FROM ledger_journalline l
                               JOIN ledger_account a ON a.id = l.account_id
                              WHERE l.entry_id = p.entry_id
                                AND (a.code IN ('1000', '1010', '1020')
                                     OR (a.code = '2100' AND l.amount > 0)))""",
    ),
    (
        "receipt numbers have no gap",
        """SELECT s.name || ' ' || s.year FROM billing_numberseries s
            WHERE (s.name LIKE 'receipt:%%' OR s.name LIKE 'training:%%')
              AND s.last_number <> (SELECT count(*) FROM payments_payment p
                                      JOIN payments_office o ON o.id = p.office_id
                                     WHERE p.receipt_year = s.year
                                       AND s.name = CASE WHEN p.training THEN 'training:'
                                                         ELSE 'receipt:' END || o.code)""",
    ),
    (
        "a receipt's refunds, returned checks and void take back no more than it took",
        """SELECT p.receipt_number FROM payments_payment p
             JOIN payments_paymentreversal r ON r.payment_id = p.id
            GROUP BY p.id, p.receipt_number, p.total
           HAVING sum(r.taken_back) > p.total""",
    ),
    (
        "a returned check is a check tender of its own receipt, marked returned",
        """SELECT p.receipt_number FROM payments_paymentreversal r
             JOIN payments_payment p ON p.id = r.payment_id
             LEFT JOIN payments_tender t ON t.id = r.tender_id
            WHERE r.kind = 'returned_check'
              AND (t.id IS NULL OR t.payment_id <> r.payment_id OR t.kind <> 'check'
                   OR NOT t.returned)""",
    ),
]
PAYMENT_TRIGGERS: list[tuple[str, str]] = [
    ("payments_checkwriterflag", "check_writer_flag_append_only"),
    ("payments_creditrefund", "credit_refund_frozen"),
]


def drawer_of(user: User) -> Drawer | None:
    """The user's open drawer, if any."""
    return (
        Drawer.objects.select_related("workstation", "office")
        .filter(clerk=user, status=Drawer.Status.OPEN)
        .first()
    )


def drawer_cash_expected(drawer: Drawer) -> Decimal:
    """Cash the drawer should hold now: the float, cash taken net of change, less drops."""
    total = JournalLine.objects.filter(drawer_id=drawer.pk, account__code="1000").aggregate(
        total=Sum("amount")
    )["total"]
    return total or ZERO


def stock_available(drawer: Drawer, fee_type: FeeType) -> int:
    opening = (
        StockCount.objects.filter(
            drawer=drawer, stage=DenominationCount.Stage.OPENING, fee_type=fee_type
        )
        .values_list("quantity", flat=True)
        .first()
    ) or 0
    sold = (
        PaymentItem.objects.filter(
            payment__drawer=drawer,
            fee_type=fee_type,
            payment__status__in=[Payment.Status.POSTED, Payment.Status.RETURNED],
        ).aggregate(total=Sum("quantity"))["total"]
        or 0
    )
    return opening - sold


@dataclass
class DrawerSummary:
    drawer: Drawer
    cash_expected: Decimal
    checks: Decimal
    cards: Decimal
    payments: int
    stock: list[tuple[FeeType, int, int]]  # fee type, opening count, left


def drawer_summary(drawer: Drawer) -> DrawerSummary:
    sums = {
        row["account__code"]: row["total"]
        for row in JournalLine.objects.filter(drawer_id=drawer.pk)
        .values("account__code")
        .annotate(total=Sum("amount"))
    }
    stock = [
        (count.fee_type, count.quantity, stock_available(drawer, count.fee_type))
        for count in StockCount.objects.filter(
            drawer=drawer, stage=DenominationCount.Stage.OPENING
        ).select_related("fee_type")
    ]
    return DrawerSummary(
        drawer=drawer,
        cash_expected=sums.get("1000") or ZERO,
        checks=sums.get("1010") or ZERO,
        cards=sums.get("1020") or ZERO,
        payments=drawer.payments.filter(status=Payment.Status.POSTED).count(),
        stock=stock,
    )


def payment_for_receipt(receipt_number: str) -> Payment | None:
    # What the receipt and its page show, in three queries (an eight-table join cost more to
    # plan than to run).
    payment = (
        Payment.objects.select_related("office", "drawer__workstation", "posted_by")
        .prefetch_related("items", "tenders")
        .filter(receipt_number=receipt_number)
        .first()
    )
    return payment


def payments_recent(drawer: Drawer, limit: int = 20) -> QuerySet[Payment]:
    return drawer.payments.select_related("customer").order_by("-id")[:limit]


def approvals_pending() -> QuerySet[ApprovalRequest]:
    return ApprovalRequest.objects.filter(status=ApprovalRequest.Status.PENDING).select_related(
        "payment", "requested_by", "payment__drawer__workstation"
    )


def payments_to_review() -> QuerySet[Payment]:
    return Payment.objects.filter(needs_review=True).select_related("posted_by", "customer")


def payments_find(query: str) -> QuerySet[Payment]:
    """Receipts by number, payer or check number, newest first."""
    query = query.strip()
    if not query:
        return Payment.objects.none()
    return (
        Payment.objects.filter(
            Q(receipt_number__iexact=query)
            | Q(receipt_number__endswith=query)
            | Q(payer_name__icontains=query)
            | Q(tenders__check_number=query)
        )
        .distinct()
        .select_related("customer", "posted_by")
        .order_by("-id")[:50]
    )


def tenders_summary(payment: Payment) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {kind: ZERO for kind in TenderKind.values}
    for tender in payment.tenders.all():
        totals[tender.kind] += tender.amount
    return totals


def payment_standing(payment: Payment) -> Decimal:
    """What of a payment still stands: its total less what refunds, returned checks and a void
    took back from its items."""
    taken = payment.reversals.aggregate(total=Sum("taken_back"))["total"] or ZERO
    return payment.total - taken


def payment_reversals(payment: Payment) -> list[PaymentReversal]:
    """A receipt's voids, refunds and returned checks, oldest first."""
    return list(
        PaymentReversal.objects.filter(payment=payment)
        .select_related("approved_by", "fee_bill", "tender")
        .order_by("created_at", "id")
    )
