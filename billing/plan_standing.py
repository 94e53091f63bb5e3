"""Where a payment plan stands on a date: what its installments have been paid, which are late
and what they newly owe in late interest and charges, whether it is in default; read in a fixed
number of queries for any number of plans. Pure arithmetic lives in billing/plans.py."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Q

from billing import plans
from billing.models import Holiday, PaymentPlan, PlanBill, PlanCharge, PlanInstallment, PlanPayment
from ledger.money import ZERO


class Standing:
    """How a plan stands: `GOOD` nothing late; `LATE` an installment past due (late interest
    and charges accrue); `DEFAULT` more than the terms' days late (its bills owe as if there
    had been no plan); `COMPLETED` every bill paid; `CANCELLED` ended by a Supervisor."""

    GOOD = "good"
    LATE = "late"
    DEFAULT = "default"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    LABELS = {
        GOOD: "In good standing",
        LATE: "Late",
        DEFAULT: "In default",
        COMPLETED: "Completed",
        CANCELLED: "Cancelled",
    }


@dataclass
class InstallmentStanding:
    """One installment as of a date (dollars): `paid` and `unpaid` of its amount; late
    interest and late charge assessed already (`interest_assessed`, `charge_assessed`) and
    newly due now (`new_interest` through `interest_months`, `new_charge`)."""

    installment: PlanInstallment
    paid: Decimal
    unpaid: Decimal
    late: bool = False
    interest_assessed: Decimal = ZERO
    charge_assessed: Decimal = ZERO
    interest_months_assessed: int = 0
    new_interest: Decimal = ZERO
    interest_months: int = 0
    new_charge: Decimal = ZERO

    @property
    def new_charges(self) -> Decimal:
        return self.new_interest + self.new_charge

    @property
    def state(self) -> str:
        if self.unpaid == 0:
            return "paid"
        if self.late:
            return "late"
        return "part paid" if self.paid else "unpaid"


@dataclass
class PlanStanding:
    """A plan as of `as_of` (dollars, business dates). `standing` is one of Standing's values.
    `paid` is what its payments paid toward the installments (late charges apart);
    `charges_owed` the late interest and charges assessed but not paid (a returned check took
    back the money that paid them); `due_now` what is due by `as_of` (installments due, down
    payment included, plus the late interest and charges owed and newly due); `remaining` what
    it takes to finish the plan now (unpaid installments plus the late charges owed and new;
    None once in default or cancelled, when the bills
    owe on their own: see billing.selectors.plan_bills_owed). `next_due` is the oldest
    installment not fully paid; `defaulted_on` the day the plan is (or would be) in default
    if that installment stays unpaid."""

    plan: PaymentPlan
    as_of: date
    standing: str
    installments: list[InstallmentStanding]
    bill_ids: list[int]
    paid: Decimal
    charges_paid: Decimal
    charges_owed: Decimal
    due_now: Decimal
    remaining: Decimal | None
    next_due: InstallmentStanding | None
    defaulted_on: date | None
    payments: list[PlanPayment] = field(default_factory=list)

    @property
    def label(self) -> str:
        return Standing.LABELS[self.standing]

    @property
    def frozen(self) -> bool:
        """Whether its bills accrue nothing now (an active plan not in default)."""
        return self.standing in (Standing.GOOD, Standing.LATE)

    @property
    def new_charges(self) -> Decimal:
        return sum((row.new_charges for row in self.installments), ZERO)

    @property
    def charges_due(self) -> Decimal:
        """Late interest and charges a payment must pay first: owed and newly due."""
        return self.charges_owed + self.new_charges

    @property
    def late_installments(self) -> list[InstallmentStanding]:
        return [row for row in self.installments if row.late]

    @property
    def extra_cent_numbers(self) -> list[int]:
        return plans.extra_cent_installments(
            [(row.installment.number, row.installment.amount) for row in self.installments]
        )


def _counts(undone_by_id: int | None, entry_reversed: bool) -> bool:
    return undone_by_id is None and not entry_reversed


def standings(plan_list: Iterable[PaymentPlan], as_of: date) -> dict[int, PlanStanding]:
    """Each plan's standing as of `as_of`, by plan id: five queries whatever the number of plans
    (installments, bills, payments, charges, closed days)."""
    plan_list = list(plan_list)
    if not plan_list:
        return {}
    ids = [plan.pk for plan in plan_list]
    installments: dict[int, list[PlanInstallment]] = defaultdict(list)
    for row in PlanInstallment.objects.filter(plan_id__in=ids).order_by("plan_id", "number"):
        installments[row.plan_id].append(row)
    bills: dict[int, list[int]] = defaultdict(list)
    for plan_id, bill_id in (
        PlanBill.objects.filter(plan_id__in=ids)
        .order_by("plan_id", "bill__due_date", "bill_id")
        .values_list("plan_id", "bill_id")
    ):
        bills[plan_id].append(bill_id)
    payments: dict[int, list[PlanPayment]] = defaultdict(list)
    for payment in (
        PlanPayment.objects.filter(plan_id__in=ids, undone_by__isnull=True)
        .filter(Q(entry__reversed_by__isnull=True))
        .order_by("paid_on", "id")
    ):
        payments[payment.plan_id].append(payment)
    charges: dict[int, list[PlanCharge]] = defaultdict(list)
    for charge in PlanCharge.objects.filter(
        plan_id__in=ids, undone_by__isnull=True, entry__reversed_by__isnull=True
    ).order_by("id"):
        charges[charge.installment_id].append(charge)
    first = min((rows[0].due_on for rows in installments.values() if rows), default=as_of)
    closed = frozenset(
        Holiday.objects.filter(date__range=(first, max(as_of, first))).values_list(
            "date", flat=True
        )
    )
    return {
        plan.pk: _standing(
            plan, as_of, installments[plan.pk], bills[plan.pk], payments[plan.pk], charges, closed
        )
        for plan in plan_list
    }


def _standing(
    plan: PaymentPlan,
    as_of: date,
    installments: list[PlanInstallment],
    bill_ids: list[int],
    payments: list[PlanPayment],
    charges: dict[int, list[PlanCharge]],
    closed: frozenset[date],
) -> PlanStanding:
    applied = sum((p.applied for p in payments), ZERO)
    charges_paid = sum((p.charges for p in payments), ZERO)
    paid = applied - charges_paid
    parts = plans.filled([row.amount for row in installments], paid)
    rows = []
    for installment, part in zip(installments, parts, strict=True):
        row = InstallmentStanding(installment, paid=part, unpaid=installment.amount - part)
        assessed = charges.get(installment.pk, [])
        row.interest_assessed = sum(
            (c.amount for c in assessed if c.kind == PlanCharge.Kind.INTEREST), ZERO
        )
        row.charge_assessed = sum(
            (c.amount for c in assessed if c.kind == PlanCharge.Kind.LATE_CHARGE), ZERO
        )
        row.interest_months_assessed = max(
            (c.months for c in assessed if c.kind == PlanCharge.Kind.INTEREST), default=0
        )
        row.interest_months = row.interest_months_assessed
        if row.unpaid > 0 and plans.is_late(installment.due_on, as_of, closed):
            row.late = True
            row.new_interest, row.interest_months = plans.late_interest(
                unpaid=row.unpaid,
                due_on=installment.due_on,
                as_of=as_of,
                percent=plan.late_interest_percent,
                closed=closed,
                months_assessed=row.interest_months_assessed,
            )
            if not any(c.kind == PlanCharge.Kind.LATE_CHARGE for c in assessed):
                row.new_charge = plans.late_charge(
                    unpaid=row.unpaid,
                    due_on=installment.due_on,
                    as_of=as_of,
                    percent=plan.late_charge_percent,
                    after_days=plan.late_charge_after_days,
                    closed=closed,
                )
        rows.append(row)
    next_due = next((row for row in rows if row.unpaid > 0), None)
    defaulted_on = (
        plans.default_from(next_due.installment.due_on, plan.default_after_days, closed)
        if next_due is not None
        else None
    )
    if plan.status == PaymentPlan.Status.CANCELLED:
        standing = Standing.CANCELLED
    elif plan.status == PaymentPlan.Status.COMPLETED:
        standing = Standing.COMPLETED
    elif defaulted_on is not None and as_of >= defaulted_on:
        standing = Standing.DEFAULT
    elif any(row.late for row in rows):
        standing = Standing.LATE
    else:
        standing = Standing.GOOD
    frozen = standing in (Standing.GOOD, Standing.LATE)
    if not frozen:
        # Unpaid late interest and charges vanish on default (paid ones stay paid).
        for row in rows:
            row.new_interest = row.new_charge = ZERO
            row.interest_months = row.interest_months_assessed
    charges_assessed = sum(
        (charge.amount for row in rows for charge in charges.get(row.installment.pk, [])), ZERO
    )
    # Assessed late charges not paid: a returned check took back the money that paid them but
    # left part of its payment standing (nothing standing takes them back off the bills).
    charges_owed = max(charges_assessed - charges_paid, ZERO) if frozen else ZERO
    new_charges = sum((row.new_charges for row in rows), ZERO) + charges_owed
    due_now = (
        sum((row.unpaid for row in rows if row.installment.due_on <= as_of), ZERO) + new_charges
    )
    unpaid = sum((row.unpaid for row in rows), ZERO)
    return PlanStanding(
        plan=plan,
        as_of=as_of,
        standing=standing,
        installments=rows,
        bill_ids=bill_ids,
        paid=paid,
        charges_paid=charges_paid,
        charges_owed=charges_owed,
        due_now=due_now if frozen else ZERO,
        remaining=unpaid + new_charges if frozen else None,
        next_due=next_due,
        defaulted_on=defaulted_on,
        payments=payments,
    )


@dataclass(frozen=True)
class PlanFacts:
    """What the penalty engine needs of a bill's plans: the enrolment day while one is active
    and not in default (nothing accrues), and the (day, principal) of the payments of plans
    that defaulted or were cancelled (what it owes is rebuilt as if there had been no plan)."""

    enrolled_on: date | None = None
    payments: tuple[tuple[date, Decimal], ...] = ()


def plan_facts(bill_ids: Iterable[int], as_of: date) -> dict[int, PlanFacts]:
    """PlanFacts of the bills among `bill_ids` that are or were in a plan, as of `as_of`. One
    query when none is; six more when some are, whatever their number."""
    links = list(
        PlanBill.objects.filter(bill_id__in=list(bill_ids)).select_related("plan").order_by("id")
    )
    if not links:
        return {}
    plan_rows = {link.plan_id: link.plan for link in links}
    standing = standings(plan_rows.values(), as_of)
    enrolled: dict[int, date] = {}
    paid: dict[int, list[tuple[date, Decimal]]] = defaultdict(list)
    for link in links:
        plan_standing = standing[link.plan_id]
        if plan_standing.frozen:
            enrolled[link.bill_id] = plan_standing.plan.enrolled_on
        elif plan_standing.standing in (Standing.DEFAULT, Standing.CANCELLED):
            paid[link.bill_id] += [
                (p.paid_on, p.principal)
                for p in plan_standing.payments
                if p.bill_id == link.bill_id and p.principal > 0
            ]
    return {
        bill_id: PlanFacts(
            enrolled_on=enrolled.get(bill_id), payments=tuple(sorted(paid.get(bill_id, [])))
        )
        for bill_id in {link.bill_id for link in links}
    }
