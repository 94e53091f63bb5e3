"""The counter's scanner detector (static/js/counter.js) against fast typists that are not
scanners: a password manager auto-typing a Supervisor's sign-in at 5 ms a key, and a clerk
flying through the fee form. Nothing typed in a sensitive field may reach the search, the page
or any request but the one that checks it."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from billing.demo import reference_data_seed
from billing.models import BillType
from cashiering.demo import demo_users_seed
from ledger.services import chart_of_accounts_seed
from payments.models import Payment
from payments.services import counter_setup_seed
from tests.factories import fund_change_fund
from tests.payments.conftest import issue, open_drawer

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SUPERVISOR_PASSWORD = "supervisor-demo-2026"
WRONG_PASSWORD = "Wr0ng-but-close-2026"
KEY_MS = 5  # a password manager's auto-type


@pytest.fixture
def counter(dana):
    chart_of_accounts_seed()
    reference_data_seed()
    users = demo_users_seed()
    office = counter_setup_seed(office_code="CH", office_name="City Chamberlain's Office")
    fund_change_fund(office)
    open_drawer(users["Clerk"], office)
    return users


def sign_in_as_clerk(page) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("clerk")
    page.get_by_label("Password").fill("clerk-demo-2026")
    page.get_by_role("button", name="Sign in").click()
    page.goto("/counter/")


def record_requests(page) -> list[tuple[str, str, str]]:
    """Every request the page makes: (method, URL, body)."""
    seen: list[tuple[str, str, str]] = []
    page.on(
        "request",
        lambda request: seen.append((request.method, request.url, request.post_data or "")),
    )
    return seen


def test_a_supervisor_password_typed_at_5_ms_a_key_stays_in_its_field(page, counter, dana, caplog):
    # Given a parking ticket paid in part: the policy needs a Supervisor's approval.
    ticket = issue(dana, counter["Supervisor"], bill_type=BillType.PARKING, amount="45.00")
    requests = record_requests(page)
    caplog.set_level("DEBUG")
    sign_in_as_clerk(page)
    search = page.get_by_label("Search or scan")
    cart = page.get_by_role("region", name="Cart")
    search.fill(ticket.number)
    search.press("Enter")
    amount = cart.get_by_label(f"Amount to pay on {ticket.number}")
    expect(amount).to_have_value("45.00")
    amount.fill("20.00")
    amount.press("Enter")
    expect(cart.locator("[data-total]")).to_have_text("20.00")
    page.get_by_label("Tender", exact=True).select_option("cash")
    page.get_by_role("button", name="Add tender").click()
    expect(cart.get_by_text("Change due")).to_be_visible()
    page.get_by_role("button", name=re.compile("Post payment")).click()
    expect(cart.get_by_text("A Supervisor must approve:")).to_be_visible()
    search.fill("")
    results = page.locator("#results")
    results_before = results.inner_text()

    # When a password manager types the sign-in, a wrong password first, as fast as a scanner:
    # the name, Tab, the password, Enter.
    cart.get_by_label("Supervisor", exact=True).click()
    page.keyboard.type("supervisor", delay=KEY_MS)
    page.keyboard.press("Tab")
    expect(cart.get_by_label("Supervisor's password")).to_be_focused()
    page.keyboard.type(WRONG_PASSWORD, delay=KEY_MS)
    page.keyboard.press("Enter")

    # Then the check says no, and the password went nowhere else.
    expect(cart.get_by_text("That is not a Supervisor's name and password.")).to_be_visible()
    expect(search).to_have_value("")
    assert results.inner_text() == results_before
    expect(page.get_by_text("Nothing found")).to_have_count(0)
    assert WRONG_PASSWORD not in page.content()
    assert not Payment.objects.exists()

    # When the Supervisor posts again and the right password is auto-typed.
    page.get_by_role("button", name=re.compile("Post payment")).click()
    expect(cart.get_by_label("Supervisor's password")).to_have_value("")
    cart.get_by_label("Supervisor", exact=True).fill("")
    cart.get_by_label("Supervisor", exact=True).click()
    page.keyboard.type("supervisor", delay=KEY_MS)
    page.keyboard.press("Tab")
    page.keyboard.type(SUPERVISOR_PASSWORD, delay=KEY_MS)
    page.keyboard.press("Enter")

    # Then the payment posts with the Supervisor's approval.
    expect(page.get_by_role("heading", name=re.compile(r"Receipt CH-\d{4}-000001"))).to_be_visible()
    assert SUPERVISOR_PASSWORD not in page.content()
    payment = Payment.objects.get()
    assert payment.approved_by == counter["Supervisor"]
    assert payment.total == 20

    # And only the credential checks carried a password: no search, no URL, no log line.
    credential_posts = [r for r in requests if r[1].endswith("/counter/cart/post/")]
    assert len(credential_posts) == 4  # refused, wrong password, refused, approved
    for method, url, body in requests:
        for secret in (WRONG_PASSWORD, SUPERVISOR_PASSWORD):
            assert secret not in url, url
            if (method, url, body) not in credential_posts:
                assert secret not in body, (method, url)
    assert not any("/counter/search/" in url and method == "GET" for method, url, _ in requests)
    for secret in (WRONG_PASSWORD, SUPERVISOR_PASSWORD):
        assert secret not in caplog.text


def test_fast_typing_in_the_fee_form_is_not_taken_for_a_scan(page, counter):
    # Given the counter with its fee panel open on the fee selector.
    requests = record_requests(page)
    sign_in_as_clerk(page)
    page.keyboard.press("F3")
    expect(page.get_by_label("Fee or sale")).to_be_focused()

    # When the clerk types the fee's name into the selector, Tab, a quantity and Enter, all at
    # 5 ms a key (a scanner's pace, and longer than a scan's shortest burst).
    page.keyboard.type("Trash tags, sheet", delay=KEY_MS)
    page.keyboard.press("Tab")
    page.keyboard.press("Control+a")
    page.keyboard.type("12", delay=KEY_MS)
    page.keyboard.press("Enter")

    # Then the fee form, not the search, got it: twelve sheets in the cart at $27.00 each.
    cart = page.get_by_role("region", name="Cart")
    expect(cart.get_by_text("Trash tags, sheet of 6 x 12")).to_be_visible()
    expect(cart.locator("[data-total]")).to_have_text("324.00")
    expect(page.get_by_label("Search or scan")).to_have_value("")
    expect(page.locator("#results")).to_be_empty()
    assert not any("/counter/search/" in url for _, url, _ in requests)


def test_a_scan_into_the_quantity_field_still_goes_to_the_search(page, counter, dana):
    # A scanner is not a password manager: a burst in an ordinary field (the quantity, a
    # number input) is still a scan, and the field keeps what it held.
    bill = issue(dana, counter["Supervisor"], amount="212.40", due=date(2027, 1, 31))
    sign_in_as_clerk(page)
    page.keyboard.press("F3")
    quantity = page.get_by_label("Quantity")
    quantity.click()
    page.keyboard.type(bill.number, delay=2)
    page.keyboard.press("Enter")
    cart = page.get_by_role("region", name="Cart")
    expect(cart.get_by_label(f"Amount to pay on {bill.number}")).to_have_value("212.40")
    expect(quantity).to_have_value("1")
