"""A check the bank returns: taken back from wherever it is, its bills reopened."""

from dataclasses import dataclass, field, replace
from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from billing.models import Bill, ChargeType, Customer, FeeType, PlanCharge, PlanPayment
from billing.selectors import customer_credit, fee_price
from billing.services import Charge, invoice_create, plan_money_returned, plans_status_sync
from ledger.models import JournalEntry
from ledger.money import ZERO
from ledger.services import Line, post
from payments.custody import CheckLocation, check_location
from payments.errors import ApprovalRequired, NotReversible, PaymentError
from payments.models import (
    CheckWriterFlag,
    Payment,
    PaymentItem,
    PaymentReversal,
    Tender,
    TenderKind,
    check_writer_key,
)
from payments.services.common import PaymentSource, _reason_checked, database_refusal_explained
from payments.services.reversals import (
    _bills_reopen,
    _credit_taken_back,
    _plan_charges_off_bills,
    _plan_charges_taken_back,
    _reversal_locks,
    _taken_back,
    _unapplied_lines,
)


def _check_chosen(locked: Payment, check: Tender | None) -> Tender:
    checks = [t for t in locked.tenders.all() if t.kind == TenderKind.CHECK]
    if not checks:
        raise NotReversible(f"Receipt {locked.receipt_number} was not paid by check.")
    if check is None:
        live = [t for t in checks if not t.returned]
        if not live:
            raise NotReversible(
                f"The check on receipt {locked.receipt_number} is already recorded as returned."
            )
        if len(live) > 1:
            numbers = ", ".join(t.check_number for t in live)
            raise PaymentError(
                f"Receipt {locked.receipt_number} was paid with {len(live)} checks ({numbers}): "
                "say which one the bank returned."
            )
        return live[0]
    chosen = next((t for t in checks if t.pk == check.pk), None)
    if chosen is None:
        raise PaymentError(f"That check is not one of receipt {locked.receipt_number}'s.")
    if chosen.returned:
        raise NotReversible(
            f"Check {chosen.check_number} on receipt {locked.receipt_number} is already "
            "recorded as returned."
        )
    return chosen


def returned_check_record(
    *, payment: Payment, reason: str, by: User, check: Tender | None = None
) -> PaymentReversal:
    """The bank returned one check unpaid (`check`; may be left out when the receipt has one
    check not yet returned). Whenever it comes back (issue 8 §5):

    - what the check paid and still stands on the receipt is taken back, last applied first:
      the bills reopen (Dr receivable, Cr bank);
    - what it paid that is no longer applied (the receipt was refunded since) is billed to
      the check writer with the returned-check fee, on one invoice (Dr receivable, Cr bank and
      Cr fee revenue); goods it paid for are billed there too;
    - the check writer's name is flagged (CheckWriterFlag), and the customer record: no more
      checks from either.

    Raises ApprovalRequired (not a Supervisor), NotReversible (training, voided, already
    returned, not a check), PaymentError (which check)."""
    reason = _reason_checked(reason)
    if not by.has_perm("payments.record_returned_check"):
        raise ApprovalRequired("Only a Supervisor records a returned check.")
    with database_refusal_explained("returned check"), transaction.atomic():
        locked, items, bills = _reversal_locks(payment)
        _returned_check_refused(locked)
        chosen = _check_chosen(locked, check)
        # Taken back from wherever the check is now: the safe, a bag in transit, the bank.
        where = check_location(chosen)
        amount = chosen.amount
        taken = _taken_back(locked)
        reopen = min(amount, locked.total - taken)
        billed = amount - reopen
        entry, fees, credit_spent = (
            _returned_check_taken_back(
                locked, items, bills, chosen, where, taken=taken, reopen=reopen, memo=reason, by=by
            )
            if reopen
            else (None, [], ZERO)
        )
        writer, customer = _check_writer_refused(locked, chosen)
        fee_bill = _returned_check_bill(
            locked, chosen, customer, fees, billed, credit_spent, by, where
        )
        Tender.objects.filter(pk=chosen.pk).update(returned=True)
        if locked.status == Payment.Status.POSTED:
            Payment.objects.filter(pk=locked.pk).update(status=Payment.Status.RETURNED)
        reversal = PaymentReversal.objects.create(
            payment=locked,
            kind=PaymentReversal.Kind.RETURNED_CHECK,
            reason=reason,
            amount=amount,
            taken_back=reopen,
            billed=billed + credit_spent,
            tender=chosen,
            requested_by=by,
            approved_by=by,
            entry=entry,
            fee_bill=fee_bill,
            # the drawer the check was taken back from, while it was still in one
            drawer_id=where.drawer_id,
        )
        CheckWriterFlag.objects.create(
            name=writer[:200],
            name_key=check_writer_key(writer)[:200],
            customer=customer,
            reversal=reversal,
        )
        return reversal


def _check_writer_refused(locked: Payment, chosen: Tender) -> tuple[str, Customer]:
    """Who wrote the returned check (the name on it, else the payer's) and the customer
    record it is billed to (the receipt's, else a new one in the writer's name), which takes
    no more checks from now on."""
    writer = chosen.check_payer.strip() or locked.payer_name.strip() or "Check writer"
    customer = locked.customer or Customer.objects.create(name=writer)
    Customer.objects.filter(pk=customer.pk).update(checks_refused=True)
    return writer, customer


def _returned_check_refused(locked: Payment) -> None:
    """A training receipt took no real check; a voided one handed its check back."""
    if locked.training:
        raise NotReversible("Training receipts take no real checks.")
    if locked.status == Payment.Status.VOIDED:
        raise NotReversible(
            f"Receipt {locked.receipt_number} was voided: its check was handed back, so "
            "the bank cannot return it."
        )


def _returned_check_taken_back(
    locked: Payment,
    items: list[PaymentItem],
    bills: dict[int, Bill],
    chosen: Tender,
    where: CheckLocation,
    *,
    taken: Decimal,
    reopen: Decimal,
    memo: str,
    by: User,
) -> tuple[JournalEntry | None, list[PaymentItem], Decimal]:
    """Take back `reopen` of what the check paid and still stands (after the `taken` earlier
    refunds took back), last applied first: the bills reopen (Dr receivable), credit the
    customer still holds is taken back, a plan's money is undone, and wherever the check is now
    is credited. Returns the entry (None when only credit was taken back), the fee items it
    reached (billed on the returned-check invoice) and the credit spent since (billed too)."""
    entry = None
    lines, reopened, fees = _unapplied_lines(
        items, False, skip=taken, limit=reopen, customer_id=locked.customer_id
    )
    lines, credit_spent = _credit_lines_held(locked, lines)
    in_entry = reopen - credit_spent
    returned = _plan_money_returned(locked, reopened)
    lines += _plan_charges_taken_back(returned.charges, bills)
    if in_entry:
        lines.append(
            Line(
                where.account,
                -in_entry,
                f"Returned check {chosen.check_number} (from {where.where})"[:255],
                drawer_id=where.drawer_id,
                office_id=where.office_id,
            )
        )
        # Not `reverses=` (see payment_refund): the bank is credited, not the checks in drawer.
        entry = post(
            entry_date=timezone.localdate(),
            memo=f"Returned check {chosen.check_number} on receipt {locked.receipt_number}: {memo}",
            source=PaymentSource.RETURNED_CHECK,
            by=by,
            lines=lines,
        )
    _bills_reopen(reopened)
    if entry is not None and returned.rows:
        _plan_charges_off_bills(returned.charges)
        plan_money_returned(
            undone=returned.rows,
            undone_by=entry,
            standing=returned.standing,
            charges=returned.charges,
        )
        plans_status_sync(bill_ids=list(bills))
    return entry, fees, credit_spent


@dataclass(frozen=True)
class _PlanReturn:
    """What a returned check does to the payment plans its receipt paid: the plan payments it
    touches (`rows`) no longer count; `standing` replaces them with what still stands of each
    (other tenders of the receipt still paid it); the late charges of a plan of which nothing
    stands (`charges`) are taken back off its bills, as a void would."""

    rows: list[PlanPayment] = field(default_factory=list)
    standing: list[PlanPayment] = field(default_factory=list)
    charges: list[PlanCharge] = field(default_factory=list)


def _plan_money_returned(
    payment: Payment, reopened: list[tuple[PaymentItem, dict[str, Decimal]]]
) -> _PlanReturn:
    """A returned check on a receipt that paid payment plans (RPTL 1184) puts each plan where a
    void of that receipt would, for the part the check takes back: what it reopens of a plan's
    bills no longer counts as paid toward the installments. When nothing of a plan's payment
    stands, its late charges go too (taken back off the bills; the next payment assesses them
    again as of its day); when some stands (the receipt had another tender), the late charges
    stay assessed and what stands pays them first, any left unpaid being owed with the next
    installment (PlanStanding.charges_owed)."""
    back = {item.bill_id: parts for item, parts in reopened if item.plan_id is not None}
    if payment.training or not back:
        return _PlanReturn()
    rows = list(
        PlanPayment.objects.filter(
            entry_id=payment.entry_id, undone_by__isnull=True, bill_id__in=list(back)
        ).order_by("id")
    )
    if not rows:
        return _PlanReturn()
    plan_ids = {row.plan_id for row in rows}
    rows = list(
        PlanPayment.objects.filter(
            entry_id=payment.entry_id, undone_by__isnull=True, plan_id__in=plan_ids
        ).order_by("id")
    )
    standing = []
    for row in rows:
        parts = back.get(row.bill_id, {})
        applied = row.applied - sum(parts.values(), ZERO)
        if applied <= 0:
            continue
        principal = row.principal - parts.get("principal_paid", ZERO)
        standing.append(
            PlanPayment(
                plan_id=row.plan_id,
                bill_id=row.bill_id,
                paid_on=row.paid_on,
                applied=applied,
                principal=principal,
                charges=min(row.charges, applied - principal),
                entry_id=row.entry_id,
            )
        )
    gone = plan_ids - {row.plan_id for row in standing}
    charges = list(
        PlanCharge.objects.filter(
            entry_id=payment.entry_id, undone_by__isnull=True, plan_id__in=gone
        ).order_by("id")
    )
    return _PlanReturn(rows=rows, standing=standing, charges=charges)


def _credit_lines_held(payment: Payment, lines: list[Line]) -> tuple[list[Line], Decimal]:
    """A returned check takes back the overpayment credit its receipt left on account; what of
    that credit the customer has applied or been refunded since is no longer on account, so it
    is billed instead (issue 8 §5: a returned check is recorded whenever the bank returns it).
    Returns the lines with the credit taken back cut to what the customer holds (under a lock
    on the customer's row), and the part cut off, in dollars."""
    wanted = _credit_taken_back(lines)
    if not wanted or payment.customer_id is None:
        return lines, ZERO
    customer = Customer.objects.select_for_update(no_key=True).get(pk=payment.customer_id)
    held = customer_credit(customer)
    spent = max(wanted - held, ZERO)
    if not spent:
        return lines, ZERO
    kept: list[Line] = []
    left = held
    for line in lines:
        if line.customer_id and line.amount > 0:
            part = min(line.amount, left)
            left -= part
            if part:
                kept.append(replace(line, amount=part))
            continue
        kept.append(line)
    return kept, spent


def _returned_check_bill(
    payment: Payment,
    check: Tender,
    customer: Customer,
    fees: list[PaymentItem],
    billed: Decimal,
    credit_spent: Decimal,
    by: User,
    where: CheckLocation,
) -> Bill | None:
    """One invoice for what the returned check leaves owed outside the reopened bills: the
    returned-check fee, goods it paid for, what it paid that had been refunded since
    (`billed`), and the overpayment credit it left that has been applied or refunded since
    (`credit_spent`); the last two are Dr receivable, Cr wherever the check is (`where`)."""
    fee_type = FeeType.objects.filter(
        category=FeeType.Category.RETURNED_CHECK, is_active=True
    ).first()
    today = timezone.localdate()
    fee = fee_price(fee_type, today) if fee_type else None
    charge_type = ChargeType.objects.get(code="returned_check_fee")
    charges = []
    if fee:
        charges.append(Charge(charge_type, fee, f"Returned check fee (check {check.check_number})"))
    for taken in fees:
        assert taken.fee_type is not None
        charges.append(
            Charge(
                charge_type,
                taken.amount,
                f"Paid by the returned check: {taken.description}"[:200],
                revenue_account=taken.fee_type.revenue_account,
            )
        )
    if billed:
        # The bank took this back and the receipt no longer holds it: Dr receivable, Cr bank.
        charges.append(
            Charge(
                charge_type,
                billed,
                f"Returned check {check.check_number}: paid on receipt "
                f"{payment.receipt_number} and refunded since",
                revenue_account=where.account,
                office_id=where.office_id,
                drawer_id=where.drawer_id,
            )
        )
    if credit_spent:
        charges.append(
            Charge(
                charge_type,
                credit_spent,
                f"Returned check {check.check_number}: kept as credit on account on receipt "
                f"{payment.receipt_number} and applied or refunded since",
                revenue_account=where.account,
                office_id=where.office_id,
                drawer_id=where.drawer_id,
            )
        )
    if not charges:
        return None
    return invoice_create(
        customer=customer,
        charges=charges,
        due_date=today + timedelta(days=30),
        memo=f"Returned check {check.check_number} (receipt {payment.receipt_number})",
        by=by,
    )
