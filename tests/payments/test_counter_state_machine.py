"""Property test of the counter: any sequence of drawers opened, bills paid in full or in part
(with one or two checks among the tenders), overpaid (the rest kept as the customer's credit on
account), paid with credit on account, voids, whole and partial refunds (out of a drawer or by
city check), returned checks (one check of several, before or after a refund), refunds of
customers' credit, bill adjustments (cancel, write down) and cash drops keeps the books
balanced, every bill owing what a small model says, every drawer holding what the model says,
every customer's credit what the model says (and 2100 equal to the customers' credits), and
receipt numbers gapless. Some offices let checks clear at once (`check_clearing_days` 0), so
refunds of check money are both refused (not cleared) and paid.

Each example runs at a new office with new clerks, customers and bills (the database is not
rolled back between examples), all built through the services. Bills fall due in the future,
so nothing accrues and what a bill owes is simply what was billed less what was paid."""

import itertools
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from billing.errors import BillingError
from billing.models import Bill, BillAdjustment, BillType, Customer
from billing.selectors import customer_credit
from billing.services import bill_adjust
from cashiering.roles import Role
from ledger.models import Book
from ledger.money import ZERO
from ledger.selectors import ledger_violations, trial_balance
from payments.errors import DrawerError, NotReversible, PaymentError, PolicyRefused
from payments.models import Office, Payment, ReceiptSeries, Tender
from payments.selectors import drawer_cash_expected
from payments.services import (
    BillItem,
    TenderIn,
    cash_movement_record,
    counter_setup_seed,
    credit_refund,
    drawer_open,
    payment_record,
    payment_refund,
    payment_void,
    returned_check_record,
)
from tests.factories import fund_change_fund
from tests.payments.conftest import card, cash, check, issue, new_user, window

D = Decimal
CENT = D("0.01")
WINDOWS = 3
OFFICES = itertools.count(1)
TENDERS = [
    "cash",
    "cash with change",
    "check",
    "card",
    "check and cash",
    "card and cash",
    "two checks",
]

cents = st.integers(min_value=1, max_value=500_000).map(lambda n: D(n) / 100)


@dataclass
class DrawerModel:
    drawer: object
    clerk: object
    training: bool
    cash: Decimal  # what the drawer should hold in cash


@dataclass
class Posting:
    """Something that posted on a bill, in the order it happened (a void cannot come after)."""

    seq: int
    cancelled: bool = False  # a payment voided since: it and its void cancel out


@dataclass
class CheckModel:
    tender: Tender
    amount: Decimal
    returned: bool = False


@dataclass
class PaymentModel:
    payment: Payment
    drawer: DrawerModel
    bill_id: int
    customer_id: int
    total: Decimal
    cash: Decimal  # cash kept, net of change
    check: Decimal
    card: Decimal
    posting: Posting
    checks: list[CheckModel] = field(default_factory=list)
    status: str = Payment.Status.POSTED
    # An overpayment kept as credit (on the customer's account when live; in training it is the
    # training book's, no one's), and credit on account tendered.
    credit_kept: Decimal = ZERO
    credit_spent: Decimal = ZERO
    taken_back: Decimal = ZERO  # by refunds and returned checks, the kept credit first
    card_refunded: Decimal = ZERO
    credit_refunded: Decimal = ZERO  # refunded back on account
    other_refunded: Decimal = ZERO  # refunded in cash (or by city check)

    @property
    def standing(self) -> Decimal:
        return self.total - self.taken_back

    @property
    def applied(self) -> Decimal:
        """What the payment took off its bill."""
        return self.total - self.credit_kept

    def take_back_parts(self, amount: Decimal) -> tuple[Decimal, Decimal]:
        """What taking back `amount` more takes from the kept credit and from the bill: last
        applied first, so the kept credit before the bill."""
        credit = min(amount, max(self.credit_kept - self.taken_back, ZERO))
        return credit, amount - credit


@dataclass
class BillModel:
    bill: Bill
    owes: Decimal
    adjusted_at: int = 0  # the posting seq of its last adjustment
    cancelled_at: int = 0  # the posting seq of its cancellation


@dataclass
class Receipts:
    count: dict[bool, int] = field(default_factory=lambda: {False: 0, True: 0})


def attempt(what: str, refusal: tuple[type[Exception], str] | None, action):
    """Do `action`; if the model expects a refusal (an error and its message), check that."""
    if refusal is None:
        result = action()
        event(f"{what}: done")
        return result
    error, message = refusal
    with pytest.raises(error, match=message):
        action()
    event(f"{what}: refused, {message}")
    return None


class Counter(RuleBasedStateMachine):
    supervisor = None  # set by the test: the fixture's Supervisor
    second_supervisor = None  # set by the test: approves what the first asks (dual control)

    def __init__(self):
        super().__init__()
        number = next(OFFICES)
        self.code = f"SM{number}"
        self.office = counter_setup_seed(
            office_code=self.code, office_name=f"State machine office {number}", windows=WINDOWS
        )
        fund_change_fund(self.office, "1000000.00")
        self.cleared = False  # set by the first step, `clearing`
        self.seq = itertools.count(1)
        self.postings: dict[int, list[Posting]] = {}
        self.customers = [
            Customer.objects.create(name=f"{name} {self.code}") for name in ("Ada", "Ben")
        ]
        self.refused: set[int] = set()
        self.credits: dict[int, Decimal] = {c.pk: ZERO for c in self.customers}
        self.drawers: list[DrawerModel] = []
        self.bills: dict[int, BillModel] = {}
        self.payments: list[PaymentModel] = []
        self.receipts = Receipts()
        self.users = itertools.count(1)
        for customer, amount in zip(self.customers, ("1200.00", "85.40"), strict=True):
            self._issue(customer, BillType.PROPERTY_TAX, D(amount))
        self.open_drawer(training=False, twenties=10)  # the first window opens with the day

    # helpers

    def _issue(self, customer, bill_type, amount: Decimal) -> None:
        bill = issue(
            customer,
            self.supervisor,
            bill_type=bill_type,
            amount=str(amount),
            due=timezone.localdate() + timedelta(days=60),
        )
        self.bills[bill.pk] = BillModel(bill, amount)

    def _owing(self, *, partial: bool = False) -> list[BillModel]:
        return [
            b
            for b in self.bills.values()
            if b.owes >= (2 * CENT if partial else CENT)
            and (not partial or b.bill.bill_type == BillType.PROPERTY_TAX)
        ]

    def _overpayable(self) -> list[BillModel]:
        # The policies keep overpayments on tax and water bills only (not on invoices, such as a
        # returned-check fee).
        kinds = (BillType.PROPERTY_TAX, BillType.WATER_SEWER)
        return [b for b in self._owing() if b.bill.bill_type in kinds]

    def _owing_with_credit(self) -> list[BillModel]:
        return [b for b in self._owing() if self.credits[b.bill.customer_id]]

    def _posted(self, bill_id: int, training: bool) -> Posting:
        posting = Posting(next(self.seq))
        if not training:
            self.postings.setdefault(bill_id, []).append(posting)
        return posting

    def _tenders(self, data, payer: str, due: Decimal) -> tuple[str, list[TenderIn], Decimal]:
        """Tenders for `due` in a drawn style: the style, the tenders and the change."""
        style = data.draw(st.sampled_from(TENDERS), label="tenders")
        part = due
        if ("and cash" in style or style == "two checks") and due >= 2 * CENT:
            part = data.draw(st.integers(1, int(due * 100) - 1), label="non-cash part") * CENT
        extra = data.draw(st.integers(1, 5000), label="change") * CENT if "change" in style else 0
        cheque = due if style == "two checks" else part if style.startswith("check") else ZERO
        carded = part if style.startswith("card") else ZERO
        in_cash = due - cheque - carded
        tenders = []
        number = len(self.payments) + 100
        if style == "two checks" and due >= 2 * CENT:
            tenders.append(check(str(part), number=f"{number}1", payer=payer))
            tenders.append(check(str(due - part), number=f"{number}2", payer=payer))
        elif cheque:
            tenders.append(check(str(cheque), number=str(number), payer=payer))
        if carded:
            tenders.append(card(str(carded)))
        if in_cash:
            tenders.append(cash(str(in_cash + extra)))
        return style, tenders, extra

    def _pay(
        self,
        data,
        drawer: DrawerModel,
        bill: BillModel,
        amount: Decimal,
        *,
        over: Decimal = ZERO,
        spent: Decimal = ZERO,
    ) -> None:
        """Pay `amount` on `bill` and `over` more kept as credit, `spent` of it with the
        customer's credit on account and the rest with drawn tenders."""
        total = amount + over
        customer_id = bill.bill.customer_id
        style, tenders, extra = "credit alone", [], ZERO
        if total > spent:
            style, tenders, extra = self._tenders(data, bill.bill.customer.name, total - spent)
        if spent:
            tenders.insert(0, TenderIn(kind="credit", amount=spent))
        kinds = {t.kind: sum(u.amount for u in tenders if u.kind == t.kind) for t in tenders}
        in_cash = kinds.get("cash", ZERO) - extra
        what = (
            f"pay by {style}"
            + (" and credit" if spent and total > spent else "")
            + (" over" if over else "")
        )
        refusal = (
            (PolicyRefused, "no checks are accepted")
            if "check" in kinds and customer_id in self.refused
            else (PaymentError, "not spent in training mode") if spent and drawer.training
            else (PaymentError, "of it cannot be applied")
            if spent > self.credits[customer_id]
            else None
        )  # fmt: skip
        payment = attempt(
            what,
            refusal,
            lambda: payment_record(
                drawer=drawer.drawer,
                items=[BillItem(bill.bill.pk, total, expected_due=bill.owes)],
                tenders=tenders,
                token=uuid.uuid4(),
                by=drawer.clerk,
                accept_overpayment=bool(over),
            ),
        )
        if payment is None:
            return
        assert payment.total == total
        assert payment.change == extra
        self.receipts.count[drawer.training] += 1
        drawer.cash += in_cash
        if not drawer.training:  # a training overpayment is no one's credit
            bill.owes -= amount
            self.credits[customer_id] += over - spent
        checks = [
            CheckModel(t, t.amount) for t in payment.tenders.order_by("id") if t.kind == "check"
        ]
        self.payments.append(
            PaymentModel(
                payment,
                drawer,
                bill.bill.pk,
                customer_id,
                total,
                in_cash,
                kinds.get("check", ZERO),
                kinds.get("card", ZERO),
                self._posted(bill.bill.pk, drawer.training),
                checks,
                credit_kept=over,
                credit_spent=spent,
            )
        )

    def _take_back(self, paid: PaymentModel, amount: Decimal, *, refund: bool) -> Decimal:
        """A refund or returned check takes back `amount`: the kept credit, then the bill.
        A returned check takes back only the credit still held (the rest is billed); a refund
        leaves a bill cancelled since cancelled. Returns the credit billed instead."""
        credit, bill_part = paid.take_back_parts(amount)
        paid.taken_back += amount
        if paid.drawer.training:
            return ZERO
        spent = ZERO if refund else max(credit - self.credits[paid.customer_id], ZERO)
        self.credits[paid.customer_id] -= credit - spent
        bill = self.bills[paid.bill_id]
        if refund and bill.cancelled_at > paid.posting.seq:
            return spent
        bill.owes += bill_part
        if bill_part:
            self._posted(paid.bill_id, False)
        return spent

    def _credit_clearing(self, customer_id: int) -> Decimal:
        """Credit on account that checks still clearing paid for: not refunded until then."""
        if self.cleared:
            return ZERO
        return sum(
            (
                min(p.credit_kept, sum((c.amount for c in p.checks if not c.returned), ZERO))
                for p in self.payments
                if p.customer_id == customer_id
                and p.status == Payment.Status.POSTED
                and not p.drawer.training
            ),
            ZERO,
        )

    def _credit_short(self, paid: PaymentModel, amount: Decimal) -> bool:
        """Whether taking back `amount` would take back more kept credit than is left."""
        credit, _ = paid.take_back_parts(amount)
        return not paid.drawer.training and credit > self.credits[paid.customer_id]

    def _payment(self, data, payments: list[PaymentModel]) -> PaymentModel:
        """One of `payments`, mostly one that still stands; the last first (shrinking moves
        towards it)."""
        standing = [p for p in payments[::-1] if p.status != Payment.Status.VOIDED and p.standing]
        if standing and data.draw(st.integers(0, 3), label="standing"):
            return data.draw(st.sampled_from(standing), label="payment")
        return data.draw(st.sampled_from(payments[::-1]), label="payment")

    def _changed_after(self, paid: PaymentModel) -> bool:
        return any(
            p.seq > paid.posting.seq and not p.cancelled
            for p in self.postings.get(paid.bill_id, [])
        )

    # rules

    @initialize(at_once=st.booleans())
    def clearing(self, at_once):
        """Checks clear at once at this office (`check_clearing_days` 0), or after the default
        10 business days (so a refund of check money is refused today)."""
        self.cleared = at_once
        if at_once:
            Office.objects.filter(pk=self.office.pk).update(check_clearing_days=0)

    @precondition(lambda self: len(self.drawers) < WINDOWS)
    @rule(training=st.booleans(), twenties=st.integers(0, 20))
    def open_drawer(self, training, twenties):
        clerk = new_user(f"{self.code.lower()}-clerk{next(self.users)}")
        drawer = drawer_open(
            clerk=clerk,
            workstation=window(self.office, len(self.drawers) + 1),
            counts={"$20 bills": twenties},
            training=training,
        )
        self.drawers.append(DrawerModel(drawer, clerk, training, D(20 * twenties)))

    @precondition(lambda self: len(self.bills) < 8)
    @rule(
        customer=st.integers(0, 1),
        bill_type=st.sampled_from([BillType.PROPERTY_TAX, BillType.WATER_SEWER]),
        amount=cents,
    )
    def issue_bill(self, customer, bill_type, amount):
        self._issue(self.customers[customer], bill_type, amount)

    @precondition(lambda self: self.drawers and self._owing())
    @rule(data=st.data())
    def pay_in_full(self, data):
        drawer = data.draw(st.sampled_from(self.drawers), label="drawer")
        bill = data.draw(st.sampled_from(self._owing()), label="bill")
        self._pay(data, drawer, bill, bill.owes)

    @precondition(lambda self: self.drawers and self._owing(partial=True))
    @rule(data=st.data())
    def pay_in_part(self, data):
        drawer = data.draw(st.sampled_from(self.drawers), label="drawer")
        bill = data.draw(st.sampled_from(self._owing(partial=True)), label="bill")
        amount = data.draw(st.integers(1, int(bill.owes * 100) - 1), label="part") * CENT
        self._pay(data, drawer, bill, amount)

    @precondition(lambda self: self.drawers and self._overpayable())
    @rule(data=st.data())
    def overpay(self, data):
        # Mostly at a live window: a training overpayment is no one's credit.
        live = [d for d in self.drawers if not d.training] or self.drawers
        drawer = data.draw(st.sampled_from(live), label="drawer")
        bill = data.draw(st.sampled_from(self._overpayable()), label="bill")
        over = data.draw(st.integers(1, 5000), label="kept as credit") * CENT
        self._pay(data, drawer, bill, bill.owes, over=over)

    @precondition(lambda self: self.drawers and self._owing_with_credit())
    @rule(data=st.data())
    def pay_with_credit(self, data):
        drawer = data.draw(st.sampled_from(self.drawers), label="drawer")
        bill = data.draw(st.sampled_from(self._owing_with_credit()), label="bill")
        held = self.credits[bill.bill.customer_id]
        most = int(min(held + CENT, bill.owes) * 100)  # now and then a cent more than held
        spent = data.draw(st.integers(1, most), label="credit applied") * CENT
        self._pay(data, drawer, bill, bill.owes, spent=spent)

    @precondition(lambda self: self.payments)
    @rule(data=st.data())
    def void(self, data):
        paid = self._payment(data, self.payments)
        later = [
            p
            for p in self.payments[self.payments.index(paid) + 1 :]
            if p.bill_id == paid.bill_id
            and p.drawer.training == paid.drawer.training
            and p.status != Payment.Status.VOIDED  # a refund keeps what it assessed
        ]
        live = not paid.drawer.training
        refusal = (
            (NotReversible, "is already")
            if paid.status == Payment.Status.VOIDED
            or (paid.status != Payment.Status.POSTED and not paid.standing)
            else (NotReversible, "refunded in part or had a check returned")
            if paid.taken_back or any(c.returned for c in paid.checks)
            else (NotReversible, "cannot be paid back out of it")
            if paid.cash > paid.drawer.cash
            else (NotReversible, "was paid again after this") if later
            else (NotReversible, "after this receipt; refund it instead")
            if live and self.bills[paid.bill_id].adjusted_at > paid.posting.seq
            else (NotReversible, "changed after this receipt")
            if live and self._changed_after(paid)
            else (NotReversible, "of credit is left")
            if live and paid.credit_kept > self.credits[paid.customer_id]
            else None
        )  # fmt: skip
        done = attempt(
            "void",
            refusal,
            lambda: payment_void(
                payment=paid.payment,
                reason="Keyed wrong",
                by=paid.drawer.clerk,
                approved_by=self.supervisor,
            ),
        )
        if done:
            paid.status = Payment.Status.VOIDED
            paid.posting.cancelled = True
            paid.drawer.cash -= paid.cash
            if live:
                self.bills[paid.bill_id].owes += paid.applied
                self.credits[paid.customer_id] += paid.credit_spent - paid.credit_kept

    @precondition(lambda self: self.payments)
    @rule(data=st.data())
    def refund(self, data):
        paid = self._payment(data, self.payments)
        # Paid out of a drawer, or now and then by a city check a Supervisor wrote.
        city_check = data.draw(st.integers(0, 3), label="by city check") == 0
        out_of = None if city_check else data.draw(st.sampled_from(self.drawers), label="drawer")
        whole = data.draw(st.booleans(), label="whole")
        amount = None
        if not whole and paid.standing >= 2 * CENT:
            amount = data.draw(st.integers(1, int(paid.standing * 100) - 1), label="part") * CENT
        asked = paid.standing if amount is None else amount
        # Back to the card first, then back on account what credit on account paid, then in
        # cash (or by city check): what cash paid, then what checks paid (once they cleared).
        card_part = min(asked, max(paid.card - paid.card_refunded, ZERO))
        credit_part = min(asked - card_part, max(paid.credit_spent - paid.credit_refunded, ZERO))
        rest = asked - card_part - credit_part
        cash_left = max(paid.cash - paid.other_refunded, ZERO)
        by_check = max(rest - cash_left, ZERO)
        refusal = (
            (NotReversible, "is already")
            if paid.status == Payment.Status.VOIDED
            or (paid.status != Payment.Status.POSTED and not paid.standing)
            else (NotReversible, "training receipt from a training drawer, and only then")
            if out_of is not None and out_of.training != paid.drawer.training
            else (NotReversible, "training receipt is refunded from a training drawer")
            if out_of is None and paid.drawer.training
            else (NotReversible, "may still return until it clears")
            if by_check and not self.cleared
            else (NotReversible, "cannot be paid out of it")
            if out_of is not None and rest > out_of.cash
            else (NotReversible, "of credit is left") if self._credit_short(paid, asked)
            else None
        )  # fmt: skip
        paid_out = (
            {"city_check_number": f"CC{len(self.payments)}", "by": paid.drawer.clerk}
            if out_of is None
            else {"drawer": out_of.drawer, "by": out_of.clerk}
        )
        done = attempt(
            ("refund" if amount is None else "partial refund") + (" by city check" * city_check),
            refusal,
            lambda: payment_refund(
                payment=paid.payment,
                reason="Paid twice",
                approved_by=self.supervisor,
                amount=amount,
                **paid_out,
            ),
        )
        if done:
            assert (done.amount, done.card_amount) == (asked, card_part)
            if asked == paid.standing:
                paid.status = Payment.Status.REFUNDED
            if out_of is not None:
                out_of.cash -= rest
            self._take_back(paid, asked, refund=True)
            paid.card_refunded += card_part
            paid.credit_refunded += credit_part
            paid.other_refunded += rest
            if not paid.drawer.training:
                self.credits[paid.customer_id] += credit_part

    @precondition(lambda self: any(p.checks for p in self.payments))
    @rule(data=st.data())
    def returned_check(self, data):
        paid = self._payment(data, [p for p in self.payments if p.checks])
        bounced = data.draw(st.sampled_from(paid.checks), label="check")
        reopen = min(bounced.amount, paid.standing)
        billed = bounced.amount - reopen
        refusal = (
            (NotReversible, "Training receipts take no real checks")
            if paid.drawer.training
            else (NotReversible, "was voided") if paid.status == Payment.Status.VOIDED
            else (NotReversible, "already recorded as returned") if bounced.returned
            else None
        )  # fmt: skip
        reversal = attempt(
            "returned check",
            refusal,
            lambda: returned_check_record(
                payment=paid.payment, check=bounced.tender, reason="NSF", by=self.supervisor
            ),
        )
        if reversal:
            event("returned check: billed a refunded amount" if billed else "returned check")
            bounced.returned = True
            if paid.status == Payment.Status.POSTED:
                paid.status = Payment.Status.RETURNED
            spent = self._take_back(paid, reopen, refund=False)
            if spent:
                event("returned check: billed credit spent since")
            assert (reversal.taken_back, reversal.billed) == (reopen, billed + spent)
            self.refused.add(paid.customer_id)
            fee_bill = reversal.fee_bill
            assert fee_bill.customer_id == paid.customer_id
            self.bills[fee_bill.pk] = BillModel(fee_bill, D("20.00") + billed + spent)

    @precondition(lambda self: any(self.credits.values()))
    @rule(data=st.data(), by_check=st.booleans())
    def refund_credit(self, data, by_check):
        holders = [pk for pk, held in self.credits.items() if held]
        customer_id = data.draw(st.sampled_from(holders), label="customer")
        held = self.credits[customer_id]
        amount = data.draw(st.integers(1, int(held * 100) + 100), label="refund") * CENT
        drawer = None if by_check else data.draw(st.sampled_from(self.drawers), label="drawer")
        refusal = (
            (PaymentError, "training drawer holds no real money")
            if drawer is not None and drawer.training
            else (PaymentError, "cannot be refunded") if amount > held
            else (NotReversible, "until it clears on")
            if amount > max(held - self._credit_clearing(customer_id), ZERO)
            else (PaymentError, "cannot be paid out of it")
            if drawer is not None and amount > drawer.cash
            else None
        )  # fmt: skip
        done = attempt(
            f"refund credit by {'city check' if by_check else 'cash'}",
            refusal,
            lambda: credit_refund(
                customer=Customer.objects.get(pk=customer_id),
                amount=amount,
                method="city_check" if by_check else "cash",
                drawer=drawer.drawer if drawer else None,
                reason="Customer asked for it",
                by=self.supervisor,
                approved_by=self.second_supervisor,
                token=uuid.uuid4(),
            ),
        )
        if done:
            self.credits[customer_id] -= amount
            if drawer is not None:
                drawer.cash -= amount

    @precondition(lambda self: self._owing())
    @rule(data=st.data(), reason=st.sampled_from(BillAdjustment.Reason.values))
    def adjust_bill(self, data, reason):
        bill = data.draw(st.sampled_from(self._owing()), label="bill")
        cancel = data.draw(st.booleans(), label="cancel")
        amount = (
            bill.owes
            if cancel
            else data.draw(st.integers(1, int(bill.owes * 100) + 100), label="write down") * CENT
        )
        done = attempt(
            "cancel" if cancel else "write down",
            (BillingError, "cannot be written down") if amount > bill.owes else None,
            lambda: bill_adjust(
                bill=bill.bill,
                kind="cancel" if cancel else "write_down",
                amount=None if cancel else amount,
                reason=reason,
                note="State machine",
                by=self.supervisor,
                token=uuid.uuid4(),
            ),
        )
        if done:
            assert done.balance_after == bill.owes - amount
            bill.owes -= amount
            bill.adjusted_at = self._posted(bill.bill.pk, False).seq
            if cancel:
                bill.cancelled_at = bill.adjusted_at

    @precondition(lambda self: self.drawers)
    @rule(data=st.data())
    def cash_drop(self, data):
        drawer = data.draw(st.sampled_from(self.drawers), label="drawer")
        most = int(drawer.cash * 100) + 100  # now and then more than it holds
        amount = data.draw(st.integers(1, most), label="amount") * CENT
        done = attempt(
            "cash drop",
            (DrawerError, "cannot come out of it") if amount > drawer.cash else None,
            lambda: cash_movement_record(
                drawer=drawer.drawer, kind="drop", amount=amount, by=drawer.clerk
            ),
        )
        if done:
            drawer.cash -= amount

    # invariants

    @invariant()
    def books_balance(self):
        for book in Book.values:
            balance = trial_balance(book=book)
            assert balance.total_debits == balance.total_credits
        # And 2100 equals the customers' credits, each line on it naming its customer.
        assert ledger_violations() == []

    @invariant()
    def bills_owe_what_the_model_says(self):
        stored = dict(Bill.objects.filter(pk__in=self.bills).values_list("pk", "balance"))
        assert stored == {pk: b.owes for pk, b in self.bills.items()}

    @invariant()
    def customers_hold_the_credit_the_model_says(self):
        assert {pk: customer_credit(pk) for pk in self.credits} == self.credits

    @invariant()
    def drawers_hold_what_the_model_says(self):
        for drawer in self.drawers:
            assert drawer_cash_expected(drawer.drawer) == drawer.cash

    @invariant()
    def receipt_numbers_have_no_gap(self):
        year = timezone.localdate().year
        for training in (False, True):
            sequences = list(
                Payment.objects.filter(
                    office=self.office, training=training, receipt_year=year
                ).values_list("receipt_sequence", flat=True)
            )
            count = self.receipts.count[training]
            assert sorted(sequences) == list(range(1, count + 1))
            last = ReceiptSeries.objects.filter(
                office=self.office, training=training, year=year
            ).values_list("last_number", flat=True)
            assert list(last) == ([count] if count else [])


@pytest.mark.django_db(transaction=True)
def test_the_counter_keeps_its_books_whatever_happens(reference, supervisor):
    Counter.supervisor = supervisor
    Counter.second_supervisor = new_user("sup2", Role.SUPERVISOR)
    run_state_machine_as_test(
        Counter,
        settings=settings(
            max_examples=20,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
