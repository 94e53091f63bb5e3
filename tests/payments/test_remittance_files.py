"""remittance_file_import: lockbox and vendor files posted all or nothing,
once per file, with one gapless receipt per payment; the postmark rule at its boundaries."""

import uuid
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from billing.models import Bill, BillType, ChargeType
from billing.services import Charge, bills_issue_bulk
from ledger.models import JournalLine
from payments.errors import RemittanceFileError, RemittanceFileSeen
from payments.models import Payment, PaymentItem, ReceiptSeries, RemittanceBatch
from payments.remittance_files import remittance_file_write
from payments.services import returned_check_record
from payments.services.remittance import remittance_file_import, remittance_sources_seed
from tests.payments.conftest import issue
from tests.payments.test_reversals import books_are_clean

D = Decimal
transactional = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sources(office):
    lockbox, vendor = remittance_sources_seed(office=office)
    return {"lockbox": lockbox, "vendor": vendor}


def water_bills(customer, by, count: int) -> list[Bill]:
    water = ChargeType.objects.get(code="water")
    today = timezone.localdate()
    rows = []
    for i in range(count):
        amount = D(20 + i % 150) + D(i % 99 + 1) / 100
        rows.append(
            (
                dict(
                    number=f"W-{i:06d}",
                    bill_type=BillType.WATER_SEWER,
                    source="test",
                    customer_id=customer.pk,
                    description="Quarterly water",
                    issue_date=today,
                    due_date=today + timedelta(days=30),
                    principal=amount,
                ),
                [Charge(water, amount)],
            )
        )
    bills_issue_bulk(bills=rows, by=by, memo="Test water bills", source="test")
    return list(Bill.objects.filter(number__startswith="W-").order_by("pk"))


def lockbox_rows(bills) -> list[dict]:
    return [
        {
            "scanline": b.number,
            "amount": b.balance,
            "check_number": str(1000 + n),
            "check_payer": "Payer",
        }
        for n, b in enumerate(bills)
    ]


@pytest.mark.slow
@transactional
def test_a_10000_item_lockbox_file_posts_once_with_gapless_receipts(
    sources, clerk, dana, supervisor
):
    # given 10,000 open water bills and the bank's lockbox file paying each in full
    bills = water_bills(dana, supervisor, 10_000)
    today = timezone.localdate()
    content = remittance_file_write("lockbox", lockbox_rows(bills), deposit_date=today)
    seen = []

    # when it is imported
    batch = remittance_file_import(
        source=sources["lockbox"],
        file_name="lockbox.csv",
        content=content,
        by=clerk,
        progress=lambda done, total: seen.append((done, total)),
    )

    # then one receipt per item, numbered without a gap, every bill paid, one entry
    assert batch.status == "posted" and batch.items.filter(state="applied").count() == 10_000
    sequences = sorted(Payment.objects.values_list("receipt_sequence", flat=True))
    assert sequences == list(range(1, 10_001))
    assert ReceiptSeries.objects.get(year=today.year, training=False).last_number == 10_000
    assert not Bill.objects.filter(number__startswith="W-", balance__gt=0).exists()
    assert PaymentItem.objects.count() == 10_000
    assert seen[-1] == (10_000, 10_000) and len(seen) >= 10
    debit = JournalLine.objects.get(entry=batch.entry, account__code="1040").amount
    assert debit == sum(b.balance for b in bills)
    call_command("ledger_verify")

    # and the same file again posts nothing and names the batch
    with pytest.raises(RemittanceFileSeen, match=f"imported already as batch {batch.number}"):
        remittance_file_import(
            source=sources["lockbox"], file_name="again.csv", content=content, by=clerk
        )
    assert Payment.objects.count() == 10_000


@transactional
def test_a_file_with_one_bad_row_posts_nothing_and_names_it(sources, clerk, dana, supervisor):
    bills = water_bills(dana, supervisor, 5)
    rows = lockbox_rows(bills)
    rows[3]["amount"] = "12,3x"
    content = remittance_file_write(
        "lockbox", rows[:3] + rows[4:], deposit_date=timezone.localdate()
    )
    lines = content.decode().splitlines()
    lines.insert(4, f"D,,{bills[3].number},12.3x,1004,Payer,,")
    with pytest.raises(RemittanceFileError, match=r"Row 5, column 'Amount'"):
        remittance_file_import(
            source=sources["lockbox"],
            file_name="bad.csv",
            content="\n".join(lines).encode(),
            by=clerk,
        )
    assert Payment.objects.count() == 0 and RemittanceBatch.objects.count() == 0


@transactional
def test_a_trailer_that_differs_from_the_rows_is_refused(sources, clerk, dana, supervisor):
    bills = water_bills(dana, supervisor, 2)
    content = remittance_file_write(
        "lockbox", lockbox_rows(bills), deposit_date=timezone.localdate()
    )
    lines = content.decode().splitlines()
    lines.pop(1)
    with pytest.raises(RemittanceFileError, match="do not match its trailer"):
        remittance_file_import(
            source=sources["lockbox"],
            file_name="short.csv",
            content="\n".join(lines).encode(),
            by=clerk,
        )


@transactional
def test_a_returned_lockbox_check_is_taken_back_from_transit(sources, clerk, dana, supervisor):
    bills = water_bills(dana, supervisor, 2)
    batch = remittance_file_import(
        source=sources["lockbox"],
        file_name="lb.csv",
        content=remittance_file_write(
            "lockbox", lockbox_rows(bills), deposit_date=timezone.localdate()
        ),
        by=clerk,
    )
    payment = Payment.objects.filter(drawer=batch.drawer).order_by("pk").first()
    reversal = returned_check_record(payment=payment, reason="NSF", by=supervisor)
    line = JournalLine.objects.get(entry=reversal.entry, account__code="1040")
    assert line.amount == -payment.total
    assert Bill.objects.get(pk=payment.items.get().bill_id).balance == payment.total
    books_are_clean()


@transactional
def test_vendor_file_posts_card_clearing_net_of_fees(sources, clerk, dana, supervisor):
    bills = water_bills(dana, supervisor, 3)
    today = timezone.localdate()
    rows = [
        {
            "paid_on": today,
            "scanline": b.number,
            "amount": b.balance,
            "fee": "1.25",
            "card_brand": "Visa",
            "card_last4": "4242",
            "reference": f"PC-{n}",
        }
        for n, b in enumerate(bills)
    ]
    batch = remittance_file_import(
        source=sources["vendor"],
        file_name="vendor.csv",
        content=remittance_file_write("vendor", rows, deposit_date=today),
        by=clerk,
    )
    gross = sum(b.balance for b in bills)
    lines = JournalLine.objects.filter(entry=batch.entry)
    clearing = sum(x.amount for x in lines if x.account.code == "1020")
    fees = sum(x.amount for x in lines if x.account.code == "5100")
    assert (clearing, fees, batch.fee_total) == (gross - D("3.75"), D("3.75"), D("3.75"))
    assert Payment.objects.filter(drawer=batch.drawer, tenders__card_last4="4242").count() == 3
    books_are_clean()


# The postmark rule (RPTL §925): a tax bill due on a day, received after it.


def late_tax_bill(dana, supervisor, due: date) -> Bill:
    return issue(dana, supervisor, amount="1000.00", due=due)


@pytest.mark.parametrize(
    ("due", "postmark", "penalty"),
    [
        (date(2026, 1, 30), date(2026, 1, 30), False),  # postmarked on the due date (a Friday)
        (date(2026, 1, 30), date(2026, 1, 31), True),  # postmarked the day after
        (date(2026, 1, 31), date(2026, 2, 2), False),  # due on a Saturday: Monday is on time
    ],
)
@transactional
def test_the_postmark_decides_lateness(office, clerk, dana, supervisor, due, postmark, penalty):
    from payments.services.remittance import (
        remittance_batch_open,
        remittance_batch_post,
        remittance_item_add,
    )

    bill = late_tax_bill(dana, supervisor, due)
    batch = remittance_batch_open(
        office=office, control_total=D("1000.00"), control_count=1, by=clerk, token=uuid.uuid4()
    )
    item = remittance_item_add(
        batch=batch,
        scanline=bill.number,
        amount=D("1000.00"),
        check_number="77",
        check_payer="Dana Whitfield",
        postmark=postmark,
        by=clerk,
        token=uuid.uuid4(),
    )
    if penalty:
        # what it owed at the postmark includes a penalty: the $1,000.00 check falls short
        assert item.owed_at_postmark > D("1000.00")
    else:
        assert item.owed_at_postmark == D("1000.00") and item.state == "clean"
        remittance_batch_post(batch=batch, by=clerk, token=uuid.uuid4())
        assert Bill.objects.get(pk=bill.pk).balance == 0
        assert PaymentItem.objects.get(bill=bill).penalty_assessed == 0
    books_are_clean()
