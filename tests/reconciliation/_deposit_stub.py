"""TEMPORARY test stand-ins for services other helpers of issue 9 build (deposits, drawer
close), so statement matching can be tested on its own. Replaced at merge by
reconciliation.services' deposit_prepare/deposit_verify and drawer_close.

- `deposit_verified_stub`: funds 1035 for the office (Dr 1035 / Cr 3000 fund balance), then
  posts the deposit Dr 1040 office / Cr 1035 office (checks: drawer to 1036 first, then
  Cr 1036) and writes a VERIFIED Deposit with its DepositChecks.
- `card_close_stub`: a CLOSED DrawerClose whose entry moves the drawer's card clearing off the
  drawer (Dr 1020 no drawer / Cr 1020 drawer), as reconciliation's ledger_verify rule expects."""

import uuid
from decimal import Decimal

from django.utils import timezone

from ledger.models import Account
from ledger.services import Line, post
from reconciliation.models import Deposit, DepositCheck, DrawerClose


def _acct(code: str) -> Account:
    return Account.objects.get(code=code)


def deposit_verified_stub(
    *, office, preparer, verifier, cash: str = "0", checks=(), bank="1100", bag=None, day=None
) -> Deposit:
    """`checks`: check Tenders (in their drawer, 1010) going into the bag."""
    day = day or timezone.localdate()
    cash_total = Decimal(cash)
    checks_total = sum((t.amount for t in checks), Decimal("0"))
    lines = []
    if cash_total:
        post(
            entry_date=day,
            memo="TEST STUB: cash into the safe",
            source="test_stub",
            by=preparer,
            lines=[
                Line(_acct("1035"), cash_total, "stub", office_id=office.pk),
                Line(_acct("3000"), -cash_total, "stub"),
            ],
        )
        lines.append(Line(_acct("1035"), -cash_total, "stub", office_id=office.pk))
    for tender in checks:
        # drawer -> safe as a close would (payments' drawer check leaves drawer_close alone)
        post(
            entry_date=day,
            memo="TEST STUB: check to the safe",
            source="drawer_close",
            by=preparer,
            lines=[
                Line(_acct("1036"), tender.amount, "stub", office_id=office.pk),
                Line(_acct("1010"), -tender.amount, "stub", drawer_id=tender.payment.drawer_id),
            ],
        )
        lines.append(Line(_acct("1036"), -tender.amount, "stub", office_id=office.pk))
    total = cash_total + checks_total
    lines.append(Line(_acct("1040"), total, "stub", office_id=office.pk))
    entry = post(
        entry_date=day,
        memo="TEST STUB: deposit verified",
        source="deposit",
        by=verifier,
        lines=lines,
    )
    deposit = Deposit.objects.create(
        office=office,
        bank_account=_acct(bank),
        bag_number=bag or uuid.uuid4().hex[:8],
        status=Deposit.Status.VERIFIED,
        business_date=day,
        cash_total=cash_total,
        checks_total=checks_total,
        prepared_by=preparer,
        verified_by=verifier,
        verified_at=timezone.now(),
        entry=entry,
        token=uuid.uuid4(),
    )
    for tender in checks:
        DepositCheck.objects.create(
            deposit=deposit,
            tender=tender,
            check_number=tender.check_number,
            payer=tender.check_payer,
            amount=tender.amount,
        )
    return deposit


def card_close_stub(*, drawer, clerk, card_total: str, day=None) -> DrawerClose:
    day = day or timezone.localdate()
    amount = Decimal(card_total)
    entry = post(
        entry_date=day,
        memo="TEST STUB: drawer close (card batch)",
        source="drawer_close",
        by=clerk,
        lines=[
            Line(_acct("1020"), amount, "stub"),
            Line(_acct("1020"), -amount, "stub", drawer_id=drawer.pk),
        ],
    )
    zero = Decimal("0")
    return DrawerClose.objects.create(
        drawer=drawer,
        status=DrawerClose.Status.CLOSED,
        counted_by=clerk,
        counted_cash=zero,
        counted_checks=zero,
        card_batch_total=amount,
        expected_cash=zero,
        expected_checks=zero,
        expected_card=amount,
        float_returned=zero,
        entry=entry,
        closed_at=timezone.now(),
        business_date=day,
        token=uuid.uuid4(),
    )
