"""Fixtures of the printed-document tests: an office, a clerk and customers whose every printed
field holds the longest value its model field accepts, as one unbroken word."""

import pytest
from django.contrib.auth.models import User

from billing.models import Customer, Property, Vehicle, WaterAccount
from payments.models import Drawer, Office, Workstation
from payments.services import counter_setup_seed, drawer_open
from tests.factories import fund_change_fund
from tests.payments.conftest import (  # noqa: F401 (fixtures re-exported)
    drawer,
    office,
)

# One name a script, as a counter clerk would type it; each renders in a PDF of its own, so a
# script without a font fails on its own line.
NAMES = {
    "Chinese": "王秀英",
    "Korean": "김민준",
    "Japanese": "山田 はなこ",
    "Arabic": "محمد عبد الله",
    "Hebrew": "דוד כהן",
    "Greek": "Γιώργος Παπαδόπουλος",
    "Cyrillic": "Иван Петрович Сидоров",
}


def unbroken(length: int, word: str = "Wolfeschlegelsteinhausenberger") -> str:
    """`length` characters with no space or hyphen: a printer can break them only by force."""
    return (word * (length // len(word) + 1))[:length]


def max_length(model, field: str) -> int:
    return model._meta.get_field(field).max_length


def long_named(user: User, first: str, last: str) -> User:
    """`user` with the longest first and last names Django's user accepts, made of these words."""
    user.first_name = unbroken(max_length(User, "first_name"), first)
    user.last_name = unbroken(max_length(User, "last_name"), last)
    user.save(update_fields=["first_name", "last_name"])
    return user


@pytest.fixture
def long_office(reference) -> Office:
    """An office whose name, address, phone and window name fill their fields."""
    long = counter_setup_seed(
        office_code=unbroken(max_length(Office, "code"), "LONGOFC").upper(),
        office_name=unbroken(max_length(Office, "name"), "Chamberlainsoffice"),
        address=unbroken(max_length(Office, "address"), "Eastgreenstreet"),
        phone=unbroken(max_length(Office, "phone"), "6072746570"),
        windows=1,
    )
    fund_change_fund(long)
    # An Admin names windows in the admin; there is no service for it.
    Workstation.objects.filter(office=long).update(
        name=unbroken(max_length(Workstation, "name"), "Window")
    )
    return long


@pytest.fixture
def long_clerk(clerk) -> User:
    """The clerk with the longest first and last name Django's user accepts."""
    return long_named(clerk, "Maximiliana", "Featherstonehaugh")


@pytest.fixture
def long_customer(db) -> Customer:
    return Customer.objects.create(
        name=unbroken(max_length(Customer, "name")),
        address_line1=unbroken(max_length(Customer, "address_line1"), "Northauroraavenue"),
        address_line2=unbroken(max_length(Customer, "address_line2"), "Apartmentsuite"),
        city=unbroken(max_length(Customer, "city"), "Ithacatown"),
        state="NY",
        postal_code=unbroken(max_length(Customer, "postal_code"), "14850"),
    )


@pytest.fixture
def long_property(long_customer) -> Property:
    return Property.objects.create(
        parcel_number=unbroken(max_length(Property, "parcel_number"), "24.-3-1."),
        street_address=unbroken(max_length(Property, "street_address"), "Eastseneca"),
        city=unbroken(max_length(Property, "city"), "Ithacacity"),
    )


@pytest.fixture
def long_water_account(long_customer, long_property) -> WaterAccount:
    return WaterAccount.objects.create(
        number=unbroken(max_length(WaterAccount, "number"), "02-10457"),
        customer=long_customer,
        property=long_property,
        service_address=unbroken(max_length(WaterAccount, "service_address"), "Cayugastreet"),
    )


@pytest.fixture
def long_vehicle(long_customer) -> Vehicle:
    return Vehicle.objects.create(
        plate=unbroken(max_length(Vehicle, "plate"), "WWMMWWMMWW"), customer=long_customer
    )


@pytest.fixture
def long_drawer(long_clerk, long_office) -> Drawer:
    """The long-named clerk's drawer at the long-named office's one window."""
    return drawer_open(
        clerk=long_clerk,
        workstation=long_office.workstations.get(),
        counts={"$20 bills": 10, "Quarters": 40},
    )
