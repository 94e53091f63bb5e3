"""Customer credits as a sub-ledger of 2100: an overpayment names the customer, the cart spends
it as a tender (payment_record), a Supervisor refunds it (credit_refund), and the database and
ledger_verify keep 2100 equal to the customers' credits."""

import uuid
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from billing.models import BillType, Customer
from billing.selectors import customer_credit
from cashiering.roles import Role
from ledger.models import Account, JournalEntry, JournalLine
from ledger.selectors import account_balance, ledger_violations
from ledger.services import Line, post
from payments.errors import ApprovalRequired, NotReversible, PaymentError, TokenReused
from payments.models import CreditRefund, Office, Payment, TenderKind
from payments.selectors import drawer_cash_expected
from payments.services import (
    BillItem,
    TenderIn,
    check_clears_on,
    credit_refund,
    payment_record,
    payment_refund,
    payment_void,
)
from tests.payments.conftest import cash, check, issue, new_user, open_drawer

D = Decimal


def second_supervisor():
    """Another Supervisor, who approves a credit refund (dual control)."""
    from django.contrib.auth.models import User

    found = User.objects.filter(username="sup2").first()
    return found or new_user("sup2", Role.SUPERVISOR)


def credit(amount: str) -> TenderIn:
    return TenderIn(kind=TenderKind.CREDIT, amount=D(amount))


def overpay(drawer, clerk, bill, amount: str, tendered: str | None = None) -> Payment:
    return payment_record(
        drawer=drawer,
        items=[BillItem(bill.pk, D(amount))],
        tenders=[cash(tendered or amount)],
        token=uuid.uuid4(),
        by=clerk,
        accept_overpayment=True,
    )


def credits_account() -> Decimal:
    """Account 2100's balance as the credit it is (a liability: positive when held)."""
    return -account_balance(account=Account.objects.get(code="2100"), book="live")


@pytest.fixture
def credited(drawer, clerk, dana, supervisor):
    """Dana overpays her $1,000.00 tax bill by $50.00: $50.00 on account."""
    bill = issue(dana, supervisor, amount="1000.00")
    payment = overpay(drawer, clerk, bill, "1050.00")
    return payment


def test_an_overpayment_is_credited_to_the_customer_who_paid(credited, dana):
    line = JournalLine.objects.get(entry=credited.entry, account__code="2100")

    assert (line.amount, line.customer_id) == (D("-50.00"), dana.pk)
    assert customer_credit(dana) == D("50.00")
    assert credits_account() == D("50.00")
    assert ledger_violations() == []


def test_credit_on_account_pays_a_bill_and_can_never_exceed_what_is_held(
    credited, drawer, clerk, dana, supervisor
):
    water = issue(dana, supervisor, bill_type=BillType.WATER_SEWER, amount="80.00")

    with pytest.raises(PaymentError, match=r"Dana Whitfield holds \$50.00 of credit on account; "):
        payment_record(
            drawer=drawer,
            items=[BillItem(water.pk, D("80.00"))],
            tenders=[credit("50.01"), cash("29.99")],
            token=uuid.uuid4(),
            by=clerk,
        )
    # $50.00 of credit and $30.00 cash pay the $80.00 water bill
    payment = payment_record(
        drawer=drawer,
        items=[BillItem(water.pk, D("80.00"))],
        tenders=[credit("50.00"), cash("30.00")],
        token=uuid.uuid4(),
        by=clerk,
    )

    water.refresh_from_db()
    assert water.balance == 0
    assert (payment.total, payment.tendered, payment.change) == (D("80.00"), D("80.00"), 0)
    lines = sorted(
        (line.account.code, line.amount, line.customer_id)
        for line in payment.entry.lines.select_related("account")
    )
    assert lines == [
        ("1000", D("30.00"), None),
        ("1210", D("-80.00"), None),
        ("2100", D("50.00"), dana.pk),
    ]
    assert payment.tenders.get(kind="credit").amount == D("50.00")
    assert customer_credit(dana) == credits_account() == 0
    # nothing left to spend
    other = issue(dana, supervisor, amount="10.00")
    with pytest.raises(PaymentError, match=r"holds \$0.00 of credit on account"):
        payment_record(
            drawer=drawer,
            items=[BillItem(other.pk, D("10.00"))],
            tenders=[credit("10.00")],
            token=uuid.uuid4(),
            by=clerk,
        )
    assert ledger_violations() == []


def test_credit_on_account_is_not_for_overpayments_training_or_nobody(
    credited, clerk, office, dana, supervisor, trainee
):
    drawer = credited.drawer
    bill = issue(dana, supervisor, amount="10.00")
    with pytest.raises(PaymentError, match="cannot pay an overpayment too"):
        payment_record(
            drawer=drawer,
            items=[BillItem(bill.pk, D("20.00"))],
            tenders=[credit("20.00")],
            token=uuid.uuid4(),
            by=clerk,
            accept_overpayment=True,
        )
    training = open_drawer(trainee, office, number=2, training=True)
    with pytest.raises(PaymentError, match="not spent in training mode"):
        payment_record(
            drawer=training,
            items=[BillItem(bill.pk, D("10.00"))],
            tenders=[credit("10.00")],
            token=uuid.uuid4(),
            by=trainee,
        )


def test_a_supervisor_refunds_credit_in_cash_or_by_city_check(credited, drawer, dana, supervisor):
    cash_before = drawer_cash_expected(drawer)
    token = uuid.uuid4()
    refund = credit_refund(
        customer=dana,
        amount=D("20.00"),
        method="cash",
        drawer=drawer,
        reason="Asked for it back",
        by=supervisor,
        approved_by=second_supervisor(),
        token=token,
    )
    again = credit_refund(
        customer=dana,
        amount=D("20.00"),
        method="cash",
        drawer=drawer,
        reason="Asked for it back",
        by=supervisor,
        approved_by=second_supervisor(),
        token=token,
    )
    assert again.pk == refund.pk
    assert drawer_cash_expected(drawer) == cash_before - D("20.00")
    assert customer_credit(dana) == D("30.00")

    by_check = credit_refund(
        customer=dana,
        amount=D("30.00"),
        method="city_check",
        reason="Moved away",
        payee="Dana Whitfield, 9 Elm St",
        by=supervisor,
        approved_by=second_supervisor(),
        token=uuid.uuid4(),
    )

    assert sorted(
        (line.account.code, line.amount, line.customer_id)
        for line in by_check.entry.lines.select_related("account")
    ) == [("2100", D("30.00"), dana.pk), ("2110", D("-30.00"), None)]
    assert customer_credit(dana) == credits_account() == 0
    assert CreditRefund.objects.count() == 2
    with pytest.raises(PaymentError, match=r"holds \$0.00 of credit on account; \$0.01 cannot"):
        credit_refund(
            customer=dana,
            amount=D("0.01"),
            method="city_check",
            reason="x",
            by=supervisor,
            approved_by=second_supervisor(),
            token=uuid.uuid4(),
        )
    with pytest.raises(TokenReused):
        credit_refund(
            customer=dana,
            amount=D("1.00"),
            method="city_check",
            reason="x",
            by=supervisor,
            approved_by=second_supervisor(),
            token=token,
        )
    assert ledger_violations() == []


def test_only_a_supervisor_refunds_credit(credited, dana, clerk, supervisor):
    with pytest.raises(ApprovalRequired, match="Only a Supervisor refunds"):
        credit_refund(
            customer=dana,
            amount=D("1.00"),
            method="city_check",
            reason="x",
            by=clerk,
            approved_by=supervisor,
            token=uuid.uuid4(),
        )
    assert customer_credit(dana) == D("50.00")


def test_a_void_or_refund_refuses_clearly_once_its_credit_is_spent(
    credited, drawer, clerk, dana, supervisor
):
    credit_refund(
        customer=dana,
        amount=D("30.00"),
        method="city_check",
        reason="Moved",
        by=supervisor,
        approved_by=second_supervisor(),
        token=uuid.uuid4(),
    )
    message = r"left \$50.00 on Dana Whitfield's account and only \$20.00 of credit is left"
    with pytest.raises(NotReversible, match=message):
        payment_void(payment=credited, reason="Keyed wrong", by=clerk, approved_by=supervisor)
    with pytest.raises(NotReversible, match=message):
        payment_refund(
            payment=credited, reason="Paid twice", by=clerk, approved_by=supervisor, drawer=drawer
        )
    assert customer_credit(dana) == D("20.00")
    assert ledger_violations() == []


def test_refunding_a_payment_made_with_credit_puts_the_credit_back(
    credited, drawer, clerk, dana, supervisor
):
    water = issue(dana, supervisor, bill_type=BillType.WATER_SEWER, amount="80.00")
    paid = payment_record(
        drawer=drawer,
        items=[BillItem(water.pk, D("80.00"))],
        tenders=[credit("50.00"), cash("30.00")],
        token=uuid.uuid4(),
        by=clerk,
    )
    cash_before = drawer_cash_expected(drawer)

    payment_refund(
        payment=paid, reason="Wrong bill", by=clerk, approved_by=supervisor, drawer=drawer
    )

    assert customer_credit(dana) == D("50.00")  # back on account
    assert drawer_cash_expected(drawer) == cash_before - D("30.00")  # only the cash paid out
    water.refresh_from_db()
    assert water.balance == D("80.00")
    assert ledger_violations() == []


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_a_credit_below_zero_whoever_writes_it(credited, dana, supervisor):
    credits, cash_account = Account.objects.get(code="2100"), Account.objects.get(code="1000")
    with pytest.raises(DatabaseError, match=r"would hold a credit of -0\.01"), transaction.atomic():
        post(
            entry_date=credited.posted_on,
            memo="Too much",
            source="test",
            by=supervisor,
            lines=[
                Line(credits, D("50.01"), customer_id=dana.pk),
                Line(cash_account, D("-50.01")),
            ],
        )
    entry = JournalEntry.objects.order_by("id").last()
    for sql, message in (
        # a customer named on another account than 2100
        (
            "INSERT INTO ledger_journalline (entry_id, account_id, amount, memo, customer_id) "
            "VALUES (%s, %s, 1, '', %s), (%s, %s, -1, '', NULL)",
            "is on account 1000, not 2100",
        ),
    ):
        with (
            pytest.raises(DatabaseError, match=message),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [entry.pk, cash_account.pk, dana.pk, entry.pk, cash_account.pk])
    assert customer_credit(dana) == D("50.00")
    assert ledger_violations() == []


@pytest.mark.django_db(transaction=True)
def test_ledger_verify_finds_credit_that_names_no_customer(credited, dana, supervisor):
    other = Customer.objects.create(name="Nobody")
    del other
    post(
        entry_date=credited.posted_on,
        memo="A credit without a customer",
        source="test",
        by=supervisor,
        lines=[
            Line(Account.objects.get(code="1000"), D("5.00")),
            Line(Account.objects.get(code="2100"), D("-5.00")),
        ],
    )

    violations = [v for v in ledger_violations() if "2100" in v.rule]
    assert [v.detail for v in violations] == [
        "account 2100 (live) holds 55.00 but the customers' credits sum to 50.00"
    ]


@pytest.mark.django_db(transaction=True)
def test_two_windows_spending_one_credit_at_once_spend_it_once(credited, office, dana, supervisor):
    from tests.payments.test_concurrency import race

    # given Dana's $50.00 credit, and two windows each applying all of it to another bill
    second_clerk = new_user("second-clerk")
    other_drawer = open_drawer(second_clerk, office, number=2)
    tax, water = (issue(dana, supervisor, amount="50.00") for _ in range(2))
    windows = [(credited.drawer, credited.posted_by, tax), (other_drawer, second_clerk, water)]

    # when both post at once, and a Supervisor refunds the credit at the same moment
    results, errors = race(
        *(
            lambda drawer=drawer, by=by, bill=bill: payment_record(
                drawer=drawer,
                items=[BillItem(bill.pk, D("50.00"))],
                tenders=[credit("50.00")],
                token=uuid.uuid4(),
                by=by,
            )
            for drawer, by, bill in windows
        ),
        lambda: credit_refund(
            customer=dana,
            amount=D("50.00"),
            method="city_check",
            reason="Asked",
            by=supervisor,
            approved_by=second_supervisor(),
            token=uuid.uuid4(),
        ),
    )

    # then exactly one of the three spends it; the others are told what is left
    assert len(results) == 1 and len(errors) == 2
    for error in errors:
        assert isinstance(error, PaymentError)
        assert "holds $0.00 of credit on account" in str(error)
    assert customer_credit(dana) == credits_account() == 0
    assert ledger_violations() == []


def test_a_credit_refund_needs_a_second_supervisor_unless_the_office_allows_one(
    credited, drawer, dana, supervisor
):
    # Given a Supervisor asking to refund credit in cash out of a drawer
    def refund(approved_by):
        return credit_refund(
            customer=dana,
            amount=D("5.00"),
            method="cash",
            drawer=drawer,
            reason="Asked for it back",
            by=supervisor,
            approved_by=approved_by,
            token=uuid.uuid4(),
        )

    # When they approve it themselves, or nobody does, it is refused and nothing moves
    for approver in (supervisor, None):
        with pytest.raises(ApprovalRequired, match="Supervisor"):
            refund(approver)
    assert customer_credit(dana) == D("50.00")
    assert not CreditRefund.objects.exists()

    # Then an office where one Supervisor works alone may allow it
    Office.objects.filter(pk=drawer.office_id).update(allow_self_approval=True)
    done = refund(supervisor)
    assert (done.refunded_by, done.approved_by) == (supervisor, supervisor)
    assert customer_credit(dana) == D("45.00")
    assert ledger_violations() == []


def test_credit_paid_by_a_check_still_clearing_is_not_refunded_until_it_clears(
    drawer, clerk, dana, supervisor
):
    # Given a $100.00 bill paid with a $300.00 check today, $200.00 kept on account
    bill = issue(dana, supervisor, amount="100.00")
    paid = payment_record(
        drawer=drawer,
        items=[BillItem(bill.pk, D("300.00"))],
        tenders=[check("300.00", number="901")],
        token=uuid.uuid4(),
        by=clerk,
        accept_overpayment=True,
    )
    assert customer_credit(dana) == D("200.00")

    def refund(method, **extra):
        return credit_refund(
            customer=dana,
            amount=D("200.00"),
            method=method,
            reason="Wants it back",
            by=supervisor,
            approved_by=second_supervisor(),
            token=uuid.uuid4(),
            **extra,
        )

    # When a Supervisor refunds that credit, in cash or by city check, before the check clears
    # Then it is refused, saying when it clears, and nothing leaves the drawer
    clears_on = f"{check_clears_on(paid):%m/%d/%Y}"  # ten business days from today
    for method, extra in (("cash", {"drawer": drawer}), ("city_check", {})):
        with pytest.raises(NotReversible, match=rf"check 901, .* until it clears on {clears_on}"):
            refund(method, **extra)
    assert customer_credit(dana) == D("200.00")
    assert not CreditRefund.objects.exists()

    # and once the check has cleared (an office where checks clear at once) it is paid
    Office.objects.filter(pk=drawer.office_id).update(check_clearing_days=0)
    done = refund("city_check")
    assert done.amount == D("200.00")
    assert customer_credit(dana) == D("0.00")
    assert ledger_violations() == []
