"""The postmark of a mailed check (payments.services.remittance, payments.forms_remittance): a
date after the day it is entered, or more than a year before it, is a slip of the keys and is
refused on the form; one before the bill was issued is taken, as an exception for a Supervisor.
And what a clerk types as an amount: strictly money, or a message with nothing saved."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from payments.errors import RemittanceError, RemittanceFileError
from payments.models import RemittanceBatch, RemittanceItem
from payments.remittance_files import remittance_file_parse, remittance_file_write
from payments.services.remittance import (
    remittance_batch_post,
    remittance_file_import,
    remittance_item_add,
    remittance_sources_seed,
)
from tests.payments.test_remittance_file_input import lockbox_file
from tests.payments.test_remittance_views import bills, open_batch

D = Decimal
__all__ = ["bills"]  # the fixture, used by name


def short(day) -> str:
    return date_format(day, "SHORT_DATE_FORMAT")


def add_by_page(client, batch, bill, *, amount="1000.00", postmark=""):
    return client.post(
        reverse("payments:remittance_item_add", args=[batch.pk]),
        {
            "token": uuid.uuid4(),
            "scanline": bill.number,
            "amount": amount,
            "check_number": "1234",
            "postmark": postmark,
        },
    )


@pytest.mark.parametrize("days", [1, -367, -3650])
def test_a_postmark_after_today_or_over_a_year_back_is_refused_on_the_form(
    client, office, clerk, bills, days
):
    # given an open batch
    batch = open_batch(office, clerk, "1000.00", 1)
    client.force_login(clerk)
    today = timezone.localdate()
    postmark = today + timedelta(days=days)

    # when a check is keyed with that postmark
    response = add_by_page(client, batch, bills[0], postmark=postmark.isoformat())

    # then the form says so in the office's date format, and nothing is saved
    assert response.status_code == 200
    assert (
        f"The postmark {short(postmark)} is not between {short(today - timedelta(days=366))} "
        f"and {short(today)}, the day it is entered: check the date." in response.text
    )
    assert not batch.items.exists()
    # and the service refuses it too (a command or another caller)
    with pytest.raises(RemittanceError, match="is not between"):
        remittance_item_add(
            batch=batch,
            scanline=bills[0].number,
            amount=D("1000.00"),
            check_number="1",
            postmark=postmark,
            by=clerk,
            token=uuid.uuid4(),
        )


@pytest.mark.parametrize("days", [0, -366])
def test_a_postmark_of_today_or_a_year_back_is_taken(client, office, clerk, bills, days):
    batch = open_batch(office, clerk, "1000.00", 1)
    client.force_login(clerk)
    postmark = timezone.localdate() + timedelta(days=days)
    response = add_by_page(client, batch, bills[0], postmark=postmark.isoformat())
    assert response.status_code == 302
    assert batch.items.get().postmark == postmark


def test_a_postmark_before_the_bill_was_issued_is_an_exception(client, office, clerk, bills):
    # given a bill issued 01/01/2026 and a check postmarked the day before
    batch = open_batch(office, clerk, "1000.00", 1)
    client.force_login(clerk)
    bill = bills[0]
    postmark = bill.issue_date - timedelta(days=1)

    # when it is keyed
    response = add_by_page(client, batch, bill, postmark=postmark.isoformat())

    # then it is taken as an exception saying why, for a Supervisor
    assert response.status_code == 302
    item = batch.items.get()
    assert (item.state, item.reason) == (
        RemittanceItem.State.EXCEPTION,
        RemittanceItem.Reason.POSTMARK_BEFORE_BILL,
    )
    assert item.message == (
        f"Postmarked {short(postmark)}, before bill {bill.number} was issued "
        f"({short(bill.issue_date)})."
    )
    # and posting holds it, with the bill untouched
    posted = remittance_batch_post(batch=batch, by=clerk, token=uuid.uuid4())
    item.refresh_from_db()
    bill.refresh_from_db()
    assert posted.status == "posted"
    assert item.state == RemittanceItem.State.EXCEPTION
    assert bill.balance == D("1000.00")


def test_a_lockbox_postmark_before_the_bill_is_an_exception(office, clerk, bills):
    # given a lockbox file with one item postmarked before its bill was issued
    lockbox, _ = remittance_sources_seed(office=office)
    bill = bills[1]
    postmark = bill.issue_date - timedelta(days=3)
    content = remittance_file_write(
        lockbox.kind,
        rows=[
            {
                "scanline": bill.number,
                "amount": "250.00",
                "check_number": "77",
                "postmark": postmark,
            }
        ],
        deposit_date=timezone.localdate(),
    )

    # when it is imported
    batch = remittance_file_import(source=lockbox, file_name="l.csv", content=content, by=clerk)

    # then the item is held as an exception, not applied
    item = batch.items.get()
    assert item.reason == RemittanceItem.Reason.POSTMARK_BEFORE_BILL


# Amounts as typed


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("0.005", "has more than two decimal places (whole cents)"),
        ("1e3", "is not an amount"),
        ("NaN", "is not an amount"),
        ("-12.30", "is not an amount"),
        ("0.00", "Enter an amount more than $0.00."),
        ("1000000000000.00", "is more than the books can hold"),
        ("12,30", "a comma may only separate thousands"),
    ],
)
def test_an_amount_that_is_not_money_is_said_on_the_form(client, office, clerk, bills, typed, said):
    batch = open_batch(office, clerk, "1000.00", 1)
    client.force_login(clerk)
    response = add_by_page(client, batch, bills[0], amount=typed)
    assert response.status_code == 200
    assert said in response.text
    assert not batch.items.exists()


def test_an_amount_with_blanks_around_it_is_read(client, office, clerk, bills):
    batch = open_batch(office, clerk, "12.30", 1)
    client.force_login(clerk)
    response = add_by_page(client, batch, bills[2], amount="  12.30 ")
    assert response.status_code == 302
    assert batch.items.get().amount == D("12.30")


@pytest.mark.parametrize("typed", ["0.005", "1e3", "NaN", "-5", "1000000000000.00"])
def test_a_control_total_that_is_not_money_opens_no_batch(client, office, clerk, typed):
    client.force_login(clerk)
    response = client.post(
        reverse("payments:remittance_batches"),
        {
            "token": uuid.uuid4(),
            "control_total": typed,
            "control_count": "1",
            "office": office.pk,
        },
    )
    assert response.status_code == 200
    assert "invalid-feedback" in response.text or "errorlist" in response.text
    assert not RemittanceBatch.objects.exists()


@pytest.mark.parametrize(
    "amount", ["0.005", "1e3", "NaN", "-12.30", "0", "1000000000000.00", "Infinity", "12.3.4"]
)
def test_a_file_amount_that_is_not_money_refuses_the_file(office, amount):
    lockbox, _ = remittance_sources_seed(office=office)
    with pytest.raises(RemittanceFileError, match=r"Row 2, column 'Amount'"):
        remittance_file_parse(lockbox, lockbox_file(amount))


def test_a_file_amount_with_blanks_and_one_decimal_is_read_to_the_cent(office):
    lockbox, _ = remittance_sources_seed(office=office)
    parsed = remittance_file_parse(lockbox, lockbox_file("  12.3 "))
    assert parsed.rows[0].amount == D("12.30")
    assert str(parsed.rows[0].amount) == "12.30"


@pytest.mark.parametrize("number", ["١٢٣", "12²", "1234567890123", "", "12 34"])
def test_a_check_number_is_ascii_digits_for_the_service_too(office, clerk, bills, number):
    batch = open_batch(office, clerk, "1000.00", 1)
    with pytest.raises(RemittanceError, match=r"The check number is its digits \(up to 12\)"):
        remittance_item_add(
            batch=batch,
            scanline=bills[0].number,
            amount=D("1000.00"),
            check_number=number,
            postmark=None,
            by=clerk,
            token=uuid.uuid4(),
        )
    assert not batch.items.exists()
