"""payment_record: one customer visit posted as one balanced entry with a gapless receipt number."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from billing.liens import lien_terms
from billing.models import (
    Bill,
    BillType,
    Customer,
    FeeType,
    PaymentPlan,
    PenaltyAssessment,
    PlanBill,
)
from billing.penalties import AmountDue
from billing.plan_standing import standings
from billing.selectors import boot_eligible_vehicle_ids, with_amounts_due
from billing.services import (
    PENALTY_INTEREST_ACCOUNT_CODE,
    lien_certificate_issue,
    plans_status_sync,
)
from cashiering.dates import us_date
from ledger.chart import CARD_CLEARING, CASH_IN_DRAWER, CHECKS_IN_DRAWER, CUSTOMER_CREDITS
from ledger.models import Account, Book, JournalEntry
from ledger.money import MAX_AMOUNT, ZERO, format_money
from ledger.reference import Reference, reference_account, reference_data_beside
from ledger.services import Line
from payments.errors import (
    ApprovalRequired,
    BillChanged,
    NoOpenDrawer,
    PaymentError,
    PolicyRefused,
    TokenReused,
)
from payments.models import (
    Drawer,
    Office,
    Payment,
    PaymentPolicy,
    ReceiptSeries,
    Tender,
    TenderKind,
)
from payments.services.common import (
    MAX_CHANGE,
    TENDER_ACCOUNTS,
    PaymentSource,
    _accounts,
    _approval_checked,
    _from_row,
    _is_approver,
    _is_trainee,
    _policies,
    _select_list,
    check_writer_refused,
    database_refusal,
    refuse_card_numbers,
)
from payments.services.drawers import _open_drawer_locked
from payments.services.items import BillItem, FeeItem, PlanItem, TenderIn, _Planned, cart_digest
from payments.services.planning import _bill_planned, _fee_planned
from payments.services.plans import (
    _bills_in_plans_refused,
    _plan_money_saved,
    _plan_planned,
    _plans_locked,
)
from payments.services.tenders import _credit_tender_checked, _tenders_checked
from payments.writer import PlannedPayment, payments_write


def receipt_number_next(*, office: Office, training: bool, year: int) -> int:
    """The next receipt number of an office's live or training series for `year`, gapless: the
    series row stays locked until the caller's transaction commits, and a rolled-back payment
    gives its number back. Keyed by the office row, so renaming its code changes only what is
    printed. One statement when the series exists (every receipt takes a number)."""
    table = ReceiptSeries._meta.db_table
    with connection.cursor() as cursor:
        for _ in range(2):
            cursor.execute(
                f"UPDATE {table} SET last_number = last_number + 1"  # noqa: S608
                " WHERE office_id = %s AND training = %s AND year = %s RETURNING last_number",
                [office.pk, training, year],
            )
            row = cursor.fetchone()
            if row is not None:
                return row[0]
            cursor.execute(
                f"INSERT INTO {table} (office_id, training, year, last_number)"  # noqa: S608
                " VALUES (%s, %s, %s, 0) ON CONFLICT (office_id, training, year) DO NOTHING",
                [office.pk, training, year],
            )
    raise RuntimeError(f"receipt series of office {office.code} {year} could not be created")


def payment_record(
    *,
    drawer: Drawer,
    items: Sequence[BillItem | FeeItem | PlanItem],
    tenders: Sequence[TenderIn],
    token: uuid.UUID,
    by: User,
    customer: Customer | None = None,
    payer_name: str = "",
    accept_overpayment: bool = False,
    approved_by: User | None = None,
    as_of: date | None = None,
) -> Payment:
    """Post one customer visit: bills (penalty → interest → principal), fee sales and tenders,
    as one balanced entry with a gapless receipt number. Idempotent on `token`."""
    if not items:
        raise PaymentError("The cart is empty: add a bill or a fee first.")
    refuse_card_numbers(payer_name)
    tender_rows = _tenders_checked(tenders)
    if approved_by is not None and not _is_approver(approved_by):
        raise ApprovalRequired("Only a Supervisor approves an override.")
    if approved_by is not None:
        _approval_checked(by, approved_by, "policy override", drawer.office)
    digest = cart_digest(
        drawer=drawer,
        items=items,
        tenders=tenders,
        customer=customer,
        accept_overpayment=accept_overpayment,
    )
    try:
        with transaction.atomic():
            return _payment_record_locked(
                drawer=drawer,
                items=items,
                tender_rows=tender_rows,
                token=token,
                digest=digest,
                by=by,
                customer=customer,
                payer_name=payer_name.strip()[:200],
                accept_overpayment=accept_overpayment,
                approved_by=approved_by,
                as_of=as_of,
            )
    except IntegrityError as exc:
        earlier = Payment.objects.filter(token=token).first()
        if earlier is None:
            raise database_refusal("payment", exc) from exc
        return _same_cart(earlier, digest)
    except DatabaseError as exc:
        raise database_refusal("payment", exc) from exc


def _same_cart(earlier: Payment, digest: str) -> Payment:
    if earlier.cart_digest != digest:
        raise TokenReused(
            f"This form already posted receipt {earlier.receipt_number}; start a new visit."
        )
    return earlier


# The accounts a visit posts to besides the bills' receivables and the fees' revenue.
_VISIT_ACCOUNTS = (
    CASH_IN_DRAWER,
    CHECKS_IN_DRAWER,
    CARD_CLEARING,
    CUSTOMER_CREDITS,
    PENALTY_INTEREST_ACCOUNT_CODE,
)


# The payment a token already posted, read beside the reference data's version.
_EARLIER_PAYMENT_SQL = f"(SELECT id FROM {Payment._meta.db_table} WHERE token = %s)"  # noqa: S608


@dataclass
class _Held:
    """What a visit holds under its locks: its drawer, the cart's payment plans and every bill
    it pays (the cart's and its plans', locked in id order) with what each owes as of the
    payment date."""

    drawer: Drawer
    plans: dict[int, PaymentPlan]
    bill_ids: list[int]
    bills: dict[int, Bill]
    owed: dict[int, AmountDue]
    in_plans: list[int]  # the bills that are or were in a payment plan
    reference: Reference


@dataclass(frozen=True)
class _Sums:
    """A visit's money: what the items come to, the tenders split into cash and the rest, the
    credit on account spent, and the change handed back (out of the cash)."""

    total: Decimal
    cash: Decimal
    other: Decimal
    credit_spent: Decimal
    change: Decimal


@dataclass(frozen=True)
class _Receipt:
    """A receipt's number in its office's live or training series: `TR-CH-2026-000042`."""

    number: str
    year: int
    sequence: int

    def fields(self, drawer: Drawer, sums: _Sums) -> dict[str, Any]:
        """The payment's fields this receipt and its money give: the drawer's office and book,
        the receipt number, the total, what was tendered and the change."""
        return {
            "drawer": drawer,
            "office": drawer.office,
            "training": drawer.training,
            "receipt_number": self.number,
            "receipt_year": self.year,
            "receipt_sequence": self.sequence,
            "total": sums.total,
            "tendered": sums.cash + sums.other,
            "change": sums.change,
        }


def _payment_record_locked(
    *,
    drawer: Drawer,
    items: Sequence[BillItem | FeeItem | PlanItem],
    tender_rows: list[Tender],
    token: uuid.UUID,
    digest: str,
    by: User,
    customer: Customer | None,
    payer_name: str,
    accept_overpayment: bool,
    approved_by: User | None,
    as_of: date | None,
) -> Payment:
    """The visit inside its transaction: lock, check, plan every item, then write it all."""
    locked, earlier, reference = _visit_drawer_locked(drawer, token, digest, by)
    if earlier is not None:
        return earlier
    trainee = _is_trainee(by)
    today = timezone.localdate()
    as_of = as_of or today
    held = _bills_locked(locked, items, as_of, reference)
    accounts = _accounts(*_VISIT_ACCOUNTS, reference=held.reference)
    if customer is None:
        customer = next(iter(held.bills.values())).customer if held.bills else None
    _changed_refused(items, held)
    planned, breaches = _items_planned(
        items,
        held,
        tender_rows,
        accounts,
        customer=customer,
        accept_overpayment=accept_overpayment,
        trainee=trainee,
        as_of=as_of,
    )
    breaches = _policy_breaches(
        breaches, items, held, tender_rows, customer, payer_name, approved_by
    )
    sums = _tenders_balanced(planned, tender_rows, customer, by=by, training=locked.training)
    receipt = _receipt_numbered(locked.office, training=locked.training, today=today)
    lines = _tender_lines(tender_rows, sums, held, customer, accounts)
    receipt_fields = {
        **receipt.fields(locked, sums),
        **_payment_people(customer, payer_name, by, approved_by, breaches, trainee),
        "posted_on": today,
        "token": token,
        "cart_digest": digest,
    }
    count = f"{len(planned)} item{'s' if len(planned) > 1 else ''}"
    return _visit_write(
        payment_fields=receipt_fields,
        planned=planned,
        tender_rows=tender_rows,
        lines=lines + [line for plan in planned for line in plan.lines],
        memo=f"Receipt {receipt.number}: {count}, {format_money(sums.total)}",
        plan_bill_ids=held.in_plans,
    )


def _visit_drawer_locked(
    drawer: Drawer, token: uuid.UUID, digest: str, by: User
) -> tuple[Drawer, Payment | None, Reference]:
    """The clerk's open drawer locked, the payment an earlier submit of `token` made (None for
    a new visit) and the reference data's version. Raises NoOpenDrawer (closed, not theirs)."""
    # Lock order everywhere: the drawer, then bills by id. The token is looked for under the
    # drawer's lock, so a double-click waits for the first and finds it. (In a statement after
    # the lock, with the reference data's version: a subquery beside the FOR UPDATE would read
    # the snapshot from before the wait.)
    locked = _open_drawer_locked(drawer)
    (earlier_id,), reference = reference_data_beside(_EARLIER_PAYMENT_SQL, [token])
    if earlier_id is not None:
        return locked, _same_cart(Payment.objects.get(pk=earlier_id), digest), reference
    if locked.clerk_id != by.pk:
        raise NoOpenDrawer("This is not your drawer; open your own drawer first.")
    return locked, None, reference


def _payment_people(
    customer: Customer | None,
    payer_name: str,
    by: User,
    approved_by: User | None,
    breaches: list[str],
    trainee: bool,
) -> dict[str, Any]:
    """Who the receipt names: the customer and payer, the clerk, the approver of an override
    (kept only with one), the overrides, and whether a Supervisor reviews a trainee's work."""
    return {
        "customer": customer,
        "payer_name": payer_name or (customer.name if customer else ""),
        "posted_by": by,
        "approved_by": approved_by if (breaches or approved_by) else None,
        "overrides": breaches,
        "needs_review": trainee,
    }


def _bills_locked(
    locked: Drawer,
    items: Sequence[BillItem | FeeItem | PlanItem],
    as_of: date,
    reference: Reference,
) -> _Held:
    """Lock the cart's plans, then its bills and its plans' bills (in id order), and work out
    what each owes as of `as_of`. Refuses a bill twice in the cart, a bill gone, or a bill paid
    on its own while its payment plan stands. The locking statement also reads each bill's
    penalty events assessed and whether it was ever in a plan: a visit without plans reads
    nothing more about them."""
    item_bill_ids = sorted({item.bill_id for item in items if isinstance(item, BillItem)})
    if len(item_bill_ids) != sum(isinstance(item, BillItem) for item in items):
        raise PaymentError("A bill is in the cart twice; pay it once.")
    plan_rows, plan_bill_ids = _plans_locked(items, item_bill_ids)
    bill_ids = sorted(set(item_bill_ids) | {pk for ids in plan_bill_ids.values() for pk in ids})
    bills, assessed, in_plans = _bill_rows_locked(bill_ids, reference)
    if len(bills) != len(bill_ids):
        raise PaymentError("A bill in the cart no longer exists; start the visit again.")
    owed = {
        o.bill.pk: o.due
        for o in with_amounts_due(
            bills.values(),
            as_of,
            assessed=assessed,
            in_plans=None if in_plans else {},
            reference=reference,
        )
    }
    if in_plans:
        _bills_in_plans_refused(item_bill_ids, bills, as_of)
    return _Held(
        drawer=locked,
        plans=plan_rows,
        bill_ids=bill_ids,
        bills=bills,
        owed=owed,
        in_plans=in_plans,
        reference=reference,
    )


# The cart's bills locked in id order with their customers, the penalty events assessed on
# each and whether each was ever in a payment plan: one statement, written by hand as the
# counter takes it on every visit (the ORM spent more time building it than PostgreSQL running
# it). The receivable account comes from the reference cache.
_BILLS_LOCK_SQL = (
    f"SELECT {_select_list(Bill, 'b')}, {_select_list(Customer, 'c')},"  # noqa: S608
    f" ARRAY(SELECT a.rule_id FROM {PenaltyAssessment._meta.db_table} a WHERE a.bill_id = b.id),"
    f" EXISTS(SELECT 1 FROM {PlanBill._meta.db_table} p WHERE p.bill_id = b.id)"
    f" FROM {Bill._meta.db_table} b JOIN {Customer._meta.db_table} c ON c.id = b.customer_id"
    " WHERE b.id = ANY(%s) ORDER BY b.id FOR UPDATE OF b"
)


def _bill_rows_locked(
    bill_ids: list[int], reference: Reference
) -> tuple[dict[int, Bill], dict[int, frozenset[int]], list[int]]:
    """Lock these bills (in id order) and read them with their customers and receivable
    accounts: (bills by id, the penalty rules assessed on each, the ids of those that are or
    were in a payment plan)."""
    if not bill_ids:
        return {}, {}, []
    with connection.cursor() as cursor:
        cursor.execute(_BILLS_LOCK_SQL, [bill_ids])
        rows = cursor.fetchall()
    bills: dict[int, Bill] = {}
    assessed: dict[int, frozenset[int]] = {}
    in_plans: list[int] = []
    for row in rows:
        bill, at = _from_row(Bill, row, 0)
        bill.customer, at = _from_row(Customer, row, at)
        bill.receivable_account = reference_account(reference, bill.receivable_account_id)
        rules, in_plan = row[at], row[at + 1]
        bills[bill.pk] = bill
        assessed[bill.pk] = frozenset(rules)
        if in_plan:
            in_plans.append(bill.pk)
    return bills, assessed, in_plans


def _changed_refused(items: Sequence[BillItem | FeeItem | PlanItem], held: _Held) -> None:
    """Nothing is posted when a bill owes nothing now, or other than the clerk was shown
    (`BillItem.expected_due`): BillChanged names each bill's new amount."""
    changed = {}
    for item in items:
        if isinstance(item, BillItem):
            due = held.owed[item.bill_id]
            if due.total == 0 or (item.expected_due is not None and due.total != item.expected_due):
                changed[item.bill_id] = due.total
    if changed:
        parts = [
            f"bill {held.bills[pk].number} now owes {format_money(total)}"
            for pk, total in changed.items()
        ]
        raise BillChanged(
            "A bill changed since it was added (paid at another window, or a penalty fell due): "
            + "; ".join(parts)
            + ". Nothing was posted; check the amounts and post again.",
            refreshed=changed,
        )


def _items_planned(
    items: Sequence[BillItem | FeeItem | PlanItem],
    held: _Held,
    tender_rows: list[Tender],
    accounts: dict[str, Account],
    *,
    customer: Customer | None,
    accept_overpayment: bool,
    trainee: bool,
    as_of: date,
) -> tuple[list[_Planned], list[str]]:
    """Every item of the cart worked out in cart order (a plan gives one per bill it pays),
    with the policy breaches a Supervisor must approve: a partial or over-payment the policy
    refuses, a tender it does not accept, cash only for a boot-eligible vehicle."""
    policies = _policies(held.reference)
    kinds = {row.kind for row in tender_rows}
    training = held.drawer.training
    # Whose credit an overpayment adds to or a credit tender spends (live money only).
    credit_customer_id = None if training or customer is None else customer.pk
    vehicle_ids = {b.vehicle_id for b in held.bills.values() if b.vehicle_id}
    booted = boot_eligible_vehicle_ids(vehicle_ids) if vehicle_ids else set()
    fee_types, lien_fee_type_id = _fee_types_read(items)
    stock_in_cart: dict[int, int] = defaultdict(int)
    plan_standings = standings(held.plans.values(), as_of)
    planned: list[_Planned] = []
    breaches: list[str] = []
    for item in items:
        if isinstance(item, FeeItem):
            planned.append(
                _fee_item_planned(item, fee_types, lien_fee_type_id, stock_in_cart, held, as_of)
            )
            policy = policies.get(PaymentPolicy.AppliesTo.FEES)
            what = fee_types[item.fee_type_id].name
        elif isinstance(item, PlanItem):
            planned += _plan_planned(
                item, plan_standings[item.plan_id], held.bills, held.owed, accounts, training, as_of
            )
            policy = policies.get(BillType.PROPERTY_TAX)
            what = f"payment plan {held.plans[item.plan_id].number}"
        else:
            bill = held.bills[item.bill_id]
            policy = policies.get(bill.bill_type)
            planned.append(
                _bill_planned(
                    item,
                    bill,
                    held.owed[bill.pk],
                    policy,
                    accounts,
                    training,
                    accept_overpayment,
                    breaches,
                    trainee_overpay_needs_approval=trainee,
                    credit_customer_id=credit_customer_id,
                )
            )
            what = f"bill {bill.number}"
            if policy and policy.cash_only_when_boot_eligible and bill.vehicle_id in booted:
                breaches += _cash_only_refused(bill, kinds)
        breaches += _tenders_refused_by(policy, kinds, what)
    return planned, breaches


def _fee_types_read(
    items: Sequence[BillItem | FeeItem | PlanItem],
) -> tuple[dict[int, FeeType], int | None]:
    """The fee types the cart sells, with their revenue accounts, and the lien search's fee
    type when the cart sells any fee (None otherwise)."""
    fee_type_ids = [item.fee_type_id for item in items if isinstance(item, FeeItem)]
    if not fee_type_ids:
        return {}, None
    fee_types = FeeType.objects.select_related("revenue_account").in_bulk(fee_type_ids)
    return fee_types, lien_terms().fee_type_id


def _fee_item_planned(
    item: FeeItem,
    fee_types: dict[int, FeeType],
    lien_fee_type_id: int | None,
    stock_in_cart: dict[int, int],
    held: _Held,
    as_of: date,
) -> _Planned:
    """One fee sale of the cart; `stock_in_cart` counts the tags and cards sold so far."""
    fee_type = fee_types.get(item.fee_type_id)
    if fee_type is None:
        raise PaymentError("A fee in the cart no longer exists; start the visit again.")
    planned = _fee_planned(
        item,
        fee_type,
        as_of,
        fee_type.revenue_account,
        held.drawer,
        earlier_in_cart=stock_in_cart[fee_type.pk],
        lien_fee_type_id=lien_fee_type_id,
    )
    stock_in_cart[fee_type.pk] += item.quantity
    return planned


def _cash_only_refused(bill: Bill, kinds: set[str]) -> list[str]:
    """A ticket for a boot-eligible vehicle is paid in cash only (its policy says so)."""
    if kinds - {TenderKind.CASH}:
        return [f"Ticket {bill.number} is for a boot-eligible vehicle: cash only."]
    return []


def _tenders_refused_by(policy: PaymentPolicy | None, kinds: set[str], what: str) -> list[str]:
    """The tenders of the visit that `policy` does not accept for `what` (an item's name)."""
    if policy is None:
        return []
    return [
        f"{TenderKind(kind).label} is not accepted for {what} "
        f"({policy.get_applies_to_display().lower()})."
        for kind in sorted(kinds)
        if not policy.accepts(kind)
    ]


def _policy_breaches(
    breaches: list[str],
    items: Sequence[BillItem | FeeItem | PlanItem],
    held: _Held,
    tender_rows: list[Tender],
    customer: Customer | None,
    payer_name: str,
    approved_by: User | None,
) -> list[str]:
    """The items' breaches and the check rules' (a customer or a check writer who had a check
    returned), each once; PolicyRefused unless a Supervisor approved the visit."""
    breaches = list(breaches)
    if any(t.kind == TenderKind.CHECK for t in tender_rows):
        refused_checks = bool(customer and customer.checks_refused) or any(
            held.bills[item.bill_id].customer.checks_refused
            for item in items
            if isinstance(item, BillItem)
        )
        if refused_checks:
            breaches.append("This customer had a check returned: no checks are accepted.")
        writer = check_writer_refused(
            [t.check_payer for t in tender_rows if t.kind == TenderKind.CHECK] + [payer_name]
        )
        if writer is not None:
            breaches.append(
                f"A check written by {writer} was returned: no checks are accepted from that name."
            )
    breaches = list(dict.fromkeys(breaches))
    if breaches and approved_by is None:
        raise PolicyRefused(
            "A Supervisor must approve this visit: " + " ".join(breaches), breaches=breaches
        )
    return breaches


def _tenders_balanced(
    planned: list[_Planned],
    tender_rows: list[Tender],
    customer: Customer | None,
    *,
    by: User,
    training: bool,
) -> _Sums:
    """The tenders cover the items: checks, cards and credit no more than is due, cash for the
    rest with change no larger than a note, credit on account no more than the customer holds.
    A lien search is sold only by those who may issue its certificate."""
    if any(p.lien_search for p in planned) and not by.has_perm("billing.issue_lien_certificate"):
        raise PaymentError(
            "A Trainee does not sell a lien search: a Clerk or Supervisor issues the certified "
            "list of liens. Take it out of the cart, or ask one of them."
        )
    total = sum((p.item.amount for p in planned), ZERO)
    if total > MAX_AMOUNT:
        raise PaymentError("That visit is more than the books can hold; split it.")
    credit_spent = sum((t.amount for t in tender_rows if t.kind == TenderKind.CREDIT), ZERO)
    if credit_spent:
        _credit_tender_checked(credit_spent, customer, training, planned)
    cash = sum((t.amount for t in tender_rows if t.kind == TenderKind.CASH), ZERO)
    other = sum((t.amount for t in tender_rows if t.kind != TenderKind.CASH), ZERO)
    if other > total:
        raise PaymentError(
            f"{'Checks, cards and credit' if credit_spent else 'Checks and cards'} "
            f"({format_money(other)}) may not exceed the amount due "
            f"({format_money(total)}); take the rest in cash."
        )
    if cash + other < total:
        raise PaymentError(
            f"The tenders ({format_money(cash + other)}) are short of the amount due "
            f"({format_money(total)}) by {format_money(total - cash - other)}."
        )
    change = cash + other - total
    if cash + other > MAX_AMOUNT:
        raise PaymentError("The tenders add up to more than the books can hold; check them.")
    if change > MAX_CHANGE:
        raise PaymentError(
            f"Change of {format_money(change)} is more than a {format_money(MAX_CHANGE)} note: "
            "check the cash tendered."
        )
    if cash and cash == change:
        raise PaymentError("Checks and cards already cover the amount due; remove the cash.")
    return _Sums(total=total, cash=cash, other=other, credit_spent=credit_spent, change=change)


def _receipt_numbered(office: Office, *, training: bool, today: date) -> _Receipt:
    """The visit's receipt number, taken under the series row's lock (gapless)."""
    sequence = receipt_number_next(office=office, training=training, year=today.year)
    prefix = f"TR-{office.code}" if training else office.code
    return _Receipt(
        number=f"{prefix}-{today.year}-{sequence:06d}", year=today.year, sequence=sequence
    )


def _tender_lines(
    tender_rows: list[Tender],
    sums: _Sums,
    held: _Held,
    customer: Customer | None,
    accounts: dict[str, Account],
) -> list[Line]:
    """The debit side of the visit: what each kind of tender brought into the drawer (cash net
    of change) and the credit on account applied (Dr Customer credits, naming the customer)."""
    drawer = held.drawer
    tender_totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for row in tender_rows:
        tender_totals[row.kind] += row.amount
    tender_totals[TenderKind.CASH] -= sums.change
    lines = [
        Line(
            accounts[TENDER_ACCOUNTS[kind]],
            tender_totals[kind],
            f"{TenderKind(kind).label} received",
            None,
            drawer.pk,
        )
        for kind in (TenderKind.CASH, TenderKind.CHECK, TenderKind.CARD)
        if tender_totals[kind]
    ]
    if sums.credit_spent:
        credit_customer_id = None if drawer.training or customer is None else customer.pk
        lines.append(
            Line(
                accounts[CUSTOMER_CREDITS],
                sums.credit_spent,
                "Credit on account applied",
                customer_id=credit_customer_id,
            )
        )
    return lines


def _visit_write(
    *,
    payment_fields: dict[str, Any],
    planned: list[_Planned],
    tender_rows: list[Tender],
    lines: list[Line],
    memo: str,
    plan_bill_ids: list[int],
) -> Payment:
    """Write a planned visit and return its payment, by the writer the remittance batches use
    (payments.writer.payments_write): the entry (`lines`, balanced; `memo`; dated, posted by and
    booked as the payment), the payment (`payment_fields`: Payment's fields but its entry), the
    bills' new balances with the penalty events assessed, then the plans' money and the lien
    certificates sold, then its items and tenders. `plan_bill_ids`: the bills that are or were
    in a payment plan, whose plans' status follows what they owe now."""
    training = payment_fields["training"]
    payment = Payment(**payment_fields)
    billed = [p for p in planned if p.bill_update is not None and p.item.bill_id is not None]
    visit = PlannedPayment(
        payment=payment,
        items=[p.item for p in planned],
        tenders=tender_rows,
        bill_updates=[(p.item.bill_id, p.bill_update) for p in billed],  # type: ignore[misc]
        penalty_rules=[(p.item.bill_id, p.penalty_rules_assessed) for p in billed],  # type: ignore[misc]
    )

    def after_bills(entry: JournalEntry) -> None:
        if not training:
            _plan_money_saved(planned, entry)
            if plan_bill_ids:
                plans_status_sync(bill_ids=plan_bill_ids)
        # After the bills and plans are updated: a lien search sold with a payment on the
        # parcel certifies what the parcel owes once the visit is posted, not what it owed.
        for plan in planned:
            if plan.lien_search is not None:
                _lien_certificate_sold(
                    plan, by=payment.posted_by, training=training, today=payment.posted_on
                )

    payments_write(
        planned=[visit],
        lines=lines,
        entry_date=payment.posted_on,
        memo=memo,
        source=PaymentSource.PAYMENT,
        by=payment.posted_by,
        book=Book.TRAINING if training else Book.LIVE,
        before_items=after_bills,
    )
    return payment


def _lien_certificate_sold(plan: _Planned, *, by: User, training: bool, today: date) -> None:
    """Issue the certificate a lien search sells, in the payment's transaction (a sale rolled
    back gives its number back), and name it on the receipt's item."""
    assert plan.lien_search is not None
    parcel, good_through = plan.lien_search
    certificate = lien_certificate_issue(
        property=parcel, good_through=good_through, by=by, training=training, issued_on=today
    )
    plan.item.lien_certificate = certificate
    fee_name = plan.item.fee_type.name if plan.item.fee_type else "Lien search"
    plan.item.description = (
        f"{fee_name} {certificate.number}, parcel {parcel.parcel_number}, "
        f"good through {us_date(good_through)}"
    )[:200]
