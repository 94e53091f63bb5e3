"""Remittance batches: payments by mail, through the bank's lockbox and from the online vendor,
checked item by item, posted together (one ledger entry per batch, one receipt per applied
item) and their exceptions resolved by a Supervisor. See docs/remittance.md."""

import hashlib
import re
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.formats import date_format

from billing.models import (
    Bill,
    BillAdjustment,
    Customer,
    PaymentPlan,
    PenaltyAssessment,
    PlanBill,
)
from billing.penalties import AmountDue
from billing.scanline import (
    ScanlineError,
    configured_scheme,
    is_valid_scanline,
    looks_like_scanline,
    scanline_parse,
)
from billing.selectors import boot_eligible_vehicle_ids, with_amounts_due
from billing.services import PENALTY_INTEREST_ACCOUNT_CODE
from cashiering.bulk import collector_paused
from ledger.chart import (
    BANK_FEES,
    CARD_CLEARING,
    CHECKS_IN_SAFE,
    CUSTOMER_CREDITS,
    DEPOSITS_IN_TRANSIT,
)
from ledger.models import Account, AccountType, JournalEntry
from ledger.money import ZERO, format_money
from ledger.reference import reference_data
from ledger.services import Line, post
from payments.allocation import bill_payment_applied
from payments.errors import PaymentError, RemittanceError, RemittanceFileSeen
from payments.models import (
    CheckWriterFlag,
    Drawer,
    Office,
    Payment,
    PaymentItem,
    PaymentPolicy,
    ReceiptSeries,
    RemittanceBatch,
    RemittanceItem,
    RemittanceSource,
    Tender,
    TenderKind,
    Workstation,
    check_writer_key,
)
from payments.remittance_files import (
    FileRow,
    file_size_checked,
    remittance_file_digest,
    remittance_file_parse,
)
from payments.services import (
    _accounts,
    _money,
    _Planned,
    database_refusal_explained,
    refuse_card_numbers,
)
from payments.services.common import _from_row, _select_list
from payments.writer import (
    PlannedPayment,
    model_new,
    payments_write,
    rows_write,
)

UNAPPLIED_REMITTANCES = "2150"
# Accounts the remittance batches post to beyond the standard chart (ledger.services).
REMITTANCE_CHART: tuple[tuple[str, str, str, str], ...] = (
    (UNAPPLIED_REMITTANCES, "Unapplied remittances", AccountType.LIABILITY, "General"),
)
REMITTANCE_WORKSTATION = "Remittance"
SOURCE = "remittance"  # JournalEntry.source of a batch's entry
RESOLUTION_SOURCE = "remittance_resolution"
PROGRESS_EVERY = 1000

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ItemIn:
    """One item to check: what was scanned or typed (a scanline or a bill number) and the
    money; `as_of` is the date the amount owed is judged on (postmark, paid on, received)."""

    scanline: str
    amount: Decimal
    as_of: date
    check_payer: str = ""
    postmarked: bool = False  # `as_of` is the envelope's postmark


@dataclass(frozen=True)
class ItemVerdict:
    """What the checks say of one item: clean, or an exception with a reason and a message."""

    bill: Bill | None
    state: str
    reason: str = ""
    message: str = ""
    owed: Decimal | None = None
    due: AmountDue | None = None  # what the bill owes as of the item's date


def remittance_chart_seed() -> None:
    """Create the accounts remittance posts to when missing (2150 Unapplied remittances)."""
    for code, name, type_, fund in REMITTANCE_CHART:
        Account.objects.get_or_create(
            code=code, defaults={"name": name, "type": type_, "fund": fund}
        )


def _amount(value, what: str) -> Decimal:
    """A positive amount of whole cents (payments.services._money), as a RemittanceError."""
    try:
        return _money(value, what)
    except PaymentError as exc:
        raise RemittanceError(str(exc)) from None


def _no_card_numbers(*texts: str) -> None:
    for text in texts:
        try:
            refuse_card_numbers(text)
        except PaymentError as exc:
            raise RemittanceError(str(exc)) from None


def _permission_checked(by: User, perm: str = "payments.work_remittance") -> None:
    if not by.is_active or not by.has_perm(perm):
        if perm == "payments.resolve_remittance":
            raise RemittanceError("Only a Supervisor resolves remittance exceptions.")
        raise RemittanceError(
            "Remittance batches are worked by Clerks and Supervisors; a Trainee does not open, "
            "fill or post them."
        )


RESOLVE = "payments.resolve_remittance"


def remittance_batch_workable(batch: RemittanceBatch, by: User) -> bool:
    """Whether `by` may add and remove items of, cancel and post `batch`: it is open, and they
    opened it or are a Supervisor (payments.resolve_remittance)."""
    return batch.status == RemittanceBatch.Status.OPEN and (
        batch.opened_by_id == by.pk or by.has_perm(RESOLVE)
    )


def _owner_checked(batch: RemittanceBatch, by: User) -> None:
    """A Clerk adds and removes items of, cancels and posts only a batch they opened; a
    Supervisor (payments.resolve_remittance) works any open batch."""
    if remittance_batch_workable(batch, by):
        return
    opener = batch.opened_by
    who = opener.get_full_name() or opener.get_username()
    raise RemittanceError(
        f"Batch {batch.number} was opened by {who}: only {who} or a Supervisor may change, "
        "cancel or post it. Nothing was saved."
    )


# How far back a postmark may be: a year's mail (a leap year's 366 days); older is a slip.
POSTMARK_DAYS_BACK = 366


def postmark_checked(postmark: date | None, entered: date) -> None:
    """A postmark after the day the check is entered, or more than a year before it, is a
    typing slip: refused (RemittanceError naming the dates)."""
    if postmark is None:
        return
    earliest = entered - timedelta(days=POSTMARK_DAYS_BACK)
    if postmark > entered or postmark < earliest:
        raise RemittanceError(
            f"The postmark {date_format(postmark, 'SHORT_DATE_FORMAT')} is not between "
            f"{date_format(earliest, 'SHORT_DATE_FORMAT')} and "
            f"{date_format(entered, 'SHORT_DATE_FORMAT')}, the day it is entered: check the date."
        )


# Checks


def _bill_refs(texts: Sequence[str]) -> tuple[list[int | None], list[str | None], list[str]]:
    """Per text: the bill id a scanline names, or the bill number typed, and a scanline error."""
    ids: list[int | None] = []
    numbers: list[str | None] = []
    errors: list[str] = []
    scheme = configured_scheme()
    for text in texts:
        cleaned = text.strip()
        if looks_like_scanline(cleaned):
            try:
                ids.append(scanline_parse(cleaned, scheme=scheme).reference)
                errors.append("")
            except ScanlineError as exc:
                ids.append(None)
                errors.append(str(exc))
            numbers.append(None)
        else:
            ids.append(None)
            numbers.append(cleaned)
            errors.append("")
    return ids, numbers, errors


# The items' bills with their customers' names, by id or by number, in id order (locked when
# posting), with the penalty events assessed on each, whether it was ever in a payment plan and
# whether it is in an active one: written by hand, as a batch reads thousands (the ORM spent
# more time building the rows and the IN lists than PostgreSQL finding them).
_BILLS_SQL = (
    f"SELECT {_select_list(Bill, 'b')}, c.name, c.checks_refused,"  # noqa: S608
    f" ARRAY(SELECT a.rule_id FROM {PenaltyAssessment._meta.db_table} a WHERE a.bill_id = b.id),"
    f" EXISTS(SELECT 1 FROM {PlanBill._meta.db_table} p WHERE p.bill_id = b.id),"
    f" EXISTS(SELECT 1 FROM {PlanBill._meta.db_table} p"
    f" JOIN {PaymentPlan._meta.db_table} pl ON pl.id = p.plan_id"
    "  WHERE p.bill_id = b.id AND pl.status = %s)"
    f" FROM {Bill._meta.db_table} b JOIN {Customer._meta.db_table} c ON c.id = b.customer_id"
    " WHERE b.id = ANY(%s) OR b.number = ANY(%s) ORDER BY b.id"
)


@dataclass(frozen=True)
class _BillsFound:
    """The bills the items name (by id, by upper-case number), the penalty rules assessed on
    each, the ids of those ever in a payment plan and of those in an active one."""

    by_id: dict[int, Bill]
    by_number: dict[str, Bill]
    assessed: dict[int, frozenset[int]]
    ever_in_plan: set[int]
    in_active_plan: set[int]
    checks_refused: set[int]  # the ids of the customers who pay no more by check


def _bills_found(
    ids: Sequence[int | None], numbers: Sequence[str | None], *, lock: bool
) -> _BillsFound:
    """The bills the items name, by id and by number, in one query (locked in id order when
    posting), each with `customer_name` and its receivable account."""
    wanted_ids = sorted({i for i in ids if i is not None})
    # A number as typed, upper- and lower-cased: found by the index whichever case the bill
    # was issued with (bill_issue keeps it as given; the importers upper-case theirs).
    wanted_numbers = sorted({v for n in numbers if n for v in (n, n.upper(), n.lower())})
    with connection.cursor() as cursor:
        sql = _BILLS_SQL + (" FOR UPDATE OF b" if lock else "")
        cursor.execute(sql, [PaymentPlan.Status.ACTIVE, wanted_ids, wanted_numbers])
        rows = cursor.fetchall()
    # A handful of receivable accounts for thousands of bills: loaded once, not joined per row.
    accounts = Account.objects.in_bulk({row[_RECEIVABLE_AT] for row in rows})
    found = _BillsFound({}, {}, {}, set(), set(), set())
    for row in rows:
        bill, at = _from_row(Bill, row, 0)
        name, checks_refused, rules, ever_in_plan, in_active_plan = row[at : at + 5]
        bill.customer_name = name  # type: ignore[attr-defined]
        bill.receivable_account = accounts[bill.receivable_account_id]
        found.by_id[bill.pk] = bill
        found.by_number[bill.number.upper()] = bill
        if checks_refused:
            found.checks_refused.add(bill.customer_id)
        if rules:
            found.assessed[bill.pk] = frozenset(rules)
        if ever_in_plan:
            found.ever_in_plan.add(bill.pk)
        if in_active_plan:
            found.in_active_plan.add(bill.pk)
    return found


_RECEIVABLE_AT = [f.attname for f in Bill._meta.concrete_fields].index("receivable_account_id")


def items_checked(
    items: Sequence[ItemIn], *, lock: bool = False, tender_kind: str = TenderKind.CHECK
) -> list[ItemVerdict]:
    """The checks every item goes through, set-based: one query for the bills, one
    with_amounts_due per distinct date (postmark rule: what a bill owes is judged as of the
    item's date, RPTL §925), one for the flagged check writers, one for payment plans, one
    for cancelled bills, one for the policies and one for boot-eligible vehicles. Exceptions:
    unknown bill, bill paid or cancelled, in a payment plan, flagged writer, the same bill
    twice, an amount the bill's policy does not take, a `tender_kind` (check: mail, lockbox;
    card: vendor) the policy does not take, a boot-eligible vehicle's ticket (cash only)."""
    ids, numbers, errors = _bill_refs([i.scanline for i in items])
    found = _bills_found(ids, numbers, lock=lock)
    bills = [
        found.by_id.get(i) if i is not None else found.by_number.get((n or "").upper())
        for i, n in zip(ids, numbers, strict=True)
    ]
    owed = _owed_by_date(items, bills, found)
    in_plan = found.in_active_plan
    paid_off = {b.pk for b in bills if b is not None and b.balance == 0}
    cancelled = set(
        BillAdjustment.objects.filter(
            bill_id__in=paid_off, kind=BillAdjustment.Kind.CANCEL
        ).values_list("bill_id", flat=True)
    )
    keys = {check_writer_key(i.check_payer) for i in items if i.check_payer.strip()}
    flagged = set(
        CheckWriterFlag.objects.filter(name_key__in=keys).values_list("name_key", flat=True)
    )
    # A customer who had a check returned pays no more by check (the counter's rule), whatever
    # name signs it, and a mail batch's payer is optional.
    refused = found.checks_refused if tender_kind == TenderKind.CHECK else set()
    policies = {p.applies_to: p for p in PaymentPolicy.objects.all()}
    seen: set[int] = set()
    verdicts = []
    booted = _boot_eligible(bills, policies)
    for item, bill, error in zip(items, bills, errors, strict=True):
        verdict = _verdict(item, bill, error, owed, seen, in_plan, cancelled, flagged, policies)
        if bill is not None and verdict.state == "clean" and bill.customer_id in refused:
            verdict = ItemVerdict(
                bill,
                RemittanceItem.State.EXCEPTION,
                RemittanceItem.Reason.FLAGGED_WRITER,
                f"Bill {bill.number}'s customer had a check returned: no checks from them.",
                verdict.owed,
                verdict.due,
            )
        verdicts.append(_policy_checked(verdict, policies, tender_kind, booted))
    return verdicts


def _boot_eligible(bills: Sequence[Bill | None], policies: dict) -> set[int]:
    """The boot-eligible vehicles among those of the bills whose policy pays them in cash only
    then (the counter's rule, payments.services.posting): one query, none when no such bill."""
    vehicle_ids = {
        b.vehicle_id
        for b in bills
        if b is not None
        and b.vehicle_id
        and getattr(policies.get(b.bill_type), "cash_only_when_boot_eligible", False)
    }
    return boot_eligible_vehicle_ids(vehicle_ids) if vehicle_ids else set()


def _policy_checked(
    verdict: ItemVerdict, policies: dict, tender_kind: str, booted: set[int]
) -> ItemVerdict:
    """A clean item (or one whose amount differs) of a bill whose PaymentPolicy does not take
    a check (mail, lockbox) or a card (vendor), or of a boot-eligible vehicle's ticket (cash
    only at the window), becomes an exception saying so."""
    bill = verdict.bill
    policy = policies.get(bill.bill_type) if bill is not None else None
    if bill is None or policy is None:
        return verdict
    if verdict.reason not in ("", RemittanceItem.Reason.AMOUNT_DIFFERS):
        return verdict
    reasons = RemittanceItem.Reason
    if policy.cash_only_when_boot_eligible and bill.vehicle_id in booted:
        reason = reasons.CASH_ONLY
        message = (
            f"Ticket {bill.number}'s vehicle is boot-eligible: cash only at the window. "
            "Return the payment to the sender."
        )
    elif not policy.accepts(tender_kind):
        reason = reasons.TENDER_REFUSED
        what = "checks" if tender_kind == TenderKind.CHECK else "card payments"
        message = (
            f"{policy} take no {what} (payment policy): bill {bill.number} is not paid "
            "this way; return the payment or apply it once a Supervisor agrees."
        )
    else:
        return verdict
    return ItemVerdict(
        bill, RemittanceItem.State.EXCEPTION, reason, message, verdict.owed, verdict.due
    )


def _owed_by_date(
    items: Sequence[ItemIn], bills: Sequence[Bill | None], found: _BillsFound
) -> dict[tuple[int, date], AmountDue]:
    """What each bill owes as of each item's date (bill id, date) -> AmountDue."""
    reference = reference_data()
    by_date: dict[date, dict[int, Bill]] = defaultdict(dict)
    for item, bill in zip(items, bills, strict=True):
        if bill is not None:
            by_date[item.as_of][bill.pk] = bill
    owed: dict[tuple[int, date], AmountDue] = {}
    for as_of, group in by_date.items():
        for row in with_amounts_due(
            group.values(),
            as_of,
            assessed=found.assessed,
            # plan facts are read only when some bill was ever in a plan (as at the counter)
            in_plans=None if found.ever_in_plan & group.keys() else {},
            reference=reference,
        ):
            owed[(row.bill.pk, as_of)] = row.due
    return owed


def _verdict(item, bill, error, owed, seen, in_plan, cancelled, flagged, policies) -> ItemVerdict:
    exception = RemittanceItem.State.EXCEPTION
    reasons = RemittanceItem.Reason
    if bill is None:
        message = error or f"{item.scanline.strip()!r} is no bill of ours."
        return ItemVerdict(None, exception, reasons.UNKNOWN_BILL, message)
    due = owed[(bill.pk, item.as_of)]
    total = due.total  # type: ignore[attr-defined]
    if bill.pk in seen:
        return ItemVerdict(
            bill,
            exception,
            reasons.DUPLICATE,
            f"Bill {bill.number} is paid twice in this batch.",
            total,
            due,
        )
    seen.add(bill.pk)
    if bill.pk in cancelled:
        return ItemVerdict(
            bill, exception, reasons.CLOSED_BILL, f"Bill {bill.number} was cancelled.", total, due
        )
    if item.postmarked and item.as_of < bill.issue_date:
        # Likely the wrong stub in the envelope, or a mistyped postmark: a Supervisor decides.
        message = (
            f"Postmarked {date_format(item.as_of, 'SHORT_DATE_FORMAT')}, before bill "
            f"{bill.number} was issued ({date_format(bill.issue_date, 'SHORT_DATE_FORMAT')})."
        )
        return ItemVerdict(bill, exception, reasons.POSTMARK_BEFORE_BILL, message, total, due)
    if total == 0:
        return ItemVerdict(
            bill,
            exception,
            reasons.BILL_PAID,
            f"Bill {bill.number} owes nothing: it was paid already.",
            total,
            due,
        )
    if bill.pk in in_plan:
        return ItemVerdict(
            bill,
            exception,
            reasons.IN_PLAN,
            f"Bill {bill.number} is in a payment plan: apply it to the plan.",
            total,
            due,
        )
    if item.check_payer.strip() and check_writer_key(item.check_payer) in flagged:
        return ItemVerdict(
            bill,
            exception,
            reasons.FLAGGED_WRITER,
            f"A check from {item.check_payer.strip()} was returned before: no checks from "
            "that name.",
            total,
            due,
        )
    policy = policies.get(bill.bill_type)
    short = item.amount < total and policy is not None and not policy.partial_allowed
    over = item.amount > total and (policy is None or not policy.overpayment_allowed)
    if short or over:
        message = (
            f"{format_money(item.amount)} received; bill {bill.number} owed {format_money(total)}."
        )
        return ItemVerdict(bill, exception, reasons.AMOUNT_DIFFERS, message, total, due)
    return ItemVerdict(bill, RemittanceItem.State.CLEAN, owed=total, due=due)


# Batches and items


def _workstation(office: Office) -> Workstation:
    """The office's "Remittance" workstation, where every batch's drawer is (made on demand).
    Inactive, so that the counter never offers it as a window to open a drawer at."""
    workstation, _ = Workstation.objects.get_or_create(
        office=office, name=REMITTANCE_WORKSTATION, defaults={"is_active": False}
    )
    return workstation


def _batch_created(
    *,
    office: Office,
    kind: str,
    by: User,
    token: uuid.UUID,
    control_total: Decimal,
    control_count: int,
    source: RemittanceSource | None = None,
    **file_fields,
) -> RemittanceBatch:
    today = timezone.localdate()
    # Closed from the start: it only groups the batch's receipts and never holds money (the
    # checks go to the safe, a file's money is at the bank), so no counter page, close or day
    # check that looks for open drawers ever finds it, and no line may name it.
    drawer = Drawer.objects.create(
        kind=Drawer.Kind.REMITTANCE,
        clerk=by,
        workstation=_workstation(office),
        office=office,
        opening_float=ZERO,
        opened_on=today,
        status=Drawer.Status.CLOSED,
        closed_at=timezone.now(),
    )
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence('payments_remittancebatch', 'id'))")
        pk = cursor.fetchone()[0]
    return RemittanceBatch.objects.create(
        pk=pk,
        number=f"RB-{today.year}-{pk:06d}",
        kind=kind,
        office=office,
        drawer=drawer,
        source=source,
        opened_by=by,
        business_date=today,
        control_total=control_total,
        control_count=control_count,
        token=token,
        **file_fields,
    )


def remittance_batch_open(
    *,
    office: Office,
    kind: str = RemittanceBatch.Kind.MAIL,
    control_total: Decimal,
    control_count: int,
    by: User,
    token: uuid.UUID,
) -> RemittanceBatch:
    """Open a mail batch with its control total (the adding-machine tape of the checks, dollars)
    and count, with a drawer of its own (kind remittance, no float, closed from the start: it
    groups the batch's receipts and holds no money) at the office's "Remittance" workstation.
    Idempotent on `token`. Raises RemittanceError (a Trainee, bad totals; files are opened by
    remittance_file_import)."""
    _permission_checked(by)
    if kind != RemittanceBatch.Kind.MAIL:
        raise RemittanceError("Lockbox and vendor batches come from their files: import the file.")
    total = _amount(control_total, "The control total")
    if not isinstance(control_count, int) or control_count < 1 or control_count > 100_000:
        raise RemittanceError("The control count is the number of checks, 1 or more.")
    earlier = RemittanceBatch.objects.filter(token=token).first()
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            return _batch_created(
                office=office,
                kind=kind,
                by=by,
                token=token,
                control_total=total,
                control_count=control_count,
            )
    except IntegrityError:
        earlier = RemittanceBatch.objects.filter(token=token).first()
        if earlier is None:
            raise
        return earlier


def _open_batch_locked(batch: RemittanceBatch) -> RemittanceBatch:
    locked = RemittanceBatch.objects.select_for_update().get(pk=batch.pk)
    if locked.status != RemittanceBatch.Status.OPEN:
        raise RemittanceError(
            f"Batch {locked.number} is {locked.get_status_display().lower()}: it takes no change."
        )
    return locked


def _item_as_of(batch: RemittanceBatch, postmark: date | None, paid_on: date | None = None) -> date:
    """The day what a bill owes is judged on: the postmark (mail; lockbox when the bank keys it;
    RPTL §925), the vendor's payment date, else the day the batch was received."""
    return paid_on or postmark or batch.business_date


def remittance_item_add(
    *,
    batch: RemittanceBatch,
    scanline: str,
    amount: Decimal,
    check_number: str = "",
    check_payer: str = "",
    postmark: date | None,
    by: User,
    token: uuid.UUID,
) -> RemittanceItem:
    """Add one check with its stub to an open mail batch: `scanline` is the stub's scanned
    scanline or a typed bill number; `amount` the check's amount (dollars, > 0). Runs the checks
    (items_checked) and stores the item clean or as an exception with its reason. Idempotent on
    `token`. Raises RemittanceError for bad input (nothing is saved)."""
    _permission_checked(by)
    money = _amount(amount, "The check's amount")
    text, number = _keyed_checked(scanline, check_number, check_payer)
    postmark_checked(postmark, timezone.localdate())
    earlier = RemittanceItem.objects.filter(token=token).first()
    if earlier is not None:
        return earlier
    with transaction.atomic():
        locked = _open_batch_locked(batch)
        # A double Enter's second request waited for the batch's lock: the first one's item.
        earlier = RemittanceItem.objects.filter(token=token).first()
        if earlier is not None:
            return earlier
        if locked.kind != RemittanceBatch.Kind.MAIL:
            raise RemittanceError("Only a mail batch takes items one by one.")
        _owner_checked(locked, by)
        entered = ItemIn(
            text, money, _item_as_of(locked, postmark), check_payer, postmarked=bool(postmark)
        )
        verdict = _duplicate_in_batch(locked, items_checked([entered])[0])
        last = locked.items.order_by("-sequence").values_list("sequence", flat=True).first() or 0
        return RemittanceItem.objects.create(
            batch=locked,
            sequence=last + 1,
            scanline_text=text,
            bill=verdict.bill,
            amount=money,
            check_number=number,
            check_payer=check_payer.strip()[:200],
            postmark=postmark,
            state=verdict.state,
            reason=verdict.reason,
            message=verdict.message[:300],
            owed_at_postmark=verdict.owed,
            token=token,
        )


def _keyed_checked(scanline: str, check_number: str, check_payer: str) -> tuple[str, str]:
    """A keyed check's scanline or bill number and its check number, stripped; refused when
    they hold a card number, a NUL, nothing or too much, or a check number not of digits."""
    # A stub's scanline may hold a Luhn-valid run by chance; a valid scanline is no card.
    _no_card_numbers("" if is_valid_scanline(scanline) else scanline, check_number, check_payer)
    if any("\x00" in text for text in (scanline, check_number, check_payer)):
        raise RemittanceError("A NUL character cannot be stored: retype the check's details.")
    text = scanline.strip()
    if not text or len(text) > 60:
        raise RemittanceError("Scan the stub's scanline or type the bill number.")
    number = check_number.strip()
    if not re.fullmatch(r"[0-9]{1,12}", number):  # str.isdigit() takes "١٢" and "²"
        raise RemittanceError("The check number is its digits (up to 12).")
    return text, number


def _duplicate_in_batch(locked: RemittanceBatch, verdict: ItemVerdict) -> ItemVerdict:
    """A clean check for a bill the batch holds already is an exception (paid twice)."""
    bill = verdict.bill
    if (
        bill is None
        or verdict.state != RemittanceItem.State.CLEAN
        or not locked.items.filter(bill__number=bill.number).exists()
    ):
        return verdict
    return ItemVerdict(
        bill,
        RemittanceItem.State.EXCEPTION,
        RemittanceItem.Reason.DUPLICATE,
        f"Bill {bill.number} is already in this batch.",
        verdict.owed,
    )


def remittance_item_remove(*, item: RemittanceItem, by: User) -> None:
    """Take a mistyped item out of its batch while the batch is open."""
    _permission_checked(by)
    with transaction.atomic():
        _owner_checked(_open_batch_locked(item.batch), by)
        RemittanceItem.objects.filter(pk=item.pk).delete()


def remittance_batch_cancel(*, batch: RemittanceBatch, by: User, reason: str) -> RemittanceBatch:
    """Cancel an open batch: nothing was posted. Raises RemittanceError."""
    _permission_checked(by)
    reason = reason.strip()
    if not reason:
        raise RemittanceError("Say why the batch is cancelled.")
    _no_card_numbers(reason)
    with transaction.atomic():
        locked = _open_batch_locked(batch)
        _owner_checked(locked, by)
        locked.status = RemittanceBatch.Status.CANCELLED
        locked.cancelled_reason = reason[:300]
        locked.save(update_fields=["status", "cancelled_reason"])
        return locked


# Posting


def _receipt_block(office: Office, year: int, count: int) -> int:
    """Take `count` receipt numbers at once from the office's live series (the counter's own),
    under the series row lock held to commit; returns the first. Gapless as at the counter."""
    table = ReceiptSeries._meta.db_table
    with connection.cursor() as cursor:
        for _ in range(2):
            cursor.execute(
                f"UPDATE {table} SET last_number = last_number + %s"  # noqa: S608
                " WHERE office_id = %s AND training = false AND year = %s RETURNING last_number",
                [count, office.pk, year],
            )
            row = cursor.fetchone()
            if row is not None:
                return row[0] - count + 1
            cursor.execute(
                f"INSERT INTO {table} (office_id, training, year, last_number)"  # noqa: S608
                " VALUES (%s, false, %s, 0) ON CONFLICT (office_id, training, year) DO NOTHING",
                [office.pk, year],
            )
    raise RuntimeError(f"receipt series of office {office.code} {year} could not be created")


def _customer_name(bill: Bill) -> str:
    return getattr(bill, "customer_name", None) or bill.customer.name


def _tender_of(batch: RemittanceBatch, item: RemittanceItem) -> Tender:
    if batch.kind == RemittanceBatch.Kind.VENDOR:
        return model_new(
            Tender,
            kind=TenderKind.CARD,
            amount=item.amount,
            card_brand=item.card_brand,
            card_last4=item.card_last4,
            terminal_reference=item.reference or batch.number,
        )
    return model_new(
        Tender,
        kind=TenderKind.CHECK,
        amount=item.amount,
        check_number=item.check_number,
        check_payer=item.check_payer,
    )


def _planned_payment(
    batch, item, plan: _Planned, by, today, receipt: tuple[str, int]
) -> PlannedPayment:
    bill = item.bill
    number, sequence = receipt
    payment = model_new(
        Payment,
        drawer_id=batch.drawer_id,
        office_id=batch.office_id,
        training=False,
        receipt_number=number,
        receipt_year=today.year,
        receipt_sequence=sequence,
        customer_id=bill.customer_id,
        payer_name=(item.check_payer or _customer_name(bill))[:200],
        total=item.amount,
        tendered=item.amount,
        change=ZERO,
        posted_by_id=by.pk,
        posted_on=today,
        token=uuid.uuid4(),
        cart_digest=hashlib.sha256(f"{batch.number}:{item.sequence}".encode()).hexdigest(),
    )
    return PlannedPayment(
        payment=payment,
        items=[plan.item],
        tenders=[_tender_of(batch, item)],
        bill_updates=[(bill.pk, plan.bill_update)] if plan.bill_update else [],
        penalty_rules=[(bill.pk, plan.penalty_rules_assessed)],
    )


def _bill_plan(bill: Bill, due: AmountDue, amount: Decimal, accounts) -> _Planned:
    """One bill's part, by the counter's own rule (payments.allocation: penalty -> interest ->
    principal, the rest of an overpayment to the customer's credit). The amount and the
    policy were checked with the item (items_checked), so nothing here refuses it."""
    applied = bill_payment_applied(
        bill, due, amount, accounts, bill_ref=bill.pk, credit_customer_id=bill.customer_id
    )
    item = model_new(PaymentItem, bill_id=bill.pk, **applied.item)
    item._state.fields_cache["bill"] = bill  # the bill as locked, not read again
    return _Planned(
        item=item,
        lines=applied.lines,
        bill_update=applied.bill_update,
        penalty_rules_assessed=due.new_penalty_rules,
    )


def _money_lines(batch: RemittanceBatch, accounts, received: Decimal, held: Decimal) -> list[Line]:
    """Where the batch's money is: the safe (mail), in transit to the bank (lockbox), card
    clearing net of the vendor's fee (vendor); and 2150 for what is held unapplied."""
    memo = f"Remittance batch {batch.number}"
    lines = []
    if batch.kind == RemittanceBatch.Kind.MAIL:
        lines.append(Line(accounts[CHECKS_IN_SAFE], received, memo, office_id=batch.office_id))
    elif batch.kind == RemittanceBatch.Kind.LOCKBOX:
        lines.append(Line(accounts[DEPOSITS_IN_TRANSIT], received, memo, office_id=batch.office_id))
    else:
        lines.append(Line(accounts[CARD_CLEARING], received, memo))
        if batch.fee_total:
            lines += [
                Line(accounts[BANK_FEES], batch.fee_total, f"{memo}: the vendor's fees"),
                Line(accounts[CARD_CLEARING], -batch.fee_total, f"{memo}: the vendor's fees"),
            ]
    if held:
        lines.append(Line(accounts[UNAPPLIED_REMITTANCES], -held, f"{memo}: exceptions held"))
    return lines


def _lines_merged(plans: Sequence[_Planned]) -> list[Line]:
    """The bills' lines as they are (each names its bill or customer), with the penalty and
    interest revenue of the whole batch in one line."""
    merged, revenue, revenue_account = [], ZERO, None
    for plan in plans:
        for line in plan.lines:
            if line.account.code == PENALTY_INTEREST_ACCOUNT_CODE and line.bill_id is None:
                revenue += line.amount
                revenue_account = line.account
            else:
                merged.append(line)
    if revenue:
        merged.append(Line(revenue_account, revenue, "Penalty and interest assessed"))  # type: ignore[arg-type]
    return merged


def _batch_accounts() -> dict[str, Account]:
    remittance_chart_seed()
    return _accounts(
        CHECKS_IN_SAFE,
        DEPOSITS_IN_TRANSIT,
        CARD_CLEARING,
        BANK_FEES,
        CUSTOMER_CREDITS,
        PENALTY_INTEREST_ACCOUNT_CODE,
        UNAPPLIED_REMITTANCES,
    )


def _items_rechecked(batch: RemittanceBatch, items: list[RemittanceItem]) -> list[ItemVerdict]:
    """Every item checked again under the bills' locks (a bill may have been paid at the window
    since it was entered): a clean item that no longer passes becomes an exception."""
    entered = [
        ItemIn(
            i.scanline_text,
            i.amount,
            _item_as_of(batch, i.postmark, i.paid_on),
            i.check_payer,
            postmarked=i.postmark is not None and i.paid_on is None,
        )
        for i in items
    ]
    verdicts = items_checked(entered, lock=True)
    return [_paid_since(i, v) for i, v in zip(items, verdicts, strict=True)]


def _paid_since(item: RemittanceItem, verdict: ItemVerdict) -> ItemVerdict:
    """A check entered clean whose bill owes less now than then (paid at the window since, in
    part) is held: where the policy takes overpayments it would otherwise go, unasked, to the
    customer's credit. (Paid in full, the checks already say "bill paid".)"""
    clean = RemittanceItem.State.CLEAN
    then, now = item.owed_at_postmark, verdict.owed
    if (
        item.state != clean
        or verdict.state != clean
        or then is None
        or now is None
        or now >= then
        or item.amount <= now
    ):
        return verdict
    bill = verdict.bill
    message = (
        f"Bill {bill.number if bill else ''} owes {format_money(now)} now, "  # type: ignore[union-attr]
        f"{format_money(then)} when the check was entered (paid since); "
        f"{format_money(item.amount)} received."
    )
    return ItemVerdict(
        bill,
        RemittanceItem.State.EXCEPTION,
        RemittanceItem.Reason.AMOUNT_DIFFERS,
        message,
        now,
        verdict.due,
    )


def _batch_write(
    batch: RemittanceBatch,
    items: list[RemittanceItem],
    by: User,
    verdicts: list[ItemVerdict] | None = None,
) -> None:
    """Post the clean items as payments and hold the exceptions in 2150, in one entry.
    `verdicts`: the items' checks made under the bills' locks already (a file import)."""
    if verdicts is None:
        verdicts = _items_rechecked(batch, items)
    accounts = _batch_accounts()
    clean = [
        (i, v)
        for i, v in zip(items, verdicts, strict=True)
        if v.state == RemittanceItem.State.CLEAN
    ]
    today = timezone.localdate()
    first = _receipt_block(batch.office, today.year, len(clean)) if clean else 0
    planned, plans = [], []
    for n, (item, verdict) in enumerate(clean):
        assert verdict.bill is not None and verdict.due is not None  # a clean item's are found
        item.bill = verdict.bill
        plan = _bill_plan(verdict.bill, verdict.due, item.amount, accounts)
        plans.append(plan)
        sequence = first + n
        receipt = (f"{batch.office.code}-{today.year}-{sequence:06d}", sequence)
        planned.append(_planned_payment(batch, item, plan, by, today, receipt))
    received = sum((i.amount for i in items), ZERO)
    held = received - sum((i.amount for i, _ in clean), ZERO)
    lines = _money_lines(batch, accounts, received, held) + _lines_merged(plans)
    entry = payments_write(
        planned=planned,
        lines=lines,
        entry_date=today,
        memo=f"Remittance batch {batch.number}: {len(clean)} receipts, {format_money(received)}",
        source=SOURCE,
        by=by,
    )
    _items_settled(items, verdicts, planned)
    batch.entry, batch.status = entry, RemittanceBatch.Status.POSTED
    batch.posted_by, batch.posted_at = by, timezone.now()


def _items_settled(
    items: list[RemittanceItem], verdicts: list[ItemVerdict], planned: list[PlannedPayment]
) -> None:
    """Each item's state, reason, snapshot and payment: new items (a file) are written once
    with them by COPY; items already saved (a mail batch) are set by one UPDATE."""
    payments = iter(planned)
    rows = []
    for item, verdict in zip(items, verdicts, strict=True):
        clean = verdict.state == RemittanceItem.State.CLEAN
        item.payment_id = next(payments).payment.pk if clean else None
        item.state = RemittanceItem.State.APPLIED if clean else RemittanceItem.State.EXCEPTION
        item.reason, item.message, item.owed_at_postmark = (
            verdict.reason,
            verdict.message[:300],
            verdict.owed,
        )
        rows.append(
            (item.pk, item.state, item.reason, item.message, item.owed_at_postmark, item.payment_id)
        )
    if items and items[0].pk is None:
        _items_saved(items)
        return
    columns = list(zip(*rows, strict=True))
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE payments_remittanceitem i SET state = v.state, reason = v.reason, "
            "message = v.message, owed_at_postmark = v.owed, payment_id = v.payment_id "
            "FROM unnest(%s::bigint[], %s::text[], %s::text[], %s::text[], %s::numeric[], "
            "%s::bigint[]) AS v(id, state, reason, message, owed, payment_id) "
            "WHERE i.id = v.id",
            [list(c) for c in columns],
        )


def _post_locked(batch: RemittanceBatch, by: User, token: uuid.UUID | None) -> RemittanceBatch:
    locked = (
        RemittanceBatch.objects.select_for_update(of=("self",))
        .select_related("office", "source")
        .get(pk=batch.pk)
    )
    if (
        locked.status == RemittanceBatch.Status.POSTED
        and token is not None
        and locked.post_token == token
    ):
        return locked
    if locked.status != RemittanceBatch.Status.OPEN:
        raise RemittanceError(
            f"Batch {locked.number} is {locked.get_status_display().lower()} already."
        )
    _owner_checked(locked, by)
    items = list(locked.items.order_by("sequence"))
    totals = _totals_of(locked, items)
    if not totals.agrees:
        raise RemittanceError(totals.disagreement)
    _batch_write(locked, items, by)
    locked.post_token = token
    return _batch_closed(locked, by)


def remittance_batch_post(*, batch: RemittanceBatch, by: User, token: uuid.UUID) -> RemittanceBatch:
    """Post a batch whose items agree with its control total and count: each clean item
    (checked again now, under the bills' locks) becomes a payment with a gapless receipt; the
    exceptions are held in 2150; one ledger entry. Idempotent on `token`.
    Raises RemittanceError (totals differ: by how much; not open)."""
    _permission_checked(by)
    with collector_paused(), database_refusal_explained("batch"), transaction.atomic():
        return _post_locked(batch, by, token)


@dataclass(frozen=True)
class BatchTotals:
    """A batch's items against its control (dollars)."""

    count: int
    total: Decimal
    control_count: int
    control_total: Decimal
    clean_count: int
    clean_total: Decimal
    exception_count: int
    exception_total: Decimal

    @property
    def difference(self) -> Decimal:
        return self.total - self.control_total

    @property
    def agrees(self) -> bool:
        return (
            self.count == self.control_count and self.total == self.control_total and self.count > 0
        )

    @property
    def disagreement(self) -> str:
        parts = []
        if self.total != self.control_total:
            way = "over" if self.difference > 0 else "short of"
            parts.append(
                f"the items add up to {format_money(self.total)}, "
                f"{format_money(abs(self.difference))} {way} the control total "
                f"{format_money(self.control_total)}"
            )
        if self.count != self.control_count:
            parts.append(
                f"there are {self.count} items for a control count of {self.control_count}"
            )
        if not parts:
            return "The batch has no items."
        return (
            "The batch does not agree with its control: "
            + "; ".join(parts)
            + ". Find the missing or mistyped check first."
        )


def _totals_of(batch: RemittanceBatch, items: Sequence[RemittanceItem]) -> BatchTotals:
    clean = [i.amount for i in items if i.state == RemittanceItem.State.CLEAN]
    other = [i.amount for i in items if i.state != RemittanceItem.State.CLEAN]
    return BatchTotals(
        count=len(items),
        total=sum((i.amount for i in items), ZERO),
        control_count=batch.control_count,
        control_total=batch.control_total,
        clean_count=len(clean),
        clean_total=sum(clean, ZERO),
        exception_count=len(other),
        exception_total=sum(other, ZERO),
    )


# Files


def _items_of_file(
    batch: RemittanceBatch,
    rows: Sequence[FileRow],
    verdicts: Sequence[ItemVerdict],
    progress: Progress | None,
) -> list[RemittanceItem]:
    items = []
    for n, (row, verdict) in enumerate(zip(rows, verdicts, strict=True), start=1):
        if progress is not None and n % PROGRESS_EVERY == 0:
            progress(n, len(rows))
        items.append(
            model_new(
                RemittanceItem,
                batch_id=batch.pk,
                sequence=n,
                scanline_text=row.scanline,
                bill_id=verdict.bill.pk if verdict.bill else None,
                amount=row.amount,
                check_number=row.check_number,
                check_payer=row.check_payer[:200],
                postmark=row.postmark,
                paid_on=row.paid_on,
                card_brand=row.card_brand,
                card_last4=row.card_last4,
                reference=row.reference,
                fee=row.fee,
                state=verdict.state,
                reason=verdict.reason,
                message=verdict.message[:300],
                owed_at_postmark=verdict.owed,
            )
        )
    return items


def _file_seen(source: RemittanceSource, *digests: str) -> None:
    earlier = RemittanceBatch.objects.filter(source=source, file_sha256__in=digests).first()
    if earlier is not None:
        raise RemittanceFileSeen(
            f"This file was imported already as batch {earlier.number} "
            f"({earlier.get_status_display().lower()}); nothing was posted again.",
            batch=earlier,
        )


def _file_tender(source: RemittanceSource) -> str:
    """What a source's items are paid with: a vendor's by card, a lockbox's by check."""
    return TenderKind.CARD if source.kind == RemittanceSource.Kind.VENDOR else TenderKind.CHECK


def remittance_file_import(
    *,
    source: RemittanceSource,
    file_name: str,
    content: bytes,
    by: User,
    progress: Progress | None = None,
) -> RemittanceBatch:
    """Import a lockbox or vendor file and post it, all or nothing, in one transaction: parse
    with the source's layout (remittance_files; the trailer's totals must match the rows), check
    every row set-based under the bills' locks (the file's receipt date, or the item's postmark
    or payment date, decides what is owed), create the batch and its items and post it (the
    file is the control). `progress(done, total)` is called every 1,000 rows.

    Raises RemittanceFileError (a malformed row: its number and column), RemittanceFileSeen
    (the same bytes imported before for this source: which batch), RemittanceError."""
    _permission_checked(by)
    if not source.is_active:
        raise RemittanceError(f"{source.name} is not active; an Admin turns it back on.")
    file_size_checked(len(content))
    # Batches imported before the digest was made uniform hold their bytes' digest.
    digest = remittance_file_digest(content)
    _file_seen(source, digest, hashlib.sha256(content).hexdigest())
    with collector_paused():
        return _file_posted(source, file_name, content, digest, by, progress)


def _file_posted(
    source: RemittanceSource,
    file_name: str,
    content: bytes,
    digest: str,
    by: User,
    progress: Progress | None,
) -> RemittanceBatch:
    parsed = remittance_file_parse(source, content)
    if not parsed.rows:
        raise RemittanceError("The file has no payments.")
    total = len(parsed.rows)
    # The same file sent twice at once: the second one's batch row waits for the first's
    # commit, then breaks the once-per-source key; it is told which batch holds the file.
    with database_refusal_explained("file"):
        try:
            with transaction.atomic():
                batch = _batch_created(
                    office=source.office,
                    kind=RemittanceBatch.Kind(source.kind),
                    by=by,
                    token=uuid.uuid4(),
                    control_total=parsed.deposit_total,
                    control_count=parsed.count,
                    source=source,
                    file_name=file_name[:200],
                    file_sha256=digest,
                    deposit_date=parsed.deposit_date,
                    deposit_total=parsed.deposit_total,
                    fee_total=parsed.fee_total,
                )
                received = parsed.deposit_date or batch.business_date
                entered = [
                    ItemIn(
                        r.scanline,
                        r.amount,
                        r.paid_on or r.postmark or received,
                        r.check_payer,
                        postmarked=r.paid_on is None and r.postmark is not None,
                    )
                    for r in parsed.rows
                ]
                verdicts = items_checked(entered, lock=True, tender_kind=_file_tender(source))
                items = _items_of_file(batch, parsed.rows, verdicts, progress)
                _batch_write(batch, items, by, verdicts)
                _progress(progress, total, total)
                return _batch_closed(batch, by)
        except IntegrityError as exc:
            if "remittance_file_once_per_source" in str(exc):
                _file_seen(source, digest)
            raise


def _progress(progress: Progress | None, done: int, total: int) -> None:
    if progress is not None:
        progress(done, total)


def _items_saved(items: list[RemittanceItem]) -> None:
    """A file's items written at once (nothing refers to them by id in this transaction)."""
    rows_write(RemittanceItem, items, ids=False)


def _batch_closed(batch: RemittanceBatch, by: User) -> RemittanceBatch:
    batch.save(update_fields=["status", "entry", "posted_by", "posted_at", "post_token"])
    return batch


# Exceptions


class Resolution:
    APPLY = "apply"
    APPLY_PARTIAL = "apply_partial"
    HOLD = "hold"
    RETURN = "return"
    ALL = (APPLY, APPLY_PARTIAL, HOLD, RETURN)


def _resolution_payment(
    item: RemittanceItem, amount_to_bill: Decimal | None, by: User
) -> tuple[PlannedPayment, list[Line]]:
    """A payment of the item's bill out of the money held in 2150, by the counter's rules as of
    the item's date: all of it (`amount_to_bill` None: what the bill does not owe goes to the
    customer's credit), or `amount_to_bill` and the rest of the item to the credit."""
    batch = item.batch
    bill = (
        Bill.objects.select_for_update(of=("self",))
        .select_related("receivable_account", "customer")
        .get(pk=item.bill_id or 0)
    )
    due = with_amounts_due([bill], _item_as_of(batch, item.postmark, item.paid_on))[0].due
    if due.total == 0:
        raise RemittanceError(f"Bill {bill.number} owes nothing now: hold the money or return it.")
    if amount_to_bill is not None and amount_to_bill > due.total:
        raise RemittanceError(
            f"Bill {bill.number} owes {format_money(due.total)}: apply that much at most "
            "(Apply puts what it does not owe on the customer's credit)."
        )
    accounts = _batch_accounts()
    plan = _bill_plan(bill, due, amount_to_bill or item.amount, accounts)
    rest = item.amount - plan.item.amount
    if rest:
        plan.item.amount += rest
        plan.item.credit += rest
        plan.lines.append(
            Line(
                accounts[CUSTOMER_CREDITS],
                -rest,
                f"Remittance {batch.number} #{item.sequence}: to the customer's credit",
                customer_id=bill.customer_id,
            )
        )
    today = timezone.localdate()
    sequence = _receipt_block(batch.office, today.year, 1)
    item.bill = bill
    planned = _planned_payment(
        batch, item, plan, by, today, (f"{batch.office.code}-{today.year}-{sequence:06d}", sequence)
    )
    lines = [
        Line(
            accounts[UNAPPLIED_REMITTANCES],
            item.amount,
            f"Remittance {batch.number} #{item.sequence} applied",
        ),
        *plan.lines,
    ]
    return planned, lines


def _returned_lines(item: RemittanceItem) -> list[Line]:
    """A check sent back: out of the safe (mail), or a refund owed out of the source's bank."""
    batch = item.batch
    accounts = _batch_accounts()
    memo = f"Remittance {batch.number} #{item.sequence} returned to the sender"
    if batch.kind == RemittanceBatch.Kind.MAIL:
        where = Line(accounts[CHECKS_IN_SAFE], -item.amount, memo, office_id=batch.office_id)
    else:
        where = Line(batch.source.bank_account, -item.amount, memo)  # type: ignore[union-attr]
    return [Line(accounts[UNAPPLIED_REMITTANCES], item.amount, memo), where]


def _resolve_locked(
    item: RemittanceItem, action: str, amount: Decimal | None, note: str, by: User, token: uuid.UUID
) -> RemittanceItem:
    locked = (
        RemittanceItem.objects.select_for_update(of=("self",))
        .select_related("batch", "batch__office", "batch__source")
        .get(pk=item.pk)
    )
    if locked.resolve_token == token:
        return locked
    _resolvable_checked(locked, action)
    entry = None
    if action in (Resolution.APPLY, Resolution.APPLY_PARTIAL):
        entry = _exception_applied(locked, action, amount, by)
    elif action == Resolution.RETURN:
        entry = post(
            entry_date=timezone.localdate(),
            memo=f"Remittance {locked.batch.number} #{locked.sequence} returned: {note}"[:255],
            source=RESOLUTION_SOURCE,
            by=by,
            lines=_returned_lines(locked),
        )
        locked.state = RemittanceItem.State.RETURNED
    else:
        locked.state = RemittanceItem.State.HELD
    locked.resolution_entry = entry
    locked.resolved_by, locked.resolved_at = by, timezone.now()
    locked.resolution_note, locked.resolve_token = note[:300], token
    locked.save(
        update_fields=[
            "state",
            "payment",
            "applied_amount",
            "resolution_entry",
            "resolved_by",
            "resolved_at",
            "resolution_note",
            "resolve_token",
        ]
    )
    return locked


def _resolvable_checked(locked: RemittanceItem, action: str) -> None:
    """An exception or held item of a posted batch; applied only when it names a bill."""
    if locked.state not in (RemittanceItem.State.EXCEPTION, RemittanceItem.State.HELD):
        raise RemittanceError(
            f"Item {locked.sequence} of batch {locked.batch.number} is "
            f"{locked.get_state_display().lower()}: nothing to resolve."
        )
    if locked.batch.status != RemittanceBatch.Status.POSTED:
        raise RemittanceError("Exceptions are resolved once their batch is posted.")
    if action in (Resolution.APPLY, Resolution.APPLY_PARTIAL) and locked.bill_id is None:
        raise RemittanceError(
            "This item names no bill of ours: hold it or return it to the sender."
        )


def _exception_applied(
    locked: RemittanceItem, action: str, amount: Decimal | None, by: User
) -> JournalEntry:
    """Apply a held or exception item to its bill (all of it, or `amount` of it with the
    rest to the customer's credit): a receipt of its own, posted from 2150. Sets the item's
    payment, applied amount and state; gives the entry."""
    to_bill = None if action == Resolution.APPLY else _amount(amount, "The amount to apply")
    if to_bill is not None and to_bill >= locked.amount:
        raise RemittanceError(
            f"A partial application is less than the {format_money(locked.amount)} "
            "received; to apply all of it, choose Apply."
        )
    planned, lines = _resolution_payment(locked, to_bill, by)
    entry = payments_write(
        planned=[planned],
        lines=lines,
        entry_date=timezone.localdate(),
        memo=f"Remittance {locked.batch.number} #{locked.sequence} applied: receipt "
        f"{planned.payment.receipt_number}",
        source=RESOLUTION_SOURCE,
        by=by,
    )
    locked.payment = planned.payment
    locked.applied_amount = planned.items[0].paid_to_bill
    locked.state = RemittanceItem.State.APPLIED
    return entry


def remittance_exception_resolve(
    *,
    item: RemittanceItem,
    action: str,
    amount: Decimal | None,
    note: str,
    by: User,
    token: uuid.UUID,
) -> RemittanceItem:
    """A Supervisor resolves an exception (or a held item) of a posted batch:

    - apply: a payment of its bill out of the money held (Dr 2150; Cr receivable, penalty and
      interest as of the item's postmark, by the counter's rules); what the bill does not owe
      goes to the customer's credit (Cr 2100);
    - apply_partial: `amount` (dollars) to the bill, the rest of the item to the customer's
      credit (we keep the money on account rather than send part of a check back);
    - hold: it stays in 2150 with the note;
    - return: the check goes back to its sender: mail, out of the safe (Dr 2150, Cr 1036);
      lockbox and vendor, a refund owed out of the source's bank account (Dr 2150, Cr bank),
      paid by the city's check or the vendor's reversal.

    Idempotent on `token`. Raises RemittanceError (not a Supervisor, nothing to resolve, no
    bill, an amount out of range)."""
    _permission_checked(by, "payments.resolve_remittance")
    if action not in Resolution.ALL:
        raise RemittanceError("Choose apply, apply partially, hold or return.")
    note = note.strip()
    _no_card_numbers(note)
    if not note and action != Resolution.APPLY:
        raise RemittanceError("Add a note saying why (it is printed on the letter for a return).")
    with database_refusal_explained("resolution"), transaction.atomic():
        return _resolve_locked(item, action, amount, note, by, token)


def remittance_return_letter_context(item: RemittanceItem) -> dict:
    """What the letter sending a check back says (the UI renders templates/pdf/): the sender,
    the check, the bill it named, why, and the office."""
    batch = item.batch
    office = batch.office
    reason = item.get_reason_display() if item.reason else ""
    return {
        "office": office,
        "batch": batch,
        "item": item,
        "sender": item.check_payer or (item.bill.customer.name if item.bill else ""),
        "address": item.bill.customer.mailing_address
        if item.bill and hasattr(item.bill.customer, "mailing_address")
        else "",
        "check_number": item.check_number,
        "amount": item.amount,
        "bill": item.bill,
        "reason": reason,
        "explanation": item.resolution_note or item.message,
        "returned_on": (item.resolved_at or timezone.now()).date(),
    }


__all__ = [
    "BatchTotals",
    "PaymentError",
    "Resolution",
    "remittance_batch_cancel",
    "remittance_batch_open",
    "remittance_batch_post",
    "remittance_exception_resolve",
    "remittance_file_import",
    "remittance_item_add",
    "remittance_item_remove",
    "remittance_return_letter_context",
]


def remittance_sources_seed(*, office: Office) -> list[RemittanceSource]:
    """The demo city's two sources in the documented default layouts: the lockbox at the city's
    bank and the online payment vendor, both settling into the operating account (1100)."""
    remittance_chart_seed()
    bank = Account.objects.get(code="1100")
    return [
        RemittanceSource.objects.get_or_create(
            name=name, defaults={"kind": kind, "bank_account": bank, "office": office}
        )[0]
        for name, kind in (
            ("Tompkins Trust lockbox", RemittanceSource.Kind.LOCKBOX),
            ("PayCity online payments", RemittanceSource.Kind.VENDOR),
        )
    ]
