"""A mail batch by keyboard alone, in Chromium at 1366x768: the clerk types the tape's control
total and count, scans three stubs (a scanner types the scanline and Enter), keys each check's
amount and number, sees the running totals agree, posts with the confirmation (F8, Enter) and
opens the batch report (static/js/remittance.js)."""

import re

import pytest
from playwright.sync_api import expect

from billing.demo import reference_data_seed
from billing.models import Customer
from billing.scanline import configured_scheme, scanline_build
from cashiering.demo import demo_users_seed
from ledger.services import chart_of_accounts_seed
from payments.models import RemittanceBatch
from payments.services import counter_setup_seed
from tests.factories import fund_change_fund
from tests.payments.conftest import issue

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AMOUNTS = ("410.00", "275.25", "1,000.00")


@pytest.fixture
def mail():
    """The demo office and three tax bills, each paid by a mailed check for what it owes."""
    chart_of_accounts_seed()
    reference_data_seed()
    users = demo_users_seed()
    office = counter_setup_seed(office_code="CH", office_name="City Chamberlain's Office")
    fund_change_fund(office)
    bills = []
    for n, amount in enumerate(AMOUNTS):
        owner = Customer.objects.create(name=f"Mailed Payer {n}", city="Ithaca")
        bill = issue(owner, users["Supervisor"], amount=amount.replace(",", ""))
        bills.append(bill)
    return bills


def stub_of(bill) -> str:
    return scanline_build(reference=bill.pk, amount=bill.balance, scheme=configured_scheme())


def test_a_clerk_works_a_mail_batch_by_keyboard_alone(page, mail):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("clerk")
    page.get_by_label("Password").fill("clerk-demo-2026")
    page.get_by_label("Password").press("Enter")
    page.goto("/counter/remittance/")

    # The tape: $1,685.25 in three checks.
    expect(page.get_by_label("Control total")).to_be_focused()
    page.keyboard.type("1,685.25")
    page.keyboard.press("Tab")
    page.keyboard.type("3")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name=re.compile(r"^Batch RB-"))).to_be_visible()

    totals = page.get_by_role("status", name="Running totals")
    scanline_box = page.get_by_label("Scanline or bill number")
    for count, (bill, amount) in enumerate(zip(mail, AMOUNTS, strict=True), start=1):
        expect(scanline_box).to_be_focused()
        page.keyboard.type(stub_of(bill))  # the scanner's burst
        page.keyboard.press("Enter")
        expect(page.get_by_label("Check amount")).to_be_focused()
        page.keyboard.type(amount)
        page.keyboard.press("Enter")
        expect(page.get_by_label("Check number")).to_be_focused()
        page.keyboard.type(f"{3100 + count}")
        page.keyboard.press("Enter")
        expect(totals).to_contain_text(f"{count} of 3")

    expect(totals).to_contain_text("Totals agree")
    items = page.get_by_role("table", name="Items")
    expect(items.get_by_text("Clean")).to_have_count(3)

    # F8: the confirmation; Enter on its button posts.
    page.keyboard.press("F8")
    confirm = page.get_by_role("button", name=re.compile(r"^Post batch RB-.* now$"))
    expect(confirm).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("3 receipts for $1,685.25")
    batch = RemittanceBatch.objects.get()
    assert batch.status == RemittanceBatch.Status.POSTED
    receipts = [item.payment.receipt_number for item in batch.items.order_by("sequence")]
    for number in receipts:
        expect(items.get_by_role("link", name=number)).to_be_visible()

    report = page.get_by_role("link", name="Batch report (PDF)")
    response = page.request.get(report.get_attribute("href"))
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
