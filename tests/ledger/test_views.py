"""The supervisor's trial balance and account pages."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from ledger.models import Book, Source
from ledger.services import Line, post
from ledger.views import LINES_PER_PAGE


@pytest.fixture
def sales(chart, clerk):
    """One trash-tag sale a day from March 1, cash, $4.50 more each day; and one training sale."""
    entries = []
    for day in range(1, LINES_PER_PAGE + 11):
        amount = Decimal("4.50") * day
        entries.append(
            post(
                entry_date=date(2026, 3, day % 28 + 1),
                memo=f"Trash tags, sale {day}",
                source=Source.ADJUSTMENT,
                by=clerk,
                lines=[
                    Line(account=chart["1000"], amount=amount),
                    Line(account=chart["4300"], amount=-amount),
                ],
            )
        )
    post(
        entry_date=date(2026, 3, 2),
        memo="Training sale",
        source=Source.ADJUSTMENT,
        by=clerk,
        book=Book.TRAINING,
        lines=[
            Line(account=chart["1000"], amount=Decimal("999.00")),
            Line(account=chart["4300"], amount=Decimal("-999.00")),
        ],
    )
    return entries


def test_supervisor_sees_the_live_trial_balance(client, supervisor, sales):
    client.force_login(supervisor)
    response = client.get(reverse("ledger:trial_balance"))
    assert response.status_code == 200
    balance = response.context["balance"]
    total = sum(Decimal("4.50") * day for day in range(1, LINES_PER_PAGE + 11))
    assert balance.total_debits == balance.total_credits == total
    assert "Debits equal credits" in response.text
    assert "1000 Cash in drawer" in response.text
    assert "999.00" not in response.text


def test_training_book_and_as_of_date(client, supervisor, sales):
    client.force_login(supervisor)
    response = client.get(reverse("ledger:trial_balance"), {"book": "training"})
    assert response.context["balance"].total_debits == Decimal("999.00")
    response = client.get(reverse("ledger:trial_balance"), {"book": "live", "as_of": "2026-03-01"})
    # only the sales dated March 1 (days 28 and 56 of the fixture)
    assert response.context["balance"].total_debits == Decimal("4.50") * (28 + 56)


@pytest.mark.parametrize(
    "query",
    [
        {"book": "nonsense"},
        {"as_of": "31/31/2026"},
        {"as_of": "2026-02-30"},
        {"as_of": "9" * 300},
        {"book": "live", "as_of": "'; DROP TABLE ledger_journalline; --"},
    ],
)
def test_bad_filters_show_a_message_not_an_error(client, supervisor, sales, query):
    client.force_login(supervisor)
    response = client.get(reverse("ledger:trial_balance"), query)
    assert response.status_code == 200
    assert response.context["form"].errors
    assert response.context["balance"] is None


def test_clerk_and_trainee_may_not_see_the_trial_balance(client, clerk, trainee):
    for user in (clerk, trainee):
        client.force_login(user)
        assert client.get(reverse("ledger:trial_balance")).status_code == 403
        assert client.get(reverse("ledger:account", args=["1000"])).status_code == 403


def test_account_page_paginates_with_a_running_balance(client, supervisor, sales):
    client.force_login(supervisor)
    url = reverse("ledger:account", args=["1000"])
    first = client.get(url)
    assert first.status_code == 200
    assert len(first.context["rows"]) == LINES_PER_PAGE
    assert first.context["page"].paginator.count == LINES_PER_PAGE + 10
    second = client.get(url, {"book": "live", "page": 2})
    rows = second.context["rows"]
    assert len(rows) == 10
    _, last_balance = rows[-1]
    assert last_balance == sum(Decimal("4.50") * day for day in range(1, LINES_PER_PAGE + 11))
    # a page past the end shows the last page, and junk shows the first
    assert client.get(url, {"page": 999}).context["page"].number == 2
    assert client.get(url, {"page": "x"}).context["page"].number == 1


def test_account_page_date_filter_brings_the_balance_forward(client, supervisor, sales):
    client.force_login(supervisor)
    url = reverse("ledger:account", args=["1000"])
    response = client.get(url, {"book": "live", "date_from": "2026-03-28", "date_to": "2026-03-28"})
    rows = response.context["rows"]
    # sales on March 28: days 27 and 55
    assert [line.amount for line, _ in rows] == [Decimal("121.50"), Decimal("247.50")]
    opening = response.context["opening"]
    assert rows[-1][1] == opening + Decimal("121.50") + Decimal("247.50")
    assert "balance brought forward" in response.text


def test_account_page_refuses_an_end_before_the_start(client, supervisor, sales):
    client.force_login(supervisor)
    url = reverse("ledger:account", args=["1000"])
    response = client.get(url, {"book": "live", "date_from": "2026-03-10", "date_to": "2026-03-01"})
    assert response.status_code == 200
    assert "The end date is before the start date." in response.text


def test_unknown_account_is_404(client, supervisor):
    client.force_login(supervisor)
    assert client.get(reverse("ledger:account", args=["nope"])).status_code == 404


@pytest.mark.parametrize("as_of", ["0001-01-01", "9999-12-31"])
def test_dates_at_the_ends_of_the_calendar_are_a_message(client, supervisor, sales, as_of):
    client.force_login(supervisor)
    response = client.get(reverse("ledger:trial_balance"), {"as_of": as_of})
    assert response.status_code == 200
    assert response.context["form"].errors["as_of"] == [
        f"The date {_written(as_of)} is outside the dates the books use (01/01/1900 to 12/31/2199)."
    ]
    lines = client.get(reverse("ledger:account", args=["1000"]), {"date_from": as_of})
    assert lines.status_code == 200
    assert "outside the dates the books use" in lines.text


def _written(iso: str) -> str:
    """An ISO date as a message writes it: 0001-01-01 as 01/01/0001."""
    year, month, day = iso.split("-")
    return f"{month}/{day}/{year}"
