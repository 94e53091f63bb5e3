"""The printed drawer close report (reconciliation close_pdf, pdf/drawer_close.html) and the
deposit slip (deposit_slip, pdf/deposit_slip.html) at every field's longest: checks whose
number and writer fill their fields, a found check on no receipt, a sign-off reason, a bag."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from cashiering.roles import Role
from payments.models import Tender
from payments.services import BillItem, payment_record
from reconciliation.models import Deposit
from tests.documents.conftest import long_named, max_length, unbroken
from tests.documents.pdf_reading import (
    assert_nothing_runs_off,
    assert_on_the_page,
    pages,
    squeezed,
    text,
)
from tests.payments.conftest import check, issue, new_user
from tests.reconciliation.flows import deposit_verified, drawer_closed

NUMBER = max_length(Tender, "check_number")
PAYER = max_length(Tender, "check_payer")


@pytest.fixture
def closed(long_drawer, long_clerk, long_customer, supervisor):
    """Two checks at the longest taken for a bill, a third found in the drawer, the cash $30.00
    short so that the long-named Supervisor signs the count off with a long reason."""
    bill = issue(long_customer, long_clerk, amount="4321.98")
    payment_record(
        drawer=long_drawer,
        items=[BillItem(bill.pk, bill.balance)],
        tenders=[
            check("4000.00", unbroken(NUMBER, "9876543210"), unbroken(PAYER, "Checkwriter")),
            check("321.98", unbroken(NUMBER, "1234567890"), unbroken(PAYER, "Secondwriter")),
        ],
        token=uuid.uuid4(),
        by=long_clerk,
    )
    receiver = long_named(supervisor, "Bartholomea", "Vandersteenhoven")
    close = drawer_closed(
        long_drawer,
        receiver=receiver,
        extras=((unbroken(NUMBER, "5555"), unbroken(PAYER, "Foundcheckwriter"), "12.34"),),
        counted_cash=Decimal("180.00"),
        reason=unbroken(1000, "Countedthreetimes"),
    )
    assert close.signed_off_by == receiver
    return close


def test_the_drawer_close_report_wraps_the_longest_fields_and_keeps_every_amount(client, closed):
    client.force_login(closed.signed_off_by)

    response = client.get(reverse("reconciliation:close_pdf", args=[closed.pk]))

    assert response.status_code == 200
    pdf = response.content
    for figure in ("4,000.00", "321.98", "12.34", f"{closed.over_short:,.2f}"):
        assert_on_the_page(pdf, figure)
    assert_nothing_runs_off(pdf)
    printed = squeezed(text(pdf))
    for field in (
        unbroken(PAYER, "Checkwriter"),
        unbroken(PAYER, "Secondwriter"),
        unbroken(PAYER, "Foundcheckwriter"),
        unbroken(NUMBER, "9876543210"),
        closed.sign_off_reason,
        closed.drawer.workstation.name,
        closed.drawer.clerk.last_name,
    ):
        assert squeezed(field) in printed, f"{field[:20]}… is not printed whole"


def test_the_deposit_slip_wraps_the_longest_fields_and_keeps_every_amount(
    client, closed, long_office
):
    preparer = closed.signed_off_by
    checks = Tender.objects.filter(payment__drawer=closed.drawer, kind="check")
    deposit = deposit_verified(
        office=long_office,
        preparer=preparer,
        verifier=new_user("supervisor-two", Role.SUPERVISOR),
        checks=checks,
        bag=unbroken(max_length(Deposit, "bag_number"), "BAG77"),
    )
    client.force_login(preparer)

    response = client.get(reverse("reconciliation:deposit_slip", args=[deposit.pk]))

    assert response.status_code == 200
    pdf = response.content
    assert len(pages(pdf)) == 1
    for figure in ("$4,000.00", "$321.98", "$4,321.98"):
        assert_on_the_page(pdf, figure)
    assert_nothing_runs_off(pdf)
    printed = squeezed(text(pdf))
    for field in (
        deposit.bag_number,
        long_office.name,
        unbroken(PAYER, "Checkwriter"),
        unbroken(PAYER, "Secondwriter"),
        unbroken(NUMBER, "1234567890"),
        preparer.last_name,
    ):
        assert squeezed(field) in printed, f"{field[:20]}… is not printed whole"
