"""The counter's search results (payments.views.counter_search): what tells two customers of one
name apart, "In cart" instead of "Add", and a fixed number of queries however many results."""

import re
import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import BillType, Customer, Property, Vehicle, WaterAccount
from tests.payments.conftest import issue

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def clerk_client(client, clerk, drawer):
    client.force_login(clerk)
    return client


def namesake(name: str, mailing: str, street: str, parcel: str) -> tuple[Customer, Property]:
    customer = Customer.objects.create(name=name, address_line1=mailing, city="Ithaca")
    prop = Property.objects.create(parcel_number=parcel, street_address=street)
    prop.owners.add(customer)
    return customer, prop


def search(client, q: str) -> str:
    response = client.post(reverse("payments:search"), {"q": q}, **HTMX)
    assert response.status_code == 200
    return response.content.decode()


def row_of(html: str, bill) -> str:
    """The results row of one bill."""
    match = re.search(rf'<tr data-bill-row="{bill.pk}">(.*?)</tr>', html, re.S)
    assert match, f"no row for {bill.number}"
    return match.group(1)


def test_two_residents_of_one_name_are_told_apart_by_address_and_parcel(clerk_client, supervisor):
    # Given two Jordan Alvarezes, each with a tax bill on their own house.
    first, first_house = namesake("Jordan Alvarez", "12 Cascadilla St", "12 Cascadilla St", "1.-1")
    second, second_house = namesake("Jordan Alvarez", "PO Box 77", "430 Hector St", "2.-2-2")
    first_bill = issue(first, supervisor, property=first_house)
    second_bill = issue(second, supervisor, property=second_house)

    # When the clerk searches the name.
    html = search(clerk_client, "Jordan Alvarez")

    # Then each result names its mailing address, and each bill its property and parcel.
    assert 'aria-label="Jordan Alvarez, ••• Cascadilla St"' in html
    assert 'aria-label="Jordan Alvarez, PO Box •••"' in html
    assert "Property 12 Cascadilla St · parcel 1.-1" in row_of(html, first_bill)
    assert "Property 430 Hector St · parcel 2.-2-2" in row_of(html, second_bill)
    assert f'aria-label="Add bill {second_bill.number}, 430 Hector St"' in html
    assert "2 customers found." in html


def test_water_and_parking_results_show_the_account_and_the_plate(clerk_client, supervisor):
    # Given an LLC with a water account and a car, and another LLC of the same name.
    llc = Customer.objects.create(name="Maple Holdings LLC")
    other = Customer.objects.create(name="Maple Holdings LLC", address_line1="1 State St")
    account = WaterAccount.objects.create(
        number="02-55501", customer=llc, service_address="200 W Seneca St"
    )
    car = Vehicle.objects.create(plate="HZT1234", state="NY", customer=llc)
    water = issue(llc, supervisor, bill_type=BillType.WATER_SEWER, water_account=account)
    ticket = issue(llc, supervisor, bill_type=BillType.PARKING, amount="30.00", vehicle=car)
    issue(other, supervisor)

    # When the clerk searches the name.
    html = search(clerk_client, "Maple Holdings")

    # Then the water bill shows its account and service address, the ticket its plate.
    assert "Water account 02-55501 · service at 200 W Seneca St" in row_of(html, water)
    assert "Plate HZT1234 (NY)" in row_of(html, ticket)


def test_a_bill_already_in_the_cart_shows_in_cart_not_add(clerk_client, dana, supervisor):
    # Given two bills of Dana's, one of them in the cart.
    in_cart = issue(dana, supervisor, amount="120.00")
    other = issue(dana, supervisor, amount="80.00")
    clerk_client.post(reverse("payments:cart_bill_add"), {"bill": in_cart.pk}, **HTMX)

    # When the clerk searches Dana again.
    html = search(clerk_client, "Dana Whitfield")

    # Then the bill in the cart shows "In cart" and no Add button; the other shows Add.
    row = row_of(html, in_cart)
    assert re.search(r"<span[^>]*data-in-cart\s*>In cart</span>", row)
    assert re.search(r"<form[^>]*data-add hidden>", row)
    other_row = row_of(html, other)
    assert re.search(r"<span[^>]*data-in-cart hidden>In cart</span>", other_row)
    assert re.search(r"<form[^>]*data-add >", other_row)
    # The cart names the bills it holds, for the page to keep the results in step.
    added = clerk_client.post(reverse("payments:cart_bill_add"), {"bill": other.pk}, **HTMX)
    assert re.search(rf'data-cart-bills="{in_cart.pk} {other.pk} "', added.content.decode()), (
        "the cart lists its bills"
    )


def test_the_results_take_the_same_queries_for_two_customers_as_for_eight(clerk_client, supervisor):
    def customers(count: int, name: str) -> None:
        for n in range(count):
            customer, house = namesake(
                name, f"{n} Mailing St", f"{n} {name} Way", f"{uuid.uuid4().hex[:8]}"
            )
            issue(customer, supervisor, property=house)
            issue(customer, supervisor, bill_type=BillType.PARKING, amount="25.00")

    customers(2, "Quinn Brightwater")
    customers(8, "Rowan Castellano")
    search(clerk_client, "warm up the session")
    search(clerk_client, "Quinn Brightwater")  # and the reference cache (ledger.reference)

    with CaptureQueriesContext(connection) as two:
        html = search(clerk_client, "Quinn Brightwater")
    assert html.count("data-bill-row=") == 4
    with CaptureQueriesContext(connection) as eight:
        html = search(clerk_client, "Rowan Castellano")
    assert html.count("data-bill-row=") == 16
    assert len(eight) == len(two)
