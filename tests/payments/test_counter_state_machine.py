"""Property test of the counter: any sequence of drawers opened, bills paid in full or in part,
voids, refunds, returned checks and cash drops keeps the books balanced, every bill owing what
a small model says, every drawer holding what the model says, and receipt numbers gapless.

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
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from billing.models import Bill, BillType, Customer
from ledger.models import Book
from ledger.selectors import ledger_violations, trial_balance
from payments.errors import DrawerError, NotReversible, PaymentError, PolicyRefused
from payments.models import Payment, ReceiptSeries
from payments.selectors import drawer_cash_expected
from payments.services import (
    BillItem,
    cash_movement_record,
    counter_setup_seed,
    drawer_open,
    payment_record,
    payment_refund,
    payment_void,
    returned_check_record,
)
from tests.payments.conftest import card, cash, check, issue, new_user, window

D = Decimal
CENT = D("0.01")
WINDOWS = 3
OFFICES = itertools.count(1)
TENDERS = ["cash", "cash with change", "check", "card", "check and cash", "card and cash"]

cents = st.integers(min_value=1, max_value=500_000).map(lambda n: D(n) / 100)


@dataclass
class DrawerModel:
    drawer: object
    clerk: object
    training: bool
    cash: Decimal  # what the drawer should hold in cash


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
    status: str = Payment.Status.POSTED


@dataclass
class BillModel:
    bill: Bill
    owes: Decimal


@dataclass
class Receipts:
    count: dict[bool, int] = field(default_factory=lambda: {False: 0, True: 0})


def attempt(what: str, refusal: tuple[type[PaymentError], str] | None, action):
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

    def __init__(self):
        super().__init__()
        number = next(OFFICES)
        self.code = f"SM{number}"
        self.office = counter_setup_seed(
            office_code=self.code, office_name=f"State machine office {number}", windows=WINDOWS
        )
        self.customers = [
            Customer.objects.create(name=f"{name} {self.code}") for name in ("Ada", "Ben")
        ]
        self.refused: set[int] = set()
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

    def _pay(self, data, drawer: DrawerModel, bill: BillModel, amount: Decimal) -> None:
        style = data.draw(st.sampled_from(TENDERS), label="tenders")
        part = amount
        if "and cash" in style and amount >= 2 * CENT:
            part = data.draw(st.integers(1, int(amount * 100) - 1), label="non-cash part") * CENT
        extra = data.draw(st.integers(1, 5000), label="change") * CENT if "change" in style else 0
        cheque = part if style.startswith("check") else D(0)
        carded = part if style.startswith("card") else D(0)
        in_cash = amount - cheque - carded
        tenders = []
        if cheque:
            tenders.append(check(str(cheque), number=str(len(self.payments) + 100)))
        if carded:
            tenders.append(card(str(carded)))
        if in_cash:
            tenders.append(cash(str(in_cash + extra)))
        customer_id = bill.bill.customer_id
        call = dict(
            drawer=drawer.drawer,
            items=[BillItem(bill.bill.pk, amount, expected_due=bill.owes)],
            tenders=tenders,
            token=uuid.uuid4(),
            by=drawer.clerk,
        )
        refused = cheque and customer_id in self.refused
        refusal = (PolicyRefused, "no checks are accepted") if refused else None
        payment = attempt(f"pay by {style}", refusal, lambda: payment_record(**call))
        if payment is None:
            return
        assert payment.total == amount
        assert payment.change == extra
        self.receipts.count[drawer.training] += 1
        drawer.cash += in_cash
        if not drawer.training:
            bill.owes -= amount
        self.payments.append(
            PaymentModel(
                payment, drawer, bill.bill.pk, customer_id, amount, in_cash, cheque, carded
            )
        )

    def _reopen(self, paid: PaymentModel, amount: Decimal) -> None:
        if not paid.drawer.training:
            self.bills[paid.bill_id].owes += amount

    # rules

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

    @precondition(lambda self: self.payments)
    @rule(data=st.data())
    def void(self, data):
        # The last payment first: shrinking moves towards it.
        paid = data.draw(st.sampled_from(self.payments[::-1]), label="payment")
        later = [
            p
            for p in self.payments[self.payments.index(paid) + 1 :]
            if p.bill_id == paid.bill_id
            and p.drawer.training == paid.drawer.training
            and p.status != Payment.Status.VOIDED  # a refund keeps what it assessed
        ]
        refusal = (
            (NotReversible, "is already") if paid.status != Payment.Status.POSTED
            else (NotReversible, "was paid again after this") if later
            else (NotReversible, "cannot be paid back out of it")
            if paid.cash > paid.drawer.cash
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
            paid.drawer.cash -= paid.cash
            self._reopen(paid, paid.total)

    @precondition(lambda self: self.payments)
    @rule(data=st.data())
    def refund(self, data):
        paid = data.draw(st.sampled_from(self.payments[::-1]), label="payment")
        out_of = data.draw(st.sampled_from(self.drawers), label="refunding drawer")
        in_cash = paid.total - paid.card  # a check is refunded in cash
        refusal = (
            (NotReversible, "is already") if paid.status != Payment.Status.POSTED
            else (NotReversible, "training receipt from a training drawer")
            if out_of.training != paid.drawer.training
            else (NotReversible, "cannot be paid out of it") if in_cash > out_of.cash
            else None
        )  # fmt: skip
        done = attempt(
            "refund",
            refusal,
            lambda: payment_refund(
                payment=paid.payment,
                reason="Paid twice",
                by=out_of.clerk,
                approved_by=self.supervisor,
                drawer=out_of.drawer,
            ),
        )
        if done:
            paid.status = Payment.Status.REFUNDED
            out_of.cash -= in_cash
            self._reopen(paid, paid.total)

    @precondition(lambda self: any(p.check for p in self.payments))
    @rule(data=st.data())
    def returned_check(self, data):
        checks = [p for p in self.payments[::-1] if p.check]
        paid = data.draw(st.sampled_from(checks), label="payment")
        refusal = (
            (NotReversible, "is already") if paid.status != Payment.Status.POSTED
            else (NotReversible, "Training receipts take no real checks")
            if paid.drawer.training
            else None
        )  # fmt: skip
        reversal = attempt(
            "returned check",
            refusal,
            lambda: returned_check_record(payment=paid.payment, reason="NSF", by=self.supervisor),
        )
        if reversal:
            paid.status = Payment.Status.RETURNED
            self._reopen(paid, paid.check)
            self.refused.add(paid.customer_id)
            fee_bill = reversal.fee_bill
            assert fee_bill.customer_id == paid.customer_id
            self.bills[fee_bill.pk] = BillModel(fee_bill, D("20.00"))

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
        assert ledger_violations() == []

    @invariant()
    def bills_owe_what_the_model_says(self):
        stored = dict(Bill.objects.filter(pk__in=self.bills).values_list("pk", "balance"))
        assert stored == {pk: b.owes for pk, b in self.bills.items()}

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
    run_state_machine_as_test(
        Counter,
        settings=settings(
            max_examples=15,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
