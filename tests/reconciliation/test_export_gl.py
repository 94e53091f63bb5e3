"""The general-ledger journal export (reconciliation.selectors_month.gl_journal) balanced per
fund, and the revenue distribution; their pages."""

from collections import defaultdict
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import BillType
from reconciliation.selectors_month import gl_journal, revenue_distribution
from tests.payments.conftest import issue
from tests.reconciliation.conftest import pay

D = Decimal


@pytest.fixture
def day_of_books(drawer, clerk, supervisor, dana):
    """A water bill paid in cash: the General fund's drawer holds the Water fund's money."""
    water = issue(dana, supervisor, bill_type=BillType.WATER_SEWER, amount="80.00")
    tax = issue(dana, supervisor, amount="500.00")
    pay(drawer, clerk, water)
    pay(drawer, clerk, tax, amount="100.00")
    return timezone.localdate()


def balances(rows, key):
    totals: dict = defaultdict(lambda: D("0"))
    for r in rows:
        totals[key(r)] += (r.debit or 0) - (r.credit or 0)
    return totals


@pytest.mark.parametrize("detailed", [False, True])
def test_every_fund_balances_on_its_own(day_of_books, detailed):
    rows = list(gl_journal(date_from=day_of_books, date_to=day_of_books, detailed=detailed))

    by_fund_and_ref = balances(rows, lambda r: (r.reference, r.fund))
    assert set(by_fund_and_ref.values()) == {D("0")}
    # The water payment's cash sits in the General fund: it owes the Water fund for it.
    due_to = [r for r in rows if r.account == "2900" and r.fund == "General"]
    due_from = [r for r in rows if r.account == "1900" and r.fund == "Water"]
    assert due_to and due_from
    assert sum(r.credit or 0 for r in due_to) - sum(r.debit or 0 for r in due_to) >= D("80.00")
    # Without the interfund lines the file is the ledger: the real accounts balance in all.
    real = [r for r in rows if r.account not in ("1900", "2900")]
    assert sum(balances(real, lambda r: r.entry_date).values()) == 0


def test_the_summary_has_one_row_per_day_account_and_side(day_of_books):
    rows = list(gl_journal(date_from=day_of_books, date_to=day_of_books))
    receivable = [r for r in rows if r.account == "1210"]
    assert [(r.debit, r.credit) for r in receivable] == [(D("80.00"), None), (None, D("80.00"))]
    assert all(r.reference == f"cashiering {day_of_books}" for r in rows)


def test_revenue_by_fund_and_account(day_of_books):
    distribution = revenue_distribution(date_from=day_of_books, date_to=day_of_books)
    by_code = {r.code: r for r in distribution.rows}
    assert by_code["4000"].net == D("500.00")
    assert by_code["4100"].fund == "Water"
    funds = {fund: total for fund, _, total in distribution.funds()}
    assert funds["General"] >= D("500.00")
    assert distribution.total == sum(funds.values())


def test_the_export_and_revenue_pages(client, supervisor, day_of_books):
    client.force_login(supervisor)
    day = day_of_books.isoformat()
    csv = client.get(reverse("reconciliation:gl_export"), {"date_from": day, "date_to": day})
    text = b"".join(csv.streaming_content).decode()
    assert text.startswith("date,fund,account,debit,credit,memo,reference")
    assert ",2900," in text

    page = client.get(reverse("reconciliation:revenue"), {"date_from": day, "date_to": day})
    assert "Revenue - real property tax" in page.content.decode()
    revenue_csv = client.get(
        reverse("reconciliation:revenue"), {"date_from": day, "date_to": day, "format": "csv"}
    )
    assert b"4000" in b"".join(revenue_csv.streaming_content)


@pytest.mark.parametrize(
    "query",
    [
        {"date_from": "2026-12-01", "date_to": "2026-01-01"},
        {"date_from": "x", "date_to": "2026-01-01"},
        {"date_from": "0001-01-01", "date_to": "9999-12-31"},
        {"date_from": "2020-01-01", "date_to": "2026-01-01"},
        {"date_from": "\x00"},
    ],
)
def test_bad_dates_are_a_message(client, supervisor, query):
    client.force_login(supervisor)
    for name in ("gl_export", "revenue"):
        response = client.get(reverse(f"reconciliation:{name}"), query)
        assert response.status_code in (200, 400)
        assert "is-invalid" in response.content.decode()
