"""A clerk signs in with the demo login and lands on the home page."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_demo_clerk_signs_in_and_sees_the_home_page(page, users):
    page.goto("/")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("Username").fill("clerk")
    page.get_by_label("Password").fill("clerk-demo-2026")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="Welcome, Casey Clerk")).to_be_visible()
    expect(page.get_by_text("You are signed in as a Clerk.")).to_be_visible()
    expect(page.get_by_role("link", name="Change my password")).to_be_visible()
    expect(page.get_by_role("link", name="Trial balance")).to_have_count(0)
    # Bootstrap came from our own static files, not the internet
    assert page.evaluate("getComputedStyle(document.body).fontFamily").startswith("system-ui")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def test_wrong_password_is_explained(page, users):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("clerk")
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()
