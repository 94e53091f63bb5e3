"""A clerk counts the float into a drawer and watches it add up as they type; the home page says
the drawer is open; signing out asks first, and signing out anyway signs out."""

import pytest
from playwright.sync_api import expect

from billing.demo import reference_data_seed
from cashiering.demo import demo_users_seed
from ledger.services import chart_of_accounts_seed
from payments.models import Drawer
from payments.services import counter_setup_seed
from tests.factories import fund_change_fund

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_float_adds_up_as_the_clerk_counts_and_sign_out_warns(page):
    chart_of_accounts_seed()
    reference_data_seed()
    demo_users_seed()
    fund_change_fund(
        counter_setup_seed(office_code="CH", office_name="City Chamberlain's Office", windows=2)
    )
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("clerk")
    page.get_by_label("Password").fill("clerk-demo-2026")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("You have no drawer open.")).to_be_visible()
    page.get_by_role("link", name="Open a drawer").click()

    total = page.locator("#float-total")
    expect(total).to_have_text("$0.00")
    page.get_by_label("$20 bills").fill("10")
    expect(total).to_have_text("$200.00")
    page.get_by_label("Quarters").fill("40")
    page.get_by_label("Pennies").fill("7")
    expect(total).to_have_text("$210.07")
    page.get_by_label("$20 bills").fill("")
    expect(total).to_have_text("$10.07")
    page.get_by_label("$100 bills").fill("12")
    expect(total).to_have_text("$1,210.07")
    page.get_by_label("Parking permit cards").fill("25")
    expect(total).to_have_text("$1,210.07")  # stock is counted, not money
    page.get_by_role("button", name="Open drawer").click()
    expect(page.get_by_text("Drawer opened with a float of $1,210.07.")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Home").click()
    expect(page.get_by_text("Your drawer at Window 1 is open")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Your drawer is still open")).to_be_visible()
    expect(page.get_by_role("link", name="Close my drawer first")).to_be_visible()
    page.get_by_role("button", name="Sign out anyway").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert Drawer.objects.get().status == Drawer.Status.OPEN
