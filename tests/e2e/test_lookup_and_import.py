"""A supervisor imports the tax file on the page; a clerk looks a customer up and opens a bill."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from billing.demo import reference_data_seed
from ledger.services import chart_of_accounts_seed
from tests.e2e.conftest import type_two_factor_code

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"


def _sign_in(page, username, password):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    type_two_factor_code(page, username)
    expect(page.get_by_role("heading", name="Welcome")).to_be_visible()


def test_import_then_look_up_and_open_a_bill(page, users):
    chart_of_accounts_seed()
    reference_data_seed()

    _sign_in(page, "supervisor", "supervisor-demo-2026")
    page.get_by_role("link", name="Import", exact=True).click()
    page.get_by_label("Billing system").select_option("tax")
    page.get_by_label("CSV file").set_input_files(str(SAMPLES / "tax.csv"))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("Imported 6 bills from tax.csv")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()

    _sign_in(page, "clerk", "clerk-demo-2026")
    page.get_by_role("link", name="Look up", exact=True).click()
    search = page.get_by_label("Search or scan")
    search.fill("Dana Whitfeld")  # a typo
    search.press("Enter")
    expect(page.get_by_role("link", name="Dana Whitfield")).to_be_visible()
    expect(page.get_by_role("link", name="T2027-90001-1")).to_be_visible()

    search = page.get_by_label("Search or scan")
    search.fill("T2027-90001-2")  # as a scanner types a number and presses Enter
    search.press("Enter")
    expect(page.get_by_role("heading", name="Bill T2027-90001-2")).to_be_visible()
    expect(page.get_by_text("Total due")).to_be_visible()
    expect(page.get_by_role("row", name="Principal 1,706.44")).to_be_visible()
