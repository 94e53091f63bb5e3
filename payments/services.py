"""Every write at the counter: drawers, cash drops, payments, voids, refunds, returned checks,
approvals and reviews. Each is one transaction and posts through `ledger.services.post`."""

import hashlib
import json
import re
import uuid
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import User
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F, Sum
from django.utils import timezone

from billing.business_days import is_business_day
from billing.errors import BillingError
from billing.liens import good_through_check, lien_terms
from billing.models import Bill, BillAdjustment, ChargeType, Customer, FeeType, Property
from billing.selectors import (
    PLATE_RE,
    boot_eligible_vehicle_ids,
    closed_days,
    customer_credit,
    fee_price,
    with_amounts_due,
)
from billing.services import (
    PENALTY_INTEREST_ACCOUNT_CODE,
    WRITE_OFF_ACCOUNT_CODE,
    Charge,
    invoice_create,
    lien_certificate_issue,
    penalty_assessment_record,
    penalty_assessments_undo,
    principal_by_revenue_account,
)
from cashiering.dates import us_date
from cashiering.people import person_name
from ledger.cards import contains_card_number
from ledger.chart import (
    BANK,
    CARD_CLEARING,
    CASH_IN_DRAWER,
    CASH_IN_SAFE,
    CHANGE_FUND,
    CHECKS_IN_DRAWER,
    CUSTOMER_CREDITS,
    REFUNDS_PAYABLE,
)
from ledger.errors import AlreadyReversed
from ledger.models import Account, Book, JournalLine
from ledger.money import MAX_AMOUNT, ZERO, format_money, is_whole_cents
from ledger.services import Line, entry_reverse, post
from payments.custody import CheckLocation, check_location, movement_recorded
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
    CheckWriterFlag,
    CreditRefund,
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
    check_writer_key,
)
from payments.permits import permit_period_end
from payments.selectors import (
    change_fund_held,
    credit_refund_office,
    drawer_cash_expected,
    stock_available,
)
from payments.take_back import take_back_order


class PaymentSource:
    """`JournalEntry.source` of the counter's entries."""

    DRAWER_OPEN = "drawer_open"
    CASH_DROP = "cash_drop"
    CASH_PICKUP = "cash_pickup"
    PAYMENT = "payment"
    REFUND = "payment_refund"
    RETURNED_CHECK = "returned_check"
    CREDIT_REFUND = "credit_refund"


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
        raise DrawerError(f"{person_name(clerk)} may not take payments.")
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
            if opening_float and not training:
                _change_fund_covers(workstation.office, opening_float)
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
                        Line(
                            accounts[CHANGE_FUND],
                            -opening_float,
                            "Float to drawer",
                            office_id=None if training else drawer.office_id,
                        ),
                    ],
                )
                Drawer.objects.filter(pk=drawer.pk).update(opening_entry=entry)
                drawer.opening_entry = entry
            return drawer
    except IntegrityError as exc:
        # A second window raced us to the same clerk or workstation.
        earlier = Drawer.objects.filter(token=token).first() if token else None
        if earlier is not None:
            return earlier
        constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
        if constraint not in ("one_open_drawer_per_clerk", "one_open_drawer_per_workstation"):
            raise database_refusal("drawer opening", exc) from exc
        raise DrawerError(
            "Another drawer was opened for you or at this window a moment ago; reload."
        ) from None
    except DatabaseError as exc:
        raise database_refusal("drawer opening", exc) from exc


def _change_fund_covers(office: Office, opening_float: Decimal) -> None:
    """A live drawer's float comes out of the office's change fund, which never goes below zero
    (PostgreSQL refuses it too: payments migration 0030). Locks the office row, as the trigger
    does, so two drawers opening at once are judged one after the other."""
    Office.objects.select_for_update(no_key=True).filter(pk=office.pk).first()
    held = change_fund_held(office)
    if opening_float > held:
        raise DrawerError(
            f"The change fund holds {format_money(held)}: a float of "
            f"{format_money(opening_float)} cannot come out of it. Count a smaller float, or ask "
            "a Supervisor to add to the change fund."
        )


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
    received_by: User | None = None,
) -> CashMovement:
    """A clerk's cash drop to the safe, or a Supervisor's pickup, out of an open drawer.

    A pickup is recorded with the Supervisor who takes the cash and the drawer's clerk as the
    witness (issue 8 §10): two people, so a Supervisor does not pick up from their own drawer
    unless the office allows self-approval. A drop names the Supervisor who receives the cash
    into the safe (`received_by`, confirmed by password at the counter; kept as the movement's
    witness; another person unless the office allows self-approval); the drawer page requires
    one, services and imports may leave it out. Both are reported to reconciliation as a
    hand-over into the safe (payments.custody.movement_recorded). Raises ApprovalRequired,
    DrawerError, NoOpenDrawer, TokenReused, PaymentError."""
    amount = _money(amount, "The amount")
    refuse_card_numbers(note)
    if kind not in CashMovement.Kind.values:
        raise PaymentError("A cash movement is a drop or a pickup.")
    if kind == CashMovement.Kind.PICKUP and not by.has_perm("payments.pickup_cash"):
        raise ApprovalRequired("Only a Supervisor picks up cash from a drawer.")
    if kind == CashMovement.Kind.DROP and by.pk != drawer.clerk_id:
        raise DrawerError("Only the drawer's clerk drops its cash to the safe.")
    if kind == CashMovement.Kind.DROP and received_by is not None:
        _approval_checked(by, received_by, "cash drop into the safe", drawer.office)
    with database_refusal_explained("cash movement"), transaction.atomic():
        locked = _open_drawer_locked(drawer)
        if (
            kind == CashMovement.Kind.PICKUP
            and by.pk == locked.clerk_id
            and not locked.office.allow_self_approval
        ):
            raise ApprovalRequired(
                "A pickup needs two people: another Supervisor picks up from your drawer, with "
                "you as the witness."
            )
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
        accounts = _accounts(CASH_IN_DRAWER, CASH_IN_SAFE)
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
                Line(
                    accounts[CASH_IN_SAFE],
                    amount,
                    what,
                    office_id=None if locked.training else locked.office_id,
                ),
                Line(accounts[CASH_IN_DRAWER], -amount, what, None, locked.pk),
            ],
        )
        movement = CashMovement.objects.create(
            drawer=locked,
            kind=kind,
            amount=amount,
            note=note.strip()[:200],
            recorded_by=by,
            witnessed_by=locked.clerk if kind == CashMovement.Kind.PICKUP else received_by,
            entry=entry,
            token=token,
        )
        if not locked.training:
            if kind == CashMovement.Kind.PICKUP:
                movement_recorded(movement, locked.clerk, by)
            elif received_by is not None:
                movement_recorded(movement, by, received_by)
        return movement


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
    """Sell a fee type: `quantity` of it, or for a permit a plate and `months` from a start, or
    for the lien search (LienTerms.fee_type) the parcel and the date the certified list of liens
    it issues is good through."""

    fee_type_id: int
    quantity: int = 1
    plate: str = ""
    plate_state: str = ""
    period_start: date | None = None
    months: int | None = None
    parcel_id: int | None = None
    good_through: date | None = None


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
    penalty_rules_assessed: frozenset[int] = frozenset()  # the rules whose events it assesses
    lien_search: tuple[Property, date] | None = None  # the certificate to issue: parcel, date


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
            raise PaymentError(
                f"Tender {number}: {tender.kind!r} is not cash, check, card or credit on account."
            )
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
    *,
    lien_fee_type_id: int | None = None,
) -> _Planned:
    name = fee_type.name
    if not fee_type.is_active:
        raise PaymentError(f"{name} is no longer sold.")
    if fee_type.pk == lien_fee_type_id:
        return _lien_search_planned(item, fee_type, as_of, account)
    price = fee_price(fee_type, as_of)
    if price is None:
        raise PaymentError(f"{name} has no price on {us_date(as_of)}; an Admin sets it.")
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
        row.period_end = permit_period_end(item.period_start, months)
        units *= months
        description += (
            f", {months} month{'s' if months > 1 else ''} "
            f"{us_date(row.period_start)} to {us_date(row.period_end)}"
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


def _lien_search_planned(
    item: FeeItem, fee_type: FeeType, as_of: date, account: Account
) -> _Planned:
    """A lien search: one certified list of liens on a parcel, good through a date, sold like
    any fee (Cr its revenue account); payment_record issues the certificate."""
    name = fee_type.name
    price = fee_price(fee_type, as_of)
    if price is None:
        raise PaymentError(f"{name} has no price on {us_date(as_of)}; an Admin sets it.")
    if item.quantity != 1:
        raise PaymentError(f"{name} is sold one certificate at a time.")
    parcel = Property.objects.filter(pk=item.parcel_id).first() if item.parcel_id else None
    if parcel is None or item.good_through is None:
        raise PaymentError(
            f"{name}: sell it from the Lien search form, with the parcel and the good-through date."
        )
    try:
        good_through_check(good_through=item.good_through, issued_on=as_of)
    except BillingError as exc:
        raise PaymentError(f"{name}: {exc}") from None
    description = (
        f"{name}, parcel {parcel.parcel_number}, good through {us_date(item.good_through)}"
    )[:200]
    row = PaymentItem(
        kind=PaymentItem.Kind.FEE,
        fee_type=fee_type,
        quantity=1,
        unit_price=price,
        amount=price,
        description=description,
    )
    return _Planned(
        item=row,
        lines=[Line(account, -price, description[:255])],
        lien_search=(parcel, item.good_through),
    )


def fee_item_check(*, item: FeeItem, as_of: date, drawer: Drawer) -> tuple[str, Decimal]:
    """What a fee item will be described as and cost, or the error the post would give."""
    fee_type = FeeType.objects.select_related("revenue_account").filter(pk=item.fee_type_id).first()
    if fee_type is None:
        raise PaymentError("That fee is not sold here.")
    plan = _fee_planned(
        item,
        fee_type,
        as_of,
        fee_type.revenue_account,
        drawer,
        lien_fee_type_id=lien_terms().fee_type_id,
    )
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
    if approved_by is not None:
        _approval_checked(by, approved_by, "policy override", drawer.office)
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
    except IntegrityError as exc:
        earlier = Payment.objects.filter(token=token).first()
        if earlier is None:
            raise database_refusal("payment", exc) from exc
        return _same_cart(earlier, digest)
    except DatabaseError as exc:
        raise database_refusal("payment", exc) from exc


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
    if customer is None:
        customer = next(iter(bills.values())).customer if bills else None
    # Whose credit an overpayment adds to or a credit tender spends (live money only).
    credit_customer_id = None if locked.training or customer is None else customer.pk

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
    lien_fee_type_id = lien_terms().fee_type_id if fee_types else None
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
                    lien_fee_type_id=lien_fee_type_id,
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
                    credit_customer_id=credit_customer_id,
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
    if TenderKind.CHECK in kinds:
        writer = check_writer_refused(
            [t.check_payer for t in tender_rows if t.kind == TenderKind.CHECK] + [payer_name]
        )
        if writer is not None:
            breaches.append(
                f"A check written by {writer} was returned: no checks are accepted from that name."
            )
    breaches = list(dict.fromkeys(breaches))
    if breaches and approved_by is None:
        raise PolicyRefused(
            "A Supervisor must approve this visit: " + " ".join(breaches), breaches=breaches
        )

    if any(p.lien_search for p in planned) and not by.has_perm("billing.issue_lien_certificate"):
        raise PaymentError(
            "A Trainee does not sell a lien search: a Clerk or Supervisor issues the certified "
            "list of liens. Take it out of the cart, or ask one of them."
        )
    total = sum((p.item.amount for p in planned), ZERO)
    if total > MAX_AMOUNT:
        raise PaymentError("That visit is more than the books can hold; split it.")
    credit_spent = sum((t.amount for t in tender_rows if t.kind == TenderKind.CREDIT), ZERO)
    if credit_spent:
        _credit_tender_checked(credit_spent, customer, training, planned)
    cash = sum((t.amount for t in tender_rows if t.kind == TenderKind.CASH), ZERO)
    other = sum((t.amount for t in tender_rows if t.kind != TenderKind.CASH), ZERO)
    if other > total:
        raise PaymentError(
            f"{'Checks, cards and credit' if credit_spent else 'Checks and cards'} "
            f"({format_money(other)}) may not exceed the amount due "
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
    if credit_spent:
        lines.append(
            Line(
                accounts[CUSTOMER_CREDITS],
                credit_spent,
                "Credit on account applied",
                customer_id=credit_customer_id,
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
    if not training:
        for plan in planned:
            if plan.bill_update is not None and plan.item.bill is not None:
                Bill.objects.filter(pk=plan.item.bill.pk).update(**plan.bill_update)
                penalty_assessment_record(
                    bill=plan.item.bill, rule_ids=plan.penalty_rules_assessed, entry=entry
                )
    # After the bills are updated: a lien search sold with a payment on the parcel certifies
    # what the parcel owes once the visit is posted, not what it owed before.
    for plan in planned:
        plan.item.payment = payment
        if plan.lien_search is not None:
            _lien_certificate_sold(plan, by=by, training=training, today=today)
    PaymentItem.objects.bulk_create([plan.item for plan in planned])
    for row in tender_rows:
        row.payment = payment
    Tender.objects.bulk_create(tender_rows)
    return payment


def _lien_certificate_sold(plan: _Planned, *, by: User, training: bool, today: date) -> None:
    """Issue the certificate a lien search sells, in the payment's transaction (a sale rolled
    back gives its number back), and name it on the receipt's item."""
    assert plan.lien_search is not None
    parcel, good_through = plan.lien_search
    certificate = lien_certificate_issue(
        property=parcel, good_through=good_through, by=by, training=training, issued_on=today
    )
    plan.item.lien_certificate = certificate
    fee_name = plan.item.fee_type.name if plan.item.fee_type else "Lien search"
    plan.item.description = (
        f"{fee_name} {certificate.number}, parcel {parcel.parcel_number}, "
        f"good through {us_date(good_through)}"
    )[:200]


def _credit_tender_checked(
    spent: Decimal, customer: Customer | None, training: bool, planned: list[_Planned]
) -> None:
    """Credit on account may pay what is owed, up to what the customer holds: checked under a
    lock on the customer's row (which the database's credit trigger takes too)."""
    if training:
        raise PaymentError("Credit on account is live money: it is not spent in training mode.")
    if customer is None:
        raise PaymentError("Credit on account belongs to a customer: add one of their bills.")
    if any(plan.item.credit for plan in planned):
        raise PaymentError("Credit on account pays what is owed: it cannot pay an overpayment too.")
    Customer.objects.select_for_update(no_key=True).filter(pk=customer.pk).first()
    held = customer_credit(customer)
    if spent > held:
        raise PaymentError(
            f"{customer.name} holds {format_money(held)} of credit on account; "
            f"{format_money(spent)} of it cannot be applied."
        )


def _credit_still_held(payment: Payment, taken_back: Decimal) -> None:
    """A void, refund or returned check takes back the credit a receipt left on account: refuse
    with a message (before the database would) when it has been spent or refunded since."""
    if not taken_back or payment.training or payment.customer_id is None:
        return
    customer = Customer.objects.select_for_update(no_key=True).get(pk=payment.customer_id)
    held = customer_credit(customer)
    if taken_back > held:
        raise NotReversible(
            f"Receipt {payment.receipt_number} left {format_money(taken_back)} on "
            f"{customer.name}'s account and only {format_money(held)} of credit is left (it was "
            "applied or refunded since); take the rest as a new payment first."
        )


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
    credit_customer_id: int | None,
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
            Line(
                accounts[CUSTOMER_CREDITS],
                -credit,
                f"Overpayment of bill {bill.number}",
                customer_id=credit_customer_id,
            )
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
        penalty_events_before=len(due.penalty_rules - due.new_penalty_rules),
        interest_months_before=bill.interest_months_assessed,
    )
    update = {
        "principal_balance": due.principal - principal_paid,
        "penalty_balance": due.penalty - penalty_paid,
        "interest_balance": due.interest - interest_paid,
        "balance": due.total - pay,
        "interest_months_assessed": due.interest_months,
    }
    return _Planned(
        item=row, lines=lines, bill_update=update, penalty_rules_assessed=due.new_penalty_rules
    )


# Voids, refunds, returned checks


def business_days_after(start: date, days: int) -> date:
    """The day `days` business days after `start`, skipping Saturdays, Sundays and the days the
    office calendar (billing.Holiday: legal holidays and closures) marks closed.

    The one place the counter counts business days (a check's clearing time)."""
    # Enough calendar days for `days` business days and any run of closures around them.
    closed = closed_days(start, start + timedelta(days=2 * days + 30))
    day = start
    while days > 0:
        day += timedelta(days=1)
        if is_business_day(day, closed):
            days -= 1
    return day


def check_clears_on(payment: Payment) -> date:
    """The first day what `payment`'s checks paid may be given back other than by a same-day
    void: `Office.check_clearing_days` business days after it was taken (default 10)."""
    return business_days_after(payment.posted_on, payment.office.check_clearing_days)


# Names of the database's rules as a clerk would say them; any other refusal gets a plain
# sentence too. Never the database's own text: it names tables and may quote values.
_DATABASE_RULES = {
    "bill_parts_not_negative": "a bill's penalty, interest or principal would fall below $0.00",
    "bill_balance_is_its_parts": "a bill's balance would no longer equal its parts",
    "movement_positive": "an amount must be more than $0.00",
    "one_void_per_payment": "the receipt has been voided already",
    "one_pending_request_per_payment": "a request for this receipt is already waiting",
}


# SQLSTATEs of our own triggers (payments 0030, reconciliation's day close).
_DATABASE_STATES = {
    "DR001": "the drawer is closed and takes no posting; a Supervisor may reopen it",
    "CU001": "the change fund, the safe or the deposits in transit would hold less than nothing",
    "DC001": "the office's day is closed and signed off; post on the next business day",
}


def database_refusal(action: str, exc: DatabaseError) -> PaymentError:
    """The message for a refusal by PostgreSQL during a money action (a check constraint, a
    trigger, a deadlock, a unique key raced in from another window): what a clerk can act on,
    never the database's own text (it names tables and may quote values)."""
    diag = getattr(exc.__cause__, "diag", None)
    constraint = getattr(diag, "constraint_name", None) or ""
    pgcode = getattr(exc.__cause__, "pgcode", None) or ""
    rule = _DATABASE_STATES.get(pgcode) or _DATABASE_RULES.get(
        constraint, "it breaks one of the books' rules"
    )
    return PaymentError(
        f"The books refused this {action}, so nothing was saved: {rule}. Reload the page and "
        "look at the receipt and its bills again; ask a Supervisor if it happens again."
    )


@contextmanager
def database_refusal_explained(action: str) -> Iterator[None]:
    """Turn any refusal by PostgreSQL inside the block into a PaymentError the page shows, never
    an HTTP 500 (issue 8 §9). Nothing was saved: the action's transaction was rolled back.
    Refusals the ledger already names (a closed period, an unbalanced entry) pass through as
    the domain errors they are."""
    try:
        yield
    except DatabaseError as exc:
        raise database_refusal(action, exc) from exc


def _reason_checked(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise PaymentError("Say why; the reason is kept with the record.")
    refuse_card_numbers(reason)
    return reason


def _reversal_locks(payment: Payment) -> tuple[Payment, list[PaymentItem], dict[int, Bill]]:
    """Lock the payment's drawer, the payment and its bills (in id order)."""
    Drawer.objects.select_for_update().get(pk=payment.drawer_id)
    locked = Payment.objects.select_for_update().select_related("office").get(pk=payment.pk)
    items = list(locked.items.select_related("fee_type", "bill").order_by("id"))
    bill_ids = sorted({item.bill_id for item in items if item.bill_id})
    bills = {
        b.pk: b for b in Bill.objects.select_for_update().filter(pk__in=bill_ids).order_by("pk")
    }
    return locked, items, bills


def _standing_refused(locked: Payment) -> None:
    """Refuse a refund (or a request for one) of a receipt of which nothing stands: voided,
    refunded in full, or taken back by a returned check. A receipt with a returned check and
    other tenders still standing (cash, say) may still be refunded for what stands."""
    if locked.status == Payment.Status.VOIDED or (
        locked.status != Payment.Status.POSTED and _taken_back(locked) >= locked.total
    ):
        raise NotReversible(
            f"Receipt {locked.receipt_number} is already {locked.get_status_display().lower()}."
        )


def _approval_checked(by: User, approved_by: User | None, what: str, office: Office) -> User:
    """Dual control: a Supervisor approves, and not the person who asked, unless the office
    allows self-approval (`Office.allow_self_approval`, where one Supervisor works alone).
    Raises ApprovalRequired."""
    if approved_by is None or not _is_approver(approved_by):
        raise ApprovalRequired(f"A {what} needs a Supervisor's approval.")
    if approved_by.pk == by.pk and not office.allow_self_approval:
        raise ApprovalRequired(
            f"A {what} needs a second person: a Supervisor other than the one who asks for it "
            f"({person_name(by)}) approves it."
        )
    return approved_by


def _requests_done(payment: Payment, by: User) -> None:
    ApprovalRequest.objects.filter(payment=payment, status=ApprovalRequest.Status.PENDING).update(
        status=ApprovalRequest.Status.APPROVED, decided_by=by, decided_at=timezone.now()
    )


def _later_change(payment: Payment, bill_ids: Sequence[int]) -> JournalLine | None:
    """The first posting on one of the payment's bills after the payment (another payment, a
    waiver, an adjustment, a refund, a returned check), leaving out entries that were voided
    and their voids (they cancel out). A void puts the bill back as it was before the payment,
    so it cannot come after any of these."""
    return (
        JournalLine.objects.filter(bill_id__in=list(bill_ids), entry_id__gt=payment.entry_id)
        .filter(entry__reverses__isnull=True, entry__reversed_by__isnull=True)
        .select_related("entry")
        .order_by("entry_id")
        .first()
    )


def _void_refused(locked: Payment, bills: dict[int, Bill], by: User) -> None:
    """Every reason a void cannot be done, each with what to do instead: nothing stands, it was
    refunded in part or had a check returned, another clerk's drawer, the drawer closed, not
    today's, the drawer short of the cash, a later payment on a bill, or any later change to a
    bill (a waiver, an adjustment, a refund, a returned check)."""
    _standing_refused(locked)
    if locked.reversals.exists():
        raise NotReversible(
            f"Receipt {locked.receipt_number} has been refunded in part or had a check "
            "returned: a void would undo that too. Refund the rest instead."
        )
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
    adjusted = (
        None
        if locked.training
        else BillAdjustment.objects.filter(bill_id__in=list(bills), entry_id__gt=locked.entry_id)
        .select_related("bill")
        .first()
    )
    if adjusted is not None:
        # Putting the bill back as it was before this receipt would undo the adjustment's
        # assessment too (and charge it again).
        raise NotReversible(
            f"Bill {adjusted.bill.number} was {adjusted.get_kind_display().lower()} after "
            "this receipt; refund it instead."
        )
    changed = None if locked.training else _later_change(locked, list(bills))
    if changed is not None:
        number = bills[changed.bill_id].number if changed.bill_id else ""
        raise NotReversible(
            f"Bill {number} changed after this receipt ({changed.entry.memo}); a void "
            "would undo that too: refund it instead."
        )


def payment_void(
    *, payment: Payment, reason: str, by: User, approved_by: User | None
) -> PaymentReversal:
    """Void a payment the same day while its drawer is open: post the exact reverse of its entry
    and put the bills back as they were (penalty counters included).

    Refused (NotReversible, with what to do instead) when anything changed one of its bills
    after it: a later payment, a waiver, an adjustment, a refund or a returned check (issue 8
    §9). ApprovalRequired: dual control (§10)."""
    reason = _reason_checked(reason)
    approver = _approval_checked(by, approved_by, "void", payment.office)
    with database_refusal_explained("void"), transaction.atomic():
        locked, items, bills = _reversal_locks(payment)
        _void_refused(locked, bills, by)
        _credit_still_held(locked, sum((item.credit for item in items), ZERO))
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
                    interest_months_assessed=item.interest_months_before,
                )
            penalty_assessments_undo(entry=locked.entry)
        Payment.objects.filter(pk=locked.pk).update(status=Payment.Status.VOIDED)
        _requests_done(locked, approver)
        return PaymentReversal.objects.create(
            payment=locked,
            kind=PaymentReversal.Kind.VOID,
            reason=reason,
            amount=locked.total,
            taken_back=locked.total,
            requested_by=by,
            approved_by=approver,
            entry=entry,
        )


def _unapplied_lines(
    items: Sequence[PaymentItem],
    training: bool,
    *,
    skip: Decimal = ZERO,
    limit: Decimal,
    customer_id: int | None = None,
) -> tuple[list[Line], list[tuple[PaymentItem, dict[str, Decimal]]], list[PaymentItem]]:
    """Lines that take back `limit` of what the items applied (not the assessments), last
    applied first, after the `skip` that earlier refunds and returned checks took back (they
    took in the same order). Returns the lines, what each bill item gets back, and the fee
    items taken back (with their `amount` set to the part taken back). An overpayment's credit
    taken back names `customer_id`, whose credit on account it was."""
    accounts = _accounts(CUSTOMER_CREDITS)
    lines: list[Line] = []
    reopened: dict[int, tuple[PaymentItem, dict[str, Decimal]]] = {}
    fees: list[PaymentItem] = []
    left = limit
    for item, part, amount in take_back_order(items):
        skipped = min(skip, amount)
        skip -= skipped
        take = min(left, amount - skipped)
        if take <= 0:
            continue
        left -= take
        if part == "amount":
            assert item.fee_type is not None
            lines.append(
                Line(item.fee_type.revenue_account, take, f"Taken back: {item.description}"[:255])
            )
            fees.append(
                PaymentItem(fee_type=item.fee_type, description=item.description, amount=take)
            )
            continue
        assert item.bill is not None  # an item is a bill or a fee (a database constraint)
        if part == "credit":
            memo = f"Credit taken back: {item.bill.number}"
            lines.append(
                Line(
                    accounts[CUSTOMER_CREDITS],
                    take,
                    memo,
                    customer_id=None if training else customer_id,
                )
            )
            continue
        parts = reopened.setdefault(
            item.pk, (item, {"principal_paid": ZERO, "interest_paid": ZERO, "penalty_paid": ZERO})
        )[1]
        parts[part] += take
    for item, parts in reopened.values():
        assert item.bill is not None
        lines.append(
            Line(
                item.bill.receivable_account,
                sum(parts.values(), ZERO),
                f"Reopened bill {item.bill.number}",
                None if training else item.bill_id,
            )
        )
    return lines, list(reopened.values()), fees


def _credit_taken_back(lines: Sequence[Line]) -> Decimal:
    return sum((line.amount for line in lines if line.customer_id and line.amount > 0), ZERO)


def _bills_reopen(reopened: list[tuple[PaymentItem, dict[str, Decimal]]]) -> None:
    for item, parts in reopened:
        Bill.objects.filter(payment_items=item).update(
            principal_balance=F("principal_balance") + parts["principal_paid"],
            interest_balance=F("interest_balance") + parts["interest_paid"],
            penalty_balance=F("penalty_balance") + parts["penalty_paid"],
            balance=F("balance") + sum(parts.values(), ZERO),
        )


def _cancelled_bills_kept_closed(
    payment: Payment,
    lines: list[Line],
    reopened: list[tuple[PaymentItem, dict[str, Decimal]]],
) -> tuple[list[Line], list[tuple[PaymentItem, dict[str, Decimal]]]]:
    """A refund gives back what a payment applied to a bill that was cancelled after it (a
    billing error, an appeal won): the bill was forgiven, so it must not owe again. What the
    refund takes back from such a bill comes out of what the cancellation took it back from
    (the bill's revenue, penalty and interest revenue, or 5200 Bills written off) instead of
    reopening the receivable. Returns the lines and the bills still to reopen."""
    bill_ids = [item.bill_id for item, _ in reopened if item.bill_id is not None]
    if payment.training or not bill_ids:
        return lines, reopened
    cancelled: dict[int | None, BillAdjustment] = {
        adjustment.bill_id: adjustment
        for adjustment in BillAdjustment.objects.filter(
            bill_id__in=bill_ids,
            kind=BillAdjustment.Kind.CANCEL,
            entry_id__gt=payment.entry_id,
        ).select_related("bill")
    }
    if not cancelled:
        return lines, reopened
    kept = [line for line in lines if not (line.bill_id in cancelled and line.amount > 0)]
    still = []
    accounts = _accounts(PENALTY_INTEREST_ACCOUNT_CODE, WRITE_OFF_ACCOUNT_CODE)
    for item, parts in reopened:
        adjustment = cancelled.get(item.bill_id)
        if adjustment is None:
            still.append((item, parts))
            continue
        memo = f"Refund on bill {adjustment.bill.number}, cancelled since"
        extras = parts["penalty_paid"] + parts["interest_paid"]
        principal = parts["principal_paid"]
        if adjustment.written_off:
            kept.append(Line(accounts[WRITE_OFF_ACCOUNT_CODE], extras + principal, memo))
            continue
        if extras:
            kept.append(Line(accounts[PENALTY_INTEREST_ACCOUNT_CODE], extras, memo))
        if principal:
            kept += [
                Line(account, part, memo)
                for account, part in principal_by_revenue_account(adjustment.bill, principal)
            ]
    return kept, still


def _taken_back(payment: Payment) -> Decimal:
    """What earlier refunds, returned checks and voids took back from the payment's items."""
    return payment.reversals.aggregate(total=Sum("taken_back"))["total"] or ZERO


@dataclass(frozen=True)
class _RefundSplit:
    """How a refund goes back: to the card, back on account (what credit on account paid), and
    the rest in cash or by city check, of which `by_check` was paid by check (waits for the
    check to clear)."""

    card: Decimal
    credit: Decimal
    rest: Decimal
    by_check: Decimal


def _refund_split(payment: Payment, amount: Decimal) -> _RefundSplit:
    """Card tenders are refunded to the card first, then what credit on account paid goes back
    on account; the rest is what cash paid (net of change) and then what checks paid, after
    what earlier refunds gave back the same way."""
    tenders = list(payment.tenders.all())
    refunds = list(payment.reversals.filter(kind=PaymentReversal.Kind.REFUND))
    card_paid = sum((t.amount for t in tenders if t.kind == TenderKind.CARD), ZERO)
    card_left = card_paid - sum((r.card_amount for r in refunds), ZERO)
    card = min(amount, max(card_left, ZERO))
    credit_paid = sum((t.amount for t in tenders if t.kind == TenderKind.CREDIT), ZERO)
    credit_before = sum((r.credit_amount for r in refunds), ZERO)
    credit = min(amount - card, max(credit_paid - credit_before, ZERO))
    rest = amount - card - credit
    cash_paid = sum((t.amount for t in tenders if t.kind == TenderKind.CASH), ZERO) - payment.change
    cash_before = sum((r.amount - r.card_amount - r.credit_amount for r in refunds), ZERO)
    cash_left = cash_paid - cash_before
    return _RefundSplit(
        card=card, credit=credit, rest=rest, by_check=max(rest - max(cash_left, ZERO), ZERO)
    )


def _check_money_cleared(payment: Payment, split: _RefundSplit) -> None:
    """Refuse to give back what a check paid before the check has cleared (issue 8 §5)."""
    if not split.by_check:
        return
    clears_on = check_clears_on(payment)
    if timezone.localdate() >= clears_on:
        return
    numbers = ", ".join(t.check_number for t in payment.tenders.all() if t.kind == TenderKind.CHECK)
    raise NotReversible(
        f"{format_money(split.by_check)} of this refund was paid by check {numbers}, which the "
        f"bank may still return until it clears on {us_date(clears_on)}. Until then: void the "
        "receipt today (the check handed back), or send a refund request to the Supervisors' "
        "queue, paid by city check once the check clears."
    )


def _payout_lines(
    split: _RefundSplit, paying: Drawer | None, city_check_number: str, customer_id: int | None
) -> list[Line]:
    """Where a refund's money goes: back to the card (Cr 1020), back on account what credit on
    account paid (Cr 2100 naming `customer_id`), and the rest in cash out of the paying drawer
    (Cr 1000) or by city check (Cr 1100 Bank)."""
    accounts = _accounts(CASH_IN_DRAWER, CARD_CLEARING, BANK, CUSTOMER_CREDITS)
    paying_id = paying.pk if paying is not None else None
    lines = []
    if split.rest and paying is not None:
        lines.append(
            Line(accounts[CASH_IN_DRAWER], -split.rest, "Refund paid out", None, paying_id)
        )
    elif split.rest:
        memo = f"Refund by city check {city_check_number}"
        lines.append(Line(accounts[BANK], -split.rest, memo))
    if split.card:
        lines.append(Line(accounts[CARD_CLEARING], -split.card, "Refund to card", None, paying_id))
    if split.credit:
        memo = "Refund to credit on account"
        lines.append(Line(accounts[CUSTOMER_CREDITS], -split.credit, memo, customer_id=customer_id))
    return lines


def _refund_by_token(
    token: uuid.UUID | None, payment: Payment, amount: Decimal | None
) -> PaymentReversal | None:
    """The refund a form's one-time `token` already made (a double-click or a reload), if any.
    Raises TokenReused when the token made another reversal or another amount."""
    if token is None:
        return None
    earlier = PaymentReversal.objects.filter(token=token).first()
    if earlier is None:
        return None
    if (
        earlier.payment_id != payment.pk
        or earlier.kind != PaymentReversal.Kind.REFUND
        or (amount is not None and earlier.amount != amount)
    ):
        raise TokenReused("This form was already used for another refund; reload the page.")
    return earlier


def payment_refund(
    *,
    payment: Payment,
    reason: str,
    by: User,
    approved_by: User | None,
    drawer: Drawer | None = None,
    amount: Decimal | None = None,
    city_check_number: str = "",
    token: uuid.UUID | None = None,
) -> PaymentReversal:
    """Give a customer back what still stands of a payment, or a part of it (`amount`, say only
    an overpayment credit). What it applied is taken back last applied first (credits first);
    bills reopen, penalty and interest assessed stay assessed.

    Card tenders go back to the card first. The rest is paid in cash out of `drawer`, or by the
    city check a Supervisor wrote (`city_check_number`, credited to the bank). What a check paid
    is given back neither way until the check has cleared (`check_clears_on`, issue 8 §5):
    before that, a same-day void hands the check back, or a refund request waits in the
    Supervisors' queue. Raises ApprovalRequired (dual control, §10), NotReversible (nothing
    left, the check not cleared, the drawer short), PaymentError (a bad amount)."""
    reason = _reason_checked(reason)
    approver = _approval_checked(by, approved_by, "refund", payment.office)
    if amount is not None:
        amount = _money(amount, "The amount to refund")
    city_check_number = city_check_number.strip()
    refuse_card_numbers(city_check_number)
    if len(city_check_number) > 20:
        raise PaymentError("A city check number has at most 20 characters.")
    if drawer is None and not city_check_number:
        raise NoOpenDrawer("Open a drawer first: the refund is paid out of it.")
    with database_refusal_explained("refund"), transaction.atomic():
        # Both drawers in id order: two refunds, each paid out of the other's drawer, would
        # otherwise wait for each other (a deadlock).
        ids = sorted({payment.drawer_id} | ({drawer.pk} if drawer is not None else set()))
        list(Drawer.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
        paying = None if city_check_number or drawer is None else _open_drawer_locked(drawer)
        locked, items, _ = _reversal_locks(payment)
        earlier = _refund_by_token(token, locked, amount)
        if earlier is not None:
            return earlier
        _standing_refused(locked)
        if paying is not None and paying.training != locked.training:
            raise NotReversible("Refund a training receipt from a training drawer, and only then.")
        if city_check_number and locked.training:
            raise NotReversible("A training receipt is refunded from a training drawer.")
        taken = _taken_back(locked)
        standing = locked.total - taken
        amount = standing if amount is None else amount
        if amount > standing:
            raise NotReversible(
                f"Only {format_money(standing)} of receipt {locked.receipt_number} stands; "
                f"{format_money(amount)} cannot be refunded."
            )
        split = _refund_split(locked, amount)
        _check_money_cleared(locked, split)
        if paying is not None and split.rest > drawer_cash_expected(paying):
            raise NotReversible(
                f"The drawer should hold only {format_money(drawer_cash_expected(paying))} in "
                f"cash; {format_money(split.rest)} cannot be paid out of it."
            )
        lines, reopened, _fees = _unapplied_lines(
            items, locked.training, skip=taken, limit=amount, customer_id=locked.customer_id
        )
        _credit_still_held(locked, _credit_taken_back(lines))
        lines, reopened = _cancelled_bills_kept_closed(locked, lines, reopened)
        lines += _payout_lines(split, paying, city_check_number, locked.customer_id)
        # Not `reverses=`: that link means the exact mirror (ledger_violations checks it), and a
        # refund is not one (assessments stay, the cash comes out of another drawer).
        entry = post(
            entry_date=timezone.localdate(),
            memo=f"Refund of {format_money(amount)} on receipt {locked.receipt_number}: {reason}",
            source=PaymentSource.REFUND,
            by=by,
            book=Book.TRAINING if locked.training else Book.LIVE,
            lines=lines,
        )
        if not locked.training:
            _bills_reopen(reopened)
        if amount == standing:
            Payment.objects.filter(pk=locked.pk).update(status=Payment.Status.REFUNDED)
        _requests_done(locked, approver)
        return PaymentReversal.objects.create(
            payment=locked,
            kind=PaymentReversal.Kind.REFUND,
            reason=reason,
            amount=amount,
            taken_back=amount,
            card_amount=split.card,
            credit_amount=split.credit,
            city_check_number=city_check_number,
            requested_by=by,
            approved_by=approver,
            drawer=paying,
            entry=entry,
            token=token,
        )


def check_writer_refused(names: Sequence[str]) -> str | None:
    """The first of `names` (a check's payer, the visit's payer) that wrote a check the bank
    returned, or None. The flag follows the name on the check, whichever customer record a
    visit is under."""
    keys = {check_writer_key(name): name for name in names if check_writer_key(name)}
    if not keys:
        return None
    flagged = CheckWriterFlag.objects.filter(name_key__in=list(keys)).values_list(
        "name_key", flat=True
    )
    return next((keys[key] for key in flagged), None)


def _check_chosen(locked: Payment, check: Tender | None) -> Tender:
    checks = [t for t in locked.tenders.all() if t.kind == TenderKind.CHECK]
    if not checks:
        raise NotReversible(f"Receipt {locked.receipt_number} was not paid by check.")
    if check is None:
        live = [t for t in checks if not t.returned]
        if not live:
            raise NotReversible(
                f"The check on receipt {locked.receipt_number} is already recorded as returned."
            )
        if len(live) > 1:
            numbers = ", ".join(t.check_number for t in live)
            raise PaymentError(
                f"Receipt {locked.receipt_number} was paid with {len(live)} checks ({numbers}): "
                "say which one the bank returned."
            )
        return live[0]
    chosen = next((t for t in checks if t.pk == check.pk), None)
    if chosen is None:
        raise PaymentError(f"That check is not one of receipt {locked.receipt_number}'s.")
    if chosen.returned:
        raise NotReversible(
            f"Check {chosen.check_number} on receipt {locked.receipt_number} is already "
            "recorded as returned."
        )
    return chosen


def returned_check_record(
    *, payment: Payment, reason: str, by: User, check: Tender | None = None
) -> PaymentReversal:
    """The bank returned one check unpaid (`check`; may be left out when the receipt has one
    check not yet returned). Whenever it comes back (issue 8 §5):

    - what the check paid and still stands on the receipt is taken back, last applied first:
      the bills reopen (Dr receivable, Cr bank);
    - what it paid that is no longer applied (the receipt was refunded since) is billed to
      the check writer with the returned-check fee, on one invoice (Dr receivable, Cr bank and
      Cr fee revenue); goods it paid for are billed there too;
    - the check writer's name is flagged (CheckWriterFlag), and the customer record: no more
      checks from either.

    Raises ApprovalRequired (not a Supervisor), NotReversible (training, voided, already
    returned, not a check), PaymentError (which check)."""
    reason = _reason_checked(reason)
    if not by.has_perm("payments.record_returned_check"):
        raise ApprovalRequired("Only a Supervisor records a returned check.")
    with database_refusal_explained("returned check"), transaction.atomic():
        locked, items, _ = _reversal_locks(payment)
        if locked.training:
            raise NotReversible("Training receipts take no real checks.")
        if locked.status == Payment.Status.VOIDED:
            raise NotReversible(
                f"Receipt {locked.receipt_number} was voided: its check was handed back, so "
                "the bank cannot return it."
            )
        chosen = _check_chosen(locked, check)
        # Taken back from wherever the check is now: the safe, a bag in transit, the bank.
        where = check_location(chosen)
        amount = chosen.amount
        taken = _taken_back(locked)
        reopen = min(amount, locked.total - taken)
        billed = amount - reopen
        today = timezone.localdate()
        entry = None
        fees: list[PaymentItem] = []
        credit_spent = ZERO
        if reopen:
            lines, reopened, fees = _unapplied_lines(
                items, False, skip=taken, limit=reopen, customer_id=locked.customer_id
            )
            lines, credit_spent = _credit_lines_held(locked, lines)
            in_entry = reopen - credit_spent
            if in_entry:
                lines.append(
                    Line(
                        where.account,
                        -in_entry,
                        f"Returned check {chosen.check_number} (from {where.where})"[:255],
                        drawer_id=where.drawer_id,
                        office_id=where.office_id,
                    )
                )
                # Not `reverses=` (see payment_refund): the bank is credited, not the checks in
                # drawer.
                entry = post(
                    entry_date=today,
                    memo=f"Returned check {chosen.check_number} on receipt "
                    f"{locked.receipt_number}: {reason}",
                    source=PaymentSource.RETURNED_CHECK,
                    by=by,
                    lines=lines,
                )
            _bills_reopen(reopened)
        writer = chosen.check_payer.strip() or locked.payer_name.strip() or "Check writer"
        customer = locked.customer or Customer.objects.create(name=writer)
        Customer.objects.filter(pk=customer.pk).update(checks_refused=True)
        fee_bill = _returned_check_bill(
            locked, chosen, customer, fees, billed, credit_spent, by, where
        )
        Tender.objects.filter(pk=chosen.pk).update(returned=True)
        if locked.status == Payment.Status.POSTED:
            Payment.objects.filter(pk=locked.pk).update(status=Payment.Status.RETURNED)
        reversal = PaymentReversal.objects.create(
            payment=locked,
            kind=PaymentReversal.Kind.RETURNED_CHECK,
            reason=reason,
            amount=amount,
            taken_back=reopen,
            billed=billed + credit_spent,
            tender=chosen,
            requested_by=by,
            approved_by=by,
            entry=entry,
            fee_bill=fee_bill,
            # the drawer the check was taken back from, while it was still in one
            drawer_id=where.drawer_id,
        )
        CheckWriterFlag.objects.create(
            name=writer[:200],
            name_key=check_writer_key(writer)[:200],
            customer=customer,
            reversal=reversal,
        )
        return reversal


def _credit_lines_held(payment: Payment, lines: list[Line]) -> tuple[list[Line], Decimal]:
    """A returned check takes back the overpayment credit its receipt left on account; what of
    that credit the customer has applied or been refunded since is no longer on account, so it
    is billed instead (issue 8 §5: a returned check is recorded whenever the bank returns it).
    Returns the lines with the credit taken back cut to what the customer holds (under a lock
    on the customer's row), and the part cut off, in dollars."""
    wanted = _credit_taken_back(lines)
    if not wanted or payment.customer_id is None:
        return lines, ZERO
    customer = Customer.objects.select_for_update(no_key=True).get(pk=payment.customer_id)
    held = customer_credit(customer)
    spent = max(wanted - held, ZERO)
    if not spent:
        return lines, ZERO
    kept: list[Line] = []
    left = held
    for line in lines:
        if line.customer_id and line.amount > 0:
            part = min(line.amount, left)
            left -= part
            if part:
                kept.append(replace(line, amount=part))
            continue
        kept.append(line)
    return kept, spent


def _returned_check_bill(
    payment: Payment,
    check: Tender,
    customer: Customer,
    fees: list[PaymentItem],
    billed: Decimal,
    credit_spent: Decimal,
    by: User,
    where: CheckLocation,
) -> Bill | None:
    """One invoice for what the returned check leaves owed outside the reopened bills: the
    returned-check fee, goods it paid for, what it paid that had been refunded since
    (`billed`), and the overpayment credit it left that has been applied or refunded since
    (`credit_spent`); the last two are Dr receivable, Cr wherever the check is (`where`)."""
    fee_type = FeeType.objects.filter(
        category=FeeType.Category.RETURNED_CHECK, is_active=True
    ).first()
    today = timezone.localdate()
    fee = fee_price(fee_type, today) if fee_type else None
    charge_type = ChargeType.objects.get(code="returned_check_fee")
    charges = []
    if fee:
        charges.append(Charge(charge_type, fee, f"Returned check fee (check {check.check_number})"))
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
    if billed:
        # The bank took this back and the receipt no longer holds it: Dr receivable, Cr bank.
        charges.append(
            Charge(
                charge_type,
                billed,
                f"Returned check {check.check_number}: paid on receipt "
                f"{payment.receipt_number} and refunded since",
                revenue_account=where.account,
                office_id=where.office_id,
                drawer_id=where.drawer_id,
            )
        )
    if credit_spent:
        charges.append(
            Charge(
                charge_type,
                credit_spent,
                f"Returned check {check.check_number}: kept as credit on account on receipt "
                f"{payment.receipt_number} and applied or refunded since",
                revenue_account=where.account,
                office_id=where.office_id,
                drawer_id=where.drawer_id,
            )
        )
    if not charges:
        return None
    return invoice_create(
        customer=customer,
        charges=charges,
        due_date=today + timedelta(days=30),
        memo=f"Returned check {check.check_number} (receipt {payment.receipt_number})",
        by=by,
    )


# Customer credits


def _credit_cleared(customer: Customer, held: Decimal, amount: Decimal) -> None:
    """Refuse to pay out credit that a check not yet cleared paid for (issue 8 §5: check money
    is not given back until the check clears). A receipt's overpayment credit counts as paid by
    its checks first, up to what they paid; credit from checks still clearing stays on account
    (it can pay bills) but is not refunded before the check clears. Raises NotReversible."""
    today = timezone.localdate()
    waiting = ZERO
    clears_last: date | None = None
    numbers: list[str] = []
    overpaid = (
        Payment.objects.filter(
            customer=customer,
            training=False,
            status=Payment.Status.POSTED,
            items__credit__gt=0,
            tenders__kind=TenderKind.CHECK,
        )
        .distinct()
        .select_related("office")
        .prefetch_related("items", "tenders")
    )
    for payment in overpaid:
        clears_on = check_clears_on(payment)
        if clears_on <= today:
            continue
        checks = [t for t in payment.tenders.all() if t.kind == TenderKind.CHECK and not t.returned]
        kept = sum((item.credit for item in payment.items.all()), ZERO)
        part = min(kept, sum((t.amount for t in checks), ZERO))
        if part:
            waiting += part
            numbers += [t.check_number for t in checks]
            clears_last = max(clears_on, clears_last or clears_on)
    free = max(held - waiting, ZERO)
    if amount > free:
        raise NotReversible(
            f"{format_money(min(waiting, held))} of {customer.name}'s credit was paid by check "
            f"{', '.join(numbers)}, which the bank may still return until it clears on "
            f"{us_date(clears_last)}; {format_money(free)} can be refunded now, the rest once "
            "the check clears (it can still pay bills at the counter)."
        )


def credit_refund(
    *,
    customer: Customer,
    amount: Decimal,
    method: str,
    reason: str,
    by: User,
    approved_by: User | None,
    token: uuid.UUID,
    drawer: Drawer | None = None,
    payee: str = "",
) -> CreditRefund:
    """A Supervisor pays back `amount` dollars of `customer`'s credit on account, approved by
    a second Supervisor (`approved_by`; dual control, issue 8 §10: the office may allow
    self-approval where one Supervisor works alone): in cash out of the open live `drawer`
    (Dr 2100 naming the customer, Cr 1000 Cash in drawer), or by a city check that accounts
    payable will issue (Cr 2110 Refunds payable). Idempotent on `token`.

    Raises ApprovalRequired (not a Supervisor, or no second Supervisor), NoOpenDrawer,
    PaymentError (more than the customer holds, more cash than the drawer holds) and
    TokenReused."""
    if not by.has_perm("payments.refund_credit"):
        raise ApprovalRequired("Only a Supervisor refunds a customer's credit on account.")
    cash_drawer = drawer if method == CreditRefund.Method.CASH else None
    approver = _approval_checked(
        by, approved_by, "credit refund", credit_refund_office(cash_drawer)
    )
    if method not in CreditRefund.Method.values:
        raise PaymentError("Choose how the credit is paid back: cash, or a city check.")
    amount = _money(amount, "The refund")
    reason = _reason_checked(reason)
    payee = payee.strip() or customer.name
    refuse_card_numbers(payee)
    if method == CreditRefund.Method.CASH and drawer is None:
        raise NoOpenDrawer("Choose the open drawer the cash comes out of.")
    with database_refusal_explained("credit refund"), transaction.atomic():
        paying = None
        if method == CreditRefund.Method.CASH:
            assert drawer is not None
            paying = _open_drawer_locked(drawer)
            if paying.training:
                raise PaymentError("A training drawer holds no real money: choose a live one.")
        locked = Customer.objects.select_for_update(no_key=True).get(pk=customer.pk)
        earlier = CreditRefund.objects.filter(token=token).first()
        if earlier is not None:
            if (earlier.customer_id, earlier.amount, earlier.method) != (locked.pk, amount, method):
                raise TokenReused("This form was already used; reload the page, start again.")
            return earlier
        held = customer_credit(locked)
        if amount > held:
            raise PaymentError(
                f"{locked.name} holds {format_money(held)} of credit on account; "
                f"{format_money(amount)} cannot be refunded."
            )
        _credit_cleared(locked, held, amount)
        accounts = _accounts(CUSTOMER_CREDITS, CASH_IN_DRAWER, REFUNDS_PAYABLE)
        memo = f"Credit refunded to {locked.name}"
        if paying is not None:
            available = drawer_cash_expected(paying)
            if amount > available:
                raise PaymentError(
                    f"The drawer should hold {format_money(available)} in cash; "
                    f"{format_money(amount)} cannot be paid out of it."
                )
            paid_from = Line(accounts[CASH_IN_DRAWER], -amount, memo, None, paying.pk)
        else:
            paid_from = Line(accounts[REFUNDS_PAYABLE], -amount, f"City check to {payee}"[:255])
        entry = post(
            entry_date=timezone.localdate(),
            memo=f"{memo} ({CreditRefund.Method(method).label.lower()}): {reason}",
            source=PaymentSource.CREDIT_REFUND,
            by=by,
            lines=[
                Line(accounts[CUSTOMER_CREDITS], amount, memo, customer_id=locked.pk),
                paid_from,
            ],
        )
        return CreditRefund.objects.create(
            customer=locked,
            amount=amount,
            method=method,
            drawer=paying,
            payee=payee[:200],
            reason=reason[:300],
            refunded_by=by,
            approved_by=approver,
            entry=entry,
            token=token,
        )


# Approvals and reviews


def approval_request(
    *,
    payment: Payment,
    kind: str,
    reason: str,
    by: User,
    refund_drawer: Drawer | None = None,
    amount: Decimal | None = None,
    by_city_check: bool = False,
) -> ApprovalRequest:
    """Put a void or refund in the Supervisors' queue. A refund is paid out of `refund_drawer`,
    or (`by_city_check`) by a city check the deciding Supervisor writes once the customer's
    check has cleared; `amount` refunds a part (None: all that stands)."""
    reason = _reason_checked(reason)
    if kind not in (PaymentReversal.Kind.VOID, PaymentReversal.Kind.REFUND):
        raise PaymentError("Only voids and refunds wait for approval.")
    if kind == PaymentReversal.Kind.VOID and (amount is not None or by_city_check):
        raise PaymentError("A void takes back the whole receipt; a part is refunded.")
    if kind == PaymentReversal.Kind.REFUND and refund_drawer is None and not by_city_check:
        raise NoOpenDrawer("Open a drawer first: the refund is paid out of it.")
    if amount is not None:
        amount = _money(amount, "The amount to refund")
    with database_refusal_explained("request"), transaction.atomic():
        locked = Payment.objects.select_for_update().get(pk=payment.pk)
        _standing_refused(locked)
        standing = locked.total - _taken_back(locked)
        if amount is not None and amount > standing:
            raise NotReversible(
                f"Only {format_money(standing)} of receipt {locked.receipt_number} stands; "
                f"{format_money(amount)} cannot be refunded."
            )
        pending = ApprovalRequest.objects.filter(
            payment=locked, status=ApprovalRequest.Status.PENDING
        ).first()
        if pending is not None:
            return pending
        return ApprovalRequest.objects.create(
            payment=locked,
            kind=kind,
            reason=reason,
            requested_by=by,
            refund_drawer=None if by_city_check else refund_drawer,
            amount=amount,
            by_city_check=by_city_check,
        )


def approval_decide(
    *,
    request: ApprovalRequest,
    approve: bool,
    by: User,
    note: str = "",
    city_check_number: str = "",
) -> ApprovalRequest:
    """A Supervisor other than the one who asked (dual control, unless the office allows
    self-approval) approves, and the void or refund is done at once, or rejects a request.
    A refund by city check is approved with the city check's number, once the customer's check
    has cleared. Raises ApprovalRequired, NotReversible, PaymentError."""
    if not _is_approver(by):
        raise ApprovalRequired("Only a Supervisor decides approval requests.")
    refuse_card_numbers(note)
    if approve and request.by_city_check and not city_check_number.strip():
        raise PaymentError("Give the number of the city check that pays this refund.")
    with database_refusal_explained("decision"), transaction.atomic():
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
            _approval_checked(
                locked.requested_by, by, locked.get_kind_display().lower(), locked.payment.office
            )
            if locked.kind == PaymentReversal.Kind.VOID:
                payment_void(
                    payment=locked.payment,
                    reason=locked.reason,
                    by=locked.requested_by,
                    approved_by=by,
                )
            else:
                payment_refund(
                    payment=locked.payment,
                    reason=locked.reason,
                    by=locked.requested_by,
                    approved_by=by,
                    drawer=locked.refund_drawer,
                    amount=locked.amount,
                    city_check_number=city_check_number if locked.by_city_check else "",
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
