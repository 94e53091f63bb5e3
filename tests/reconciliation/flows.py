"""Helpers of reconciliation's tests that build state through the real services: a drawer
closed (reconciliation.services.closing), the safe counted (services.safe), a deposit prepared
and verified by two Supervisors (services.deposits), and bank statements imported from small
generated files and matched (services.statements).

Nothing here writes a row or a ledger line itself."""

import uuid
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal

from django.utils import timezone

from billing.models import Customer
from cashiering.roles import Role
from ledger.chart import CASH_IN_SAFE, CHANGE_FUND
from ledger.models import Account, JournalEntry
from ledger.services import Line, post
from payments.models import DENOMINATIONS, Drawer, Office, Tender, Workstation
from payments.selectors import custody_held
from reconciliation.models import Deposit, DrawerClose, SafeCount, StatementLine
from reconciliation.selectors_closing import (
    drawer_checks_recorded,
    drawer_expected,
    drawer_stock_expected,
)
from reconciliation.selectors_custody import checks_in_safe, safe_cash_available
from reconciliation.services import (
    CheckPick,
    ExtraCheck,
    deposit_prepare,
    deposit_verify,
    drawer_close_count,
    drawer_close_sign_off,
    safe_count_record,
    statement_import,
    statement_line_match_deposit,
)

D = Decimal
# Notes and coins a count is made of (largest first); $2 bills, $1 coins, half dollars unused.
_COUNTED = [
    (value, label)
    for value, label in DENOMINATIONS
    if label not in {"$2 bills", "$1 coins", "Half dollars"}
]


def counts_for(amount: Decimal | str) -> dict[str, int]:
    """`amount` (dollars) as a count of notes and coins, largest first."""
    left = D(amount)
    if left < 0:
        raise ValueError(f"No count holds {left}.")
    counts: dict[str, int] = {}
    for value, label in _COUNTED:
        quantity = int(left // value)
        if quantity:
            counts[label] = quantity
            left -= value * quantity
    return counts


def drawer_closed(
    drawer: Drawer,
    *,
    receiver,
    missing: tuple[str, ...] = (),
    extras: tuple[tuple[str, str, str], ...] = (),
    counted_cash: Decimal | str | None = None,
    card_total: Decimal | str | None = None,
    reason: str = "Counted twice; the difference stands",
) -> DrawerClose:
    """The drawer's clerk closes `drawer` (drawer_close_count) counting the cash it should hold
    (or `counted_cash`), every recorded check but those numbered in `missing`, plus `extras`
    ((number, payer, amount) on no receipt), the card batch it should hold (or `card_total`)
    and its stock. `receiver`, a Supervisor, receives the money into the safe; beyond the
    office's tolerance they sign the count off (drawer_close_sign_off, with `reason`). The
    drawer ends CLOSED."""
    expected = drawer_expected(drawer)
    checks: list[int | ExtraCheck] = [
        t.pk for t in drawer_checks_recorded(drawer) if t.check_number not in missing
    ]
    checks += [ExtraCheck(number, payer, D(amount)) for number, payer, amount in extras]
    close = drawer_close_count(
        drawer=drawer,
        counts=counts_for(expected.cash if counted_cash is None else counted_cash),
        checks=checks,
        card_batch_total=expected.card if card_total is None else D(card_total),
        stock=drawer_stock_expected(drawer),
        by=drawer.clerk,
        received_by=receiver,
        token=uuid.uuid4(),
    )
    if close.status == DrawerClose.Status.COUNTED:
        close = drawer_close_sign_off(close=close, by=receiver, reason=reason)
    assert close.status == DrawerClose.Status.CLOSED, close.status
    drawer.refresh_from_db()
    return close


def safe_counted(office: Office, *, by, witness, day: date | None = None) -> SafeCount:
    """`by` and `witness` count the safe (safe_count_record) and find what the ledger says it
    holds: its cash, the change fund, every check on the safe's list."""
    return safe_count_record(
        office=office,
        business_date=day or timezone.localdate(),
        counts=counts_for(custody_held(office, CASH_IN_SAFE)),
        change_fund_counts=counts_for(custody_held(office, CHANGE_FUND)),
        checks=[CheckPick(c.tender_id, c.close_check_id) for c in checks_in_safe(office)],
        counted_by=by,
        witness=witness,
        token=uuid.uuid4(),
    )


def _free_window(office: Office) -> Workstation:
    busy = Drawer.objects.filter(
        workstation__office=office, status__in=[Drawer.Status.OPEN, Drawer.Status.CLOSING]
    ).values("workstation")
    window = Workstation.objects.filter(office=office).exclude(pk__in=busy).order_by("pk").first()
    assert window is not None, "every window has a drawer open"
    return window


def cash_into_safe(office: Office, amount: Decimal | str, *, receiver) -> None:
    """Put `amount` of collections cash in `office`'s safe the way it gets there: a clerk at a
    free window takes it for a bill and closes the drawer, `receiver` receiving it."""
    from payments.services import BillItem, drawer_open, payment_record
    from tests.payments.conftest import cash, fee, issue, new_user

    value = D(amount)
    clerk = new_user(f"clerk-{uuid.uuid4().hex[:8]}", Role.CLERK)
    till = drawer_open(
        clerk=clerk,
        workstation=_free_window(office),
        counts={"$20 bills": 10, "Quarters": 40},
        stock={fee("tag_sheet").pk: 50, fee("tag_single").pk: 100},
    )
    payer = Customer.objects.create(name="Safe Cash Payer")
    bill = issue(payer, receiver, amount=str(value))
    payment_record(
        drawer=till,
        items=[BillItem(bill_id=bill.pk, amount=value)],
        tenders=[cash(str(value))],
        token=uuid.uuid4(),
        by=clerk,
    )
    drawer_closed(till, receiver=receiver)


def deposit_verified(
    *,
    office: Office,
    preparer,
    verifier,
    cash: str = "0",
    checks: Iterable[Tender] = (),
    bank: str = "1100",
    bag: str | None = None,
) -> Deposit:
    """A bag prepared by `preparer` from the safe and verified by `verifier` (two Supervisors):
    `cash` dollars (put in the safe first through a drawer if it holds less) and the check
    tenders `checks` (their drawers are closed first if still open)."""
    chosen = list(checks)
    for drawer_id in sorted({t.payment.drawer_id for t in chosen}):
        till = Drawer.objects.get(pk=drawer_id)
        if till.status == Drawer.Status.OPEN:
            drawer_closed(till, receiver=preparer)
    value = D(cash)
    short = value - safe_cash_available(office)
    if short > 0:
        cash_into_safe(office, short, receiver=preparer)
    picks = [CheckPick(tender_id=t.pk) for t in chosen]
    counts = counts_for(value)
    deposit = deposit_prepare(
        office=office,
        bank_account=Account.objects.get(code=bank),
        bag_number=bag or uuid.uuid4().hex[:8],
        counts=counts,
        checks=picks,
        by=preparer,
        token=uuid.uuid4(),
    )
    return deposit_verify(deposit=deposit, by=verifier, counts=counts, checks=picks)


# Bank statements


def _ofx_day(day: date) -> str:
    # Noon UTC: the same business date in the office's time zone.
    return day.strftime("%Y%m%d") + "120000"


def statement_ofx(
    lines: Sequence[tuple[date, Decimal | str, str]],
    *,
    closing_balance: Decimal | str | None = None,
    period: tuple[date, date] | None = None,
) -> bytes:
    """A small OFX bank statement: `lines` (posted on, amount, description), the statement's
    `period` (default: the lines' first and last days) and ledger balance."""
    start, end = period or (min(d for d, _, _ in lines), max(d for d, _, _ in lines))
    rows = "".join(
        f"<STMTTRN><TRNTYPE>{'CREDIT' if D(amount) > 0 else 'DEBIT'}</TRNTYPE>"
        f"<DTPOSTED>{_ofx_day(day)}</DTPOSTED><TRNAMT>{D(amount):.2f}</TRNAMT>"
        f"<FITID>{uuid.uuid4().hex[:20]}</FITID><NAME>{text}</NAME></STMTTRN>\n"
        for day, amount, text in lines
    )
    balance = (
        f"<LEDGERBAL><BALAMT>{D(closing_balance):.2f}</BALAMT>"
        f"<DTASOF>{_ofx_day(end)}</DTASOF></LEDGERBAL>"
        if closing_balance is not None
        else f"<LEDGERBAL><BALAMT>0.00</BALAMT><DTASOF>{_ofx_day(end)}</DTASOF></LEDGERBAL>"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\n'
        '<?OFX OFXHEADER="200" VERSION="220" SECURITY="NONE" OLDFILEUID="NONE" '
        'NEWFILEUID="NONE"?>\n<OFX>\n'
        "<SIGNONMSGSRSV1><SONRS><STATUS><CODE>0</CODE><SEVERITY>INFO</SEVERITY></STATUS>"
        f"<DTSERVER>{_ofx_day(end)}</DTSERVER><LANGUAGE>ENG</LANGUAGE></SONRS></SIGNONMSGSRSV1>\n"
        "<BANKMSGSRSV1><STMTTRNRS><TRNUID>1</TRNUID><STATUS><CODE>0</CODE>"
        "<SEVERITY>INFO</SEVERITY></STATUS>\n<STMTRS><CURDEF>USD</CURDEF><BANKACCTFROM>"
        "<BANKID>021000021</BANKID><ACCTID>5550001</ACCTID><ACCTTYPE>CHECKING</ACCTTYPE>"
        f"</BANKACCTFROM>\n<BANKTRANLIST><DTSTART>{_ofx_day(start)}</DTSTART>"
        f"<DTEND>{_ofx_day(end)}</DTEND>\n{rows}</BANKTRANLIST>{balance}"
        "</STMTRS></STMTTRNRS></BANKMSGSRSV1>\n</OFX>\n"
    ).encode()


def statement_imported(
    *,
    by,
    lines: Sequence[tuple[date, Decimal | str, str] | tuple[date, Decimal | str]],
    closing_balance: Decimal | str | None = None,
    period: tuple[date, date] | None = None,
    bank_code: str = "1100",
) -> list[StatementLine]:
    """Import (statement_import) an OFX statement of `bank_code` with `lines` ((posted on,
    amount[, description])), all unmatched; returns its lines in file order."""
    full = [
        (line[0], line[1], line[2] if len(line) > 2 else f"Line {n}")
        for n, line in enumerate(lines, 1)
    ]  # type: ignore[misc]
    job = statement_import(
        bank_account=Account.objects.get(code=bank_code),
        file_name=f"statement-{uuid.uuid4().hex[:6]}.ofx",
        data=statement_ofx(full, closing_balance=closing_balance, period=period),
        by=by,
    )
    assert job.statement is not None, job.message
    return list(job.statement.lines.order_by("id"))


def bank_entry(*, by, amount: str, day: date, memo: str = "Bank entry") -> JournalEntry:
    """Dr 1100 Bank / Cr 3000 Fund balance (money the books hold at the bank that no statement
    line matched), posted through the ledger's service."""
    value = D(amount)
    return post(
        entry_date=day,
        memo=memo,
        source="opening_balance",
        by=by,
        lines=[
            Line(Account.objects.get(code="1100"), value),
            Line(Account.objects.get(code="3000"), -value),
        ],
    )


def deposit_at_bank(deposit: Deposit, by, *, amount: Decimal | str | None = None) -> StatementLine:
    """The bank credits `deposit` (its total, or `amount`) on a statement imported for its bank
    account, and `by` matches the line to it (statement_line_match_deposit)."""
    (line,) = statement_imported(
        by=by,
        lines=[
            (
                timezone.localdate(),
                D(amount) if amount is not None else deposit.total,
                f"DEPOSIT BAG {deposit.bag_number}",
            )
        ],
        bank_code=deposit.bank_account.code,
    )
    return statement_line_match_deposit(line=line, target=deposit, by=by)


__all__ = [
    "bank_entry",
    "cash_into_safe",
    "counts_for",
    "deposit_at_bank",
    "deposit_verified",
    "drawer_closed",
    "safe_counted",
    "statement_imported",
    "statement_ofx",
]
