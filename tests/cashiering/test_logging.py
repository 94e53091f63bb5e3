"""The log: one line per event, no traceback for a refused or missing page, a favicon."""

import logging

from django.urls import reverse


def test_a_404_logs_one_line_and_no_traceback(client, clerk, caplog):
    client.force_login(clerk)

    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/no/such/page/")

    assert response.status_code == 404
    records = [r for r in caplog.records if r.name == "django.request"]
    assert [r.getMessage() for r in records] == ["Not Found: /no/such/page/"]
    assert records[0].exc_info is None
    assert "Traceback" not in caplog.text


def test_a_404_raised_by_a_view_logs_one_line_and_no_traceback(client, clerk, caplog):
    client.force_login(clerk)
    url = reverse("payments:movement_pdf", args=[999999])

    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(url)

    assert response.status_code == 404
    records = [r for r in caplog.records if r.name == "django.request"]
    assert [r.getMessage() for r in records] == [f"Not Found: {url}"]
    assert records[0].exc_info is None
    assert "Traceback" not in caplog.text


def test_a_403_logs_one_line_and_no_traceback(client, trainee, caplog):
    client.force_login(trainee)

    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get(reverse("ledger:trial_balance"))

    assert response.status_code == 403
    records = [r for r in caplog.records if r.name == "django.request"]
    assert len(records) == 1
    assert records[0].getMessage().startswith("Forbidden (Permission denied)")
    assert records[0].exc_info is None
    assert "Traceback" not in caplog.text


def test_a_500_keeps_its_traceback():
    """The filter drops tracebacks only for a client's error; a server error keeps its own."""
    from cashiering.logfilters import ClientErrorWithoutTraceback

    try:
        raise ValueError("broken")
    except ValueError:
        import sys

        exc_info = sys.exc_info()
    server = logging.LogRecord("django.request", logging.ERROR, "", 0, "x", (), exc_info)
    server.status_code = 500
    client = logging.LogRecord("django.request", logging.WARNING, "", 0, "x", (), exc_info)
    client.status_code = 404

    assert ClientErrorWithoutTraceback().filter(server) and server.exc_info is exc_info
    assert ClientErrorWithoutTraceback().filter(client) and client.exc_info is None


def test_django_request_warnings_reach_one_handler():
    """Django's "django" logger comes with its own console handler and also propagates to the
    root's: every request warning was written twice."""
    django_logger = logging.getLogger("django")

    assert django_logger.handlers == []
    assert django_logger.propagate
    # The root's console handler drops a 4xx traceback for every logger (django.security.* too).
    from cashiering.logfilters import ClientErrorWithoutTraceback

    consoles = [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]
    assert consoles
    assert all(any(isinstance(f, ClientErrorWithoutTraceback) for f in h.filters) for h in consoles)


def test_favicon_is_served_without_signing_in(client, caplog):
    with caplog.at_level(logging.WARNING, logger="django.request"):
        response = client.get("/favicon.ico", follow=True)

    assert response.status_code == 200
    assert response.redirect_chain[0][0].endswith("favicon.ico")
    assert (
        b"".join(response.streaming_content if response.streaming else [response.content])[:4]
        == b"\x00\x00\x01\x00"
    )
    assert not [r for r in caplog.records if r.name == "django.request"]


def test_pages_link_the_icon(client, clerk):
    client.force_login(clerk)

    assert 'rel="icon" href="/static/favicon.ico"' in client.get(reverse("home")).text
