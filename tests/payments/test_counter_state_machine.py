"""Property test of the counter: any sequence of drawers opened, bills paid in full or in part
(with one or two checks among the tenders), voids, whole and partial refunds, returned checks
(one check of several, before or after a refund) and cash drops keeps the books balanced, every
bill owing what a small model says, every drawer holding what the model says, and receipt
numbers gapless. Some offices let checks clear at once (`check_clearing_days` 0), so refunds of
check money are both refused (not cleared) and paid.

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

from billing.models import Bill, BillType, Customer
from ledger.models import Book
from ledger.money import ZERO
from ledger.selectors import ledger_violations, trial_balance
from payments.errors import DrawerError, NotReversible, PaymentError, PolicyRefused
from payments.models import Office, Payment, ReceiptSeries, Tender
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
    taken_back: Decimal = ZERO  # by refunds and returned checks
    card_refunded: Decimal = ZERO
    other_refunded: Decimal = ZERO  # refunded in cash (or by city check)

    @property
    def standing(self) -> Decimal:
        return self.total - self.taken_back


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
        self.cleared = False  # set by the first step, `clearing`
        self.seq = itertools.count(1)
        self.postings: dict[int, list[Posting]] = {}
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

    def _posted(self, bill_id: int, training: bool) -> Posting:
        posting = Posting(next(self.seq))
        if not training:
            self.postings.setdefault(bill_id, []).append(posting)
        return posting

    def _pay(self, data, drawer: DrawerModel, bill: BillModel, amount: Decimal) -> None:
        style = data.draw(st.sampled_from(TENDERS), label="tenders")
        part = amount
        if ("and cash" in style or style == "two checks") and amount >= 2 * CENT:
            part = data.draw(st.integers(1, int(amount * 100) - 1), label="non-cash part") * CENT
        extra = data.draw(st.integers(1, 5000), label="change") * CENT if "change" in style else 0
        cheque = amount if style == "two checks" else part if style.startswith("check") else D(0)
        carded = part if style.startswith("card") else D(0)
        in_cash = amount - cheque - carded
        customer_id = bill.bill.customer_id
        writer = bill.bill.customer.name
        tenders = []
        if style == "two checks" and amount >= 2 * CENT:
            number = len(self.payments) + 100
            tenders.append(check(str(part), number=f"{number}1", payer=writer))
            tenders.append(check(str(amount - part), number=f"{number}2", payer=writer))
        elif cheque:
            tenders.append(check(str(cheque), number=str(len(self.payments) + 100), payer=writer))
        if carded:
            tenders.append(card(str(carded)))
        if in_cash:
            tenders.append(cash(str(in_cash + extra)))
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
        checks = [
            CheckModel(t, t.amount) for t in payment.tenders.order_by("id") if t.kind == "check"
        ]
        posting = self._posted(bill.bill.pk, drawer.training)
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
                posting,
                checks,
            )
        )

    def _reopen(self, paid: PaymentModel, amount: Decimal) -> None:
        if not paid.drawer.training:
            self.bills[paid.bill_id].owes += amount

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
            (NotReversible, "is already")
            if paid.status == Payment.Status.VOIDED
            or (paid.status != Payment.Status.POSTED and not paid.standing)
            else (NotReversible, "refunded in part or had a check returned")
            if paid.taken_back or any(c.returned for c in paid.checks)
            else (NotReversible, "cannot be paid back out of it")
            if paid.cash > paid.drawer.cash
            else (NotReversible, "was paid again after this") if later
            else (NotReversible, "changed after this receipt")
            if not paid.drawer.training and self._changed_after(paid)
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
            self._reopen(paid, paid.total)

    @precondition(lambda self: self.payments)
    @rule(data=st.data())
    def refund(self, data):
        paid = data.draw(st.sampled_from(self.payments[::-1]), label="payment")
        out_of = data.draw(st.sampled_from(self.drawers), label="refunding drawer")
        whole = data.draw(st.booleans(), label="whole")
        amount = None
        if not whole and paid.standing >= 2 * CENT:
            amount = data.draw(st.integers(1, int(paid.standing * 100) - 1), label="part") * CENT
        asked = paid.standing if amount is None else amount
        card_part = min(asked, max(paid.card - paid.card_refunded, D(0)))
        rest = asked - card_part
        cash_left = max(paid.cash - paid.other_refunded, D(0))
        by_check = max(rest - cash_left, D(0))
        refusal = (
            (NotReversible, "is already")
            if paid.status == Payment.Status.VOIDED
            or (paid.status != Payment.Status.POSTED and not paid.standing)
            else (NotReversible, "training receipt from a training drawer")
            if out_of.training != paid.drawer.training
            else (NotReversible, "may still return until it clears")
            if by_check and not self.cleared
            else (NotReversible, "cannot be paid out of it") if rest > out_of.cash
            else None
        )  # fmt: skip
        done = attempt(
            "refund" if amount is None else "partial refund",
            refusal,
            lambda: payment_refund(
                payment=paid.payment,
                reason="Paid twice",
                by=out_of.clerk,
                approved_by=self.supervisor,
                drawer=out_of.drawer,
                amount=amount,
            ),
        )
        if done:
            assert (done.amount, done.card_amount) == (asked, card_part)
            if asked == paid.standing:
                paid.status = Payment.Status.REFUNDED
            out_of.cash -= rest
            paid.taken_back += asked
            paid.card_refunded += card_part
            paid.other_refunded += rest
            self._reopen(paid, asked)
            self._posted(paid.bill_id, paid.drawer.training)

    @precondition(lambda self: any(p.checks for p in self.payments))
    @rule(data=st.data())
    def returned_check(self, data):
        with_checks = [p for p in self.payments[::-1] if p.checks]
        paid = data.draw(st.sampled_from(with_checks), label="payment")
        bounced = data.draw(st.sampled_from(paid.checks), label="check")
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
            reopen = min(bounced.amount, paid.standing)
            billed = bounced.amount - reopen
            assert (reversal.taken_back, reversal.billed) == (reopen, billed)
            event("returned check: billed a refunded amount" if billed else "returned check")
            bounced.returned = True
            if paid.status == Payment.Status.POSTED:
                paid.status = Payment.Status.RETURNED
            paid.taken_back += reopen
            self._reopen(paid, reopen)
            if reopen:
                self._posted(paid.bill_id, False)
            self.refused.add(paid.customer_id)
            fee_bill = reversal.fee_bill
            assert fee_bill.customer_id == paid.customer_id
            self.bills[fee_bill.pk] = BillModel(fee_bill, D("20.00") + billed)

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
