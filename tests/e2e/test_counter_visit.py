"""The demo clerk opens a drawer and serves one customer: a tax installment, a water bill and
two sheets of trash tags, paid with $50 cash and a check for the rest; then prints the receipt."""

import io
import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from billing.demo import reference_data_seed
from billing.models import BillType
from cashiering.demo import demo_users_seed
from ledger.services import chart_of_accounts_seed
from payments.services import counter_setup_seed
from tests.factories import fund_change_fund
from tests.payments.conftest import issue

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_clerk_serves_a_whole_visit_and_prints_the_receipt(page, dana):
    chart_of_accounts_seed()
    reference_data_seed()
    users = demo_users_seed()
    fund_change_fund(
        counter_setup_seed(office_code="CH", office_name="City Chamberlain's Office", windows=2)
    )
    supervisor = users["Supervisor"]
    tax = issue(dana, supervisor, amount="1406.18", due=date(2027, 1, 31), installment=1)
    water = issue(
        dana, supervisor, bill_type=BillType.WATER_SEWER, amount="96.42", due=date(2027, 1, 20)
    )

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("clerk")
    page.get_by_label("Password").fill("clerk-demo-2026")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Counter").click()

    # Open the drawer: 10 twenties and 40 quarters, 30 sheets of tags.
    expect(page.get_by_role("heading", name="Open your drawer")).to_be_visible()
    page.get_by_label("Window").select_option(label="CH Window 1")
    page.get_by_label("$20 bills").fill("10")
    page.get_by_label("Quarters").fill("40")
    page.get_by_label("Trash tag sheets (6 tags)").fill("30")
    page.get_by_role("button", name="Open drawer").click()
    expect(page.get_by_text("Drawer opened with a float of $210.00.")).to_be_visible()

    # Scan the tax bill: an exact number goes straight into the cart.
    search = page.get_by_label("Search or scan")
    search.fill(tax.number)
    search.press("Enter")
    cart = page.get_by_role("region", name="Cart")
    expect(cart.get_by_label(f"Amount to pay on {tax.number}")).to_have_value("1406.18")
    page.get_by_role("button", name=f"Add bill {water.number}").click()
    expect(cart.get_by_label(f"Amount to pay on {water.number}")).to_have_value("96.42")

    page.keyboard.press("F3")
    page.get_by_label("Fee or sale").select_option(label="Trash tags, sheet of 6")
    page.get_by_label("Quantity").fill("2")
    page.get_by_role("button", name="Add to the cart").click()
    expect(cart.get_by_text("Trash tags, sheet of 6 x 2")).to_be_visible()
    total = Decimal("1406.18") + Decimal("96.42") + Decimal("54.00")
    expect(cart.locator("[data-total]")).to_have_text(f"{total:,.2f}")

    page.keyboard.press("F4")
    page.get_by_label("Tender", exact=True).select_option("cash")
    page.get_by_label("Amount", exact=True).fill("50.00")
    page.get_by_label("Amount", exact=True).press("Enter")
    expect(cart.get_by_role("button", name="Remove tender 1")).to_be_visible()
    expect(cart.get_by_text("Still to pay")).to_be_visible()
    rest = total - Decimal("50.00")
    page.get_by_label("Tender", exact=True).select_option("check")
    expect(page.get_by_label("Amount", exact=True)).to_have_value(str(rest))
    page.get_by_label("Check number").fill("4417")
    page.get_by_label("Name on the check").fill("Dana Whitfield")
    page.get_by_role("button", name="Add tender").click()
    expect(cart.get_by_text("Change due")).to_be_visible()
    expect(cart.locator("[data-change]")).to_have_text("$0.00")

    page.keyboard.press("F8")
    expect(page.get_by_role("heading", name=re.compile(r"Receipt CH-\d{4}-000001"))).to_be_visible()
    number = page.get_by_role("heading", name=re.compile("Receipt")).inner_text().split()[1]

    pdf = page.request.get(f"/counter/receipts/{number}.pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    for amount in ("1,406.18", "96.42", "54.00", "50.00", f"{rest:,.2f}", f"{total:,.2f}"):
        assert amount in text, amount
    assert number in text and "Check #4417" in text


def test_a_scanner_works_wherever_the_focus_is(page, dana):
    chart_of_accounts_seed()
    reference_data_seed()
    users = demo_users_seed()
    office = counter_setup_seed(office_code="CH", office_name="City Chamberlain's Office")
    fund_change_fund(office)
    from payments.models import Workstation
    from payments.services import drawer_open

    drawer_open(
        clerk=users["Clerk"],
        workstation=Workstation.objects.get(office=office, name="Window 1"),
        counts={"$20 bills": 5},
    )
    bill = issue(dana, users["Supervisor"], amount="212.40", due=date(2027, 1, 31))

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("clerk")
    page.get_by_label("Password").fill("clerk-demo-2026")
    page.get_by_role("button", name="Sign in").click()
    page.goto("/counter/")
    payer = page.get_by_label("Paid by (if not the customer)")
    payer.click()
    # A scanner types the whole number within milliseconds, then Enter.
    page.keyboard.type(bill.number, delay=2)
    page.keyboard.press("Enter")
    cart = page.get_by_role("region", name="Cart")
    expect(cart.get_by_label(f"Amount to pay on {bill.number}")).to_have_value("212.40")
    expect(payer).to_have_value("")
