"""The custody rules PostgreSQL keeps (payments migration 0025): floats come out of a change fund
that never goes below zero, custody lines name their office, a closed drawer takes no posting;
and a returned check is taken back from wherever the check is (reconciliation.services.custody).
"""

from decimal import Decimal

import pytest
from django.db import transaction

from ledger.models import Account
from ledger.selectors import ledger_violations
from ledger.services import Line, post
from payments.errors import DrawerError, PaymentError
from payments.models import Drawer
from payments.selectors import change_fund_held, custody_held
from payments.services import drawer_open, returned_check_record
from reconciliation.errors import CustodyError
from reconciliation.models import CustodyTransfer
from reconciliation.services import change_fund_adjust
from tests.reconciliation.conftest import check, issue, open_drawer, pay, window

D = Decimal
transactional = pytest.mark.django_db(transaction=True)


def account(code: str) -> Account:
    return Account.objects.get(code=code)


@pytest.mark.django_db
def test_a_float_comes_out_of_the_change_fund(office, clerk):
    # given a change fund of $20,000.00 (the fixture)
    before = change_fund_held(office)

    # when a clerk opens a drawer with ten twenties and forty quarters
    drawer = open_drawer(clerk, office)

    # then the change fund holds the float less, and the float's line names the office
    assert change_fund_held(office) == before - D("210.00")
    assert drawer.opening_entry.lines.get(account__code="1030").office_id == office.pk


@pytest.mark.django_db
def test_a_float_bigger_than_the_change_fund_is_refused(office, clerk):
    # given a change fund of $20,000.00
    # when a clerk asks for a float of $25,000.00
    with pytest.raises(DrawerError, match=r"The change fund holds \$20,000\.00"):
        drawer_open(clerk=clerk, workstation=window(office, 1), counts={"$100 bills": 250})

    # then no drawer opened
    assert not Drawer.objects.filter(clerk=clerk).exists()


@transactional
def test_the_database_keeps_the_change_fund_at_zero_or_more(office, supervisor):
    # when something posts more out of the change fund than it holds, bypassing the services
    with pytest.raises(Exception, match="more came out than was there"), transaction.atomic():
        post(
            entry_date=office_today(),
            memo="Too much out",
            source="test",
            by=supervisor,
            lines=[
                Line(account("1030"), D("-20000.01"), office_id=office.pk),
                Line(account("1100"), D("20000.01")),
            ],
        )
    # then nothing moved
    assert change_fund_held(office) == D("20000.00")


@transactional
def test_a_custody_line_must_name_its_office(office, supervisor):
    with pytest.raises(Exception, match="names no office"), transaction.atomic():
        post(
            entry_date=office_today(),
            memo="Cash to the safe, of no office",
            source="test",
            by=supervisor,
            lines=[Line(account("1035"), D("10.00")), Line(account("1100"), D("-10.00"))],
        )


@transactional
def test_a_closed_drawer_takes_no_posting(office, clerk, supervisor):
    # given a drawer marked closed
    drawer = open_drawer(clerk, office)
    Drawer.objects.filter(pk=drawer.pk).update(status=Drawer.Status.CLOSED)

    # when anything posts a line naming it, then PostgreSQL refuses (DR001)
    with pytest.raises(Exception, match=f"drawer {drawer.pk} is closed"), transaction.atomic():
        post(
            entry_date=office_today(),
            memo="Late cash",
            source="test",
            by=supervisor,
            lines=[
                Line(account("1000"), D("5.00"), drawer_id=drawer.pk),
                Line(account("1100"), D("-5.00")),
            ],
        )


@pytest.mark.django_db
def test_the_change_fund_is_set_up_by_an_admin_with_a_second_person(office, clerk, admin_user):
    # a clerk may not
    with pytest.raises(CustodyError, match="Only an Admin"):
        change_fund_adjust(office=office, amount=D("100.00"), by=clerk, received_by=admin_user)
    # an Admin may not hand it to themselves
    with pytest.raises(CustodyError, match="two people"):
        change_fund_adjust(office=office, amount=D("100.00"), by=admin_user, received_by=admin_user)
    # with a second person it posts Dr 1030 (office) / Cr 1100 and records the hand-over
    transfer = change_fund_adjust(
        office=office, amount=D("100.00"), by=admin_user, received_by=clerk
    )
    assert transfer.kind == CustodyTransfer.Kind.CHANGE_FUND
    assert change_fund_held(office) == D("20100.00")
    # and it cannot return more to the bank than the fund holds
    with pytest.raises(PaymentError, match="less than nothing"):
        change_fund_adjust(office=office, amount=D("-20100.01"), by=admin_user, received_by=clerk)


@transactional
def test_a_returned_check_still_in_its_drawer_is_taken_from_the_drawer(
    office, clerk, supervisor, dana
):
    # given a $120 check taken today, its drawer still open
    drawer = open_drawer(clerk, office)
    bill = issue(dana, supervisor, amount="120.00")
    payment = pay(drawer, clerk, bill, check("120.00", "501"))

    # when the bank returns it
    reversal = returned_check_record(payment=payment, reason="NSF", by=supervisor)

    # then the checks in that drawer are credited, the reversal names the drawer, books clean
    line = reversal.entry.lines.get(account__code="1010")
    assert (line.amount, line.drawer_id) == (D("-120.00"), drawer.pk)
    assert reversal.drawer_id == drawer.pk
    assert not reversal.entry.lines.filter(account__code="1100").exists()
    assert ledger_violations() == []
    assert custody_held(office, "1036") == 0


def office_today():
    from django.utils import timezone

    return timezone.localdate()
