"""Refunds of a receipt (out of a drawer or by city check) and refunds of credit on account."""

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from billing.models import Customer, PlanCharge
from billing.selectors import customer_credit
from billing.services import plan_money_undo, plans_status_sync
from cashiering.dates import us_date
from ledger.chart import BANK, CARD_CLEARING, CASH_IN_DRAWER, CUSTOMER_CREDITS, REFUNDS_PAYABLE
from ledger.models import Account, Book, JournalEntry
from ledger.money import ZERO, format_money
from ledger.services import Line, post
from payments.errors import ApprovalRequired, NoOpenDrawer, NotReversible, PaymentError, TokenReused
from payments.models import (
    CreditRefund,
    Drawer,
    Payment,
    PaymentItem,
    PaymentReversal,
    TenderKind,
)
from payments.selectors import credit_refund_office, drawer_cash_expected
from payments.services.common import (
    PaymentSource,
    _accounts,
    _approval_checked,
    _money,
    _reason_checked,
    database_refusal_explained,
    refuse_card_numbers,
)
from payments.services.drawers import _open_drawer_locked
from payments.services.reversals import (
    _bills_reopen,
    _cancelled_bills_kept_closed,
    _credit_still_held,
    _credit_taken_back,
    _plan_charges_off_bills,
    _plan_charges_taken_back,
    _requests_done,
    _reversal_locks,
    _standing_refused,
    _taken_back,
    _unapplied_lines,
    check_clears_on,
)


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
    city_check_number = _city_check_number_checked(city_check_number, drawer)
    with database_refusal_explained("refund"), transaction.atomic():
        paying = _refund_drawers_locked(payment, drawer, city_check_number)
        locked, items, _ = _reversal_locks(payment)
        earlier = _refund_by_token(token, locked, amount)
        if earlier is not None:
            return earlier
        _standing_refused(locked)
        _refund_book_checked(locked, paying, city_check_number)
        taken = _taken_back(locked)
        standing = locked.total - taken
        plan_paid = any(item.plan_id for item in items)
        amount = _refund_amount_checked(locked, amount, standing, plan_paid)
        split = _refund_split(locked, amount)
        _check_money_cleared(locked, split)
        _drawer_cash_checked(paying, split.rest)
        lines, reopened = _refund_lines(
            locked, items, taken=taken, amount=amount, plan_paid=plan_paid
        )
        lines += _payout_lines(split, paying, city_check_number, locked.customer_id)
        return _refund_written(
            locked=locked,
            items=items,
            lines=lines,
            reopened=reopened,
            amount=amount,
            standing=standing,
            plan_paid=plan_paid,
            split=split,
            paying=paying,
            city_check_number=city_check_number,
            reason=reason,
            by=by,
            approver=approver,
            token=token,
        )


def _refund_written(
    *,
    locked: Payment,
    items: list[PaymentItem],
    lines: list[Line],
    reopened: list[tuple[PaymentItem, dict[str, Decimal]]],
    amount: Decimal,
    standing: Decimal,
    plan_paid: bool,
    split: _RefundSplit,
    paying: Drawer | None,
    city_check_number: str,
    reason: str,
    by: User,
    approver: User,
    token: uuid.UUID | None,
) -> PaymentReversal:
    """payment_refund's writes, everything checked: the entry, the bills reopened, the payment
    marked refunded when nothing of it stands any more, the Supervisors' requests done, and the
    reversal row."""
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
        _refunded_bills_reopen(locked, items, reopened, entry, plan_paid=plan_paid)
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


def _refund_drawers_locked(
    payment: Payment, drawer: Drawer | None, city_check_number: str
) -> Drawer | None:
    """Lock the receipt's drawer and the one paying the refund, in id order (two refunds, each
    paid out of the other's drawer, would otherwise wait for each other: a deadlock), and give
    the open drawer the cash comes out of (None: a city check pays it)."""
    ids = sorted({payment.drawer_id} | ({drawer.pk} if drawer is not None else set()))
    list(Drawer.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    return None if city_check_number or drawer is None else _open_drawer_locked(drawer)


def _refund_book_checked(locked: Payment, paying: Drawer | None, city_check_number: str) -> None:
    """A training receipt is refunded from a training drawer, a live one from a live one."""
    if paying is not None and paying.training != locked.training:
        raise NotReversible("Refund a training receipt from a training drawer, and only then.")
    if city_check_number and locked.training:
        raise NotReversible("A training receipt is refunded from a training drawer.")


def _drawer_cash_checked(paying: Drawer | None, cash: Decimal) -> None:
    """The paying drawer holds the `cash` (dollars) to pay out, by what it should hold."""
    if paying is not None and cash > drawer_cash_expected(paying):
        raise NotReversible(
            f"The drawer should hold only {format_money(drawer_cash_expected(paying))} in "
            f"cash; {format_money(cash)} cannot be paid out of it."
        )


def _refunded_bills_reopen(
    locked: Payment,
    items: list[PaymentItem],
    reopened: list[tuple[PaymentItem, dict[str, Decimal]]],
    entry: JournalEntry,
    *,
    plan_paid: bool,
) -> None:
    """The refunded bills owe again; a plan's payment is undone on its plan (its late charges
    back off the bills) and the plans' status follows."""
    _bills_reopen(reopened)
    if plan_paid:
        _plan_charges_off_bills(plan_money_undo(entry=locked.entry, undone_by=entry))
        plans_status_sync(bill_ids=[i.bill_id for i in items if i.bill_id])


def _city_check_number_checked(city_check_number: str, drawer: Drawer | None) -> str:
    """The city check's number (at most 20 characters, never a card number); without one the
    refund is paid out of a drawer, which must be given."""
    city_check_number = city_check_number.strip()
    refuse_card_numbers(city_check_number)
    if len(city_check_number) > 20:
        raise PaymentError("A city check number has at most 20 characters.")
    if drawer is None and not city_check_number:
        raise NoOpenDrawer("Open a drawer first: the refund is paid out of it.")
    return city_check_number


def _refund_amount_checked(
    locked: Payment, amount: Decimal | None, standing: Decimal, plan_paid: bool
) -> Decimal:
    """What the refund gives back: `amount`, or all that stands of the receipt. A receipt that
    paid a payment plan is refunded whole; no more than stands is refunded."""
    amount = standing if amount is None else amount
    if plan_paid and amount != standing:
        raise NotReversible(
            f"Receipt {locked.receipt_number} paid a payment plan: it is refunded whole "
            f"({format_money(standing)}), so the plan's installments and late charges "
            "stand as before it; then take a new payment."
        )
    if amount > standing:
        raise NotReversible(
            f"Only {format_money(standing)} of receipt {locked.receipt_number} stands; "
            f"{format_money(amount)} cannot be refunded."
        )
    return amount


def _refund_lines(
    locked: Payment,
    items: list[PaymentItem],
    *,
    taken: Decimal,
    amount: Decimal,
    plan_paid: bool,
) -> tuple[list[Line], list[tuple[PaymentItem, dict[str, Decimal]]]]:
    """The lines taking back `amount` of what the receipt applied (after the `taken` earlier
    refunds and returned checks took back), the credit it left still held, cancelled bills kept
    closed, and a plan's late charges taken back; with the bills to reopen."""
    lines, reopened, _fees = _unapplied_lines(
        items, locked.training, skip=taken, limit=amount, customer_id=locked.customer_id
    )
    _credit_still_held(locked, _credit_taken_back(lines))
    lines, reopened = _cancelled_bills_kept_closed(locked, lines, reopened)
    late_charges = (
        list(PlanCharge.objects.filter(entry=locked.entry, undone_by__isnull=True))
        if plan_paid and not locked.training
        else []
    )
    lines += _plan_charges_taken_back(late_charges, {i.bill_id: i.bill for i in items})
    return lines, reopened


def _credit_refundable(locked: Customer, amount: Decimal) -> None:
    """No more than the customer holds, and none that a check not yet cleared paid for."""
    held = customer_credit(locked)
    if amount > held:
        raise PaymentError(
            f"{locked.name} holds {format_money(held)} of credit on account; "
            f"{format_money(amount)} cannot be refunded."
        )
    _credit_cleared(locked, held, amount)


def _credit_paid_from(
    accounts: dict[str, Account], paying: Drawer | None, amount: Decimal, *, memo: str, payee: str
) -> Line:
    """The credit line of a credit refund: Cash in drawer (no more than it should hold), or
    Refunds payable for the city check to `payee`."""
    if paying is None:
        return Line(accounts[REFUNDS_PAYABLE], -amount, f"City check to {payee}"[:255])
    available = drawer_cash_expected(paying)
    if amount > available:
        raise PaymentError(
            f"The drawer should hold {format_money(available)} in cash; "
            f"{format_money(amount)} cannot be paid out of it."
        )
    return Line(accounts[CASH_IN_DRAWER], -amount, memo, None, paying.pk)


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


def _live_drawer_locked(drawer: Drawer | None) -> Drawer:
    """The open live drawer a cash refund comes out of, locked."""
    assert drawer is not None  # credit_refund asks for one first
    paying = _open_drawer_locked(drawer)
    if paying.training:
        raise PaymentError("A training drawer holds no real money: choose a live one.")
    return paying


def _credit_refund_by_token(
    token: uuid.UUID, customer: Customer, amount: Decimal, method: str
) -> CreditRefund | None:
    """The credit refund this form's `token` made already (a double-click, a reload), or None;
    the same token with another customer, amount or method is refused (TokenReused)."""
    earlier = CreditRefund.objects.filter(token=token).first()
    if earlier is not None and (earlier.customer_id, earlier.amount, earlier.method) != (
        customer.pk,
        amount,
        method,
    ):
        raise TokenReused("This form was already used; reload the page, start again.")
    return earlier


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
        paying = _live_drawer_locked(drawer) if method == CreditRefund.Method.CASH else None
        locked = Customer.objects.select_for_update(no_key=True).get(pk=customer.pk)
        earlier = _credit_refund_by_token(token, locked, amount, method)
        if earlier is not None:
            return earlier
        _credit_refundable(locked, amount)
        accounts = _accounts(CUSTOMER_CREDITS, CASH_IN_DRAWER, REFUNDS_PAYABLE)
        memo = f"Credit refunded to {locked.name}"
        paid_from = _credit_paid_from(accounts, paying, amount, memo=memo, payee=payee)
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
