"""Reads of remittance batches for their pages and for `ledger_verify`."""

from decimal import Decimal

from django.db.models import QuerySet

from payments.models import Office, PaymentReversal, RemittanceBatch, RemittanceItem
from payments.services.remittance import BatchTotals, _totals_of


def remittance_batch_totals(batch: RemittanceBatch) -> BatchTotals:
    """The batch's items against its control: count and total, clean and exceptions, the
    difference (dollars; positive: over the control) and whether it agrees (may post)."""
    return _totals_of(batch, list(batch.items.only("amount", "state")))


def remittance_items_reversed(items: list[RemittanceItem]) -> list[tuple[str, int, Decimal]]:
    """What happened to the items' receipts after posting, in one query: each item gets
    `reversals` (its receipt's refunds and returned checks, oldest first), and the totals by
    kind ("Returned check (NSF) after posting", count, amount) are returned for the report."""
    paid = [i.payment_id for i in items if i.payment_id]
    by_payment: dict[int, list[PaymentReversal]] = {}
    reversals = PaymentReversal.objects.filter(payment_id__in=paid).order_by("created_at", "pk")
    for reversal in reversals:
        by_payment.setdefault(reversal.payment_id, []).append(reversal)
    totals: dict[str, tuple[int, Decimal]] = {}
    for item in items:
        item.reversals = by_payment.get(item.payment_id or 0, [])  # type: ignore[attr-defined]
        for reversal in item.reversals:  # type: ignore[attr-defined]
            label = f"{reversal.get_kind_display()} after posting"
            count, amount = totals.get(label, (0, Decimal("0.00")))
            totals[label] = (count + 1, amount + reversal.amount)
    return [(label, count, amount) for label, (count, amount) in totals.items()]


def remittance_exceptions_open(office: Office | None = None) -> QuerySet[RemittanceItem]:
    """Exceptions waiting for a Supervisor (and held items), oldest batch first."""
    items = RemittanceItem.objects.filter(
        state__in=[RemittanceItem.State.EXCEPTION, RemittanceItem.State.HELD],
        batch__status=RemittanceBatch.Status.POSTED,
    ).select_related("batch", "bill", "bill__customer")
    if office is not None:
        items = items.filter(batch__office=office)
    return items.order_by("batch__posted_at", "batch_id", "sequence")


def remittance_batches(office: Office, status: str | None = None) -> QuerySet[RemittanceBatch]:
    """The office's batches, newest first; only those in `status` when given."""
    batches = RemittanceBatch.objects.filter(office=office).select_related("source", "opened_by")
    if status is not None:
        batches = batches.filter(status=status)
    return batches


def unapplied_held(office: Office | None = None) -> Decimal:
    """What the exceptions not yet applied or returned hold (2150's sub-ledger), dollars."""
    items = remittance_exceptions_open(office)
    return sum((i.amount for i in items), Decimal("0.00"))


REMITTANCE_CHECKS: list[tuple[str, str]] = [
    (
        "a posted remittance batch's receipts and exceptions add up to its control total",
        """SELECT b.number FROM payments_remittancebatch b
            WHERE b.status = 'posted'
              AND b.control_total <> (SELECT coalesce(sum(i.amount), 0)
                                        FROM payments_remittanceitem i WHERE i.batch_id = b.id)""",
    ),
    (
        "2150 Unapplied remittances equals the exceptions held",
        """SELECT 'held ' || coalesce((SELECT sum(i.amount) FROM payments_remittanceitem i
                                         JOIN payments_remittancebatch b ON b.id = i.batch_id
                                        WHERE b.status = 'posted'
                                          AND i.state IN ('exception', 'held')), 0)
                  || ', 2150 ' || coalesce(-sum(l.amount), 0)
             FROM ledger_journalline l JOIN ledger_account a ON a.id = l.account_id
            WHERE a.code = '2150'
           HAVING coalesce(-sum(l.amount), 0) <> coalesce((
                  SELECT sum(i.amount) FROM payments_remittanceitem i
                    JOIN payments_remittancebatch b ON b.id = i.batch_id
                   WHERE b.status = 'posted' AND i.state IN ('exception', 'held')), 0)""",
    ),
    (
        "an applied remittance item has a receipt of its own bill and amount",
        """SELECT b.number || ' #' || i.sequence FROM payments_remittanceitem i
             JOIN payments_remittancebatch b ON b.id = i.batch_id
             LEFT JOIN payments_payment p ON p.id = i.payment_id
            WHERE i.state = 'applied' AND (p.id IS NULL OR p.total <> i.amount
                                           OR p.drawer_id <> b.drawer_id)""",
    ),
]

REMITTANCE_TRIGGERS: list[tuple[str, str]] = [
    ("payments_remittancebatch", "remittance_batch_frozen"),
    ("payments_remittanceitem", "remittance_item_frozen"),
]
