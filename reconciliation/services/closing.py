"""A drawer's close: the clerk's blind count, the over/short, a Supervisor's sign-off beyond the
office's tolerance, the hand-over of the drawer's money to the safe, and a reopening.

Who receives the money at the close (the second person of the hand-over to the safe):
- a count beyond the tolerance waits (drawer `closing`); the Supervisor who signs it off
  receives it;
- a Supervisor's close of a drawer left open: its witness receives it;
- a clerk's count within the tolerance: the Supervisor who confirms receipt on the close form
  (name and password, like payments' approvals). Without one the count waits in the
  Supervisors' queue like a variance, and the Supervisor who confirms it (no reason needed
  within the tolerance) receives it. Where the office allows self-approval and the one who
  counts may receive (a Supervisor working alone), the close completes at once.

While a count waits, the drawer's ledger lines cannot change: payments, voids, refunds and drops
need an open drawer, and a returned check waits for the sign-off (check_location). The sign-off
still re-reads them under the drawer's lock and refuses, naming what changed, if they did."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from billing.models import FeeType
from ledger.chart import (
    CARD_CLEARING,
    CASH_IN_DRAWER,
    CASH_IN_SAFE,
    CHANGE_FUND,
    CHECKS_IN_DRAWER,
    CHECKS_IN_SAFE,
    OVER_SHORT,
)
from ledger.models import Book, JournalEntry
from ledger.money import MAX_AMOUNT, ZERO, format_money, is_whole_cents
from ledger.services import Line, post
from payments.models import DENOMINATIONS, Drawer, Office
from payments.services import database_refusal
from reconciliation.errors import CloseError, SignOffRequired
from reconciliation.models import (
    CloseCheck,
    CloseDenomination,
    CloseStock,
    CustodyTransfer,
    DepositCheck,
    DrawerClose,
    DrawerReopen,
)
from reconciliation.selectors_closing import (
    DrawerExpected,
    drawer_checks_recorded,
    drawer_expected,
    drawer_stock_expected,
)
from reconciliation.services.custody import (
    Handover,
    ReconciliationSource,
    accounts,
    custody_transfer_post,
)

CLOSE_ANY = "reconciliation.close_any_drawer"
SIGN_OFF = "reconciliation.sign_off_variance"
REOPEN = "reconciliation.reopen_drawer"
# Who may receive a drawer's money into the safe at a clerk's close: a Supervisor.
RECEIVE = "payments.approve_payment"
MAX_COUNT = 100_000


@dataclass(frozen=True)
class ExtraCheck:
    """A check found in the drawer that no receipt records: its number, payer and amount
    (dollars, Decimal). It goes to the safe with the rest and counts as an overage."""

    check_number: str
    payer: str
    amount: Decimal


# The count


def drawer_close_count(
    *,
    drawer: Drawer,
    counts: dict[str, int],
    checks: Sequence[int | ExtraCheck],
    card_batch_total: Decimal,
    stock: dict[int, int],
    by: User,
    token: uuid.UUID,
    witness: User | None = None,
    received_by: User | None = None,
) -> DrawerClose:
    """Record the blind count of `drawer` and close it when it may.

    `counts` maps a DENOMINATIONS label to how many notes or coins; `checks` holds the ids of the
    drawer's recorded check tenders that are in the drawer (ticked) and ExtraCheck rows for checks
    no receipt records; `card_batch_total` is the terminal's batch total (dollars, Decimal);
    `stock` maps a fee type id to how many tags or permit cards are left.

    `by` is the drawer's clerk, or a Supervisor with close_any_drawer closing a drawer left open,
    with `witness` (another person, whose password the page checked). `received_by`, at a
    clerk's close, is the Supervisor who receives the money into the safe (see the module).

    Expected amounts are what the drawer's ledger lines hold, read under the drawer's lock (no
    payment slips in). Within the office's over/short tolerance, with a receiver, the close
    entry posts at once; otherwise the drawer waits (`closing`) for drawer_close_sign_off.
    The same `token` twice returns the first count. Raises CloseError (not allowed, bad count,
    drawer not open), PaymentError (the database refused)."""
    checked = _count_checked(counts, checks, card_batch_total, stock)
    try:
        with transaction.atomic():
            locked = Drawer.objects.select_for_update(of=("self",)).get(pk=drawer.pk)
            earlier = DrawerClose.objects.filter(token=token).first()
            if earlier is not None:
                return _same_drawer(earlier, locked)
            office = Office.objects.get(pk=locked.office_id)
            _counter_checked(locked, office, by, witness)
            if locked.status != Drawer.Status.OPEN:
                raise CloseError(
                    f"Drawer {locked.pk} is not open: it was counted or closed a moment ago."
                )
            close = _count_record(locked, checked, by=by, witness=witness, token=token)
            receiver = _receiver_at_count(close, office, by, witness, received_by)
            within = abs(close.over_short) <= office.over_short_tolerance
            if within and receiver is not None:
                _close_post(close, locked, office, receiver=receiver)
            else:
                Drawer.objects.filter(pk=locked.pk).update(status=Drawer.Status.CLOSING)
            close.refresh_from_db()
            return close
    except IntegrityError as exc:
        earlier = DrawerClose.objects.filter(token=token).first()
        if earlier is not None:
            return earlier
        raise database_refusal("drawer close", exc) from exc
    except DatabaseError as exc:
        raise database_refusal("drawer close", exc) from exc


@dataclass(frozen=True)
class _Count:
    cash: Decimal
    denominations: list[tuple[str, Decimal, int]]
    ticked: list[int]
    extras: list[ExtraCheck]
    card_batch_total: Decimal
    stock: dict[int, int]


def _count_checked(
    counts: dict[str, int],
    checks: Sequence[int | ExtraCheck],
    card_batch_total: Decimal,
    stock: dict[int, int],
) -> _Count:
    values = {label: value for value, label in DENOMINATIONS}
    denominations = []
    for label, quantity in counts.items():
        if label not in values:
            raise CloseError(f"{label!r} is not a note or coin the drawer holds.")
        if not isinstance(quantity, int) or not 0 <= quantity <= MAX_COUNT:
            raise CloseError(f"{label}: count a whole number from 0 to 100,000.")
        if quantity:
            denominations.append((label, values[label], quantity))
    cash = sum((value * n for _, value, n in denominations), ZERO)
    ticked: list[int] = []
    extras: list[ExtraCheck] = []
    for item in checks:
        if isinstance(item, ExtraCheck):
            extras.append(_extra_checked(item))
        elif isinstance(item, int) and not isinstance(item, bool):
            ticked.append(item)
        else:
            raise CloseError("A check is ticked by its receipt, or listed as an extra check.")
    if len(set(ticked)) != len(ticked):
        raise CloseError("A check was ticked twice.")
    if not isinstance(card_batch_total, Decimal) or not is_whole_cents(card_batch_total):
        raise CloseError("Give the card batch total in dollars and cents.")
    if card_batch_total < 0:
        raise CloseError("The card batch total is $0.00 or more.")
    for quantity in stock.values():
        if not isinstance(quantity, int) or not 0 <= quantity <= MAX_COUNT:
            raise CloseError("Count each stock item as a whole number from 0 to 100,000.")
    types = FeeType.objects.in_bulk(list(stock))
    if any(t is None or not t.counted_as_stock for t in map(types.get, stock)):
        raise CloseError("Only trash tags and permit cards are counted as stock.")
    total = cash + sum((e.amount for e in extras), ZERO) + card_batch_total
    if total > MAX_AMOUNT:
        raise CloseError("That count is more than the books can hold.")
    return _Count(cash, denominations, ticked, extras, card_batch_total, dict(stock))


def _extra_checked(extra: ExtraCheck) -> ExtraCheck:
    number = (extra.check_number or "").strip()
    payer = (extra.payer or "").strip()
    if not number or len(number) > 12:
        raise CloseError("An extra check needs its number (up to 12 characters).")
    if len(payer) > 200:
        raise CloseError("An extra check's payer is up to 200 characters.")
    amount = extra.amount
    if not isinstance(amount, Decimal) or not is_whole_cents(amount) or amount <= 0:
        raise CloseError(f"Extra check {number}: give its amount in dollars and cents.")
    return ExtraCheck(number, payer, amount)


def _same_drawer(earlier: DrawerClose, locked: Drawer) -> DrawerClose:
    if earlier.drawer_id != locked.pk:
        raise CloseError("This form was already used for another drawer; reload the page.")
    return earlier


def _counter_checked(drawer: Drawer, office: Office, by: User, witness: User | None) -> None:
    """The drawer's clerk counts; a Supervisor with close_any_drawer counts a drawer left open,
    with a witness who is another person."""
    if not by.is_active:
        raise CloseError("Sign in again.")
    if by.pk == drawer.clerk_id:
        if witness is not None and witness.pk == by.pk:
            raise CloseError("A witness is another person.")
        return
    if not by.has_perm(CLOSE_ANY):
        raise CloseError("Only the drawer's clerk closes it, or a Supervisor with a witness.")
    if witness is None or not witness.is_active:
        raise CloseError(
            "A Supervisor closes another clerk's drawer with a witness: another person signs "
            "in as witness."
        )
    if witness.pk == by.pk:
        raise CloseError("The witness is another person than the one who counts.")


def _receiver_at_count(
    close: DrawerClose,
    office: Office,
    by: User,
    witness: User | None,
    received_by: User | None,
) -> User | None:
    """Who receives the money into the safe when the close completes at the count: the witness,
    else the Supervisor who confirmed receipt on the form, else the one who counts where the
    office allows self-approval and they may receive. None: the count waits for a Supervisor."""
    if witness is not None:
        return witness
    if received_by is not None:
        if not received_by.is_active or not received_by.has_perm(RECEIVE):
            raise CloseError("The money goes to the safe with a Supervisor who receives it.")
        if received_by.pk == by.pk and not office.allow_self_approval:
            raise CloseError("The Supervisor who receives the money is not the one who counted.")
        return received_by
    if office.allow_self_approval and by.has_perm(RECEIVE):
        return by
    return None


def _count_record(
    drawer: Drawer, count: _Count, *, by: User, witness: User | None, token: uuid.UUID
) -> DrawerClose:
    """Write the count (close, denominations, checks, stock) against what the drawer's ledger
    lines and recorded tenders say it should hold. Call with the drawer locked."""
    expected = drawer_expected(drawer)
    recorded = {t.pk: t for t in drawer_checks_recorded(drawer)}
    unknown = [pk for pk in count.ticked if pk not in recorded]
    if unknown:
        raise CloseError(
            "A ticked check is not one this drawer holds (voided or returned since the page "
            "was loaded?); reload the page and count again."
        )
    present = [recorded[pk] for pk in count.ticked]
    counted_checks = sum((t.amount for t in present), ZERO) + sum(
        (e.amount for e in count.extras), ZERO
    )
    close = DrawerClose.objects.create(
        drawer=drawer,
        counted_by=by,
        witness=witness,
        counted_cash=count.cash,
        counted_checks=counted_checks,
        card_batch_total=count.card_batch_total,
        expected_cash=expected.cash,
        expected_checks=expected.checks,
        expected_card=expected.card,
        float_returned=max(ZERO, min(drawer.opening_float, count.cash)),
        business_date=timezone.localdate(),
        token=token,
    )
    CloseDenomination.objects.bulk_create(
        CloseDenomination(close=close, label=label, denomination=value, quantity=n)
        for label, value, n in count.denominations
    )
    CloseCheck.objects.bulk_create(
        [
            *(
                CloseCheck(
                    close=close,
                    tender=tender,
                    state=(
                        CloseCheck.State.PRESENT
                        if tender.pk in count.ticked
                        else CloseCheck.State.MISSING
                    ),
                    check_number=tender.check_number,
                    payer=tender.check_payer[:200],
                    amount=tender.amount,
                )
                for tender in recorded.values()
            ),
            *(
                CloseCheck(
                    close=close,
                    state=CloseCheck.State.EXTRA,
                    check_number=e.check_number,
                    payer=e.payer,
                    amount=e.amount,
                )
                for e in count.extras
            ),
        ]
    )
    stock_expected = drawer_stock_expected(drawer)
    fee_types = set(stock_expected) | set(count.stock)
    CloseStock.objects.bulk_create(
        CloseStock(
            close=close,
            fee_type_id=fee_type_id,
            expected=stock_expected.get(fee_type_id, 0),
            counted=count.stock.get(fee_type_id, 0),
        )
        for fee_type_id in sorted(fee_types)
    )
    return close


# Completing a close


def _close_post(close: DrawerClose, drawer: Drawer, office: Office, *, receiver: User) -> None:
    """Post the close's one entry (the drawer's money to the safe and the change fund, the card
    batch to card clearing, the difference to over/short), then close the drawer. Posting comes
    first: once the drawer is closed PostgreSQL refuses lines naming it (DR001). Call with the
    drawer locked."""
    lines = _close_lines(close, drawer)
    memo = (
        f"Drawer {drawer.pk} closed at {drawer.workstation}: "
        f"over/short {format_money(close.over_short)}"
    )
    entry: JournalEntry | None = None
    if len(lines) >= 2:
        if drawer.training:
            # Training money is not real: no custody, no hand-over, the training book only.
            entry = post(
                entry_date=close.business_date,
                memo=memo,
                source=ReconciliationSource.DRAWER_CLOSE,
                by=close.counted_by,
                book=Book.TRAINING,
                lines=lines,
            )
        else:
            transfer = custody_transfer_post(
                office=office,
                kind=CustodyTransfer.Kind.DRAWER_TO_SAFE,
                lines=lines,
                memo=memo,
                source=ReconciliationSource.DRAWER_CLOSE,
                handover=Handover(handed_by=close.counted_by, received_by=receiver),
                business_date=close.business_date,
                cash=close.counted_cash,
                checks=close.counted_checks,
                drawer=drawer,
                note=f"Close of drawer {drawer.pk}",
            )
            entry = transfer.entry
    now = timezone.now()
    DrawerClose.objects.filter(pk=close.pk).update(
        status=DrawerClose.Status.CLOSED, entry=entry, closed_at=now
    )
    Drawer.objects.filter(pk=drawer.pk).update(status=Drawer.Status.CLOSED, closed_at=now)


def _close_lines(close: DrawerClose, drawer: Drawer) -> list[Line]:
    codes = accounts(
        CASH_IN_DRAWER,
        CHECKS_IN_DRAWER,
        CARD_CLEARING,
        CHANGE_FUND,
        CASH_IN_SAFE,
        CHECKS_IN_SAFE,
        OVER_SHORT,
    )
    office_id = None if drawer.training else drawer.office_id
    label = f"Close of drawer {drawer.pk}"
    planned = [
        Line(codes[CASH_IN_DRAWER], -close.expected_cash, label, drawer_id=drawer.pk),
        Line(codes[CHECKS_IN_DRAWER], -close.expected_checks, label, drawer_id=drawer.pk),
        Line(codes[CARD_CLEARING], -close.expected_card, label, drawer_id=drawer.pk),
        Line(codes[CHANGE_FUND], close.float_returned, "Float back", office_id=office_id),
        Line(
            codes[CASH_IN_SAFE],
            close.counted_cash - close.float_returned,
            "Cash to the safe",
            office_id=office_id,
        ),
        Line(
            codes[CHECKS_IN_SAFE], close.counted_checks, "Checks to the safe", office_id=office_id
        ),
        Line(codes[CARD_CLEARING], close.card_batch_total, "Card batch"),
        Line(codes[OVER_SHORT], -close.over_short, f"Over/short, drawer {drawer.pk}"),
    ]
    return [line for line in planned if line.amount]


# Sign-off


def drawer_close_sign_off(
    *, close: DrawerClose, by: User, reason: str, token: uuid.UUID | None = None
) -> DrawerClose:
    """A Supervisor signs off a count waiting in the queue (beyond the tolerance, or within it
    but with no Supervisor to receive the money at the count) and receives the drawer's money
    into the safe; the close entry posts. Dual control: not the drawer's clerk nor the one who
    counted (unless the office allows self-approval); a `reason` is required beyond the
    tolerance. Signing off a close already closed by `by` returns it as it stands (a repeated
    submit); `token` names the submit and is not stored (the sign-off happens once per close).

    Raises SignOffRequired (who may sign, the reason), CloseError (already signed, the drawer's
    books changed since the count), PaymentError (the database refused)."""
    del token  # the close's own state makes the sign-off happen once
    reason = (reason or "").strip()
    try:
        with transaction.atomic():
            drawer = Drawer.objects.select_for_update(of=("self",)).get(pk=close.drawer_id)
            locked = DrawerClose.objects.select_for_update().get(pk=close.pk)
            if locked.status == DrawerClose.Status.CLOSED and locked.signed_off_by_id == by.pk:
                return locked
            if locked.status != DrawerClose.Status.COUNTED:
                raise CloseError(
                    f"This count of drawer {drawer.pk} is already "
                    f"{locked.get_status_display().lower()}."
                )
            office = Office.objects.get(pk=drawer.office_id)
            _signer_checked(locked, drawer, office, by)
            beyond = abs(locked.over_short) > office.over_short_tolerance
            if beyond and not reason:
                raise SignOffRequired(
                    f"Over/short of {format_money(locked.over_short)} is beyond the office's "
                    f"tolerance of {format_money(office.over_short_tolerance)}: say why you sign "
                    "it off; the reason is kept with the close."
                )
            _unchanged_since_count(locked, drawer)
            DrawerClose.objects.filter(pk=locked.pk).update(
                signed_off_by=by, sign_off_reason=reason[:2000], signed_off_at=timezone.now()
            )
            locked.refresh_from_db()
            _close_post(locked, drawer, office, receiver=by)
            locked.refresh_from_db()
            return locked
    except DatabaseError as exc:
        raise database_refusal("drawer close sign-off", exc) from exc


def _signer_checked(close: DrawerClose, drawer: Drawer, office: Office, by: User) -> None:
    if not by.is_active or not by.has_perm(SIGN_OFF):
        raise SignOffRequired("Only a Supervisor signs off a drawer's count.")
    if office.allow_self_approval:
        return
    if by.pk == drawer.clerk_id:
        raise SignOffRequired(
            "A clerk does not sign off their own drawer: another Supervisor signs it off."
        )
    if by.pk == close.counted_by_id:
        raise SignOffRequired(
            "The one who counted does not sign off the count: another Supervisor signs it off."
        )


def _unchanged_since_count(close: DrawerClose, drawer: Drawer) -> None:
    now = drawer_expected(drawer)
    then = DrawerExpected(close.expected_cash, close.expected_checks, close.expected_card)
    if now != then:
        raise CloseError(
            f"Drawer {drawer.pk}'s books changed since it was counted (it should now hold cash "
            f"{format_money(now.cash)}, checks {format_money(now.checks)}, card "
            f"{format_money(now.card)}); this count cannot be signed off as it stands."
        )


# Reopening


def drawer_reopen(
    *,
    drawer: Drawer,
    by: User,
    reason: str,
    token: uuid.UUID,
    close: DrawerClose | None = None,
) -> DrawerReopen:
    """A Supervisor with reopen_drawer reopens a closed drawer, with a reason: the exact reverse
    of the close entry hands its money back from the safe and the change fund to the drawer
    (source drawer_reopen), the drawer is open again and the close is history (`reopened`).
    The same `token` twice returns the first reopening. `close`, when given, is the close the
    Supervisor chose (a page's row): refused unless it is still the drawer's standing close, so
    a stale form does not reopen a later close of the same drawer.

    Raises CloseError (not allowed, no reason, not closed, its checks already went to a
    deposit or came back returned, the clerk has another drawer open), PaymentError (the
    database refused: the safe no longer holds the money, or the day is closed)."""
    reason = (reason or "").strip()
    if not by.is_active or not by.has_perm(REOPEN):
        raise CloseError("Only a Supervisor reopens a closed drawer.")
    if not reason:
        raise CloseError("Say why the drawer is reopened; the reason is kept with it.")
    try:
        with transaction.atomic():
            locked = Drawer.objects.select_for_update(of=("self",)).get(pk=drawer.pk)
            earlier = DrawerReopen.objects.filter(token=token).first()
            if earlier is not None:
                if earlier.drawer_id != locked.pk:
                    raise CloseError("This form was already used for another drawer; reload.")
                return earlier
            if locked.status != Drawer.Status.CLOSED:
                raise CloseError(f"Drawer {locked.pk} is not closed.")
            standing = DrawerClose.objects.select_for_update().get(
                drawer=locked, status=DrawerClose.Status.CLOSED
            )
            if close is not None and close.pk != standing.pk:
                raise CloseError(
                    f"That close of drawer {locked.pk} was already reopened; the drawer was "
                    "closed again since. Reload the page to reopen its latest close."
                )
            close = standing
            _still_in_safe(close)
            # Open first: PostgreSQL refuses lines naming a closed drawer (DR001).
            Drawer.objects.filter(pk=locked.pk).update(status=Drawer.Status.OPEN, closed_at=None)
            entry = _reopen_post(close, locked, by, reason)
            DrawerClose.objects.filter(pk=close.pk).update(status=DrawerClose.Status.REOPENED)
            return DrawerReopen.objects.create(
                drawer=locked,
                close=close,
                reason=reason[:2000],
                reopened_by=by,
                entry=entry,
                token=token,
            )
    except IntegrityError as exc:
        earlier = DrawerReopen.objects.filter(token=token).first()
        if earlier is not None:
            return earlier
        constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None)
        if constraint in ("one_open_drawer_per_clerk", "one_open_drawer_per_workstation"):
            raise CloseError(
                "The clerk or the window has another drawer open now; close that one first."
            ) from None
        raise database_refusal("drawer reopening", exc) from exc
    except DatabaseError as exc:
        raise database_refusal("drawer reopening", exc) from exc


def _still_in_safe(close: DrawerClose) -> None:
    """The checks the close put in the safe are still there (none went into a deposit bag, none
    was returned by the bank).
    Cash is judged by PostgreSQL (CU001: the safe would hold less than nothing)."""
    deposited = (
        DepositCheck.objects.filter(
            Q(tender__close_checks__close=close, tender__close_checks__state="present")
            | Q(close_check__close=close),
            released=False,
        )
        .select_related("deposit")
        .first()
    )
    if deposited is not None:
        raise CloseError(
            f"Check {deposited.check_number} from this drawer went into deposit bag "
            f"{deposited.deposit.bag_number}: the safe no longer holds what the close put in "
            "it, so the drawer cannot be reopened."
        )
    returned = (
        CloseCheck.objects.filter(
            close=close, state=CloseCheck.State.PRESENT, tender__returned=True
        )
        .order_by("id")
        .first()
    )
    if returned is not None:
        # Its returned-check entry took it out of the safe; the reversal would put it back
        # into the drawer's books, where no receipt lets the clerk tick it again.
        raise CloseError(
            f"Check {returned.check_number} from this drawer was returned by the bank since the "
            "close: the safe no longer holds what the close put in it, so the drawer cannot be "
            "reopened."
        )


def _reopen_post(close: DrawerClose, drawer: Drawer, by: User, reason: str) -> JournalEntry | None:
    if close.entry_id is None:
        return None
    original = list(close.entry.lines.select_related("account").order_by("id"))  # type: ignore[union-attr]
    lines = [
        Line(
            line.account,
            -line.amount,
            f"Reopen: {line.memo}"[:255],
            drawer_id=line.drawer_id,
            office_id=line.office_id,
        )
        for line in original
    ]
    memo = f"Drawer {drawer.pk} reopened: {reason}"[:255]
    if drawer.training:
        return post(
            entry_date=timezone.localdate(),
            memo=memo,
            source=ReconciliationSource.DRAWER_REOPEN,
            by=by,
            book=Book.TRAINING,
            lines=lines,
            reverses=close.entry,
        )
    transfer = custody_transfer_post(
        office=Office.objects.get(pk=drawer.office_id),
        kind=CustodyTransfer.Kind.SAFE_TO_DRAWER,
        lines=lines,
        memo=memo,
        source=ReconciliationSource.DRAWER_REOPEN,
        handover=Handover(handed_by=by, received_by=_clerk(drawer)),
        cash=close.counted_cash,
        checks=close.counted_checks,
        drawer=drawer,
        note=f"Reopen of drawer {drawer.pk}",
        reverses=close.entry,
    )
    return transfer.entry


def _clerk(drawer: Drawer) -> User:
    return User.objects.get(pk=drawer.clerk_id)


__all__ = [
    "ExtraCheck",
    "drawer_close_count",
    "drawer_close_sign_off",
    "drawer_reopen",
]
