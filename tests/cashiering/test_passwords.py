"""Passwords: Django's validators wherever one is set (the user admin, the own password page),
and a typed password never in a URL or sent back into a page."""

import contextlib
import uuid

import pytest
from django.contrib.auth.models import User
from django.urls import reverse

from tests.payments.conftest import open_drawer

LOGIN = "/accounts/login/"


def test_the_validators_are_configured():
    from django.contrib.auth.password_validation import get_default_password_validators

    names = {type(v).__name__ for v in get_default_password_validators()}
    assert names == {
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    }


def test_an_admin_adding_a_user_gets_the_validators_answer(client, admin_user):
    client.force_login(admin_user)
    page = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "newclerk",
            "usable_password": "true",
            "password1": "password",
            "password2": "password",
        },
    )
    assert page.status_code == 200
    assert "This password is too common." in page.text
    assert not User.objects.filter(username="newclerk").exists()


def test_an_admin_resetting_a_password_gets_the_validators_answer(client, admin_user, clerk):
    client.force_login(admin_user)
    url = reverse("admin:auth_user_password_change", args=[clerk.pk])
    page = client.post(url, {"password1": "12345678", "password2": "12345678"})
    assert "This password is entirely numeric." in page.text
    clerk.refresh_from_db()
    assert clerk.check_password("clerk-demo-2026")


def test_changing_ones_own_password_gets_the_validators_answer(client, clerk):
    client.force_login(clerk)
    page = client.post(
        reverse("password_change"),
        {"old_password": "clerk-demo-2026", "new_password1": "clerk1", "new_password2": "clerk1"},
    )
    assert "This password is too short." in page.text
    clerk.refresh_from_db()
    assert clerk.check_password("clerk-demo-2026")


def test_signing_in_by_the_address_bar_does_nothing(client, clerk):
    # A password in a URL would be kept in the browser's history and the proxy's logs.
    page = client.get(LOGIN, {"username": "clerk", "password": "clerk-demo-2026"})
    assert page.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "clerk-demo-2026" not in page.text
    assert 'method="post"' in page.text


def test_a_wrong_sign_in_does_not_send_the_password_back(client, clerk):
    page = client.post(LOGIN, {"username": "clerk", "password": "Typed-Secret-55"})
    assert "Please enter a correct username and password" in page.text
    assert "Typed-Secret-55" not in page.text


@pytest.mark.parametrize("password", ["Typed-Secret-56", "supervisor-demo-2026"])
def test_the_counters_supervisor_sign_in_does_not_send_the_password_back(
    client, clerk, office, supervisor, password
):
    # Given a cash drop refused (a wrong password; or the right one with the amount missing)
    open_drawer(clerk, office)
    client.force_login(clerk)
    data = {"token": str(uuid.uuid4()), "supervisor_username": "supervisor"}
    if password == "Typed-Secret-56":
        data["amount"] = "20.00"
    page = client.post(reverse("payments:drawer"), {**data, "supervisor_password": password})

    # Then the page explains, and the password field comes back empty
    assert page.status_code == 200
    assert password not in page.text
    assert 'name="supervisor_password"' in page.text


def test_the_views_that_take_a_password_hide_it_from_error_reports(rf, clerk):
    from payments import views as counter
    from reconciliation.views import closing, custody

    for view in (
        counter.drawer_view,
        counter.cart_post,
        counter.payment_reverse_view,
        counter.credit_refund_view,
        closing.drawer_close_view,
        closing.drawer_close_for_clerk_view,
        custody.change_fund_view,
        custody.safe_count_view,
    ):
        request = rf.post("/", {"supervisor_password": "x"})
        request.user = clerk
        with contextlib.suppress(Exception):  # only the mark on the request matters here
            view(request)
        assert "password" in "".join(request.sensitive_post_parameters), view.__name__
