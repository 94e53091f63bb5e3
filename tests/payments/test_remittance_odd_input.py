"""Odd things brought to the remittance pages (payments.views_remittance): files too large, not
text, not CSV or with a header only; payers' names too long for a line on the batch report and
the return letter; and a batch's receipt whose check comes back after posting, which the batch
report and the batch page must still tell."""

import uuid
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from ledger.errors import DomainError
from payments.errors import RemittanceFileError
from payments.models import RemittanceBatch, RemittanceImport, RemittanceItem
from payments.remittance_files import MAX_FILE_BYTES, remittance_file_write
from payments.services import payment_void, returned_check_record
from payments.services.remittance import (
    Resolution,
    remittance_batch_post,
    remittance_exception_resolve,
    remittance_file_import,
    remittance_item_add,
    remittance_sources_seed,
)
from tests.documents.conftest import NAMES, unbroken
from tests.documents.pdf_reading import assert_nothing_runs_off, squeezed, text
from tests.payments.test_remittance_views import (
    add,
    bills,
    lockbox,
    lockbox_file,
    open_batch,
    token_in,
)
from tests.payments.test_reversals import books_are_clean

D = Decimal
__all__ = ["bills", "lockbox"]  # the fixtures, used by name
HEADER = b"Record,Deposit date,Scanline,Amount,Check number,Payer,Postmark,Count\n"


def upload(client, lockbox, content: bytes, name: str = "lockbox.csv"):
    page = client.get(reverse("payments:remittance_import")).text
    return client.post(
        reverse("payments:remittance_import"),
        {
            "token": token_in(page),
            "source": lockbox.pk,
            "file": SimpleUploadedFile(name, content, content_type="text/csv"),
        },
    )


@pytest.mark.parametrize(
    ("content", "said"),
    [
        # 50 MB: refused by its size before it is read
        (b"a" * (50 * 1024 * 1024), "The file is 50.0 MB: no remittance file is that large"),
        (b"D" * (MAX_FILE_BYTES + 1), "no remittance file is that large (at most 16 MB)"),
        # a cell longer than the csv module reads
        (HEADER + b"D,," + b"9" * 200_000 + b",1.00,1,,,\n", "The file is not CSV"),
        (HEADER + "D,,W-1,1.00,1,Fran\xe7ois,,\n".encode("latin-1"), "The file is not UTF-8"),
        (HEADER, "The file has no trailer row (T)"),
        (b"\xff\xfe" + "Record".encode("utf-16-le"), "The file is not UTF-8"),
        (
            HEADER + b"D,,W-1\x00,1.00,1,,,\nT,2026-06-30,,1.00,,,,1\n",
            "The file holds NUL characters",
        ),
        (
            HEADER + b"D,,W-1,1.00,1,Ann\x00Lee,,\nT,2026-06-30,,1.00,,,,1\n",
            "The file holds NUL characters",
        ),
    ],
    ids=[
        "50MB",
        "over-the-limit",
        "huge-cell",
        "latin-1",
        "header-only",
        "utf-16",
        "nul-in-scanline",
        "nul-in-payer",
    ],
)
def test_an_odd_file_is_refused_with_a_message_and_nothing_saved(
    client, clerk, lockbox, content, said
):
    client.force_login(clerk)
    response = upload(client, lockbox, content)
    assert response.status_code == 200
    assert said in response.text
    assert not RemittanceBatch.objects.exists()
    assert not RemittanceImport.objects.filter(stage=RemittanceImport.Stage.DONE).exists()


# Long names on paper


def test_the_longest_payer_names_wrap_on_the_batch_report_and_the_return_letter(
    client, office, clerk, supervisor, bills
):
    # given a posted batch whose checks carry the longest payer names a field holds
    unbroken_name = unbroken(200)
    spaced = (NAMES["Greek"] + " ") * 9
    batch = open_batch(office, clerk, "1300.00", 3)
    add(batch, clerk, bills[0].number, "1000.00", "1", unbroken_name)
    add(batch, clerk, "NO-SUCH-BILL", "200.00", "2", spaced[:200])
    add(batch, clerk, "ALSO-NO-BILL", "100.00", "3", unbroken(200, "Zyx"))
    remittance_batch_post(batch=batch, by=clerk, token=uuid.uuid4())
    returned = batch.items.get(sequence=3)
    remittance_exception_resolve(
        item=returned,
        action=Resolution.RETURN,
        amount=None,
        note=unbroken(300, "Notabillofours"),
        by=supervisor,
        token=uuid.uuid4(),
    )
    client.force_login(clerk)

    # when the batch report and the return letter are printed
    report = client.get(reverse("payments:remittance_report_pdf", args=[batch.pk]))
    letter = client.get(reverse("payments:remittance_letter_pdf", args=[returned.pk]))

    # then every name is printed whole and nothing runs off the page
    for response, names in (
        (report, [unbroken_name, spaced[:200].strip(), unbroken(200, "Zyx")]),
        (letter, [unbroken(200, "Zyx"), unbroken(300, "Notabillofours")]),
    ):
        assert response.status_code == 200
        assert_nothing_runs_off(response.content)
        printed = squeezed(text(response.content))
        for name in names:
            assert squeezed(name) in printed, f"{name[:20]}… is not printed whole"


# A receipt of the batch whose check comes back


def test_a_returned_check_after_posting_shows_on_the_batch_report_and_page(
    client, office, clerk, supervisor, bills
):
    # given a posted batch of two clean checks
    batch = open_batch(office, clerk, "1250.00", 2)
    add(batch, clerk, bills[0].number, "1000.00", "41", "Payer Zero")
    add(batch, clerk, bills[1].number, "250.00", "42", "Payer One")
    remittance_batch_post(batch=batch, by=clerk, token=uuid.uuid4())
    bounced = batch.items.get(sequence=2)

    # when the bank returns the second check
    returned_check_record(payment=bounced.payment, reason="NSF", by=supervisor)

    # then the batch report says so beside the item and in the totals
    client.force_login(clerk)
    report = client.get(reverse("payments:remittance_report_pdf", args=[batch.pk]))
    printed = squeezed(text(report.content))
    assert squeezed("Returned check (NSF) after posting 1 250.00") in printed
    assert squeezed(f"{bounced.payment.receipt_number}") in printed
    assert printed.count(squeezed("Returned check (NSF)")) == 2  # the item and the totals
    # and so does the batch page
    page = client.get(reverse("payments:remittance_batch", args=[batch.pk])).text
    assert "Returned check (NSF) after posting: 1 ($250.00)." in page
    # and the item still counts as applied in the batch (its money came in, then went back)
    bounced.refresh_from_db()
    assert bounced.state == RemittanceItem.State.APPLIED
    bills[1].refresh_from_db()
    assert bills[1].balance == D("250.00")
    books_are_clean()


def test_a_lockbox_file_with_only_a_header_posts_nothing(client, clerk, lockbox):
    client.force_login(clerk)
    content = lockbox_file([])
    response = upload(client, lockbox, content)
    assert response.status_code == 200
    assert "The file has no payments." in response.text or "no payments" in response.text
    assert not RemittanceBatch.objects.exists()


@pytest.mark.parametrize("fee", ["250.00", "260.00"])
def test_a_vendor_fee_not_less_than_its_payment_refuses_the_file(office, clerk, bills, fee):
    # given a vendor file whose fee is the whole payment or more (a shifted column)
    _, vendor = remittance_sources_seed(office=office)
    today = timezone.localdate()
    row = {
        "paid_on": today,
        "scanline": bills[1].number,
        "amount": "250.00",
        "fee": fee,
        "card_brand": "Visa",
        "card_last4": "4242",
        "reference": "PC-1",
    }
    content = remittance_file_write("vendor", [row], deposit_date=today)

    # when it is imported: refused naming the row and the column, nothing posted
    with pytest.raises(RemittanceFileError, match=r"Row 2, column 'Fee': the fee \$"):
        remittance_file_import(source=vendor, file_name="v.csv", content=content, by=clerk)
    assert not RemittanceBatch.objects.exists()


def test_a_batch_receipt_is_not_voided_and_says_to_refund_it(
    client, office, clerk, supervisor, bills
):
    # given a posted batch's receipt
    batch = open_batch(office, clerk, "250.00", 1)
    add(batch, clerk, bills[1].number, "250.00")
    remittance_batch_post(batch=batch, by=clerk, token=uuid.uuid4())
    payment = batch.items.get().payment

    # when a void is asked for: refused with what to do instead, nothing posted
    with pytest.raises(DomainError) as refused:
        payment_void(payment=payment, reason="Keyed twice", by=clerk, approved_by=supervisor)
    assert "refund" in str(refused.value).lower()
    assert not payment.reversals.exists()
    books_are_clean()


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        ("vendor", "We are refunding your online payment of $40.00"),
        ("lockbox", "Our bank received your check"),
    ],
)
def test_a_file_items_return_letter_does_not_say_a_check_is_enclosed(
    client, office, clerk, supervisor, kind, says
):
    # given a lockbox or vendor file's item that names no bill, returned by a Supervisor
    lockbox, vendor = remittance_sources_seed(office=office)
    source = vendor if kind == "vendor" else lockbox
    today = timezone.localdate()
    row = {"scanline": "NO-SUCH-BILL", "amount": "40.00"}
    if kind == "vendor":
        row |= {"paid_on": today, "card_brand": "Visa", "card_last4": "4242", "reference": "P1"}
    else:
        row |= {"check_number": "55", "check_payer": "Alex Unknown"}
    content = remittance_file_write(kind, [row], deposit_date=today)
    batch = remittance_file_import(source=source, file_name="f.csv", content=content, by=clerk)
    item = batch.items.get()
    remittance_exception_resolve(
        item=item,
        action=Resolution.RETURN,
        amount=None,
        note="No bill of ours",
        by=supervisor,
        token=uuid.uuid4(),
    )

    # when its letter is printed
    client.force_login(clerk)
    letter = client.get(reverse("payments:remittance_letter_pdf", args=[item.pk]))

    # then it says what happened to the money; no check is enclosed (the bank has it)
    printed = squeezed(text(letter.content))
    assert squeezed(says) in printed
    assert squeezed("enclosed check") not in printed
    assert squeezed("Enclosure") not in printed


@pytest.mark.parametrize("field", ["scanline", "check_payer"])
def test_a_nul_character_typed_or_sent_is_a_message_not_a_500(client, office, clerk, bills, field):
    batch = open_batch(office, clerk, "1000.00", 1)
    check = {"scanline": bills[0].number, "check_payer": "Ann Lee"}
    check[field] = check[field][:3] + "\x00" + check[field][3:]
    # through the page
    client.force_login(clerk)
    page = client.post(
        reverse("payments:remittance_item_add", args=[batch.pk]),
        {"token": uuid.uuid4(), "amount": "1000.00", "check_number": "5", **check},
    )
    assert page.status_code == 200
    assert "Null characters are not allowed." in page.text
    # and by the service
    with pytest.raises(DomainError, match="A NUL character cannot be stored"):
        remittance_item_add(
            batch=batch,
            amount=D("1000.00"),
            check_number="5",
            postmark=None,
            by=clerk,
            token=uuid.uuid4(),
            **check,
        )
    assert not batch.items.exists()
