"""payments.services.returned_check_record: one check at a time, whenever the bank returns it
(issue 8 §5), and the check writer's flag that follows the name on the check.

Transactional: the commit-time checks (every entry balances, every bill's balance matches its
receivable lines) run on what each test did."""

import uuid
from decimal import Decimal

import pytest

from billing.models import Bill, BillType, Customer
from ledger.models import JournalLine
from payments.errors import NotReversible, PaymentError, PolicyRefused
from payments.models import CheckWriterFlag, Office, Payment, PaymentReversal, Tender
from payments.services import (
    BillItem,
    FeeItem,
    payment_record,
    payment_refund,
    payment_void,
    returned_check_record,
)
from tests.payments.conftest import cash, check, fee, issue
from tests.payments.test_reversals import books_are_clean, lines_of, pay

D = Decimal
FEE = D("20.00")  # the demo city's returned-check fee
transactional = pytest.mark.django_db(transaction=True)


def checks_of(payment: Payment) -> list[Tender]:
    return list(payment.tenders.filter(kind="check").order_by("id"))


def clear_checks_at_once(office) -> None:
    Office.objects.filter(pk=office.pk).update(check_clearing_days=0)


@transactional
def test_one_of_two_checks_bounces_only_it_is_returned(drawer, clerk, dana, supervisor):
    # given two bills paid on one receipt with two checks: $300.00 + $200.00 for $500.00
    first = issue(dana, supervisor, amount="300.00")
    second = issue(dana, supervisor, amount="200.00")
    payment = payment_record(
        drawer=drawer,
        items=[BillItem(first.pk, D("300.00")), BillItem(second.pk, D("200.00"))],
        tenders=[check("250.00", number="501"), check("250.00", number="502")],
        token=uuid.uuid4(),
        by=clerk,
    )
    check_501, check_502 = checks_of(payment)

    # when the bank returns check 502 only
    reversal = returned_check_record(
        payment=payment, check=check_502, reason="NSF 11/30", by=supervisor
    )

    # then only its $250.00 is taken back, last applied first: all $200.00 of the second bill,
    # then $50.00 of the first; one fee of $20.00 is billed, and check 501 stands
    assert Bill.objects.get(pk=second.pk).balance == D("200.00")
    assert Bill.objects.get(pk=first.pk).balance == D("50.00")
    assert lines_of(reversal.entry) == sorted(
        [
            # issue 9: taken back from wherever the check is, here still its drawer
            ("1010", D("-250.00"), None, drawer.pk),
            ("1200", D("200.00"), second.pk, None),
            ("1200", D("50.00"), first.pk, None),
        ]
    )
    assert (reversal.tender, reversal.amount, reversal.taken_back, reversal.billed) == (
        check_502,
        D("250.00"),
        D("250.00"),
        D("0.00"),
    )
    assert reversal.fee_bill.balance == FEE
    assert [t.returned for t in checks_of(payment)] == [False, True]
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.RETURNED

    # and when check 501 comes back later too, it is its own return with its own fee
    again = returned_check_record(payment=payment, check=check_501, reason="NSF", by=supervisor)
    assert (Bill.objects.get(pk=first.pk).balance, again.taken_back) == (D("300.00"), D("250.00"))
    assert again.fee_bill.balance == FEE
    assert again.fee_bill != reversal.fee_bill
    books_are_clean()


@transactional
def test_a_check_is_returned_once(drawer, clerk, dana, supervisor):
    bill = issue(dana, supervisor, amount="100.00")
    payment = pay(drawer, clerk, bill, "100.00", tenders=[check("100.00")])
    returned_check_record(payment=payment, reason="NSF", by=supervisor)

    with pytest.raises(NotReversible, match="already recorded as returned"):
        returned_check_record(payment=payment, reason="NSF again", by=supervisor)
    assert PaymentReversal.objects.filter(payment=payment).count() == 1


@transactional
def test_with_two_checks_out_say_which_one_came_back(drawer, clerk, dana, supervisor):
    bill = issue(dana, supervisor, amount="100.00")
    payment = pay(
        drawer, clerk, bill, "100.00", tenders=[check("60.00", "71"), check("40.00", "72")]
    )

    with pytest.raises(PaymentError, match=r"paid with 2 checks \(71, 72\): say which one"):
        returned_check_record(payment=payment, reason="NSF", by=supervisor)
    assert Bill.objects.get(pk=bill.pk).balance == D("0.00")


@transactional
def test_a_check_returned_after_its_payment_was_refunded_is_billed(
    office, drawer, clerk, dana, supervisor
):
    # given a $100.00 bill paid by check, refunded in cash once the check had cleared
    clear_checks_at_once(office)
    bill = issue(dana, supervisor, amount="100.00")
    payment = pay(drawer, clerk, bill, "100.00", tenders=[check("100.00", "881")])
    payment_refund(
        payment=payment, reason="Paid twice", by=clerk, approved_by=supervisor, drawer=drawer
    )
    assert Bill.objects.get(pk=bill.pk).balance == D("100.00")

    # when the bank returns the check anyway
    reversal = returned_check_record(payment=payment, reason="NSF, late", by=supervisor)

    # then nothing is left to reopen: the $100.00 the bank took back and the $20.00 fee are
    # billed to the customer (Dr receivable $120.00, Cr bank $100.00, Cr fee revenue $20.00)
    assert (reversal.taken_back, reversal.billed, reversal.entry) == (D("0.00"), D("100.00"), None)
    fee_bill = reversal.fee_bill
    assert (fee_bill.customer, fee_bill.balance, fee_bill.bill_type) == (
        dana,
        D("120.00"),
        BillType.INVOICE,
    )
    issued = sorted(
        (line.account.code, line.amount)
        for line in JournalLine.objects.filter(
            entry__memo__startswith=f"Bill {fee_bill.number} issued"
        ).select_related("account")
    )
    # (the check is still in its open drawer: taken back from there, issue 9)
    assert issued == [("1010", D("-100.00")), ("1230", D("120.00")), ("4330", D("-20.00"))]
    assert Bill.objects.get(pk=bill.pk).balance == D("100.00")  # reopened by the refund only
    assert Customer.objects.get(pk=dana.pk).checks_refused
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.REFUNDED
    books_are_clean()


@transactional
def test_a_check_returned_after_a_later_payment_reopens_the_bill(drawer, clerk, dana, supervisor):
    # given a $500.00 bill paid $300.00 by check, then the rest in cash on another receipt
    bill = issue(dana, supervisor, amount="500.00")
    by_check = pay(drawer, clerk, bill, "300.00", tenders=[check("300.00")])
    in_cash = pay(drawer, clerk, bill, "200.00")
    assert Bill.objects.get(pk=bill.pk).balance == D("0.00")

    # when the check comes back
    reversal = returned_check_record(payment=by_check, reason="NSF", by=supervisor)

    # then the bill owes the check's $300.00 again, the fee is billed, and the later receipt
    # can no longer be voided (the bill changed after it)
    assert Bill.objects.get(pk=bill.pk).balance == D("300.00")
    assert reversal.fee_bill.balance == FEE
    with pytest.raises(NotReversible, match=r"changed after this receipt.*refund it instead"):
        payment_void(payment=in_cash, reason="Keyed wrong", by=clerk, approved_by=supervisor)
    books_are_clean()


@transactional
def test_a_check_returned_after_a_partial_refund_takes_back_what_stands(
    drawer, clerk, dana, supervisor
):
    # given $100.00 paid $60.00 by check and $40.00 in cash, $30.00 refunded in cash
    bill = issue(dana, supervisor, amount="100.00")
    payment = pay(drawer, clerk, bill, "100.00", tenders=[check("60.00"), cash("40.00")])
    payment_refund(
        payment=payment,
        reason="Overcharged",
        by=clerk,
        approved_by=supervisor,
        drawer=drawer,
        amount=D("30.00"),
    )
    assert Bill.objects.get(pk=bill.pk).balance == D("30.00")

    # when the $60.00 check is returned: $70.00 still stands, so all $60.00 reopens
    reversal = returned_check_record(payment=payment, reason="NSF", by=supervisor)

    # then the bill owes $30.00 + $60.00 = $90.00, only the fee is billed
    assert Bill.objects.get(pk=bill.pk).balance == D("90.00")
    assert (reversal.taken_back, reversal.billed, reversal.fee_bill.balance) == (
        D("60.00"),
        D("0.00"),
        FEE,
    )
    books_are_clean()


@transactional
def test_a_voided_receipts_check_was_handed_back(drawer, clerk, dana, supervisor):
    bill = issue(dana, supervisor, amount="100.00")
    payment = pay(drawer, clerk, bill, "100.00", tenders=[check("100.00")])
    payment_void(payment=payment, reason="Keyed wrong", by=clerk, approved_by=supervisor)

    with pytest.raises(NotReversible, match="was voided: its check was handed back"):
        returned_check_record(payment=payment, reason="NSF", by=supervisor)


@transactional
def test_the_flag_follows_the_check_writer_not_the_customer_record(drawer, clerk, dana, supervisor):
    # given a walk-in's check for trash tags, returned (the walk-in had no customer record)
    walk_in = payment_record(
        drawer=drawer,
        items=[FeeItem(fee("tag_sheet").pk, quantity=1)],
        tenders=[check("27.00", number="9001", payer="Robin Walkin")],
        token=uuid.uuid4(),
        by=clerk,
    )
    reversal = returned_check_record(payment=walk_in, reason="NSF", by=supervisor)
    assert CheckWriterFlag.objects.get(reversal=reversal).name_key == "ROBIN WALKIN"

    # when the same writer brings a check for Dana's bill, the name spelled otherwise
    bill = issue(dana, supervisor, amount="50.00")
    assert not Customer.objects.get(pk=dana.pk).checks_refused
    for tenders, payer_name in (
        ([check("50.00", number="9002", payer="robin  WALKIN.")], ""),
        ([check("50.00", number="9003", payer="")], "Robin Walkin"),
    ):
        # then the check is refused (a Supervisor may override), whoever the bill's customer is
        with pytest.raises(PolicyRefused, match=r"A check written by .* was returned"):
            pay(drawer, clerk, bill, "50.00", tenders=tenders, payer_name=payer_name)

    # and cash from the writer, or a check from someone else, is taken as ever
    pay(drawer, clerk, bill, "20.00", tenders=[cash("20.00")], payer_name="Robin Walkin")
    pay(drawer, clerk, bill, "30.00", tenders=[check("30.00", number="9004", payer="Dana")])
    assert Bill.objects.get(pk=bill.pk).balance == D("0.00")
    books_are_clean()


@transactional
def test_a_flag_cannot_be_edited_or_removed(drawer, clerk, dana, supervisor):
    from django.db import DatabaseError, transaction

    bill = issue(dana, supervisor, amount="10.00")
    payment = pay(drawer, clerk, bill, "10.00", tenders=[check("10.00")])
    returned_check_record(payment=payment, reason="NSF", by=supervisor)
    flag = CheckWriterFlag.objects.get()

    for change in (
        lambda: CheckWriterFlag.objects.filter(pk=flag.pk).update(name_key="SOMEONE ELSE"),
        lambda: CheckWriterFlag.objects.filter(pk=flag.pk).delete(),
    ):
        with pytest.raises(DatabaseError, match="flag is kept as recorded"), transaction.atomic():
            change()
    assert CheckWriterFlag.objects.get().name_key == "DANA WHITFIELD"


@pytest.mark.django_db
def test_ledger_verify_finds_a_reversal_taking_back_more_than_its_receipt(
    drawer, clerk, dana, supervisor
):
    from ledger.selectors import ledger_violations

    # given a refund row written outside the services, taking back $0.01 more than was paid
    bill = issue(dana, supervisor, amount="10.00")
    payment = pay(drawer, clerk, bill, "10.00", tenders=[check("10.00")])
    PaymentReversal.objects.create(
        payment=payment,
        kind=PaymentReversal.Kind.REFUND,
        reason="Forged",
        amount=D("10.01"),
        taken_back=D("10.01"),
        requested_by=clerk,
        approved_by=supervisor,
        entry=payment.entry,
    )

    # then the books' check names the receipt
    found = [(v.rule, v.detail) for v in ledger_violations()]
    assert (
        "a receipt's refunds, returned checks and void take back no more than it took",
        payment.receipt_number,
    ) in found


@transactional
def test_a_check_whose_overpayment_credit_was_spent_is_still_recorded_and_the_credit_billed(
    drawer, clerk, dana, supervisor
):
    # Given an $80.00 bill paid with a $100.00 check, $20.00 kept on Dana's account
    from billing.selectors import customer_credit
    from payments.services import TenderIn

    bill = issue(dana, supervisor, amount="80.00")
    by_check = payment_record(
        drawer=drawer,
        items=[BillItem(bill.pk, D("100.00"))],
        tenders=[check("100.00", number="777")],
        token=uuid.uuid4(),
        by=clerk,
        accept_overpayment=True,
    )
    assert customer_credit(dana) == D("20.00")
    # and the $20.00 credit spent on another $20.00 bill
    other = issue(dana, supervisor, amount="20.00")
    payment_record(
        drawer=drawer,
        items=[BillItem(other.pk, D("20.00"))],
        tenders=[TenderIn(kind="credit", amount=D("20.00"))],
        token=uuid.uuid4(),
        by=clerk,
    )

    # When the bank returns the $100.00 check
    reversal = returned_check_record(payment=by_check, reason="NSF", by=supervisor)

    # Then the first bill owes its $80.00 again (Dr receivable 80, Cr bank 80), the spent
    # $20.00 credit is billed with the $20.00 fee (Dr receivable 40, Cr fee 20, Cr bank 20),
    # the credit stays at $0.00 and the other bill stays paid
    bill.refresh_from_db()
    other.refresh_from_db()
    assert (bill.balance, other.balance) == (D("80.00"), D("0.00"))
    assert customer_credit(dana) == D("0.00")
    assert (reversal.taken_back, reversal.billed) == (D("100.00"), D("20.00"))
    assert reversal.fee_bill.balance == D("40.00")
    # (taken back from the drawer that still holds the check, issue 9)
    taken = JournalLine.objects.filter(account__code="1010", amount__lt=0)
    assert sorted(line.amount for line in taken) == [D("-80.00"), D("-20.00")]
    books_are_clean()


@pytest.mark.django_db
def test_cancelling_a_returned_check_invoice_writes_it_off_and_leaves_the_bank_alone(
    office, drawer, clerk, dana, supervisor
):
    # Given a $100.00 check payment refunded once cleared, then returned by the bank: its
    # invoice bills the $100.00 the bank took back (Cr 1100) and the $20.00 fee
    from billing.services import bill_adjust
    from ledger.models import Account
    from ledger.selectors import account_balance

    Office.objects.filter(pk=office.pk).update(check_clearing_days=0)
    bill = issue(dana, supervisor, amount="100.00")
    payment = payment_record(
        drawer=drawer,
        items=[BillItem(bill.pk, D("100.00"))],
        tenders=[check("100.00", number="881")],
        token=uuid.uuid4(),
        by=clerk,
    )
    payment_refund(
        payment=payment, reason="Paid twice", by=clerk, approved_by=supervisor, drawer=drawer
    )
    reversal = returned_check_record(payment=payment, reason="NSF", by=supervisor)
    assert reversal.fee_bill.balance == D("120.00")
    bank = Account.objects.get(code="1100")
    before = account_balance(account=bank, book="live")

    # When a Supervisor cancels that invoice as a billing error
    adjustment = bill_adjust(
        bill=reversal.fee_bill,
        kind="cancel",
        reason="billing_error",
        note="Fee billed in error",
        by=supervisor,
        token=uuid.uuid4(),
    )

    # Then the fee comes off its revenue, the $100.00 is written off (5200), and the bank
    # holds what it held
    lines = sorted(
        (line.account.code, line.amount)
        for line in adjustment.entry.lines.select_related("account")
    )
    assert ("5200", D("100.00")) in lines
    assert not [code for code, _ in lines if code == "1100"]
    assert account_balance(account=bank, book="live") == before
    books_are_clean()
