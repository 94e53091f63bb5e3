"""Taking money back: the void, and the helpers refunds and returned checks share."""

from collections.abc import Sequence
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from billing.business_days import is_business_day
from billing.models import Bill, BillAdjustment, Customer, PlanCharge
from billing.selectors import closed_days, customer_credit
from billing.services import (
    PENALTY_INTEREST_ACCOUNT_CODE,
    WRITE_OFF_ACCOUNT_CODE,
    penalty_assessments_undo,
    plans_status_sync,
    principal_by_revenue_account,
)
from ledger.chart import CUSTOMER_CREDITS
from ledger.errors import AlreadyReversed
from ledger.models import JournalLine
from ledger.money import ZERO, format_money
from ledger.services import Line, entry_reverse
from payments.errors import NotReversible
from payments.models import (
    ApprovalRequest,
    Drawer,
    Payment,
    PaymentItem,
    PaymentReversal,
    TenderKind,
)
from payments.selectors import drawer_cash_expected
from payments.services.common import (
    _accounts,
    _approval_checked,
    _is_approver,
    _reason_checked,
    database_refusal_explained,
)
from payments.take_back import take_back_order


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


def _void_asker_refused(payment: Payment, by: User) -> None:
    """A void is done or asked for by the clerk whose drawer took the payment, or a
    Supervisor: the cash comes back out of that drawer (issue 13: a clerk acts on their own
    receipts only). Raises NotReversible."""
    if by.pk != payment.drawer.clerk_id and not _is_approver(by):
        raise NotReversible(
            "Only the clerk whose drawer took it voids it (the cash comes back out of that "
            "drawer); refund it from your own drawer instead."
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
    _void_asker_refused(locked, by)
    drawer = locked.drawer
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
    _later_changes_refused(locked, bills)


def _later_changes_refused(locked: Payment, bills: dict[int, Bill]) -> None:
    """A void puts the bills back as they were before the receipt: refused when one of them was
    paid again after it, adjusted or waived, or changed by any later posting."""
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
            plans_status_sync(bill_ids=list(bills))
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


def _plan_charges_taken_back(charges: Sequence[PlanCharge], bills: dict) -> list[Line]:
    """A refund of a plan payment takes back the late interest and charges it assessed (Dr
    penalty and interest revenue, Cr the bill), so the plan stands exactly as before it."""
    if not charges:
        return []
    revenue = _accounts(PENALTY_INTEREST_ACCOUNT_CODE)[PENALTY_INTEREST_ACCOUNT_CODE]
    lines = []
    for charge in charges:
        bill = bills[charge.bill_id]
        memo = f"Payment plan late charge taken back: bill {bill.number}"
        lines += [
            Line(revenue, charge.amount, memo),
            Line(bill.receivable_account, -charge.amount, memo, charge.bill_id),
        ]
    return lines


def _plan_charges_off_bills(charges: Sequence[PlanCharge]) -> None:
    for charge in charges:
        part = "interest_balance" if charge.kind == PlanCharge.Kind.INTEREST else "penalty_balance"
        Bill.objects.filter(pk=charge.bill_id).update(
            **{part: F(part) - charge.amount, "balance": F("balance") - charge.amount}
        )


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
