"""The month-end report (reconciliation.selectors_month.month_end_report) on a small known
dataset: bank book vs bank with deposits in transit and outstanding items, receivables against
the open bills; its page, PDF and CSV."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import BillType
from ledger.models import AccountingPeriod
from ledger.selectors import ledger_violations
from reconciliation.selectors_month import month_end_report
from reconciliation.services import statement_line_match_deposit
from tests.payments.conftest import issue
from tests.reconciliation.conftest import pay
from tests.reconciliation.flows import bank_entry, deposit_verified, statement_imported

D = Decimal


@pytest.fixture
def this_month(db):
    today = timezone.localdate()
    return AccountingPeriod.objects.create(
        name="this-month", start_date=today.replace(day=1), end_date=today
    )


@pytest.fixture
def books(office, drawer, clerk, supervisor, supervisor2, dana, chart):
    """Bank: a 500 deposit on the statement and in the books (matched), 200 in the books only,
    300 on the statement only, a 150 deposit in transit. Bills: a tax bill of 1000 paid 400, a
    water bill of 80."""
    today = timezone.localdate()
    at_bank = deposit_verified(
        office=office, preparer=supervisor, verifier=supervisor2, cash="500.00", bag="B-0"
    )
    bank_entry(by=supervisor, amount="200.00", day=today, memo="Wire from the county")
    first, _ = statement_imported(
        by=supervisor, lines=[(today, "500.00"), (today, "300.00")], closing_balance="800.00"
    )
    statement_line_match_deposit(line=first, target=at_bank, by=supervisor)
    deposit_verified(
        office=office, preparer=supervisor, verifier=supervisor2, cash="150.00", bag="B-1"
    )
    tax = issue(dana, supervisor, amount="1000.00")
    issue(dana, supervisor, bill_type=BillType.WATER_SEWER, amount="80.00")
    pay(drawer, clerk, tax, amount="400.00")
    return today


def test_book_and_bank_agree_through_the_reconciling_items(this_month, books):
    report = month_end_report(this_month)

    bank = next(b for b in report.banks if b.account.code == "1100")
    assert bank.bank_balance == D("800.00")
    assert "closing balance" in bank.bank_balance_source
    assert bank.transit_total == D("150.00")
    assert [t.bag_number for t in bank.deposits_in_transit] == ["B-1"]
    assert (bank.unmatched_count, bank.unmatched_total) == (1, D("300.00"))
    # In the books only: the 200 wire and the change fund drawn from the bank.
    assert any(item.memo == "Wire from the county" for item in bank.book_not_on_statement)
    assert bank.book_balance - bank.book_only_total == D("500.00")
    assert bank.adjusted_book == bank.adjusted_bank
    assert bank.difference == 0

    receivables = {r.account.code: r for r in report.receivables}
    assert receivables["1200"].ledger_balance == D("600.00")
    assert (receivables["1200"].open_bills, receivables["1200"].open_bills_total) == (
        1,
        D("600.00"),
    )
    assert receivables["1210"].open_bills_total == D("80.00")
    assert all(r.difference == 0 for r in report.receivables)
    assert report.agrees
    assert ledger_violations() == []


def test_the_report_as_of_an_earlier_day_leaves_out_what_came_after(books, db):
    before = AccountingPeriod.objects.create(
        name="before", start_date=books - timedelta(days=40), end_date=books - timedelta(days=1)
    )
    report = month_end_report(before)

    bank = next(b for b in report.banks if b.account.code == "1100")
    assert (bank.book_balance, bank.transit_total, bank.unmatched_count) == (0, 0, 0)
    receivables = {r.account.code: r for r in report.receivables}
    assert (receivables["1200"].ledger_balance, receivables["1200"].open_bills_total) == (0, 0)
    assert receivables["1200"].open_bills == 0


def test_a_difference_shows(this_month, books, supervisor):
    # A statement line of the month not matched, but "matched" to nothing in the books: the
    # bank balance says 50 more than its lines, so the adjusted balances part by 50.
    statement_imported(
        by=supervisor, lines=[(books, "5.00")], closing_balance="855.00", period=(books, books)
    )
    bank = next(b for b in month_end_report(this_month).banks if b.account.code == "1100")
    assert bank.difference == D("-50.00")


def test_the_page_pdf_and_csv(client, this_month, books, supervisor):
    client.force_login(supervisor)
    url = reverse("reconciliation:month_end")

    page = client.get(url, {"period": this_month.pk})
    assert page.status_code == 200
    assert "Everything agrees." in page.content.decode()
    assert "B-1" in page.content.decode()

    csv = b"".join(client.get(url, {"period": this_month.pk, "format": "csv"}).streaming_content)
    text = csv.decode()
    assert "deposit in transit,1100,bag B-1" in text
    assert "receivable,1200,ledger balance,,600.00" in text

    pdf = client.get(url, {"period": this_month.pk, "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")


@pytest.mark.parametrize("bad", ["x", "0", "99999", "\x00"])
def test_a_bad_period_is_a_message(client, supervisor, bad, db):
    client.force_login(supervisor)
    response = client.get(reverse("reconciliation:month_end"), {"period": bad})
    assert response.status_code in (200, 400)
