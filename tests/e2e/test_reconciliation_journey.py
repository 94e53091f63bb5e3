"""The end of a day in the browser (issue 9): the clerk closes the drawer blind and is $20
short; a Supervisor signs off the variance, counts the safe with a second person and prepares
the deposit; another Supervisor verifies the bag; the first signs off the day and downloads the
signed report as a PDF. Each page is found from the home page and filled by label, keyboard
first."""

import io
import re
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from billing.demo import reference_data_seed
from cashiering.demo import demo_users_seed
from ledger.selectors import ledger_violations
from ledger.services import chart_of_accounts_seed
from payments.models import Workstation
from payments.services import BillItem, counter_setup_seed, drawer_open, payment_record
from reconciliation.models import DaySignoff, Deposit, DrawerClose, SafeCount
from tests.e2e.conftest import type_two_factor_code
from tests.factories import fund_change_fund
from tests.payments.conftest import cash, check, issue

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Password").press("Enter")
    type_two_factor_code(page, username)
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()


def another_person(browser, live_server, username: str, password: str):
    """A second person at their own screen: a browser context of their own, signed in."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, username, password)
    return context, page


def tick(box) -> None:
    """Tick a checkbox from the keyboard."""
    box.focus()
    box.press("Space")
    expect(box).to_be_checked()


def test_the_end_of_a_day_from_blind_close_to_the_signed_report(page, browser, live_server, dana):
    # Given: the office, its people, and a drawer that took $100 cash and a $50 check.
    chart_of_accounts_seed()
    reference_data_seed()
    users = demo_users_seed()
    office = counter_setup_seed(office_code="CH", office_name="City Chamberlain's Office")
    fund_change_fund(office)
    clerk, supervisor = users["Clerk"], users["Supervisor"]
    drawer = drawer_open(
        clerk=clerk,
        workstation=Workstation.objects.get(office=office, name="Window 1"),
        counts={"$20 bills": 10, "Quarters": 40},
    )
    for bill_amount, tender in (("100.00", cash("100.00")), ("50.00", check("50.00", "4417"))):
        bill = issue(dana, supervisor, amount=bill_amount)
        payment_record(
            drawer=drawer,
            items=[BillItem(bill_id=bill.pk, amount=Decimal(bill_amount))],
            tenders=[tender],
            token=uuid.uuid4(),
            by=clerk,
        )

    # The clerk closes blind: nothing on the page says the drawer should hold $310 and a $50
    # check. They count $290 (14 twenties, 40 quarters), tick the check and submit.
    sign_in(page, "clerk", "clerk-demo-2026")
    page.get_by_role("link", name="Close my drawer").click()
    expect(page.get_by_role("heading", name=re.compile("Close my drawer"))).to_be_visible()
    main = page.get_by_role("main")
    for expected in ("310", "50.00", "210"):
        expect(main).not_to_contain_text(expected)
    page.get_by_label("$20 bills").fill("14")
    page.get_by_label("Quarters").fill("40")
    tick(page.get_by_label("Check 4417, Dana Whitfield"))
    page.get_by_label("Card terminal batch total").fill("0.00")
    page.get_by_label("Card terminal batch total").press("Enter")
    expect(page.get_by_text(re.compile(r"waits for a Supervisor's sign-off"))).to_be_visible()
    expect(main).to_contain_text("310.00")  # after submitting: expected against counted
    expect(main).to_contain_text("-20.00")
    close = DrawerClose.objects.get(drawer=drawer)
    assert close.status == DrawerClose.Status.COUNTED

    # A Supervisor signs off the variance with a reason.
    sam_context, sam = another_person(browser, live_server, "supervisor", "supervisor-demo-2026")
    sam.get_by_role("link", name="Drawer closes").click()
    expect(sam.get_by_role("heading", name="Drawers awaiting sign-off")).to_be_visible()
    sam.get_by_role("link", name=f"Review and sign off drawer {drawer.pk}").click()
    reason = sam.get_by_label(re.compile("^Reason"))
    reason.fill("Short change given to a customer; the clerk was told.")
    sam.get_by_role("button", name="Sign off").click()
    expect(sam.get_by_text(f"Drawer {drawer.pk} signed off and closed.")).to_be_visible()

    # The safe holds $80 of collections (the $210 float went back to the change fund) and the
    # check; the Supervisor counts it with a second person who types their sign-in.
    sam.get_by_role("link", name="Home").click()
    sam.get_by_role("link", name="Safe and deposits").click()
    sam.get_by_role("link", name="Count the safe").click()
    expect(sam.get_by_role("heading", name=re.compile("Count the safe"))).to_be_visible()
    collections = sam.get_by_role("group", name="Collections cash (not the change fund)")
    collections.get_by_label("$20 bills").fill("4")
    sam.get_by_role("group", name="Change fund", exact=True).get_by_label("$100 bills").fill("200")
    tick(sam.get_by_role("group", name="Checks found in the safe").get_by_label("4417"))
    sam.get_by_label("Second person counting", exact=True).fill("supervisor2")
    password = sam.get_by_label("Second person counting: password")
    password.fill("supervisor2-demo-2026")
    password.press("Enter")
    expect(sam.get_by_text(re.compile(r"Safe counted with .*difference \$0\.00"))).to_be_visible()
    assert SafeCount.objects.get(office=office).witness.username == "supervisor2"

    # The Supervisor prepares the deposit: the $80 and the check in bag B-77.
    sam.get_by_role("link", name="Home").click()
    sam.get_by_role("link", name="Safe and deposits").click()
    sam.get_by_role("link", name="Prepare a deposit").click()
    sam.get_by_label("Bag number").fill("B-77")
    sam.get_by_role("group", name="Cash in the bag").get_by_label("$20 bills").fill("4")
    tick(sam.get_by_role("group", name="Checks in this bag").get_by_label("4417"))
    sam.get_by_role("button", name="Prepare the bag").click()
    expect(sam.get_by_text("Bag B-77 prepared ($130.00)", exact=False)).to_be_visible()
    expect(sam.get_by_role("button", name="Verify the bag")).to_have_count(0)

    # Another Supervisor verifies it at their own screen with their own count.
    pat_context, pat = another_person(browser, live_server, "supervisor2", "supervisor2-demo-2026")
    pat.get_by_role("link", name="Safe and deposits").click()
    pat.get_by_role("link", name="B-77", exact=True).click()
    expect(pat.get_by_role("heading", name=re.compile("Deposit bag B-77"))).to_be_visible()
    pat.get_by_role("group", name="Cash I counted in the bag").get_by_label("$20 bills").fill("4")
    tick(pat.get_by_role("group", name="Checks I hold from this bag").get_by_label("4417"))
    pat.get_by_role("button", name="Verify the bag").click()
    expect(pat.get_by_text("Bag B-77 verified: in transit.")).to_be_visible()
    deposit = Deposit.objects.get(bag_number="B-77")
    assert (deposit.status, deposit.prepared_by, deposit.verified_by.username) == (
        Deposit.Status.VERIFIED,
        supervisor,
        "supervisor2",
    )
    pat_context.close()

    # The bag's deposit slip, from the list of deposits.
    sam.get_by_role("link", name="Home").click()
    sam.get_by_role("link", name="Safe and deposits").click()
    slip = sam.get_by_role("link", name="PDF slip of bag B-77").get_attribute("href")
    response = sam.request.get(slip)
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")

    # The first Supervisor signs off the day and downloads the signed report.
    sam.get_by_role("link", name="Home").click()
    sam.get_by_role("link", name="Daily balancing and day close").click()
    expect(sam.get_by_role("heading", name="Daily balancing report")).to_be_visible()
    sam.get_by_role("button", name="Sign off the day").click()
    expect(sam.get_by_text(re.compile(r"is signed off \(version 1\)"))).to_be_visible()
    with sam.expect_download() as download_info:
        sam.get_by_role("link", name="Download the signed report").click()
    download = download_info.value
    assert download.suggested_filename.endswith("-v1.pdf")
    body = Path(download.path()).read_bytes()
    assert body.startswith(b"%PDF-")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)
    assert "Signed off by" in text and "B-77" in text
    signoff = DaySignoff.objects.get(office=office)
    assert signoff.signed_by == supervisor
    assert ledger_violations() == []
    sam_context.close()
