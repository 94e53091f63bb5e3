"""Every write at the counter: drawers, cash drops, payments, voids, refunds, returned checks,
approvals and reviews. Each is one transaction and posts through `ledger.services.post`."""

import hashlib
import json
import re
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import User
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from billing.models import Bill, ChargeType, Customer, FeeType
from billing.penalties import add_months
from billing.selectors import PLATE_RE, boot_eligible_vehicle_ids, fee_price, with_amounts_due
from billing.services import (
    PENALTY_INTEREST_ACCOUNT_CODE,
    Charge,
    invoice_create,
)
from ledger.cards import contains_card_number
from ledger.errors import AlreadyReversed
from ledger.models import Account, Book
from ledger.money import MAX_AMOUNT, ZERO, format_money, is_whole_cents
from ledger.services import Line, entry_reverse, post
from payments.errors import (
    ApprovalRequired,
    BillChanged,
    DrawerError,
    NoOpenDrawer,
    NotReversible,
    PaymentError,
    PolicyRefused,
    TokenReused,
)
from payments.models import (
    DENOMINATIONS,
    ApprovalRequest,
    CashMovement,
    DenominationCount,
    Drawer,
    Office,
    Payment,
    PaymentItem,
    PaymentPolicy,
    PaymentReversal,
    ReceiptSeries,
    StockCount,
    Tender,
    TenderKind,
    Workstation,
)
from payments.selectors import drawer_cash_expected, stock_available


class PaymentSource:
    """`JournalEntry.source` of the counter's entries."""

    DRAWER_OPEN = "drawer_open"
    CASH_DROP = "cash_drop"
    CASH_PICKUP = "cash_pickup"
    PAYMENT = "payment"
    REFUND = "payment_refund"
    RETURNED_CHECK = "returned_check"


CASH_IN_DRAWER = "1000"
CHECKS_IN_DRAWER = "1010"
CARD_CLEARING = "1020"
CHANGE_FUND = "1030"
BANK = "1100"
CUSTOMER_CREDITS = "2100"
TENDER_ACCOUNTS = {
    TenderKind.CASH: CASH_IN_DRAWER,
    TenderKind.CHECK: CHECKS_IN_DRAWER,
    TenderKind.CARD: CARD_CLEARING,
}
MAX_QUANTITY = 1000
# Change above the largest note means the cash tendered was mistyped ($4,000 for $40.00).
MAX_CHANGE = Decimal("100.00")


def _accounts(*codes: str) -> dict[str, Account]:
    return {a.code: a for a in Account.objects.filter(code__in=codes)}


def _money(value, what: str) -> Decimal:
    """A positive amount of whole cents that the books can hold, or a clear error."""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise PaymentError(f"{what}: {value!r} is not an amount of money.") from None
    if not amount.is_finite():
        raise PaymentError(f"{what}: {value!r} is not an amount of money.")
    if amount <= 0:
        raise PaymentError(f"{what} must be more than $0.00.")
    if not is_whole_cents(amount):
        raise PaymentError(f"{what}: {amount} is not a whole number of cents.")
    if amount > MAX_AMOUNT:
        raise PaymentError(f"{what}: {format_money(amount)} is more than the books can hold.")
    return amount.quantize(Decimal("0.01"))


def refuse_card_numbers(text: str) -> None:
    """A full card number is never taken, in any field (the forms say so first)."""
    if contains_card_number(text):
        raise PaymentError(
            "That looks like a full card number: never type one. The terminal charges the card; "
            "record only its brand and last four digits."
        )


def _is_approver(user: User | None) -> bool:
    return user is not None and user.is_active and user.has_perm("payments.approve_payment")


def _is_trainee(user: User) -> bool:
    """Trainees take payments under supervision: they lack `work_unsupervised`. A permission,
    not a group lookup, so that Django's per-user permission cache answers it."""
    return not user.has_perm("payments.work_unsupervised")


# Drawers


def drawer_open(
    *,
    clerk: User,
    workstation: Workstation,
    counts: dict[str, int],
    stock: dict[int, int] | None = None,
    training: bool = False,
    token: uuid.UUID | None = None,
) -> Drawer:
    """Open `clerk`'s drawer at `workstation` with a float counted by denomination (`counts`
    maps a DENOMINATIONS label to how many) and the tags and permit cards it holds (`stock` maps
    a fee type id to how many). Moves the float from the change fund into the drawer."""
    if not clerk.has_perm("payments.take_payment"):
        raise DrawerError(f"{clerk.get_username()} may not take payments.")
    values = {label: value for value, label in DENOMINATIONS}
    for label, quantity in counts.items():
        if label not in values:
            raise DrawerError(f"{label!r} is not a note or coin the drawer holds.")
        if not isinstance(quantity, int) or quantity < 0 or quantity > 100_000:
            raise DrawerError(f"{label}: count a whole number from 0 to 100,000.")
    stock = stock or {}
    stock_types = FeeType.objects.in_bulk(list(stock))
    for fee_type_id, quantity in stock.items():
        fee_type = stock_types.get(fee_type_id)
        if fee_type is None or not fee_type.counted_as_stock:
            raise DrawerError("Only trash tags and permit cards are counted as stock.")
        if not isinstance(quantity, int) or quantity < 0 or quantity > 100_000:
            raise DrawerError(f"{fee_type}: count a whole number from 0 to 100,000.")
    opening_float = sum((values[label] * n for label, n in counts.items()), ZERO)
    if opening_float > MAX_AMOUNT:
        raise DrawerError("That float is more than the books can hold.")
    if not workstation.is_active:
        raise DrawerError(f"{workstation} is not in use.")
    try:
        with transaction.atomic():
            if token is not None:
                earlier = Drawer.objects.filter(token=token).first()
                if earlier is not None:
                    return earlier
            if Drawer.objects.filter(clerk=clerk, status=Drawer.Status.OPEN).exists():
                raise DrawerError("You already have an open drawer; use it, or close it first.")
            busy = Drawer.objects.filter(workstation=workstation, status=Drawer.Status.OPEN)
            if busy.exists():
                raise DrawerError(f"{workstation} already has an open drawer.")
            today = timezone.localdate()
            drawer = Drawer.objects.create(
                clerk=clerk,
                workstation=workstation,
                office=workstation.office,
                training=training,
                opening_float=opening_float,
                opened_on=today,
                token=token,
            )
            DenominationCount.objects.bulk_create(
                DenominationCount(
                    drawer=drawer,
                    stage=DenominationCount.Stage.OPENING,
                    label=label,
                    denomination=values[label],
                    quantity=quantity,
                )
                for label, quantity in counts.items()
                if quantity
            )
            StockCount.objects.bulk_create(
                StockCount(
                    drawer=drawer,
                    stage=DenominationCount.Stage.OPENING,
                    fee_type_id=fee_type_id,
                    quantity=quantity,
                )
                for fee_type_id, quantity in stock.items()
            )
            if opening_float:
                accounts = _accounts(CASH_IN_DRAWER, CHANGE_FUND)
                entry = post(
                    entry_date=today,
                    memo=f"Drawer {drawer.pk} opened at {workstation} with a float of "
                    f"{format_money(opening_float)}",
                    source=PaymentSource.DRAWER_OPEN,
                    by=clerk,
                    book=drawer.book,
                    lines=[
                        Line(accounts[CASH_IN_DRAWER], opening_float, "Float", None, drawer.pk),
                        Line(accounts[CHANGE_FUND], -opening_float, "Float to drawer"),
                    ],
                )
                Drawer.objects.filter(pk=drawer.pk).update(opening_entry=entry)
                drawer.opening_entry = entry
            return drawer
    except IntegrityError:
        # A second window raced us to the same clerk or workstation.
        earlier = Drawer.objects.filter(token=token).first() if token else None
        if earlier is not None:
            return earlier
        raise DrawerError(
            "Another drawer was opened for you or at this window a moment ago; reload."
        ) from None


def _open_drawer_locked(drawer: Drawer) -> Drawer:
    # of=self: the drawer only, not its office (which would make every window wait for the
    # others; the bills and the receipt counter are locked where they are needed).
    locked = (
        Drawer.objects.select_for_update(of=("self",)).select_related("office").get(pk=drawer.pk)
    )
    if locked.status != Drawer.Status.OPEN:
        raise NoOpenDrawer(f"Drawer {locked.pk} is closed; open a drawer first.")
    return locked


def cash_movement_record(
    *,
    drawer: Drawer,
    kind: str,
    amount: Decimal,
    by: User,
    note: str = "",
    token: uuid.UUID | None = None,
) -> CashMovement:
    """A clerk's cash drop to the safe, or a Supervisor's pickup, out of an open drawer."""
    amount = _money(amount, "The amount")
    refuse_card_numbers(note)
    if kind == CashMovement.Kind.PICKUP and not by.has_perm("payments.pickup_cash"):
        raise ApprovalRequired("Only a Supervisor picks up cash from a drawer.")
    if kind == CashMovement.Kind.DROP and by.pk != drawer.clerk_id:
        raise DrawerError("Only the drawer's clerk drops its cash to the safe.")
    with transaction.atomic():
        locked = _open_drawer_locked(drawer)
        if token is not None:
            earlier = CashMovement.objects.filter(token=token).first()
            if earlier is not None:
                if (earlier.drawer_id, earlier.kind, earlier.amount) != (locked.pk, kind, amount):
                    raise TokenReused("This form was already used; reload the page, start again.")
                return earlier
        available = drawer_cash_expected(locked)
        if amount > available:
            raise DrawerError(
                f"The drawer should hold {format_money(available)} in cash; "
                f"{format_money(amount)} cannot come out of it."
            )
        accounts = _accounts(CASH_IN_DRAWER, CHANGE_FUND)
        what = CashMovement.Kind(kind).label
        entry = post(
            entry_date=timezone.localdate(),
            memo=f"{what} of {format_money(amount)} from drawer {locked.pk}",
            source=PaymentSource.CASH_DROP
            if kind == CashMovement.Kind.DROP
            else PaymentSource.CASH_PICKUP,
            by=by,
            book=locked.book,
            lines=[
                Line(accounts[CHANGE_FUND], amount, what),
                Line(accounts[CASH_IN_DRAWER], -amount, what, None, locked.pk),
            ],
        )
        return CashMovement.objects.create(
            drawer=locked,
            kind=kind,
            amount=amount,
            note=note.strip()[:200],
            recorded_by=by,
            entry=entry,
            token=token,
        )


# Payments


@dataclass(frozen=True)
class BillItem:
    """Pay `amount` on a bill. `expected_due` is what the clerk was shown it owed: if it owes
    something else now, nothing is posted and the clerk sees the new amount."""

    bill_id: int
    amount: Decimal
    expected_due: Decimal | None = None


@dataclass(frozen=True)
class FeeItem:
    """Sell a fee type: `quantity` of it, or for a permit a plate and `months` from a start."""

    fee_type_id: int
    quantity: int = 1
    plate: str = ""
    plate_state: str = ""
    period_start: date | None = None
    months: int | None = None


@dataclass(frozen=True)
class TenderIn:
    kind: str
    amount: Decimal
    check_number: str = ""
    check_payer: str = ""
    card_brand: str = ""
    card_last4: str = ""
    authorization_code: str = ""
    terminal_reference: str = ""


@dataclass
class _Planned:
    """One item worked out under the locks, ready to save."""

    item: PaymentItem
    lines: list[Line] = field(default_factory=list)
    bill_update: dict | None = None


def cart_digest(
    *,
    drawer: Drawer,
    items: Sequence[BillItem | FeeItem],
    tenders: Sequence[TenderIn],
    customer: Customer | None,
    accept_overpayment: bool,
) -> str:
    """What identifies a cart, so the same token with another cart can be told apart."""

    def plain(obj) -> dict:
        data = {k: v for k, v in asdict(obj).items() if k != "expected_due"}
        return {"type": type(obj).__name__, **{k: str(v) for k, v in data.items()}}

    body = {
        "drawer": drawer.pk,
        "customer": customer.pk if customer else None,
        "overpayment": accept_overpayment,
        "items": [plain(item) for item in items],
        "tenders": [plain(tender) for tender in tenders],
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


def _tenders_checked(tenders: Sequence[TenderIn]) -> list[Tender]:
    if not tenders:
        raise PaymentError("Add how the customer pays: cash, check or card.")
    checked = []
    for number, tender in enumerate(tenders, start=1):
        if tender.kind not in TenderKind.values:
            raise PaymentError(f"Tender {number}: {tender.kind!r} is not cash, check or card.")
        label = TenderKind(tender.kind).label
        amount = _money(tender.amount, f"Tender {number} ({label.lower()})")
        for text in (
            tender.check_number,
            tender.check_payer,
            tender.authorization_code,
            tender.terminal_reference,
        ):
            refuse_card_numbers(text)
        row = Tender(kind=tender.kind, amount=amount)
        if tender.kind == TenderKind.CHECK:
            number_text = tender.check_number.strip()
            if not re.fullmatch(r"[0-9]{1,12}", number_text):
                raise PaymentError(f"Tender {number}: the check number is its digits (up to 12).")
            row.check_number = number_text
            row.check_payer = tender.check_payer.strip()[:200]
        elif tender.kind == TenderKind.CARD:
            if tender.card_brand not in Tender.Brand.values:
                raise PaymentError(f"Tender {number}: choose the card brand.")
            last4 = tender.card_last4.strip()
            if not re.fullmatch(r"[0-9]{4}", last4):
                raise PaymentError(
                    f"Tender {number}: the card's last four digits are exactly 4 digits."
                )
            code = tender.authorization_code.strip().upper()
            if not re.fullmatch(r"[A-Z0-9]{1,12}", code):
                raise PaymentError(
                    f"Tender {number}: the terminal's authorization code (letters and digits)."
                )
            reference = tender.terminal_reference.strip()
            if not reference or len(reference) > 30:
                raise PaymentError(f"Tender {number}: the terminal's reference (up to 30).")
            row.card_brand, row.card_last4 = tender.card_brand, last4
            row.authorization_code, row.terminal_reference = code, reference
        checked.append(row)
    return checked


def _fee_planned(
    item: FeeItem,
    fee_type: FeeType,
    as_of: date,
    account: Account,
    drawer: Drawer,
    earlier_in_cart: int = 0,
) -> _Planned:
    name = fee_type.name
    if not fee_type.is_active:
        raise PaymentError(f"{name} is no longer sold.")
    price = fee_price(fee_type, as_of)
    if price is None:
        raise PaymentError(f"{name} has no price on {as_of}; an Admin sets it.")
    quantity = item.quantity
    if not isinstance(quantity, int) or quantity < 1 or quantity > MAX_QUANTITY:
        raise PaymentError(f"{name}: the quantity is a whole number from 1 to {MAX_QUANTITY}.")
    if quantity != 1 and not fee_type.quantity_applies:
        raise PaymentError(f"{name} is sold one at a time.")
    row = PaymentItem(
        kind=PaymentItem.Kind.FEE, fee_type=fee_type, quantity=quantity, unit_price=price
    )
    description = name if quantity == 1 else f"{name} x {quantity}"
    units = quantity
    if fee_type.requires_plate:
        plate = "".join(item.plate.split()).upper()
        if not PLATE_RE.match(plate):
            raise PaymentError(f"{name}: the plate is 2 to 8 letters and digits.")
        state = (item.plate_state or "NY").strip().upper()
        if len(state) != 2 or not state.isalpha():
            raise PaymentError(f"{name}: the plate's state is two letters.")
        row.plate, row.plate_state = plate, state
        description += f", plate {plate} ({state})"
    if fee_type.requires_permit_period:
        months = item.months
        most = fee_type.max_months or 12
        if not isinstance(months, int) or months < 1 or months > most:
            raise PaymentError(f"{name}: sell from 1 to {most} months at once.")
        if item.period_start is None:
            raise PaymentError(f"{name}: say when the permit starts.")
        if item.period_start < as_of - timedelta(days=31):
            raise PaymentError(f"{name}: a permit cannot start more than a month ago.")
        row.period_start = item.period_start
        row.period_end = add_months(item.period_start, months, month_end=False) - timedelta(1)
        units *= months
        description += (
            f", {months} month{'s' if months > 1 else ''} "
            f"{row.period_start:%m/%d/%Y} to {row.period_end:%m/%d/%Y}"
        )
    if fee_type.counted_as_stock:
        left = stock_available(drawer, fee_type) - earlier_in_cart
        if quantity > left:
            raise PaymentError(f"{name}: the drawer holds only {max(left, 0)} more.")
    row.amount = price * units
    if row.amount > MAX_AMOUNT:
        raise PaymentError(f"{name}: that is more than the books can hold.")
    row.description = description[:200]
    return _Planned(item=row, lines=[Line(account, -row.amount, description[:255])])


def fee_item_check(*, item: FeeItem, as_of: date, drawer: Drawer) -> tuple[str, Decimal]:
    """What a fee item will be described as and cost, or the error the post would give."""
    fee_type = FeeType.objects.select_related("revenue_account").filter(pk=item.fee_type_id).first()
    if fee_type is None:
        raise PaymentError("That fee is not sold here.")
    plan = _fee_planned(item, fee_type, as_of, fee_type.revenue_account, drawer)
    return plan.item.description, plan.item.amount


def tender_check(tender: TenderIn) -> Tender:
    """The tender as it would be kept, or the error the post would give."""
    return _tenders_checked([tender])[0]


def receipt_number_next(*, office: Office, training: bool, year: int) -> int:
    """The next receipt number of an office's live or training series for `year`, gapless: the
    series row stays locked until the caller's transaction commits, and a rolled-back payment
    gives its number back. Keyed by the office row, so renaming its code changes only what is
    printed. One statement when the series exists (every receipt takes a number)."""
    table = ReceiptSeries._meta.db_table
    with connection.cursor() as cursor:
        for _ in range(2):
            cursor.execute(
                f"UPDATE {table} SET last_number = last_number + 1"  # noqa: S608
                " WHERE office_id = %s AND training = %s AND year = %s RETURNING last_number",
                [office.pk, training, year],
            )
            row = cursor.fetchone()
            if row is not None:
                return row[0]
            cursor.execute(
                f"INSERT INTO {table} (office_id, training, year, last_number)"  # noqa: S608
                " VALUES (%s, %s, %s, 0) ON CONFLICT (office_id, training, year) DO NOTHING",
                [office.pk, training, year],
            )
    raise RuntimeError(f"receipt series of office {office.code} {year} could not be created")


def payment_record(
    *,
    drawer: Drawer,
    items: Sequence[BillItem | FeeItem],
    tenders: Sequence[TenderIn],
    token: uuid.UUID,
    by: User,
    customer: Customer | None = None,
    payer_name: str = "",
    accept_overpayment: bool = False,
    approved_by: User | None = None,
    as_of: date | None = None,
) -> Payment:
    """Post one customer visit: bills (penalty → interest → principal), fee sales and tenders,
    as one balanced entry with a gapless receipt number. Idempotent on `token`."""
    if not items:
        raise PaymentError("The cart is empty: add a bill or a fee first.")
    refuse_card_numbers(payer_name)
    tender_rows = _tenders_checked(tenders)
    if approved_by is not None and not _is_approver(approved_by):
        raise ApprovalRequired("Only a Supervisor approves an override.")
    digest = cart_digest(
        drawer=drawer,
        items=items,
        tenders=tenders,
        customer=customer,
        accept_overpayment=accept_overpayment,
    )
    try:
        with transaction.atomic():
            return _payment_record_locked(
                drawer=drawer,
                items=items,
                tender_rows=tender_rows,
                token=token,
                digest=digest,
                by=by,
                customer=customer,
                payer_name=payer_name.strip()[:200],
                accept_overpayment=accept_overpayment,
                approved_by=approved_by,
                as_of=as_of,
            )
    except IntegrityError:
        earlier = Payment.objects.filter(token=token).first()
        if earlier is None:
            raise
        return _same_cart(earlier, digest)


def _same_cart(earlier: Payment, digest: str) -> Payment:
    if earlier.cart_digest != digest:
        raise TokenReused(
            f"This form already posted receipt {earlier.receipt_number}; start a new visit."
        )
    return earlier


def _payment_record_locked(
    *,
    drawer: Drawer,
    items: Sequence[BillItem | FeeItem],
    tender_rows: list[Tender],
    token: uuid.UUID,
    digest: str,
    by: User,
    customer: Customer | None,
    payer_name: str,
    accept_overpayment: bool,
    approved_by: User | None,
    as_of: date | None,
) -> Payment:
    # Lock order everywhere: the drawer, then bills by id. The token is looked for under the
    # drawer's lock, so a double-click waits for the first and finds it. (In a statement of its
    # own: a subquery beside the FOR UPDATE would read the snapshot from before the wait.)
    locked = _open_drawer_locked(drawer)
    earlier = Payment.objects.filter(token=token).first()
    if earlier is not None:
        return _same_cart(earlier, digest)
    trainee = _is_trainee(by)
    if locked.clerk_id != by.pk:
        raise NoOpenDrawer("This is not your drawer; open your own drawer first.")
    today = timezone.localdate()
    as_of = as_of or today
    bill_ids = sorted({item.bill_id for item in items if isinstance(item, BillItem)})
    if len(bill_ids) != sum(isinstance(item, BillItem) for item in items):
        raise PaymentError("A bill is in the cart twice; pay it once.")
    bills = {
        bill.pk: bill
        for bill in Bill.objects.select_for_update(of=("self",))
        .select_related("customer", "receivable_account")
        .filter(pk__in=bill_ids)
        .order_by("pk")
    }
    if len(bills) != len(bill_ids):
        raise PaymentError("A bill in the cart no longer exists; start the visit again.")
    owed = {o.bill.pk: o.due for o in with_amounts_due(bills.values(), as_of)}

    changed = {}
    for item in items:
        if isinstance(item, BillItem):
            due = owed[item.bill_id]
            if due.total == 0 or (item.expected_due is not None and due.total != item.expected_due):
                changed[item.bill_id] = due.total
    if changed:
        parts = [
            f"bill {bills[pk].number} now owes {format_money(total)}"
            for pk, total in changed.items()
        ]
        raise BillChanged(
            "A bill changed since it was added (paid at another window, or a penalty fell due): "
            + "; ".join(parts)
            + ". Nothing was posted; check the amounts and post again.",
            refreshed=changed,
        )

    policies = {p.applies_to: p for p in PaymentPolicy.objects.all()}
    kinds = {row.kind for row in tender_rows}
    breaches: list[str] = []
    accounts = _accounts(
        CASH_IN_DRAWER,
        CHECKS_IN_DRAWER,
        CARD_CLEARING,
        CUSTOMER_CREDITS,
        PENALTY_INTEREST_ACCOUNT_CODE,
    )
    training = locked.training
    vehicle_ids = {b.vehicle_id for b in bills.values() if b.vehicle_id}
    booted = boot_eligible_vehicle_ids(vehicle_ids) if vehicle_ids else set()
    fee_type_ids = [item.fee_type_id for item in items if isinstance(item, FeeItem)]
    fee_types = (
        FeeType.objects.select_related("revenue_account").in_bulk(fee_type_ids)
        if fee_type_ids
        else {}
    )
    refused_checks = bool(customer and customer.checks_refused)
    planned: list[_Planned] = []
    stock_in_cart: dict[int, int] = defaultdict(int)
    for item in items:
        if isinstance(item, FeeItem):
            fee_type = fee_types.get(item.fee_type_id)
            if fee_type is None:
                raise PaymentError("A fee in the cart no longer exists; start the visit again.")
            planned.append(
                _fee_planned(
                    item,
                    fee_type,
                    as_of,
                    fee_type.revenue_account,
                    locked,
                    earlier_in_cart=stock_in_cart[fee_type.pk],
                )
            )
            stock_in_cart[fee_type.pk] += item.quantity
            policy = policies.get(PaymentPolicy.AppliesTo.FEES)
            what = fee_type.name
        else:
            bill = bills[item.bill_id]
            policy = policies.get(bill.bill_type)
            planned.append(
                _bill_planned(
                    item,
                    bill,
                    owed[bill.pk],
                    policy,
                    accounts,
                    training,
                    accept_overpayment,
                    breaches,
                    trainee_overpay_needs_approval=trainee,
                )
            )
            what = f"bill {bill.number}"
            refused_checks = refused_checks or bill.customer.checks_refused
            if (
                policy is not None
                and policy.cash_only_when_boot_eligible
                and bill.vehicle_id in booted
                and kinds - {TenderKind.CASH}
            ):
                breaches.append(f"Ticket {bill.number} is for a boot-eligible vehicle: cash only.")
        if policy is not None:
            for kind in sorted(kinds):
                if not policy.accepts(kind):
                    breaches.append(
                        f"{TenderKind(kind).label} is not accepted for {what} "
                        f"({policy.get_applies_to_display().lower()})."
                    )
    if refused_checks and TenderKind.CHECK in kinds:
        breaches.append("This customer had a check returned: no checks are accepted.")
    breaches = list(dict.fromkeys(breaches))
    if breaches and approved_by is None:
        raise PolicyRefused(
            "A Supervisor must approve this visit: " + " ".join(breaches), breaches=breaches
        )

    total = sum((p.item.amount for p in planned), ZERO)
    if total > MAX_AMOUNT:
        raise PaymentError("That visit is more than the books can hold; split it.")
    cash = sum((t.amount for t in tender_rows if t.kind == TenderKind.CASH), ZERO)
    other = sum((t.amount for t in tender_rows if t.kind != TenderKind.CASH), ZERO)
    if other > total:
        raise PaymentError(
            f"Checks and cards ({format_money(other)}) may not exceed the amount due "
            f"({format_money(total)}); take the rest in cash."
        )
    if cash + other < total:
        raise PaymentError(
            f"The tenders ({format_money(cash + other)}) are short of the amount due "
            f"({format_money(total)}) by {format_money(total - cash - other)}."
        )
    change = cash + other - total
    if cash + other > MAX_AMOUNT:
        raise PaymentError("The tenders add up to more than the books can hold; check them.")
    if change > MAX_CHANGE:
        raise PaymentError(
            f"Change of {format_money(change)} is more than a {format_money(MAX_CHANGE)} note: "
            "check the cash tendered."
        )
    if cash and cash == change:
        raise PaymentError("Checks and cards already cover the amount due; remove the cash.")

    year = today.year
    office = locked.office
    sequence = receipt_number_next(office=office, training=training, year=year)
    prefix = f"TR-{office.code}" if training else office.code
    receipt_number = f"{prefix}-{year}-{sequence:06d}"

    lines: list[Line] = []
    tender_totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in tender_rows:
        tender_totals[row.kind] += row.amount
    tender_totals[TenderKind.CASH] -= change
    for kind in (TenderKind.CASH, TenderKind.CHECK, TenderKind.CARD):
        if tender_totals[kind]:
            lines.append(
                Line(
                    accounts[TENDER_ACCOUNTS[kind]],
                    tender_totals[kind],
                    f"{TenderKind(kind).label} received",
                    None,
                    locked.pk,
                )
            )
    for plan in planned:
        lines += plan.lines
    entry = post(
        entry_date=today,
        memo=f"Receipt {receipt_number}: {len(planned)} item{'s' if len(planned) > 1 else ''}, "
        f"{format_money(total)}",
        source=PaymentSource.PAYMENT,
        by=by,
        book=Book.TRAINING if training else Book.LIVE,
        lines=lines,
    )
    if customer is None:
        customer = next(iter(bills.values())).customer if bills else None
    payment = Payment.objects.create(
        drawer=locked,
        office=office,
        training=training,
        receipt_number=receipt_number,
        receipt_year=year,
        receipt_sequence=sequence,
        customer=customer,
        payer_name=payer_name or (customer.name if customer else ""),
        total=total,
        tendered=cash + other,
        change=change,
        posted_by=by,
        posted_on=today,
        entry=entry,
        token=token,
        cart_digest=digest,
        approved_by=approved_by if (breaches or approved_by) else None,
        overrides=breaches,
        needs_review=trainee,
    )
    for plan in planned:
        plan.item.payment = payment
    PaymentItem.objects.bulk_create([plan.item for plan in planned])
    for row in tender_rows:
        row.payment = payment
    Tender.objects.bulk_create(tender_rows)
    if not training:
        for plan in planned:
            if plan.bill_update is not None and plan.item.bill_id is not None:
                Bill.objects.filter(pk=plan.item.bill_id).update(**plan.bill_update)
    return payment


def _bill_planned(
    item: BillItem,
    bill: Bill,
    due,
    policy: PaymentPolicy | None,
    accounts: dict[str, Account],
    training: bool,
    accept_overpayment: bool,
    breaches: list[str],
    *,
    trainee_overpay_needs_approval: bool,
) -> _Planned:
    amount = _money(item.amount, f"The amount to pay on bill {bill.number}")
    pay = min(amount, due.total)
    credit = amount - pay
    if pay < due.total and policy is not None and not policy.partial_allowed:
        breaches.append(
            f"{policy.get_applies_to_display()} are paid in full: bill {bill.number} owes "
            f"{format_money(due.total)}."
        )
    if credit:
        if not accept_overpayment:
            raise PaymentError(
                f"{format_money(amount)} is more than bill {bill.number} owes "
                f"({format_money(due.total)}). Pay what is owed, or keep the rest as a credit."
            )
        if policy is not None and not policy.overpayment_allowed:
            breaches.append(
                f"Overpayments are not taken on {policy.get_applies_to_display().lower()}."
            )
        if trainee_overpay_needs_approval:
            breaches.append("A trainee's overpayment needs a Supervisor.")
    penalty_paid = min(pay, due.penalty)
    interest_paid = min(pay - penalty_paid, due.interest)
    principal_paid = pay - penalty_paid - interest_paid
    bill_ref = None if training else bill.pk
    receivable = bill.receivable_account
    lines: list[Line] = []
    assessed = due.new_penalty + due.new_interest
    if assessed:
        memo = f"Penalty and interest assessed on bill {bill.number}"
        lines += [
            Line(receivable, assessed, memo, bill_ref),
            Line(accounts[PENALTY_INTEREST_ACCOUNT_CODE], -assessed, memo),
        ]
    if pay:
        lines.append(Line(receivable, -pay, f"Paid on bill {bill.number}", bill_ref))
    if credit:
        lines.append(
            Line(accounts[CUSTOMER_CREDITS], -credit, f"Overpayment of bill {bill.number}")
        )
    row = PaymentItem(
        kind=PaymentItem.Kind.BILL,
        bill=bill,
        description=f"{bill.get_bill_type_display()} {bill.number}: {bill.description}"[:200],
        amount=amount,
        penalty_assessed=due.new_penalty,
        interest_assessed=due.new_interest,
        penalty_paid=penalty_paid,
        interest_paid=interest_paid,
        principal_paid=principal_paid,
        credit=credit,
        balance_after=due.total - pay,
        penalty_events_before=bill.penalty_events_assessed,
        interest_months_before=bill.interest_months_assessed,
    )
    update = {
        "principal_balance": due.principal - principal_paid,
        "penalty_balance": due.penalty - penalty_paid,
        "interest_balance": due.interest - interest_paid,
        "balance": due.total - pay,
        "penalty_events_assessed": due.penalty_events,
        "interest_months_assessed": due.interest_months,
    }
    return _Planned(item=row, lines=lines, bill_update=update)


# Voids, refunds, returned checks


def _reason_checked(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise PaymentError("Say why; the reason is kept with the record.")
    refuse_card_numbers(reason)
    return reason


def _reversal_locks(payment: Payment) -> tuple[Payment, list[PaymentItem], dict[int, Bill]]:
    """Lock the payment's drawer, the payment and its bills (in id order) and refuse a payment
    that has already been voided, refunded or returned."""
    Drawer.objects.select_for_update().get(pk=payment.drawer_id)
    locked = Payment.objects.select_for_update().get(pk=payment.pk)
    if PaymentReversal.objects.filter(payment=locked).exists() or (
        locked.status != Payment.Status.POSTED
    ):
        raise NotReversible(
            f"Receipt {locked.receipt_number} is already {locked.get_status_display().lower()}."
        )
    items = list(locked.items.select_related("fee_type", "bill").order_by("id"))
    bill_ids = sorted({item.bill_id for item in items if item.bill_id})
    bills = {
        b.pk: b for b in Bill.objects.select_for_update().filter(pk__in=bill_ids).order_by("pk")
    }
    return locked, items, bills


def _approval_checked(by: User, approved_by: User | None, what: str) -> User:
    if approved_by is None or not _is_approver(approved_by):
        raise ApprovalRequired(f"A {what} needs a Supervisor's approval.")
    return approved_by


def _requests_done(payment: Payment, by: User) -> None:
    ApprovalRequest.objects.filter(payment=payment, status=ApprovalRequest.Status.PENDING).update(
        status=ApprovalRequest.Status.APPROVED, decided_by=by, decided_at=timezone.now()
    )


def payment_void(
    *, payment: Payment, reason: str, by: User, approved_by: User | None
) -> PaymentReversal:
    """Void a payment the same day while its drawer is open: post the exact reverse of its entry
    and put the bills back as they were (penalty counters included)."""
    reason = _reason_checked(reason)
    approver = _approval_checked(by, approved_by, "void")
    with transaction.atomic():
        locked, items, bills = _reversal_locks(payment)
        drawer = locked.drawer
        if by.pk != drawer.clerk_id and not _is_approver(by):
            raise NotReversible(
                "Only the clerk whose drawer took it voids it (the cash comes back out of that "
                "drawer); refund it from your own drawer instead."
            )
        if drawer.status != Drawer.Status.OPEN:
            raise NotReversible("The drawer that took it is closed: refund it instead.")
        if locked.posted_on != timezone.localdate():
            raise NotReversible("Only today's receipts are voided: refund it instead.")
        # The void hands the cash back out of the drawer, which may have dropped it since.
        cash = locked.total - sum(
            (t.amount for t in locked.tenders.all() if t.kind != TenderKind.CASH), ZERO
        )
        if cash > drawer_cash_expected(drawer):
            raise NotReversible(
                f"The drawer should hold only {format_money(drawer_cash_expected(drawer))} in "
                f"cash; {format_money(cash)} cannot be paid back out of it."
            )
        later = (
            PaymentItem.objects.filter(
                bill_id__in=list(bills), payment_id__gt=locked.pk, payment__training=locked.training
            )
            # A refunded or returned payment keeps what it assessed: putting the counters back
            # to before this one would assess that again.
            .exclude(payment__status=Payment.Status.VOIDED)
            .select_related("payment")
            .first()
        )
        if later is not None and later.bill is not None:
            then = (
                "void that receipt first"
                if later.payment.status == Payment.Status.POSTED
                else "refund this one instead"
            )
            raise NotReversible(
                f"Bill {later.bill.number} was paid again after this, on receipt "
                f"{later.payment.receipt_number}; {then}."
            )
        try:
            entry = entry_reverse(
                entry=locked.entry, by=by, memo=f"Void of receipt {locked.receipt_number}: {reason}"
            )
        except AlreadyReversed as exc:
            raise NotReversible(str(exc)) from exc
        if not locked.training:
            for item in items:
                if item.bill_id is None:
                    continue
                Bill.objects.filter(pk=item.bill_id).update(
                    principal_balance=F("principal_balance") + item.principal_paid,
                    penalty_balance=F("penalty_balance")
                    + item.penalty_paid
                    - item.penalty_assessed,
                    interest_balance=F("interest_balance")
                    + item.interest_paid
                    - item.interest_assessed,
                    balance=F("balance")
                    + item.paid_to_bill
                    - item.penalty_assessed
                    - item.interest_assessed,
                    penalty_events_assessed=item.penalty_events_before,
                    interest_months_assessed=item.interest_months_before,
                )
        Payment.objects.filter(pk=locked.pk).update(status=Payment.Status.VOIDED)
        _requests_done(locked, approver)
        return PaymentReversal.objects.create(
            payment=locked,
            kind=PaymentReversal.Kind.VOID,
            reason=reason,
            amount=locked.total,
            requested_by=by,
            approved_by=approver,
            entry=entry,
        )


def _unapplied_lines(
    items: Sequence[PaymentItem], training: bool, *, limit: Decimal | None = None
) -> tuple[list[Line], list[tuple[PaymentItem, dict[str, Decimal]]], list[PaymentItem]]:
    """Lines that take back what the items applied (not the assessments), last applied first,
    up to `limit`. Returns the lines, what each bill item gets back, and the fee items taken
    back (with their `amount` set to the part taken back)."""
    accounts = _accounts(CUSTOMER_CREDITS)
    left = limit if limit is not None else sum((i.amount for i in items), ZERO)
    lines: list[Line] = []
    reopened: list[tuple[PaymentItem, dict[str, Decimal]]] = []
    fees: list[PaymentItem] = []
    for item in reversed(items):
        if left <= 0:
            break
        if item.fee_type is not None:
            part = min(left, item.amount)
            left -= part
            memo = f"Taken back: {item.description}"[:255]
            lines.append(Line(item.fee_type.revenue_account, part, memo))
            fees.append(
                PaymentItem(fee_type=item.fee_type, description=item.description, amount=part)
            )
            continue
        assert item.bill is not None  # an item is a bill or a fee (a database constraint)
        credit = min(left, item.credit)
        left -= credit
        if credit:
            memo = f"Credit taken back: {item.bill.number}"
            lines.append(Line(accounts[CUSTOMER_CREDITS], credit, memo))
        parts = {}
        for name in ("principal_paid", "interest_paid", "penalty_paid"):
            part = min(left, getattr(item, name))
            left -= part
            parts[name] = part
        back = sum(parts.values(), ZERO)
        if back:
            lines.append(
                Line(
                    item.bill.receivable_account,
                    back,
                    f"Reopened bill {item.bill.number}",
                    None if training else item.bill_id,
                )
            )
            reopened.append((item, parts))
    return lines, reopened, fees


def _bills_reopen(reopened: list[tuple[PaymentItem, dict[str, Decimal]]]) -> None:
    for item, parts in reopened:
        Bill.objects.filter(payment_items=item).update(
            principal_balance=F("principal_balance") + parts["principal_paid"],
            interest_balance=F("interest_balance") + parts["interest_paid"],
            penalty_balance=F("penalty_balance") + parts["penalty_paid"],
            balance=F("balance") + sum(parts.values(), ZERO),
        )


def payment_refund(
    *, payment: Payment, reason: str, by: User, approved_by: User | None, drawer: Drawer
) -> PaymentReversal:
    """Give a customer their money back: the bills reopen (penalty and interest assessed stay
    assessed), card tenders go back to the card, the rest is paid out of `drawer` in cash."""
    reason = _reason_checked(reason)
    approver = _approval_checked(by, approved_by, "refund")
    with transaction.atomic():
        # Both drawers in id order: two refunds, each paid out of the other's drawer, would
        # otherwise wait for each other (a deadlock).
        ids = sorted({drawer.pk, payment.drawer_id})
        list(Drawer.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        paying = _open_drawer_locked(drawer)
        locked, items, _ = _reversal_locks(payment)
        if paying.training != locked.training:
            raise NotReversible("Refund a training receipt from a training drawer, and only then.")
        lines, reopened, fees = _unapplied_lines(items, locked.training)
        del fees  # the revenue lines are in `lines`; the goods come back to the counter
        card = sum((t.amount for t in locked.tenders.all() if t.kind == TenderKind.CARD), ZERO)
        cash = locked.total - card
        if cash > drawer_cash_expected(paying):
            raise NotReversible(
                f"The drawer should hold only {format_money(drawer_cash_expected(paying))} in "
                f"cash; {format_money(cash)} cannot be paid out of it."
            )
        accounts = _accounts(CASH_IN_DRAWER, CARD_CLEARING)
        if cash:
            lines.append(Line(accounts[CASH_IN_DRAWER], -cash, "Refund paid out", None, paying.pk))
        if card:
            lines.append(Line(accounts[CARD_CLEARING], -card, "Refund to card", None, paying.pk))
        # Not `reverses=`: that link means the exact mirror (ledger_violations checks it), and a
        # refund is not one (assessments stay, the cash comes out of another drawer). The
        # one-to-one PaymentReversal keeps it to one reversal per payment.
        entry = post(
            entry_date=timezone.localdate(),
            memo=f"Refund of receipt {locked.receipt_number}: {reason}",
            source=PaymentSource.REFUND,
            by=by,
            book=Book.TRAINING if locked.training else Book.LIVE,
            lines=lines,
        )
        if not locked.training:
            _bills_reopen(reopened)
        Payment.objects.filter(pk=locked.pk).update(status=Payment.Status.REFUNDED)
        _requests_done(locked, approver)
        return PaymentReversal.objects.create(
            payment=locked,
            kind=PaymentReversal.Kind.REFUND,
            reason=reason,
            amount=locked.total,
            requested_by=by,
            approved_by=approver,
            drawer=paying,
            entry=entry,
        )


def returned_check_record(*, payment: Payment, reason: str, by: User) -> PaymentReversal:
    """The bank returned a check unpaid: take back what it paid (bills reopen, last applied
    first), bill the customer the returned-check fee (and any goods it paid for), and flag the
    customer so that no more checks are taken."""
    reason = _reason_checked(reason)
    if not by.has_perm("payments.record_returned_check"):
        raise ApprovalRequired("Only a Supervisor records a returned check.")
    with transaction.atomic():
        locked, items, _ = _reversal_locks(payment)
        if locked.training:
            raise NotReversible("Training receipts take no real checks.")
        checks = [t for t in locked.tenders.all() if t.kind == TenderKind.CHECK]
        if not checks:
            raise NotReversible(f"Receipt {locked.receipt_number} was not paid by check.")
        amount = sum((t.amount for t in checks), ZERO)
        lines, reopened, fees = _unapplied_lines(items, False, limit=amount)
        accounts = _accounts(BANK)
        lines.append(Line(accounts[BANK], -amount, f"Returned check {checks[0].check_number}"))
        # Not `reverses=` (see payment_refund): the bank is credited, not the checks in drawer.
        entry = post(
            entry_date=timezone.localdate(),
            memo=f"Returned check on receipt {locked.receipt_number}: {reason}",
            source=PaymentSource.RETURNED_CHECK,
            by=by,
            lines=lines,
        )
        _bills_reopen(reopened)
        customer = locked.customer
        if customer is None:
            writer = checks[0].check_payer or locked.payer_name or "Check writer"
            customer = Customer.objects.create(name=writer)
            Payment.objects.filter(pk=locked.pk).update(customer=customer)
        Customer.objects.filter(pk=customer.pk).update(checks_refused=True)
        fee_type = FeeType.objects.filter(
            category=FeeType.Category.RETURNED_CHECK, is_active=True
        ).first()
        fee = fee_price(fee_type, timezone.localdate()) if fee_type else None
        charge_type = ChargeType.objects.get(code="returned_check_fee")
        charges = []
        if fee:
            note = f"Returned check fee (check {checks[0].check_number})"
            charges.append(Charge(charge_type, fee, note))
        for taken in fees:
            assert taken.fee_type is not None
            charges.append(
                Charge(
                    charge_type,
                    taken.amount,
                    f"Paid by the returned check: {taken.description}"[:200],
                    revenue_account=taken.fee_type.revenue_account,
                )
            )
        fee_bill = (
            invoice_create(
                customer=customer,
                charges=charges,
                due_date=timezone.localdate() + timedelta(days=30),
                memo=f"Returned check {checks[0].check_number} (receipt {locked.receipt_number})",
                by=by,
            )
            if charges
            else None
        )
        Tender.objects.filter(pk__in=[t.pk for t in checks]).update(returned=True)
        Payment.objects.filter(pk=locked.pk).update(status=Payment.Status.RETURNED)
        return PaymentReversal.objects.create(
            payment=locked,
            kind=PaymentReversal.Kind.RETURNED_CHECK,
            reason=reason,
            amount=amount,
            requested_by=by,
            approved_by=by,
            entry=entry,
            fee_bill=fee_bill,
        )


# Approvals and reviews


def approval_request(
    *, payment: Payment, kind: str, reason: str, by: User, refund_drawer: Drawer | None = None
) -> ApprovalRequest:
    """Put a void or refund in the Supervisors' queue."""
    reason = _reason_checked(reason)
    if kind not in (PaymentReversal.Kind.VOID, PaymentReversal.Kind.REFUND):
        raise PaymentError("Only voids and refunds wait for approval.")
    if kind == PaymentReversal.Kind.REFUND and refund_drawer is None:
        raise NoOpenDrawer("Open a drawer first: the refund is paid out of it.")
    with transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        if locked.status != Payment.Status.POSTED:
            raise NotReversible(
                f"Receipt {locked.receipt_number} is already {locked.get_status_display().lower()}."
            )
        pending = ApprovalRequest.objects.filter(
            payment=locked, status=ApprovalRequest.Status.PENDING
        ).first()
        if pending is not None:
            return pending
        return ApprovalRequest.objects.create(
            payment=locked, kind=kind, reason=reason, requested_by=by, refund_drawer=refund_drawer
        )


def approval_decide(
    *, request: ApprovalRequest, approve: bool, by: User, note: str = ""
) -> ApprovalRequest:
    """A Supervisor approves (the void or refund is done at once) or rejects a request."""
    if not _is_approver(by):
        raise ApprovalRequired("Only a Supervisor decides approval requests.")
    refuse_card_numbers(note)
    with transaction.atomic():
        # The same lock order as a void or refund at the counter (drawers by id, the payment,
        # then its requests), so that the two never wait on each other in a circle.
        drawer_ids = sorted(
            pk for pk in (request.payment.drawer_id, request.refund_drawer_id) if pk is not None
        )
        list(Drawer.objects.select_for_update().filter(pk__in=drawer_ids).order_by("pk"))
        Payment.objects.select_for_update().get(pk=request.payment_id)
        locked = ApprovalRequest.objects.select_for_update().get(pk=request.pk)
        if locked.status != ApprovalRequest.Status.PENDING:
            raise NotReversible("That request has already been decided.")
        if approve:
            if locked.kind == PaymentReversal.Kind.VOID:
                payment_void(
                    payment=locked.payment,
                    reason=locked.reason,
                    by=locked.requested_by,
                    approved_by=by,
                )
            else:
                assert locked.refund_drawer is not None
                payment_refund(
                    payment=locked.payment,
                    reason=locked.reason,
                    by=locked.requested_by,
                    approved_by=by,
                    drawer=locked.refund_drawer,
                )
        ApprovalRequest.objects.filter(pk=locked.pk).update(
            status=ApprovalRequest.Status.APPROVED if approve else ApprovalRequest.Status.REJECTED,
            decided_by=by,
            decided_at=timezone.now(),
            decision_note=note.strip()[:300],
        )
        locked.refresh_from_db()
        return locked


def payment_review(*, payment: Payment, by: User) -> Payment:
    """A Supervisor has looked at a trainee's payment."""
    if not by.has_perm("payments.review_payment"):
        raise ApprovalRequired("Only a Supervisor reviews trainees' payments.")
    Payment.objects.filter(pk=payment.pk, reviewed_by__isnull=True).update(
        needs_review=False, reviewed_by=by, reviewed_at=timezone.now()
    )
    payment.refresh_from_db()
    return payment


def receipt_reprint_count(*, payment: Payment) -> int:
    """Count a reprint (printed as COPY); returns how many copies have been printed."""
    Payment.objects.filter(pk=payment.pk).update(reprints=F("reprints") + 1)
    return Payment.objects.values_list("reprints", flat=True).get(pk=payment.pk)


# Set-up


DEFAULT_POLICIES = {
    PaymentPolicy.AppliesTo.PROPERTY_TAX: {"partial_allowed": True, "overpayment_allowed": True},
    PaymentPolicy.AppliesTo.WATER_SEWER: {"partial_allowed": True, "overpayment_allowed": True},
    PaymentPolicy.AppliesTo.PARKING: {
        "partial_allowed": False,
        "overpayment_allowed": False,
        "cash_only_when_boot_eligible": True,
    },
    PaymentPolicy.AppliesTo.INVOICE: {"partial_allowed": True, "overpayment_allowed": False},
    PaymentPolicy.AppliesTo.FEES: {"partial_allowed": False, "overpayment_allowed": False},
}


def counter_setup_seed(
    *, office_code: str, office_name: str, windows: int = 4, address: str = "", phone: str = ""
) -> Office:
    """The office with its windows and the default payment policies; adds only what is missing."""
    with transaction.atomic():
        office, _ = Office.objects.get_or_create(
            code=office_code, defaults={"name": office_name, "address": address, "phone": phone}
        )
        for number in range(1, windows + 1):
            Workstation.objects.get_or_create(office=office, name=f"Window {number}")
        for applies_to, options in DEFAULT_POLICIES.items():
            PaymentPolicy.objects.get_or_create(applies_to=applies_to, defaults=options)
    return office
