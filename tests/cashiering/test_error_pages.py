"""Error pages say what a person can do next and nothing about the server (DEBUG off)."""

import pytest
from django.test import Client
from django.urls import reverse

from tests.cashiering.crash_urls import INTERNAL_DETAIL

# What an error page must never show: the exception, a path, the framework, a version.
REVEALING = ("Traceback", "psycopg2", "/srv/", ".py", "Django", "django", "Python", "line 412")


@pytest.fixture
def production(settings):
    settings.DEBUG = False


def _reveals(page: str) -> list[str]:
    return [word for word in REVEALING if word in page]


@pytest.mark.urls("tests.cashiering.crash_urls")
def test_a_server_error_shows_a_plain_page_without_the_exception(production, db):
    # given a view that raises, and a browser that does not see the exception
    client = Client(raise_request_exception=False)

    # when the page is asked for
    response = client.get("/test-crash/")

    # then a 500 page says what to do next, and nothing of what broke
    assert response.status_code == 500
    page = response.text
    assert "Something went wrong" in page
    assert "tell a Supervisor" in page
    assert INTERNAL_DETAIL not in page
    assert _reveals(page) == []
    assert '<link rel="stylesheet" href="/static/css/app.css">' in page


def test_the_500_page_renders_without_a_request_or_a_database(production):
    # given no database (no db fixture: a query would fail the test) and no request context
    from django.template import loader

    # when Django's last-resort handler renders it
    page = loader.get_template("500.html").render()

    # then it renders
    assert "Something went wrong" in page


@pytest.mark.urls("tests.cashiering.crash_urls")
def test_a_bad_request_page_says_reload_and_shows_no_detail(production, db):
    client = Client(raise_request_exception=False)

    response = client.get("/test-suspicious/")

    assert response.status_code == 400
    assert "Go back, reload the page" in response.text
    assert INTERNAL_DETAIL not in response.text
    assert _reveals(response.text) == []


def test_a_not_found_page_names_no_path(production, client, clerk):
    client.force_login(clerk)

    response = client.get("/no/such/secret-path/")

    assert response.status_code == 404
    assert "There is no such page or record" in response.text
    assert "secret-path" not in response.text
    assert _reveals(response.text) == []


def test_a_forbidden_page_says_whom_to_ask(production, client, trainee):
    client.force_login(trainee)

    response = client.get(reverse("ledger:trial_balance"))

    assert response.status_code == 403
    assert "ask a Supervisor or an Admin" in response.text
    assert _reveals(response.text) == []


def test_a_failed_csrf_check_says_reload_and_send_again(production, db):
    # given a browser whose form has no valid CSRF token (an expired page)
    client = Client(enforce_csrf_checks=True)

    # when it signs in
    response = client.post(reverse("login"), {"username": "x", "password": "y"})

    # then a friendly page says what to do, and not Django's reason
    assert response.status_code == 403
    assert "This form has expired" in response.text
    assert "reload the page and send the form again" in response.text
    assert "CSRF cookie not set" not in response.text
    assert _reveals(response.text) == []
