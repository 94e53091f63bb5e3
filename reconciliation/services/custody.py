"""Custody of cash and checks: the change fund, hand-overs between drawer, safe, bag and bank
(each a ledger entry naming the office, with two people), and where a check is now."""

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from ledger.chart import (
    BANK,
    CHANGE_FUND,
    CHECKS_IN_DRAWER,
    CHECKS_IN_SAFE,
    DEPOSITS_IN_TRANSIT,
)
from ledger.models import Account, JournalEntry
from ledger.money import ZERO, format_money, is_whole_cents
from ledger.services import Line, post
from payments.custody import CheckLocation
from payments.errors import NotReversible
from payments.models import Drawer, Office, Tender
from payments.services import database_refusal_explained
from reconciliation.errors import CustodyError
from reconciliation.models import (
    CloseCheck,
    CustodyTransfer,
    Deposit,
    DepositCheck,
    DrawerClose,
    StatementLine,
)


class ReconciliationSource:
    """`JournalEntry.source` of reconciliation's entries. DRAWER_CLOSE and DRAWER_REOPEN are
    the sources payments' drawer check leaves to reconciliation (payments.selectors)."""

    CHANGE_FUND = "change_fund"
    DRAWER_CLOSE = "drawer_close"
    DRAWER_REOPEN = "drawer_reopen"
    SAFE_COUNT = "safe_count"
    DEPOSIT = "deposit"
    DEPOSIT_CANCEL = "deposit_cancel"
    STATEMENT_MATCH = "statement_match"
    CARD_SETTLEMENT = "card_settlement"
    VENDOR_PAYMENT = "vendor_payment"


def accounts(*codes: str) -> dict[str, Account]:
    """The accounts of `codes`, by code. Raises Account.DoesNotExist for a code not on file."""
    found = {a.code: a for a in Account.objects.filter(code__in=codes)}
    missing = set(codes) - set(found)
    if missing:
        raise CustodyError(f"The chart of accounts lacks {', '.join(sorted(missing))}.")
    return found


@dataclass(frozen=True)
class Handover:
    """Who hands cash and checks over and who receives them (two people)."""

    handed_by: User
    received_by: User


def custody_transfer_post(
    *,
    office: Office,
    kind: str,
    lines: list[Line],
    memo: str,
    source: str,
    handover: Handover,
    business_date: date | None = None,
    cash: Decimal = ZERO,
    checks: Decimal = ZERO,
    drawer: Drawer | None = None,
    deposit: Deposit | None = None,
    note: str = "",
    token: uuid.UUID | None = None,
    reverses: JournalEntry | None = None,
) -> CustodyTransfer:
    """Post one hand-over (`lines`, balanced, custody lines naming `office`) and record it with
    the two people; `reverses` links the entry to the one it reverses (a reopening's to the
    close's). Call inside the caller's transaction. Raises CustodyError when one person
    would both hand over and receive (unless the office allows self-approval), and the ledger's
    errors when PostgreSQL refuses (a custody account going below zero: CU001)."""
    if handover.handed_by.pk == handover.received_by.pk and not office.allow_self_approval:
        raise CustodyError(
            "Cash and checks change hands between two people: the one who receives them is "
            "not the one who hands them over."
        )
    day = business_date or timezone.localdate()
    entry = post(
        entry_date=day,
        memo=memo,
        source=source,
        by=handover.handed_by,
        lines=lines,
        reverses=reverses,
    )
    return CustodyTransfer.objects.create(
        office=office,
        kind=kind,
        cash=cash,
        checks=checks,
        handed_by=handover.handed_by,
        received_by=handover.received_by,
        drawer=drawer,
        deposit=deposit,
        note=note[:200],
        entry=entry,
        business_date=day,
        token=token,
    )


def change_fund_adjust(
    *,
    office: Office,
    amount: Decimal,
    by: User,
    received_by: User,
    memo: str = "",
    token: uuid.UUID | None = None,
) -> CustodyTransfer:
    """Add `amount` (dollars, Decimal) of cash drawn from the operating bank account to the
    office's change fund (Dr 1030 / Cr 1100), or return it to the bank when negative. The
    change fund is where drawers' floats come from; it never goes below zero (CU001).

    Raises CustodyError (not an Admin, zero or fractional amount, one person), PaymentError
    (the database refused: the change fund would go below zero). A repeat with the same
    `token` returns the first adjustment."""
    if not by.has_perm("reconciliation.manage_change_fund"):
        raise CustodyError("Only an Admin sets up the change fund.")
    if not isinstance(amount, Decimal) or not amount or not is_whole_cents(amount):
        raise CustodyError("Give the amount in dollars and cents, not $0.00.")
    if token is not None:
        earlier = CustodyTransfer.objects.filter(token=token).first()
        if earlier is not None:
            if (earlier.office_id, earlier.cash) != (office.pk, amount):
                raise CustodyError("This form was already used; reload the page, start again.")
            return earlier
    codes = accounts(CHANGE_FUND, BANK)
    what = "added to" if amount > 0 else "returned from"
    text = memo.strip() or f"Change fund {what} the bank"
    with database_refusal_explained("change fund"), transaction.atomic():
        return custody_transfer_post(
            office=office,
            kind=CustodyTransfer.Kind.CHANGE_FUND,
            lines=[
                Line(codes[CHANGE_FUND], amount, text, office_id=office.pk),
                Line(codes[BANK], -amount, text),
            ],
            memo=f"{text}: {format_money(abs(amount))} ({office.code})",
            source=ReconciliationSource.CHANGE_FUND,
            handover=Handover(handed_by=by, received_by=received_by),
            cash=amount,
            token=token,
        )


def _remittance_check_location(tender: Tender, drawer: Drawer) -> CheckLocation:
    """A check of a remittance batch: a mail batch's is in the safe from its posting; a lockbox
    file's went to the bank with the deposit the file announced: in transit (1040) until a
    statement line matched that deposit (reconciliation.services.remittance), then at the bank."""
    from payments.models import RemittanceBatch

    # Locked: a statement match of the lockbox deposit (which locks the batch too) and this
    # return are judged one after the other (as for a deposit bag).
    batch = RemittanceBatch.objects.select_for_update(of=("self",)).get(drawer=drawer)
    if batch.kind == RemittanceBatch.Kind.LOCKBOX:
        line = (
            StatementLine.objects.select_related("bank_account")
            .filter(remittance_batch=batch)
            .first()
        )
        if line is not None:
            return CheckLocation(line.bank_account, f"the bank ({line.bank_account.name})")
        return CheckLocation(
            accounts(DEPOSITS_IN_TRANSIT)[DEPOSITS_IN_TRANSIT],
            f"the lockbox deposit of batch {batch.number} in transit",
            office_id=drawer.office_id,
        )
    return CheckLocation(
        accounts(CHECKS_IN_SAFE)[CHECKS_IN_SAFE], "the safe", office_id=drawer.office_id
    )


def check_location(tender: Tender) -> CheckLocation:
    """Where a check tender is now, for a returned check (payments.custody): in a bag at the
    bank (the bag's bank account), in a bag in transit (1040), in the safe (1036, once its
    drawer closed), else still in its drawer (1010 naming the drawer). Raises NotReversible
    while the check is in a bag not yet verified (finish or cancel the deposit first), while its
    drawer's count waits for sign-off, and for a check missing at its drawer's close."""
    in_bag = (
        DepositCheck.objects.select_related("deposit", "deposit__bank_account")
        .filter(tender=tender, released=False)
        .first()
    )
    if in_bag is not None:
        # Locked: a statement match of the bag (which locks it too) and this return are judged
        # one after the other, so the match credits 1040 with what the bag still holds, or
        # this return finds the bag at the bank.
        deposit = (
            Deposit.objects.select_for_update(of=("self",))
            .select_related("bank_account")
            .get(pk=in_bag.deposit_id)
        )
        if deposit.status == Deposit.Status.PREPARED:
            raise NotReversible(
                f"Check {tender.check_number} is in deposit bag {deposit.bag_number}, which is "
                "not verified yet: finish or cancel that deposit first."
            )
        at_bank = StatementLine.objects.filter(deposit=deposit).exists()
        if at_bank:
            return CheckLocation(deposit.bank_account, f"the bank ({deposit.bank_account.name})")
        return CheckLocation(
            accounts(DEPOSITS_IN_TRANSIT)[DEPOSITS_IN_TRANSIT],
            f"deposit bag {deposit.bag_number} in transit",
            office_id=deposit.office_id,
        )
    drawer = Drawer.objects.get(pk=tender.payment.drawer_id)
    if drawer.kind == Drawer.Kind.REMITTANCE:
        return _remittance_check_location(tender, drawer)
    if drawer.status == Drawer.Status.CLOSING:
        # Its count waits for a Supervisor's sign-off, which posts what was counted: the
        # drawer's books must not change under it (reconciliation.services.closing).
        raise NotReversible(
            f"Check {tender.check_number} is in drawer {drawer.pk}, whose count waits for a "
            "Supervisor's sign-off: sign it off first (the check is then in the safe)."
        )
    if drawer.status == Drawer.Status.CLOSED:
        missing = CloseCheck.objects.filter(
            tender=tender,
            close__status=DrawerClose.Status.CLOSED,
            state=CloseCheck.State.MISSING,
        ).exists()
        if missing:
            # Its amount went to over/short at the close; the safe never held it.
            raise NotReversible(
                f"Check {tender.check_number} was missing when drawer {drawer.pk} was closed: it "
                "never reached the safe or a deposit, so the bank cannot have returned it. "
                "Ask an Admin to look into it."
            )
        return CheckLocation(
            accounts(CHECKS_IN_SAFE)[CHECKS_IN_SAFE], "the safe", office_id=drawer.office_id
        )
    return CheckLocation(
        accounts(CHECKS_IN_DRAWER)[CHECKS_IN_DRAWER],
        f"drawer {drawer.pk}",
        drawer_id=drawer.pk,
    )
