"""No log line holds a full card number, and no log line or error report holds a password."""

import io
import logging
import sys

import pytest
from django.test import Client, RequestFactory
from django.views.debug import ExceptionReporter

from cashiering.logfilters import MaskCardNumbers
from ledger.cards import CARD_NUMBER_MASK

CARD = "4111111111111111"  # Visa's test number: 16 digits, Luhn-valid
SPACED = "4111 1111 1111 1111"
PASSWORD = "Correct-Horse-Battery-42"


def _console_filters() -> list:
    """The filters on the handler settings.LOGGING gives the root logger."""
    consoles = [h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler]
    assert consoles
    return consoles[0].filters


@pytest.fixture
def log_output():
    """What a real handler, with the filters the configured console handler has, writes."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s %(message)s"))
    for log_filter in _console_filters():
        handler.addFilter(log_filter)
    root = logging.getLogger()
    root.addHandler(handler)
    yield stream
    root.removeHandler(handler)


def test_every_handler_and_the_root_logger_mask_card_numbers():
    root = logging.getLogger()

    assert any(isinstance(f, MaskCardNumbers) for f in root.filters)
    assert root.handlers
    for handler in root.handlers:
        if type(handler).__module__.startswith("_pytest"):
            continue  # pytest's own capturing handlers
        assert any(isinstance(f, MaskCardNumbers) for f in handler.filters), handler
    assert any(isinstance(f, MaskCardNumbers) for f in logging.getLogger("django.request").filters)


def test_a_card_number_in_the_message_the_args_and_the_traceback_is_masked(log_output):
    # given a record whose message, arguments and exception each hold a card number
    logger = logging.getLogger("payments.anything")
    try:
        raise ValueError(f"tender refused: {SPACED}")
    except ValueError:
        # when it is logged through the configured handler's filters
        logger.exception("card %s typed into the note of %s", CARD, f"receipt {CARD}-x")
    logger.warning(f"in the message itself: {CARD}")

    # then no line holds the number, each says where one was, and the rest is kept
    text = log_output.getvalue()
    assert CARD not in text
    assert SPACED not in text
    assert text.count(CARD_NUMBER_MASK) == 4
    assert "Traceback (most recent call last)" in text
    assert "ValueError: tender refused:" in text
    assert "in the message itself:" in text


def test_the_filter_masks_what_caplog_sees_on_djangos_request_logger(caplog):
    # the logger's own filter runs before any handler, pytest's included
    with caplog.at_level(logging.WARNING, logger="django.request"):
        logging.getLogger("django.request").warning("Not Found: %s", f"/billing/{CARD}/")

    assert CARD not in caplog.text
    assert f"Not Found: /billing/{CARD_NUMBER_MASK}/" in caplog.text


def test_numbers_that_are_not_card_numbers_stay(log_output):
    logging.getLogger("billing.x").warning("bill 4111111111111112 and receipt CH-2026-000123")

    assert "4111111111111112" in log_output.getvalue()  # fails Luhn's check
    assert "CH-2026-000123" in log_output.getvalue()


def test_a_not_found_line_for_a_url_holding_a_card_number_is_masked(client, clerk, log_output):
    client.force_login(clerk)

    response = client.get(f"/billing/{CARD}/?q={CARD}")

    assert response.status_code == 404
    text = log_output.getvalue()
    assert CARD not in text
    assert f"Not Found: /billing/{CARD_NUMBER_MASK}/" in text


@pytest.mark.urls("tests.cashiering.crash_urls")
def test_an_unhandled_exception_quoting_posted_data_is_logged_masked(db, settings, log_output):
    # given a view whose error message quotes what was posted (a card number in a note)
    settings.DEBUG = False
    client = Client(raise_request_exception=False)

    # when it fails
    response = client.post("/test-crash-note/", {"note": f"paid with {SPACED}"})

    # then Django's "Internal Server Error" line and traceback are logged, masked
    assert response.status_code == 500
    text = log_output.getvalue()
    assert "Internal Server Error: /test-crash-note/" in text
    assert "ValueError: cannot read the note" in text
    assert SPACED not in text
    assert CARD_NUMBER_MASK in text


@pytest.mark.urls("tests.cashiering.crash_urls")
def test_a_server_error_while_a_password_is_posted_logs_no_password(db, settings, log_output):
    settings.DEBUG = False
    client = Client(raise_request_exception=False)

    response = client.post(
        "/test-crash/",
        {"username": "clerk", "password": PASSWORD, "supervisor_password": PASSWORD},
    )

    assert response.status_code == 500
    assert "Internal Server Error: /test-crash/" in log_output.getvalue()
    assert PASSWORD not in log_output.getvalue()
    assert PASSWORD not in response.text


@pytest.mark.parametrize(
    "name",
    [
        "password",
        "new_password1",
        "supervisor_password",
        "void-supervisor_password",
        "witness_password",
        "closer_password",
        "otp_token",
    ],
)
def test_error_reports_hide_every_posted_password_and_code(settings, name):
    # given a request posting a secret under a name no view marked @sensitive_post_parameters
    settings.DEBUG = False
    request = RequestFactory().post("/counter/x", {name: PASSWORD, "reason": "customer asked"})
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        exc_info = sys.exc_info()

    # when the report an Admin would get is written
    report = ExceptionReporter(request, *exc_info).get_traceback_text()

    # then the secret is starred and the rest is kept
    assert PASSWORD not in report
    assert "customer asked" in report
    assert f"{name} = '********************'" in report


def test_a_card_number_url_encoded_in_a_request_line_is_masked(caplog):
    # given the development server's request lines, a query string carrying a spaced number
    queries = ("q=4111+1111+1111+1111", "q=4111%201111%201111%201111", "q=4111%2D1111-1111-1111")
    with caplog.at_level(logging.INFO, logger="django.server"):
        for query in queries:
            # when it is logged
            logging.getLogger("django.server").info('"GET /billing/?%s HTTP/1.1" 200 1234', query)
    # then no line holds the number, and the rest is kept
    text = caplog.text
    assert "4111+1111" not in text and "4111%201111" not in text and "4111%2D1111" not in text
    assert text.count(f'"GET /billing/?q={CARD_NUMBER_MASK} HTTP/1.1" 200 1234') == 3
