"""The idle sign-out (cashiering/idle.py): a session idle longer than its office's
idle_timeout_minutes is signed out with a message; the warning's ping keeps it; a page polling
by itself does not."""

import re

import pytest
from django.contrib.messages import get_messages
from django.db import IntegrityError, transaction
from django.urls import reverse

from cashiering import idle
from payments.models import Office
from payments.services import counter_setup_seed
from tests.factories import fund_change_fund
from tests.payments.conftest import open_drawer

START = 1_800_000_000.0  # a fixed moment (seconds since the epoch)
MINUTE = 60


@pytest.fixture
def clock(monkeypatch):
    """The middleware's clock, moved by the test: clock.now = START + seconds."""

    class Clock:
        now = START

    monkeypatch.setattr(idle, "now", lambda: Clock.now)
    return Clock


def test_a_session_idle_past_the_timeout_is_signed_out_with_a_message(client, clerk, office, clock):
    # Given a clerk who opened a page at START (the office's idle sign-out is 15 minutes)
    client.force_login(clerk)
    assert client.get(reverse("home")).status_code == 200

    # When the next request comes 15 minutes and a second later
    clock.now = START + 15 * MINUTE + 1
    page = client.get(reverse("billing:search"))

    # Then the clerk is signed out and sent to sign-in, told why, and may come back to the page
    assert page.status_code == 302
    assert page["Location"] == f"{reverse('login')}?next={reverse('billing:search')}"
    assert "_auth_user_id" not in client.session
    told = [str(m) for m in get_messages(page.wsgi_request)]
    assert told == ["You were signed out after 15 minutes without activity."]
    shown = client.get(page["Location"])
    assert "You were signed out after 15 minutes without activity." in shown.text


def test_a_session_used_within_the_timeout_stays_signed_in(client, clerk, office, clock):
    client.force_login(clerk)
    client.get(reverse("home"))

    # Two requests, each 14 minutes 59 seconds after the one before
    clock.now = START + 15 * MINUTE - 1
    first = client.get(reverse("home"))
    clock.now += 15 * MINUTE - 1
    second = client.get(reverse("home"))

    assert first.status_code == second.status_code == 200
    assert client.session["_auth_user_id"] == str(clerk.pk)


def test_the_warnings_ping_keeps_the_session_and_says_how_long_is_left(
    client, clerk, office, clock
):
    client.force_login(clerk)
    client.get(reverse("home"))

    # When "Stay signed in" is pressed 14 minutes in, and the next page comes 14 minutes later
    clock.now = START + 14 * MINUTE
    ping = client.post(reverse("idle_ping"))
    clock.now += 14 * MINUTE
    page = client.get(reverse("home"))

    assert ping.status_code == 200
    assert ping.json() == {"seconds_left": 15 * MINUTE}
    assert page.status_code == 200


def test_the_ping_is_post_only_and_for_signed_in_users(client, clerk, office):
    assert client.post(reverse("idle_ping"))["Location"].startswith(reverse("login"))
    client.force_login(clerk)
    assert client.get(reverse("idle_ping")).status_code == 405


def test_a_page_polling_by_itself_is_not_activity(client, clerk, office, clock):
    # Given a clerk whose page asks, every few minutes, how long is left (as idle.js does, or
    # as an import's progress is polled)
    client.force_login(clerk)
    client.get(reverse("home"))
    for minutes in (5, 10, 14):
        clock.now = START + minutes * MINUTE
        status = client.get(reverse("idle_status"), HTTP_ACCEPT="application/json")
    assert status.json() == {"seconds_left": 1 * MINUTE}

    # When the page asks again after 15 minutes
    clock.now = START + 15 * MINUTE + 1
    late = client.get(reverse("idle_status"), HTTP_ACCEPT="application/json")

    # Then the session was signed out: the script is told so and goes to sign-in itself
    assert late.status_code == 401
    assert "_auth_user_id" not in client.session


def test_every_polling_element_in_the_templates_is_a_passive_view():
    # Each polling element (hx-trigger="every ...", or the upload progress's "upload-tick" sent
    # by static/js/upload_progress.js) polls a URL the middleware lists as passive.
    from pathlib import Path

    from django.conf import settings

    polled = set()
    for template in Path(settings.BASE_DIR, "templates").rglob("*.html"):
        for tag in re.findall(
            r"<[^>]*hx-trigger=\"(?:every|upload-tick)[^>]*>", template.read_text()
        ):
            polled.add(re.search(r"\{% url '([^']+)'", tag).group(1))
    assert polled
    assert polled <= idle.PASSIVE_VIEWS


def test_an_htmx_request_after_the_timeout_sends_the_whole_page_to_sign_in(
    client, clerk, office, clock
):
    client.force_login(clerk)
    client.get(reverse("home"))
    clock.now = START + 16 * MINUTE
    answer = client.get(reverse("billing:search"), HTTP_HX_REQUEST="true")
    assert answer["HX-Redirect"] == reverse("login")


def test_the_admins_setting_takes_effect_at_the_next_request(client, clerk, office, clock):
    # Given the Admin set this office's idle sign-out to 30 minutes
    Office.objects.filter(pk=office.pk).update(idle_timeout_minutes=30)
    client.force_login(clerk)
    client.get(reverse("home"))

    # Then 20 minutes without activity are fine, 31 are not
    clock.now = START + 20 * MINUTE
    assert client.get(reverse("home")).status_code == 200
    clock.now += 31 * MINUTE
    page = client.get(reverse("home"))
    assert page.status_code == 302
    assert [str(m) for m in get_messages(page.wsgi_request)] == [
        "You were signed out after 30 minutes without activity."
    ]


def test_the_office_of_the_clerks_open_drawer_sets_the_timeout(client, clerk, office, clock):
    # Given a second office with a 5-minute sign-out, where the clerk's drawer is open
    branch = counter_setup_seed(office_code="BR", office_name="Branch office", windows=1)
    fund_change_fund(branch)
    Office.objects.filter(pk=branch.pk).update(idle_timeout_minutes=5)
    open_drawer(clerk, branch)
    client.force_login(clerk)
    home = client.get(reverse("home"))

    # Then the page carries the branch's timeout for the warning, and 6 minutes sign out
    assert 'data-idle-timeout="300"' in home.text
    clock.now = START + 6 * MINUTE
    assert client.get(reverse("home")).status_code == 302


def test_the_page_carries_the_warning_without_inline_script(client, clerk, office):
    client.force_login(clerk)
    page = client.get(reverse("home")).text
    assert 'data-idle-timeout="900"' in page
    assert 'data-idle-warning="60"' in page
    assert "/static/js/idle.js" in page
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", page) == []


def test_the_sign_in_page_carries_no_warning(client, office):
    assert "idle-warning" not in client.get(reverse("login")).text


@pytest.mark.parametrize("minutes", [0, 481])
def test_the_timeout_is_1_to_480_minutes_in_the_database(office, minutes):
    with pytest.raises(IntegrityError, match="office_idle_timeout_range"), transaction.atomic():
        Office.objects.filter(pk=office.pk).update(idle_timeout_minutes=minutes)


def test_an_admin_sets_the_timeout_on_the_office_page(client, admin_user, office):
    client.force_login(admin_user)
    url = reverse("admin:payments_office_change", args=[office.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: ("" if value is None else value)
        for name, value in form.initial.items()
        if name in form.fields
    }
    data.update(
        {
            "idle_timeout_minutes": "481",
            "workstations-TOTAL_FORMS": "0",
            "workstations-INITIAL_FORMS": "0",
        }
    )

    refused = client.post(url, data)
    data["idle_timeout_minutes"] = "20"
    saved = client.post(url, data)

    assert refused.status_code == 200
    assert "The idle sign-out is 1 to 480 minutes." in refused.text
    assert saved.status_code == 302
    office.refresh_from_db()
    assert office.idle_timeout_minutes == 20


def test_the_ping_counts_even_moments_after_the_last_page(client, clerk, office, clock):
    client.force_login(clerk)
    client.get(reverse("home"))
    clock.now = START + 5
    client.post(reverse("idle_ping"))
    clock.now = START + 15 * MINUTE + 4
    assert client.get(reverse("home")).status_code == 200
