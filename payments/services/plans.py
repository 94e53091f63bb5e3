"""Payment plans in a visit: locking them, refusing bills paid through a plan, applying a plan
payment."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

from billing.models import Bill, PaymentPlan, PlanBill, PlanCharge, PlanPayment
from billing.plan_standing import PlanStanding, Standing, standings
from billing.services import plan_money_record
from cashiering.dates import us_date
from ledger.models import Account
from ledger.money import ZERO, format_money
from payments.errors import PaymentError
from payments.services.common import _money
from payments.services.items import BillItem, FeeItem, PlanItem, _Planned
from payments.services.planning import _bill_planned


def _plans_locked(
    items: Sequence[BillItem | FeeItem | PlanItem], item_bill_ids: list[int]
) -> tuple[dict[int, PaymentPlan], dict[int, list[int]]]:
    """Lock the cart's payment plans (in id order, before the bills) and read their bills:
    (plans by id, bill ids by plan id). Refuses a plan twice, a plan gone, or one of its bills
    also in the cart on its own."""
    plan_ids = sorted({item.plan_id for item in items if isinstance(item, PlanItem)})
    if len(plan_ids) != sum(isinstance(item, PlanItem) for item in items):
        raise PaymentError("A payment plan is in the cart twice; pay it once.")
    if not plan_ids:
        return {}, {}
    plan_rows = {
        plan.pk: plan
        for plan in PaymentPlan.objects.select_for_update().filter(pk__in=plan_ids).order_by("pk")
    }
    if len(plan_rows) != len(plan_ids):
        raise PaymentError("A payment plan in the cart no longer exists; start the visit again.")
    plan_bill_ids: dict[int, list[int]] = defaultdict(list)
    for plan_id, bill_id in PlanBill.objects.filter(plan_id__in=plan_ids).values_list(
        "plan_id", "bill_id"
    ):
        plan_bill_ids[plan_id].append(bill_id)
    both = set(item_bill_ids) & {pk for ids in plan_bill_ids.values() for pk in ids}
    if both:
        raise PaymentError(
            "A bill in the cart is also paid by its payment plan in the cart: pay the plan."
        )
    return plan_rows, plan_bill_ids


def _bills_in_plans_refused(item_bill_ids: list[int], bills: dict[int, Bill], as_of: date) -> None:
    """A bill in an active payment plan that is not in default is paid through the plan."""
    if not item_bill_ids:
        return
    links = list(
        PlanBill.objects.filter(
            bill_id__in=item_bill_ids, plan__status=PaymentPlan.Status.ACTIVE
        ).select_related("plan")
    )
    found = standings({link.plan_id: link.plan for link in links}.values(), as_of)
    for link in links:
        if found[link.plan_id].frozen:
            raise PaymentError(
                f"Bill {bills[link.bill_id].number} is in payment plan {link.plan.number}: "
                "pay the plan's installments instead."
            )


def _plan_planned(
    item: PlanItem,
    standing: PlanStanding,
    bills: dict[int, Bill],
    owed: dict,
    accounts: dict[str, Account],
    training: bool,
    as_of: date,
) -> list[_Planned]:
    """A plan payment as ordinary bill items (issue: RPTL 1184 plans): the late interest and
    charges due are assessed on the plan's oldest unpaid bill (penalty and interest), then the
    amount is applied to its bills oldest first (tax year, due date), each penalty → interest
    → principal. Refused when the plan is not payable (in default, completed, cancelled), what
    it has due now changed since it was added, or the amount is below its late charges or
    above what finishes it."""
    amount = _plan_amount_checked(item, standing)
    plan = standing.plan
    order = sorted(
        (bills[pk] for pk in standing.bill_ids),
        key=lambda b: (b.tax_year or 0, b.due_date, b.pk),
    )
    dues = {bill.pk: owed[bill.pk] for bill in order}
    oldest = next((bill for bill in order if dues[bill.pk].total > 0), None)
    if oldest is None:
        raise PaymentError(f"The bills of payment plan {plan.number} owe nothing.")
    charge_rows = _plan_late_charges(standing, oldest, dues) if standing.new_charges else []
    out: list[_Planned] = []
    left = amount
    for bill in order:
        pay = min(left, dues[bill.pk].total)
        if pay <= 0:
            continue
        left -= pay
        one = _plan_bill_planned(bill, pay, dues[bill.pk], standing, accounts, training, as_of)
        if one.plan_payment is not None and bill.pk != oldest.pk:
            one.plan_payment.charges = ZERO
        if not training and bill.pk == oldest.pk:
            one.plan_charges = charge_rows
        out.append(one)
    if left:
        raise PaymentError(
            f"The bills of payment plan {plan.number} owe {format_money(amount - left)} now, "
            f"less than {format_money(amount)}; a Supervisor checks the plan."
        )
    return out


def _plan_amount_checked(item: PlanItem, standing: PlanStanding) -> Decimal:
    """The amount to pay on a plan, refused unless the plan is payable (in good standing), its
    amount due now is what the clerk was shown, and the amount covers its late charges without
    going past what finishes it."""
    number = standing.plan.number
    if standing.standing == Standing.DEFAULT:
        raise PaymentError(
            f"Payment plan {number} is in default since {us_date(standing.defaulted_on)}: its "
            "bills owe as if there had been no plan and are paid one by one."
        )
    if not standing.frozen:
        raise PaymentError(
            f"Payment plan {number} is {standing.label.lower()}: it takes no payment."
        )
    amount = _money(item.amount, f"The amount to pay on payment plan {number}")
    if item.expected_due is not None and item.expected_due != standing.due_now:
        raise PaymentError(
            f"Payment plan {number} now has {format_money(standing.due_now)} due, not "
            f"{format_money(item.expected_due)} (a late charge fell due, or it was paid at "
            "another window). Nothing was posted; take it out of the cart and add it again."
        )
    if amount < standing.charges_due:
        raise PaymentError(
            f"Payment plan {number} owes {format_money(standing.charges_due)} of late interest "
            "and charges: pay at least that."
        )
    remaining = standing.remaining or ZERO
    if amount > remaining:
        raise PaymentError(
            f"{format_money(amount)} is more than payment plan {number} needs to finish "
            f"({format_money(remaining)})."
        )
    return amount


def _plan_late_charges(standing: PlanStanding, oldest: Bill, dues: dict) -> list[PlanCharge]:
    """Assess the plan's new late interest and charges on its oldest unpaid bill (added to
    what `dues` says it owes, as interest and penalty) and return their PlanCharge rows."""
    late_interest = sum((row.new_interest for row in standing.installments), ZERO)
    late_charge = sum((row.new_charge for row in standing.installments), ZERO)
    due = dues[oldest.pk]
    dues[oldest.pk] = replace(
        due,
        penalty=due.penalty + late_charge,
        new_penalty=due.new_penalty + late_charge,
        interest=due.interest + late_interest,
        new_interest=due.new_interest + late_interest,
    )
    return [
        PlanCharge(
            plan=standing.plan,
            installment=row.installment,
            kind=kind,
            months=months,
            amount=part,
            bill=oldest,
        )
        for row in standing.installments
        for kind, part, months in (
            (PlanCharge.Kind.INTEREST, row.new_interest, row.interest_months),
            (PlanCharge.Kind.LATE_CHARGE, row.new_charge, 0),
        )
        if part
    ]


def _plan_bill_planned(
    bill: Bill,
    pay: Decimal,
    due,
    standing: PlanStanding,
    accounts: dict[str, Account],
    training: bool,
    as_of: date,
) -> _Planned:
    """`pay` of a plan's payment applied to one of its bills, as a bill item naming the plan,
    with the PlanPayment row that records it (live money only; its `charges` are the plan's
    late charges, which the caller keeps on the oldest bill's row only)."""
    plan = standing.plan
    one = _bill_planned(
        BillItem(bill.pk, pay),
        bill,
        due,
        None,  # a plan is paid by installments: the tax policy's "in full" does not apply
        accounts,
        training,
        False,
        [],
        trainee_overpay_needs_approval=False,
        credit_customer_id=None,
    )
    one.item.plan = plan
    one.item.description = f"Payment plan {plan.number}: {one.item.description}"[:200]
    if not training:
        one.plan_payment = PlanPayment(
            plan=plan,
            bill=bill,
            paid_on=as_of,
            applied=pay,
            principal=one.item.principal_paid,
            charges=standing.charges_due,
        )
    return one


def _plan_money_saved(planned: list[_Planned], entry) -> None:
    charges = [charge for one in planned for charge in one.plan_charges]
    payments = [one.plan_payment for one in planned if one.plan_payment is not None]
    for charge in charges:
        charge.entry = entry
    for paid in payments:
        paid.entry = entry
    if charges or payments:
        plan_money_record(charges=charges, payments=payments)
