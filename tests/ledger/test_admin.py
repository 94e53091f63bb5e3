"""The ledger in the administration site: accounts and periods are managed, entries only read."""

from datetime import date

import pytest
from django.urls import reverse

from ledger.models import AccountingPeriod
from tests.factories import AccountingPeriodFactory, post_two_line_entry


@pytest.fixture
def entry(chart, clerk):
    return post_two_line_entry(
        by=clerk,
        debit=chart["1000"],
        credit=chart["4310"],
        amount="10.00",
        entry_date=date(2026, 8, 3),
        memo="Permit card fee",
    )


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:ledger_account_changelist",
        "admin:ledger_accountingperiod_changelist",
        "admin:ledger_journalentry_changelist",
        "admin:auth_user_changelist",
    ],
)
def test_admin_pages_open(client, admin_user, entry, url_name):
    client.force_login(admin_user)
    assert client.get(reverse(url_name)).status_code == 200


def test_journal_entries_are_read_only_in_the_admin(client, admin_user, entry):
    client.force_login(admin_user)
    page = client.get(reverse("admin:ledger_journalentry_change", args=[entry.pk]))
    assert page.status_code == 200
    assert "Permit card fee" in page.text
    assert client.get(reverse("admin:ledger_journalentry_add")).status_code == 403
    response = client.post(
        reverse("admin:ledger_journalentry_delete", args=[entry.pk]), {"post": "yes"}
    )
    assert response.status_code == 403


def test_an_account_with_lines_keeps_its_code_and_type(client, admin_user, entry, chart):
    client.force_login(admin_user)
    url = reverse("admin:ledger_account_change", args=[chart["1000"].pk])
    response = client.post(
        url,
        {
            "code": "X1",
            "name": "Cash drawer",
            "type": "expense",
            "fund": "General",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    chart["1000"].refresh_from_db()
    assert (chart["1000"].code, chart["1000"].type, chart["1000"].name) == (
        "1000",
        "asset",
        "Cash drawer",
    )


def test_overlapping_period_gets_a_message_not_an_error(client, admin_user):
    AccountingPeriodFactory(name="2026-01")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:ledger_accountingperiod_add"),
        {"name": "late January", "start_date": "2026-01-20", "end_date": "2026-02-10"},
    )
    assert response.status_code == 200
    assert "This period overlaps another accounting period." in response.text
    assert AccountingPeriod.objects.count() == 1


def test_closing_a_period_asks_first_then_closes(client, admin_user):
    period = AccountingPeriodFactory(name="2026-01")
    client.force_login(admin_user)
    url = reverse("admin:ledger_accountingperiod_changelist")
    ask = client.post(url, {"action": "close_periods", "_selected_action": [period.pk]})
    assert ask.status_code == 200
    assert "cannot be reopened" in ask.text
    period.refresh_from_db()
    assert period.state == "open"
    done = client.post(
        url, {"action": "close_periods", "_selected_action": [period.pk], "confirmed": "yes"}
    )
    assert done.status_code == 302
    period.refresh_from_db()
    assert period.state == "closed"
    assert period.closed_by == admin_user
    # a closed period can no longer be edited or deleted through the admin
    assert (
        client.get(reverse("admin:ledger_accountingperiod_delete", args=[period.pk])).status_code
        == 403
    )
    change = client.post(
        reverse("admin:ledger_accountingperiod_change", args=[period.pk]),
        {"name": "renamed", "start_date": "2026-01-01", "end_date": "2026-01-31"},
    )
    assert change.status_code == 403
    period.refresh_from_db()
    assert period.name == "2026-01"
