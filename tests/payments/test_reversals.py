"""Taking money back, and the counter's other controls: payments.services.payment_void,
payment_refund, returned_check_record, approval_request/approval_decide, payment_review,
cash_movement_record and drawer_open.

Tests that give money back are transactional, so the commit-time checks (every entry balances,
every bill's balance matches its receivable lines) run on what they did."""

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import Bill, BillType, Customer
from billing.selectors import amount_due
from cashiering.roles import Role
from ledger.models import Book, JournalEntry
from ledger.selectors import ledger_violations, trial_balance
from payments.errors import (
    ApprovalRequired,
    DrawerError,
    NoOpenDrawer,
    NotReversible,
    PaymentError,
    PolicyRefused,
)
from payments.models import (
    ApprovalRequest,
    CashMovement,
    CheckWriterFlag,
    Payment,
    PaymentReversal,
    Tender,
)
from payments.selectors import custody_held, drawer_cash_expected, payments_to_review
from payments.services import (
    BillItem,
    FeeItem,
    approval_decide,
    approval_request,
    cash_movement_record,
    drawer_open,
    payment_record,
    payment_refund,
    payment_review,
    payment_void,
    returned_check_record,
)
from tests.payments.conftest import (
    card,
    cash,
    check,
    fee,
    issue,
    new_user,
    open_drawer,
    window,
)

D = Decimal
FLOAT = D("210.00")  # open_drawer's float: ten $20 bills and forty quarters
transactional = pytest.mark.django_db(transaction=True)


def pay(drawer, by, bill, amount, tenders=None, **options) -> Payment:
    return payment_record(
        drawer=drawer,
        items=[BillItem(bill.pk, D(amount))],
        tenders=tenders or [cash(amount)],
        token=uuid.uuid4(),
        by=by,
        **options,
    )


def lines_of(entry) -> list[tuple[str, Decimal, int | None, int | None]]:
    return sorted(
        (line.account.code, line.amount, line.bill_id, line.drawer_id)
        for line in JournalEntry.objects.get(pk=entry.pk).lines.select_related("account")
    )


def bill_state(bill) -> tuple:
    bill = Bill.objects.get(pk=bill.pk)
    return (
        bill.balance,
        bill.principal_balance,
        bill.penalty_balance,
        bill.interest_balance,
        sorted(bill.penalty_assessments.values_list("rule_id", flat=True)),
        bill.interest_months_assessed,
    )


def books_are_clean() -> None:
    for book in Book.values:
        balance = trial_balance(book=book)
        assert balance.total_debits == balance.total_credits
    assert ledger_violations() == []


# Voids


@transactional
def test_a_void_posts_the_exact_reverse_and_puts_the_bill_back(drawer, clerk, dana, supervisor):
    # given a late bill part-paid today (penalty and interest assessed with the payment)
    bill = issue(dana, supervisor, amount="1000.00", due=date(2026, 1, 31))
    before = bill_state(bill)
    payment = pay(drawer, clerk, bill, "300.00", tenders=[cash("320.00")])
    item = payment.items.get()
    assert item.penalty_assessed > 0 and item.interest_assessed > 0
    assert bill_state(bill) != before

    # when it is voided with a supervisor's approval
    reversal = payment_void(payment=payment, reason="Wrong bill", by=clerk, approved_by=supervisor)

    # then the entry is reversed line for line, and the bill is as it was, counters included
    original = lines_of(payment.entry)
    assert lines_of(reversal.entry) == sorted((c, -a, b, d) for c, a, b, d in original)
    assert JournalEntry.objects.get(pk=reversal.entry_id).reverses_id == payment.entry_id
    assert bill_state(bill) == before
    payment.refresh_from_db()
    assert payment.status == Payment.Status.VOIDED
    assert reversal.kind == PaymentReversal.Kind.VOID
    assert reversal.amount == D("300.00")
    assert (reversal.requested_by, reversal.approved_by) == (clerk, supervisor)
    assert drawer_cash_expected(drawer) == FLOAT
    books_are_clean()


@transactional
def test_a_voided_bill_is_paid_again_with_the_same_penalty(drawer, clerk, dana, supervisor):
    # given a late bill whose payment was voided
    bill = issue(dana, supervisor, amount="1000.00", due=date(2026, 1, 31))
    first = pay(drawer, clerk, bill, "300.00")
    payment_void(payment=first, reason="Keyed wrong", by=clerk, approved_by=supervisor)

    # when it is paid again
    again = pay(drawer, clerk, bill, "300.00")

    # then penalty and interest are assessed once more, exactly as the first time
    assert again.items.get().penalty_assessed == first.items.get().penalty_assessed
    assert again.items.get().interest_assessed == first.items.get().interest_assessed
    books_are_clean()


@transactional
def test_a_second_void_is_refused(drawer, clerk, dana, supervisor):
    # given a voided payment
    bill = issue(dana, supervisor, amount="50.00")
    payment = pay(drawer, clerk, bill, "50.00")
    payment_void(payment=payment, reason="Wrong bill", by=clerk, approved_by=supervisor)

    # when it is voided again, then it is refused and nothing more is posted
    with pytest.raises(NotReversible, match=rf"Receipt {payment.receipt_number} is already voided"):
        payment_void(payment=payment, reason="Again", by=clerk, approved_by=supervisor)
    assert JournalEntry.objects.filter(reverses_id=payment.entry_id).count() == 1
    assert Bill.objects.get(pk=bill.pk).balance == D("50.00")


@pytest.mark.django_db
@pytest.mark.parametrize("approver", [None, Role.CLERK, Role.TRAINEE])
def test_a_void_needs_a_supervisor(approver, drawer, clerk, dana, supervisor, users):
    # given a payment
    bill = issue(dana, supervisor, amount="50.00")
    payment = pay(drawer, clerk, bill, "50.00")

    # when it is voided without a supervisor's approval, then it is refused
    with pytest.raises(ApprovalRequired, match="A void needs a Supervisor's approval"):
        payment_void(
            payment=payment,
            reason="Wrong bill",
            by=clerk,
            approved_by=users[approver] if approver else None,
        )
    assert not PaymentReversal.objects.exists()


@pytest.mark.django_db
def test_a_void_needs_a_reason(drawer, clerk, dana, supervisor):
    bill = issue(dana, supervisor, amount="50.00")
    payment = pay(drawer, clerk, bill, "50.00")
    with pytest.raises(PaymentError, match="Say why"):
        payment_void(payment=payment, reason="   ", by=clerk, approved_by=supervisor)


@transactional
def test_yesterdays_receipt_is_refunded_not_voided(monkeypatch, office, clerk, dana, supervisor):
    # given a drawer opened yesterday and a payment taken in it yesterday
    yesterday = timezone.localdate() - timedelta(days=1)
    bill = issue(dana, supervisor, amount="50.00")
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: yesterday)
    drawer = open_drawer(clerk, office)
    payment = pay(drawer, clerk, bill, "50.00")
    monkeypatch.undo()
    assert payment.posted_on == yesterday

    # when it is voided today, then it is refused
    with pytest.raises(NotReversible, match="Only today's receipts are voided: refund it"):
        payment_void(payment=payment, reason="Wrong bill", by=clerk, approved_by=supervisor)

    # and a refund does it instead
    payment_refund(
        payment=payment, reason="Wrong bill", by=clerk, approved_by=supervisor, drawer=drawer
    )
    assert Bill.objects.get(pk=bill.pk).balance == D("50.00")
    books_are_clean()


@transactional
def test_a_void_is_refused_while_the_bill_was_paid_again_later(drawer, clerk, dana, supervisor):
    # given a bill paid in two parts
    bill = issue(dana, supervisor, amount="100.00")
    first = pay(drawer, clerk, bill, "40.00")
    second = pay(drawer, clerk, bill, "60.00")

    # when the first is voided, then it is refused: the later one comes off first
    with pytest.raises(
        NotReversible,
        match=rf"Bill {bill.number} was paid again after this, on receipt "
        rf"{second.receipt_number}; void that receipt first",
    ):
        payment_void(payment=first, reason="Wrong", by=clerk, approved_by=supervisor)
    assert Bill.objects.get(pk=bill.pk).balance == 0

    # and once the later one is voided, the first can be
    payment_void(payment=second, reason="Wrong", by=clerk, approved_by=supervisor)
    payment_void(payment=first, reason="Wrong", by=clerk, approved_by=supervisor)
    assert Bill.objects.get(pk=bill.pk).balance == D("100.00")
    books_are_clean()


@transactional
def test_a_void_is_refused_while_a_later_payment_on_the_bill_stays_refunded(
    drawer, clerk, dana, supervisor
):
    # given a late bill paid by mail (postmarked in March), paid again at the counter today
    # (assessing the months since), and today's payment refunded: its assessments stay
    bill = issue(dana, supervisor, amount="1000.00", due=date(2026, 1, 31))
    by_mail = pay(drawer, clerk, bill, "100.00", as_of=date(2026, 3, 10))
    today = pay(drawer, clerk, bill, "100.00")
    assert today.items.get().penalty_assessed + today.items.get().interest_assessed > 0
    payment_refund(
        payment=today, reason="Paid twice", by=clerk, approved_by=supervisor, drawer=drawer
    )

    # when the mailed payment is voided, then it is refused: putting the bill's counters back
    # to before it would charge today's assessments a second time
    with pytest.raises(
        NotReversible, match=rf"on receipt {today.receipt_number}; refund this one instead"
    ):
        payment_void(payment=by_mail, reason="Bounced", by=clerk, approved_by=supervisor)

    # and refunding it instead leaves nothing to assess again
    payment_refund(
        payment=by_mail, reason="Bounced", by=clerk, approved_by=supervisor, drawer=drawer
    )
    due = amount_due(Bill.objects.get(pk=bill.pk), timezone.localdate())
    assert (due.new_penalty, due.new_interest) == (0, 0)
    books_are_clean()


@transactional
def test_a_void_is_refused_when_the_drawer_no_longer_holds_the_cash(
    drawer, clerk, dana, supervisor
):
    # given a cash payment, and a drop that left the drawer less cash than it took
    bill = issue(dana, supervisor, amount="150.00")
    payment = pay(drawer, clerk, bill, "150.00", tenders=[cash("200.00")])
    cash_movement_record(drawer=drawer, kind="drop", amount=D("300.00"), by=clerk)

    # when it is voided, then it is refused: the cash cannot be handed back
    with pytest.raises(NotReversible, match=r"only \$60.00 in cash; \$150.00 cannot be paid"):
        payment_void(payment=payment, reason="Wrong bill", by=clerk, approved_by=supervisor)
    assert drawer_cash_expected(drawer) == D("60.00")
    assert Bill.objects.get(pk=bill.pk).balance == 0

    # and a card payment is voided whatever cash the drawer holds
    card_bill = issue(dana, supervisor, amount="500.00")
    by_card = pay(drawer, clerk, card_bill, "500.00", tenders=[card("500.00")])
    payment_void(payment=by_card, reason="Wrong bill", by=clerk, approved_by=supervisor)
    assert drawer_cash_expected(drawer) == D("60.00")
    books_are_clean()


# Refunds


@transactional
def test_a_refund_reopens_the_bills_and_pays_out_of_the_refunding_drawer(
    drawer, clerk, office, dana, supervisor
):
    # given a visit paying two bills by card and cash, and a second clerk's drawer
    tax = issue(dana, supervisor, amount="100.00")
    water = issue(dana, supervisor, bill_type=BillType.WATER_SEWER, amount="60.00")
    payment = payment_record(
        drawer=drawer,
        items=[BillItem(tax.pk, D("100.00")), BillItem(water.pk, D("60.00"))],
        tenders=[card("110.00"), cash("60.00")],
        token=uuid.uuid4(),
        by=clerk,
    )
    other_clerk = new_user("second-clerk")
    refunding = open_drawer(other_clerk, office, number=2)

    # when it is refunded from the second drawer
    reversal = payment_refund(
        payment=payment,
        reason="Paid twice",
        by=other_clerk,
        approved_by=supervisor,
        drawer=refunding,
    )

    # then the bills owe again, the card gets its part back, and the cash comes out of the
    # refunding drawer (the drawer that took it keeps its cash)
    assert Bill.objects.get(pk=tax.pk).balance == D("100.00")
    assert Bill.objects.get(pk=water.pk).balance == D("60.00")
    assert lines_of(reversal.entry) == sorted(
        [
            ("1000", D("-50.00"), None, refunding.pk),
            ("1020", D("-110.00"), None, refunding.pk),
            ("1200", D("100.00"), tax.pk, None),
            ("1210", D("60.00"), water.pk, None),
        ]
    )
    assert drawer_cash_expected(refunding) == FLOAT - D("50.00")
    assert drawer_cash_expected(drawer) == FLOAT + D("50.00")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.REFUNDED
    assert (reversal.kind, reversal.drawer, reversal.amount) == (
        PaymentReversal.Kind.REFUND,
        refunding,
        D("160.00"),
    )
    books_are_clean()


@transactional
def test_a_refund_leaves_penalty_and_interest_assessed(drawer, clerk, dana, supervisor):
    # given a late bill part-paid today
    bill = issue(dana, supervisor, amount="1000.00", due=date(2026, 1, 31))
    payment = pay(drawer, clerk, bill, "100.00")
    item = payment.items.get()

    # when it is refunded
    payment_refund(
        payment=payment, reason="Paid twice", by=clerk, approved_by=supervisor, drawer=drawer
    )

    # then the bill owes its principal plus what was assessed, as it would have without it
    bill.refresh_from_db()
    assert bill.balance == D("1000.00") + item.penalty_assessed + item.interest_assessed
    assert bill.penalty_balance == item.penalty_assessed
    assert bill.interest_balance == item.interest_assessed
    assert bill.penalty_assessments.count() == item.penalty_events_before + 1
    books_are_clean()


@transactional
def test_a_refund_is_refused_when_the_drawer_lacks_the_cash(drawer, clerk, dana, supervisor):
    # given a cash payment and a drop that leaves less in the drawer than it took
    bill = issue(dana, supervisor, amount="150.00")
    payment = pay(drawer, clerk, bill, "150.00")
    cash_movement_record(drawer=drawer, kind="drop", amount=D("300.00"), by=clerk)

    # when it is refunded, then it is refused and the bill stays paid
    with pytest.raises(NotReversible, match=r"only \$60.00 in cash; \$150.00 cannot be paid"):
        payment_refund(
            payment=payment, reason="Paid twice", by=clerk, approved_by=supervisor, drawer=drawer
        )
    assert Bill.objects.get(pk=bill.pk).balance == 0
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.POSTED


@pytest.mark.django_db
def test_a_refund_needs_a_supervisor(drawer, clerk, dana, supervisor):
    bill = issue(dana, supervisor, amount="50.00")
    payment = pay(drawer, clerk, bill, "50.00")
    with pytest.raises(ApprovalRequired, match="A refund needs a Supervisor's approval"):
        payment_refund(
            payment=payment, reason="Paid twice", by=clerk, approved_by=clerk, drawer=drawer
        )


@transactional
def test_a_training_receipt_is_refunded_only_from_a_training_drawer(
    clerk, trainee, office, dana, supervisor
):
    # given a payment taken in a training drawer
    training = open_drawer(trainee, office, number=2, training=True)
    bill = issue(dana, supervisor, amount="50.00")
    payment = pay(training, trainee, bill, "50.00")
    live = open_drawer(clerk, office)

    # when it is refunded from a live drawer, then it is refused
    with pytest.raises(NotReversible, match="Refund a training receipt from a training drawer"):
        payment_refund(
            payment=payment, reason="Practice", by=clerk, approved_by=supervisor, drawer=live
        )
    assert drawer_cash_expected(live) == FLOAT
    books_are_clean()


# Returned checks


@transactional
def test_a_returned_check_reopens_the_bill_and_bills_the_fee(drawer, clerk, dana, supervisor):
    # given a bill paid part by check, part in cash
    bill = issue(dana, supervisor, amount="500.00")
    payment = pay(drawer, clerk, bill, "500.00", tenders=[check("400.00"), cash("100.00")])

    # when the bank returns the check
    reversal = returned_check_record(payment=payment, reason="NSF", by=supervisor)

    # then the bill owes the check's amount again, its drawer's checks are credited (the check
    # never left it), the customer owes the returned-check fee and no more checks are taken from
    # them
    assert Bill.objects.get(pk=bill.pk).balance == D("400.00")
    assert lines_of(reversal.entry) == sorted(
        [("1010", D("-400.00"), None, drawer.pk), ("1200", D("400.00"), bill.pk, None)]
    )
    fee_bill = reversal.fee_bill
    assert fee_bill is not None
    assert (fee_bill.customer, fee_bill.balance, fee_bill.bill_type) == (
        dana,
        D("20.00"),
        BillType.INVOICE,
    )
    assert Customer.objects.get(pk=dana.pk).checks_refused
    assert Tender.objects.get(payment=payment, kind="check").returned
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.RETURNED
    assert reversal.amount == D("400.00")
    books_are_clean()


@transactional
def test_after_a_returned_check_only_cash_and_cards_are_taken(drawer, clerk, dana, supervisor):
    # given a customer whose check was returned
    bill = issue(dana, supervisor, amount="80.00")
    payment = pay(drawer, clerk, bill, "80.00", tenders=[check("80.00")])
    returned_check_record(payment=payment, reason="NSF", by=supervisor)

    # when they pay by check again, then it is refused
    with pytest.raises(PolicyRefused, match="had a check returned: no checks are accepted"):
        pay(drawer, clerk, bill, "80.00", tenders=[check("80.00", number="1235")])

    # and cash is taken
    pay(drawer, clerk, bill, "80.00", tenders=[cash("80.00")])
    assert Bill.objects.get(pk=bill.pk).balance == 0
    books_are_clean()


@transactional
def test_a_returned_check_for_goods_bills_the_check_writer(drawer, clerk, supervisor):
    # given trash tags sold for a check to a walk-in customer
    payment = payment_record(
        drawer=drawer,
        items=[FeeItem(fee("tag_sheet").pk, quantity=2)],
        tenders=[check("54.00", payer="Robin Walkin")],
        token=uuid.uuid4(),
        by=clerk,
    )
    assert payment.customer is None

    # when the check is returned
    reversal = returned_check_record(payment=payment, reason="NSF", by=supervisor)

    # then the check writer becomes a customer who owes the tags and the fee, and no checks
    # are taken from them
    fee_bill = reversal.fee_bill
    writer = Customer.objects.get(pk=fee_bill.customer_id)
    assert (writer.name, writer.checks_refused) == ("Robin Walkin", True)
    # (the receipt stays as printed: the flag names the writer and the new customer record)
    flag = CheckWriterFlag.objects.get(reversal=reversal)
    assert (flag.name, flag.name_key, flag.customer) == ("Robin Walkin", "ROBIN WALKIN", writer)
    assert fee_bill.balance == D("54.00") + D("20.00")
    assert lines_of(reversal.entry) == sorted(
        [("1010", D("-54.00"), None, drawer.pk), ("4300", D("54.00"), None, None)]
    )
    books_are_clean()


@pytest.mark.django_db
def test_only_a_supervisor_records_a_returned_check(drawer, clerk, dana, supervisor):
    bill = issue(dana, supervisor, amount="80.00")
    payment = pay(drawer, clerk, bill, "80.00", tenders=[check("80.00")])
    with pytest.raises(ApprovalRequired, match="Only a Supervisor records a returned check"):
        returned_check_record(payment=payment, reason="NSF", by=clerk)
    assert not Customer.objects.get(pk=dana.pk).checks_refused


@pytest.mark.django_db
def test_a_payment_without_a_check_has_no_check_to_return(drawer, clerk, dana, supervisor):
    bill = issue(dana, supervisor, amount="80.00")
    payment = pay(drawer, clerk, bill, "80.00", tenders=[card("80.00")])
    with pytest.raises(NotReversible, match=rf"{payment.receipt_number} was not paid by check"):
        returned_check_record(payment=payment, reason="NSF", by=supervisor)


# The approval queue


@transactional
def test_an_approved_void_request_is_done_at_once(drawer, clerk, dana, supervisor):
    # given a void waiting in the queue
    bill = issue(dana, supervisor, amount="50.00")
    payment = pay(drawer, clerk, bill, "50.00")
    request = approval_request(payment=payment, kind="void", reason="Wrong bill", by=clerk)
    assert request.status == ApprovalRequest.Status.PENDING

    # when a supervisor approves it
    decided = approval_decide(request=request, approve=True, by=supervisor, note="OK")

    # then the payment is voided, recorded with who asked and who approved
    assert decided.status == ApprovalRequest.Status.APPROVED
    assert (decided.decided_by, decided.decision_note) == (supervisor, "OK")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.VOIDED
    assert (payment.reversals.get().requested_by, payment.reversals.get().approved_by) == (
        clerk,
        supervisor,
    )
    assert Bill.objects.get(pk=bill.pk).balance == D("50.00")
    books_are_clean()


@transactional
def test_an_approved_refund_request_pays_out_of_the_drawer_named(drawer, clerk, dana, supervisor):
    bill = issue(dana, supervisor, amount="50.00")
    payment = pay(drawer, clerk, bill, "50.00")
    request = approval_request(
        payment=payment, kind="refund", reason="Paid twice", by=clerk, refund_drawer=drawer
    )
    approval_decide(request=request, approve=True, by=supervisor)
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.REFUNDED
    assert drawer_cash_expected(drawer) == FLOAT
    books_are_clean()


@pytest.mark.django_db
def test_a_rejected_request_leaves_the_payment_posted(drawer, clerk, dana, supervisor):
    # given a void waiting in the queue
    bill = issue(dana, supervisor, amount="50.00")
    payment = pay(drawer, clerk, bill, "50.00")
    request = approval_request(payment=payment, kind="void", reason="Wrong bill", by=clerk)

    # when a supervisor rejects it
    decided = approval_decide(request=request, approve=False, by=supervisor, note="It was right")

    # then nothing is reversed, and the request cannot be decided again
    assert decided.status == ApprovalRequest.Status.REJECTED
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.POSTED
    assert not PaymentReversal.objects.exists()
    assert Bill.objects.get(pk=bill.pk).balance == 0
    with pytest.raises(NotReversible, match="already been decided"):
        approval_decide(request=request, approve=True, by=supervisor)


@pytest.mark.django_db
def test_only_a_supervisor_decides_a_request(drawer, clerk, dana, supervisor):
    bill = issue(dana, supervisor, amount="50.00")
    payment = pay(drawer, clerk, bill, "50.00")
    request = approval_request(payment=payment, kind="void", reason="Wrong bill", by=clerk)
    with pytest.raises(ApprovalRequired, match="Only a Supervisor decides"):
        approval_decide(request=request, approve=True, by=clerk)
    assert ApprovalRequest.objects.get(pk=request.pk).status == ApprovalRequest.Status.PENDING


@pytest.mark.django_db
def test_a_request_asked_twice_waits_once(drawer, clerk, dana, supervisor):
    bill = issue(dana, supervisor, amount="50.00")
    payment = pay(drawer, clerk, bill, "50.00")
    first = approval_request(payment=payment, kind="void", reason="Wrong bill", by=clerk)
    again = approval_request(payment=payment, kind="void", reason="Wrong bill", by=clerk)
    assert again.pk == first.pk
    assert ApprovalRequest.objects.count() == 1


@pytest.mark.django_db
def test_a_refund_request_names_the_drawer_to_pay_from(drawer, clerk, dana, supervisor):
    bill = issue(dana, supervisor, amount="50.00")
    payment = pay(drawer, clerk, bill, "50.00")
    with pytest.raises(NoOpenDrawer, match="the refund is paid out of it"):
        approval_request(payment=payment, kind="refund", reason="Paid twice", by=clerk)


# Trainees


@pytest.mark.django_db
def test_a_trainees_payment_waits_for_review(trainee, office, dana, supervisor):
    # given a trainee's drawer
    drawer = open_drawer(trainee, office)
    bill = issue(dana, supervisor, amount="50.00")

    # when the trainee takes a payment, then it is flagged for review
    payment = pay(drawer, trainee, bill, "50.00")
    assert payment.needs_review
    assert list(payments_to_review()) == [payment]

    # and a supervisor's review clears the flag
    reviewed = payment_review(payment=payment, by=supervisor)
    assert not reviewed.needs_review
    assert reviewed.reviewed_by == supervisor
    assert reviewed.reviewed_at is not None
    assert list(payments_to_review()) == []


@pytest.mark.django_db
def test_a_clerks_payment_needs_no_review(drawer, clerk, dana, supervisor):
    bill = issue(dana, supervisor, amount="50.00")
    assert not pay(drawer, clerk, bill, "50.00").needs_review


@pytest.mark.django_db
def test_only_a_supervisor_reviews(trainee, clerk, office, dana, supervisor):
    drawer = open_drawer(trainee, office)
    bill = issue(dana, supervisor, amount="50.00")
    payment = pay(drawer, trainee, bill, "50.00")
    with pytest.raises(ApprovalRequired, match="Only a Supervisor reviews"):
        payment_review(payment=payment, by=clerk)
    assert Payment.objects.get(pk=payment.pk).needs_review


@pytest.mark.django_db
def test_a_trainees_overpayment_needs_a_supervisor(trainee, office, dana, supervisor):
    # given a trainee's drawer and a tax bill (tax bills take overpayments as a credit)
    drawer = open_drawer(trainee, office)
    bill = issue(dana, supervisor, amount="50.00")
    overpay = dict(tenders=[cash("60.00")], accept_overpayment=True)

    # when the trainee takes more than is owed, then it is refused
    with pytest.raises(PolicyRefused, match="A trainee's overpayment needs a Supervisor"):
        pay(drawer, trainee, bill, "60.00", **overpay)
    assert not Payment.objects.exists()

    # and a supervisor's approval lets it through, the rest kept as a credit
    payment = pay(drawer, trainee, bill, "60.00", approved_by=supervisor, **overpay)
    assert payment.approved_by == supervisor
    assert payment.overrides == ["A trainee's overpayment needs a Supervisor."]
    assert payment.items.get().credit == D("10.00")


@pytest.mark.django_db
def test_a_clerks_overpayment_on_a_tax_bill_needs_no_supervisor(drawer, clerk, dana, supervisor):
    bill = issue(dana, supervisor, amount="50.00")
    payment = pay(drawer, clerk, bill, "60.00", tenders=[cash("60.00")], accept_overpayment=True)
    assert payment.approved_by is None
    assert payment.items.get().credit == D("10.00")


# Cash drops and pickups


@pytest.mark.django_db
def test_a_cash_drop_takes_cash_out_of_the_drawer(drawer, clerk, dana, supervisor):
    # given a drawer that took $150 in cash
    bill = issue(dana, supervisor, amount="150.00")
    pay(drawer, clerk, bill, "150.00")

    # when the clerk drops $300 to the safe
    movement = cash_movement_record(drawer=drawer, kind="drop", amount=D("300.00"), by=clerk)

    # then the drawer should hold $300 less, and the safe has it (issue 9: collections cash
    # in the safe, 1035, named by office; the change fund is only the floats' source)
    assert drawer_cash_expected(drawer) == FLOAT + D("150.00") - D("300.00")
    assert lines_of(movement.entry) == sorted(
        [("1000", D("-300.00"), None, drawer.pk), ("1035", D("300.00"), None, None)]
    )
    assert custody_held(drawer.office, "1035") == D("300.00")

    # and more than the drawer holds cannot come out of it
    with pytest.raises(DrawerError, match=r"hold \$60.00 in cash; \$60.01 cannot come out"):
        cash_movement_record(drawer=drawer, kind="drop", amount=D("60.01"), by=clerk)
    assert CashMovement.objects.count() == 1
    assert drawer_cash_expected(drawer) == D("60.00")


@pytest.mark.django_db
def test_only_the_drawers_clerk_drops_its_cash(drawer, supervisor, users):
    with pytest.raises(DrawerError, match="Only the drawer's clerk drops its cash"):
        cash_movement_record(drawer=drawer, kind="drop", amount=D("10.00"), by=users[Role.TRAINEE])
    assert drawer_cash_expected(drawer) == FLOAT


@pytest.mark.django_db
def test_a_pickup_is_a_supervisors(drawer, clerk, supervisor):
    with pytest.raises(ApprovalRequired, match="Only a Supervisor picks up cash"):
        cash_movement_record(drawer=drawer, kind="pickup", amount=D("10.00"), by=clerk)
    cash_movement_record(drawer=drawer, kind="pickup", amount=D("10.00"), by=supervisor)
    assert drawer_cash_expected(drawer) == FLOAT - D("10.00")


# Opening drawers


@pytest.mark.django_db
def test_a_clerk_has_one_open_drawer(drawer, clerk, office):
    with pytest.raises(DrawerError, match="You already have an open drawer"):
        open_drawer(clerk, office, number=2)


@pytest.mark.django_db
def test_a_window_has_one_open_drawer(drawer, office):
    other_clerk = new_user("second-clerk")
    with pytest.raises(DrawerError, match="CH Window 1 already has an open drawer"):
        drawer_open(clerk=other_clerk, workstation=window(office, 1), counts={"$20 bills": 5})
    # and the same clerk opens at a free window
    opened = drawer_open(clerk=other_clerk, workstation=window(office, 2), counts={})
    assert opened.opening_float == 0
