"""reconciliation.services.days: a Supervisor signs off the day once every drawer is closed and
the safe counted; PostgreSQL then refuses postings dated that office-day (DC001); an Admin
reopens it and the next sign-off is a new version; the seal shows an edit made behind the
triggers' back."""

import hashlib
import io
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from cashiering.forms import FRESH_FORM_MESSAGE
from ledger.errors import DayClosed as LedgerDayClosed
from ledger.models import Account, JournalEntry
from ledger.selectors import ledger_violations
from ledger.services import Line, post
from reconciliation.errors import DayClosed, DayNotClosable
from reconciliation.models import DaySignoff
from reconciliation.services import day_reopen, day_sign_off
from tests.reconciliation.conftest import cash, check, issue, open_drawer, pay
from tests.reconciliation.flows import drawer_closed, safe_counted

D = Decimal
SEAL_RULE = "a signed-off day no longer matches its seal"


@pytest.fixture
def closed_day(office, drawer, clerk, supervisor, supervisor2, dana):
    """A day of payments whose drawer is closed (a dollar short) and whose safe is counted."""
    pay(drawer, clerk, issue(dana, supervisor, amount="100.00"), cash("100.00"))
    pay(drawer, clerk, issue(dana, supervisor, amount="50.00"), check("50.00", number="77"))
    # float 210 + 100 taken: a dollar short
    drawer_closed(drawer, receiver=supervisor, counted_cash=D("309.00"))
    safe_counted(office, by=supervisor, witness=supervisor2)
    return drawer


def sign_off(office, by, token=None):
    return day_sign_off(office=office, day=timezone.localdate(), by=by, token=token or uuid.uuid4())


def test_a_day_with_an_open_drawer_cannot_close(office, drawer, supervisor, supervisor2):
    safe_counted(office, by=supervisor, witness=supervisor2)

    with pytest.raises(DayNotClosable, match=rf"Drawer {drawer.pk} .* is open: close it first"):
        sign_off(office, supervisor)

    assert not DaySignoff.objects.exists()


def test_a_day_whose_safe_was_not_counted_cannot_close(office, drawer, clerk, supervisor):
    drawer_closed(drawer, receiver=supervisor)

    today = timezone.localdate()
    with pytest.raises(DayNotClosable, match=f"The safe was not counted on {today:%m/%d/%Y}:"):
        sign_off(office, supervisor)


def test_a_day_to_come_cannot_close_and_the_message_writes_it_m_d_y(office, supervisor):
    tomorrow = timezone.localdate() + timedelta(days=1)

    with pytest.raises(DayNotClosable, match=rf"^{tomorrow:%m/%d/%Y} has not come yet"):
        day_sign_off(office=office, day=tomorrow, by=supervisor, token=uuid.uuid4())


def test_only_a_supervisor_signs_off(office, closed_day, clerk):
    with pytest.raises(DayNotClosable, match="Only a Supervisor"):
        sign_off(office, clerk)


def test_the_sign_off_stores_the_report_pdf_with_its_sha256(office, closed_day, supervisor):
    signoff = sign_off(office, supervisor)

    assert signoff.version == 1
    assert hashlib.sha256(bytes(signoff.pdf)).hexdigest() == signoff.sha256
    assert signoff.previous_seal == ""
    assert len(signoff.seal) == 64 and signoff.line_count > 0
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(bytes(signoff.pdf))).pages)
    assert "Signed off by" in text and "version 1" in text
    assert "-$1.00" in text or "$-1.00" in text  # the drawer's shortage
    assert ledger_violations() == []


def test_the_same_token_signs_off_once(office, closed_day, supervisor):
    token = uuid.uuid4()

    first = sign_off(office, supervisor, token)
    again = sign_off(office, supervisor, token)

    assert again.pk == first.pk
    assert DaySignoff.objects.count() == 1


def test_a_signed_off_day_cannot_be_signed_off_again(office, closed_day, supervisor, supervisor2):
    sign_off(office, supervisor)

    with pytest.raises(DayClosed, match="signed off already"):
        sign_off(office, supervisor2)


def test_after_sign_off_the_database_refuses_postings_on_the_day(
    office, closed_day, clerk, supervisor, admin_user, dana
):
    sign_off(office, supervisor)
    chart = {a.code: a for a in Account.objects.all()}

    # A new drawer's float (a line naming a drawer of the office and one naming the office).
    with pytest.raises(LedgerDayClosed, match="signed off"):
        open_drawer(clerk, office, number=2)
    # Custody lines naming the office.
    with pytest.raises(LedgerDayClosed, match="signed off"):
        post(
            entry_date=timezone.localdate(),
            memo="Change fund",
            source="change_fund",
            by=admin_user,
            lines=[
                Line(chart["1030"], D("10.00"), office_id=office.pk),
                Line(chart["1100"], D("-10.00")),
            ],
        )
    # Billing's lines name no office: refused when every office signed the day off (here the
    # only office).
    with pytest.raises(LedgerDayClosed, match="every office signed off"):
        issue(dana, supervisor, amount="10.00")
    # Straight SQL, past the services: PostgreSQL itself refuses (SQLSTATE DC001).
    entry = JournalEntry.objects.filter(source="payment").first()
    with (
        pytest.raises(DatabaseError) as refused,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO ledger_journalline (entry_id, account_id, amount, memo, office_id) "
            "VALUES (%s, %s, 1, 'x', %s)",
            [entry.pk, chart["1035"].pk, office.pk],
        )
    assert refused.value.__cause__.pgcode == "DC001"


def test_postings_on_another_day_go_on(office, closed_day, supervisor, admin_user):
    sign_off(office, supervisor)
    chart = {a.code: a for a in Account.objects.all()}

    tomorrow = timezone.localdate() + timezone.timedelta(days=1)
    entry = post(
        entry_date=tomorrow,
        memo="Change fund",
        source="change_fund",
        by=admin_user,
        lines=[
            Line(chart["1030"], D("10.00"), office_id=office.pk),
            Line(chart["1100"], D("-10.00")),
        ],
    )

    assert entry.pk


def test_a_training_drawer_takes_payments_after_the_sign_off(
    office, closed_day, clerk, supervisor, dana
):
    bill = issue(dana, supervisor, amount="5.00")
    training = open_drawer(clerk, office, number=3, training=True)
    sign_off(office, supervisor)

    payment = pay(training, clerk, bill)

    assert payment.training


def test_an_admin_reopens_the_day_and_the_next_sign_off_is_version_two(
    office, closed_day, clerk, supervisor, supervisor2, admin_user
):
    first = sign_off(office, supervisor)
    with pytest.raises(DayNotClosable, match="Only an Admin"):
        day_reopen(office=office, day=first.business_date, by=supervisor, reason="Typo")
    with pytest.raises(DayNotClosable, match="Say why"):
        day_reopen(office=office, day=first.business_date, by=admin_user, reason="  ")

    day_reopen(office=office, day=first.business_date, by=admin_user, reason="Late check found")
    late = open_drawer(clerk, office, number=2)  # the day takes postings again
    drawer_closed(late, receiver=supervisor)
    second = sign_off(office, supervisor2)

    first.refresh_from_db()
    assert first.reopened_by == admin_user and first.reopen_reason == "Late check found"
    assert second.version == 2
    assert second.previous_seal == first.seal
    assert second.line_count > first.line_count
    assert ledger_violations() == []


def test_reopening_a_day_not_signed_off_is_refused(office, admin_user):
    today = timezone.localdate()
    with pytest.raises(DayClosed, match=f"day of {today:%m/%d/%Y} is not signed off"):
        day_reopen(office=office, day=today, by=admin_user, reason="Why not")


def test_the_seal_shows_an_edit_made_with_the_triggers_disabled(office, closed_day, supervisor):
    signoff = sign_off(office, supervisor)
    assert ledger_violations() == []

    # Someone with the database's keys: append-only trigger off, two amounts changed so that
    # the entry still balances, trigger back on.
    with connection.cursor() as cursor:
        # (The test's transaction first runs its deferred checks, or ALTER TABLE may not run.)
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE ledger_journalline DISABLE TRIGGER journal_line_append_only")
        cursor.execute(
            """UPDATE ledger_journalline SET amount = amount + 1 WHERE id = (
                   SELECT min(l.id) FROM ledger_journalline l
                     JOIN ledger_journalentry e ON e.id = l.entry_id
                    WHERE e.source = 'payment' AND l.amount > 0)"""
        )
        cursor.execute(
            """UPDATE ledger_journalline SET amount = amount - 1 WHERE id = (
                   SELECT min(l.id) FROM ledger_journalline l
                     JOIN ledger_journalentry e ON e.id = l.entry_id
                    WHERE e.source = 'payment' AND l.amount < 0)"""
        )
        cursor.execute("ALTER TABLE ledger_journalline ENABLE TRIGGER journal_line_append_only")

    found = [v for v in ledger_violations() if v.rule == SEAL_RULE]

    assert [v.detail for v in found] == [
        f"The books of office {office.code} for {signoff.business_date:%m/%d/%Y} no longer "
        "match their seal (first tampered day): its entries and lines no longer give its seal "
        "(sign-off version 1)."
    ]


def test_a_sign_off_is_frozen(office, closed_day, supervisor):
    signoff = sign_off(office, supervisor)

    with pytest.raises(DatabaseError, match="only reopened_by_id"), transaction.atomic():
        DaySignoff.objects.filter(pk=signoff.pk).update(sha256="0" * 64)


# Pages


def test_a_supervisor_signs_off_from_the_report_page(client, office, closed_day, supervisor):
    client.force_login(supervisor)
    page = client.get(reverse("reconciliation:daily"), {"office": office.pk})
    token = page.context["sign_off_form"].initial["token"]
    data = {"office": office.pk, "day": timezone.localdate().isoformat(), "token": token}

    response = client.post(reverse("reconciliation:day_sign_off"), data, follow=True)

    assert "is signed off (version 1)" in response.content.decode()
    signoff = DaySignoff.objects.get()
    download = client.get(reverse("reconciliation:day_signoff_pdf", args=[signoff.pk]))
    assert download.status_code == 200
    assert download.content == bytes(signoff.pdf)
    history = client.get(reverse("reconciliation:day_history"), {"office": office.pk})
    assert signoff.sha256 in history.content.decode()


def test_the_sign_off_page_says_why_the_day_cannot_close(client, office, drawer, supervisor):
    client.force_login(supervisor)
    data = {"office": office.pk, "day": timezone.localdate().isoformat(), "token": uuid.uuid4()}

    response = client.post(reverse("reconciliation:day_sign_off"), data, follow=True)

    assert "cannot close yet" in response.content.decode()
    assert not DaySignoff.objects.exists()


@pytest.mark.parametrize("token", [None, "", "<b>token</b>"])
def test_a_bad_token_is_a_message(client, office, closed_day, supervisor, token):
    client.force_login(supervisor)
    data = {"office": office.pk, "day": timezone.localdate().isoformat()}
    if token is not None:
        data["token"] = token

    response = client.post(reverse("reconciliation:day_sign_off"), data, follow=True)

    assert FRESH_FORM_MESSAGE.replace("'", "&#x27;") in response.content.decode()
    assert not DaySignoff.objects.exists()


def test_the_history_shows_both_versions(client, office, closed_day, supervisor, admin_user):
    sign_off(office, supervisor)
    day_reopen(office=office, day=timezone.localdate(), by=admin_user, reason="Recount")
    sign_off(office, supervisor)
    client.force_login(admin_user)

    html = client.get(reverse("reconciliation:day_history"), {"office": office.pk}).content
    text = html.decode()

    assert "PDF (version 1)" in text and "PDF (version 2)" in text
    assert "Recount" in text


def test_permissions_of_the_day_close_pages(client, office, closed_day, clerk, supervisor):
    data = {"office": office.pk, "day": timezone.localdate().isoformat(), "reason": "x"}
    client.force_login(clerk)
    assert client.post(reverse("reconciliation:day_sign_off"), data).status_code == 403
    client.force_login(supervisor)
    assert client.post(reverse("reconciliation:day_reopen"), data).status_code == 403
    assert client.get(reverse("reconciliation:day_sign_off")).status_code == 405


def test_an_admin_reopens_from_the_page(client, office, closed_day, supervisor, admin_user):
    sign_off(office, supervisor)
    client.force_login(admin_user)
    data = {"office": office.pk, "day": timezone.localdate().isoformat(), "reason": "Recount"}

    response = client.post(reverse("reconciliation:day_reopen"), data, follow=True)

    assert "is reopened" in response.content.decode()
    assert DaySignoff.objects.get().reopened_by == admin_user


@pytest.mark.django_db(transaction=True)
def test_a_sign_off_waits_for_a_posting_in_flight_and_seals_it(
    office, drawer, clerk, supervisor, supervisor2, admin_user
):
    import threading

    from django.db import connections

    drawer_closed(drawer, receiver=supervisor)
    safe_counted(office, by=supervisor, witness=supervisor2)
    chart = {a.code: a for a in Account.objects.all()}
    posted, release = threading.Event(), threading.Event()
    result: dict = {}

    def posting():
        try:
            with transaction.atomic():
                post(
                    entry_date=timezone.localdate(),
                    memo="Change fund topped up",
                    source="change_fund",
                    by=admin_user,
                    lines=[
                        Line(chart["1030"], D("10.00"), office_id=office.pk),
                        Line(chart["1100"], D("-10.00")),
                    ],
                )
                posted.set()
                release.wait(10)
        finally:
            connections.close_all()

    def signing():
        try:
            result["signoff"] = sign_off(office, supervisor)
        finally:
            connections.close_all()

    poster = threading.Thread(target=posting)
    poster.start()
    assert posted.wait(10)
    signer = threading.Thread(target=signing)
    signer.start()
    signer.join(1.5)
    waited = signer.is_alive()
    release.set()
    poster.join(10)
    signer.join(30)

    assert waited, "the sign-off should wait for the posting holding the office"
    signoff = result["signoff"]
    lines_of_day = connection.cursor()
    # Every line of every entry of the day with a line naming the office or its drawer.
    lines_of_day.execute(
        "SELECT count(*) FROM ledger_journalline WHERE entry_id IN ("
        " SELECT l.entry_id FROM ledger_journalline l"
        " JOIN ledger_journalentry e ON e.id = l.entry_id"
        " WHERE e.entry_date = %s AND (l.office_id = %s OR l.drawer_id = %s))",
        [timezone.localdate(), office.pk, drawer.pk],
    )
    assert signoff.line_count == lines_of_day.fetchone()[0]
    assert ledger_violations() == []
