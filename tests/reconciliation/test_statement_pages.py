"""The bank statement pages: import with progress, the matching page with ages, a line's
manual match and explanation, auto-match, CSV mappings; odd input is a message, never a 500."""

import re
import uuid
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from cashiering.forms import FRESH_FORM_MESSAGE
from ledger.models import Account
from ledger.selectors import ledger_violations
from reconciliation.models import CsvMapping, StatementImport, StatementLine
from reconciliation.services import csv_mapping_save, statement_import
from tests.reconciliation.flows import deposit_verified

SAMPLES = Path(__file__).parent / "samples"
D = Decimal


@pytest.fixture
def bank(reference):
    return Account.objects.get(code="1100")


@pytest.fixture
def sup_client(client, supervisor):
    client.force_login(supervisor)
    return client


def upload(client, bank, name: str, data: bytes, token: str | None = None):
    return client.post(
        reverse("reconciliation:statements"),
        {
            "bank_account": bank.pk,
            "file": SimpleUploadedFile(name, data),
            "token": token or str(uuid.uuid4()),
        },
        follow=True,
    )


def csv_lines(bank, supervisor, *rows):
    csv_mapping_save(
        bank_account=bank,
        by=supervisor,
        date_column="Date",
        date_format="%Y-%m-%d",
        amount_column="Amount",
        description_column="Text",
    )
    today = timezone.localdate()
    body = "".join(f"{(today - timedelta(days=d)).isoformat()},{a},{t}\n" for d, a, t in rows)
    statement_import(
        bank_account=bank,
        file_name="b.csv",
        data=f"Date,Amount,Text\n{body}".encode(),
        by=supervisor,
    )


def test_a_supervisor_imports_a_bai2_file_and_auto_match_runs(sup_client, bank):
    page = upload(sup_client, bank, "svb.bai2", (SAMPLES / "svb_us_example.bai2").read_bytes())

    html = page.content.decode()
    assert page.status_code == 200
    assert "Imported svb.bai2: 2 lines added, 0 already on file." in html
    assert "Auto-match: 0 deposits" in html
    assert StatementLine.objects.count() == 2
    assert ledger_violations() == []


def test_the_same_file_twice_says_so_and_adds_nothing(sup_client, bank):
    data = (SAMPLES / "bank_medium.ofx").read_bytes()
    upload(sup_client, bank, "bank.ofx", data)

    page = upload(sup_client, bank, "bank.ofx", data)

    assert "already imported" in page.content.decode()
    assert StatementLine.objects.count() == 3


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The submitted file is empty"),
        (b"\x00\x01\x02" * 50, "binary file"),
        (b"01," + b"9" * 20_000, "characters long"),
        ("Date,Amount\n".encode("utf-16"), "binary file"),
    ],
)
def test_odd_files_get_a_message_not_a_500(sup_client, bank, data, message):
    page = upload(sup_client, bank, "odd.bai2", data)

    assert page.status_code == 200
    assert message in page.content.decode()
    assert StatementLine.objects.count() == 0


def test_a_broken_control_total_is_shown_on_the_page(sup_client, bank):
    data = (SAMPLES / "svb_us_example.bai2").read_bytes().replace(b"99,282030196", b"99,1")

    page = upload(sup_client, bank, "broken.bai2", data)

    assert "file control total in the file trailer (99)" in page.content.decode()
    assert StatementLine.objects.count() == 0


def test_progress_is_polled_by_token(sup_client, bank, supervisor):
    token = uuid.uuid4()
    statement_import(
        bank_account=bank,
        file_name="svb.bai2",
        by=supervisor,
        token=token,
        data=(SAMPLES / "svb_us_example.bai2").read_bytes(),
    )

    page = sup_client.get(reverse("reconciliation:statement_progress", args=[token]))

    assert "Imported: done, 2 of 2 lines" in page.content.decode()


def test_the_matching_page_shows_unmatched_lines_with_their_age(sup_client, bank, supervisor):
    csv_lines(bank, supervisor, (12, "-15.00", "SERVICE CHARGE"), (0, "42.00", "INTEREST"))

    page = sup_client.get(reverse("reconciliation:statement_matching"), {"account": bank.pk})

    html = page.content.decode()
    assert "SERVICE CHARGE" in html and "INTEREST" in html
    assert re.search(r'text-danger fw-bold">12<|">12</td>', html)


def test_a_line_is_explained_on_its_page_with_a_fee_posting(sup_client, bank, supervisor):
    csv_lines(bank, supervisor, (1, "-15.00", "SERVICE CHARGE"))
    line = StatementLine.objects.get()

    page = sup_client.post(
        reverse("reconciliation:statement_line_explain", args=[line.pk]),
        {"reason": "Monthly service charge", "account_code": "5100", "token": str(uuid.uuid4())},
        follow=True,
    )

    assert "The line is explained." in page.content.decode()
    line.refresh_from_db()
    assert line.status == StatementLine.Status.EXPLAINED
    assert ledger_violations() == []
    again = sup_client.post(
        reverse("reconciliation:statement_line_explain", args=[line.pk]),
        {"reason": "Changed my mind", "account_code": "", "token": str(uuid.uuid4())},
        follow=True,
    )
    assert "explained already" in again.content.decode()
    line.refresh_from_db()
    assert line.explanation == "Monthly service charge"


def test_a_line_is_matched_to_a_deposit_on_its_page(
    sup_client, bank, office, supervisor, supervisor2
):
    deposit = deposit_verified(
        office=office, preparer=supervisor, verifier=supervisor2, cash="99.00"
    )
    csv_lines(bank, supervisor, (0, "99.00", "DEPOSIT"))
    line = StatementLine.objects.get()
    page = sup_client.get(reverse("reconciliation:statement_line", args=[line.pk]))
    assert f"Bag {deposit.bag_number}" in page.content.decode()

    page = sup_client.post(
        reverse("reconciliation:statement_line_deposit", args=[line.pk]),
        {"deposit": deposit.pk, "token": str(uuid.uuid4())},
        follow=True,
    )

    assert "Matched $99.00 to the deposit." in page.content.decode()
    line.refresh_from_db()
    assert line.deposit == deposit
    assert ledger_violations() == []


def test_a_form_without_its_token_is_answered_with_a_fresh_form(sup_client, bank, supervisor):
    csv_lines(bank, supervisor, (1, "-15.00", "FEE"))
    line = StatementLine.objects.get()

    page = sup_client.post(
        reverse("reconciliation:statement_line_explain", args=[line.pk]),
        {"reason": "Fee", "account_code": "5100"},
    )

    assert FRESH_FORM_MESSAGE.replace("'", "&#x27;") in page.content.decode()
    line.refresh_from_db()
    assert line.status == StatementLine.Status.UNMATCHED


def test_the_same_import_token_twice_imports_once(sup_client, bank):
    token = str(uuid.uuid4())
    data = (SAMPLES / "svb_us_example.bai2").read_bytes()
    upload(sup_client, bank, "svb.bai2", data, token)

    upload(sup_client, bank, "svb.bai2", data, token)

    assert StatementImport.objects.count() == 1
    assert StatementLine.objects.count() == 2


def test_a_supervisor_sets_up_a_csv_mapping(sup_client, bank):
    page = sup_client.post(
        reverse("reconciliation:csv_mapping_edit", args=[bank.pk]),
        {
            "has_header": "on",
            "date_column": "Posted",
            "date_format": "%m/%d/%Y",
            "debit_column": "Debit",
            "credit_column": "Credit",
            "reference_column": "Reference",
            "description_column": "Description",
        },
        follow=True,
    )

    assert "Saved how 1100" in page.content.decode()
    assert CsvMapping.objects.get(bank_account=bank).debit_column == "Debit"
    page = upload(sup_client, bank, "city.csv", (SAMPLES / "city_bank.csv").read_bytes())
    assert "5 lines added" in page.content.decode()


def test_a_mapping_with_both_amount_and_debit_is_refused(sup_client, bank):
    page = sup_client.post(
        reverse("reconciliation:csv_mapping_edit", args=[bank.pk]),
        {
            "date_column": "1",
            "date_format": "%Y-%m-%d",
            "amount_column": "2",
            "debit_column": "3",
            "credit_column": "",
        },
    )

    assert page.status_code == 400
    assert "Map either one amount column" in page.content.decode()


@pytest.mark.parametrize(
    "name",
    [
        "reconciliation:statements",
        "reconciliation:statement_matching",
        "reconciliation:csv_mappings",
    ],
)
def test_a_clerk_may_not_use_the_statement_pages(client, clerk, name):
    client.force_login(clerk)

    assert client.get(reverse(name)).status_code == 403


def test_a_missing_line_is_404(sup_client, bank):
    assert (
        sup_client.get(reverse("reconciliation:statement_line", args=[999999])).status_code == 404
    )


def test_every_money_moving_statement_form_carries_a_one_time_token():
    from cashiering.forms import OneTimeTokenForm
    from reconciliation import forms_statements as forms

    for name in (
        "StatementImportForm",
        "AutoMatchForm",
        "MatchDepositForm",
        "MatchCardDayForm",
        "ExplainForm",
    ):
        assert issubclass(getattr(forms, name), OneTimeTokenForm), name
