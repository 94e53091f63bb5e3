"""Under the Content Security Policy (no inline script or style), the main pages of each role
load without a single violation, and what used inline code still works: the confirm dialogs
(static/js/confirm.js), the upload progress (static/js/upload_progress.js), htmx's cart."""

import re
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from playwright.sync_api import expect

from billing.demo import reference_data_seed
from cashiering.demo import demo_users_seed
from ledger.services import chart_of_accounts_seed
from payments.models import Payment, Workstation
from payments.services import BillItem, counter_setup_seed, drawer_open, payment_record
from tests.e2e.conftest import type_two_factor_code
from tests.factories import fund_change_fund
from tests.payments.conftest import cash, issue

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"

# Runs before any page script (Playwright's init scripts are not subject to the page's CSP):
# every violation the browser reports is written to the console, where the test collects it.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI} ${event.sample}`);
});
"""


def watch(page) -> list[str]:
    """The CSP violations (and script errors) the page reports, from now on."""
    problems: list[str] = []
    page.context.add_init_script(REPORT_VIOLATIONS)

    def on_console(message) -> None:
        text = message.text
        if "Content Security Policy" in text or "CSP violation" in text or "htmx:" in text:
            problems.append(text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    return problems


def sign_in(page, username: str, password: str) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_label("Password").press("Enter")
    type_two_factor_code(page, username)
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()


def _office_with_a_payment(dana):
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
    paid = issue(dana, supervisor, amount="100.00")
    payment = payment_record(
        drawer=drawer,
        items=[BillItem(bill_id=paid.pk, amount=Decimal("100.00"))],
        tenders=[cash("100.00")],
        token=uuid.uuid4(),
        by=clerk,
    )
    unpaid = issue(dana, supervisor, amount="55.00")
    return payment, unpaid


def test_a_clerks_pages_and_the_void_confirmation_work_under_the_policy(page, dana):
    payment, unpaid = _office_with_a_payment(dana)
    problems = watch(page)
    sign_in(page, "clerk", "clerk-demo-2026")

    # The counter with a cart (htmx swaps, with htmx's eval turned off).
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Counter").click()
    search = page.get_by_label("Search or scan")
    search.fill(unpaid.number)
    search.press("Enter")
    cart = page.get_by_role("region", name="Cart")
    expect(cart.get_by_label(f"Amount to pay on {unpaid.number}")).to_have_value("55.00")

    # The receipt: "Void now" asks first, from the keyboard too; Cancel sends nothing.
    page.goto(reverse("payments:payment", args=[payment.receipt_number]))
    page.get_by_text("Void this receipt").click()
    void_form = page.locator("form", has=page.get_by_role("button", name="Void now"))
    void_form.get_by_label("Reason").fill("Customer paid the wrong bill")
    void_form.get_by_label("Supervisor", exact=True).fill("supervisor")
    void_form.get_by_label("Supervisor's password").fill("supervisor-demo-2026")
    asked: list[str] = []

    def dismiss(dialog) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    void_form.get_by_role("button", name="Void now").press("Enter")
    assert asked == [f"Void receipt {payment.receipt_number}? This cannot be undone."]
    expect(void_form.get_by_role("button", name="Void now")).to_be_visible()
    payment.refresh_from_db()
    assert payment.status == Payment.Status.POSTED

    def accept(dialog) -> None:
        asked.append(dialog.message)
        dialog.accept()

    page.once("dialog", accept)
    void_form.get_by_role("button", name="Void now").click()
    expect(page.get_by_text(f"Receipt {payment.receipt_number} is void.")).to_be_visible()
    assert len(asked) == 2

    # The drawer close page.
    page.goto(reverse("reconciliation:drawer_close"))
    expect(page.get_by_role("heading", name=re.compile("Close my drawer"))).to_be_visible()

    assert problems == []


def test_a_supervisors_and_an_admins_pages_and_the_upload_progress_work(page, dana):
    _office_with_a_payment(dana)
    problems = watch(page)
    sign_in(page, "supervisor", "supervisor-demo-2026")

    for url in (
        reverse("reconciliation:daily"),
        reverse("reconciliation:custody"),
        reverse("payments:approvals"),
        reverse("payments:receipts"),
    ):
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        assert "script-src 'self'" in response.headers["content-security-policy"]

    # The import page: the upload progress bar fills as the file goes up (no hx-on).
    page.goto(reverse("billing:import"))
    page.evaluate(
        """() => {
          window.uploadProgress = [];
          document.addEventListener("htmx:xhr:progress", () =>
            window.uploadProgress.push(document.getElementById("upload-progress").value));
        }"""
    )
    page.get_by_label("Billing system").select_option("tax")
    page.get_by_label("CSV file").set_input_files(str(SAMPLES / "tax.csv"))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("Imported 6 bills from tax.csv")).to_be_visible()
    progress = page.evaluate("window.uploadProgress")
    assert progress and progress[-1] == 100
    page.get_by_role("button", name="Sign out").click()

    # Django's own admin, under the same policy.
    sign_in(page, "admin", "admin-demo-2026")
    for url in (reverse("admin:index"), reverse("admin:auth_user_changelist")):
        response = page.goto(url)
        assert response is not None and response.status == 200, url
    page.goto(reverse("admin:auth_user_change", args=[User.objects.get(username="clerk").pk]))
    expect(page.get_by_role("button", name="Save", exact=True)).to_be_visible()

    assert problems == []
