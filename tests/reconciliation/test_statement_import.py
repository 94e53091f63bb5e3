"""reconciliation.services.statement_import: BAI2 (continuation records, control totals),
OFX/QFX (SGML and XML), CSV with a saved mapping; the same statement twice adds nothing; odd
files are refused with a message and import nothing."""

import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from ledger.models import Account
from ledger.selectors import ledger_violations
from reconciliation.errors import StatementError
from reconciliation.models import BankStatement, StatementImport, StatementLine
from reconciliation.services import csv_mapping_save, statement_import
from reconciliation.services.statements import StatementAlreadyImported

SAMPLES = Path(__file__).parent / "samples"
D = Decimal


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


@pytest.fixture
def bank(reference):
    return Account.objects.get(code="1100")


def run(bank, by, data: bytes, name="statement.txt", **kw):
    return statement_import(bank_account=bank, file_name=name, data=data, by=by, **kw)


def test_bai2_sample_imports_with_continuations_and_balances(bank, supervisor):
    job = run(bank, supervisor, sample("svb_us_example.bai2"), "svb.bai2")

    assert job.status == StatementImport.Status.DONE
    assert job.lines_added == 2
    statement = job.statement
    assert statement.format == "bai2"
    assert statement.line_count == 2
    assert statement.opening_balance == D("347269.79")
    assert statement.closing_balance == D("361229.75")
    lines = list(statement.lines.order_by("posted_on"))
    assert [(str(line.posted_on), line.amount) for line in lines] == [
        ("2022-02-01", D("4901.96")),
        ("2022-02-02", D("9058.00")),
    ]
    # The 88 record after the 16 record is the detail's text.
    assert lines[0].description == "SOME PAYMENT ACH OFFSET"
    assert lines[0].bank_reference == "172629"
    assert lines[0].type_code == "142"
    assert ledger_violations() == []


def test_ofx_sgml_sample_imports(bank, supervisor):
    job = run(bank, supervisor, sample("bank_medium.ofx"), "bank.ofx")

    lines = list(job.statement.lines.order_by("posted_on"))
    assert job.statement.format == "ofx"
    assert [line.amount for line in lines] == [D("-6.60"), D("-316.67"), D("-22.00")]
    assert sum(line.amount for line in lines) == D("-345.27")
    assert job.statement.closing_balance == D("382.34")
    assert lines[1].type_code == "CHECK"
    assert lines[0].bank_reference == "0000123456782009040100001"
    assert "MCDONALD'S #112" in lines[0].description


def test_qfx_xml_variant_imports(bank, supervisor):
    job = run(bank, supervisor, sample("bank_small.qfx"), "bank.qfx")

    amounts = sorted(job.statement.lines.values_list("amount", flat=True))
    assert amounts == [D("-75.00"), D("75.00")]
    assert job.statement.closing_balance == D("10425.00")


def test_the_same_file_twice_adds_nothing(bank, supervisor):
    run(bank, supervisor, sample("svb_us_example.bai2"))

    with pytest.raises(StatementAlreadyImported, match="already imported"):
        run(bank, supervisor, sample("svb_us_example.bai2"))
    assert StatementLine.objects.count() == 2
    assert BankStatement.objects.count() == 1


def test_an_overlapping_statement_adds_only_new_lines(bank, supervisor):
    data = sample("svb_us_example.bai2")
    # The first day alone: its own file (trailers for one group).
    first_day = b"\n".join(data.splitlines()[:10]) + b"\n99,138884258,1,11/\n"
    run(bank, supervisor, first_day, "day1.bai2")

    job = run(bank, supervisor, data, "both.bai2")

    assert (job.lines_added, job.lines_skipped) == (1, 1)
    assert StatementLine.objects.count() == 2


def test_identical_lines_in_one_file_are_both_kept(bank, supervisor, admin_user):
    csv_mapping_save(
        bank_account=bank,
        by=supervisor,
        has_header=True,
        date_column="Posted",
        date_format="%m/%d/%Y",
        debit_column="Debit",
        credit_column="Credit",
        reference_column="Reference",
        description_column="Description",
    )

    job = run(bank, supervisor, sample("city_bank.csv"), "city.csv")

    assert job.statement.format == "csv"
    lines = list(job.statement.lines.order_by("id"))
    assert [line.amount for line in lines] == [
        D("1250.00"),
        D("-15.00"),
        D("970.25"),
        D("20.00"),
        D("20.00"),
    ]
    assert lines[0].bank_reference == "R-8841"
    assert lines[1].description == "SERVICE CHARGE"
    assert lines[3].fingerprint != lines[4].fingerprint


def test_csv_with_a_signed_amount_column_by_number(bank, supervisor):
    csv_mapping_save(
        bank_account=bank,
        by=supervisor,
        has_header=False,
        date_column="1",
        date_format="%Y-%m-%d",
        amount_column="2",
        description_column="3",
    )

    job = run(bank, supervisor, b"2026-11-02,(12.50),FEE\n2026-11-03,100.00,DEPOSIT\n")

    assert sorted(job.statement.lines.values_list("amount", flat=True)) == [
        D("-12.50"),
        D("100.00"),
    ]


def test_csv_without_a_mapping_is_refused(bank, supervisor):
    with pytest.raises(StatementError, match="no CSV column mapping"):
        run(bank, supervisor, sample("city_bank.csv"))
    assert StatementLine.objects.count() == 0


def test_a_bad_csv_row_refuses_the_file(bank, supervisor):
    csv_mapping_save(bank_account=bank, by=supervisor, date_column="Posted", amount_column="Amount")

    with pytest.raises(StatementError, match=r"Row 3: the amount 'ten' is not an amount"):
        run(bank, supervisor, b"Posted,Amount\n11/02/2026,5.00\n11/03/2026,ten\n")
    assert StatementLine.objects.count() == 0
    assert BankStatement.objects.count() == 0


@pytest.mark.parametrize(
    ("find", "replace", "message"),
    [
        (
            b"49,138884258,7/",
            b"49,138884259,7/",
            r"account control total in the account trailer \(49\) says \$1,388,842\.59",
        ),
        (
            b"98,143145938,1,9/",
            b"98,143145937,1,9/",
            r"group control total in the group trailer \(98\)",
        ),
        (
            b"99,282030196,2,20",
            b"99,282030195,2,20",
            r"file control total in the file trailer \(99\) says \$2,820,301\.95",
        ),
        (
            b"99,282030196,2,20",
            b"99,282030196,2,21",
            r"records count in the file trailer \(99\) says 21",
        ),
    ],
)
def test_a_broken_control_total_is_refused_importing_nothing(
    bank, supervisor, find, replace, message
):
    data = sample("svb_us_example.bai2").replace(find, replace)

    with pytest.raises(StatementError, match=message):
        run(bank, supervisor, data, "broken.bai2")
    assert StatementLine.objects.count() == 0
    assert BankStatement.objects.count() == 0
    assert StatementImport.objects.get().status == StatementImport.Status.REJECTED
    assert "nothing was imported" in StatementImport.objects.get().message


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"   \n\n", "empty"),
        (b"\x00\x01\x02PK\x03\x04" * 100, "binary file"),
        (b"01," + b"9" * 100_000 + b"\n", "characters long"),
        (b"x" * 100_000, "characters long"),
        ("01,Café,\n".encode("utf-16"), "binary file"),
        (b"01,121140399,121140399,230214,0754,1,,,2/\n99,0,0,2/\n", "not a readable BAI2"),
        (b"01,1,2,230214,0754,1,,,3/\n02,x/\n", "version"),
        (b"OFXHEADER:100\nDATA:OFXSGML\n\n<OFX><BOGUS></OFX>", "not a readable OFX"),
        (b"\xff\xfe\xfa garbage \x81\x8d", "binary file|not text|CSV column mapping"),
    ],
)
def test_odd_files_are_refused_with_a_message(bank, supervisor, data, message):
    with pytest.raises(StatementError, match=message):
        run(bank, supervisor, data)
    assert StatementLine.objects.count() == 0


def test_an_unknown_type_code_is_named(bank, supervisor):
    data = sample("svb_us_example.bai2").replace(b"16,142,490196", b"16,777,490196")

    with pytest.raises(StatementError, match="type code the parser does not know"):
        run(bank, supervisor, data)
    assert StatementLine.objects.count() == 0


def test_only_a_supervisor_imports(bank, clerk):
    with pytest.raises(StatementError, match="Only a Supervisor"):
        run(bank, clerk, sample("svb_us_example.bai2"))


def test_the_same_token_twice_imports_once(bank, supervisor):
    token = uuid.uuid4()
    first = run(bank, supervisor, sample("svb_us_example.bai2"), token=token)

    again = run(bank, supervisor, sample("svb_us_example.bai2"), token=token)

    assert again.pk == first.pk
    assert StatementLine.objects.count() == 2


def test_progress_is_reported(bank, supervisor):
    seen = []

    run(bank, supervisor, sample("svb_us_example.bai2"), progress=lambda *a: seen.append(a))

    assert [stage for stage, _, _ in seen][:2] == ["reading", "checking"]
    assert seen[-1][0] == "saving"
