"""payments.services.payment_refund and the refund request paid by city check (issue 8 §5):
check money waits for the check to clear, cards go back to the card, refunds may be partial.

Transactional: the commit-time checks run on what each test did."""

import uuid
from datetime import date
from decimal import Decimal

import pytest

from billing.models import Bill
from payments.errors import NotReversible, PaymentError
from payments.models import ApprovalRequest, Office, Payment
from payments.selectors import drawer_cash_expected, payment_standing
from payments.services import (
    BillItem,
    approval_decide,
    approval_request,
    business_days_after,
    check_clears_on,
    payment_record,
    payment_refund,
    payment_void,
)
from tests.payments.conftest import card, cash, check, issue
from tests.payments.test_reversals import FLOAT, books_are_clean, lines_of, pay

D = Decimal
transactional = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 11, 30), 0, date(2026, 11, 30)),  # Monday, nothing to wait
        (date(2026, 11, 30), 10, date(2026, 12, 14)),  # two working weeks
        (date(2026, 1, 30), 1, date(2026, 2, 2)),  # Friday + 1: the Monday
        (date(2026, 1, 31), 1, date(2026, 2, 2)),  # Saturday + 1: the Monday
        (date(2026, 2, 1), 5, date(2026, 2, 6)),  # Sunday + 5: the Friday
        # across the year's end: Christmas (Fri 12/25) and New Year's Day (Fri 1/1) are closed
        (date(2026, 12, 24), 10, date(2027, 1, 11)),
        (date(2026, 11, 25), 1, date(2026, 11, 27)),  # Thanksgiving is skipped
    ],
)
def test_business_days_skip_weekends_and_the_office_calendar(db, start, days, expected):
    # the office calendar is seeded with New York's legal holidays by its migration
    assert business_days_after(start, days) == expected


@transactional
def test_check_money_is_not_refunded_in_cash_before_the_check_clears(
    drawer, clerk, dana, supervisor
):
    # given a $100.00 bill paid by check today (the office waits 10 business days)
    bill = issue(dana, supervisor, amount="100.00")
    payment = pay(drawer, clerk, bill, "100.00", tenders=[check("100.00", "4410")])
    clears_on = check_clears_on(payment)
    assert clears_on == business_days_after(payment.posted_on, 10)

    # when a refund in cash is asked, then it is refused, saying when and what to do instead
    with pytest.raises(
        NotReversible,
        match=rf"\$100\.00 of this refund was paid by check 4410, which the bank may still "
        rf"return until it clears on {clears_on:%m/%d/%Y}\. Until then: void the receipt "
        r"today \(the check handed back\), or send a refund request",
    ):
        payment_refund(
            payment=payment, reason="Paid twice", by=clerk, approved_by=supervisor, drawer=drawer
        )
    assert Bill.objects.get(pk=bill.pk).balance == D("0.00")

    # and the same-day void is still there (the check handed back)
    payment_void(payment=payment, reason="Paid twice", by=clerk, approved_by=supervisor)
    assert Bill.objects.get(pk=bill.pk).balance == D("100.00")
    books_are_clean()


@transactional
def test_the_cash_part_of_a_check_and_cash_payment_is_refunded_at_once(
    drawer, clerk, dana, supervisor
):
    # given $100.00 paid $70.00 by check and $30.00 in cash
    bill = issue(dana, supervisor, amount="100.00")
    payment = pay(drawer, clerk, bill, "100.00", tenders=[check("70.00"), cash("30.00")])

    # when $30.00 is refunded, it comes out of the cash; $30.01 would touch the check's money
    refund = payment_refund(
        payment=payment,
        reason="Overcharged",
        by=clerk,
        approved_by=supervisor,
        drawer=drawer,
        amount=D("30.00"),
    )
    assert lines_of(refund.entry) == sorted(
        [("1000", D("-30.00"), None, drawer.pk), ("1200", D("30.00"), bill.pk, None)]
    )
    with pytest.raises(NotReversible, match=r"\$0\.01 of this refund was paid by check"):
        payment_refund(
            payment=payment,
            reason="More",
            by=clerk,
            approved_by=supervisor,
            drawer=drawer,
            amount=D("0.01"),
        )
    assert payment_standing(payment) == D("70.00")
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.POSTED
    books_are_clean()


@transactional
def test_card_tenders_go_back_to_the_card(drawer, clerk, dana, supervisor):
    # given $100.00 paid $60.00 by card and $40.00 in cash
    bill = issue(dana, supervisor, amount="100.00")
    payment = pay(drawer, clerk, bill, "100.00", tenders=[card("60.00"), cash("40.00")])

    # when all of it is refunded
    refund = payment_refund(
        payment=payment, reason="Paid twice", by=clerk, approved_by=supervisor, drawer=drawer
    )

    # then $60.00 goes back to the card, $40.00 out of the drawer
    assert (refund.amount, refund.card_amount, refund.paid_by) == (
        D("100.00"),
        D("60.00"),
        "to the card and in cash",
    )
    assert lines_of(refund.entry) == sorted(
        [
            ("1000", D("-40.00"), None, drawer.pk),
            ("1020", D("-60.00"), None, drawer.pk),
            ("1200", D("100.00"), bill.pk, None),
        ]
    )
    assert drawer_cash_expected(drawer) == FLOAT
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.REFUNDED
    books_are_clean()


@transactional
def test_only_the_overpayment_credit_is_refunded(drawer, clerk, dana, supervisor):
    # given a $400.00 bill paid with $450.00, the $50.00 kept as a credit
    bill = issue(dana, supervisor, amount="400.00")
    payment = payment_record(
        drawer=drawer,
        items=[BillItem(bill.pk, D("450.00"))],
        tenders=[cash("450.00")],
        token=uuid.uuid4(),
        by=clerk,
        accept_overpayment=True,
    )

    # when only the credit is refunded
    refund = payment_refund(
        payment=payment,
        reason="Credit back",
        by=clerk,
        approved_by=supervisor,
        drawer=drawer,
        amount=D("50.00"),
    )

    # then the credit account gives it back and the bill stays paid
    assert lines_of(refund.entry) == sorted(
        [("1000", D("-50.00"), None, drawer.pk), ("2100", D("50.00"), None, None)]
    )
    assert Bill.objects.get(pk=bill.pk).balance == D("0.00")
    assert payment_standing(payment) == D("400.00")
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.POSTED

    # and the rest may be refunded later, reopening the bill; no more than stands
    with pytest.raises(NotReversible, match=r"Only \$400\.00 of receipt .* stands"):
        payment_refund(
            payment=payment,
            reason="Again",
            by=clerk,
            approved_by=supervisor,
            drawer=drawer,
            amount=D("400.01"),
        )
    payment_refund(
        payment=payment, reason="All of it", by=clerk, approved_by=supervisor, drawer=drawer
    )
    assert Bill.objects.get(pk=bill.pk).balance == D("400.00")
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.REFUNDED
    with pytest.raises(NotReversible, match="is already refunded"):
        payment_refund(
            payment=payment, reason="Again", by=clerk, approved_by=supervisor, drawer=drawer
        )
    assert drawer_cash_expected(drawer) == FLOAT
    books_are_clean()


@transactional
def test_a_partly_refunded_receipt_is_not_voided(drawer, clerk, dana, supervisor):
    bill = issue(dana, supervisor, amount="100.00")
    payment = pay(drawer, clerk, bill, "100.00")
    payment_refund(
        payment=payment,
        reason="Part",
        by=clerk,
        approved_by=supervisor,
        drawer=drawer,
        amount=D("10.00"),
    )

    with pytest.raises(NotReversible, match=r"refunded in part .* Refund the rest instead"):
        payment_void(payment=payment, reason="Wrong", by=clerk, approved_by=supervisor)
    assert Bill.objects.get(pk=bill.pk).balance == D("10.00")


@transactional
def test_a_refund_request_is_paid_by_city_check_once_the_check_clears(
    office, drawer, clerk, dana, supervisor
):
    # given a $250.00 bill paid by check, and a refund request to be paid by city check
    bill = issue(dana, supervisor, amount="250.00")
    payment = pay(drawer, clerk, bill, "250.00", tenders=[check("250.00", "777")])
    request = approval_request(
        payment=payment, kind="refund", reason="Paid twice", by=clerk, by_city_check=True
    )
    assert (request.refund_drawer, request.by_city_check) == (None, True)

    # when a Supervisor approves it before the check has cleared, it is refused and waits
    with pytest.raises(NotReversible, match="may still return until it clears"):
        approval_decide(request=request, approve=True, by=supervisor, city_check_number="50123")
    assert ApprovalRequest.objects.get(pk=request.pk).status == ApprovalRequest.Status.PENDING

    # and without the city check's number it is not approved either
    with pytest.raises(PaymentError, match="number of the city check"):
        approval_decide(request=request, approve=True, by=supervisor)

    # when the check has cleared, the Supervisor pays it by city check 50123
    Office.objects.filter(pk=office.pk).update(check_clearing_days=0)
    decided = approval_decide(
        request=request, approve=True, by=supervisor, city_check_number="50123"
    )

    # then the bank pays it (no drawer), and the bill owes again
    assert decided.status == ApprovalRequest.Status.APPROVED
    refund = payment.reversals.get()
    assert (refund.city_check_number, refund.drawer, refund.paid_by) == (
        "50123",
        None,
        "by city check 50123",
    )
    assert lines_of(refund.entry) == sorted(
        [("1100", D("-250.00"), None, None), ("1200", D("250.00"), bill.pk, None)]
    )
    assert Bill.objects.get(pk=bill.pk).balance == D("250.00")
    assert drawer_cash_expected(drawer) == FLOAT
    books_are_clean()


@transactional
def test_a_partial_refund_request_refunds_its_part(drawer, clerk, dana, supervisor):
    bill = issue(dana, supervisor, amount="80.00")
    payment = pay(drawer, clerk, bill, "80.00")
    request = approval_request(
        payment=payment,
        kind="refund",
        reason="Overcharged",
        by=clerk,
        refund_drawer=drawer,
        amount=D("15.25"),
    )

    approval_decide(request=request, approve=True, by=supervisor)

    assert Bill.objects.get(pk=bill.pk).balance == D("15.25")
    assert drawer_cash_expected(drawer) == FLOAT + D("80.00") - D("15.25")
    books_are_clean()


@pytest.mark.django_db
def test_a_refund_request_for_more_than_stands_is_refused_at_once(drawer, clerk, dana, supervisor):
    bill = issue(dana, supervisor, amount="80.00")
    payment = pay(drawer, clerk, bill, "80.00")

    with pytest.raises(NotReversible, match=r"Only \$80\.00 of receipt .* stands; \$80\.01"):
        approval_request(
            payment=payment,
            kind="refund",
            reason="Overcharged",
            by=clerk,
            refund_drawer=drawer,
            amount=D("80.01"),
        )
    assert not ApprovalRequest.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("reason", "debited"),
    [
        # a billing error: the $30.00 comes out of the invoice's revenue (4000 here)
        ("billing_error", None),
        # a court order: it was written off, so the refund is written off too
        ("court_order", "5200"),
    ],
)
def test_a_refund_on_a_bill_cancelled_since_leaves_it_cancelled(
    drawer, clerk, dana, supervisor, reason, debited
):
    # Given a $50.00 invoice part-paid $30.00, then cancelled (a void is refused now)
    from billing.models import BillType
    from billing.services import bill_adjust

    bill = issue(dana, supervisor, bill_type=BillType.INVOICE, amount="50.00")
    payment = payment_record(
        drawer=drawer,
        items=[BillItem(bill.pk, D("30.00"))],
        tenders=[cash("30.00")],
        token=uuid.uuid4(),
        by=clerk,
    )
    bill_adjust(
        bill=bill, kind="cancel", reason=reason, note="Cancelled", by=supervisor, token=uuid.uuid4()
    )
    revenue = {line.revenue_account.code for line in bill.lines.all()}

    # When the $30.00 is refunded
    refund = payment_refund(
        payment=payment, reason="Billed in error", by=clerk, approved_by=supervisor, drawer=drawer
    )

    # Then the bill still owes nothing, the cash comes out of the drawer, and the $30.00 comes
    # out of what the cancellation took it from, not the receivable
    assert Bill.objects.get(pk=bill.pk).balance == D("0.00")
    lines = sorted(
        (line.account.code, line.amount) for line in refund.entry.lines.select_related("account")
    )
    expected_debit = debited or revenue.pop()
    assert lines == sorted([(expected_debit, D("30.00")), ("1000", D("-30.00"))])
    books_are_clean()
