"""A clerk with an open drawer looks a customer up, reads a bill's history with its receipt,
and pays the bill at the counter from look up (issue 10 §4)."""

import re
import uuid
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from billing.demo import reference_data_seed
from cashiering.demo import demo_users_seed
from ledger.services import chart_of_accounts_seed
from payments.services import BillItem, counter_setup_seed, payment_record
from tests.factories import fund_change_fund
from tests.payments.conftest import cash, issue, open_drawer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_clerk_reads_a_bills_history_and_pays_it_at_the_counter(page, dana):
    # given a bill part-paid at the clerk's open drawer
    chart_of_accounts_seed()
    reference_data_seed()
    users = demo_users_seed()
    office = counter_setup_seed(office_code="CH", office_name="City Chamberlain's Office")
    fund_change_fund(office)
    clerk, supervisor = users["Clerk"], users["Supervisor"]
    drawer = open_drawer(clerk, office)
    bill = issue(dana, supervisor, amount="300.00", due=date(2099, 1, 31))
    paid = payment_record(
        drawer=drawer,
        items=[BillItem(bill.pk, Decimal("100.00"))],
        tenders=[cash("100.00")],
        token=uuid.uuid4(),
        by=clerk,
    )

    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("clerk")
    page.get_by_label("Password").fill("clerk-demo-2026")
    page.get_by_role("button", name="Sign in").click()

    # when the clerk looks the bill up and opens it
    page.get_by_role("link", name="Look up", exact=True).click()
    search = page.get_by_label("Search or scan")
    search.fill(bill.number)
    search.press("Enter")

    # then its history shows the issue and the payment with its receipt, down to $200.00
    expect(page.get_by_role("heading", name=f"Bill {bill.number}")).to_be_visible()
    history = page.get_by_role("table").filter(has=page.get_by_role("columnheader", name="Balance"))
    expect(history.get_by_role("row").filter(has_text="Issued")).to_contain_text("300.00")
    expect(history.get_by_role("link", name=f"Receipt {paid.receipt_number}")).to_be_visible()
    expect(history.get_by_role("row").filter(has_text="Payment")).to_contain_text("200.00")

    # and "Pay at the counter" puts it in the cart at the counter
    page.get_by_role("button", name="Pay at the counter").click()
    expect(page).to_have_url(re.compile(r"/counter/$"))
    expect(page.get_by_text(f"Added bill {bill.number}: $200.00.")).to_be_visible()
