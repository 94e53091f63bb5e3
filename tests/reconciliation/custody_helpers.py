"""Helpers of the safe and deposit tests: a day's takings put in the safe, and a bag matched at
the bank.

`drawer_closed` stands in for the drawer-close service (reconciliation.services.closing, built
beside this work): it posts the close exactly as that service's brief says (Cr the drawer's
1000/1010/1020, Dr 1030 the float back, Dr 1035 the rest of the cash, Dr 1036 the checks present
and extra, Dr 1020 the card batch, the difference to 5000) through `custody_transfer_post`, and
records the DrawerClose with its CloseChecks. Once that service is merged these tests may call
it instead; what they check (the safe, deposits, custody) does not change."""

import uuid
from decimal import Decimal

from django.utils import timezone

from ledger.models import JournalLine
from ledger.money import ZERO
from ledger.services import Line, post
from payments.models import Drawer, Payment, Tender, TenderKind
from reconciliation.models import (
    BankStatement,
    CloseCheck,
    CustodyTransfer,
    Deposit,
    DrawerClose,
    StatementLine,
)
from reconciliation.services.custody import (
    CARD_CLEARING,
    CASH_IN_DRAWER,
    CASH_IN_SAFE,
    CHANGE_FUND,
    CHECKS_IN_DRAWER,
    CHECKS_IN_SAFE,
    DEPOSITS_IN_TRANSIT,
    OVER_SHORT,
    Handover,
    ReconciliationSource,
    accounts,
    custody_transfer_post,
)


def _held(drawer: Drawer, code: str) -> Decimal:
    return sum(
        JournalLine.objects.filter(drawer_id=drawer.pk, account__code=code).values_list(
            "amount", flat=True
        ),
        ZERO,
    )


def drawer_closed(
    drawer: Drawer,
    *,
    receiver,
    missing: tuple[str, ...] = (),
    extras: tuple[tuple[str, str, str], ...] = (),
) -> DrawerClose:
    """Close `drawer` counting exactly what it should hold, except the checks numbered in
    `missing` (not in the drawer) and `extras` ((number, payer, amount) on no receipt); its
    cash and checks go to the safe, handed from the clerk to `receiver`."""
    codes = accounts(
        CASH_IN_DRAWER,
        CHECKS_IN_DRAWER,
        CARD_CLEARING,
        CHANGE_FUND,
        CASH_IN_SAFE,
        CHECKS_IN_SAFE,
        OVER_SHORT,
    )
    cash, checks, card = (
        _held(drawer, code) for code in (CASH_IN_DRAWER, CHECKS_IN_DRAWER, CARD_CLEARING)
    )
    tenders = list(
        Tender.objects.filter(payment__drawer=drawer, kind=TenderKind.CHECK, returned=False)
        .exclude(payment__status=Payment.Status.VOIDED)
        .order_by("pk")
    )
    present = [t for t in tenders if t.check_number not in missing]
    extra_total = sum((Decimal(amount) for _, _, amount in extras), ZERO)
    counted_checks = sum((t.amount for t in present), ZERO) + extra_total
    float_back = min(drawer.opening_float, cash)
    memo = f"Close of drawer {drawer.pk}"
    office_id = drawer.office_id
    lines = [
        Line(codes[CASH_IN_DRAWER], -cash, memo, drawer_id=drawer.pk),
        Line(codes[CHECKS_IN_DRAWER], -checks, memo, drawer_id=drawer.pk),
        Line(codes[CARD_CLEARING], -card, memo, drawer_id=drawer.pk),
        Line(codes[CHANGE_FUND], float_back, memo, office_id=office_id),
        Line(codes[CASH_IN_SAFE], cash - float_back, memo, office_id=office_id),
        Line(codes[CHECKS_IN_SAFE], counted_checks, memo, office_id=office_id),
        Line(codes[CARD_CLEARING], card, memo),
        Line(codes[OVER_SHORT], checks - counted_checks, memo),
    ]
    transfer = custody_transfer_post(
        office=drawer.office,
        kind=CustodyTransfer.Kind.DRAWER_TO_SAFE,
        lines=[line for line in lines if line.amount],
        memo=memo,
        source=ReconciliationSource.DRAWER_CLOSE,
        handover=Handover(handed_by=drawer.clerk, received_by=receiver),
        cash=cash,
        checks=counted_checks,
        drawer=drawer,
    )
    close = DrawerClose.objects.create(
        drawer=drawer,
        status=DrawerClose.Status.CLOSED,
        counted_by=drawer.clerk,
        counted_cash=cash,
        counted_checks=counted_checks,
        card_batch_total=card,
        expected_cash=cash,
        expected_checks=checks,
        expected_card=card,
        float_returned=float_back,
        entry=transfer.entry,
        closed_at=timezone.now(),
        business_date=timezone.localdate(),
        token=uuid.uuid4(),
    )
    for tender in tenders:
        CloseCheck.objects.create(
            close=close,
            tender=tender,
            state=CloseCheck.State.MISSING
            if tender.check_number in missing
            else CloseCheck.State.PRESENT,
            check_number=tender.check_number,
            payer=tender.check_payer,
            amount=tender.amount,
        )
    for number, payer, amount in extras:
        CloseCheck.objects.create(
            close=close,
            state=CloseCheck.State.EXTRA,
            check_number=number,
            payer=payer,
            amount=Decimal(amount),
        )
    Drawer.objects.filter(pk=drawer.pk).update(
        status=Drawer.Status.CLOSED, closed_at=timezone.now()
    )
    return close


def deposit_at_bank(deposit: Deposit, by) -> StatementLine:
    """The bank credits `deposit` on a statement, matched to it: Dr Bank / Cr 1040 (stands in
    for the statement matching service, built beside this work)."""
    codes = accounts(DEPOSITS_IN_TRANSIT)
    statement = BankStatement.objects.create(
        bank_account=deposit.bank_account,
        format=BankStatement.Format.CSV,
        file_name="test.csv",
        file_sha256=uuid.uuid4().hex * 2,
        line_count=1,
        imported_by=by,
    )
    entry = post(
        entry_date=timezone.localdate(),
        memo=f"Bank received bag {deposit.bag_number}",
        source=ReconciliationSource.STATEMENT_MATCH,
        by=by,
        lines=[
            Line(deposit.bank_account, deposit.total, "Deposit"),
            Line(
                codes[DEPOSITS_IN_TRANSIT], -deposit.total, "Deposit", office_id=deposit.office_id
            ),
        ],
    )
    return StatementLine.objects.create(
        statement=statement,
        bank_account=deposit.bank_account,
        posted_on=timezone.localdate(),
        amount=deposit.total,
        description=f"Deposit bag {deposit.bag_number}",
        fingerprint=uuid.uuid4().hex,
        status=StatementLine.Status.MATCHED,
        deposit=deposit,
        entry=entry,
        matched_by=by,
        matched_at=timezone.now(),
    )
