"""A day's mail worked by keyboard alone in Chromium (static/js/remittance.js): the clerk opens
a batch with the tape's total and count, keys each check (bill number, Enter, amount, Enter,
check number, Enter), posts with F8 and the confirmation; then a Supervisor resolves the
exception from the queue without touching the mouse."""

import re
from datetime import date
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from billing.demo import reference_data_seed
from billing.models import Customer
from cashiering.demo import demo_users_seed
from ledger.services import chart_of_accounts_seed
from payments.models import RemittanceBatch, RemittanceItem
from payments.services import counter_setup_seed
from tests.e2e.conftest import type_two_factor_code
from tests.payments.conftest import issue

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DUE = date(2027, 1, 31)


@pytest.fixture
def mail_day():
    """The demo office and users, and two tax bills: $1,000.00 and $250.00."""
    chart_of_accounts_seed()
    reference_data_seed()
    users = demo_users_seed()
    counter_setup_seed(office_code="CH", office_name="City Chamberlain's Office", windows=2)
    bills = [
        issue(Customer.objects.create(name=name, city="Ithaca"), users["Supervisor"], amount=a)
        for name, a in (("Morgan Ellison", "1000.00"), ("Robin Park", "250.00"))
    ]
    return bills


def sign_in(page, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.keyboard.type(username)  # the username box has the focus
    expect(page.get_by_label("Username")).to_have_value(username)
    page.keyboard.press("Tab")
    page.keyboard.type(password)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    type_two_factor_code(page, username, keyboard=True)
    page.wait_for_url(lambda url: "/two-factor/" not in url)


def tab_to(page, locator, most: int = 80) -> None:
    """Press Tab until `locator` has the focus, as a keyboard user would."""
    for _ in range(most):
        if locator.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError("Tab never reached the field")


def key_a_check(page, bill_or_scanline: str, amount: str, number: str) -> None:
    scanline = page.get_by_label("Scanline or bill number")
    expect(scanline).to_be_focused()
    page.keyboard.type(bill_or_scanline)
    page.keyboard.press("Enter")
    expect(page.get_by_label("Check amount")).to_be_focused()
    page.keyboard.type(amount)
    page.keyboard.press("Enter")
    expect(page.get_by_label("Check number")).to_be_focused()
    page.keyboard.type(number)
    page.keyboard.press("Enter")


def test_a_mail_batch_by_keyboard_and_its_exception_resolved_by_keyboard(page, mail_day):
    big, small = mail_day
    # Given the clerk signed in, on Mail batches.
    sign_in(page, "clerk", "clerk-demo-2026")
    page.goto("/counter/remittance/")

    # When the tape's total and count are typed: the cursor starts in Control total.
    expect(page.get_by_label("Control total")).to_be_focused()
    page.keyboard.type("1300.00")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Number of checks")).to_be_focused()
    page.keyboard.type("2")
    page.keyboard.press("Enter")

    # Then the batch opens, the cursor in the scanline box.
    page.wait_for_url(re.compile(r"/counter/remittance/\d+/$"))
    batch = RemittanceBatch.objects.get()
    expect(page.get_by_role("heading", name=re.compile(batch.number))).to_be_visible()

    # When two checks are keyed: one pays the $1,000.00 bill, one names no bill of ours.
    key_a_check(page, big.number, "1000.00", "2001")
    items = page.get_by_role("table", name="Items")
    expect(items.get_by_role("row")).to_have_count(2)  # the header and the first check
    key_a_check(page, "T-NO-SUCH-BILL", "300.00", "2002")
    expect(items.get_by_role("row")).to_have_count(3)
    expect(items).to_contain_text("Exception")
    expect(page.get_by_text("Totals agree")).to_be_visible()
    expect(page.get_by_label("Scanline or bill number")).to_be_focused()

    # And F8 opens the confirmation, whose button has the focus: Enter posts.
    page.keyboard.press("F8")
    page.wait_for_url(re.compile(r"/post/\??$"))
    post = page.get_by_role("button", name=f"Post batch {batch.number} now")
    expect(post).to_be_focused()
    page.keyboard.press("Enter")

    # Then the batch is posted: a receipt for the clean check, the other held.
    page.wait_for_url(re.compile(r"/counter/remittance/\d+/$"))
    expect(page.get_by_text(re.compile(rf"Batch {batch.number} posted: 1 receipt"))).to_be_visible()
    batch.refresh_from_db()
    assert batch.status == RemittanceBatch.Status.POSTED

    # When a Supervisor opens the queue and, by keyboard, returns the check to its sender with
    # a note.
    sign_in(page, "supervisor", "supervisor-demo-2026")
    page.goto("/counter/remittance/exceptions/")
    item = batch.items.get(state=RemittanceItem.State.EXCEPTION)
    row = page.get_by_role("form", name=f"Resolve {batch.number} item {item.sequence}")
    decision = row.get_by_label("Decision")
    tab_to(page, decision)
    for _ in range(3):  # Apply to the bill -> Apply part -> Hold -> Return to sender
        page.keyboard.press("ArrowDown")
    expect(decision).to_have_value("return")
    page.keyboard.press("Tab")
    expect(row.get_by_label("Amount to apply")).to_be_focused()
    page.keyboard.press("Tab")
    expect(row.get_by_label("Note")).to_be_focused()
    page.keyboard.type("The stub names no bill of ours")
    page.keyboard.press("Enter")

    # Then the check is returned, its letter offered, the queue empty; the clean check paid.
    expect(page.get_by_text(f"{batch.number} item 2 ($300.00) returned to sender")).to_be_visible()
    expect(page.get_by_role("link", name="Return letter (PDF)")).to_be_visible()
    item.refresh_from_db()
    big.refresh_from_db()
    assert item.state == RemittanceItem.State.RETURNED
    assert item.resolution_note == "The stub names no bill of ours"
    assert big.balance == Decimal("0.00")
    assert small.balance == Decimal("250.00")
