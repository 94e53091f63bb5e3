"""A Supervisor enrolls a parcel's delinquent taxes in a payment plan by keyboard (preview,
confirm) and opens the agreement; a Clerk looks the taxpayer up at the counter, sees the plan in
place of its bills, adds the installment due, takes cash, and the receipt names the plan."""

import io
import re
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect
from pypdf import PdfReader

from billing.demo import reference_data_seed
from billing.models import BillType, ChargeType, PaymentPlan, Property
from billing.services import Charge, bill_issue
from cashiering.demo import demo_users_seed
from ledger.services import chart_of_accounts_seed
from payments.models import Workstation
from payments.services import counter_setup_seed, drawer_open
from tests.e2e.conftest import type_two_factor_code
from tests.factories import fund_change_fund

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _tax(customer, by, prop, *, amount: str, days_late: int, year: int):
    today = timezone.localdate()
    return bill_issue(
        number=f"T-{uuid.uuid4().hex[:10].upper()}",
        bill_type=BillType.PROPERTY_TAX,
        source="test",
        customer=customer,
        description=f"{year} city tax",
        issue_date=today - timedelta(days=days_late + 30),
        due_date=today - timedelta(days=days_late),
        charges=[Charge(ChargeType.objects.get(code="city_tax"), Decimal(amount))],
        by=by,
        property=prop,
        tax_year=year,
    )


def _sign_in(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"{username}-demo-2026")
    page.get_by_label("Password").press("Enter")
    type_two_factor_code(page, username)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_a_supervisor_enrolls_a_plan_and_a_clerk_takes_its_installment(page, dana):
    chart_of_accounts_seed()
    reference_data_seed()
    users = demo_users_seed()
    office = counter_setup_seed(office_code="CH", office_name="City Chamberlain's Office")
    fund_change_fund(office)
    supervisor = users["Supervisor"]
    prop = Property.objects.create(parcel_number="24.-3-1", street_address="108 E Green St")
    prop.owners.add(dana)
    year = timezone.localdate().year
    older = _tax(dana, supervisor, prop, amount="600.00", days_late=75, year=year - 1)
    newer = _tax(dana, supervisor, prop, amount="400.00", days_late=40, year=year)

    # The Supervisor opens Dana's page and the parcel's plan form, all by keyboard.
    _sign_in(page, "supervisor")
    page.goto(f"/billing/customers/{dana.pk}/")
    link = page.get_by_role("link", name="Payment plan…")
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Payment plan for parcel 24.-3-1")).to_be_visible()
    # Both delinquent bills are ticked; Dana signs; $100.00 down over 6 months.
    expect(page.get_by_label(re.compile(older.number))).to_be_checked()
    expect(page.get_by_label(re.compile(newer.number))).to_be_checked()
    page.get_by_label("Down payment").focus()
    page.keyboard.press("Control+A")
    page.keyboard.type("100.00")
    page.keyboard.press("Tab")
    page.keyboard.press("Control+A")
    page.keyboard.type("6")
    page.keyboard.press("Enter")
    # The preview: the schedule and the warning, nothing saved yet.
    expect(page.get_by_text("This creates a payment plan")).to_be_visible()
    expect(page.get_by_text("A signed agreement is required")).to_be_visible()
    assert not PaymentPlan.objects.exists()
    expect(page.get_by_role("cell", name="Down payment")).to_be_visible()
    create = page.get_by_role("button", name="Create the plan")
    create.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text(re.compile(r"Payment plan PP-\d{4}-0001 created"))).to_be_visible()
    plan = PaymentPlan.objects.get()
    expect(
        page.get_by_role("heading", name=re.compile(f"Payment plan {plan.number}"))
    ).to_be_visible()

    # The agreement for signature.
    href = page.get_by_role("link", name="Agreement (PDF) for signature").get_attribute("href")
    pdf = page.request.get(href)
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    agreement = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert plan.number in agreement and "Dana Whitfield" in agreement
    page.get_by_role("button", name="Sign out").click()

    # The Clerk, drawer open, looks Dana up at the counter.
    drawer_open(
        clerk=users["Clerk"],
        workstation=Workstation.objects.get(office=office, name="Window 1"),
        counts={"$20 bills": 5},
    )
    _sign_in(page, "clerk")
    page.goto("/counter/")
    search = page.get_by_label("Search or scan")
    search.fill("Dana Whitfield")
    search.press("Enter")
    # The plan is offered, its bills are not.
    add_plan = page.get_by_role("button", name=f"Add payment plan {plan.number}")
    expect(add_plan).to_be_visible()
    expect(
        page.get_by_text(re.compile(f"Payment plan {plan.number} — down payment due"))
    ).to_be_visible()
    expect(page.get_by_role("button", name=f"Add bill {older.number}")).to_have_count(0)
    expect(page.get_by_role("button", name=f"Add bill {newer.number}")).to_have_count(0)
    add_plan.focus()
    page.keyboard.press("Enter")
    cart = page.get_by_role("region", name="Cart")
    expect(cart.get_by_label(f"Amount to pay on {plan.number}")).to_have_value("100.00")

    # Cash for the down payment, then post.
    page.keyboard.press("F4")
    page.get_by_label("Tender", exact=True).select_option("cash")
    page.get_by_label("Amount", exact=True).fill("100.00")
    page.get_by_label("Amount", exact=True).press("Enter")
    expect(cart.get_by_role("button", name="Remove tender 1")).to_be_visible()
    page.keyboard.press("F8")
    expect(page.get_by_role("heading", name=re.compile(r"Receipt CH-\d{4}-000001"))).to_be_visible()
    expect(page.get_by_text(f"Payment plan {plan.number}").first).to_be_visible()
    number = page.get_by_role("heading", name=re.compile("Receipt")).inner_text().split()[1]
    receipt = page.request.get(f"/counter/receipts/{number}.pdf")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(receipt.body())).pages)
    assert plan.number in text and older.number in text
