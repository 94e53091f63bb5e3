"""Read queries of bank statements: the matching page's unmatched lines with their age, what a
line can be matched to, and the rules `ledger_verify` re-checks for statements."""

from collections.abc import Iterable
from datetime import date
from typing import Any

from django.db.models import DecimalField, F, OuterRef, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from ledger.money import ZERO
from payments.models import RemittanceBatch, Tender, TenderKind
from reconciliation.models import Deposit, DepositCheck, DrawerClose, StatementLine

# Rules `manage.py ledger_verify` re-checks (registered in apps.py).
STATEMENT_CHECKS: list[tuple[str, str]] = [
    (
        "a statement line's statement, deposit, entry and matching user exist, and its bank "
        "account is its statement's (checked per SQL statement by trigger, migration 0060; the "
        "matching user kept, migration 0061)",
        """SELECT 'statement line ' || n.id FROM reconciliation_statementline n
             LEFT JOIN reconciliation_bankstatement s ON s.id = n.statement_id
             LEFT JOIN reconciliation_deposit d ON d.id = n.deposit_id
             LEFT JOIN ledger_journalentry e ON e.id = n.entry_id
             LEFT JOIN auth_user u ON u.id = n.matched_by_id
            WHERE s.id IS NULL
               OR s.bank_account_id <> n.bank_account_id
               OR (d.id IS NULL AND n.deposit_id IS NOT NULL)
               OR (e.id IS NULL AND n.entry_id IS NOT NULL)
               OR (u.id IS NULL AND n.matched_by_id IS NOT NULL)""",
    ),
    (
        "a matched statement line names its entry",
        """SELECT 'statement line ' || s.id FROM reconciliation_statementline s
            WHERE s.status = 'matched' AND s.entry_id IS NULL""",
    ),
    (
        "a statement line's match or explanation moved the bank account by the line's amount",
        """SELECT 'statement line ' || s.id || ': ' || s.amount || ' vs ' || coalesce(m.moved, 0)
             FROM reconciliation_statementline s
             JOIN ledger_journalentry e ON e.id = s.entry_id
             LEFT JOIN LATERAL (
                  SELECT sum(l.amount) AS moved FROM ledger_journalline l
                   WHERE l.entry_id = s.entry_id AND l.account_id = s.bank_account_id) m ON true
            WHERE e.source IN ('statement_match', 'card_settlement')
              AND m.moved IS DISTINCT FROM s.amount""",
    ),
    (
        "a statement line matched to a deposit equals what the verified bag held in transit "
        "(its total less its checks returned out of 1040 before the match)",
        """SELECT 'statement line ' || s.id || ' deposit ' || d.id
             FROM reconciliation_statementline s
             JOIN reconciliation_deposit d ON d.id = s.deposit_id
            WHERE d.status <> 'verified' OR d.bank_account_id <> s.bank_account_id
               OR d.cash_total + d.checks_total - coalesce((
                    SELECT sum(dc.amount) FROM reconciliation_depositcheck dc
                      JOIN payments_paymentreversal r
                        ON r.tender_id = dc.tender_id AND r.kind = 'returned_check'
                     WHERE dc.deposit_id = d.id AND NOT dc.released
                       AND EXISTS (
                           SELECT 1 FROM ledger_journalline l
                             JOIN ledger_account a ON a.id = l.account_id
                            WHERE a.code = '1040' AND l.amount < 0
                              AND (l.entry_id = r.entry_id
                                   OR l.entry_id IN (SELECT b.entry_id FROM ledger_journalline b
                                                      WHERE b.bill_id = r.fee_bill_id)))
                  ), 0) <> s.amount""",
    ),
    (
        "a card settlement took its batches' totals, once each, off card clearing",
        """SELECT 'card settlement ' || c.id
             FROM reconciliation_cardsettlement c
             JOIN LATERAL (
                  SELECT coalesce(sum(x.amount), 0) AS batches,
                         bool_and(x.amount = dc.card_batch_total) AS same
                    FROM reconciliation_cardsettlementclose x
                    JOIN reconciliation_drawerclose dc ON dc.id = x.drawer_close_id
                   WHERE x.settlement_id = c.id) b ON true
             JOIN LATERAL (
                  SELECT -coalesce(sum(l.amount), 0) AS cleared
                    FROM ledger_journalline l JOIN ledger_account a ON a.id = l.account_id
                   WHERE l.entry_id = c.entry_id AND a.code = '1020') k ON true
            WHERE c.remittance_batch_id IS NULL
              AND (b.batches <> c.gross OR NOT coalesce(b.same, false) OR k.cleared <> c.gross)""",
    ),
    (
        "a vendor file's settlement took its net (its gross less the fees booked when it "
        "posted) off card clearing, once, for a posted vendor file of the line's bank account",
        """SELECT 'card settlement ' || c.id || ' (remittance batch ' || b.id || ')'
             FROM reconciliation_cardsettlement c
             JOIN payments_remittancebatch b ON b.id = c.remittance_batch_id
             JOIN payments_remittancesource r ON r.id = b.source_id
             JOIN reconciliation_statementline s ON s.id = c.statement_line_id
             JOIN LATERAL (
                  SELECT -coalesce(sum(l.amount), 0) AS cleared
                    FROM ledger_journalline l JOIN ledger_account a ON a.id = l.account_id
                   WHERE l.entry_id = c.entry_id AND a.code = '1020') k ON true
            WHERE b.kind <> 'vendor' OR b.status <> 'posted'
               OR r.bank_account_id <> s.bank_account_id
               OR (c.gross, c.fees) IS DISTINCT FROM (b.deposit_total, b.fee_total)
               OR k.cleared <> c.net
               OR EXISTS (SELECT 1 FROM reconciliation_cardsettlementclose x
                           WHERE x.settlement_id = c.id)""",
    ),
    (
        "a statement line matched to a lockbox file's deposit took what it still held in "
        "transit off 1040 of its office (the deposit less its checks returned before the "
        "match), for a posted lockbox file of the line's bank account",
        """SELECT 'statement line ' || s.id || ' (remittance batch ' || b.id || ')'
             FROM reconciliation_statementline s
             JOIN payments_remittancebatch b ON b.id = s.remittance_batch_id
             JOIN payments_remittancesource r ON r.id = b.source_id
             JOIN LATERAL (
                  SELECT -coalesce(sum(l.amount), 0) AS cleared,
                         count(*) FILTER (WHERE l.office_id IS DISTINCT FROM b.office_id)
                             AS elsewhere
                    FROM ledger_journalline l JOIN ledger_account a ON a.id = l.account_id
                   WHERE l.entry_id = s.entry_id AND a.code = '1040') k ON true
            WHERE b.kind <> 'lockbox' OR b.status <> 'posted' OR s.status <> 'matched'
               OR r.bank_account_id <> s.bank_account_id
               OR k.cleared <> s.amount OR k.elsewhere > 0
               OR s.amount <> b.deposit_total - coalesce((
                    SELECT sum(t.amount) FROM payments_payment p
                      JOIN payments_tender t ON t.payment_id = p.id AND t.returned
                      JOIN payments_paymentreversal v
                        ON v.tender_id = t.id AND v.kind = 'returned_check'
                     WHERE p.drawer_id = b.drawer_id
                       AND EXISTS (SELECT 1 FROM ledger_journalline l
                                     JOIN ledger_account a ON a.id = l.account_id
                                    WHERE a.code = '1040' AND l.amount < 0
                                      AND (l.entry_id = v.entry_id
                                           OR l.entry_id IN (
                                              SELECT f.entry_id FROM ledger_journalline f
                                               WHERE f.bill_id = v.fee_bill_id)))), 0)""",
    ),
    (
        "a drawer's card batch settles once",
        """SELECT 'drawer close ' || drawer_close_id FROM reconciliation_cardsettlementclose
            GROUP BY drawer_close_id HAVING count(*) > 1""",
    ),
]

STATEMENT_TRIGGERS: list[tuple[str, str]] = [
    ("reconciliation_statementline", "statementline_references_insert"),
    ("reconciliation_statementline", "statementline_references_update"),
    ("auth_user", "statementline_matcher_kept_delete"),
    ("auth_user", "statementline_matcher_kept_renumber"),
    ("reconciliation_cardsettlement", "cardsettlement_frozen"),
    ("reconciliation_cardsettlementclose", "cardsettlementclose_frozen"),
    ("reconciliation_statementline", "statementline_settled"),
]


def unmatched_lines(*, bank_account_id: int | None = None) -> QuerySet[StatementLine]:
    """Lines neither matched nor explained, oldest first, each with `age_days` since posted."""
    lines = StatementLine.objects.filter(status=StatementLine.Status.UNMATCHED).select_related(
        "bank_account", "statement"
    )
    if bank_account_id:
        lines = lines.filter(bank_account_id=bank_account_id)
    return lines.order_by("posted_on", "id")


def line_age_days(line: StatementLine, today: date | None = None) -> int:
    return ((today or timezone.localdate()) - line.posted_on).days


def deposits_unmatched(bank_account_id: int | Iterable[int]) -> QuerySet[Deposit]:
    """Verified deposits of the bank account not yet seen at the bank, each with `amount`: what
    the bag still holds in transit (its total less its checks returned since), which is what
    the bank credits for it."""
    returned = (
        DepositCheck.objects.filter(deposit=OuterRef("pk"), released=False, tender__returned=True)
        .values("deposit")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    return (
        Deposit.objects.filter(
            status=Deposit.Status.VERIFIED,
            bank_account_id__in=[bank_account_id]
            if isinstance(bank_account_id, int)
            else list(bank_account_id),
            statement_lines__isnull=True,
        )
        .annotate(
            amount=F("cash_total")
            + F("checks_total")
            - Coalesce(Subquery(returned, output_field=money), Value(ZERO), output_field=money)
        )
        .order_by("business_date", "id")
    )


def card_days_unsettled() -> list[dict[str, Any]]:
    """Business days with closed drawers' card batches not yet settled: day and gross."""
    days: list[dict[str, Any]] = [
        dict(day)
        for day in DrawerClose.objects.filter(
            status=DrawerClose.Status.CLOSED, card_batch_total__gt=0, card_settlement__isnull=True
        )
        .values("business_date")
        .annotate(gross=Sum("card_batch_total"))
        .order_by("business_date")
    ]
    return days


def _as_ids(bank_account_id: int | Iterable[int]) -> list[int]:
    return [bank_account_id] if isinstance(bank_account_id, int) else list(bank_account_id)


def lockbox_deposits_unmatched(bank_account_id: int | Iterable[int]) -> QuerySet[RemittanceBatch]:
    """Posted lockbox files (services.remittance) whose deposit no statement line matched yet,
    of the bank accounts their sources name, each with `amount`: the deposit the file announced
    less its checks the bank returned since (taken back out of 1040 Deposits in transit), which
    is what the bank credits for it; and `bank_account_id`, the source's."""
    returned = (
        Tender.objects.filter(
            payment__drawer_id=OuterRef("drawer_id"), kind=TenderKind.CHECK, returned=True
        )
        .values("payment__drawer_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    return (
        RemittanceBatch.objects.filter(
            kind=RemittanceBatch.Kind.LOCKBOX,
            status=RemittanceBatch.Status.POSTED,
            source__bank_account_id__in=_as_ids(bank_account_id),
            statement_line__isnull=True,
        )
        .annotate(
            bank_account_id=F("source__bank_account_id"),
            amount=F("deposit_total")
            - Coalesce(Subquery(returned, output_field=money), Value(ZERO), output_field=money),
        )
        .order_by("deposit_date", "id")
    )


def vendor_settlements_unmatched(
    bank_account_id: int | Iterable[int],
) -> QuerySet[RemittanceBatch]:
    """Posted online-vendor files (services.remittance) not yet settled by a statement line, of
    the bank accounts their sources name, each with `net`: the file's gross less the vendor's
    fees, what the vendor pays into the bank (and what the file left on 1020 Card clearing)."""
    return (
        RemittanceBatch.objects.filter(
            kind=RemittanceBatch.Kind.VENDOR,
            status=RemittanceBatch.Status.POSTED,
            source__bank_account_id__in=_as_ids(bank_account_id),
            card_settlement__isnull=True,
        )
        .annotate(
            bank_account_id=F("source__bank_account_id"),
            net=F("deposit_total") - F("fee_total"),
        )
        .order_by("deposit_date", "id")
    )
