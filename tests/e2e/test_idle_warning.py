"""The idle sign-out's warning: shown before the office's timeout, "Stay signed in" keeps the
session. (The office's timeout is 1 minute; the warning is set to show 52 seconds before.)"""

import pytest
from playwright.sync_api import expect

from payments.models import Office

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_warning_shows_and_stay_signed_in_keeps_the_session(page, users, office, settings):
    # Given an office that signs idle sessions out after a minute, warning 52 seconds before
    Office.objects.filter(pk=office.pk).update(idle_timeout_minutes=1)
    settings.IDLE_WARNING_SECONDS = 52
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("clerk")
    page.get_by_label("Password").fill("clerk-demo-2026")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Welcome, Casey Clerk")).to_be_visible()

    # When the clerk leaves the page alone, the warning comes up
    warning = page.get_by_role("dialog", name="Still there?")
    expect(warning).to_be_hidden()
    expect(warning).to_be_visible(timeout=20_000)
    expect(warning.get_by_text("Without activity you will be signed out in")).to_be_visible()

    # And "Stay signed in" closes it, and the clerk is still signed in
    with page.expect_response(lambda r: "/accounts/still-here/" in r.url) as answer:
        warning.get_by_role("button", name="Stay signed in").click()
    assert answer.value.status == 200
    assert answer.value.json() == {"seconds_left": 60}
    expect(warning).to_be_hidden()
    page.reload()
    expect(page.get_by_role("heading", name="Welcome, Casey Clerk")).to_be_visible()
