"""A clerk's drawer: opening it with a float, cash drops and pickups, and the office's
counter set-up."""

import uuid
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from billing.models import FeeType
from cashiering.people import person_name
from ledger.chart import CASH_IN_DRAWER, CASH_IN_SAFE, CHANGE_FUND
from ledger.models import JournalEntry
from ledger.money import MAX_AMOUNT, ZERO, format_money
from ledger.services import Line, post
from payments.custody import movement_recorded
from payments.errors import ApprovalRequired, DrawerError, NoOpenDrawer, PaymentError, TokenReused
from payments.models import (
    DENOMINATIONS,
    CashMovement,
    DenominationCount,
    Drawer,
    Office,
    PaymentPolicy,
    StockCount,
    Workstation,
)
from payments.selectors import change_fund_held, drawer_cash_expected
from payments.services.common import (
    PaymentSource,
    _accounts,
    _approval_checked,
    _from_row,
    _money,
    _select_list,
    database_refusal,
    database_refusal_explained,
    refuse_card_numbers,
)


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
    opening_float = _float_counted(counts)
    stock = stock or {}
    _stock_checked(stock)
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
            if opening_float and not training:
                _change_fund_covers(workstation.office, opening_float)
            drawer = _drawer_created(
                clerk, workstation, counts, stock, opening_float, training, token
            )
            if opening_float:
                _float_posted(drawer, clerk)
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


_DENOMINATION_VALUES = {label: value for value, label in DENOMINATIONS}


def _float_counted(counts: dict[str, int]) -> Decimal:
    """The opening float the counts add up to; refuses a note or coin the drawer does not hold
    and a count that is not a whole number from 0 to 100,000."""
    for label, quantity in counts.items():
        if label not in _DENOMINATION_VALUES:
            raise DrawerError(f"{label!r} is not a note or coin the drawer holds.")
        if not isinstance(quantity, int) or quantity < 0 or quantity > 100_000:
            raise DrawerError(f"{label}: count a whole number from 0 to 100,000.")
    opening_float = sum((_DENOMINATION_VALUES[label] * n for label, n in counts.items()), ZERO)
    if opening_float > MAX_AMOUNT:
        raise DrawerError("That float is more than the books can hold.")
    return opening_float


def _stock_checked(stock: dict[int, int]) -> None:
    """Only trash tags and permit cards are counted as stock, each 0 to 100,000."""
    stock_types = FeeType.objects.in_bulk(list(stock))
    for fee_type_id, quantity in stock.items():
        fee_type = stock_types.get(fee_type_id)
        if fee_type is None or not fee_type.counted_as_stock:
            raise DrawerError("Only trash tags and permit cards are counted as stock.")
        if not isinstance(quantity, int) or quantity < 0 or quantity > 100_000:
            raise DrawerError(f"{fee_type}: count a whole number from 0 to 100,000.")


def _drawer_created(
    clerk: User,
    workstation: Workstation,
    counts: dict[str, int],
    stock: dict[int, int],
    opening_float: Decimal,
    training: bool,
    token: uuid.UUID | None,
) -> Drawer:
    """The drawer row with its opening counts of notes and coins and of stock."""
    drawer = Drawer.objects.create(
        clerk=clerk,
        workstation=workstation,
        office=workstation.office,
        training=training,
        opening_float=opening_float,
        opened_on=timezone.localdate(),
        token=token,
    )
    DenominationCount.objects.bulk_create(
        DenominationCount(
            drawer=drawer,
            stage=DenominationCount.Stage.OPENING,
            label=label,
            denomination=_DENOMINATION_VALUES[label],
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
    return drawer


def _float_posted(drawer: Drawer, clerk: User) -> None:
    """Dr Cash in drawer, Cr the change fund (of the office; a training drawer's float comes
    from no office's fund), and name the entry as the drawer's opening."""
    accounts = _accounts(CASH_IN_DRAWER, CHANGE_FUND)
    opening_float = drawer.opening_float
    entry = post(
        entry_date=drawer.opened_on,
        memo=f"Drawer {drawer.pk} opened at {drawer.workstation} with a float of "
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
                office_id=None if drawer.training else drawer.office_id,
            ),
        ],
    )
    Drawer.objects.filter(pk=drawer.pk).update(opening_entry=entry)
    drawer.opening_entry = entry


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


def _cash_movement_allowed(
    *, drawer: Drawer, kind: str, by: User, received_by: User | None
) -> None:
    """A drop is the drawer's clerk's (received by another Supervisor, dual control); a pickup
    is a Supervisor's."""
    if kind not in CashMovement.Kind.values:
        raise PaymentError("A cash movement is a drop or a pickup.")
    if kind == CashMovement.Kind.PICKUP and not by.has_perm("payments.pickup_cash"):
        raise ApprovalRequired("Only a Supervisor picks up cash from a drawer.")
    if kind == CashMovement.Kind.DROP and by.pk != drawer.clerk_id:
        raise DrawerError("Only the drawer's clerk drops its cash to the safe.")
    if kind == CashMovement.Kind.DROP and received_by is not None:
        _approval_checked(by, received_by, "cash drop into the safe", drawer.office)


def _cash_movement_posted(locked: Drawer, kind: str, amount: Decimal, by: User) -> JournalEntry:
    """Dr Cash in safe (the office's; none for a training drawer), Cr Cash in drawer."""
    accounts = _accounts(CASH_IN_DRAWER, CASH_IN_SAFE)
    what = CashMovement.Kind(kind).label
    return post(
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


# The open drawer's lock: of=self, the drawer only, not its office (which would make every
# window wait for the others; the bills and the receipt counter are locked where they are
# needed). Written by hand: the counter takes it on every visit.
_DRAWER_LOCK_SQL = (
    f"SELECT {_select_list(Drawer, 'd')}, {_select_list(Office, 'o')}"  # noqa: S608
    f" FROM {Drawer._meta.db_table} d JOIN {Office._meta.db_table} o ON o.id = d.office_id"
    " WHERE d.id = %s FOR UPDATE OF d"
)


def _open_drawer_locked(drawer: Drawer) -> Drawer:
    """`drawer` locked (FOR UPDATE) and read afresh with its office; NoOpenDrawer when it has
    been closed."""
    with connection.cursor() as cursor:
        cursor.execute(_DRAWER_LOCK_SQL, [drawer.pk])
        row = cursor.fetchone()
    if row is None:
        raise Drawer.DoesNotExist(f"Drawer {drawer.pk} does not exist.")
    locked, at = _from_row(Drawer, row, 0)
    locked.office, _ = _from_row(Office, row, at)
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
    _cash_movement_allowed(drawer=drawer, kind=kind, by=by, received_by=received_by)
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
        entry = _cash_movement_posted(locked, kind, amount, by)
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
