"""The safe: its end-of-day count by two people (a difference posts to 5000 Cash over/short,
signed off beyond the tolerance), and cash drops into it received by a Supervisor."""

import uuid
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from cashiering.dates import us_date
from ledger.chart import CASH_IN_SAFE, CHANGE_FUND, CHECKS_IN_SAFE, OVER_SHORT
from ledger.money import ZERO, format_money
from ledger.services import Line, post
from payments.errors import PaymentError
from payments.models import CashMovement, Drawer, Office
from payments.selectors import custody_held
from payments.services import cash_movement_record, database_refusal, refuse_card_numbers
from reconciliation.errors import CustodyError, SignOffRequired
from reconciliation.models import CustodyTransfer, SafeCount, SafeCountDenomination
from reconciliation.selectors_custody import checks_in_safe
from reconciliation.services.custody import ReconciliationSource, accounts
from reconciliation.services.deposits import (
    DENOMINATION_VALUE,
    CheckPick,
    counts_checked,
    counts_total,
)

COUNT = "reconciliation.count_safe"
SIGN_OFF = "reconciliation.sign_off_variance"


def _checks_counted(office: Office, checks: Sequence[CheckPick]) -> Decimal:
    """The dollars of the ticked checks. Every check the safe should hold is ticked: a check
    cannot be written off as a shortage by amount alone (the safe's list and 1036 would part);
    an unticked one is named so that it is found, or taken back as a returned check."""
    in_safe = {c.ref: c for c in checks_in_safe(office)}
    ticked = {p.ref for p in checks}
    unknown = ticked - set(in_safe)
    if unknown:
        raise CustodyError(
            "A check ticked is not in the safe (deposited or returned since): reload the page."
        )
    missing = [c for key, c in in_safe.items() if key not in ticked]
    if missing:
        named = ", ".join(
            f"{c.check_number} ({c.payer}, {format_money(c.amount)})" for c in missing
        )
        raise CustodyError(
            f"The safe should hold these checks, not ticked: {named}. Find them and count "
            "again; a lost check is recorded as returned (Approvals), not as over/short."
        )
    return sum((c.amount for c in in_safe.values()), ZERO)


def _people_checked(counted_by: User, witness: User, office: Office) -> None:
    if not counted_by.has_perm(COUNT):
        raise CustodyError("Only a Supervisor counts the safe.")
    if witness is None or not witness.is_active:
        raise CustodyError("The safe is counted by two people: name the second.")
    if witness.pk == counted_by.pk:
        raise CustodyError("The safe is counted by two different people.")


def _differs_by(cash_diff: Decimal, fund_diff: Decimal) -> str:
    parts = [
        f"{what} {'over' if diff > 0 else 'short'} by {format_money(abs(diff))}"
        for what, diff in (("collections cash", cash_diff), ("change fund", fund_diff))
        if diff
    ]
    return " and ".join(parts)


def _sign_off_checked(
    cash_diff: Decimal,
    fund_diff: Decimal,
    office: Office,
    counted_by: User,
    witness: User,
    signed_off_by: User | None,
    reason: str,
) -> tuple[User | None, str]:
    """Beyond the office's tolerance a Supervisor other than the two counters signs off, with
    a reason; within it, no sign-off is needed (one given is kept). The tolerance is judged
    on the two differences together, each counted in full: $100 short in the cash and $100
    over in the change fund nets to nothing on over/short, yet someone explains it."""
    reason = reason.strip()
    gross = abs(cash_diff) + abs(fund_diff)
    if gross <= office.over_short_tolerance and signed_off_by is None:
        return None, reason
    if signed_off_by is None:
        raise SignOffRequired(
            f"The safe's {_differs_by(cash_diff, fund_diff)}, beyond the office's tolerance of "
            f"{format_money(office.over_short_tolerance)}: a Supervisor other than the two "
            "counters signs off, with a reason."
        )
    if not signed_off_by.is_active or not signed_off_by.has_perm(SIGN_OFF):
        raise SignOffRequired("A Supervisor signs off the safe's over/short.")
    if signed_off_by.pk in (counted_by.pk, witness.pk):
        raise SignOffRequired(
            "The Supervisor who signs off is neither of the two who counted the safe."
        )
    if not reason:
        raise SignOffRequired("Say why the safe is over or short; the reason is kept.")
    return signed_off_by, reason


def safe_count_record(
    *,
    office: Office,
    business_date: date,
    counts: Mapping[str, int],
    change_fund_counts: Mapping[str, int],
    checks: Sequence[CheckPick],
    counted_by: User,
    witness: User,
    reason: str = "",
    signed_off_by: User | None = None,
    token: uuid.UUID,
) -> SafeCount:
    """Record the end-of-day count of `office`'s safe by two people (`counted_by`, with
    `count_safe`, and `witness`, confirmed by password at the page): the collections cash
    (`counts`, denomination label -> how many), the change fund (`change_fund_counts`) and the
    checks ticked off the safe's list (every one of them: see _checks_counted). Expected
    amounts are what the ledger holds on 1035, 1030 and 1036 naming the office, read under a
    lock on the office row. A difference posts to 5000 Cash over/short against 1035 / 1030
    (lines naming the office), dated `business_date`. Beyond `office.over_short_tolerance` a
    Supervisor other than the two (`signed_off_by`, `sign_off_variance`) signs off with a
    `reason` in the same submission (the page takes their password); without them the count
    is refused and nothing is saved. Idempotent on `token`.

    Raises CustodyError (people, counts, checks), SignOffRequired, and DepositError from the
    count parser (DepositError and CustodyError are both ReconciliationError)."""
    _people_checked(counted_by, witness, office)
    try:
        refuse_card_numbers(reason)
    except PaymentError as exc:
        raise CustodyError(str(exc)) from None
    cash_counts = counts_checked(counts)
    fund_counts = counts_checked(change_fund_counts)
    earlier = SafeCount.objects.filter(token=token).first()
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            Office.objects.select_for_update(no_key=True).filter(pk=office.pk).first()
            checks_total = _checks_counted(office, checks)
            cash_expected = custody_held(office, CASH_IN_SAFE)
            fund_expected = custody_held(office, CHANGE_FUND)
            checks_expected = custody_held(office, CHECKS_IN_SAFE)
            if checks_total != checks_expected:
                raise CustodyError(
                    f"The safe's list of checks ({format_money(checks_total)}) and the books "
                    f"({format_money(checks_expected)}) disagree: ask an Admin to run "
                    "ledger_verify before counting."
                )
            cash = counts_total(cash_counts)
            fund = counts_total(fund_counts)
            cash_diff, fund_diff = cash - cash_expected, fund - fund_expected
            signer, reason = _sign_off_checked(
                cash_diff, fund_diff, office, counted_by, witness, signed_off_by, reason
            )
            count = SafeCount.objects.create(
                office=office,
                business_date=business_date,
                counted_by=counted_by,
                witness=witness,
                cash_counted=cash,
                cash_expected=cash_expected,
                change_fund_counted=fund,
                change_fund_expected=fund_expected,
                checks_counted=checks_total,
                checks_expected=checks_expected,
                signed_off_by=signer,
                reason=reason,
                token=token,
            )
            _denominations_store(count, cash_counts, "")
            _denominations_store(count, fund_counts, "Change fund: ")
            if cash_diff or fund_diff:
                count.entry = _difference_post(count, cash_diff, fund_diff)
                count.save(update_fields=["entry"])
            return count
    except IntegrityError:
        earlier = SafeCount.objects.filter(token=token).first()
        if earlier is not None:
            return earlier
        raise CustodyError("The books refused this count, so nothing was saved.") from None
    except DatabaseError as exc:
        raise CustodyError(database_refusal("safe count", exc).message) from exc


def _denominations_store(count: SafeCount, counts: dict[str, int], prefix: str) -> None:
    """Collections cash under its labels; the change fund's under "Change fund: <label>"."""
    SafeCountDenomination.objects.bulk_create(
        SafeCountDenomination(
            count=count,
            label=f"{prefix}{label}"[:30],
            denomination=DENOMINATION_VALUE[label],
            quantity=quantity,
        )
        for label, quantity in counts.items()
    )


def _difference_post(count: SafeCount, cash_diff: Decimal, fund_diff: Decimal):
    codes = accounts(CASH_IN_SAFE, CHANGE_FUND, OVER_SHORT)
    office_id = count.office_id
    memo = f"Safe count of {us_date(count.business_date)}"
    lines: list[Line] = []
    if cash_diff:
        lines.append(Line(codes[CASH_IN_SAFE], cash_diff, memo, office_id=office_id))
    if fund_diff:
        lines.append(Line(codes[CHANGE_FUND], fund_diff, memo, office_id=office_id))
    total = cash_diff + fund_diff
    if total:
        lines.append(Line(codes[OVER_SHORT], -total, f"{memo}: over/short"))
    what = "over" if total > 0 else "short"
    return post(
        entry_date=count.business_date,
        memo=f"{memo}: {what} {format_money(abs(total))}"
        if total
        else f"{memo}: cash and change fund exchanged",
        source=ReconciliationSource.SAFE_COUNT,
        by=count.counted_by,
        lines=lines,
    )


def movement_custody_record(movement: CashMovement, handed_by: User, received_by: User) -> None:
    """Record a cash drop or pickup (payments.services.cash_movement_record, which calls this
    through payments.custody.movement_recorded, registered in reconciliation.apps) as a
    hand-over into the safe: a CustodyTransfer (DROP) on the movement's own entry, from the
    clerk (`handed_by`) to the receiving Supervisor. Live drawers only."""
    drawer = movement.drawer
    CustodyTransfer.objects.get_or_create(
        entry=movement.entry,
        defaults={
            "office_id": drawer.office_id,
            "kind": CustodyTransfer.Kind.DROP,
            "cash": movement.amount,
            "handed_by": handed_by,
            "received_by": received_by,
            "drawer": drawer,
            "note": f"{movement.get_kind_display()} {movement.pk}",
            "business_date": movement.entry.entry_date,
        },
    )


def cash_drop_record(
    *,
    drawer: Drawer,
    amount: Decimal,
    by: User,
    received_by: User,
    note: str = "",
    token: uuid.UUID | None = None,
) -> CashMovement:
    """A clerk's cash drop into the safe, received by a Supervisor (confirmed by password at the
    counter): payments.services.cash_movement_record with `received_by` required; it posts
    Dr 1035 / Cr 1000 and the same entry is recorded as a CustodyTransfer (DROP) from the clerk
    to `received_by`. Raises CustodyError (no receiver) and cash_movement_record's errors
    (ApprovalRequired when the receiver is no Supervisor or is the clerk)."""
    if received_by is None:
        raise CustodyError("A Supervisor receives the cash into the safe.")
    return cash_movement_record(
        drawer=drawer,
        kind=CashMovement.Kind.DROP,
        amount=amount,
        by=by,
        note=note,
        token=token,
        received_by=received_by,
    )


def drops_received(office: Office, day: date | None = None):
    """The office's cash drops of `day` (default today) with who received each."""
    return (
        CustodyTransfer.objects.filter(
            office=office,
            kind=CustodyTransfer.Kind.DROP,
            business_date=day or timezone.localdate(),
        )
        .select_related("handed_by", "received_by", "drawer")
        .order_by("created_at")
    )
