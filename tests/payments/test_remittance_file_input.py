"""payments.remittance_files.remittance_file_parse against odd input files: amounts written
loosely, card numbers in any column, dates the bank could not have sent, and files that are
empty."""

import csv
import io
from datetime import date

import pytest

from payments.errors import RemittanceFileError
from payments.remittance_files import remittance_file_parse, remittance_file_write
from payments.services.remittance import remittance_sources_seed

CARD = "4111111111111111"
DEPOSIT = date(2026, 6, 30)


@pytest.fixture
def lockbox(office):
    return remittance_sources_seed(office=office)[0]


@pytest.fixture
def vendor(office):
    return remittance_sources_seed(office=office)[1]


def lockbox_file(amount: str = "12.34", **row: str) -> bytes:
    """One payment of `amount` and a trailer of the same total (or `total`), as CSV."""
    fields = ("record", "deposit_date", "scanline", "amount", "check_number", "check_payer")
    cells = {"record": "D", "scanline": "B-1", "amount": amount, "check_number": "1001", **row}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = ["Record", "Deposit date", "Scanline", "Amount", "Check number", "Payer"]
    writer.writerow([*header, "Postmark", "Count"])
    writer.writerow([cells.get(f, "") for f in (*fields, "postmark", "count")])
    writer.writerow(["T", f"{DEPOSIT:%Y-%m-%d}", "", cells["amount"], "", "", "", "1"])
    return buffer.getvalue().encode()


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["12,34", "1,2,3,4", "1_000", "١٢", "+12"])
def test_an_amount_written_loosely_is_refused_not_guessed(lockbox, amount):
    # "12,34" is twelve dollars thirty-four in much of the world: never read as $1,234.00
    with pytest.raises(RemittanceFileError, match=r"Row 2, column 'Amount'"):
        remittance_file_parse(lockbox, lockbox_file(amount))


@pytest.mark.django_db
@pytest.mark.parametrize("amount", ["1,234.50", "$12.00", " 12.00 "])
def test_an_amount_as_people_write_it_is_read(lockbox, amount):
    parsed = remittance_file_parse(lockbox, lockbox_file(amount))
    assert parsed.rows[0].amount == parsed.deposit_total != 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "column,row",
    [
        ("Amount", {"amount": CARD}),
        ("Postmark", {"postmark": CARD}),
        ("Record", {"record": CARD}),
        ("Deposit date", {"deposit_date": CARD}),
    ],
)
def test_a_card_number_in_any_lockbox_column_is_refused_and_never_repeated(lockbox, column, row):
    with pytest.raises(RemittanceFileError, match="card number") as refused:
        remittance_file_parse(lockbox, lockbox_file(**row))
    assert CARD not in str(refused.value)


@pytest.mark.django_db
def test_a_card_number_in_a_vendor_brand_column_is_never_repeated(vendor):
    rows = [
        {
            "paid_on": DEPOSIT,
            "scanline": "B-1",
            "amount": "10.00",
            "fee": "0.30",
            "card_brand": CARD,
            "card_last4": "1111",
        }
    ]
    content = remittance_file_write("vendor", rows, deposit_date=DEPOSIT)
    with pytest.raises(RemittanceFileError, match="card number") as refused:
        remittance_file_parse(vendor, content)
    assert CARD not in str(refused.value)


@pytest.mark.django_db
def test_a_card_number_in_a_column_we_do_not_read_is_refused(lockbox):
    content = lockbox_file("12.34").replace(b"Count\n", b"Count,Memo\n", 1)
    lines = content.decode().splitlines()
    lines[1] += f",{CARD}"
    with pytest.raises(RemittanceFileError, match=r"Row 2, column .Memo.: .*card") as refused:
        remittance_file_parse(lockbox, "\n".join(lines).encode())
    assert CARD not in str(refused.value)


@pytest.mark.django_db
def test_an_empty_file_says_so(lockbox):
    with pytest.raises(RemittanceFileError, match="The file is empty"):
        remittance_file_parse(lockbox, b"")


@pytest.mark.django_db
def test_a_postmark_after_the_deposit_is_refused(lockbox):
    # the bank cannot deposit a check before its envelope was postmarked
    with pytest.raises(RemittanceFileError, match=r"Row 2, column 'Postmark'.*after"):
        remittance_file_parse(lockbox, lockbox_file("12.34", postmark="2026-07-01"))


@pytest.mark.django_db
def test_a_vendor_payment_after_its_settlement_is_refused(vendor):
    rows = [
        {
            "paid_on": date(2026, 7, 1),
            "scanline": "B-1",
            "amount": "10.00",
            "card_brand": "Visa",
            "card_last4": "1111",
        }
    ]
    content = remittance_file_write("vendor", rows, deposit_date=DEPOSIT)
    with pytest.raises(RemittanceFileError, match=r"Row 2, column 'Paid on'.*after"):
        remittance_file_parse(vendor, content)
