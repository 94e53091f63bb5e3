"""The remittance pages (payments.views_remittance): who may see what, a mail batch worked
through the pages, bad input said at its field, exceptions resolved by a Supervisor, and file
imports."""

import re
import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from billing.models import Customer
from billing.scanline import configured_scheme, scanline_build
from ledger.cards import contains_card_number
from ledger.models import Account
from payments.models import RemittanceBatch, RemittanceItem, RemittanceSource
from payments.services.remittance import (
    remittance_batch_open,
    remittance_batch_post,
    remittance_item_add,
)
from tests.payments.conftest import issue

D = Decimal
HTMX = {"HTTP_HX_REQUEST": "true"}


def token_in(page_text: str, prefix: str = "") -> str:
    name = f"{prefix}-token" if prefix else "token"
    found = re.search(rf'name="{name}" value="([0-9a-f-]{{36}})"', page_text)
    assert found, f"no {name} in the page"
    return found.group(1)


@pytest.fixture
def bills(office, supervisor, db):
    """Three open tax bills of $1,000.00, $250.00 and $75.50, due in a month (nothing accrues)."""
    owners = [Customer.objects.create(name=f"Payer {n}", city="Ithaca") for n in range(3)]
    return [
        issue(owner, supervisor, amount=amount)
        for owner, amount in zip(owners, ("1000.00", "250.00", "75.50"), strict=True)
    ]


def open_batch(office, clerk, total: str, count: int) -> RemittanceBatch:
    return remittance_batch_open(
        office=office,
        kind="mail",
        control_total=D(total),
        control_count=count,
        by=clerk,
        token=uuid.uuid4(),
    )


def add(batch, clerk, scanline: str, amount: str, number: str = "1001", payer: str = "") -> object:
    return remittance_item_add(
        batch=batch,
        scanline=scanline,
        amount=D(amount),
        check_number=number,
        check_payer=payer,
        postmark=None,
        by=clerk,
        token=uuid.uuid4(),
    )


@pytest.fixture
def posted_with_exceptions(office, clerk, bills):
    """A posted mail batch: one clean check, and three exceptions (two unknown bills and an
    overpayment of the $250.00 bill)."""
    batch = open_batch(office, clerk, "1350.00", 4)
    add(batch, clerk, bills[0].number, "1000.00", "2001")
    add(batch, clerk, "NO-SUCH-BILL", "100.00", "2002", "Alex Unknown")
    add(batch, clerk, "ALSO-UNKNOWN", "50.00", "2003", "Sam Unknown")
    add(batch, clerk, "NOT-A-BILL-3", "200.00", "2004", "Robin Return")
    return remittance_batch_post(batch=batch, by=clerk, token=uuid.uuid4())


# Who may see what


def _urls(batch: RemittanceBatch, item: RemittanceItem) -> list[str]:
    return [
        reverse("payments:remittance_batches"),
        reverse("payments:remittance_batch", args=[batch.pk]),
        reverse("payments:remittance_post", args=[batch.pk]),
        reverse("payments:remittance_report_pdf", args=[batch.pk]),
        reverse("payments:remittance_exceptions"),
        reverse("payments:remittance_import"),
        reverse("payments:remittance_import_progress", args=[uuid.uuid4()]),
    ]


def test_signed_out_every_page_goes_to_the_sign_in(client, office, clerk, bills):
    batch = open_batch(office, clerk, "1000.00", 1)
    item = add(batch, clerk, bills[0].number, "1000.00")
    for url in _urls(batch, item):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_a_trainee_sees_nothing_of_remittance(client, office, clerk, trainee, bills):
    batch = open_batch(office, clerk, "1000.00", 1)
    item = add(batch, clerk, bills[0].number, "1000.00")
    client.force_login(trainee)
    for url in _urls(batch, item):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("payments:remittance_item_add", args=[batch.pk])).status_code == 403
    home = client.get(reverse("home")).text
    assert "Mail batches" not in home
    assert "Remittance" not in home


def test_a_clerk_sees_the_exceptions_but_only_a_supervisor_resolves(
    client, clerk, supervisor, posted_with_exceptions
):
    item = posted_with_exceptions.items.filter(state=RemittanceItem.State.EXCEPTION).first()
    client.force_login(clerk)
    queue = client.get(reverse("payments:remittance_exceptions"))
    assert queue.status_code == 200
    assert "NO-SUCH-BILL" in queue.text
    assert "Resolve item" not in queue.text
    refused = client.post(reverse("payments:remittance_resolve", args=[item.pk]), {})
    assert refused.status_code == 403

    client.force_login(supervisor)
    page = client.get(reverse("payments:remittance_exceptions")).text
    assert f"Resolve item {item.sequence} of {posted_with_exceptions.number}" in page
    # The navigation counts what waits for the Supervisor.
    assert "Exceptions (3)" in page


def test_the_home_page_and_the_navigation_offer_remittance_to_clerks(client, clerk, office):
    client.force_login(clerk)
    home = client.get(reverse("home")).text
    for title in ("Mail batches", "Import a remittance file", "Remittance exceptions"):
        assert title in home
    assert reverse("payments:remittance_import") in home
    assert "Exceptions (" not in home  # the count is the Supervisors'


# A mail batch through the pages


def test_a_clerk_works_a_mail_batch_through_the_pages(client, clerk, office, bills):
    client.force_login(clerk)
    start = client.get(reverse("payments:remittance_batches"))
    opened = client.post(
        reverse("payments:remittance_batches"),
        {
            "token": token_in(start.text),
            "control_total": "1,325.50",
            "control_count": "3",
            "office": office.pk,
        },
    )
    batch = RemittanceBatch.objects.get()
    assert opened["Location"] == reverse("payments:remittance_batch", args=[batch.pk])
    page = client.get(opened["Location"]).text
    assert "0 of 3" in page
    add_url = reverse("payments:remittance_item_add", args=[batch.pk])

    # A clean check, typed by bill number (htmx: the working area comes back).
    work = client.post(
        add_url,
        {
            "token": token_in(page),
            "scanline": bills[0].number,
            "amount": "1000.00",
            "check_number": "5501",
            "check_payer": "Payer 0",
            "postmark": "",
        },
        **HTMX,
    ).text
    assert 'id="batch-work"' in work and "<html" not in work
    assert "Clean" in work
    assert "1 of 3" in work

    # An unknown bill is taken, as an exception with its reason.
    work = client.post(
        add_url,
        {"token": token_in(work), "scanline": "ZZ-404", "amount": "250.00", "check_number": "77"},
        **HTMX,
    ).text
    exception = batch.items.get(sequence=2)
    assert exception.state == RemittanceItem.State.EXCEPTION
    assert "Exception" in work and exception.message in work.replace("&#x27;", "'")

    # Two of three checks, $1,250.00 of $1,325.50: posting is refused, and the page says so.
    assert "disabled" in re.search(r"<button[^>]*>Post the batch", work).group(0)
    confirm = client.get(reverse("payments:remittance_post", args=[batch.pk])).text
    refused = client.post(
        reverse("payments:remittance_post", args=[batch.pk]),
        {"token": token_in(confirm), "confirm": "on"},
    )
    assert refused.status_code == 200
    batch.refresh_from_db()
    assert batch.status == RemittanceBatch.Status.OPEN
    assert "75.50" in refused.text  # what is missing is said

    # The third check, by plain POST (no JavaScript): back to the page, totals agree.
    done = client.post(
        add_url,
        {
            "token": token_in(work),
            "scanline": bills[2].number,
            "amount": "75.50",
            "check_number": "80",
        },
    )
    assert done.status_code == 302
    page = client.get(done["Location"]).text
    assert "Totals agree" in page
    # The postmark of a new item starts at the last one entered (none yet here).
    confirm = client.get(reverse("payments:remittance_post", args=[batch.pk])).text
    assert "cannot be undone" in confirm
    posted = client.post(
        reverse("payments:remittance_post", args=[batch.pk]),
        {"token": token_in(confirm), "confirm": "on"},
        follow=True,
    ).text
    batch.refresh_from_db()
    assert batch.status == RemittanceBatch.Status.POSTED
    assert "2 receipts for $1,075.50; 1 exception ($250.00) wait for a Supervisor." in posted
    receipts = [item.payment.receipt_number for item in batch.items.exclude(payment=None)]
    assert len(receipts) == 2
    for number in receipts:
        assert number in posted
    report = client.get(reverse("payments:remittance_report_pdf", args=[batch.pk]))
    assert report["Content-Type"] == "application/pdf"


def test_the_postmark_starts_at_the_last_one_entered(client, clerk, office, bills):
    batch = open_batch(office, clerk, "1250.00", 2)
    client.force_login(clerk)
    page = client.get(reverse("payments:remittance_batch", args=[batch.pk])).text
    client.post(
        reverse("payments:remittance_item_add", args=[batch.pk]),
        {
            "token": token_in(page),
            "scanline": bills[0].number,
            "amount": "1000.00",
            "check_number": "12",
            "postmark": "01/02/2026",
        },
        **HTMX,
    )
    page = client.get(reverse("payments:remittance_batch", args=[batch.pk])).text
    assert re.search(r'name="postmark"[^>]*value="01/02/2026"', page)


def test_a_double_submit_adds_the_check_once(client, clerk, office, bills):
    batch = open_batch(office, clerk, "1000.00", 1)
    client.force_login(clerk)
    page = client.get(reverse("payments:remittance_batch", args=[batch.pk])).text
    form = {
        "token": token_in(page),
        "scanline": bills[0].number,
        "amount": "1000.00",
        "check_number": "1",
    }
    for _ in range(2):
        client.post(reverse("payments:remittance_item_add", args=[batch.pk]), form, **HTMX)
    assert batch.items.count() == 1


@pytest.mark.parametrize(
    "amount, message",
    [
        ("abc", ""),
        ("-5.00", ""),
        ("1.23456", ""),
        ("1e309", ""),
        ("NaN", ""),
        ("9" * 300, ""),
        ("0.00", "Enter an amount more than $0.00."),
        ("", "This field is required."),
    ],
)
def test_a_bad_amount_is_said_at_its_field_and_nothing_is_saved(
    client, clerk, office, bills, amount, message
):
    batch = open_batch(office, clerk, "1000.00", 1)
    client.force_login(clerk)
    page = client.get(reverse("payments:remittance_batch", args=[batch.pk])).text
    response = client.post(
        reverse("payments:remittance_item_add", args=[batch.pk]),
        {
            "token": token_in(page),
            "scanline": bills[0].number,
            "amount": amount,
            "check_number": "1",
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert 'id="id_amount-error"' in response.text
    assert message in response.text
    assert batch.items.count() == 0


def test_bad_text_in_the_other_fields_is_said_at_its_field(client, clerk, office, bills):
    batch = open_batch(office, clerk, "1000.00", 1)
    client.force_login(clerk)
    page = client.get(reverse("payments:remittance_batch", args=[batch.pk])).text
    cases = [
        ("scanline", "x" * 61),
        ("scanline", "Card 4111 1111 1111 1111"),
        ("check_number", "4111 1111 1111 1111"),
        ("check_number", "12a"),
        ("check_number", ""),
        ("check_payer", "Card 4111 1111 1111 1111"),
        ("check_payer", "p" * 201),
        ("postmark", "31/31/2026"),
        ("postmark", "12/31/2999"),
    ]
    for field, value in cases:
        form = {
            "token": token_in(page),
            "scanline": bills[0].number,
            "amount": "1000.00",
            "check_number": "1",
        }
        form[field] = value
        response = client.post(
            reverse("payments:remittance_item_add", args=[batch.pk]), form, **HTMX
        )
        assert response.status_code == 200
        assert f'id="id_{field}-error"' in response.text, field
        assert "4111 1111" not in response.text
    assert batch.items.count() == 0


def test_a_scanline_that_passes_the_card_check_by_chance_is_taken(client, clerk, office, bills):
    # Given a stub's scanline whose leading digits happen to be Luhn-valid.
    scheme = configured_scheme()
    scanline = next(
        line
        for cents in range(100_000, 200_000)
        if contains_card_number(
            line := scanline_build(reference=bills[0].pk, amount=D(cents).scaleb(-2), scheme=scheme)
        )
    )
    batch = open_batch(office, clerk, "1000.00", 1)
    client.force_login(clerk)
    page = client.get(reverse("payments:remittance_batch", args=[batch.pk])).text

    client.post(
        reverse("payments:remittance_item_add", args=[batch.pk]),
        {"token": token_in(page), "scanline": scanline, "amount": "1000.00", "check_number": "9"},
        **HTMX,
    )

    item = batch.items.get()
    assert item.bill == bills[0]
    assert item.state == RemittanceItem.State.CLEAN


@pytest.mark.parametrize("total", ["abc", "-1", "1.234", "1e309", "NaN", "1" * 40])
def test_a_bad_control_total_opens_no_batch(client, clerk, office, total):
    client.force_login(clerk)
    start = client.get(reverse("payments:remittance_batches"))
    response = client.post(
        reverse("payments:remittance_batches"),
        {"token": token_in(start.text), "control_total": total, "control_count": "3"},
    )
    assert response.status_code == 200
    assert "Control total" in response.text
    assert not RemittanceBatch.objects.exists()


@pytest.mark.parametrize("count", ["0", "-2", "three", "1.5", "٣", "9" * 30])
def test_a_bad_count_opens_no_batch(client, clerk, office, count):
    client.force_login(clerk)
    start = client.get(reverse("payments:remittance_batches"))
    response = client.post(
        reverse("payments:remittance_batches"),
        {"token": token_in(start.text), "control_total": "10.00", "control_count": count},
    )
    assert response.status_code == 200
    assert "Number of checks" in response.text
    assert not RemittanceBatch.objects.exists()


def test_an_item_is_removed_and_a_batch_cancelled_with_a_reason(client, clerk, office, bills):
    batch = open_batch(office, clerk, "1000.00", 1)
    item = add(batch, clerk, bills[0].number, "1000.00")
    client.force_login(clerk)
    removed = client.post(
        reverse("payments:remittance_item_remove", args=[batch.pk, item.pk]), follow=True
    )
    assert "Item 1 ($1,000.00) removed." in removed.text
    assert batch.items.count() == 0
    second = add(batch, clerk, bills[1].number, "250.00")
    work = client.post(
        reverse("payments:remittance_item_remove", args=[batch.pk, second.pk]), **HTMX
    ).text
    assert "Item 1 ($250.00) removed." in work and "<html" not in work
    again = client.post(
        reverse("payments:remittance_item_remove", args=[batch.pk, second.pk]), follow=True
    )
    assert "That item is no longer in the batch." in again.text
    no_reason = client.post(reverse("payments:remittance_cancel", args=[batch.pk]), {"reason": ""})
    assert "Say why the batch is cancelled." in no_reason.text
    cancelled = client.post(
        reverse("payments:remittance_cancel", args=[batch.pk]),
        {"reason": "Opened by mistake"},
        follow=True,
    )
    assert f"Batch {batch.number} cancelled" in cancelled.text
    batch.refresh_from_db()
    assert batch.status == RemittanceBatch.Status.CANCELLED


# Exceptions


def _resolve(client, item, **fields):
    page = client.get(reverse("payments:remittance_exceptions")).text
    prefix = f"r{item.pk}"
    data = {f"{prefix}-token": token_in(page, prefix)}
    data.update({f"{prefix}-{name}": value for name, value in fields.items()})
    return client.post(reverse("payments:remittance_resolve", args=[item.pk]), data)


def test_a_supervisor_resolves_each_kind_through_the_page(
    client, supervisor, posted_with_exceptions, bills
):
    unknown, also_unknown, to_return = posted_with_exceptions.items.filter(
        state=RemittanceItem.State.EXCEPTION
    ).order_by("sequence")
    client.force_login(supervisor)

    held = _resolve(client, unknown, action="hold", note="")
    assert "Say why" in held.text
    held = _resolve(client, unknown, action="hold", note="Calling the payer")
    assert held.status_code == 302
    unknown.refresh_from_db()
    assert unknown.state == RemittanceItem.State.HELD

    partial = _resolve(client, also_unknown, action="apply_partial", amount="", note="Part")
    assert "Say how much of the check to apply." in partial.text
    no_bill = _resolve(client, also_unknown, action="apply_partial", amount="10.00", note="Part")
    assert "names no bill of ours" in no_bill.text
    for bad in ("abc", "1e309", "NaN", "-3", "1.001", "9" * 40):
        response = _resolve(client, also_unknown, action="apply_partial", amount=bad, note="Part")
        assert response.status_code == 200, bad
        assert f'id="id_r{also_unknown.pk}-amount-error"' in response.text, bad
    also_unknown.refresh_from_db()
    assert also_unknown.state == RemittanceItem.State.EXCEPTION

    returned = _resolve(client, to_return, action="return", note="No such bill of ours")
    assert returned.status_code == 302
    to_return.refresh_from_db()
    assert to_return.state == RemittanceItem.State.RETURNED
    queue = client.get(reverse("payments:remittance_exceptions")).text
    assert reverse("payments:remittance_letter_pdf", args=[to_return.pk]) in queue
    letter = client.get(reverse("payments:remittance_letter_pdf", args=[to_return.pk]))
    assert letter["Content-Type"] == "application/pdf"


def test_the_queue_filters_by_batch_and_reason(client, clerk, posted_with_exceptions):
    client.force_login(clerk)
    url = reverse("payments:remittance_exceptions")
    found = client.get(url, {"batch": posted_with_exceptions.number, "reason": "unknown_bill"})
    assert "NO-SUCH-BILL" in found.text
    none = client.get(url, {"batch": "RB-0000-000000"})
    assert "NO-SUCH-BILL" not in none.text
    assert "No exceptions wait with these filters." in none.text
    bad = client.get(url, {"reason": "nonsense", "batch": "x" * 500})
    assert bad.status_code == 200


def test_only_a_returned_check_has_a_letter(client, clerk, posted_with_exceptions):
    item = posted_with_exceptions.items.first()
    client.force_login(clerk)
    assert client.get(reverse("payments:remittance_letter_pdf", args=[item.pk])).status_code == 404


def test_a_supervisor_applies_and_applies_part_through_the_page(
    client, office, clerk, supervisor, bills
):
    # Given two bills each paid by two checks in one batch: the second of each is held as a
    # duplicate for a Supervisor.
    batch = open_batch(office, clerk, "1075.50", 4)
    add(batch, clerk, bills[0].number, "900.00", "1")
    add(batch, clerk, bills[0].number, "100.00", "2")
    add(batch, clerk, bills[2].number, "50.00", "3")
    add(batch, clerk, bills[2].number, "25.50", "4")
    remittance_batch_post(batch=batch, by=clerk, token=uuid.uuid4())
    second_check, fourth_check = batch.items.filter(state=RemittanceItem.State.EXCEPTION)
    client.force_login(supervisor)

    # When the Supervisor applies the $25.50 in full, and $60.00 of the $100.00.
    applied = _resolve(client, fourth_check, action="apply", note="")
    said = client.get(applied["Location"]).text
    no_note = _resolve(client, second_check, action="apply_partial", amount="60.00")
    too_much = _resolve(
        client, second_check, action="apply_partial", amount="100.00", note="Two checks"
    )
    partial = _resolve(
        client, second_check, action="apply_partial", amount="60.00", note="Two checks"
    )

    # Then each has its receipt and the bills owe what is left.
    fourth_check.refresh_from_db()
    assert fourth_check.state == RemittanceItem.State.APPLIED
    assert f"applied: receipt {fourth_check.payment.receipt_number}" in said
    assert f'id="id_r{second_check.pk}-note-error"' in no_note.text
    assert "choose Apply" in too_much.text
    assert f'id="id_r{second_check.pk}-amount-error"' in too_much.text
    assert partial.status_code == 302
    second_check.refresh_from_db()
    assert second_check.state == RemittanceItem.State.APPLIED
    assert second_check.applied_amount == D("60.00")
    bills[0].refresh_from_db()
    bills[2].refresh_from_db()
    assert bills[0].balance == D("40.00")
    assert bills[2].balance == D("0.00")
    # The batch page lists both receipts.
    batch_page = client.get(reverse("payments:remittance_batch", args=[batch.pk])).text
    assert second_check.payment.receipt_number in batch_page


# File imports


@pytest.fixture
def lockbox(office, chart):
    """The city's bank lockbox, with the documented default layout. (Admins keep sources in
    the Django admin; there is no service for it.)"""
    return RemittanceSource.objects.create(
        name="City bank lockbox",
        kind=RemittanceSource.Kind.LOCKBOX,
        bank_account=Account.objects.get(code="1100"),
        office=office,
    )


def lockbox_file(rows: list[tuple[str, str, str]], total: str | None = None) -> bytes:
    """A lockbox file: a header, one D row per (scanline, amount, check number), the trailer."""
    lines = ["Record,Deposit date,Scanline,Amount,Check number,Payer,Postmark,Count"]
    lines += [
        f"D,,{scan},{amount},{number},Payer {n},," for n, (scan, amount, number) in enumerate(rows)
    ]
    summed = total or str(sum((D(amount) for _, amount, _ in rows), D("0")))
    lines.append(f"T,2026-11-30,,{summed},,,,{len(rows)}")
    return ("\n".join(lines) + "\n").encode()


def _upload(client, source, name: str, content: bytes, **extra):
    page = client.get(reverse("payments:remittance_import")).text
    upload = SimpleUploadedFile(name, content, content_type="text/csv")
    return client.post(
        reverse("payments:remittance_import"),
        {"token": token_in(page), "source": source.pk, "file": upload},
        **extra,
    )


def test_a_lockbox_file_is_imported_once_and_its_batch_shown(client, clerk, lockbox, bills):
    content = lockbox_file(
        [
            (bills[0].number, "1000.00", "101"),
            (bills[1].number, "250.00", "102"),
            ("NO-SUCH-BILL", "12.34", "103"),
        ]
    )
    client.force_login(clerk)

    imported = _upload(client, lockbox, "lockbox-1130.csv", content)

    batch = RemittanceBatch.objects.get(source=lockbox)
    assert imported["Location"] == reverse("payments:remittance_batch", args=[batch.pk])
    page = client.get(imported["Location"]).text
    assert f"lockbox-1130.csv imported and posted as batch {batch.number}." in page
    assert "Deposit announced by the file: 1,262.34 on 11/30/2026" in page
    assert "NO-SUCH-BILL" in page and "Exception" in page
    for item in batch.items.exclude(payment=None):
        assert item.payment.receipt_number in page

    again = _upload(client, lockbox, "lockbox-1130-again.csv", content)
    assert again.status_code == 200
    assert f"This file was imported already as batch {batch.number}" in again.text
    assert f'href="{reverse("payments:remittance_batch", args=[batch.pk])}"' in again.text
    assert RemittanceBatch.objects.filter(source=lockbox).count() == 1


def test_a_file_with_a_bad_row_posts_nothing_and_names_the_row(client, clerk, lockbox, bills):
    content = lockbox_file(
        [(bills[0].number, "1000.00", "101"), (bills[1].number, "2x0.00", "102")],
        total="1250.00",
    )
    client.force_login(clerk)

    refused = _upload(client, lockbox, "bad.csv", content, **HTMX)

    assert refused.status_code == 200
    assert "row 3" in refused.text.lower()
    assert "Amount" in refused.text
    assert not RemittanceBatch.objects.exists()


def test_the_import_page_refuses_what_is_no_file(client, clerk, lockbox):
    client.force_login(clerk)
    page = client.get(reverse("payments:remittance_import")).text
    no_file = client.post(
        reverse("payments:remittance_import"), {"token": token_in(page), "source": lockbox.pk}
    )
    assert no_file.status_code == 200
    assert "This field is required." in no_file.text
    binary = _upload(client, lockbox, "photo.csv", b"\xff\xd8\xff\xe0 not text")
    assert "not UTF-8 text" in binary.text
    card_name = _upload(client, lockbox, "4111111111111111.csv", b"x")
    assert "card number" in card_name.text
    assert "4111111111111111" not in card_name.text
    assert not RemittanceBatch.objects.exists()


def test_a_lockbox_scanline_that_passes_the_card_check_by_chance_is_imported(
    client, clerk, lockbox, bills
):
    scheme = configured_scheme()
    scanline = next(
        line
        for cents in range(100_000, 200_000)
        if contains_card_number(
            line := scanline_build(reference=bills[0].pk, amount=D(cents).scaleb(-2), scheme=scheme)
        )
    )
    client.force_login(clerk)

    _upload(client, lockbox, "lockbox.csv", lockbox_file([(scanline, "1000.00", "101")]))

    item = RemittanceItem.objects.get()
    assert item.bill == bills[0]


def test_the_remittance_window_is_not_offered_for_a_counter_drawer(client, clerk, office, bills):
    # Given a mail batch open (its drawer is at the office's "Remittance" workstation)
    remittance_batch_open(
        office=office,
        control_total=Decimal("10.00"),
        control_count=1,
        by=clerk,
        token=uuid.uuid4(),
    )

    # When the clerk goes to open a counter drawer
    client.force_login(clerk)
    page = client.get(reverse("payments:drawer_open")).text

    # Then the windows offered are the counter's, never the remittance one
    offered = re.findall(r"<option[^>]*>([^<]*)</option>", page)
    assert any("Window 1" in name for name in offered)
    assert not [name for name in offered if "Remittance" in name]
