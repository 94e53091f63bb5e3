"""Reviewer RB's attacks on deposits, statements and the day close: each test failed before
its fix."""

import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import Sum
from django.utils import timezone

from billing.models import Customer
from ledger.models import Account, JournalLine
from ledger.selectors import ledger_violations
from payments.services import returned_check_record
from reconciliation.errors import StatementError
from reconciliation.models import BankStatement, StatementLine
from reconciliation.selectors_custody import checks_in_safe
from reconciliation.services import (
    CheckPick,
    deposit_prepare,
    deposit_verify,
    statement_auto_match,
    statement_import,
    statement_line_match_deposit,
)
from tests.payments.conftest import check, issue
from tests.reconciliation.conftest import pay
from tests.reconciliation.flows import drawer_closed

D = Decimal


def held(code: str, office) -> Decimal:
    total = JournalLine.objects.filter(account__code=code, office_id=office.pk).aggregate(
        t=Sum("amount")
    )["t"]
    return total or D("0")


def bag_of(office, prepared_by, verified_by, number: str, bag: str, counts=None):
    deposit = deposit_prepare(
        office=office,
        bank_account=Account.objects.get(code="1100"),
        bag_number=bag,
        counts=counts or {},
        checks=[
            CheckPick(tender_id=c.tender_id)
            for c in checks_in_safe(office)
            if c.check_number == number
        ],
        by=prepared_by,
        token=uuid.uuid4(),
    )
    return deposit_verify(
        deposit=deposit,
        by=verified_by,
        counts=counts or {},
        checks=[CheckPick(tender_id=c.tender_id) for c in deposit.checks.all()],
    )


def bank_line(by, amount: str, text: str) -> StatementLine:
    bank = Account.objects.get(code="1100")
    statement = BankStatement.objects.create(
        bank_account=bank,
        format=BankStatement.Format.CSV,
        file_name="bank.csv",
        file_sha256=uuid.uuid4().hex * 2,
        line_count=1,
        imported_by=by,
    )
    return StatementLine.objects.create(
        statement=statement,
        bank_account=bank,
        posted_on=timezone.localdate(),
        amount=D(amount),
        description=text,
        fingerprint=uuid.uuid4().hex,
    )


@pytest.fixture
def two_bags(office, drawer, clerk, supervisor, supervisor2):
    """Bag A holds check 3001 ($80.00, returned while A is in transit); bag B holds check 3002
    ($100.00), also in transit."""
    dana = Customer.objects.create(name="Dana Whitfield")
    bad = pay(drawer, clerk, issue(dana, supervisor, amount="80.00"), check("80.00", "3001"))
    pay(drawer, clerk, issue(dana, supervisor, amount="100.00"), check("100.00", "3002"))
    drawer_closed(drawer, receiver=supervisor)
    a = bag_of(office, supervisor, supervisor2, "3001", "A-1")
    b = bag_of(office, supervisor, supervisor2, "3002", "B-1")
    returned_check_record(payment=bad, reason="Stop payment", by=supervisor)
    assert held("1040", office) == D("100.00")
    return a, b


def test_a_bag_whose_check_came_back_in_transit_takes_no_other_bags_money(
    two_bags, office, supervisor
):
    """Bag A's check was taken back out of 1040 when it was returned: the bank crediting the
    whole bag must not take A's $80.00 a second time out of bag B's money in transit."""
    a, _b = two_bags
    line = bank_line(supervisor, "80.00", "DEPOSIT A-1")

    with pytest.raises(StatementError, match="3001"):
        statement_line_match_deposit(line=line, target=a, by=supervisor)
    assert statement_auto_match(bank_account=line.bank_account, by=supervisor).deposits == 0

    assert held("1040", office) == D("100.00")
    assert ledger_violations() == []


def test_a_bag_credited_net_of_its_returned_check_matches_what_is_in_transit(
    two_bags, office, supervisor
):
    a, b = two_bags
    line = bank_line(supervisor, "100.00", "DEPOSIT B-1")
    statement_line_match_deposit(line=line, target=b, by=supervisor)
    assert held("1040", office) == D("0.00")
    with pytest.raises(StatementError, match="of checks returned in transit"):
        statement_line_match_deposit(
            line=bank_line(supervisor, "80.00", "DEPOSIT A-1"), target=a, by=supervisor
        )
    assert ledger_violations() == []


SAMPLES = Path(__file__).parent / "samples"
HUGE = "99999999999999999"
HUGE_BAI2 = (
    "01,1,2,230214,0754,1,,,2/\n02,1,2,1,220201,,USD,2/\n03,123,USD,010,0,,,/\n"
    f"16,142,{HUGE},,ref,/\n88,X\n49,{HUGE},4/\n98,{HUGE},1,6/\n99,{HUGE},1,8/\n"
).encode()


def ofx_amount(amount: bytes) -> bytes:
    data = (SAMPLES / "bank_medium.ofx").read_bytes()
    return data.replace(b"<TRNAMT>-6.60", b"<TRNAMT>" + amount, 1)


@pytest.mark.parametrize(
    "data",
    [
        HUGE_BAI2,
        ofx_amount(b"99999999999999999.00"),
        ofx_amount(b"1E+40"),
        ofx_amount(b"-6.605"),
    ],
    ids=["bai2-huge", "ofx-huge", "ofx-exponent", "ofx-fraction-of-a-cent"],
)
def test_an_amount_no_bank_sends_is_refused_not_rounded_or_a_500(reference, supervisor, data):
    with pytest.raises(StatementError, match="dollars and cents"):
        statement_import(
            bank_account=Account.objects.get(code="1100"),
            file_name="odd.txt",
            data=data,
            by=supervisor,
        )
    assert StatementLine.objects.count() == 0


def test_month_and_gl_csv_cells_never_start_a_formula_with_a_minus():
    """A memo typed as "-2+3+cmd|..." is a formula to a spreadsheet, as "=..." is; a negative
    amount stays a number."""
    from reconciliation.views.month import _csv_response

    response = _csv_response([["-2+3+cmd|' /C calc'!A0", "-12.50", "=1+1"]], "gl.csv")
    text = b"".join(response.streaming_content).decode()
    assert text == "'-2+3+cmd|' /C calc'!A0,-12.50,'=1+1\r\n"


@pytest.mark.parametrize(
    ("written", "day"),
    [
        (b"20090401", "2009-04-01"),  # a date alone: ofxtools reads it as midnight UTC
        (b"20090401000000", "2009-04-01"),
        (b"20090401233000.000[-5:EST]", "2009-04-01"),
        (b"20090401122017.000[-5:EST]", "2009-04-01"),
    ],
)
def test_an_ofx_posting_date_is_the_day_the_bank_wrote(written, day):
    """A bank's date-only DTPOSTED was read as midnight UTC, then moved to the office's time
    zone: the evening before (a deposit's credit then looks older than the deposit, and April
    1st's lines fall into March)."""
    from reconciliation.bankfiles import ofx

    data = (SAMPLES / "bank_medium.ofx").read_bytes()
    data = data.replace(b"<DTPOSTED>20090401122017.000[-5:EST]", b"<DTPOSTED>" + written, 1)
    parsed = ofx.parse(data)
    assert parsed.lines[0].posted_on.isoformat() == day
    assert parsed.period_start.isoformat() == "2009-04-01"


class _Mapping:
    has_header = True
    date_column = "Date"
    date_format = "%m/%d/%Y"
    amount_column = "Amount"
    debit_column = credit_column = reference_column = ""
    description_column = "Description"


def test_a_csv_description_quoted_over_two_lines_is_one_row():
    """A quoted cell holding a line break (banks put the payer's address there) is one row of
    the file; reading the text line by line cut it in two and refused the file."""
    from reconciliation.bankfiles import csvfile

    data = (
        b'Date,Amount,Description\r\n11/02/2026,"1,234.5","DEPOSIT\r\nMAIN ST, BRANCH 4"\r\n'
        b"11/03/2026,($12.00),FEE\x0cMONTHLY\r\n"
    )
    parsed = csvfile.parse(data, _Mapping())
    assert [(str(line.amount), line.description) for line in parsed.lines] == [
        ("1234.5", "DEPOSIT MAIN ST, BRANCH 4"),
        ("-12.00", "FEE MONTHLY"),
    ]


def test_a_csv_quote_never_closed_is_refused_with_a_message():
    from reconciliation.bankfiles import csvfile

    data = b'Date,Amount,Description\n11/02/2026,5.00,"OPEN\n' + (b"y" * 3000 + b"\n") * 60
    with pytest.raises(StatementError, match="cannot be read"):
        csvfile.parse(data, _Mapping())


@pytest.mark.parametrize("amount", ["12,50", "1,2345.00", "1.234,50"])
def test_a_csv_comma_that_is_no_thousands_separator_is_refused(amount):
    """A comma decimal, "12,50" (twelve fifty, as some banks write it), read as $1,250.00."""
    from reconciliation.bankfiles import csvfile

    data = f'Date,Amount,Description\n11/02/2026,"{amount}",DEPOSIT\n'.encode()
    with pytest.raises(StatementError, match=r"not an amount|not dollars and cents"):
        csvfile.parse(data, _Mapping())


@pytest.mark.parametrize(
    ("amount", "value"),
    [("1,234.5", "1234.5"), ("$1,234,567.89", "1234567.89"), ("(1,000)", "-1000"), ("-$5", "-5")],
)
def test_a_csv_thousands_separator_still_reads(amount, value):
    from reconciliation.bankfiles import csvfile

    data = f'Date,Amount,Description\n11/02/2026,"{amount}",DEPOSIT\n'.encode()
    assert str(csvfile.parse(data, _Mapping()).lines[0].amount) == value


def _rightmost(box) -> float:
    right = box.position_x + (box.width or 0)
    return max([right, *(_rightmost(c) for c in getattr(box, "children", None) or [])])


def test_the_month_end_pdf_keeps_a_long_unbroken_memo_on_the_page(db, supervisor):
    """A bank memo with no spaces ("ACH/CCD/ORIG:...") widened its table past the page's edge,
    cutting off the amounts."""
    from django.template.loader import render_to_string
    from weasyprint import HTML

    from ledger.models import AccountingPeriod
    from reconciliation.selectors_month import month_end_report
    from tests.reconciliation.flows import bank_entry

    today = timezone.localdate()
    period = AccountingPeriod.objects.create(
        name="this-month", start_date=today.replace(day=1), end_date=today
    )
    bank_entry(by=supervisor, amount="200.00", day=today, memo="ACH/CCD/ORIG:" + "7" * 120)
    html = render_to_string(
        "pdf/month_end.html",
        {"report": month_end_report(period), "printed_at": timezone.now()},
    )
    page = HTML(string=html).render().pages[0]
    assert _rightmost(page._page_box) <= page.width
