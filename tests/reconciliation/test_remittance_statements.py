"""Remittance files meet the bank statement (reconciliation.services.remittance): a lockbox
file's deposit and an online vendor's settlement are matched by auto-match (and by hand), clear
1040 Deposits in transit / 1020 Card clearing, and a lockbox check returned afterwards is taken
back from the bank."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from ledger.models import JournalLine
from payments.custody import check_location
from payments.models import Payment, RemittanceBatch
from payments.remittance_files import remittance_file_write
from payments.services import returned_check_record
from payments.services.remittance import remittance_file_import, remittance_sources_seed
from reconciliation.errors import StatementError
from reconciliation.models import CardSettlement, StatementLine
from reconciliation.services import statement_auto_match
from reconciliation.services.remittance import (
    statement_line_match_lockbox,
    statement_line_match_vendor,
)
from tests.payments.test_remittance_files import lockbox_rows, water_bills
from tests.payments.test_reversals import books_are_clean
from tests.reconciliation.flows import statement_imported

D = Decimal
transactional = pytest.mark.django_db(transaction=True)


@pytest.fixture
def sources(office):
    lockbox, vendor = remittance_sources_seed(office=office)
    return {"lockbox": lockbox, "vendor": vendor}


def balance(code: str, **where) -> Decimal:
    total = JournalLine.objects.filter(account__code=code, **where).aggregate(t=Sum("amount"))
    return total["t"] or D("0")


def located(tender) -> str:
    with transaction.atomic():
        return check_location(tender).where


def lockbox_posted(sources, bills, clerk) -> RemittanceBatch:
    return remittance_file_import(
        source=sources["lockbox"],
        file_name="lockbox.csv",
        content=remittance_file_write(
            "lockbox", lockbox_rows(bills), deposit_date=timezone.localdate()
        ),
        by=clerk,
    )


def vendor_posted(sources, bills, clerk, fee: str = "1.25") -> RemittanceBatch:
    today = timezone.localdate()
    rows = [
        {
            "paid_on": today,
            "scanline": b.number,
            "amount": b.balance,
            "fee": fee,
            "card_brand": "Visa",
            "card_last4": "4242",
            "reference": f"PC-{n}",
        }
        for n, b in enumerate(bills)
    ]
    return remittance_file_import(
        source=sources["vendor"],
        file_name="vendor.csv",
        content=remittance_file_write("vendor", rows, deposit_date=today),
        by=clerk,
    )


@transactional
def test_a_lockbox_deposit_auto_matches_and_its_returned_check_leaves_the_bank(
    sources, clerk, dana, supervisor
):
    # given a posted lockbox file of three checks: its deposit is in 1040 of the office
    bills = water_bills(dana, supervisor, 3)
    batch = lockbox_posted(sources, bills, clerk)
    office_id = batch.office_id
    assert balance("1040", office_id=office_id) == batch.deposit_total
    bank_before = balance("1100")
    # when the bank's statement shows the deposit and auto-match runs
    (line,) = statement_imported(
        by=supervisor, lines=[(timezone.localdate(), batch.deposit_total, "LOCKBOX DEPOSIT")]
    )
    result = statement_auto_match(by=supervisor, statement=line.statement)
    # then the line is matched to the batch: 1040 back to zero, the bank up by the deposit
    assert (result.lockbox_deposits, result.left) == (1, 0)
    line.refresh_from_db()
    assert (line.status, line.remittance_batch_id) == (StatementLine.Status.MATCHED, batch.pk)
    assert balance("1040", office_id=office_id) == 0
    assert balance("1100") - bank_before == batch.deposit_total
    books_are_clean()
    # and a check of the file returned afterwards is at the bank, and taken back from it
    payment = Payment.objects.filter(drawer=batch.drawer).order_by("pk").first()
    tender = payment.tenders.get()
    assert located(tender).startswith("the bank")
    reversal = returned_check_record(payment=payment, reason="NSF", by=supervisor)
    taken = JournalLine.objects.get(entry=reversal.entry, account__code="1100")
    assert taken.amount == -payment.total
    assert not JournalLine.objects.filter(entry=reversal.entry, account__code="1040").exists()
    assert balance("1040", office_id=office_id) == 0
    books_are_clean()


@transactional
def test_a_lockbox_check_returned_before_the_match_leaves_the_deposit_short(
    sources, clerk, dana, supervisor
):
    # given a lockbox file whose first check the bank returned before the deposit was matched
    bills = water_bills(dana, supervisor, 2)
    batch = lockbox_posted(sources, bills, clerk)
    payment = Payment.objects.filter(drawer=batch.drawer).order_by("pk").first()
    assert "in transit" in located(payment.tenders.get())
    returned_check_record(payment=payment, reason="NSF", by=supervisor)
    full, short = statement_imported(
        by=supervisor,
        lines=[
            (timezone.localdate(), batch.deposit_total, "LOCKBOX FULL"),
            (timezone.localdate(), batch.deposit_total - payment.total, "LOCKBOX NET"),
        ],
    )
    # when the full deposit is matched by hand: refused, saying by how much it is short
    with pytest.raises(StatementError, match=r"less .* of checks returned since"):
        statement_line_match_lockbox(line=full, target=batch, by=supervisor)
    # then the net line matches, 1040 is clear, and a second match is refused
    statement_line_match_lockbox(line=short, target=batch, by=supervisor)
    assert balance("1040", office_id=batch.office_id) == 0
    with pytest.raises(StatementError, match="matched already"):
        statement_line_match_lockbox(line=full, target=batch, by=supervisor)
    books_are_clean()


@transactional
def test_a_vendor_settlement_auto_matches_and_clears_card_clearing(
    sources, clerk, dana, supervisor
):
    # given a posted vendor file of three payments with 1.25 fees each: 1020 holds the net
    bills = water_bills(dana, supervisor, 3)
    before = balance("1020")
    batch = vendor_posted(sources, bills, clerk)
    net = batch.deposit_total - batch.fee_total
    assert balance("1020") - before == net
    # when the vendor's settlement reaches the bank and auto-match runs
    (line,) = statement_imported(
        by=supervisor, lines=[(timezone.localdate(), net, "PAYCITY SETTLEMENT")]
    )
    result = statement_auto_match(by=supervisor, statement=line.statement)
    # then a card settlement of the batch clears its net off card clearing
    assert (result.vendor_settlements, result.card_settlements, result.left) == (1, 0, 0)
    settlement = CardSettlement.objects.get(remittance_batch=batch)
    assert (settlement.gross, settlement.fees, settlement.net) == (
        batch.deposit_total,
        D("3.75"),
        net,
    )
    assert balance("1020") == before
    books_are_clean()


@transactional
def test_a_vendor_line_for_the_gross_is_refused_naming_the_fees(sources, clerk, dana, supervisor):
    bills = water_bills(dana, supervisor, 2)
    batch = vendor_posted(sources, bills, clerk)
    (line,) = statement_imported(
        by=supervisor, lines=[(timezone.localdate(), batch.deposit_total, "PAYCITY GROSS")]
    )
    with pytest.raises(StatementError, match=r"less \$2\.50 of fees"):
        statement_line_match_vendor(line=line, target=batch, by=supervisor)
    # auto-match leaves it for a person
    assert statement_auto_match(by=supervisor, statement=line.statement).left == 1
    with pytest.raises(StatementError, match="not a posted lockbox"):
        statement_line_match_lockbox(line=line, target=batch, by=supervisor)
    assert not CardSettlement.objects.exists()
    books_are_clean()
