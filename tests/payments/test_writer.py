"""payments.writer and payments.allocation: the one writer and the one bill-payment rule that
the counter and the remittance batches share."""

import gc
import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from billing.errors import BillingError
from billing.models import Bill, PenaltyAssessment
from billing.penalties import AmountDue
from cashiering.bulk import collector_paused
from ledger.chart import CUSTOMER_CREDITS
from ledger.models import Account, JournalEntry
from payments.allocation import bill_payment_applied
from payments.models import Payment, Tender, TenderKind
from payments.remittance_files import remittance_file_write
from payments.services import BillItem, TenderIn, payment_record
from payments.services.remittance import remittance_file_import, remittance_sources_seed
from payments.writer import (
    INSERT_AT_MOST,
    copy_rows,
    ids_reserved,
    model_new,
    penalty_assessments_bulk,
    rows_write,
)
from tests.payments.conftest import issue

D = Decimal


def due(principal="100.00", penalty="0.00", interest="0.00", new_penalty="0.00", new_interest="0"):
    """What a bill owes, as billing.penalties.compute_amount_due gives it."""
    return AmountDue(
        principal=D(principal),
        penalty=D(penalty),
        interest=D(interest),
        new_penalty=D(new_penalty),
        new_interest=D(new_interest),
        interest_months=2,
        penalty_rules=frozenset({1}),
        new_penalty_rules=frozenset(),
    )


@pytest.fixture
def accounts(reference):
    return {a.code: a for a in Account.objects.filter(code__in=["4900", CUSTOMER_CREDITS])}


@pytest.fixture
def bill(dana, clerk, reference):
    return issue(dana, clerk, amount="100.00")


@pytest.mark.django_db
class TestBillPaymentApplied:
    def test_penalty_then_interest_then_principal(self, bill, accounts):
        # given a bill owing $5 penalty, $3 interest and $100 principal
        owed = due(penalty="5.00", interest="3.00")

        # when $6.50 is paid
        applied = bill_payment_applied(
            bill, owed, D("6.50"), accounts, bill_ref=bill.pk, credit_customer_id=None
        )

        # then the penalty is paid first, then interest, and no principal
        assert (
            applied.item["penalty_paid"],
            applied.item["interest_paid"],
            applied.item["principal_paid"],
        ) == (D("5.00"), D("1.50"), D("0.00"))
        assert applied.bill_update["balance"] == D("101.50")
        assert applied.bill_update["interest_balance"] == D("1.50")
        assert sum(line.amount for line in applied.lines) == D("-6.50")

    def test_an_overpayment_is_the_customers_credit(self, bill, accounts):
        applied = bill_payment_applied(
            bill, due(), D("100.01"), accounts, bill_ref=bill.pk, credit_customer_id=7
        )
        assert applied.pay == D("100.00")
        assert applied.item["credit"] == D("0.01")
        credit = [line for line in applied.lines if line.account.code == CUSTOMER_CREDITS]
        assert [(c.amount, c.customer_id) for c in credit] == [(D("-0.01"), 7)]
        assert applied.bill_update["balance"] == D("0.00")

    def test_newly_assessed_penalty_is_booked_before_it_is_paid(self, bill, accounts):
        owed = due(penalty="5.00", new_penalty="5.00")
        applied = bill_payment_applied(
            bill, owed, D("105.00"), accounts, bill_ref=None, credit_customer_id=None
        )
        memos = [(line.amount, line.bill_id) for line in applied.lines]
        # Dr receivable 5 (assessed), Cr 4900 5, Cr receivable 105; no bill named (training)
        assert memos == [(D("5.00"), None), (D("-5.00"), None), (D("-105.00"), None)]
        assert applied.item["penalty_assessed"] == D("5.00")
        assert applied.item["balance_after"] == D("0.00")


@pytest.mark.django_db
class TestRowsWritten:
    def test_copy_escapes_text_and_writes_nulls_booleans(self, bill, dana, clerk, drawer):
        # given a real receipt to hang tenders on
        payment = payment_record(
            drawer=drawer,
            items=[BillItem(bill_id=bill.pk, amount=D("10.00"))],
            tenders=[TenderIn(kind="cash", amount=D("10.00"))],
            by=clerk,
            token=uuid.uuid4(),
        )
        payers = ["Tab\there", "Line\nend", "Back\\slash", "Carriage\rreturn", "Plain"]
        rows = [
            model_new(
                Tender,
                payment_id=payment.pk,
                kind=TenderKind.CHECK,
                amount=D("0.01"),
                check_number=str(n),
                check_payer=payer,
            )
            for n, payer in enumerate(payers)
        ]
        ids = ids_reserved(Tender, len(rows))
        for row, pk in zip(rows, ids, strict=True):
            row.pk = pk

        # when they are written by COPY
        copy_rows(Tender, rows)

        # then every value reads back as it was written
        read = dict(Tender.objects.filter(pk__in=ids).values_list("check_payer", "returned"))
        assert read == dict.fromkeys(payers, False)

    def test_a_few_rows_are_inserted_with_the_database_defaults_read_back(
        self, bill, drawer, clerk
    ):
        # given the counter's receipt (one INSERT for its payment row)
        payment = payment_record(
            drawer=drawer,
            items=[BillItem(bill_id=bill.pk, amount=D("25.00"))],
            tenders=[TenderIn(kind="cash", amount=D("25.00"))],
            by=clerk,
            token=uuid.uuid4(),
        )

        # then the returned payment has its id and the time the database stamped on it
        stored = Payment.objects.get(pk=payment.pk)
        assert payment.posted_at == stored.posted_at
        assert payment.posted_at is not None
        assert isinstance(payment.entry, JournalEntry)
        assert payment.items.get().bill_id == bill.pk

    def test_many_rows_go_by_copy_with_reserved_ids(self, bill, drawer, clerk):
        payment = payment_record(
            drawer=drawer,
            items=[BillItem(bill_id=bill.pk, amount=D("1.00"))],
            tenders=[TenderIn(kind="cash", amount=D("1.00"))],
            by=clerk,
            token=uuid.uuid4(),
        )
        rows = [
            model_new(Tender, payment_id=payment.pk, kind=TenderKind.CASH, amount=D("0.01"))
            for _ in range(INSERT_AT_MOST + 1)
        ]
        rows_write(Tender, rows)
        assert all(row.pk for row in rows)
        assert Tender.objects.filter(pk__in=[r.pk for r in rows]).count() == len(rows)


def test_model_new_calls_callable_defaults_per_instance():
    # given two payments built without their overrides
    first, second = model_new(Payment), model_new(Payment)
    # then each has a list of its own (the default `list` is called per instance, not shared)
    assert first.overrides == [] and first.overrides is not second.overrides


def test_model_new_refuses_a_name_that_is_no_field():
    with pytest.raises(TypeError, match="no field bill"):
        model_new(Tender, bill=1)


def test_the_collector_is_back_on_after_a_batch_even_when_it_fails():
    assert gc.isenabled()
    with pytest.raises(RuntimeError), collector_paused():
        assert not gc.isenabled()
        raise RuntimeError("the batch failed")
    assert gc.isenabled()


@pytest.mark.django_db
def test_counter_and_batch_rule_agree_on_a_late_bill(dana, clerk, drawer, accounts):
    """The counter's payment of a late bill comes out as bill_payment_applied says."""
    late = issue(dana, clerk, amount="200.00", due=timezone.localdate() - timedelta(days=40))
    payment = payment_record(
        drawer=drawer,
        items=[BillItem(bill_id=late.pk, amount=D("50.00"))],
        tenders=[TenderIn(kind="cash", amount=D("50.00"))],
        by=clerk,
        token=uuid.uuid4(),
    )
    item = payment.items.get()
    bill = Bill.objects.get(pk=late.pk)
    assert item.penalty_paid + item.interest_paid + item.principal_paid == D("50.00")
    assert bill.balance == item.balance_after
    assert item.penalty_paid == min(D("50.00"), item.penalty_assessed)


@pytest.mark.django_db
def test_the_returned_payment_is_a_saved_row_as_the_orm_gives_one(bill, drawer, clerk):
    # given the counter's receipt, written by one INSERT ... RETURNING
    payment = payment_record(
        drawer=drawer,
        items=[BillItem(bill_id=bill.pk, amount=D("25.00"))],
        tenders=[TenderIn(kind="cash", amount=D("25.00"))],
        by=clerk,
        token=uuid.uuid4(),
    )

    # when it is validated as a row already in the table (a form or the admin would)
    payment.validate_unique()

    # then it is not taken for a new receipt that repeats its own number and token
    assert (payment._state.adding, payment._state.db) == (False, "default")


@pytest.mark.django_db
def test_a_penalty_event_assessed_twice_is_refused_naming_its_bill(dana, clerk, drawer):
    # given a late bill paid at the window, which assessed its penalty events
    late = issue(dana, clerk, amount="500.00", due=date(2026, 1, 31))
    payment = payment_record(
        drawer=drawer,
        items=[BillItem(bill_id=late.pk, amount=D("600.00"))],
        tenders=[TenderIn(kind="cash", amount=D("600.00"))],
        by=clerk,
        token=uuid.uuid4(),
    )
    rules = frozenset(PenaltyAssessment.objects.filter(bill=late).values_list("rule_id", flat=True))
    assert rules

    # when a write assesses the same events again, then it is refused, naming the bill
    refused = f"A penalty on bill {late.number} was already"
    with pytest.raises(BillingError, match=refused), transaction.atomic():
        penalty_assessments_bulk([(late.pk, rules)], payment.entry_id)


# Text that COPY's text format and INSERT's parameters must carry as typed: quotes, tabs, line
# ends, backslashes (COPY's own \N and \.), other scripts, emoji, a 200-character maximum.
AWKWARD_NAMES = [
    'O\'Brien "Jr"',
    "Tab\there",
    "Line\nend",
    "Back\\slash \\N \\t",
    "\\.",
    "NULL",
    "Zoë Ωμέγα 名前 🏠",
    "x" * 200,
]


@pytest.mark.django_db
@pytest.mark.parametrize("name", AWKWARD_NAMES)
def test_the_counter_stores_a_payer_and_check_payer_as_typed(bill, drawer, clerk, name):
    # when a visit names an awkward payer, who also wrote the check
    payment = payment_record(
        drawer=drawer,
        items=[BillItem(bill_id=bill.pk, amount=D("1E+1"))],
        tenders=[TenderIn(kind="check", amount=D("10.00"), check_number="7", check_payer=name)],
        by=clerk,
        token=uuid.uuid4(),
        payer_name=name,
    )

    # then what is stored is what was typed, and what the returned receipt says
    stored = Payment.objects.get(pk=payment.pk)
    assert stored.payer_name == payment.payer_name == name
    assert stored.tenders.get().check_payer == name
    assert stored.total == payment.total == D("10.00")


@pytest.mark.django_db
def test_a_lockbox_file_of_more_than_insert_at_most_stores_payers_as_sent(office, clerk, dana):
    # given a lockbox file paying more bills than one INSERT takes (so COPY writes them)
    lockbox, _ = remittance_sources_seed(office=office)
    bills = [issue(dana, clerk, amount="10.10") for _ in range(INSERT_AT_MOST + 2)]
    payers = [AWKWARD_NAMES[n % len(AWKWARD_NAMES)] for n in range(len(bills))]
    rows = [
        {"scanline": b.number, "amount": b.balance, "check_number": str(n), "check_payer": p}
        for n, (b, p) in enumerate(zip(bills, payers, strict=True), start=1)
    ]
    content = remittance_file_write("lockbox", rows, deposit_date=timezone.localdate())

    # when it is imported and posted
    batch = remittance_file_import(source=lockbox, file_name="l.csv", content=content, by=clerk)

    # then each receipt and check names its payer as the file did
    assert batch.status == "posted"
    stored = dict(
        Tender.objects.filter(payment__drawer=batch.drawer).values_list(
            "payment__items__bill_id", "check_payer"
        )
    )
    assert stored == {b.pk: p for b, p in zip(bills, payers, strict=True)}
    assert set(
        Payment.objects.filter(drawer=batch.drawer).values_list("payer_name", flat=True)
    ) == set(payers)
