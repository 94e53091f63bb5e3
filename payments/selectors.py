"""Read queries of the counter: drawers, what they should hold, receipts and the queues."""

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import User
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum

from billing.liens import CertificateSale
from billing.models import Bill, FeeType
from billing.selectors import EntryReceipt
from cashiering.dates import us_date
from cashiering.people import person_name
from ledger.models import AccountingPeriod, JournalLine
from ledger.money import ZERO
from payments.models import (
    ApprovalRequest,
    DenominationCount,
    Drawer,
    Office,
    Payment,
    PaymentItem,
    PaymentReversal,
    StockCount,
    Tender,
    TenderKind,
    Workstation,
)
from payments.take_back import take_back_order

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
        # A remittance batch's receipts share its entry (payments.services.remittance checks those).
        """SELECT p.receipt_number FROM payments_payment p
             JOIN payments_drawer d ON d.id = p.drawer_id AND d.kind = 'counter'
            WHERE p.total <> (SELECT coalesce(sum(l.amount), 0) FROM ledger_journalline l
                               JOIN ledger_account a ON a.id = l.account_id
                              WHERE l.entry_id = p.entry_id
                                AND (a.code IN ('1000', '1010', '1020')
                                     OR (a.code = '2100' AND l.amount > 0)))""",
    ),
    (
        "receipt numbers have no gap",
        """SELECT 'office ' || o.code || ' ' || s.year
                  || CASE WHEN s.training THEN ' (training)' ELSE '' END
                  || ' numbered ' || s.last_number || ' receipts but holds ' || count(p.id)
             FROM payments_receiptseries s
             JOIN payments_office o ON o.id = s.office_id
             LEFT JOIN payments_payment p
               ON p.office_id = s.office_id AND p.training = s.training
              AND p.receipt_year = s.year
            GROUP BY s.id, o.code
           HAVING s.last_number <> count(p.id)
               OR s.last_number <> coalesce(max(p.receipt_sequence), 0)
            ORDER BY o.code, s.year""",
    ),
    (
        # The drawer's sub-ledger (its float, tenders, voids, refunds and credit refunds paid
        # out of it and cash taken to the safe) against the ledger lines that name it, per
        # tender account.
        "drawer's cash, checks or card differ from its ledger lines",
        """WITH paid AS (
               SELECT p.id, p.drawer_id, p.total,
                      coalesce(sum(t.amount) FILTER (WHERE t.kind = 'cash'), 0) - p.change
                          AS cash,
                      coalesce(sum(t.amount) FILTER (WHERE t.kind = 'check'), 0) AS checks,
                      coalesce(sum(t.amount) FILTER (WHERE t.kind = 'card'), 0) AS card,
                      EXISTS (SELECT 1 FROM payments_paymentreversal r
                               WHERE r.payment_id = p.id AND r.kind = 'void') AS voided
                 FROM payments_payment p LEFT JOIN payments_tender t ON t.payment_id = p.id
                -- a remittance batch's checks go straight to the safe or the bank
                WHERE p.drawer_id IN (SELECT id FROM payments_drawer WHERE kind = 'counter')
                GROUP BY p.id
           ), movements AS (
               SELECT id AS drawer_id, opening_float AS cash, 0.00 AS checks, 0.00 AS card
                 FROM payments_drawer
               UNION ALL
               SELECT drawer_id, cash, checks, card FROM paid WHERE NOT voided
               UNION ALL
               -- a refund pays its cash part out of the refunding drawer and puts its card
               -- part back through that drawer's terminal; one by city check names no drawer
               SELECT r.drawer_id, -(r.amount - r.card_amount - r.credit_amount), 0.00,
                      -r.card_amount
                 FROM payments_paymentreversal r
                WHERE r.kind = 'refund' AND r.drawer_id IS NOT NULL
               UNION ALL
               -- a returned check taken back out of the drawer that still held it
               SELECT r.drawer_id, 0.00, -r.amount, 0.00 FROM payments_paymentreversal r
                WHERE r.kind = 'returned_check' AND r.drawer_id IS NOT NULL
               UNION ALL
               SELECT drawer_id, -amount, 0.00, 0.00 FROM payments_cashmovement
               UNION ALL
               -- a customer's credit on account refunded in cash out of a drawer
               SELECT drawer_id, -amount, 0.00, 0.00 FROM payments_creditrefund
                WHERE drawer_id IS NOT NULL
           ), expected AS (
               SELECT drawer_id, sum(cash) AS cash, sum(checks) AS checks, sum(card) AS card
                 FROM movements GROUP BY drawer_id
           ), posted AS (
               SELECT l.drawer_id,
                      coalesce(sum(l.amount) FILTER (WHERE a.code = '1000'), 0.00) AS cash,
                      coalesce(sum(l.amount) FILTER (WHERE a.code = '1010'), 0.00) AS checks,
                      coalesce(sum(l.amount) FILTER (WHERE a.code = '1020'), 0.00) AS card
                 FROM ledger_journalline l JOIN ledger_account a ON a.id = l.account_id
                 JOIN ledger_journalentry e ON e.id = l.entry_id
                -- a drawer close hands everything over (to the safe, over/short) and a reopen
                -- hands it back: reconciliation proves those entries against its counts
                WHERE l.drawer_id IS NOT NULL
                  AND e.source NOT IN ('drawer_close', 'drawer_reopen')
                GROUP BY l.drawer_id
           )
           SELECT 'drawer ' || e.drawer_id || ' should hold cash ' || e.cash || ', checks '
                  || e.checks || ', card ' || e.card || ' but its ledger lines hold cash '
                  || coalesce(p.cash, 0.00) || ', checks ' || coalesce(p.checks, 0.00)
                  || ', card ' || coalesce(p.card, 0.00)
             FROM expected e LEFT JOIN posted p ON p.drawer_id = e.drawer_id
            WHERE (e.cash, e.checks, e.card)
                  IS DISTINCT FROM (coalesce(p.cash, 0), coalesce(p.checks, 0),
                                    coalesce(p.card, 0))
            ORDER BY e.drawer_id""",
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
PAYMENT_CHECKS += [
    (
        "an office's change fund, safe or deposits in transit holds less than nothing",
        """SELECT 'office ' || o.code || ' holds ' || sum(l.amount) || ' on account ' || a.code
             FROM ledger_journalline l
             JOIN ledger_account a ON a.id = l.account_id
             JOIN payments_office o ON o.id = l.office_id
            WHERE l.office_id IS NOT NULL
            GROUP BY o.code, a.code HAVING sum(l.amount) < 0""",
    ),
    (
        "a live line on a custody account names no office",
        """SELECT 'line ' || l.id || ' on account ' || a.code FROM ledger_journalline l
             JOIN ledger_account a ON a.id = l.account_id
             JOIN ledger_journalentry e ON e.id = l.entry_id
            WHERE a.code IN ('1030', '1035', '1036', '1040') AND e.book = 'live'
              AND l.office_id IS NULL""",
    ),
    (
        "a closed drawer still holds cash, checks or card on its ledger lines",
        """SELECT 'drawer ' || d.id || ' is closed but holds ' || sum(l.amount) || ' on '
                  || a.code
             FROM payments_drawer d
             JOIN ledger_journalline l ON l.drawer_id = d.id
             JOIN ledger_account a ON a.id = l.account_id
            WHERE d.status = 'closed' AND a.code IN ('1000', '1010', '1020')
            GROUP BY d.id, a.code HAVING sum(l.amount) <> 0""",
    ),
]

# The triggers that keep the counter's money history frozen (payments 0002, 0003, 0010 and 0021).
PAYMENT_TRIGGERS: list[tuple[str, str]] = [
    ("payments_payment", "payment_frozen"),
    ("payments_paymentitem", "payment_item_frozen"),
    ("payments_tender", "tender_frozen"),
    ("payments_drawer", "drawer_frozen"),
    ("payments_denominationcount", "denomination_count_frozen"),
    ("payments_stockcount", "stock_count_frozen"),
    ("payments_cashmovement", "cash_movement_frozen"),
    ("payments_paymentreversal", "payment_reversal_frozen"),
    ("payments_checkwriterflag", "check_writer_flag_append_only"),
    ("payments_creditrefund", "credit_refund_frozen"),
    ("ledger_journalline", "journal_line_drawer_open"),
    ("ledger_journalline", "journal_line_custody_named"),
    ("ledger_journalline", "journal_line_custody_not_negative"),
]


def open_drawers_in_period(period: AccountingPeriod) -> list[str]:
    """Why `period` may not close yet: each open drawer (live or training) with postings dated
    in it. Its close posts the over/short into the period, so it must close first. Registered
    with ledger.services.register_period_close_check."""
    posted_in = JournalLine.objects.filter(
        drawer_id__isnull=False,
        entry__entry_date__gte=period.start_date,
        entry__entry_date__lte=period.end_date,
    ).values("drawer_id")
    drawers = (
        Drawer.objects.filter(status=Drawer.Status.OPEN, pk__in=posted_in)
        .select_related("clerk", "workstation", "workstation__office")
        .order_by("pk")
    )
    return [
        f"Drawer {drawer.pk} ({person_name(drawer.clerk)} at {drawer.workstation}, opened "
        f"{us_date(drawer.opened_on)}) is still open with postings in the period; close it first."
        for drawer in drawers
    ]


def credit_refund_office(drawer: Drawer | None) -> Office:
    """The office whose dual-control setting governs a credit refund: the paying drawer's
    office, read afresh (its cached copy may be older), else this office (OFFICE_CODE); an
    unsaved office that allows no self-approval when neither is on file."""
    office = (
        Office.objects.filter(pk=drawer.office_id).first()
        if drawer is not None
        else Office.objects.filter(code=settings.OFFICE_CODE).first()
    )
    return office or Office(allow_self_approval=False)


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


# Custody accounts whose lines name an office (ledger.JournalLine.office_id): the change fund,
# the safe's cash and checks, deposits in transit. None of them may go below zero (payments
# migration 0030).
CUSTODY_ACCOUNTS = ("1030", "1035", "1036", "1040")


def custody_held(office: Office, code: str) -> Decimal:
    """What the office holds on a custody account (`code` one of CUSTODY_ACCOUNTS), live book:
    the sum of the lines that name the office."""
    total = JournalLine.objects.filter(office_id=office.pk, account__code=code).aggregate(
        total=Sum("amount")
    )["total"]
    return total or ZERO


def change_fund_held(office: Office) -> Decimal:
    """Cash in the office's change fund (1030) now: what floats can come out of."""
    return custody_held(office, "1030")


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


def receipt_visible_to(payment: Payment, user: User) -> bool:
    """Whether `user` may see (and reprint, and ask to void or refund) `payment`'s receipt.
    A Trainee sees only the receipts of their own drawers (issue 13: a clerk's own receipts;
    Trainees see no money beyond them). A Clerk or Supervisor sees any: a customer back at
    another window asks for a copy, or for a refund paid out of that window's drawer (issue 10;
    the void itself stays with the drawer's own clerk, payments.services.payment_void)."""
    return user.has_perm("payments.work_unsupervised") or payment.drawer.clerk_id == user.pk


def payments_find(query: str, *, seen_by: User | None = None) -> QuerySet[Payment]:
    """Receipts by number, payer or check number, newest first; only those `seen_by` may see
    (receipt_visible_to) when given."""
    query = query.strip()
    if not query:
        return Payment.objects.none()
    found = Payment.objects.all()
    if seen_by is not None and not seen_by.has_perm("payments.work_unsupervised"):
        found = found.filter(drawer__clerk=seen_by)
    return (
        found.filter(
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


@dataclass(frozen=True)
class ReceiptLine:
    """One item of a receipt with what tells its bill apart: whose account it is, the property
    or service address it is for, and its parcel, water account or plate."""

    item: PaymentItem
    holder: str
    address: str
    reference: str


def receipt_lines(payment: Payment) -> list[ReceiptLine]:
    """A receipt's items in the order they were added, each with its bill's account holder,
    address and reference (a fee sale names only its plate, if it has one), in one query."""
    items = payment.items.select_related(
        "bill__customer",
        "bill__property",
        "bill__water_account",
        "bill__vehicle",
        "lien_certificate",
    ).order_by("id")
    return [_receipt_line(item) for item in items]


def _receipt_line(item: PaymentItem) -> ReceiptLine:
    bill = item.bill
    if bill is None and item.lien_certificate is not None:
        certificate = item.lien_certificate
        reference = f"Certificate {certificate.number} · parcel {certificate.parcel_number}"
        return ReceiptLine(item=item, holder="", address=certificate.address, reference=reference)
    if bill is None:
        plate = " ".join(p for p in ("Plate", item.plate_state, item.plate) if p)
        return ReceiptLine(item=item, holder="", address="", reference=plate if item.plate else "")
    address, reference = "", f"Bill {bill.number}"
    if bill.water_account is not None:
        address = bill.water_account.service_address
        reference += f" · water account {bill.water_account.number}"
    elif bill.property is not None:
        address = ", ".join(p for p in (bill.property.street_address, bill.property.city) if p)
        reference += f" · parcel {bill.property.parcel_number}"
    if bill.vehicle is not None:
        reference += f" · plate {bill.vehicle.state} {bill.vehicle.plate}"
        address = address or bill.violation_location
    return ReceiptLine(item=item, holder=bill.customer.name, address=address, reference=reference)


def receipt_payer(payment: Payment, lines: list[ReceiptLine]) -> str:
    """The payer's name as the receipt prints it: empty when every bill on it is the payer's own
    (their name is already under each bill); otherwise the name, for a fee sale too."""
    payer = _name_key(payment.payer_name)
    holders = {_name_key(line.holder) for line in lines if line.item.bill_id is not None}
    if not payer or holders == {payer}:
        return ""
    return payment.payer_name


def _name_key(name: str) -> str:
    # "DANA  WHITFIELD" typed at the counter is the account's "Dana Whitfield".
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def payment_reversals(payment: Payment) -> list[PaymentReversal]:
    """A receipt's voids, refunds and returned checks, oldest first."""
    return list(
        PaymentReversal.objects.filter(payment=payment)
        .select_related("approved_by", "fee_bill", "tender")
        .order_by("created_at", "id")
    )


def bill_receipts(bill: Bill) -> dict[int, EntryReceipt]:
    """The receipts behind the counter's entries on `bill`, by journal entry id: each payment's
    entry, and each void, refund or returned check that took money back from one of its
    payments. Two queries. Registered with billing.selectors.register_bill_receipts."""
    named = {
        entry_id: EntryReceipt("Payment", number)
        for entry_id, number in Payment.objects.filter(items__bill=bill)
        .values_list("entry_id", "receipt_number")
        .distinct()
    }
    for entry_id, kind, number in (
        PaymentReversal.objects.filter(payment__items__bill=bill, entry__isnull=False)
        .values_list("entry_id", "kind", "payment__receipt_number")
        .distinct()
    ):
        named[entry_id] = EntryReceipt(PaymentReversal.Kind(kind).label, number)
    return named


def has_open_drawer(user: User) -> bool:
    """Whether `user` works an open drawer now. Registered with
    billing.selectors.register_open_drawer_check."""
    return Drawer.objects.filter(clerk=user, status=Drawer.Status.OPEN).exists()


def receipts_of_day(
    day: date,
    *,
    clerk: User | None = None,
    workstation: Workstation | None = None,
    tender: str = "",
    status: str = "",
) -> QuerySet[Payment]:
    """The receipts posted on `day` across every drawer, newest first, narrowed by the drawer's
    clerk, its window, a tender kind the receipt took (TenderKind value) and its status
    (Payment.Status value); each with its drawer, clerk, window and tenders (prefetched, so a
    list of them costs two queries)."""
    found = Payment.objects.filter(posted_on=day)
    if clerk is not None:
        found = found.filter(drawer__clerk=clerk)
    if workstation is not None:
        found = found.filter(drawer__workstation=workstation)
    if tender:
        found = found.filter(pk__in=Tender.objects.filter(kind=tender).values("payment_id"))
    if status:
        found = found.filter(status=status)
    return (
        found.select_related("drawer__clerk", "drawer__workstation", "customer")
        .prefetch_related("tenders")
        .order_by("-id")
    )


def drawers_open() -> QuerySet[Drawer]:
    """Every open drawer (live and training), by window, with its clerk."""
    return (
        Drawer.objects.filter(status=Drawer.Status.OPEN)
        .select_related("clerk", "workstation", "office")
        .order_by("workstation__name", "pk")
    )


def drawer_payments(drawer: Drawer) -> QuerySet[Payment]:
    """All of a drawer's receipts, newest first, with their tenders (two queries)."""
    return drawer.payments.select_related("customer").prefetch_related("tenders").order_by("-id")


def certificate_sales(certificate_ids: Iterable[int]) -> dict[int, CertificateSale]:
    """Which receipt sold each lien certificate, and whether the sale was taken back: the
    payment voided or refunded in full, or refunds that took back the whole of the certificate's
    fee (the certificate is then VOID). One query, two more when a sale was refunded in part;
    registered with billing.liens."""
    refund = PaymentReversal.objects.filter(
        payment=OuterRef("payment_id"), kind=PaymentReversal.Kind.REFUND
    )
    items = list(
        PaymentItem.objects.filter(lien_certificate_id__in=list(certificate_ids))
        .select_related("payment")
        .annotate(part_refunded=Exists(refund))
    )
    taken_back = (Payment.Status.VOIDED, Payment.Status.REFUNDED)
    refunded = _fees_refunded(
        [i for i in items if i.part_refunded and i.payment.status not in taken_back]
    )
    return {
        item.lien_certificate_id: CertificateSale(
            receipt_number=item.payment.receipt_number,
            void=item.payment.status in taken_back or item.pk in refunded,
        )
        for item in items
        if item.lien_certificate_id is not None
    }


def _fees_refunded(sold: list[PaymentItem]) -> set[int]:
    """The ids of the fee items in `sold` whose whole amount refunds took back. Reversals take
    back a payment's items in one order (payments.take_back), each the next `taken_back` of it;
    a fee a returned check took back stands (it is billed to the check writer)."""
    if not sold:
        return set()
    payment_ids = {item.payment_id for item in sold}
    reversals: dict[int, list[PaymentReversal]] = {}
    for reversal in PaymentReversal.objects.filter(payment_id__in=payment_ids).order_by("id"):
        reversals.setdefault(reversal.payment_id, []).append(reversal)
    all_items: dict[int, list[PaymentItem]] = {}
    for item in PaymentItem.objects.filter(payment_id__in=list(reversals)).order_by("id"):
        all_items.setdefault(item.payment_id, []).append(item)
    refunded = set()
    for fee in sold:
        start = ZERO
        for item, _part, amount in take_back_order(all_items.get(fee.payment_id, [])):
            if item.pk == fee.pk:
                break
            start += amount
        end, at, by_refunds = start + fee.amount, ZERO, True
        for reversal in reversals.get(fee.payment_id, []):
            begins, at = at, at + reversal.taken_back
            if begins < end and at > start and reversal.kind != PaymentReversal.Kind.REFUND:
                by_refunds = False
        if by_refunds and at >= end:
            refunded.add(fee.pk)
    return refunded


def idle_timeout_minutes_for(user: User) -> int:
    """The idle sign-out (minutes) of the office `user` works at: the office of their open
    drawer, else this office (OFFICE_CODE), else the first office; the field's default when no
    office is set up. One query."""
    at_drawer = Drawer.objects.filter(office=OuterRef("pk"), clerk=user, status=Drawer.Status.OPEN)
    minutes = (
        Office.objects.annotate(at_drawer=Exists(at_drawer), here=Q(code=settings.OFFICE_CODE))
        .order_by("-at_drawer", "-here", "pk")
        .values_list("idle_timeout_minutes", flat=True)
        .first()
    )
    return minutes or Office._meta.get_field("idle_timeout_minutes").default
