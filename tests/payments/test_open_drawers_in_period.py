"""payments.selectors.open_drawers_in_period, as period_close runs it: a period does not close
while a drawer with postings in it is open."""

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from ledger.errors import PeriodNotClosable
from ledger.models import AccountingPeriod
from ledger.services import period_close
from payments.models import Drawer
from payments.services import BillItem, payment_record
from tests.factories import AccountingPeriodFactory
from tests.payments.conftest import cash, issue, open_drawer

D = Decimal


def _period(start: date, end: date) -> AccountingPeriod:
    return AccountingPeriodFactory(name=f"{start}..{end}", start_date=start, end_date=end)


@pytest.fixture
def set_today(monkeypatch):
    """Move the office's clock: what must be posted in a period that has since ended."""

    def move(day: date) -> None:
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)

    return move


def test_an_open_drawer_with_postings_in_the_period_keeps_it_open(
    office, clerk, dana, admin_user, set_today
):
    # Given a drawer opened yesterday that took a payment yesterday and is still open
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    set_today(yesterday)
    drawer = open_drawer(clerk, office)
    payment_record(
        drawer=drawer,
        items=[BillItem(issue(dana, clerk, amount="12.00").pk, D("12.00"))],
        tenders=[cash("12.00")],
        token=uuid.uuid4(),
        by=clerk,
    )
    period = _period(yesterday - timedelta(days=5), yesterday)
    # When, today, an Admin closes the period that ended yesterday
    set_today(today)
    with pytest.raises(PeriodNotClosable) as refused:
        period_close(period=period, by=admin_user)
    # Then it is refused, naming the drawer
    assert str(refused.value).startswith(
        f"Period {period.name} cannot close yet: Drawer {drawer.pk} ({clerk.get_full_name()} at "
        f"CH Window 1, "
        f"opened {yesterday:%m/%d/%Y}) is still open with postings in the period; close it first."
    )
    # and once the drawer is closed the drawer no longer keeps it open (what still does, the
    # day not signed off, is reconciliation's: tests/reconciliation/test_month_close.py)
    Drawer.objects.filter(pk=drawer.pk).update(status="closed", closed_at=timezone.now())
    with pytest.raises(PeriodNotClosable) as still:
        period_close(period=period, by=admin_user)
    assert "still open" not in str(still.value)
    assert "not signed off" in str(still.value)


def test_an_open_drawer_without_postings_in_the_period_does_not_keep_it_open(
    office, clerk, dana, admin_user
):
    # A drawer opened today posts only today: last month can close around it.
    today = timezone.localdate()
    open_drawer(clerk, office)
    period = _period(today - timedelta(days=31), today - timedelta(days=1))
    assert period_close(period=period, by=admin_user).state == "closed"
