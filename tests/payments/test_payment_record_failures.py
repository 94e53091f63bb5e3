"""payments.services.payment_record is one transaction: a failure at any step leaves nothing
behind (no payment, no entry, no bill change, no receipt number used). Transactional tests, so
the commit-time triggers run for real."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError
from django.utils import timezone

import payments.services.posting
import payments.writer
from billing.models import Bill
from billing.selectors import amount_due
from ledger.models import Book, JournalEntry, JournalLine
from ledger.selectors import ledger_violations, trial_balance
from payments.errors import PaymentError
from payments.models import Payment, PaymentItem, ReceiptSeries, Tender
from payments.selectors import drawer_cash_expected, stock_available
from payments.services import BillItem, FeeItem, TenderIn, payment_record
from tests.payments.conftest import fee, issue

D = Decimal


class Boom(RuntimeError):
    pass


def fail(*args, **kwargs):
    raise Boom("the step failed")


def _rows_write_fails(model):
    """The shared writer (payments.writer) fails when it writes `model`'s rows."""
    real = payments.writer.rows_write

    def rows_write(of, rows, **options):
        if of is model:
            raise Boom("the step failed")
        return real(of, rows, **options)

    return lambda mp: mp.setattr(payments.writer, "rows_write", rows_write)


STEPS = {
    "number the receipt": lambda mp: mp.setattr(
        payments.services.posting, "receipt_number_next", fail
    ),
    "post the entry": lambda mp: mp.setattr(payments.writer, "post", fail),
    "create the payment": _rows_write_fails(Payment),
    "save the items": _rows_write_fails(PaymentItem),
    "save the tenders": _rows_write_fails(Tender),
    "update the bill": lambda mp: mp.setattr(payments.writer, "bills_update", fail),
}


def snapshot(bill, drawer) -> dict:
    bill = Bill.objects.get(pk=bill.pk)
    return {
        "payments": Payment.objects.count(),
        "items": PaymentItem.objects.count(),
        "tenders": Tender.objects.count(),
        "entries": JournalEntry.objects.count(),
        "lines": JournalLine.objects.count(),
        "bill": (
            bill.balance,
            bill.principal_balance,
            bill.penalty_balance,
            bill.interest_balance,
            sorted(bill.penalty_assessments.values_list("rule_id", flat=True)),
            bill.interest_months_assessed,
        ),
        "receipts": ReceiptSeries.objects.get(office__code="CH", training=False).last_number,
        "cash": drawer_cash_expected(drawer),
        "tags": stock_available(drawer, fee("tag_sheet")),
    }


@pytest.fixture
def late_bill(dana, supervisor):
    """A bill due in January: paying it now assesses penalty and interest too."""
    return issue(dana, supervisor, amount="500.00", due=date(2026, 1, 31))


@pytest.fixture
def first_receipt(drawer, clerk, dana, supervisor):
    """One payment already posted, so the receipt counter stands at 1."""
    bill = issue(dana, supervisor, amount="10.00")
    return payment_record(
        drawer=drawer,
        items=[BillItem(bill.pk, D("10.00"))],
        tenders=[TenderIn(kind="cash", amount=D("10.00"))],
        token=uuid.uuid4(),
        by=clerk,
    )


def pay(drawer, clerk, bill, token):
    return payment_record(
        drawer=drawer,
        items=[BillItem(bill.pk, D("200.00")), FeeItem(fee("tag_sheet").pk, quantity=2)],
        tenders=[
            TenderIn(kind="check", amount=D("150.00"), check_number="501", check_payer="Dana"),
            TenderIn(kind="cash", amount=D("120.00")),
        ],
        token=token,
        by=clerk,
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("step", list(STEPS))
def test_a_failure_at_any_step_leaves_nothing_behind(
    step, monkeypatch, drawer, clerk, late_bill, first_receipt
):
    # given a bill to pay and the state of the books before
    before = snapshot(late_bill, drawer)
    owed = amount_due(late_bill, timezone.localdate()).total
    assert owed > late_bill.balance  # penalty and interest fall due with this payment
    token = uuid.uuid4()
    STEPS[step](monkeypatch)

    # when the payment fails at this step
    with pytest.raises(Boom, match="the step failed"):
        pay(drawer, clerk, late_bill, token)

    # then nothing of it was saved
    monkeypatch.undo()
    assert snapshot(late_bill, drawer) == before
    balance = trial_balance(book=Book.LIVE)
    assert balance.total_debits == balance.total_credits
    assert ledger_violations() == []
    # and the same cart posted again takes the next receipt number, with no gap
    payment = pay(drawer, clerk, late_bill, token)
    assert payment.receipt_sequence == first_receipt.receipt_sequence + 1
    late_bill.refresh_from_db()
    assert late_bill.balance == owed - D("200.00")


@pytest.mark.django_db(transaction=True)
def test_a_bill_left_unchanged_is_refused_at_commit(
    monkeypatch, drawer, clerk, late_bill, first_receipt
):
    # given a payment whose bill update is silently lost (the code forgot it)
    before = snapshot(late_bill, drawer)
    monkeypatch.setattr(payments.writer, "bills_update", lambda updates: None)

    # when it is posted, then the database refuses the commit: the bill no longer matches its
    # receivable lines (and the clerk reads a message, not a server error)
    with pytest.raises(PaymentError, match="The books refused this payment") as refused:
        pay(drawer, clerk, late_bill, uuid.uuid4())
    assert isinstance(refused.value.__cause__, DatabaseError)
    assert "stored balance of" in str(refused.value.__cause__)

    # and nothing was saved
    monkeypatch.undo()
    assert snapshot(late_bill, drawer) == before
