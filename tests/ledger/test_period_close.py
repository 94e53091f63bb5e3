"""ledger.services.period_close: only a period that has ended (the drawer rule is tested in
tests/payments/test_open_drawers_in_period.py); an accounting period that ends before it
starts is refused by the admin's form and by the database."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from ledger.errors import PeriodNotClosable
from ledger.models import AccountingPeriod
from ledger.services import period_close
from tests.factories import AccountingPeriodFactory


def _period(start: date, end: date) -> AccountingPeriod:
    return AccountingPeriodFactory(name=f"{start}..{end}", start_date=start, end_date=end)


@pytest.mark.parametrize("ends_in_days", [0, 1, 30])
def test_a_period_that_has_not_ended_is_not_closed(admin_user, ends_in_days):
    # Given a period that runs through today or later (today an Admin could close the month)
    today = timezone.localdate()
    end = today + timedelta(days=ends_in_days)
    period = _period(today - timedelta(days=10), end)
    day_after = end + timedelta(days=1)
    # When it is closed, then it is refused, saying from when it can be
    with pytest.raises(PeriodNotClosable) as refused:
        period_close(period=period, by=admin_user)
    assert str(refused.value) == (
        f"Period {period.name} runs through {end:%m/%d/%Y}; it can be closed from "
        f"{day_after:%m/%d/%Y}."
    )
    period.refresh_from_db()
    assert period.state == "open"


def test_a_period_that_ended_yesterday_closes(admin_user):
    today = timezone.localdate()
    period = _period(today - timedelta(days=30), today - timedelta(days=1))
    closed = period_close(period=period, by=admin_user)
    assert (closed.state, closed.closed_by) == ("closed", admin_user)


def test_the_admin_closes_only_ended_periods_with_a_message(client, admin_user):
    today = timezone.localdate()
    current = _period(today - timedelta(days=3), today + timedelta(days=3))
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:ledger_accountingperiod_changelist"),
        {"action": "close_periods", "_selected_action": [current.pk], "confirmed": "yes"},
        follow=True,
    )
    assert response.status_code == 200
    assert f"Period {current.name} runs through" in response.text
    current.refresh_from_db()
    assert current.state == "open"


def test_the_admin_refuses_a_period_that_ends_before_it_starts(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:ledger_accountingperiod_add"),
        {"name": "backwards", "start_date": "2026-02-10", "end_date": "2026-02-01"},
    )
    assert response.status_code == 200
    assert "The period ends (02/01/2026) before it starts (02/10/2026)." in response.text
    assert not AccountingPeriod.objects.exists()


def test_the_admin_refuses_to_change_a_period_to_end_before_it_starts(client, admin_user):
    period = AccountingPeriodFactory(name="2026-01")
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:ledger_accountingperiod_change", args=[period.pk]),
        {"name": "2026-01", "start_date": "2026-01-01", "end_date": "2025-12-31"},
    )
    assert response.status_code == 200
    assert "before it starts (01/01/2026)" in response.text
    period.refresh_from_db()
    assert period.end_date == date(2026, 1, 31)


def test_the_database_refuses_a_period_that_ends_before_it_starts(db):
    with pytest.raises(IntegrityError, match="period_ends_after_it_starts"):
        AccountingPeriod.objects.create(
            name="backwards", start_date=date(2026, 2, 10), end_date=date(2026, 2, 1)
        )
