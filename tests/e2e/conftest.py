"""Browser tests: Playwright driving Debian's Chromium (never a downloaded browser)."""

import os

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect, sync_playwright

from cashiering.two_factor.services import totp_code_now, totp_device_of, two_factor_required
from tests.payments.conftest import office  # noqa: F401 (a fixture the journeys share)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Playwright's sync API runs an event loop in the test thread; the test thread only prepares
# data through the ORM while the live server answers the browser from its own thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs Debian's chromium package.")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def type_two_factor_code(page, username: str, *, keyboard: bool = False) -> None:
    """After the password, a Supervisor or Admin types the code their authenticator app shows
    now, computed from their device's key (django_otp.oath); others have no such step. With
    `keyboard`, typed into the focused field as a person at the keyboard would."""
    user = User.objects.get(username=username)
    if not two_factor_required(user, admin_site=False):
        return
    expect(page.get_by_role("heading", name="Enter your code")).to_be_visible()
    device = totp_device_of(user)
    assert device is not None, f"{username} has no authenticator device"
    code = totp_code_now(device)
    if keyboard:
        page.keyboard.type(code)  # the code box has the focus
        page.keyboard.press("Enter")
    else:
        page.get_by_label("Code").fill(code)
        page.get_by_role("button", name="Verify").click()
