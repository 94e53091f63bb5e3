"""Races at the counter against the real server: a double submit, ten windows paying the same
bill, a void clicked twice. Each thread has its own connection, as each request would."""

import contextlib
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

import payments.services.refunds
from billing.liens import lien_terms
from billing.models import Bill, LienCertificate
from cashiering.roles import Role
from ledger.models import Book, JournalEntry
from ledger.selectors import ledger_violations, trial_balance
from payments.errors import BillChanged, DrawerError, NotReversible
from payments.models import Drawer, Payment, PaymentReversal, ReceiptSeries
from payments.selectors import drawer_cash_expected
from payments.services import (
    BillItem,
    FeeItem,
    TenderIn,
    cash_movement_record,
    counter_setup_seed,
    drawer_open,
    payment_record,
    payment_refund,
    payment_void,
)
from tests.factories import UserFactory, fund_change_fund
from tests.payments.conftest import cash, issue, new_user, open_drawer, window

D = Decimal
FLOAT = D("210.00")  # open_drawer's float


def pay(drawer, by, bill, amount) -> Payment:
    return payment_record(
        drawer=drawer,
        items=[BillItem(bill.pk, D(amount))],
        tenders=[cash(amount)],
        token=uuid.uuid4(),
        by=by,
    )


def race(*calls: Callable[[], object]) -> tuple[list[object], list[BaseException]]:
    """Run each call in its own thread, all released at once; what they returned and raised."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(call: Callable[[], object]) -> None:
        try:
            barrier.wait()
            result = call()
            with lock:
                results.append(result)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_a_double_submit_posts_one_payment_and_both_get_its_receipt(
    drawer, clerk, dana, supervisor
):
    # given a bill and one cart, submitted twice at once with the same token
    bill = issue(dana, supervisor, amount="125.00")
    token = uuid.uuid4()

    def submit() -> Payment:
        return payment_record(
            drawer=drawer,
            items=[BillItem(bill.pk, D("125.00"), expected_due=D("125.00"))],
            tenders=[TenderIn(kind="cash", amount=D("130.00"))],
            token=token,
            by=clerk,
        )

    # when both requests race
    results, errors = race(submit, submit)

    # then one payment was posted and both requests show its receipt
    assert errors == []
    assert Payment.objects.count() == 1
    payment = Payment.objects.get()
    assert [p.receipt_number for p in results] == [payment.receipt_number] * 2
    assert JournalEntry.objects.filter(source="payment").count() == 1
    bill.refresh_from_db()
    assert bill.balance == 0
    series = ReceiptSeries.objects.get(office__code="CH", training=False, year=payment.receipt_year)
    assert series.last_number == 1


@pytest.mark.django_db(transaction=True)
def test_ten_windows_paying_the_same_bill_in_full_post_it_once(reference, dana, supervisor):
    # given ten clerks, each with a drawer open at their own window, and one bill of $300
    office = counter_setup_seed(office_code="CH", office_name="Chamberlain's Office", windows=10)
    fund_change_fund(office)
    clerks_group = Group.objects.get(name=Role.CLERK)
    drawers = []
    for number in range(1, 11):
        clerk = UserFactory(username=f"window{number}")
        clerk.groups.add(clerks_group)
        drawers.append(open_drawer(clerk, office, number=number))
    bill = issue(dana, supervisor, amount="300.00")
    entries_before = JournalEntry.objects.count()

    def pay_at(drawer) -> Callable[[], Payment]:
        return lambda: payment_record(
            drawer=drawer,
            items=[BillItem(bill.pk, D("300.00"), expected_due=D("300.00"))],
            tenders=[TenderIn(kind="cash", amount=D("300.00"))],
            token=uuid.uuid4(),
            by=drawer.clerk,
        )

    # when all ten post at once
    results, errors = race(*(pay_at(drawer) for drawer in drawers))

    # then exactly one payment stands and the other nine were told the bill owes nothing now
    assert len(results) == 1
    assert len(errors) == 9
    assert all(isinstance(error, BillChanged) for error in errors), errors
    for error in errors:
        assert f"bill {bill.number} now owes $0.00" in str(error)
        assert error.refreshed == {bill.pk: D("0.00")}
    assert Payment.objects.count() == 1
    assert JournalEntry.objects.count() == entries_before + 1
    bill.refresh_from_db()
    assert bill.balance == 0
    balance = trial_balance(book=Book.LIVE)
    assert balance.total_debits == balance.total_credits
    assert ledger_violations() == []
    # and the receipt numbers have no gap
    payment = Payment.objects.get()
    assert payment.receipt_sequence == 1
    assert payment.receipt_number.endswith("-000001")
    assert ReceiptSeries.objects.get(office__code="CH").last_number == 1


@pytest.mark.django_db(transaction=True)
def test_a_void_clicked_twice_voids_once(drawer, clerk, dana, supervisor):
    # given a posted payment
    bill = issue(dana, supervisor, amount="80.00")
    payment = payment_record(
        drawer=drawer,
        items=[BillItem(bill.pk, D("80.00"))],
        tenders=[TenderIn(kind="cash", amount=D("80.00"))],
        token=uuid.uuid4(),
        by=clerk,
    )

    def void() -> PaymentReversal:
        return payment_void(payment=payment, reason="Wrong bill", by=clerk, approved_by=supervisor)

    # when two voids race
    results, errors = race(void, void)

    # then one void stands, one reversing entry was posted, and the other was refused
    assert len(results) == 1
    assert len(errors) == 1
    assert isinstance(errors[0], NotReversible)
    assert f"Receipt {payment.receipt_number} is already voided" in str(errors[0])
    assert PaymentReversal.objects.filter(payment=payment).count() == 1
    assert JournalEntry.objects.filter(reverses_id=payment.entry_id).count() == 1
    bill.refresh_from_db()
    assert bill.balance == D("80.00")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.VOIDED
    assert ledger_violations() == []


@pytest.mark.django_db(transaction=True)
def test_two_refunds_each_paid_out_of_the_others_drawer_both_go_through(
    monkeypatch, drawer, clerk, office, dana, supervisor
):
    # given two clerks' drawers, each of which took a payment
    other_clerk = new_user("second-clerk")
    other_drawer = open_drawer(other_clerk, office, number=2)
    first_bill = issue(dana, supervisor, amount="30.00")
    second_bill = issue(dana, supervisor, amount="40.00")
    first = pay(drawer, clerk, first_bill, "30.00")
    second = pay(other_drawer, other_clerk, second_bill, "40.00")
    # and each refund, once it holds the drawer it pays out of, waits for the other to get as
    # far (if the other cannot, because it waits for a lock, it goes on after a moment)
    meet = threading.Barrier(2)
    real = payments.services.refunds._open_drawer_locked

    def locked_then_meet(target):
        result = real(target)
        with contextlib.suppress(threading.BrokenBarrierError):
            meet.wait(timeout=2)
        return result

    monkeypatch.setattr(payments.services.refunds, "_open_drawer_locked", locked_then_meet)

    def refund(payment, by, out_of):
        return lambda: payment_refund(
            payment=payment, reason="Paid twice", by=by, approved_by=supervisor, drawer=out_of
        )

    # when each drawer refunds the other's payment at the same moment
    results, errors = race(refund(first, other_clerk, other_drawer), refund(second, clerk, drawer))

    # then both refunds are done (neither was chosen as a deadlock's victim)
    assert errors == []
    assert len(results) == 2
    assert {p.status for p in Payment.objects.all()} == {Payment.Status.REFUNDED}
    assert drawer_cash_expected(drawer) == FLOAT + D("30.00") - D("40.00")
    assert drawer_cash_expected(other_drawer) == FLOAT + D("40.00") - D("30.00")
    assert Bill.objects.get(pk=first_bill.pk).balance == D("30.00")
    assert Bill.objects.get(pk=second_bill.pk).balance == D("40.00")
    assert ledger_violations() == []


@pytest.mark.django_db(transaction=True)
def test_two_drops_at_once_cannot_take_more_than_the_drawer_holds(drawer, clerk):
    # given a drawer holding its $210 float
    def drop():
        return cash_movement_record(drawer=drawer, kind="drop", amount=D("150.00"), by=clerk)

    # when two drops of $150 are recorded at once
    results, errors = race(drop, drop)

    # then one is taken and the other refused with what is left
    assert len(results) == 1
    assert len(errors) == 1
    assert isinstance(errors[0], DrawerError)
    assert "should hold $60.00 in cash; $150.00 cannot come out of it" in str(errors[0])
    assert drawer_cash_expected(drawer) == D("60.00")


@pytest.mark.django_db(transaction=True)
def test_a_drawer_opened_twice_at_once_is_opened_once(office, clerk):
    # given one open-drawer form, submitted twice at once
    token = uuid.uuid4()

    def submit():
        return drawer_open(
            clerk=clerk, workstation=window(office, 1), counts={"$20 bills": 10}, token=token
        )

    # when both race
    results, errors = race(submit, submit)

    # then one drawer is open and both requests show it
    assert errors == []
    assert Drawer.objects.count() == 1
    assert {d.pk for d in results} == {Drawer.objects.get().pk}
    assert JournalEntry.objects.filter(source="drawer_open").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_windows_selling_lien_searches_at_once_number_them_without_a_gap(
    office, clerk, two_years
):
    # given two windows, and a lien search on the same parcel at each
    other = new_user("clerk-window-2")
    first, second = open_drawer(clerk, office, number=1), open_drawer(other, office, number=2)
    search = FeeItem(
        fee_type_id=lien_terms().fee_type_id,
        parcel_id=two_years["A"].property_id,
        good_through=timezone.localdate() + timedelta(days=5),
    )

    def sell(drawer, by, *, fails=False) -> Callable[[], Payment]:
        def call() -> Payment:
            with transaction.atomic():
                payment = payment_record(
                    drawer=drawer,
                    items=[search],
                    tenders=[cash("25.00")],
                    token=uuid.uuid4(),
                    by=by,
                )
                if fails:  # the number is taken, held a moment, then given back
                    connection.cursor().execute("SELECT pg_sleep(0.3)")
                    raise RuntimeError("the visit's transaction failed after numbering")
                return payment

        return call

    # when one sale rolls back while the other waits for the number, then both sell at once
    _, errors = race(sell(first, clerk, fails=True), sell(second, other))
    race(sell(first, clerk), sell(second, other))

    # then three certificates stand, numbered 1, 2 and 3 of the year, each on its own receipt
    assert [str(e) for e in errors] == ["the visit's transaction failed after numbering"]
    numbers = sorted(LienCertificate.objects.values_list("sequence", flat=True))
    assert numbers == [1, 2, 3]
    assert Payment.objects.count() == 3
    assert ledger_violations() == []
