"""The counter as clerks use it, in Chromium at 1366x768: two customers of one name told apart
and chosen with the arrow keys, the losing clerk's screen after another window paid the bill
first, and a whole visit by keyboard alone (static/js/counter.js, static/js/receipt.js)."""

import re
import uuid
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from billing.demo import reference_data_seed
from billing.models import Customer, Property
from cashiering.demo import demo_users_seed
from ledger.services import chart_of_accounts_seed
from payments.models import Payment
from payments.services import BillItem, counter_setup_seed, payment_record
from tests.factories import fund_change_fund
from tests.payments.conftest import cash, issue, new_user, open_drawer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DUE = date(2027, 1, 31)


@pytest.fixture
def counter():
    """The demo office with the demo clerk's drawer open at Window 1."""
    chart_of_accounts_seed()
    reference_data_seed()
    users = demo_users_seed()
    office = counter_setup_seed(
        office_code="CH", office_name="City Chamberlain's Office", windows=2
    )
    fund_change_fund(office)
    open_drawer(users["Clerk"], office)
    users["office"] = office
    return users


def resident(name: str, street: str, parcel: str, supervisor, amount: str):
    """A customer with a house and a tax bill on it; the mailing address is the house."""
    customer = Customer.objects.create(name=name, address_line1=street, city="Ithaca")
    house = Property.objects.create(parcel_number=parcel, street_address=street)
    house.owners.add(customer)
    return issue(customer, supervisor, amount=amount, due=DUE, property=house)


def sign_in_at_the_counter(page) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("clerk")
    page.get_by_label("Password").fill("clerk-demo-2026")
    page.get_by_label("Password").press("Enter")
    page.goto("/counter/")


def test_two_residents_of_one_name_are_told_apart_and_chosen_with_the_arrows(page, counter):
    # Given two Morgan Ellisons, on Cascadilla St and on Hector St.
    first = resident("Morgan Ellison", "12 Cascadilla St", "71.-1-1", counter["Supervisor"], "310")
    second = resident("Morgan Ellison", "430 Hector St", "12.-4-9", counter["Supervisor"], "275")
    sign_in_at_the_counter(page)

    # When the clerk searches the name.
    search = page.get_by_label("Search or scan")
    search.fill("Morgan Ellison")
    search.press("Enter")

    # Then each result says where they live, and the focus waits in the box (two match).
    results = page.locator("#results")
    cascadilla = results.get_by_role("region", name="Morgan Ellison, ••• Cascadilla St")
    hector = results.get_by_role("region", name="Morgan Ellison, ••• Hector St")
    expect(cascadilla.get_by_text("Property 12 Cascadilla St · parcel 71.-1-1")).to_be_visible()
    expect(hector.get_by_text("Property 430 Hector St · parcel 12.-4-9")).to_be_visible()
    expect(search).to_be_focused()

    # When the clerk goes down into the results to the Hector St bill and presses Enter.
    top, below = sorted([cascadilla, hector], key=lambda r: r.bounding_box()["y"])
    page.keyboard.press("ArrowDown")
    expect(top.get_by_role("button", name=re.compile("^Add all"))).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(top.get_by_role("button", name=re.compile("^Add bill"))).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(below.get_by_role("button", name=re.compile("^Add all"))).to_be_focused()
    page.keyboard.press("ArrowDown")
    wanted = below.get_by_role("button", name=re.compile("^Add bill"))
    expect(wanted).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(below.get_by_role("button", name=re.compile("^Add all"))).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")

    # Then that bill, and only that one, is in the cart, and its result says "In cart".
    cart = page.get_by_role("region", name="Cart")
    chosen, other = (second, first) if below == hector else (first, second)
    expect(cart.get_by_label(f"Amount to pay on {chosen.number}")).to_be_visible()
    expect(cart.get_by_label(f"Amount to pay on {other.number}")).to_have_count(0)
    expect(below.get_by_text("In cart", exact=True)).to_be_visible()
    expect(below.get_by_text("All in cart", exact=True)).to_be_visible()
    expect(below.get_by_role("button", name=re.compile("^Add"))).to_have_count(0)
    expect(top.get_by_role("button", name=re.compile("^Add bill"))).to_be_visible()

    # When the bill leaves the cart again, its result offers Add again.
    cart.get_by_role("button", name=re.compile(f"^Remove .*{chosen.number}")).click()
    expect(cart.get_by_label(f"Amount to pay on {chosen.number}")).to_have_count(0)
    expect(below.get_by_role("button", name=re.compile("^Add bill"))).to_be_visible()
    expect(below.get_by_text("In cart", exact=True)).to_be_hidden()

    # And Up from the first result goes back to the search box.
    search.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowUp")
    expect(search).to_be_focused()


def test_the_losing_clerk_sees_who_took_the_bill_and_gets_no_change_due(page, counter):
    # Given a bill in the cart with $100 cash tendered for it.
    dana = Customer.objects.create(name="Dana Whitfield", address_line1="212 N Aurora St")
    bill = issue(dana, counter["Supervisor"], amount="100.00", due=DUE)
    sign_in_at_the_counter(page)
    search = page.get_by_label("Search or scan")
    search.fill(bill.number)
    search.press("Enter")
    cart = page.get_by_role("region", name="Cart")
    expect(cart.get_by_label(f"Amount to pay on {bill.number}")).to_have_value("100.00")
    page.keyboard.press("F4")
    page.get_by_label("Amount", exact=True).fill("100.00")
    page.get_by_label("Amount", exact=True).press("Enter")
    expect(cart.get_by_text("Change due")).to_be_visible()

    # When Window 2 takes the payment first, and then our clerk posts.
    rival = open_drawer(new_user("rivera"), counter["office"], number=2)
    theirs = payment_record(
        drawer=rival,
        items=[BillItem(bill.pk, Decimal("100.00"))],
        tenders=[cash("100.00")],
        token=uuid.uuid4(),
        by=rival.clerk,
    )
    page.keyboard.press("F8")

    # Then the screen names the receipt and window, gives back the tender and shows no change.
    alert = cart.get_by_role("alert")
    expect(alert).to_contain_text("Nothing was posted")
    expect(alert).to_contain_text(f"receipt {theirs.receipt_number}")
    expect(alert).to_contain_text("paid at Window 2")
    expect(alert).to_contain_text("hand back $100.00 cash")
    expect(cart.get_by_text("Change due")).to_have_count(0)
    expect(cart.get_by_role("button", name="Remove tender 1")).to_have_count(0)
    expect(cart.get_by_text("Nothing to pay yet")).to_be_visible()
    expect(page.get_by_role("button", name=re.compile("Post payment"))).to_be_disabled()
    assert Payment.objects.count() == 1


def test_a_keyboard_only_visit_with_the_arrow_keys_and_a_sticky_cart(page, counter):
    # Given a dozen customers named alike, so the results run past the bottom of the screen.
    for n in range(12):
        name, street = f"Avery Lindqvist {n:02}", f"{100 + n} Linn St"
        resident(name, street, f"9.-9-{n}", counter["Supervisor"], "50")
    sign_in_at_the_counter(page)
    cart = page.get_by_role("region", name="Cart")

    # The clerk searches by keyboard alone: F2, the name, Enter, Down into the results.
    page.keyboard.press("F2")
    page.keyboard.type("Avery Lindqvist")
    page.keyboard.press("Enter")
    results = page.locator("#results")
    expect(results.get_by_role("region")).to_have_count(12)
    page.keyboard.press("ArrowDown")
    for _ in range(21):  # to the eleventh customer's bill, far down the page
        page.keyboard.press("ArrowDown")
    focused = page.locator(":focus")
    expect(focused).to_have_accessible_name(re.compile(r"^Add bill .*, 110 Linn St$"))
    # The page scrolled with the focus, and the cart stayed in view (position: sticky).
    # Bootstrap scrolls smoothly. (Polled with evaluate: wait_for_function's string would be
    # evaluated by the page's own code, which the Content Security Policy forbids.)
    for _ in range(50):
        if page.evaluate("window.scrollY") > 600:
            break
        page.wait_for_timeout(100)
    assert page.evaluate("window.scrollY") > 600
    box = cart.bounding_box()
    assert box is not None and 0 <= box["y"] < 100
    assert box["y"] + box["height"] <= 768 + 1
    page.keyboard.press("Enter")
    expect(cart.get_by_role("heading", name="This visit: Avery Lindqvist 10")).to_be_visible()
    expect(cart.locator("[data-total]")).to_have_text("50.00")

    # Tender by keyboard: F4 lands in the amount, already what is due; Enter adds it.
    page.keyboard.press("F4")
    expect(page.get_by_label("Amount", exact=True)).to_be_focused()
    expect(page.get_by_label("Amount", exact=True)).to_have_value("50.00")
    page.keyboard.press("Enter")
    expect(cart.locator("[data-change]")).to_have_text("$0.00")

    # The post button says what it does; F8 posts and shows the receipt.
    post = page.get_by_role("button", name="Post payment and show receipt (F8)")
    expect(post).to_be_focused()
    page.keyboard.press("F8")
    expect(page.get_by_role("heading", name=re.compile(r"Receipt CH-\d{4}-000001"))).to_be_visible()

    # On the receipt, P prints: the print button says so, and the key opens the receipt's PDF.
    expect(page.get_by_role("link", name=re.compile(r"Print receipt \(80 mm\) P"))).to_be_visible()
    # The heading shows before the page's scripts bind the key on a loaded machine: wait for them.
    page.wait_for_load_state("load")
    with page.expect_popup() as popup:
        page.keyboard.press("p")
    assert re.search(r"/counter/receipts/CH-\d{4}-000001\.pdf$", popup.value.url)
