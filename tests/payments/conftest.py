"""Fixtures of the counter: the office and its windows, bills to pay and an open drawer, all
built through the services."""

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from billing.models import BillType, ChargeType, FeeType
from billing.services import Charge, bill_issue
from cashiering.roles import Role
from payments.models import Workstation
from payments.services import TenderIn, counter_setup_seed, drawer_open
from tests.factories import UserFactory, fund_change_fund


@pytest.fixture
def office(reference):
    office = counter_setup_seed(office_code="CH", office_name="Chamberlain's Office", windows=4)
    fund_change_fund(office)
    return office


def window(office, number: int) -> Workstation:
    return Workstation.objects.get(office=office, name=f"Window {number}")


def issue(customer, by, *, bill_type=BillType.PROPERTY_TAX, amount="1000.00", due=None, **extra):
    """Issue a bill through billing's service; by default it falls due in a month, so nothing
    accrues on it today."""
    code = {
        BillType.PROPERTY_TAX: "city_tax",
        BillType.WATER_SEWER: "water",
        BillType.PARKING: "parking_fine",
        BillType.INVOICE: "misc",
    }[bill_type]
    return bill_issue(
        number=f"T-{uuid.uuid4().hex[:10].upper()}",
        bill_type=bill_type,
        source="test",
        customer=customer,
        description=f"Test {bill_type}",
        issue_date=date(2026, 1, 1),
        due_date=due or timezone.localdate() + timedelta(days=30),
        charges=[Charge(ChargeType.objects.get(code=code), Decimal(amount))],
        by=by,
        **extra,
    )


def fee(code: str) -> FeeType:
    return FeeType.objects.get(code=code)


def open_drawer(clerk, office, *, number=1, training=False, twenties=10, tag_sheets=50):
    return drawer_open(
        clerk=clerk,
        workstation=window(office, number),
        counts={"$20 bills": twenties, "Quarters": 40},
        stock={fee("tag_sheet").pk: tag_sheets, fee("tag_single").pk: 100},
        training=training,
    )


@pytest.fixture
def drawer(clerk, office):
    return open_drawer(clerk, office)


def new_user(username: str, role: str = Role.CLERK):
    """Another user with a role (a second clerk at the next window, say)."""
    user = UserFactory(username=username)
    user.groups.add(Group.objects.get(name=role))
    return user


def cash(amount: str) -> TenderIn:
    return TenderIn(kind="cash", amount=Decimal(amount))


def check(amount: str, number: str = "1234", payer: str = "Dana Whitfield") -> TenderIn:
    return TenderIn(kind="check", amount=Decimal(amount), check_number=number, check_payer=payer)


def card(amount: str, last4: str = "4242") -> TenderIn:
    return TenderIn(
        kind="card",
        amount=Decimal(amount),
        card_brand="visa",
        card_last4=last4,
        authorization_code="A1B2C3",
        terminal_reference="T-77",
    )
