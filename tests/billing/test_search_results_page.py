"""The look-up page's results (billing.views.search_view, templates/billing/_results.html): what
tells two customers of one name apart, as at the counter, in a fixed number of queries."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from billing.models import BillType, Customer, Vehicle, WaterAccount
from tests.payments.conftest import issue
from tests.payments.test_counter_search_results import namesake


def look_up(client, q: str) -> str:
    response = client.get(reverse("billing:search"), {"q": q})
    assert response.status_code == 200
    return response.content.decode()


def test_two_residents_of_one_name_are_told_apart_on_the_look_up_page(
    client, clerk, supervisor, reference
):
    # Given two Jordan Alvarezes, each with a tax bill on their own house.
    first, first_house = namesake("Jordan Alvarez", "12 Cascadilla St", "12 Cascadilla St", "1.-1")
    second, second_house = namesake("Jordan Alvarez", "PO Box 77", "430 Hector St", "2.-2-2")
    first_bill = issue(first, supervisor, property=first_house)
    second_bill = issue(second, supervisor, property=second_house)
    client.force_login(clerk)

    # When the clerk looks the name up.
    html = look_up(client, "Jordan Alvarez")

    # Then each result names its mailing address, each bill its property and parcel, in the
    # accessible names too, and both are reachable by the arrow keys.
    assert 'aria-label="Jordan Alvarez, ••• Cascadilla St"' in html
    assert 'aria-label="Jordan Alvarez, PO Box •••"' in html
    assert "Property 12 Cascadilla St · parcel 1.-1" in html
    assert "Property 430 Hector St · parcel 2.-2-2" in html
    assert f'aria-label="Bill {first_bill.number}, 12 Cascadilla St"' in html
    assert f'aria-label="Bill {second_bill.number}, 430 Hector St"' in html
    assert html.count("data-result-nav") == 4  # two customers, two bills
    assert "js/result_nav.js" in html
    assert "2 customers found." in html


def test_look_up_shows_water_accounts_and_plates_in_a_fixed_number_of_queries(
    client, clerk, supervisor, reference
):
    # Given two LLCs of one name, one with a water account and a car.
    llc = Customer.objects.create(name="Maple Holdings LLC")
    Customer.objects.create(name="Maple Holdings LLC", address_line1="1 State St")
    account = WaterAccount.objects.create(
        number="02-55501", customer=llc, service_address="200 W Seneca St"
    )
    car = Vehicle.objects.create(plate="HZT1234", state="NY", customer=llc)
    issue(llc, supervisor, bill_type=BillType.WATER_SEWER, water_account=account)
    issue(llc, supervisor, bill_type=BillType.PARKING, amount="30.00", vehicle=car)
    client.force_login(clerk)
    look_up(client, "Maple Holdings")  # warm the session and caches
    with CaptureQueriesContext(connection) as few:
        look_up(client, "Maple Holdings")
    for _ in range(3):
        issue(llc, supervisor, bill_type=BillType.WATER_SEWER, water_account=account)

    # When the clerk looks the name up again, with more bills.
    with CaptureQueriesContext(connection) as more:
        html = look_up(client, "Maple Holdings")

    # Then the water bill shows its account and service address, the ticket its plate, and
    # more bills cost no more queries.
    assert "Water account 02-55501 · service at 200 W Seneca St" in html
    assert "Plate HZT1234 (NY)" in html
    assert 'aria-label="Maple Holdings LLC, ••• State St"' in html
    assert len(more) == len(few)
