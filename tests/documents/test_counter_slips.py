"""The counter's other printed slips at every field's longest: the cash drop slip (80 mm,
payments.views.movement_pdf) and the credit refund record (Letter, credit_refund_pdf)."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from cashiering.roles import Role
from payments.models import CashMovement, CreditRefund
from payments.services import BillItem, cash_movement_record, credit_refund, payment_record
from tests.documents.conftest import NAMES, long_named, max_length, unbroken
from tests.documents.pdf_reading import (
    MM,
    assert_nothing_runs_off,
    assert_on_the_page,
    pages,
    squeezed,
    text,
)
from tests.payments.conftest import cash, issue, new_user


@pytest.mark.parametrize("note", [unbroken(200, "Bagsealnumber"), NAMES["Chinese"] * 66])
def test_a_cash_drop_slip_wraps_the_longest_names_and_note_and_keeps_its_amount(
    client, long_drawer, long_clerk, supervisor, note
):
    receiver = long_named(supervisor, "Bartholomea", "Vandersteenhoven")
    movement = cash_movement_record(
        drawer=long_drawer,
        kind=CashMovement.Kind.DROP,
        amount=Decimal("150.00"),
        by=long_clerk,
        note=note[: max_length(CashMovement, "note")],
        received_by=receiver,
    )
    client.force_login(long_clerk)

    response = client.get(reverse("payments:movement_pdf", args=[movement.pk]))

    assert response.status_code == 200
    pdf = response.content
    [page] = pages(pdf)
    assert page.width == pytest.approx(80 * MM)
    assert_on_the_page(pdf, "$150.00")
    assert_nothing_runs_off(pdf)
    printed = squeezed(text(pdf))
    for field in (
        movement.note,
        long_drawer.office.name,
        long_drawer.workstation.name,
        long_clerk.first_name,
        long_clerk.last_name,
    ):
        assert squeezed(field) in printed, f"{field[:20]}… is not printed whole"


@pytest.fixture
def long_credit(long_drawer, long_clerk, long_customer):
    """The long-named customer overpays a bill by $25.00: credit on account."""
    bill = issue(long_customer, long_clerk, amount="100.00")
    payment_record(
        drawer=long_drawer,
        items=[BillItem(bill.pk, Decimal("125.00"))],
        tenders=[cash("125.00")],
        token=uuid.uuid4(),
        by=long_clerk,
        accept_overpayment=True,
    )
    return long_customer


def test_a_credit_refund_record_wraps_the_longest_fields_and_keeps_its_amount(
    client, long_credit, supervisor
):
    refunder = long_named(supervisor, "Bartholomea", "Vandersteenhoven")
    second = new_user("supervisor-two", Role.SUPERVISOR)
    refund = credit_refund(
        customer=long_credit,
        amount=Decimal("25.00"),
        method=CreditRefund.Method.CITY_CHECK,
        reason=unbroken(max_length(CreditRefund, "reason"), "Overpaidsecondhalf"),
        by=refunder,
        approved_by=second,
        token=uuid.uuid4(),
        payee=unbroken(max_length(CreditRefund, "payee"), "Estateofthelate"),
    )
    client.force_login(refunder)

    response = client.get(reverse("payments:credit_refund_pdf", args=[refund.pk]))

    assert response.status_code == 200
    pdf = response.content
    assert_on_the_page(pdf, "$25.00")
    assert_nothing_runs_off(pdf)
    printed = squeezed(text(pdf))
    for field in (long_credit.name, refund.payee, refund.reason, refunder.last_name):
        assert squeezed(field) in printed, f"{field[:20]}… is not printed whole"
