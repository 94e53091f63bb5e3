"""A Supervisor signs in with password and code; an Admin without an app enrols by its QR code."""

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from cashiering.two_factor.services import totp_code_now, totp_device_of

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _password(page, username: str) -> None:
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(f"{username}-demo-2026")
    page.get_by_label("Password").press("Enter")


def test_the_demo_supervisor_types_the_code_and_reaches_the_home_page(page, users):
    # given the demo Supervisor past the password
    page.goto("/")
    _password(page, "supervisor")
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    expect(page.get_by_text("Enter the 6-digit code from your authenticator app")).to_be_visible()

    # when the code the app shows is typed, by keyboard (the box has the focus)
    page.keyboard.type(totp_code_now(totp_device_of(users["Supervisor"])))
    page.keyboard.press("Enter")

    # then the Supervisor reaches the home page
    expect(page.get_by_role("heading", name="Welcome, Sam Supervisor")).to_be_visible()
    page.get_by_role("link", name="Trial balance").first.click()
    expect(page.get_by_role("heading", name="Trial balance")).to_be_visible()


def test_an_admin_without_an_app_scans_the_qr_code_and_confirms_it(page, users):
    # given the demo Admin whose device an Admin removed
    TOTPDevice.objects.filter(user=users["Admin"]).delete()

    # when they sign in
    page.goto("/")
    _password(page, "admin")

    # then they are shown a QR code and the key, and the code from their new app confirms it
    expect(page.get_by_role("heading", name="Set up your authenticator app")).to_be_visible()
    expect(page.locator("figure svg")).to_be_visible()
    device = TOTPDevice.objects.get(user=users["Admin"], confirmed=False)
    code = str(totp(device.bin_key, device.step, device.t0, device.digits, device.drift))
    page.get_by_label("Code").fill(code.zfill(6))
    page.get_by_role("button", name="Confirm and continue").click()
    expect(page.get_by_role("heading", name="Welcome, Alex Admin")).to_be_visible()
    device.refresh_from_db()
    assert device.confirmed
