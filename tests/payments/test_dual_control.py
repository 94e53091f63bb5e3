"""Dual control (issue 8 §10): a void, refund, policy override or approval needs a Supervisor
who is not the person who asked, unless the office allows self-approval; a pickup records the
Supervisor and the drawer's clerk as witness."""

import re
import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from cashiering.roles import Role
from payments.errors import ApprovalRequired
from payments.models import ApprovalRequest, CashMovement, Office, Payment
from payments.services import (
    BillItem,
    approval_decide,
    approval_request,
    cash_movement_record,
    payment_record,
    payment_refund,
    payment_void,
)
from tests.payments.conftest import card, issue, new_user, open_drawer
from tests.payments.test_reversals import pay

D = Decimal
SECOND_PERSON = "needs a second person: a Supervisor other than the one who asks"


def allow_self_approval(office) -> None:
    Office.objects.filter(pk=office.pk).update(allow_self_approval=True)


@pytest.fixture
def supervisor_drawer(supervisor, office):
    return open_drawer(supervisor, office, number=2)


@pytest.mark.django_db
def test_a_supervisor_does_not_approve_their_own_void(supervisor_drawer, supervisor, dana):
    bill = issue(dana, supervisor, amount="25.00")
    payment = pay(supervisor_drawer, supervisor, bill, "25.00")

    named = re.escape(f"({supervisor.get_full_name()})")
    with pytest.raises(ApprovalRequired, match=f"A void {SECOND_PERSON} for it {named}"):
        payment_void(payment=payment, reason="Wrong", by=supervisor, approved_by=supervisor)

    other = new_user("sup2", Role.SUPERVISOR)
    payment_void(payment=payment, reason="Wrong", by=supervisor, approved_by=other)
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.VOIDED


@pytest.mark.django_db
def test_an_office_may_allow_self_approval(office, supervisor_drawer, supervisor, dana):
    allow_self_approval(office)
    bill = issue(dana, supervisor, amount="25.00")
    payment = pay(supervisor_drawer, supervisor, bill, "25.00")

    reversal = payment_refund(
        payment=payment,
        reason="Paid twice",
        by=supervisor,
        approved_by=supervisor,
        drawer=supervisor_drawer,
    )
    assert (reversal.requested_by, reversal.approved_by) == (supervisor, supervisor)


@pytest.mark.django_db
def test_a_supervisor_does_not_approve_their_own_refund(supervisor_drawer, supervisor, dana):
    bill = issue(dana, supervisor, amount="25.00")
    payment = pay(supervisor_drawer, supervisor, bill, "25.00")

    with pytest.raises(ApprovalRequired, match=f"A refund {SECOND_PERSON}"):
        payment_refund(
            payment=payment,
            reason="Paid twice",
            by=supervisor,
            approved_by=supervisor,
            drawer=supervisor_drawer,
        )


@pytest.mark.django_db
def test_a_supervisor_does_not_decide_their_own_request(supervisor_drawer, supervisor, dana):
    bill = issue(dana, supervisor, amount="25.00")
    payment = pay(supervisor_drawer, supervisor, bill, "25.00")
    request = approval_request(payment=payment, kind="void", reason="Wrong", by=supervisor)

    with pytest.raises(ApprovalRequired, match=f"A void {SECOND_PERSON}"):
        approval_decide(request=request, approve=True, by=supervisor)
    assert ApprovalRequest.objects.get(pk=request.pk).status == ApprovalRequest.Status.PENDING

    approval_decide(request=request, approve=True, by=new_user("sup2", Role.SUPERVISOR))
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.VOIDED


@pytest.mark.django_db
def test_a_supervisor_does_not_approve_their_own_override(supervisor_drawer, supervisor, dana):
    # a parking ticket is paid in full, so a part payment is an override
    from billing.models import BillType

    ticket = issue(dana, supervisor, bill_type=BillType.PARKING, amount="50.00")
    args = dict(
        drawer=supervisor_drawer,
        items=[BillItem(ticket.pk, D("20.00"))],
        tenders=[card("20.00")],
        by=supervisor,
    )
    with pytest.raises(ApprovalRequired, match=f"A policy override {SECOND_PERSON}"):
        payment_record(token=uuid.uuid4(), approved_by=supervisor, **args)

    other = new_user("sup2", Role.SUPERVISOR)
    payment = payment_record(token=uuid.uuid4(), approved_by=other, **args)
    assert payment.approved_by == other


@pytest.mark.django_db
def test_a_pickup_records_the_supervisor_and_the_clerk_as_witness(
    drawer, clerk, supervisor, supervisor_drawer, office
):
    movement = cash_movement_record(drawer=drawer, kind="pickup", amount=D("50.00"), by=supervisor)
    assert (movement.recorded_by, movement.witnessed_by) == (supervisor, clerk)
    assert movement.kind == CashMovement.Kind.PICKUP

    # a Supervisor does not pick up from their own drawer (no witness), unless allowed
    with pytest.raises(ApprovalRequired, match="A pickup needs two people"):
        cash_movement_record(
            drawer=supervisor_drawer, kind="pickup", amount=D("10.00"), by=supervisor
        )
    allow_self_approval(office)
    own = cash_movement_record(
        drawer=supervisor_drawer, kind="pickup", amount=D("10.00"), by=supervisor
    )
    assert (own.recorded_by, own.witnessed_by) == (supervisor, supervisor)


@pytest.mark.django_db
def test_at_the_counter_a_supervisor_signs_in_another_supervisor(
    client, supervisor_drawer, supervisor, dana
):
    bill = issue(dana, supervisor, amount="25.00")
    payment = pay(supervisor_drawer, supervisor, bill, "25.00")
    client.force_login(supervisor)
    url = reverse("payments:payment_void", args=[payment.receipt_number])

    # the page asks for another Supervisor's sign-in, not "you approve"
    page = client.get(payment.get_absolute_url()).content.decode()
    assert "you approve as Supervisor" not in page
    assert "Another Supervisor approves (not you: you are asking)" in page

    # posting with no sign-in, or their own, is refused with a message
    answers = []
    for extra in ({}, {"void-supervisor_username": "supervisor", "void-supervisor_password": "x"}):
        page = client.post(url, {"void-reason": "Wrong", **extra}, follow=True)
        answers.append([str(m) for m in page.context["messages"]][-1])
    assert answers == [
        "Another Supervisor approves this: type their sign-in here, or send it to their queue.",
        "You cannot approve what you ask for: another Supervisor signs in here, or send it to "
        "the Supervisors' queue.",
    ]
    assert Payment.objects.get(pk=payment.pk).status == Payment.Status.POSTED

    # another Supervisor's sign-in voids it
    other = new_user("sup2", Role.SUPERVISOR)
    other.set_password("second-supervisor-2026")
    other.save()
    client.post(
        url,
        {
            "void-reason": "Wrong",
            "void-supervisor_username": "sup2",
            "void-supervisor_password": "second-supervisor-2026",
        },
    )
    assert Payment.objects.get(pk=payment.pk).reversals.get().approved_by == other
