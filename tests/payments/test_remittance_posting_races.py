"""A mail batch's posting against the world (payments.services.remittance): two posts of one
batch at once, a double Enter on a check, a bill paid at the window while its check waits in the
batch, a day signed off or a period closed before posting, and a double submit of every
money-moving remittance form."""

import threading
import uuid
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.urls import reverse
from django.utils import timezone

from cashiering.roles import Role
from ledger.models import AccountingPeriod, JournalEntry, PeriodState
from payments.errors import RemittanceError, RemittanceFileSeen
from payments.models import Payment, PaymentPolicy, RemittanceBatch, RemittanceItem
from payments.remittance_files import remittance_file_write
from payments.services import BillItem, payment_record, returned_check_record
from payments.services.remittance import (
    remittance_batch_post,
    remittance_file_import,
    remittance_item_add,
    remittance_sources_seed,
)
from reconciliation.services.days import day_sign_off
from tests.payments.conftest import cash, check, issue, new_user, open_drawer
from tests.payments.test_remittance_views import add, bills, open_batch, token_in
from tests.payments.test_reversals import books_are_clean
from tests.reconciliation.flows import safe_counted

D = Decimal
transactional = pytest.mark.django_db(transaction=True)
__all__ = ["bills"]  # the fixture, used by name


def held_while(row_lock_sql: str, params: list, *calls: Callable[[], object], waiting: int):
    """Run each call in a thread of its own while this connection holds a row's lock, and let
    it go once `waiting` of them wait for it (so all of them passed what they check before
    locking); what they returned and raised."""
    results: list[object] = []
    errors: list[BaseException] = []
    guard = threading.Lock()

    def run(call):
        try:
            result = call()
            with guard:
                results.append(result)
        except BaseException as exc:
            with guard:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(row_lock_sql, params)
        for thread in threads:
            thread.start()
        for _ in range(600):
            cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
            if cursor.fetchone()[0] >= waiting:
                break
            threading.Event().wait(0.05)
        else:
            raise AssertionError("the calls never waited for the lock")
    for thread in threads:
        thread.join()
    return results, errors


LOCK_BATCH = "SELECT id FROM payments_remittancebatch WHERE id = %s FOR UPDATE"


@transactional
def test_two_posts_of_one_batch_at_once_post_it_once(office, clerk, supervisor, bills):
    # given a batch that agrees with its control: two clean checks
    batch = open_batch(office, clerk, "1250.00", 2)
    add(batch, clerk, bills[0].number, "1000.00", "1")
    add(batch, clerk, bills[1].number, "250.00", "2")

    # when the clerk and a Supervisor post it at the same moment (two connections)
    results, errors = held_while(
        LOCK_BATCH,
        [batch.pk],
        lambda: remittance_batch_post(batch=batch, by=clerk, token=uuid.uuid4()),
        lambda: remittance_batch_post(batch=batch, by=supervisor, token=uuid.uuid4()),
        waiting=2,
    )

    # then one posts it, the other is told it is posted already
    assert len(results) == 1
    assert [str(e) for e in errors] == [f"Batch {batch.number} is posted already."]
    # and there is one entry and one set of receipts
    assert JournalEntry.objects.filter(source="remittance").count() == 1
    assert Payment.objects.filter(drawer=batch.drawer).count() == 2
    for bill in bills[:2]:
        bill.refresh_from_db()
        assert bill.balance == 0
    books_are_clean()


@transactional
def test_a_double_enter_on_a_check_adds_it_once(office, clerk, bills):
    # given an open batch, and one form's token sent twice at once (a double Enter)
    batch = open_batch(office, clerk, "1000.00", 1)
    token = uuid.uuid4()

    def enter():
        return remittance_item_add(
            batch=batch,
            scanline=bills[0].number,
            amount=D("1000.00"),
            check_number="1001",
            postmark=None,
            by=clerk,
            token=token,
        )

    # when both requests got past the token check before either saved
    results, errors = held_while(LOCK_BATCH, [batch.pk], enter, enter, waiting=2)

    # then both get the one item, and there is one
    assert errors == []
    assert len({item.pk for item in results}) == 1
    assert batch.items.count() == 1


# A bill paid at the window while its check waits in the batch


@pytest.fixture
def at_the_window(clerk, office):
    return open_drawer(clerk, office)


def pay_at_window(drawer, bill, amount: str) -> Payment:
    return payment_record(
        drawer=drawer,
        items=[BillItem(bill.pk, D(amount))],
        tenders=[cash(amount)],
        token=uuid.uuid4(),
        by=drawer.clerk,
    )


def test_a_bill_paid_at_the_window_since_becomes_an_exception(office, clerk, bills, at_the_window):
    # given a clean check for a bill's whole balance in an open batch
    batch = open_batch(office, clerk, "250.00", 1)
    item = add(batch, clerk, bills[1].number, "250.00")
    assert item.state == RemittanceItem.State.CLEAN
    # when the bill is paid at the window, and the batch is posted
    pay_at_window(at_the_window, bills[1], "250.00")
    remittance_batch_post(batch=batch, by=clerk, token=uuid.uuid4())
    # then the check is held as an exception (bill paid), the bill not paid twice
    item.refresh_from_db()
    bills[1].refresh_from_db()
    assert (item.state, item.reason) == ("exception", RemittanceItem.Reason.BILL_PAID)
    assert bills[1].balance == 0
    assert item.payment_id is None
    books_are_clean()


def test_a_bill_paid_in_part_at_the_window_is_not_overpaid_silently(
    office, clerk, bills, at_the_window
):
    # given a policy that takes overpayments (the rest to the customer's credit), and a clean
    # check for the bill's whole $1,000.00 in an open batch
    PaymentPolicy.objects.filter(applies_to=bills[0].bill_type).update(overpayment_allowed=True)
    batch = open_batch(office, clerk, "1000.00", 1)
    item = add(batch, clerk, bills[0].number, "1000.00")
    assert item.state == RemittanceItem.State.CLEAN
    # when $400.00 of it is paid at the window, and the batch is posted
    pay_at_window(at_the_window, bills[0], "400.00")
    remittance_batch_post(batch=batch, by=clerk, token=uuid.uuid4())
    # then the check is held (amount differs, saying why), not $400.00 put on account unasked
    item.refresh_from_db()
    bills[0].refresh_from_db()
    assert (item.state, item.reason) == ("exception", RemittanceItem.Reason.AMOUNT_DIFFERS)
    assert "owes $600.00 now, $1,000.00 when the check was entered (paid since)" in item.message
    assert bills[0].balance == D("600.00")
    books_are_clean()


# A closed day, a closed period


def test_posting_into_a_closed_period_is_refused_on_the_page(
    client, office, clerk, supervisor, bills
):
    # given a batch ready to post, and today's accounting period closed by an Admin in the
    # Django admin (period_close closes only a period that has ended, with its days signed off)
    batch = open_batch(office, clerk, "1000.00", 1)
    add(batch, clerk, bills[0].number, "1000.00")
    today = timezone.localdate()
    AccountingPeriod.objects.create(
        name="today",
        start_date=today,
        end_date=today,
        state=PeriodState.CLOSED,
        closed_at=timezone.now(),
        closed_by=supervisor,
    )
    client.force_login(clerk)
    url = reverse("payments:remittance_post", args=[batch.pk])

    # when the clerk confirms the post
    page = client.get(url).text
    response = client.post(url, {"token": token_in(page), "confirm": "on"})

    # then the page says why, and nothing is saved
    assert response.status_code == 200
    assert "closed" in response.text.lower()
    batch.refresh_from_db()
    assert batch.status == RemittanceBatch.Status.OPEN
    assert not Payment.objects.filter(drawer=batch.drawer).exists()
    bills[0].refresh_from_db()
    assert bills[0].balance == D("1000.00")


@transactional
def test_posting_into_a_signed_off_day_is_refused_with_nothing_saved(
    client, office, clerk, supervisor, bills
):
    # given a batch ready to post, and the office's day signed off (the safe counted first)
    batch = open_batch(office, clerk, "1000.00", 1)
    add(batch, clerk, bills[0].number, "1000.00")
    safe_counted(office, by=supervisor, witness=new_user("supervisor-two", Role.SUPERVISOR))
    day_sign_off(office=office, day=timezone.localdate(), by=supervisor, token=uuid.uuid4())
    client.force_login(clerk)
    url = reverse("payments:remittance_post", args=[batch.pk])

    # when the clerk confirms the post
    page = client.get(url).text
    response = client.post(url, {"token": token_in(page), "confirm": "on"})

    # then the page says the day is closed, and nothing is saved
    assert response.status_code == 200
    assert "signed off" in response.text
    batch.refresh_from_db()
    assert batch.status == RemittanceBatch.Status.OPEN
    assert not Payment.objects.filter(drawer=batch.drawer).exists()
    books_are_clean()


# Every money-moving form sent twice


def test_every_money_moving_remittance_form_sent_twice_acts_once(
    client, office, clerk, supervisor, bills
):
    client.force_login(clerk)
    # the batch opened twice with one token: one batch
    page = client.get(reverse("payments:remittance_batches")).text
    opening = {
        "token": token_in(page),
        "control_total": "1100.00",
        "control_count": "2",
        "office": office.pk,
    }
    first = client.post(reverse("payments:remittance_batches"), opening)
    again = client.post(reverse("payments:remittance_batches"), opening)
    assert first["Location"] == again["Location"]
    batch = RemittanceBatch.objects.get()

    # a check added twice with one token: one item
    page = client.get(reverse("payments:remittance_batch", args=[batch.pk])).text
    check = {
        "token": token_in(page),
        "scanline": bills[0].number,
        "amount": "1000.00",
        "check_number": "11",
    }
    for _ in range(2):
        client.post(reverse("payments:remittance_item_add", args=[batch.pk]), check)
    page = client.get(reverse("payments:remittance_batch", args=[batch.pk])).text
    unknown = {
        "token": token_in(page),
        "scanline": "NO-SUCH-BILL",
        "amount": "100.00",
        "check_number": "12",
    }
    for _ in range(2):
        client.post(reverse("payments:remittance_item_add", args=[batch.pk]), unknown)
    assert batch.items.count() == 2

    # the post confirmed twice (a reload): one entry
    url = reverse("payments:remittance_post", args=[batch.pk])
    posting = {"token": token_in(client.get(url).text), "confirm": "on"}
    client.post(url, posting)
    reload = client.post(url, posting)
    assert reload.status_code == 302
    assert JournalEntry.objects.filter(source="remittance").count() == 1
    assert Payment.objects.filter(drawer=batch.drawer).count() == 1

    # a resolution sent twice: one receipt
    client.force_login(supervisor)
    item = batch.items.get(state=RemittanceItem.State.EXCEPTION)
    queue = client.get(reverse("payments:remittance_exceptions")).text
    decision = {
        f"r{item.pk}-token": token_in(queue, f"r{item.pk}"),
        f"r{item.pk}-action": "hold",
        f"r{item.pk}-note": "Calling the payer",
    }
    resolve = reverse("payments:remittance_resolve", args=[item.pk])
    assert client.post(resolve, decision).status_code == 302
    assert client.post(resolve, decision).status_code == 302
    item.refresh_from_db()
    assert item.state == RemittanceItem.State.HELD
    books_are_clean()


def test_a_batch_post_with_the_same_token_again_returns_the_batch(office, clerk, bills):
    batch = open_batch(office, clerk, "1000.00", 1)
    add(batch, clerk, bills[0].number, "1000.00")
    token = uuid.uuid4()
    first = remittance_batch_post(batch=batch, by=clerk, token=token)
    again = remittance_batch_post(batch=batch, by=clerk, token=token)
    assert first.pk == again.pk
    assert Payment.objects.filter(drawer=batch.drawer).count() == 1
    with pytest.raises(RemittanceError, match="posted already"):
        remittance_batch_post(batch=batch, by=clerk, token=uuid.uuid4())


@transactional
def test_the_same_file_imported_twice_at_once_posts_once_and_names_the_batch(
    office, clerk, supervisor, bills
):
    # given one lockbox file, sent twice at once (two app servers, a double submit)
    lockbox, _ = remittance_sources_seed(office=office)
    content = remittance_file_write(
        lockbox.kind,
        rows=[{"scanline": bills[1].number, "amount": "250.00", "check_number": "9"}],
        deposit_date=timezone.localdate(),
    )

    def imported():
        return remittance_file_import(source=lockbox, file_name="l.csv", content=content, by=clerk)

    # when both got past the check for an earlier import before either committed
    results, errors = held_while(
        "SELECT id FROM billing_bill WHERE id = %s FOR UPDATE",
        [bills[1].pk],
        imported,
        imported,
        waiting=2,
    )

    # then one posts it, and the other is told which batch holds the file
    [batch] = results
    [error] = errors
    assert isinstance(error, RemittanceFileSeen)
    assert str(error) == (
        f"This file was imported already as batch {batch.number} (posted); nothing was posted "
        "again."
    )
    assert RemittanceBatch.objects.count() == 1
    books_are_clean()


def test_a_mailed_check_of_a_customer_refused_checks_is_an_exception(
    office, clerk, supervisor, bills, at_the_window
):
    # given two bills of one customer, and a check of hers for the first taken at the window
    customer = bills[0].customer
    second = issue(customer, supervisor, amount="80.00")
    paid = payment_record(
        drawer=at_the_window,
        items=[BillItem(bills[0].pk, D("1000.00"))],
        tenders=[check("1000.00", "501", "Pat Doe")],
        token=uuid.uuid4(),
        by=clerk,
    )
    # and a mail batch with her check for the second bill, entered clean (payer left empty)
    batch = open_batch(office, clerk, "80.00", 1)
    item = add(batch, clerk, second.number, "80.00")
    assert item.state == RemittanceItem.State.CLEAN

    # when the bank returns the window's check (the customer pays by check no more), and the
    # batch posts
    returned_check_record(payment=paid, reason="NSF", by=supervisor)
    remittance_batch_post(batch=batch, by=clerk, token=uuid.uuid4())

    # then the mailed check is held, not applied
    item.refresh_from_db()
    assert (item.state, item.reason) == ("exception", RemittanceItem.Reason.FLAGGED_WRITER)
    assert (
        item.message
        == f"Bill {second.number}'s customer had a check returned: no checks from them."
    )
    # and a new check from her is an exception as it is entered
    again = open_batch(office, clerk, "80.00", 1)
    assert add(again, clerk, second.number, "80.00").reason == RemittanceItem.Reason.FLAGGED_WRITER
    books_are_clean()
