"""The visit being rung up, kept in the clerk's session until it is posted.

The cart holds only ids, amounts and the form's one-time token; what each bill owes is read
again for every page, and `payment_record` decides under its locks. When it refuses because
another window paid a bill first, `cart_after_bill_changed` brings the cart up to date and says
what the clerk must hand back."""

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.contrib.auth.models import User
from django.contrib.sessions.backends.base import SessionBase
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from billing.liens import lien_terms
from billing.models import Bill, Customer, FeePrice, FeeType, PaymentPlan
from billing.penalties import AmountDue
from billing.plan_standing import PlanStanding, standings
from billing.selectors import customer_credit, plan_of_bills, with_amounts_due
from cashiering.dates import us_date
from ledger.errors import DomainError
from ledger.money import ZERO, format_money
from payments.models import Drawer, Payment, PaymentItem, Tender
from payments.services import BillItem, FeeItem, PlanItem, TenderIn, fee_item_check

SESSION_KEY = "counter_cart"


def cart_new() -> dict:
    return {
        "token": str(uuid.uuid4()),
        "customer_id": None,
        "items": [],
        "tenders": [],
        "overpayment": False,
    }


def cart_of(session: SessionBase) -> dict:
    cart = session.get(SESSION_KEY)
    if not isinstance(cart, dict) or "token" not in cart:
        cart = cart_new()
        session[SESSION_KEY] = cart
    return cart


def cart_store(session: SessionBase, cart: dict) -> None:
    session[SESSION_KEY] = cart
    session.modified = True


def cart_items(cart: dict) -> list[BillItem | FeeItem | PlanItem]:
    items: list[BillItem | FeeItem | PlanItem] = []
    for row in cart["items"]:
        if row["kind"] == "plan":
            expected = row.get("expected_due")
            items.append(
                PlanItem(
                    plan_id=row["plan_id"],
                    amount=Decimal(row["amount"]),
                    expected_due=Decimal(expected) if expected is not None else None,
                )
            )
        elif row["kind"] == "bill":
            expected = row.get("expected_due")
            items.append(
                BillItem(
                    bill_id=row["bill_id"],
                    amount=Decimal(row["amount"]),
                    expected_due=Decimal(expected) if expected is not None else None,
                )
            )
        else:
            start = row.get("period_start")
            good_through = row.get("good_through")
            items.append(
                FeeItem(
                    fee_type_id=row["fee_type_id"],
                    quantity=row["quantity"],
                    plate=row.get("plate", ""),
                    plate_state=row.get("plate_state", ""),
                    period_start=date.fromisoformat(start) if start else None,
                    months=row.get("months"),
                    parcel_id=row.get("parcel_id"),
                    good_through=date.fromisoformat(good_through) if good_through else None,
                )
            )
    return items


def cart_tenders(cart: dict) -> list[TenderIn]:
    return [TenderIn(**{**row, "amount": Decimal(row["amount"])}) for row in cart["tenders"]]


@dataclass
class CartLine:
    index: int
    kind: str
    description: str
    amount: Decimal
    bill: Bill | None = None
    due: AmountDue | None = None
    expected_due: Decimal | None = None
    fee_type: FeeType | None = None
    error: str = ""
    plan: PlanStanding | None = None  # a payment plan's installments (RPTL 1184)

    @property
    def changed(self) -> bool:
        return (
            self.due is not None
            and self.expected_due is not None
            and (self.due.total != self.expected_due)
        )

    @property
    def partial(self) -> bool:
        return self.due is not None and self.amount < self.due.total

    @property
    def leaves(self) -> Decimal:
        return self.due.total - self.amount if self.due and self.partial else ZERO

    @property
    def over(self) -> Decimal:
        return self.amount - self.due.total if self.due and self.amount > self.due.total else ZERO


@dataclass
class CartView:
    token: str
    customer: Customer | None
    lines: list[CartLine] = field(default_factory=list)
    tenders: list[tuple[int, Tender]] = field(default_factory=list)
    accept_overpayment: bool = False
    customer_credit: Decimal = ZERO  # what the customer holds on account (live book)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def tendered(self) -> Decimal:
        return sum((tender.amount for _, tender in self.tenders), ZERO)

    @property
    def remaining(self) -> Decimal:
        return max(self.total - self.tendered, ZERO)

    @property
    def change(self) -> Decimal:
        """Cash to hand back, in dollars; none on an empty cart, where nothing is being paid
        (a tender there is money on the counter, not change), and none while checks and cards
        alone pass what is due (the post refuses that; see `noncash_over`)."""
        if not self.lines or self.noncash_over:
            return ZERO
        return max(self.tendered - self.total, ZERO)

    @property
    def credit_tendered(self) -> Decimal:
        """Credit on account among the tenders, in dollars."""
        return sum((t.amount for _, t in self.tenders if t.kind == "credit"), ZERO)

    @property
    def noncash_over(self) -> Decimal:
        """How far, in dollars, the checks, cards and credit on account pass what is due (0 when
        they do not): the post refuses that (payment_record), and it is never change, since
        change is given only from cash."""
        if not self.lines:
            return ZERO
        other = sum((t.amount for _, t in self.tenders if t.kind != "cash"), ZERO)
        return max(other - self.total, ZERO)

    @property
    def has_overpayment(self) -> bool:
        return any(line.over for line in self.lines)

    @property
    def ready(self) -> bool:
        """What the post would accept: tenders cover the total, checks and cards do not pass
        it, and every line is sound."""
        other = sum((t.amount for _, t in self.tenders if t.kind != "cash"), ZERO)
        return (
            bool(self.lines)
            and self.tendered >= self.total
            and other <= self.total
            and not any(line.error for line in self.lines)
        )


def cart_view(cart: dict, *, drawer: Drawer, as_of: date) -> CartView:
    """The cart as the clerk sees it: each bill with what it owes now, each fee priced."""
    view = CartView(
        token=cart["token"],
        customer=Customer.objects.filter(pk=cart["customer_id"]).first()
        if cart["customer_id"]
        else None,
        accept_overpayment=bool(cart.get("overpayment")),
    )
    if view.customer is not None and not drawer.training:
        view.customer_credit = customer_credit(view.customer)
    bill_ids = [row["bill_id"] for row in cart["items"] if row["kind"] == "bill"]
    bills = Bill.objects.select_related("customer", "vehicle").in_bulk(bill_ids)
    owed = {o.bill.pk: o.due for o in with_amounts_due(bills.values(), as_of)}
    fee_types = FeeType.objects.in_bulk(
        [row["fee_type_id"] for row in cart["items"] if row["kind"] == "fee"]
    )
    items = cart_items(cart)
    plan_rows = PaymentPlan.objects.in_bulk([i.plan_id for i in items if isinstance(i, PlanItem)])
    plan_standing = standings(plan_rows.values(), as_of)
    for index, (row, item) in enumerate(zip(cart["items"], items, strict=True)):
        if isinstance(item, PlanItem):
            standing = plan_standing.get(item.plan_id)
            if standing is None:
                continue
            line = CartLine(
                index=index,
                kind="plan",
                description=plan_description(standing),
                amount=item.amount,
                expected_due=item.expected_due,
                plan=standing,
            )
            if not standing.frozen:
                line.error = f"This plan is {standing.label.lower()}: take it out of the cart."
            view.lines.append(line)
        elif isinstance(item, BillItem):
            bill = bills.get(item.bill_id)
            if bill is None:
                continue
            view.lines.append(
                CartLine(
                    index=index,
                    kind="bill",
                    description=f"{bill.get_bill_type_display()} {bill.number}: {bill.description}",
                    amount=item.amount,
                    bill=bill,
                    due=owed.get(bill.pk),
                    expected_due=item.expected_due,
                )
            )
        else:
            fee_type = fee_types.get(item.fee_type_id)
            line = CartLine(
                index=index,
                kind="fee",
                description=row.get("description", ""),
                amount=ZERO,
                fee_type=fee_type,
            )
            try:
                line.description, line.amount = fee_item_check(
                    item=item, as_of=as_of, drawer=drawer
                )
            except DomainError as exc:  # shown on the line; the post would refuse it too
                line.error = str(exc)
            view.lines.append(line)
    for index, row in enumerate(cart["tenders"]):
        tender = Tender(
            kind=row["kind"],
            amount=Decimal(row["amount"]),
            check_number=row.get("check_number", ""),
            check_payer=row.get("check_payer", ""),
            card_brand=row.get("card_brand", ""),
            card_last4=row.get("card_last4", ""),
            authorization_code=row.get("authorization_code", ""),
            terminal_reference=row.get("terminal_reference", ""),
        )
        view.tenders.append((index, tender))
    return view


def plan_description(standing: PlanStanding) -> str:
    """ "Payment plan PP-2026-0001 — installment 3 of 12 due 03/31/2027 (late: +interest,
    +charge)", as the lookup and the cart name a plan."""
    plan = standing.plan
    text = f"Payment plan {plan.number}"
    row = standing.next_due
    if row is not None:
        number = row.installment.number
        which = "down payment" if number == 0 else f"installment {number} of "
        which += "" if number == 0 else str(plan.installment_count)
        text += f" — {which} due {us_date(row.installment.due_on)}"
    late = standing.late_installments
    if late and standing.frozen:
        interest = sum((r.new_interest for r in late), ZERO)
        charge = sum((r.new_charge for r in late), ZERO)
        text += f" (late: +{format_money(interest)} interest, +{format_money(charge)} charge)"
    return text


def plan_add(cart: dict, plan: PaymentPlan, *, as_of: date, payoff: bool = False) -> str:
    """Put a payment plan in the cart at what it has due now (its late charges included), or
    its next installment when nothing is due yet (the clerk may change the amount: more
    prepays, less is a partial payment); with `payoff`, at all it takes to finish the plan
    (a certificate of liens' payoff). Returns what happened, for the clerk."""
    standing = standings([plan], as_of)[plan.pk]
    for row in cart["items"]:
        if row.get("plan_id") != plan.pk:
            continue
        if payoff and standing.frozen and standing.remaining:
            row["amount"] = str(standing.remaining)
            return (
                f"Payment plan {plan.number} is in the cart for "
                f"{format_money(standing.remaining)}, all it takes to finish it."
            )
        return f"Payment plan {plan.number} is already in the cart."
    if not standing.frozen:
        return (
            f"Payment plan {plan.number} is {standing.label.lower()}: "
            + ("its bills are paid one by one." if standing.standing == "default" else "")
        ).strip()
    next_unpaid = standing.next_due.unpaid if standing.next_due else ZERO
    amount = (standing.remaining or ZERO) if payoff else (standing.due_now or next_unpaid)
    if not amount:
        return f"Payment plan {plan.number} owes nothing."
    if cart["customer_id"] is None:
        cart["customer_id"] = plan.customer_id
    cart["items"].append(
        {
            "kind": "plan",
            "plan_id": plan.pk,
            "amount": str(amount),
            "expected_due": str(standing.due_now),
            "added_at": timezone.now().isoformat(),
        }
    )
    return (
        f"Added payment plan {plan.number}: {format_money(standing.due_now)} due now, "
        f"{format_money(standing.remaining or ZERO)} to finish it."
    )


def plan_instead_of_bill(bill: Bill, as_of: date) -> PaymentPlan | None:
    """The active plan in good standing (or late) that pays `bill`: the cart takes the plan
    instead of the bill. None when it is in none, or its plan is in default."""
    standing = plan_of_bills([bill.pk], as_of).get(bill.pk)
    return standing.plan if standing is not None and standing.frozen else None


def credit_tender_refusal(cart: dict, amount: Decimal, *, drawer: Drawer) -> str:
    """Why a credit-on-account tender of `amount` cannot join the cart ("" when it can): the
    post checks again under its lock."""
    if drawer.training:
        return "Credit on account is live money: it is not spent in training mode."
    if not cart["customer_id"]:
        return "Credit on account belongs to a customer: add one of their bills first."
    held = customer_credit(cart["customer_id"])
    in_cart = sum((Decimal(t["amount"]) for t in cart["tenders"] if t["kind"] == "credit"), ZERO)
    if amount + in_cart > held:
        return (
            f"The customer holds ${held:,.2f} of credit on account"
            + (f" (${in_cart:,.2f} already in this visit)" if in_cart else "")
            + "; apply no more than that."
        )
    return ""


def fee_types_sold(as_of: date) -> QuerySet[FeeType]:
    """The fee types the counter offers on `as_of`: active, not the returned-check charge (billed
    by its own action) nor the lien search (sold from its own form, with a parcel), and with a
    price in effect that day."""
    priced = FeePrice.objects.filter(fee_type=OuterRef("pk"), effective_from__lte=as_of)
    sold = FeeType.objects.filter(Exists(priced), is_active=True).exclude(
        category=FeeType.Category.RETURNED_CHECK
    )
    lien_fee_type_id = lien_terms().fee_type_id
    return sold.exclude(pk=lien_fee_type_id) if lien_fee_type_id else sold


# ---- the race: a bill in this cart was paid at another window --------------------------


def bills_last_paid(bill_ids: list[int]) -> dict[int, PaymentItem]:
    """For each bill, the live posted payment item that paid it last, with its receipt, window
    and clerk (one query): who took the payment when another window was quicker."""
    items = (
        PaymentItem.objects.filter(
            bill_id__in=bill_ids,
            payment__status=Payment.Status.POSTED,
            payment__training=False,
        )
        .select_related("payment__drawer__workstation", "payment__posted_by")
        .order_by("bill_id", "-payment__posted_at", "-payment_id")
        .distinct("bill_id")
    )
    return {item.bill_id: item for item in items if item.bill_id is not None}


def _person(user: User) -> str:
    return user.get_full_name() or user.username


def _paid_since_added(item: PaymentItem, row: dict) -> bool:
    """Whether `item`'s payment was posted after the bill joined the cart (`row["added_at"]`),
    so that it, and not an older receipt, is what changed the bill. A row from before the cart
    kept the time (an older session) is taken to have been paid since."""
    added = row.get("added_at")
    return not added or item.payment.posted_at >= datetime.fromisoformat(added)


def _bills_refreshed(cart: dict, refreshed: dict[int, Decimal]) -> tuple[list[str], Decimal]:
    """Show each changed bill at what it owes now, dropping the paid ones. Returns a sentence
    per bill (which receipt, window and clerk took a payment on it) and how much less, in
    dollars, the cart now asks for."""
    paid_by = bills_last_paid(sorted(refreshed))
    numbers = dict(Bill.objects.filter(pk__in=list(refreshed)).values_list("pk", "number"))
    notes: list[str] = []
    less = ZERO
    kept = []
    for row in cart["items"]:
        if row["kind"] != "bill" or row["bill_id"] not in refreshed:
            kept.append(row)
            continue
        now = refreshed[row["bill_id"]]
        was = Decimal(row["amount"])
        expected = Decimal(row.get("expected_due") or row["amount"])
        number = numbers.get(row["bill_id"], "")
        item = paid_by.get(row["bill_id"])
        if item is not None and now < expected and _paid_since_added(item, row):
            payment = item.payment
            took = (
                f"Bill {number} was paid at {payment.drawer.workstation.name} a moment ago: "
                f"receipt {payment.receipt_number} took {format_money(item.amount)} "
                f"(clerk {_person(payment.posted_by)})."
            )
        elif now < expected:
            took = (
                f"Bill {number} now owes {format_money(now)}, less than the "
                f"{format_money(expected)} it owed when added: it was adjusted or its penalty "
                "waived."
            )
        else:
            took = f"Bill {number} now owes {format_money(now)}: a penalty or interest fell due."
        if now <= 0:
            notes.append(f"{took} It owes nothing now and is out of the cart.")
            less += was
            continue
        if was == expected or was > now:
            row["amount"] = str(now)  # a full payment stays full; a part never passes the due
        row["expected_due"] = str(now)
        if now < expected:
            notes.append(f"{took} It still owes {format_money(now)}: the cart asks for that now.")
        else:
            notes.append(took)
        less += max(was - Decimal(row["amount"]), ZERO)
        kept.append(row)
    cart["items"] = kept
    if not kept:
        cart["customer_id"] = None
    return notes, less


def _tender_words(row: dict) -> str:
    amount = format_money(Decimal(row["amount"]))
    if row["kind"] == "cash":
        return f"hand back {amount} cash"
    if row["kind"] == "check":
        return f"hand back check #{row.get('check_number', '')} for {amount}"
    if row["kind"] == "card":
        return (
            f"reverse the {amount} card charge ending {row.get('card_last4', '')} at the terminal"
            f" (authorization {row.get('authorization_code', '')})"
        )
    return f"the {amount} of credit on account stays on the customer's account"


def _tenders_rebalanced(cart: dict, less: Decimal, due: Decimal) -> list[str]:
    """After bills left the cart or ask for less: an empty cart gives every tender back; a cart
    still owing `due` dollars lowers its cash (then credit) tenders by what no longer needs
    paying, `less` dollars, so what the lost bills took is never shown as change. Checks and
    cards are for their own amounts and stay. Returns what was done, for the clerk to act on."""
    tenders = cart["tenders"]
    if not tenders:
        return []
    if not cart["items"]:
        words = "; ".join(_tender_words(row) for row in tenders)
        cart["tenders"] = []
        return [f"Nothing is left to pay, so the tenders are out of the cart: {words}."]
    excess = min(less, sum((Decimal(row["amount"]) for row in tenders), ZERO) - due)
    notes: list[str] = []
    for row in reversed(list(tenders)):
        if excess <= 0:
            break
        if row["kind"] not in ("cash", "credit"):
            continue
        amount = Decimal(row["amount"])
        cut = min(amount, excess)
        excess -= cut
        what = "cash" if row["kind"] == "cash" else "credit on account"
        back = (
            f"hand back {format_money(cut)}"
            if row["kind"] == "cash"
            else f"{format_money(cut)} stays on the customer's account"
        )
        if amount > cut:
            row["amount"] = str(amount - cut)
            notes.append(
                f"The {what} tender is lowered from {format_money(amount)} to "
                f"{format_money(amount - cut)}: {back}."
            )
        else:
            tenders.remove(row)
            notes.append(f"The {format_money(amount)} {what} tender is out of the cart: {back}.")
    other = sum((Decimal(r["amount"]) for r in tenders if r["kind"] in ("check", "card")), ZERO)
    if other > due:
        notes.append(
            f"The checks and cards ({format_money(other)}) now come to more than the "
            f"{format_money(due)} due: hand back the check or reverse the card charge and take "
            "one for what is due, or keep the difference as credit on account."
        )
    return notes


def cart_after_bill_changed(
    cart: dict, refreshed: dict[int, Decimal], *, drawer: Drawer, as_of: date
) -> list[str]:
    """After the post refused because bills changed (`refreshed`: bill id to what it owes now,
    in dollars), most often because another window paid one first: bring the cart up to date and
    re-balance its tenders. Returns, in order, what happened and what the clerk must do."""
    notes, less = _bills_refreshed(cart, refreshed)
    due = cart_view(cart, drawer=drawer, as_of=as_of).total if cart["items"] else ZERO
    return notes + _tenders_rebalanced(cart, less, due)
