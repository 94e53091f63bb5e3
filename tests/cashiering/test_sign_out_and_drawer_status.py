"""The home page says whether the clerk's drawer is open; signing out with an open drawer asks
first (close it, or sign out anyway)."""

import re

import pytest
from django.urls import reverse

from payments.services import counter_setup_seed
from tests.factories import UserFactory, fund_change_fund
from tests.payments.conftest import issue, open_drawer


@pytest.fixture
def office(reference):
    office = counter_setup_seed(office_code="CH", office_name="Chamberlain's Office", windows=4)
    fund_change_fund(office)
    return office


def test_home_offers_to_open_a_drawer_when_none_is_open(client, clerk):
    client.force_login(clerk)

    page = client.get(reverse("home")).text

    assert "You have no drawer open." in page
    assert f'href="{reverse("payments:drawer_open")}"' in page


def test_home_says_the_drawer_is_open_and_links_to_it(client, clerk, office):
    open_drawer(clerk, office, number=2)
    client.force_login(clerk)

    page = client.get(reverse("home")).text

    assert "Your drawer at Window 2 is open" in page
    assert f'href="{reverse("payments:drawer")}"' in page
    assert "You have no drawer open." not in page


def test_home_of_someone_who_takes_no_payments_says_nothing_of_drawers(client, db):
    client.force_login(UserFactory(username="newcomer"))

    page = client.get(reverse("home")).text

    assert "drawer open" not in page
    assert "Your account has no role yet: ask an Admin to give you one." in page


def test_home_says_an_admin(client, admin_user):
    client.force_login(admin_user)

    assert "You are signed in as an <strong>Admin</strong>" in client.get(reverse("home")).text


def test_sign_out_without_an_open_drawer_signs_out(client, clerk):
    client.force_login(clerk)

    response = client.post(reverse("logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_sign_out_with_an_open_drawer_warns_and_stays_signed_in(client, clerk, office):
    open_drawer(clerk, office, number=3)
    client.force_login(clerk)

    response = client.post(reverse("logout"))

    assert response.status_code == 200
    assert "Your drawer is still open" in response.text
    assert "Window 3" in response.text
    assert f'href="{reverse("reconciliation:drawer_close")}"' in response.text
    assert "Sign out anyway" in response.text
    assert client.session["_auth_user_id"] == str(clerk.pk)


def test_sign_out_anyway_signs_out_and_leaves_the_drawer_open(client, clerk, office):
    drawer = open_drawer(clerk, office)
    client.force_login(clerk)

    response = client.post(reverse("logout"), {"anyway": "1"})

    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    drawer.refresh_from_db()
    assert drawer.status == "open"


def test_sign_out_is_still_post_only(client, clerk):
    client.force_login(clerk)

    assert client.get(reverse("logout")).status_code == 405
    assert client.session["_auth_user_id"] == str(clerk.pk)


def test_the_admin_sites_log_out_goes_through_the_open_drawer_warning(client, admin_user, office):
    # Given an Admin with a drawer open at Window 4, on the admin site.
    open_drawer(admin_user, office, number=4)
    client.force_login(admin_user)
    page = client.get(reverse("admin:index"))
    assert page.status_code == 200

    # When they press the admin header's "Log out".
    action = re.search(r'<form id="logout-form" method="post" action="([^"]+)"', page.text)
    assert action, "the admin header has no log-out form"
    response = client.post(action.group(1))

    # Then it is the app's sign-out: warned, still signed in, and "anyway" signs out.
    assert action.group(1) == reverse("logout")
    assert response.status_code == 200
    assert "Your drawer is still open" in response.text
    assert "Window 4" in response.text
    assert client.session["_auth_user_id"] == str(admin_user.pk)
    assert client.post(action.group(1), {"anyway": "1"}).status_code == 302
    assert "_auth_user_id" not in client.session


def test_sign_out_names_an_unposted_cart_and_what_was_tendered(client, clerk, office, dana):
    # Given a clerk with a bill in the cart and $100.00 cash tendered, nothing posted.
    open_drawer(clerk, office)
    client.force_login(clerk)
    bill = issue(dana, clerk, amount="100.00")
    client.post(reverse("payments:cart_bill_add"), {"bill": bill.pk})
    client.post(reverse("payments:cart_tender_add"), {"kind": "cash", "amount": "100.00"})

    # When they sign out.
    response = client.post(reverse("logout"))

    # Then the warning says the cart and its tenders would be dropped.
    assert response.status_code == 200
    assert (
        "The counter's cart is not posted: it holds 1 item and $100.00 tendered. Signing out"
        " drops it: hand the tenders back, or go back to the counter and post it." in response.text
    )


def test_sign_out_with_an_empty_cart_says_nothing_of_it(client, clerk, office):
    open_drawer(clerk, office)
    client.force_login(clerk)
    client.get(reverse("payments:counter"))  # the counter keeps a new, empty cart

    response = client.post(reverse("logout"))

    assert response.status_code == 200
    assert "cart is not posted" not in response.text


def test_admin_logout_posted_directly_also_warns_of_an_open_drawer(client, admin_user, office):
    # Given an Admin with a drawer open (an old admin tab, a bookmark, a browser extension).
    open_drawer(admin_user, office, number=4)
    client.force_login(admin_user)

    # When the admin's own log-out URL is posted directly.
    response = client.post(reverse("admin:logout"))

    # Then the same warning as the app's sign-out, still signed in; GET still refused.
    assert response.status_code == 200
    assert "Your drawer is still open" in response.text
    assert client.session["_auth_user_id"] == str(admin_user.pk)
    assert client.get(reverse("admin:logout")).status_code == 405
    assert client.post(reverse("admin:logout"), {"anyway": "1"}).status_code == 302
    assert "_auth_user_id" not in client.session


def test_admin_logout_still_needs_the_csrf_token(admin_user):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_user)

    assert client.post(reverse("admin:logout")).status_code == 403
    assert client.session["_auth_user_id"] == str(admin_user.pk)
