"""Property test of the counter: any sequence of drawers opened, bills paid in full or in part,
overpaid (the rest kept as the customer's credit), paid with credit on account, voids, refunds,
returned checks, credit refunds, bill adjustments and cash drops keeps the books balanced, every
bill owing what a small model says, every drawer holding what the model says, every customer's
credit what the model says (and 2100 equal to the customers' credits), and receipt numbers
gapless.

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

from billing.errors import BillingError
from billing.models import Bill, BillAdjustment, BillType, Customer, NumberSeries
from billing.selectors import customer_credit
from billing.services import bill_adjust
from ledger.models import Book
from ledger.selectors import ledger_violations, trial_balance
from payments.errors import DrawerError, NotReversible, PaymentError, PolicyRefused
from payments.models import Payment
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
from tests.payments.conftest import card, cash, check, issue, new_user, window

D = Decimal
CENT = D("0.01")
NONE = D(0)
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
    credit_kept: Decimal = NONE  # an overpayment left on the customer's account
    credit_spent: Decimal = NONE  # credit on account tendered
    step: int = 0  # when it was posted (see Counter.steps)

    @property
    def applied(self) -> Decimal:
        """What the payment took off its bill."""
        return self.total - self.credit_kept


@dataclass
class BillModel:
    bill: Bill
    owes: Decimal
    adjusted_at: int = -1  # the step of its last adjustment


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
        self.credits: dict[int, Decimal] = {c.pk: D(0) for c in self.customers}
        self.steps = itertools.count(1)
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
                payment,
                drawer,
                bill.bill.pk,
                customer_id,
                amount,
                in_cash,
                cheque,
                carded,
                step=next(self.steps),
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
            else (NotReversible, "after this receipt; refund it instead")
            if not paid.drawer.training and self.bills[paid.bill_id].adjusted_at > paid.step
            else (NotReversible, "of credit is left")
            if paid.credit_kept > self.credits[paid.customer_id]
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
            self._reopen(paid, paid.applied)
            self.credits[paid.customer_id] += paid.credit_spent - paid.credit_kept

    @precondition(lambda self: self.payments)
    @rule(data=st.data())
    def refund(self, data):
        paid = data.draw(st.sampled_from(self.payments[::-1]), label="payment")
        out_of = data.draw(st.sampled_from(self.drawers), label="refunding drawer")
        # A check is refunded in cash; credit on account goes back on account.
        in_cash = paid.total - paid.card - paid.credit_spent
        refusal = (
            (NotReversible, "is already") if paid.status != Payment.Status.POSTED
            else (NotReversible, "training receipt from a training drawer")
            if out_of.training != paid.drawer.training
            else (NotReversible, "of credit is left")
            if paid.credit_kept > self.credits[paid.customer_id]
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
            self._reopen(paid, paid.applied)
            self.credits[paid.customer_id] += paid.credit_spent - paid.credit_kept

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

    def _overpayable(self) -> list[BillModel]:
        # The policies keep overpayments on tax and water bills only (not on invoices, such as a
        # returned-check fee).
        kinds = (BillType.PROPERTY_TAX, BillType.WATER_SEWER)
        return [b for b in self._owing() if b.bill.bill_type in kinds]

    @precondition(lambda self: self.drawers and self._overpayable())
    @rule(data=st.data())
    def overpay(self, data):
        # Mostly at a live window: a training overpayment is no one's credit.
        live = [d for d in self.drawers if not d.training] or self.drawers
        drawer = data.draw(st.sampled_from(live), label="drawer")
        bill = data.draw(st.sampled_from(self._overpayable()), label="bill")
        extra = data.draw(st.integers(1, 5000), label="kept as credit") * CENT
        amount = bill.owes + extra
        payment = payment_record(
            drawer=drawer.drawer,
            items=[BillItem(bill.bill.pk, amount, expected_due=bill.owes)],
            tenders=[cash(str(amount))],
            token=uuid.uuid4(),
            by=drawer.clerk,
            accept_overpayment=True,
        )
        event("overpay: done")
        self.receipts.count[drawer.training] += 1
        drawer.cash += amount
        customer_id = bill.bill.customer_id
        kept = D(0)
        if not drawer.training:  # a training overpayment is no one's credit
            kept = extra
            bill.owes = D(0)
            self.credits[customer_id] += extra
        self.payments.append(
            PaymentModel(
                payment, drawer, bill.bill.pk, customer_id, amount, amount, D(0), D(0),
                credit_kept=kept, step=next(self.steps),
            )
        )  # fmt: skip

    def _owing_with_credit(self) -> list[BillModel]:
        return [b for b in self._owing() if self.credits[b.bill.customer_id]]

    @precondition(lambda self: self.drawers and self._owing_with_credit())
    @rule(data=st.data())
    def pay_with_credit(self, data):
        drawer = data.draw(st.sampled_from(self.drawers), label="drawer")
        bill = data.draw(st.sampled_from(self._owing_with_credit()), label="bill")
        customer_id = bill.bill.customer_id
        held = self.credits[customer_id]
        most = int(min(held + CENT, bill.owes) * 100)  # now and then a cent more than held
        spent = data.draw(st.integers(1, most), label="credit applied") * CENT
        in_cash = bill.owes - spent
        tenders = [TenderIn(kind="credit", amount=spent)]
        if in_cash:
            tenders.append(cash(str(in_cash)))
        refusal = (
            (PaymentError, "not spent in training mode") if drawer.training
            else (PaymentError, "of it cannot be applied") if spent > held
            else None
        )  # fmt: skip
        payment = attempt(
            "pay with credit",
            refusal,
            lambda: payment_record(
                drawer=drawer.drawer,
                items=[BillItem(bill.bill.pk, bill.owes, expected_due=bill.owes)],
                tenders=tenders,
                token=uuid.uuid4(),
                by=drawer.clerk,
            ),
        )
        if payment is None:
            return
        self.receipts.count[False] += 1
        drawer.cash += in_cash
        self.credits[customer_id] -= spent
        self.payments.append(
            PaymentModel(
                payment, drawer, bill.bill.pk, customer_id, bill.owes, in_cash, D(0), D(0),
                credit_spent=spent, step=next(self.steps),
            )
        )  # fmt: skip
        bill.owes = D(0)

    @precondition(lambda self: any(self.credits.values()))
    @rule(data=st.data(), by_check=st.booleans())
    def refund_credit(self, data, by_check):
        holders = [pk for pk, held in self.credits.items() if held]
        customer_id = data.draw(st.sampled_from(holders), label="customer")
        held = self.credits[customer_id]
        amount = data.draw(st.integers(1, int(held * 100) + 100), label="refund") * CENT
        live = [d for d in self.drawers if not d.training]
        if not by_check and not live:
            return
        drawer = None if by_check else data.draw(st.sampled_from(live), label="drawer")
        refusal = (
            (PaymentError, "cannot be refunded") if amount > held
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
            bill.adjusted_at = next(self.steps)

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
    def customers_hold_the_credit_the_model_says(self):
        # And 2100 equals the customers' credits: ledger_violations (books_balance) proves it.
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
            series = f"{'training' if training else 'receipt'}:{self.code}"
            last = NumberSeries.objects.filter(name=series, year=year).values_list(
                "last_number", flat=True
            )
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
