"""Bank deposits under dual control: one Supervisor prepares a bag from the safe (cash by
denomination, the checks, the bag number), a different Supervisor recounts it; only then is it
posted (Dr 1040 Deposits in transit / Cr 1035 Cash in safe, Cr 1036 Checks in safe)."""

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from ledger.chart import CASH_IN_SAFE, CHECKS_IN_SAFE, DEPOSITS_IN_TRANSIT
from ledger.models import Account, AccountType
from ledger.money import ZERO, format_money
from ledger.services import Line
from payments.errors import PaymentError
from payments.models import DENOMINATIONS, Office
from payments.services import database_refusal, refuse_card_numbers
from reconciliation.errors import DepositError
from reconciliation.models import CustodyTransfer, Deposit, DepositCheck, DepositDenomination
from reconciliation.selectors_custody import (
    SafeCheck,
    check_ref,
    checks_in_safe,
    safe_cash_available,
)
from reconciliation.services.custody import (
    Handover,
    ReconciliationSource,
    accounts,
    custody_transfer_post,
)

PREPARE = "reconciliation.prepare_deposit"
VERIFY = "reconciliation.verify_deposit"
MAX_QUANTITY = 100_000
DENOMINATION_VALUE = dict((label, value) for value, label in DENOMINATIONS)


@dataclass(frozen=True)
class CheckPick:
    """A check chosen from the safe: a check tender's id, an extra close check's id, or a held
    remittance exception's item id (counted in the safe, never deposited)."""

    tender_id: int | None = None
    close_check_id: int | None = None
    remittance_item_id: int | None = None

    @property
    def ref(self) -> str:
        """The chosen check's `selectors_custody.check_ref`."""
        return check_ref(
            tender_id=self.tender_id,
            close_check_id=self.close_check_id,
            remittance_item_id=self.remittance_item_id,
        )


def counts_checked(counts: Mapping[str, int]) -> dict[str, int]:
    """The non-zero counts of `counts` (denomination label -> how many, as in
    payments.models.DENOMINATIONS). Raises DepositError for an unknown label or a count that is
    not a whole number from 0 to 100,000."""
    kept: dict[str, int] = {}
    for label, quantity in counts.items():
        if label not in DENOMINATION_VALUE:
            raise DepositError(f"{label!r} is not a note or coin the office counts.")
        if not isinstance(quantity, int) or isinstance(quantity, bool):
            raise DepositError(f"{label}: give a whole number.")
        if quantity < 0 or quantity > MAX_QUANTITY:
            raise DepositError(f"{label}: {quantity} is not a count from 0 to {MAX_QUANTITY:,}.")
        if quantity:
            kept[label] = quantity
    return kept


def counts_total(counts: Mapping[str, int]) -> Decimal:
    """Dollars counted: each label's value times how many."""
    return sum((DENOMINATION_VALUE[label] * quantity for label, quantity in counts.items()), ZERO)


def _bank_account_checked(bank_account: Account) -> Account:
    if (
        not bank_account.code.startswith("11")
        or bank_account.type != AccountType.ASSET
        or not bank_account.is_active
    ):
        raise DepositError(f"{bank_account} is not one of the city's bank accounts.")
    return bank_account


def _picked(office: Office, picks: Sequence[CheckPick]) -> list[SafeCheck]:
    """The safe's checks named by `picks`, each once; refuses a check not in the safe, or
    reserved by another bag (the one it is in is named)."""
    in_safe = {c.ref: c for c in checks_in_safe(office)}
    chosen: list[SafeCheck] = []
    seen: set[str] = set()
    for pick in picks:
        key = pick.ref
        if key in seen:
            continue
        seen.add(key)
        found = in_safe.get(key)
        if found is None:
            raise DepositError(
                "A check chosen is not in the safe (deposited, returned, or still in a drawer): "
                "reload the page and choose again."
            )
        if found.held:
            raise DepositError(
                f"Check {found.check_number} ({format_money(found.amount)}) is a "
                f"{found.held}: it is not depositable until a Supervisor applies it."
            )
        if found.bag:
            raise DepositError(
                f"Check {found.check_number} ({format_money(found.amount)}) is already in "
                f"deposit bag {found.bag}."
            )
        chosen.append(found)
    return chosen


def deposit_prepare(
    *,
    office: Office,
    bank_account: Account,
    bag_number: str,
    counts: Mapping[str, int],
    checks: Sequence[CheckPick],
    by: User,
    token: uuid.UUID,
) -> Deposit:
    """A Supervisor (`prepare_deposit`) prepares a deposit bag from `office`'s safe: cash by
    denomination (`counts`, label -> how many), the checks (`checks`, from
    selectors_custody.checks_in_safe), for `bank_account` (an 11xx asset account). The checks
    are reserved (no other bag can take them, also under concurrency: the partial unique
    indexes); the cash may not exceed the safe's cash (1035) less cash in other PREPARED bags,
    judged under a lock on the office row. Nothing is posted until another Supervisor verifies
    it (`deposit_verify`). Idempotent on `token`.

    Raises DepositError (permission, bag number, counts, a check not in the safe or in another
    bag, more cash than the safe holds, an empty bag)."""
    if not by.has_perm(PREPARE):
        raise DepositError("Only a Supervisor prepares a deposit.")
    bag = bag_number.strip()
    if not bag or len(bag) > 30:
        raise DepositError("Give the bag's number (up to 30 characters).")
    try:
        refuse_card_numbers(bag)
    except PaymentError as exc:
        raise DepositError(str(exc)) from None
    _bank_account_checked(bank_account)
    kept = counts_checked(counts)
    cash = counts_total(kept)
    earlier = Deposit.objects.filter(token=token).first()
    if earlier is not None:
        return _same_prepare(earlier, office, bag, cash)
    try:
        with transaction.atomic():
            # Two Supervisors preparing at once are judged one after the other.
            Office.objects.select_for_update(no_key=True).filter(pk=office.pk).first()
            chosen = _picked(office, checks)
            checks_total = sum((c.amount for c in chosen), ZERO)
            if not cash and not checks_total:
                raise DepositError("The bag is empty: count its cash or choose its checks.")
            available = safe_cash_available(office)
            if cash > available:
                raise DepositError(
                    f"The safe holds {format_money(max(available, ZERO))} of collections cash "
                    f"not yet in a bag; a deposit of {format_money(cash)} in cash cannot come "
                    "out of it."
                )
            deposit = Deposit.objects.create(
                office=office,
                bank_account=bank_account,
                bag_number=bag,
                business_date=timezone.localdate(),
                cash_total=cash,
                checks_total=checks_total,
                prepared_by=by,
                token=token,
            )
            DepositDenomination.objects.bulk_create(
                DepositDenomination(
                    deposit=deposit,
                    label=label,
                    denomination=DENOMINATION_VALUE[label],
                    quantity=quantity,
                )
                for label, quantity in kept.items()
            )
            DepositCheck.objects.bulk_create(
                DepositCheck(
                    deposit=deposit,
                    tender_id=c.tender_id,
                    close_check_id=c.close_check_id,
                    check_number=c.check_number,
                    payer=c.payer,
                    amount=c.amount,
                )
                for c in chosen
            )
            return deposit
    except IntegrityError as exc:
        earlier = Deposit.objects.filter(token=token).first()
        if earlier is not None:
            return _same_prepare(earlier, office, bag, cash)
        raise DepositError(_integrity_message(exc)) from exc
    except DatabaseError as exc:
        raise DepositError(database_refusal("deposit", exc).message) from exc


def _integrity_message(exc: IntegrityError) -> str:
    constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", "") or ""
    if constraint in ("check_deposited_once", "extra_check_deposited_once"):
        return "A check chosen was put in another bag a moment ago: reload the page."
    if constraint == "one_live_deposit_per_bag":
        return "Another deposit already uses this bag number."
    return "The books refused this deposit, so nothing was saved: reload the page."


def _same_prepare(earlier: Deposit, office: Office, bag: str, cash: Decimal) -> Deposit:
    if (earlier.office_id, earlier.bag_number, earlier.cash_total) != (office.pk, bag, cash):
        raise DepositError("This form was already used; reload the page and start again.")
    return earlier


def _differences(
    deposit: Deposit, counts: dict[str, int], checks: Sequence[CheckPick]
) -> list[str]:
    """What the verifier's count says differently from the preparer's, in words."""
    prepared = {d.label: d.quantity for d in deposit.denominations.all()}
    found: list[str] = []
    for _, label in DENOMINATIONS:
        mine, theirs = counts.get(label, 0), prepared.get(label, 0)
        if mine != theirs:
            found.append(f"{label}: prepared {theirs}, you counted {mine}")
    listed = {(c.tender_id, c.close_check_id): c for c in deposit.checks.all()}
    ticked = {(p.tender_id, p.close_check_id) for p in checks}
    for key, c in listed.items():
        if key not in ticked:
            found.append(
                f"check {c.check_number} ({c.payer}, {format_money(c.amount)}) is listed in "
                "the bag but you did not tick it"
            )
    extra = ticked - set(listed)
    if extra:
        found.append(f"you ticked {len(extra)} check(s) that are not in this bag")
    return found


def deposit_verify(
    *,
    deposit: Deposit,
    by: User,
    counts: Mapping[str, int],
    checks: Sequence[CheckPick],
    token: uuid.UUID | None = None,
) -> Deposit:
    """A second Supervisor (`verify_deposit`, not the preparer) recounts a PREPARED bag: their
    own cash count and ticks of its checks. When they match, posts Dr 1040 (naming the office)
    / Cr 1035 cash, Cr 1036 checks, as a hand-over from the preparer to the verifier
    (CustodyTransfer SAFE_TO_BAG), and the bag is VERIFIED, in transit. A repeat by the same
    verifier of a bag already verified returns it. `token` is accepted for the form's one-time
    token; the deposit's state makes the action happen once.

    Raises DepositError (permission, the preparer verifying, not prepared, a mismatch naming
    each difference, the books refusing: the safe would go below zero)."""
    if not by.has_perm(VERIFY):
        raise DepositError("Only a Supervisor verifies a deposit.")
    kept = counts_checked(counts)
    try:
        with transaction.atomic():
            locked = (
                Deposit.objects.select_for_update(of=("self",))
                .select_related("office")
                .get(pk=deposit.pk)
            )
            if locked.prepared_by_id == by.pk:
                raise DepositError(
                    "A deposit is verified by a Supervisor other than the one who prepared it."
                )
            if locked.status == Deposit.Status.VERIFIED and locked.verified_by_id == by.pk:
                return locked
            if locked.status != Deposit.Status.PREPARED:
                raise DepositError(
                    f"Deposit bag {locked.bag_number} is {locked.get_status_display().lower()}."
                )
            differences = _differences(locked, kept, checks)
            if differences:
                raise DepositError(
                    f"Your count of bag {locked.bag_number} differs from the preparer's: "
                    + "; ".join(differences)
                    + ". Count again together; nothing was posted."
                )
            transfer = _deposit_post(locked, by)
            locked.status = Deposit.Status.VERIFIED
            locked.verified_by = by
            locked.verified_at = timezone.now()
            locked.entry = transfer.entry
            locked.save(update_fields=["status", "verified_by", "verified_at", "entry"])
            return locked
    except DatabaseError as exc:
        raise DepositError(database_refusal("deposit", exc).message) from exc


def _deposit_post(deposit: Deposit, verifier: User) -> CustodyTransfer:
    codes = accounts(DEPOSITS_IN_TRANSIT, CASH_IN_SAFE, CHECKS_IN_SAFE)
    office = deposit.office
    memo = f"Deposit bag {deposit.bag_number}"
    lines = [Line(codes[DEPOSITS_IN_TRANSIT], deposit.total, memo, office_id=office.pk)]
    if deposit.cash_total:
        lines.append(Line(codes[CASH_IN_SAFE], -deposit.cash_total, memo, office_id=office.pk))
    if deposit.checks_total:
        lines.append(Line(codes[CHECKS_IN_SAFE], -deposit.checks_total, memo, office_id=office.pk))
    return custody_transfer_post(
        office=office,
        kind=CustodyTransfer.Kind.SAFE_TO_BAG,
        lines=lines,
        memo=f"{memo} to {deposit.bank_account.name}: {format_money(deposit.total)} "
        f"({office.code})",
        source=ReconciliationSource.DEPOSIT,
        handover=Handover(handed_by=deposit.prepared_by, received_by=verifier),
        cash=deposit.cash_total,
        checks=deposit.checks_total,
        deposit=deposit,
    )


def deposit_cancel(*, deposit: Deposit, by: User, reason: str) -> Deposit:
    """Cancel a bag before it is verified (`prepare_deposit`), with a reason: its checks are
    released (another bag may take them) and its cash is again available. Nothing was posted,
    so nothing is reversed. Raises DepositError (permission, no reason, not PREPARED)."""
    if not by.has_perm(PREPARE):
        raise DepositError("Only a Supervisor cancels a deposit.")
    reason = reason.strip()
    if not reason:
        raise DepositError("Say why the deposit is cancelled; the reason is kept with it.")
    try:
        refuse_card_numbers(reason)
    except PaymentError as exc:
        raise DepositError(str(exc)) from None
    with transaction.atomic():
        locked = Deposit.objects.select_for_update().get(pk=deposit.pk)
        if locked.status != Deposit.Status.PREPARED:
            raise DepositError(
                f"Deposit bag {locked.bag_number} is {locked.get_status_display().lower()}: "
                "only a bag not yet verified can be cancelled."
            )
        locked.status = Deposit.Status.CANCELLED
        locked.cancelled_by = by
        locked.cancel_reason = reason[:300]
        locked.save(update_fields=["status", "cancelled_by", "cancel_reason"])
        DepositCheck.objects.filter(deposit=locked).update(released=True)
        return locked
