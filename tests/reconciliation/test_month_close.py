"""Month close (reconciliation.services.month.month_close) and its page: refused while a
statement line dated in the period is unmatched, allowed once it is explained, and a closed
period then refuses postings in PostgreSQL (LG003)."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from ledger.errors import PeriodClosed, PeriodNotClosable
from ledger.models import Account, AccountingPeriod, PeriodState
from ledger.services import Line, post
from reconciliation.errors import ReconciliationError
from reconciliation.selectors_month import month_close_refusals
from reconciliation.services import statement_line_explain
from reconciliation.services.month import month_close
from tests.reconciliation.flows import bank_entry, statement_imported

OCT = (date(2026, 10, 1), date(2026, 10, 31))


@pytest.fixture
def october(db):
    return AccountingPeriod.objects.create(name="2026-10", start_date=OCT[0], end_date=OCT[1])


def test_an_unmatched_statement_line_refuses_the_close_and_an_explanation_allows_it(
    october, supervisor, chart
):
    (line,) = statement_imported(by=supervisor, lines=[(date(2026, 10, 15), "125.00")])

    with pytest.raises(PeriodNotClosable, match="1 bank statement line is still unmatched"):
        month_close(period=october, by=supervisor)
    october.refresh_from_db()
    assert october.state == PeriodState.OPEN

    statement_line_explain(line=line, reason="Bank error, corrected next month", by=supervisor)
    closed = month_close(period=october, by=supervisor)

    assert closed.state == PeriodState.CLOSED
    assert closed.closed_by == supervisor


def test_lines_outside_the_period_do_not_hold_it_open(october, supervisor, chart):
    statement_imported(by=supervisor, lines=[(date(2026, 11, 2), "10.00")])

    assert month_close_refusals(october) == []


@pytest.mark.django_db(transaction=True)
def test_a_closed_period_refuses_postings_in_the_database(supervisor, chart):
    october = AccountingPeriod.objects.create(name="2026-10", start_date=OCT[0], end_date=OCT[1])
    bank_entry(by=supervisor, amount="50.00", day=date(2026, 10, 5))
    month_close(period=october, by=supervisor)

    with pytest.raises(PeriodClosed, match="closed period"):
        bank_entry(by=supervisor, amount="1.00", day=date(2026, 10, 20))
    # Around the service too: PostgreSQL itself refuses the line (SQLSTATE LG003).
    with pytest.raises(Exception) as refused, connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO ledger_journalentry (entry_date, memo, source, posted_by_id, book) "
            "VALUES (%s, 'raw', 'adjustment', %s, 'live')",
            [date(2026, 10, 21), supervisor.pk],
        )
    assert getattr(refused.value.__cause__, "pgcode", None) == "LG003"
    # The next day is open.
    post(
        entry_date=date(2026, 11, 1),
        memo="November",
        source="adjustment",
        by=supervisor,
        lines=[
            Line(Account.objects.get(code="1100"), Decimal("1.00")),
            Line(Account.objects.get(code="3000"), Decimal("-1.00")),
        ],
    )


def test_a_period_closes_once_and_a_clerk_may_not_close(october, supervisor, clerk, chart):
    with pytest.raises(ReconciliationError, match="Only a Supervisor"):
        month_close(period=october, by=clerk)
    month_close(period=october, by=supervisor)
    with pytest.raises(PeriodClosed, match="already closed"):
        month_close(period=october, by=supervisor)


def test_a_period_not_ended_does_not_close(supervisor, chart):
    current = AccountingPeriod.objects.create(
        name="now", start_date=date(2026, 11, 1), end_date=date(2099, 12, 31)
    )
    with pytest.raises(PeriodNotClosable, match="runs through"):
        month_close(period=current, by=supervisor)


# The page


def test_the_page_shows_why_and_closes_with_a_confirmation(client, october, supervisor, chart):
    (line,) = statement_imported(by=supervisor, lines=[(date(2026, 10, 15), "125.00")])
    client.force_login(supervisor)
    url = reverse("reconciliation:month_close")

    page = client.get(url).content.decode()
    assert "still unmatched" in page

    unconfirmed = client.post(url, {"period": october.pk})
    assert "Tick the box to confirm the close." in unconfirmed.content.decode()

    refused = client.post(url, {"period": october.pk, "confirmed": "on"})
    assert refused.status_code == 200
    assert "cannot close yet" in refused.content.decode()

    statement_line_explain(line=line, reason="Bank error, corrected next month", by=supervisor)
    done = client.post(url, {"period": october.pk, "confirmed": "on"}, follow=True)
    assert "Period 2026-10 is closed" in done.content.decode()
    october.refresh_from_db()
    assert october.state == PeriodState.CLOSED


@pytest.mark.parametrize("bad", ["", "x", "999999", "<b>"])
def test_a_bad_period_is_a_message_not_an_error(client, supervisor, october, bad):
    client.force_login(supervisor)
    url = reverse("reconciliation:month_close")
    response = client.post(url, {"period": bad, "confirmed": "on"})
    assert response.status_code == 200
    assert "is-invalid" in response.content.decode()


def test_a_clerk_may_not_see_month_close_or_the_exports(client, clerk, db):
    client.force_login(clerk)
    for name in (
        "month_close",
        "month_end",
        "exports",
        "gl_export",
        "revenue",
        "postings",
        "referrals",
        "vendor_payments",
    ):
        assert client.get(reverse(f"reconciliation:{name}")).status_code == 403, name


def test_a_drawer_counted_but_not_closed_holds_the_period_open(
    drawer, clerk, supervisor, dana, office
):
    from django.utils import timezone

    from payments.models import Drawer
    from reconciliation.services import drawer_close_count
    from tests.payments.conftest import issue
    from tests.reconciliation.conftest import pay

    today = timezone.localdate()
    current = AccountingPeriod.objects.create(name="current", start_date=today, end_date=today)
    pay(drawer, clerk, issue(dana, supervisor, amount="10.00"))
    # Counted $20.00 short, beyond the office's tolerance: the count waits for a sign-off.
    assert office.over_short_tolerance < 20
    drawer_close_count(
        drawer=drawer,
        counts={"$20 bills": 10},  # the float (210) and the 10 taken, less 20
        checks=[],
        card_batch_total=Decimal("0.00"),
        stock={},
        by=clerk,
        received_by=supervisor,
        token=uuid.uuid4(),
    )
    drawer.refresh_from_db()
    assert drawer.status == Drawer.Status.CLOSING

    (reason,) = [r for r in month_close_refusals(current) if r.startswith("Drawer")]

    assert f"Drawer {drawer.pk}" in reason
    assert "not signed off" in reason


def test_a_day_with_postings_not_signed_off_holds_the_period_open(
    office, drawer, clerk, supervisor, supervisor2, admin_user, dana, monkeypatch
):
    from datetime import timedelta
    from types import SimpleNamespace

    from django.utils import timezone

    from reconciliation.services import day_reopen, day_sign_off
    from tests.payments.conftest import issue
    from tests.reconciliation.conftest import pay
    from tests.reconciliation.flows import drawer_closed, safe_counted

    today = timezone.localdate()
    current = AccountingPeriod.objects.create(name="current", start_date=today, end_date=today)
    pay(drawer, clerk, issue(dana, supervisor, amount="10.00"))
    drawer_closed(drawer, receiver=supervisor)
    safe_counted(office, by=supervisor, witness=supervisor2)

    (reason,) = month_close_refusals(current)
    assert reason.startswith(f"Office {office.code}: business days with postings are not signed")
    assert f"{today:%m/%d/%Y}" in reason
    # The period has ended as far as the ledger's close is concerned (it is tomorrow).
    tomorrow = SimpleNamespace(localdate=lambda: today + timedelta(days=1), now=timezone.now)
    monkeypatch.setattr("ledger.services.timezone", tomorrow)
    with pytest.raises(PeriodNotClosable, match="not signed off"):
        month_close(period=current, by=supervisor)

    monkeypatch.undo()  # the sign-off posts and seals today
    day_sign_off(office=office, day=today, by=supervisor, token=uuid.uuid4())
    assert month_close_refusals(current) == []

    # A reopened day no longer stands: the period waits for its next sign-off.
    day_reopen(office=office, day=today, by=admin_user, reason="Late check found")
    (reason,) = month_close_refusals(current)
    assert "not signed off" in reason
    day_sign_off(office=office, day=today, by=supervisor2, token=uuid.uuid4())
    monkeypatch.setattr("ledger.services.timezone", tomorrow)
    closed = month_close(period=current, by=supervisor)
    assert closed.state == PeriodState.CLOSED
