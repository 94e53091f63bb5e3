"""The visit being rung up, kept in the clerk's session until it is posted.

The cart holds only ids, amounts and the form's one-time token; what each bill owes is read
again for every page, and `payment_record` decides under its locks."""

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.contrib.sessions.backends.base import SessionBase

from billing.models import Bill, Customer, FeeType
from billing.penalties import AmountDue
from billing.selectors import customer_credit, with_amounts_due
from ledger.errors import DomainError
from ledger.money import ZERO
from payments.models import Drawer, Tender
from payments.services import BillItem, FeeItem, TenderIn, fee_item_check

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


def cart_items(cart: dict) -> list[BillItem | FeeItem]:
    items: list[BillItem | FeeItem] = []
    for row in cart["items"]:
        if row["kind"] == "bill":
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
            items.append(
                FeeItem(
                    fee_type_id=row["fee_type_id"],
                    quantity=row["quantity"],
                    plate=row.get("plate", ""),
                    plate_state=row.get("plate_state", ""),
                    period_start=date.fromisoformat(start) if start else None,
                    months=row.get("months"),
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
        return max(self.tendered - self.total, ZERO)

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
    for index, (row, item) in enumerate(zip(cart["items"], items, strict=True)):
        if isinstance(item, BillItem):
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
