"""Where the office's cash and checks are: the checks in the safe, deposits, and the custody
page's snapshot (each open drawer, the safe, bags in transit, the bank) against the ledger."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import DecimalField, Exists, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

# payments' names of the same codes: reconciliation.services imports this module.
from ledger.chart import (
    CARD_CLEARING,
    CASH_IN_DRAWER,
    CASH_IN_SAFE,
    CHANGE_FUND,
    CHECKS_IN_DRAWER,
    CHECKS_IN_SAFE,
    DEPOSITS_IN_TRANSIT,
)
from ledger.models import JournalLine
from ledger.money import ZERO
from payments.models import (
    Drawer,
    Office,
    RemittanceBatch,
    RemittanceItem,
    Tender,
    TenderKind,
)
from payments.selectors import custody_held
from reconciliation.models import (
    CloseCheck,
    CustodyTransfer,
    Deposit,
    DepositCheck,
    DrawerClose,
    StatementLine,
)

# The custody accounts the custody page accounts for, drawer ones first.
DRAWER_CODES = (CASH_IN_DRAWER, CHECKS_IN_DRAWER, CARD_CLEARING)
OFFICE_CODES = (CHANGE_FUND, CASH_IN_SAFE, CHECKS_IN_SAFE, DEPOSITS_IN_TRANSIT)


@dataclass(frozen=True)
class SafeCheck:
    """A check in the safe: a check tender (`tender_id`), an extra check found at a drawer's
    close (`close_check_id`), or the check of a posted mail batch's exception not yet applied
    nor returned (`remittance_item_id`; `held` says "held exception (batch RB-…, #n)": its
    money is in 1036, held unapplied in 2150, and it is not depositable until it is applied).
    `ref` names it in forms ("t12", "x7", "r3"); `bag` is the bag number of a PREPARED deposit
    that reserves it (still in the safe, not yet verified), else ""."""

    ref: str
    tender_id: int | None
    close_check_id: int | None
    check_number: str
    payer: str
    amount: Decimal
    drawer_id: int
    bag: str = ""
    remittance_item_id: int | None = None
    held: str = ""


def check_ref(
    *,
    tender_id: int | None = None,
    close_check_id: int | None = None,
    remittance_item_id: int | None = None,
) -> str:
    """The form value naming a check in the safe: "t<tender id>", "x<extra close check id>" or
    "r<held remittance item id>"."""
    if tender_id is not None:
        return f"t{tender_id}"
    if remittance_item_id is not None:
        return f"r{remittance_item_id}"
    return f"x{close_check_id}"


def check_ref_parse(ref: str) -> tuple[int | None, int | None, int | None]:
    """(tender id, close check id, held remittance item id) of a `check_ref` value, one of them
    set. Raises ValueError when malformed."""
    ref = ref.strip()
    if len(ref) < 2 or ref[0] not in "txr" or not ref[1:].isdigit() or len(ref) > 20:
        raise ValueError(ref)
    number = int(ref[1:])
    return (
        number if ref[0] == "t" else None,
        number if ref[0] == "x" else None,
        number if ref[0] == "r" else None,
    )


def _standing_closes(office: Office) -> QuerySet[DrawerClose]:
    return DrawerClose.objects.filter(
        status=DrawerClose.Status.CLOSED,
        drawer__office=office,
        drawer__training=False,
        drawer__status=Drawer.Status.CLOSED,
    )


def checks_in_safe(office: Office, *, include_reserved: bool = True) -> list[SafeCheck]:
    """Every check now in `office`'s safe: the check tenders of posted mail batches, then the
    held exception checks of those batches (`SafeCheck.held`), then, in drawer then check
    order, check tenders of closed (live) drawers that were PRESENT at their standing close,
    plus EXTRA checks found at those closes; not returned, not in a verified deposit. A check
    reserved by a PREPARED deposit is still in the safe (1036 holds it until the deposit is
    verified): listed with its bag, or left out when `include_reserved` is False. Held checks
    are counted like any check but a deposit may not take them (see `depositable`)."""
    closes = _standing_closes(office)
    rows = (
        CloseCheck.objects.filter(close__in=closes)
        .filter(
            Q(state=CloseCheck.State.PRESENT, tender__returned=False)
            | Q(state=CloseCheck.State.EXTRA)
        )
        .select_related("tender", "close")
        .order_by("close__drawer_id", "id")
    )
    mailed = _mailed_checks(office)
    held = {
        (dc.tender_id, dc.close_check_id): dc.deposit
        for dc in DepositCheck.objects.filter(released=False)
        .filter(
            Q(tender__in=[r.tender_id for r in rows if r.tender_id] + [t.pk for t in mailed])
            | Q(close_check__in=[r.pk for r in rows if r.tender_id is None])
        )
        .select_related("deposit")
    }
    found: list[SafeCheck] = _mailed_in_safe(mailed, held, include_reserved)
    found += _held_exceptions(office)
    for row in rows:
        key = (row.tender_id, None) if row.tender_id else (None, row.pk)
        deposit = held.get(key)
        if deposit is not None and (
            deposit.status != Deposit.Status.PREPARED or not include_reserved
        ):
            continue
        tender = row.tender
        found.append(
            SafeCheck(
                ref=check_ref(tender_id=key[0], close_check_id=key[1]),
                tender_id=key[0],
                close_check_id=key[1],
                check_number=tender.check_number if tender else row.check_number,
                payer=tender.check_payer if tender else row.payer,
                amount=tender.amount if tender else row.amount,
                drawer_id=row.close.drawer_id,
                bag=deposit.bag_number if deposit is not None else "",
            )
        )
    return found


def _mailed_checks(office: Office) -> list[Tender]:
    """The check tenders of the office's posted mail batches (payments.services.remittance): in the
    safe from the batch's posting, never in a drawer; not returned."""
    return list(
        Tender.objects.filter(
            kind=TenderKind.CHECK,
            returned=False,
            payment__drawer__kind=Drawer.Kind.REMITTANCE,
            payment__drawer__office=office,
            payment__drawer__training=False,
            payment__drawer__batch__kind=RemittanceBatch.Kind.MAIL,
            payment__drawer__batch__status=RemittanceBatch.Status.POSTED,
        )
        .select_related("payment")
        .order_by("payment__drawer_id", "id")
    )


def _mailed_in_safe(tenders: list[Tender], held: dict, include_reserved: bool) -> list[SafeCheck]:
    found = []
    for tender in tenders:
        deposit = held.get((tender.pk, None))
        if deposit is not None and (
            deposit.status != Deposit.Status.PREPARED or not include_reserved
        ):
            continue
        found.append(
            SafeCheck(
                ref=check_ref(tender_id=tender.pk),
                tender_id=tender.pk,
                close_check_id=None,
                check_number=tender.check_number,
                payer=tender.check_payer,
                amount=tender.amount,
                drawer_id=tender.payment.drawer_id,
                bag=deposit.bag_number if deposit is not None else "",
            )
        )
    return found


def _held_exceptions(office: Office) -> list[SafeCheck]:
    """The checks of the office's posted mail batches' exceptions, neither applied (then a
    tender, in `_mailed_checks`) nor returned to the sender: their money went into 1036 when
    the batch posted (held in 2150), so the safe holds them (ledger_verify counts them too)."""
    items = (
        RemittanceItem.objects.filter(
            batch__office=office,
            batch__kind=RemittanceBatch.Kind.MAIL,
            batch__status=RemittanceBatch.Status.POSTED,
            state__in=(RemittanceItem.State.EXCEPTION, RemittanceItem.State.HELD),
        )
        .select_related("batch")
        .order_by("batch_id", "sequence")
    )
    return [
        SafeCheck(
            ref=check_ref(remittance_item_id=item.pk),
            tender_id=None,
            close_check_id=None,
            check_number=item.check_number,
            payer=item.check_payer,
            amount=item.amount,
            drawer_id=item.batch.drawer_id,
            remittance_item_id=item.pk,
            held=f"held exception (batch {item.batch.number}, #{item.sequence})",
        )
        for item in items
    ]


def depositable(checks: list[SafeCheck]) -> list[SafeCheck]:
    """The checks of `checks` a deposit may take: not the held exception checks, whose money
    the city holds unapplied (2150) until a Supervisor applies them (then a tendered check) or
    returns them; a deposit's checks are tenders or extra close checks (DepositCheck)."""
    return [c for c in checks if not c.held]


def safe_checks_total(checks: list[SafeCheck]) -> Decimal:
    return sum((c.amount for c in checks), ZERO)


def safe_cash_available(office: Office) -> Decimal:
    """Collections cash in the safe (1035) that a new deposit may take: what the ledger says the
    safe holds less the cash of deposits PREPARED but not yet verified."""
    prepared = Deposit.objects.filter(office=office, status=Deposit.Status.PREPARED).aggregate(
        total=Sum("cash_total")
    )["total"]
    return custody_held(office, CASH_IN_SAFE) - (prepared or ZERO)


def deposits_of(office: Office) -> QuerySet[Deposit]:
    """The office's deposits, newest first, with who prepared and verified them, whether a
    bank statement line matched them (`at_bank`) and the dollars of their checks the bank
    returned since (`returned_total`: taken back out of Deposits in transit, or the bank)."""
    returned = (
        DepositCheck.objects.filter(deposit=OuterRef("pk"), released=False, tender__returned=True)
        .values("deposit")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    money = DecimalField(max_digits=14, decimal_places=2)
    return (
        Deposit.objects.filter(office=office)
        .select_related("bank_account", "prepared_by", "verified_by", "cancelled_by")
        .annotate(
            at_bank=Exists(StatementLine.objects.filter(deposit=OuterRef("pk"))),
            returned_total=Coalesce(
                Subquery(returned, output_field=money), Value(ZERO), output_field=money
            ),
        )
        .order_by("-prepared_at", "-pk")
    )


def in_transit_amount(deposit: Deposit) -> Decimal:
    """What a verified bag not yet at the bank holds on 1040: its total less returned checks
    (`deposit` from `deposits_of`)."""
    return deposit.total - deposit.returned_total  # type: ignore[attr-defined]


@dataclass
class DrawerHeld:
    drawer: Drawer
    cash: Decimal = ZERO
    checks: Decimal = ZERO
    card: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.cash + self.checks + self.card


@dataclass
class Custody:
    """Where every dollar of an office is now, by place, and the ledger's own total of its
    custody accounts (1000/1010/1020 lines naming its drawers; 1030/1035/1036/1040 lines naming
    the office). `difference` is ledger minus places: zero when everything is accounted for."""

    office: Office
    day: date
    drawers: list[DrawerHeld]
    change_fund: Decimal
    safe_cash: Decimal
    safe_checks: list[SafeCheck]
    in_transit: list[Deposit]
    at_bank: list[Deposit]
    ledger_by_account: dict[str, Decimal]
    transfers: list[CustodyTransfer] = field(default_factory=list)
    closed_drawers_holding: Decimal = ZERO

    @property
    def drawers_total(self) -> Decimal:
        return sum((d.total for d in self.drawers), ZERO)

    @property
    def safe_checks_total(self) -> Decimal:
        return safe_checks_total(self.safe_checks)

    @property
    def safe_total(self) -> Decimal:
        return self.change_fund + self.safe_cash + self.safe_checks_total

    @property
    def in_transit_total(self) -> Decimal:
        return sum((in_transit_amount(d) for d in self.in_transit), ZERO)

    @property
    def places_total(self) -> Decimal:
        return self.drawers_total + self.safe_total + self.in_transit_total

    @property
    def ledger_total(self) -> Decimal:
        return sum(self.ledger_by_account.values(), ZERO)

    @property
    def difference(self) -> Decimal:
        return self.ledger_total - self.places_total


def _live_drawer_ids(office: Office) -> QuerySet:
    return Drawer.objects.filter(office=office, training=False).values("pk")


def _ledger_by_account(office: Office) -> dict[str, Decimal]:
    totals = dict.fromkeys((*DRAWER_CODES, *OFFICE_CODES), ZERO)
    drawer_rows = (
        JournalLine.objects.filter(
            account__code__in=DRAWER_CODES, drawer_id__in=_live_drawer_ids(office)
        )
        .values("account__code")
        .annotate(total=Sum("amount"))
    )
    office_rows = (
        JournalLine.objects.filter(account__code__in=OFFICE_CODES, office_id=office.pk)
        .values("account__code")
        .annotate(total=Sum("amount"))
    )
    for row in [*drawer_rows, *office_rows]:
        totals[row["account__code"]] = row["total"] or ZERO
    return totals


def _drawers_held(office: Office) -> tuple[list[DrawerHeld], Decimal]:
    """Each live drawer not closed, with what its ledger lines hold; and what closed drawers
    still hold (nothing, when every close moved all of it to the safe)."""
    drawers = {
        d.pk: DrawerHeld(d)
        for d in Drawer.objects.filter(office=office, training=False)
        .exclude(status=Drawer.Status.CLOSED)
        .select_related("clerk", "workstation")
        .order_by("workstation__name", "pk")
    }
    rows = (
        JournalLine.objects.filter(
            account__code__in=DRAWER_CODES, drawer_id__in=_live_drawer_ids(office)
        )
        .values("drawer_id", "account__code")
        .annotate(total=Sum("amount"))
    )
    closed = ZERO
    attr = {CASH_IN_DRAWER: "cash", CHECKS_IN_DRAWER: "checks", CARD_CLEARING: "card"}
    for row in rows:
        held = drawers.get(row["drawer_id"] or 0)
        if held is None:
            closed += row["total"] or ZERO
            continue
        setattr(held, attr[row["account__code"]], row["total"] or ZERO)
    return list(drawers.values()), closed


def custody_now(office: Office, day: date) -> Custody:
    """The custody page: every open drawer, the safe (change fund, cash, each check), each bag
    in transit (verified, not matched), deposits at the bank (matched; listed, no longer on the
    office's custody accounts), the ledger's totals, and the hand-overs recorded on `day`."""
    drawers, closed_holding = _drawers_held(office)
    deposits = list(
        deposits_of(office).filter(status=Deposit.Status.VERIFIED).order_by("prepared_at")
    )
    for deposit in deposits:
        deposit.in_transit = in_transit_amount(deposit)  # type: ignore[attr-defined]
    return Custody(
        office=office,
        day=day,
        drawers=drawers,
        change_fund=custody_held(office, CHANGE_FUND),
        safe_cash=custody_held(office, CASH_IN_SAFE),
        safe_checks=checks_in_safe(office),
        in_transit=[d for d in deposits if not getattr(d, "at_bank", False)],
        at_bank=[d for d in deposits if getattr(d, "at_bank", False)],
        ledger_by_account=_ledger_by_account(office),
        transfers=list(
            CustodyTransfer.objects.filter(office=office, business_date=day)
            .select_related("handed_by", "received_by", "deposit")
            .order_by("created_at", "pk")
        ),
        closed_drawers_holding=closed_holding,
    )


# Rules that `manage.py ledger_verify` re-checks for the safe and deposits (registered in
# reconciliation.apps). Each returns one text row per violation.
CUSTODY_CHECKS: list[tuple[str, str]] = [
    (
        "1036 Checks in safe of each office equals the checks the safe holds",
        """WITH listed AS (
    SELECT d.office_id, t.amount AS amount, cc.tender_id, NULL::bigint AS close_check_id
      FROM reconciliation_closecheck cc
      JOIN reconciliation_drawerclose c ON c.id = cc.close_id AND c.status = 'closed'
      JOIN payments_drawer d ON d.id = c.drawer_id AND d.status = 'closed' AND NOT d.training
      JOIN payments_tender t ON t.id = cc.tender_id
     WHERE cc.state = 'present' AND NOT t.returned
    UNION ALL
    SELECT d.office_id, cc.amount, NULL, cc.id
      FROM reconciliation_closecheck cc
      JOIN reconciliation_drawerclose c ON c.id = cc.close_id AND c.status = 'closed'
      JOIN payments_drawer d ON d.id = c.drawer_id AND d.status = 'closed' AND NOT d.training
     WHERE cc.state = 'extra'
    UNION ALL
    -- the checks of posted mail batches (services.remittance): their receipts' check tenders,
    -- and the checks of their exceptions not applied (held in 2150) nor sent back
    SELECT b.office_id, t.amount, t.id, NULL
      FROM payments_remittancebatch b
      JOIN payments_payment p ON p.drawer_id = b.drawer_id
      JOIN payments_tender t ON t.payment_id = p.id AND t.kind = 'check'
     WHERE b.kind = 'mail' AND b.status = 'posted' AND NOT t.returned
    UNION ALL
    SELECT b.office_id, i.amount, NULL, NULL
      FROM payments_remittancebatch b
      JOIN payments_remittanceitem i ON i.batch_id = b.id
     WHERE b.kind = 'mail' AND b.status = 'posted' AND i.state IN ('exception', 'held')),
                 safe AS (
                   SELECT l.office_id, sum(l.amount) AS total FROM listed l
                    WHERE NOT EXISTS (
                          SELECT 1 FROM reconciliation_depositcheck dc
                            JOIN reconciliation_deposit dp ON dp.id = dc.deposit_id
                           WHERE NOT dc.released AND dp.status <> 'prepared'
                             AND (dc.tender_id = l.tender_id
                                  OR dc.close_check_id = l.close_check_id))
                    GROUP BY l.office_id),
                 books AS (
                   SELECT l.office_id, sum(l.amount) AS total
                     FROM ledger_journalline l JOIN ledger_account a ON a.id = l.account_id
                    WHERE a.code = '1036' AND l.office_id IS NOT NULL GROUP BY l.office_id)
            SELECT 'office ' || coalesce(s.office_id, b.office_id) || ': 1036 holds '
                   || coalesce(b.total, 0) || ', the checks in its safe '
                   || coalesce(s.total, 0)
              FROM safe s FULL JOIN books b ON b.office_id = s.office_id
             WHERE coalesce(s.total, 0) <> coalesce(b.total, 0)""",
    ),
    (
        "1040 Deposits in transit of each office equals its verified bags not at the bank",
        """WITH parts AS (
                 SELECT dp.office_id,
                        sum(dp.cash_total + dp.checks_total - coalesce((
                            SELECT sum(dc.amount) FROM reconciliation_depositcheck dc
                              JOIN payments_tender t ON t.id = dc.tender_id
                             WHERE dc.deposit_id = dp.id AND NOT dc.released AND t.returned), 0))
                        AS total
                   FROM reconciliation_deposit dp
                  WHERE dp.status = 'verified'
                    AND NOT EXISTS (SELECT 1 FROM reconciliation_statementline s
                                     WHERE s.deposit_id = dp.id)
                  GROUP BY dp.office_id
                 UNION ALL
                 -- a lockbox file's deposit (payments.services.remittance), in transit from its
                 -- posting until a statement line matches it, less its checks the bank
                 -- returned since
                 SELECT b.office_id,
                        b.deposit_total - coalesce((
                            SELECT sum(t.amount) FROM payments_payment p
                              JOIN payments_tender t ON t.payment_id = p.id
                             WHERE p.drawer_id = b.drawer_id AND t.returned), 0)
                   FROM payments_remittancebatch b
                  WHERE b.kind = 'lockbox' AND b.status = 'posted'
                    AND NOT EXISTS (SELECT 1 FROM reconciliation_statementline s
                                     WHERE s.remittance_batch_id = b.id)),
                 bags AS (SELECT office_id, sum(total) AS total FROM parts GROUP BY office_id),
                 books AS (
                   SELECT l.office_id, sum(l.amount) AS total
                     FROM ledger_journalline l JOIN ledger_account a ON a.id = l.account_id
                    WHERE a.code = '1040' AND l.office_id IS NOT NULL GROUP BY l.office_id)
            SELECT 'office ' || coalesce(g.office_id, b.office_id) || ': 1040 holds '
                   || coalesce(b.total, 0) || ', its bags in transit ' || coalesce(g.total, 0)
              FROM bags g FULL JOIN books b ON b.office_id = g.office_id
             WHERE coalesce(g.total, 0) <> coalesce(b.total, 0)""",
    ),
    (
        "a verified deposit's entry moved exactly its cash and checks into transit",
        """SELECT 'deposit ' || dp.id || ' (bag ' || dp.bag_number || ')'
             FROM reconciliation_deposit dp
             JOIN LATERAL (
                  SELECT coalesce(sum(l.amount) FILTER (WHERE a.code = '1040'), 0) AS transit,
                         -coalesce(sum(l.amount) FILTER (WHERE a.code = '1035'), 0) AS cash,
                         -coalesce(sum(l.amount) FILTER (WHERE a.code = '1036'), 0) AS checks,
                         count(*) FILTER (WHERE l.office_id IS DISTINCT FROM dp.office_id)
                             AS elsewhere
                    FROM ledger_journalline l JOIN ledger_account a ON a.id = l.account_id
                   WHERE l.entry_id = dp.entry_id) moved ON true
            WHERE dp.status = 'verified'
              AND (moved.transit, moved.cash, moved.checks, moved.elsewhere)
                  IS DISTINCT FROM (dp.cash_total + dp.checks_total, dp.cash_total,
                                    dp.checks_total, 0::bigint)""",
    ),
    (
        "a deposit's listed checks and counted notes add up to its totals",
        """SELECT 'deposit ' || dp.id || ' (bag ' || dp.bag_number || ')'
             FROM reconciliation_deposit dp
            WHERE dp.checks_total <> coalesce((SELECT sum(amount)
                    FROM reconciliation_depositcheck WHERE deposit_id = dp.id), 0)
               OR dp.cash_total <> coalesce((SELECT sum(denomination * quantity)
                    FROM reconciliation_depositdenomination WHERE deposit_id = dp.id), 0)""",
    ),
]
