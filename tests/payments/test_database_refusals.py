"""No database error from a money action reaches a user as an HTTP 500 (issue 8 §9): each
money action of the counter turns a refusal by PostgreSQL into a message (nothing saved).

Each test builds its state, then makes PostgreSQL refuse the action's writes with a trigger
(created inside the test's transaction, so it goes away with it)."""

import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from ledger.models import JournalEntry
from payments.errors import PaymentError
from payments.models import ApprovalRequest, Drawer, Payment
from payments.services import (
    BillItem,
    approval_decide,
    approval_request,
    cash_movement_record,
    payment_record,
    payment_refund,
    payment_void,
    returned_check_record,
)
from tests.payments.conftest import cash, check, issue
from tests.payments.test_reversals import pay

D = Decimal
REFUSED = (
    r"The books refused this {action}, so nothing was saved: a bill's penalty, interest or "
    r"principal would fall below \$0\.00\. Reload the page"
)


def refuse_inserts_into(table: str) -> None:
    """From now on in this test, PostgreSQL refuses every row inserted into `table` as if a
    bill's parts went below zero (a check constraint)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """CREATE FUNCTION pg_temp.refuse_for_test() RETURNS trigger LANGUAGE plpgsql AS $$
               BEGIN
                   RAISE EXCEPTION 'refused for the test' USING ERRCODE = 'check_violation',
                       CONSTRAINT = 'bill_parts_not_negative';
               END $$"""
        )
        cursor.execute(
            f"CREATE TRIGGER refuse_for_test BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION pg_temp.refuse_for_test()"
        )


@pytest.fixture
def paid(drawer, clerk, dana, supervisor):
    bill = issue(dana, supervisor, amount="100.00")
    return pay(drawer, clerk, bill, "100.00", tenders=[check("60.00"), cash("40.00")])


ACTIONS = {
    "payment": lambda c: payment_record(
        drawer=c["drawer"],
        items=[BillItem(c["bill"].pk, D("5.00"))],
        tenders=[cash("5.00")],
        token=uuid.uuid4(),
        by=c["clerk"],
    ),
    "void": lambda c: payment_void(
        payment=c["paid"], reason="Wrong", by=c["clerk"], approved_by=c["supervisor"]
    ),
    "refund": lambda c: payment_refund(
        payment=c["paid"],
        reason="Part",
        by=c["clerk"],
        approved_by=c["supervisor"],
        drawer=c["drawer"],
        amount=D("10.00"),
    ),
    "returned check": lambda c: returned_check_record(
        payment=c["paid"], reason="NSF", by=c["supervisor"]
    ),
    "cash movement": lambda c: cash_movement_record(
        drawer=c["drawer"], kind="drop", amount=D("10.00"), by=c["clerk"]
    ),
}


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.django_db
def test_a_refused_posting_is_a_message(action, paid, drawer, clerk, dana, supervisor):
    # given the state the action needs (a bill to pay, a receipt to take back)
    context = {
        "paid": paid,
        "bill": issue(dana, supervisor, amount="5.00"),
        "drawer": drawer,
        "clerk": clerk,
        "supervisor": supervisor,
    }
    entries = JournalEntry.objects.count()
    refuse_inserts_into("ledger_journalentry")

    # when the books refuse its entry, then it is a message, and nothing was saved
    with pytest.raises(PaymentError, match=REFUSED.format(action=action)):
        ACTIONS[action](context)
    assert JournalEntry.objects.count() == entries
    assert Payment.objects.get(pk=paid.pk).status == Payment.Status.POSTED


@pytest.mark.django_db
def test_a_refused_drawer_opening_is_a_message(office, supervisor):
    from tests.payments.conftest import new_user, open_drawer

    clerk = new_user("clerk2")
    refuse_inserts_into("ledger_journalentry")

    with pytest.raises(PaymentError, match=REFUSED.format(action="drawer opening")):
        open_drawer(clerk, office, number=2)
    assert not Drawer.objects.filter(clerk=clerk).exists()


@pytest.mark.django_db
def test_a_refused_request_is_a_message(paid, clerk):
    refuse_inserts_into("payments_approvalrequest")

    with pytest.raises(PaymentError, match=REFUSED.format(action="request")):
        approval_request(payment=paid, kind="void", reason="Wrong", by=clerk)
    assert not ApprovalRequest.objects.exists()


@pytest.mark.django_db
def test_a_refused_decision_is_a_message(paid, clerk, supervisor):
    request = approval_request(payment=paid, kind="void", reason="Wrong", by=clerk)
    refuse_inserts_into("ledger_journalentry")

    # (the void inside the decision is what the books refused, and the message says so)
    with pytest.raises(PaymentError, match=REFUSED.format(action="void")):
        approval_decide(request=request, approve=True, by=supervisor)
    assert ApprovalRequest.objects.get(pk=request.pk).status == ApprovalRequest.Status.PENDING


@pytest.mark.django_db
def test_pages_show_a_refused_money_action_as_a_message(client, paid, clerk, supervisor, drawer):
    # given each money page of the counter and the queue, with the books refusing postings
    request = approval_request(
        payment=paid, kind="refund", reason="x", by=clerk, refund_drawer=drawer, amount=D("10")
    )
    refuse_inserts_into("ledger_journalentry")
    number = paid.receipt_number
    posts = [
        (
            clerk,
            reverse("payments:drawer"),
            {
                "amount": "5.00",
                "note": "",
                "token": uuid.uuid4(),
                "supervisor_username": "supervisor",
                "supervisor_password": "supervisor-demo-2026",
            },
        ),
        (
            supervisor,
            reverse("payments:pickup", args=[drawer.pk]),
            {"amount": "5.00", "note": "", "token": uuid.uuid4()},
        ),
        (supervisor, reverse("payments:returned_check", args=[number]), {"reason": "NSF"}),
        (supervisor, reverse("payments:approval_decide", args=[request.pk]), {"approve": "yes"}),
    ]
    for user, url, data in posts:
        client.force_login(user)
        # when a page posts, then it answers with the message, not a server error
        page = client.post(url, data, follow=True)
        assert page.status_code == 200, url
        assert "The books refused this" in page.content.decode(), url


@pytest.mark.django_db
def test_a_refused_credit_refund_is_a_message(drawer, clerk, dana, supervisor):
    # Given $20.00 kept on Dana's account by an overpayment in cash
    from billing.selectors import customer_credit
    from cashiering.roles import Role
    from payments.models import CreditRefund
    from payments.services import credit_refund
    from tests.payments.conftest import new_user

    bill = issue(dana, supervisor, amount="80.00")
    payment_record(
        drawer=drawer,
        items=[BillItem(bill.pk, D("100.00"))],
        tenders=[cash("100.00")],
        token=uuid.uuid4(),
        by=clerk,
        accept_overpayment=True,
    )
    refuse_inserts_into("ledger_journalentry")

    # When PostgreSQL refuses the credit refund's entry, Then it is a message, nothing saved
    with pytest.raises(PaymentError, match=REFUSED.format(action="credit refund")):
        credit_refund(
            customer=dana,
            amount=D("20.00"),
            method="city_check",
            reason="Asked for it back",
            by=supervisor,
            approved_by=new_user("sup2", Role.SUPERVISOR),
            token=uuid.uuid4(),
        )
    assert customer_credit(dana) == D("20.00")
    assert not CreditRefund.objects.exists()
