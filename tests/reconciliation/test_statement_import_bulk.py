"""The bulk path of the statement import (migration 0060 and the one-COPY writer): references
checked by PostgreSQL once per SQL statement, fingerprints unchanged, a batch wholly on file,
the fast BAI2 record reader, the garbage collector back on afterwards."""

import gc
import hashlib
from decimal import Decimal
from pathlib import Path

import pytest
from bai2.helpers import record_generator
from django.db import IntegrityError, connection, transaction

from ledger.models import Account
from ledger.selectors import ledger_violations
from reconciliation.bankfiles import bai2 as bai2_file
from reconciliation.errors import StatementError
from reconciliation.models import StatementLine
from reconciliation.services import statement_import
from reconciliation.services import statements as statements_service

SAMPLES = Path(__file__).parent / "samples"
SVB = (SAMPLES / "svb_us_example.bai2").read_bytes()
COLUMNS = (
    "statement_id, bank_account_id, posted_on, amount, fingerprint, status, type_code, "
    "bank_reference, customer_reference, description, explanation"
)


@pytest.fixture
def bank(reference):
    return Account.objects.get(code="1100")


@pytest.fixture
def imported(bank, supervisor):
    return statement_import(bank_account=bank, file_name="svb.bai2", data=SVB, by=supervisor)


def insert_line(statement_id: int, bank_account_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO reconciliation_statementline ({COLUMNS}) "
            "VALUES (%s, %s, '2026-11-30', 5.00, 'x', 'unmatched', '', '', '', '', '')",
            [statement_id, bank_account_id],
        )


def test_a_line_naming_no_statement_is_refused_by_postgresql(imported):
    with (
        pytest.raises(IntegrityError, match="its statement 999999 does not exist"),
        transaction.atomic(),
    ):
        insert_line(999999, imported.statement.bank_account_id)


def test_a_line_naming_another_bank_account_than_its_statement_is_refused(imported):
    other = Account.objects.exclude(pk=imported.statement.bank_account_id).first()

    with pytest.raises(IntegrityError, match="but its statement is of"), transaction.atomic():
        insert_line(imported.statement.pk, other.pk)


@pytest.mark.parametrize(
    "column, message",
    [
        ("deposit_id", "its deposit 999999 does not exist"),
        ("entry_id", "its journal entry 999999 does not exist"),
        ("matched_by_id", "the user 999999 who matched it does not exist"),
    ],
)
def test_a_match_naming_a_missing_row_is_refused(imported, column, message):
    line = imported.statement.lines.first()

    with (
        pytest.raises(IntegrityError, match=message),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            f"UPDATE reconciliation_statementline SET {column} = 999999 WHERE id = %s",
            [line.pk],
        )


def test_ledger_verify_names_a_line_whose_references_went_missing(imported):
    with connection.cursor() as cursor:
        # The import's deferred trigger events fire now: ALTER TABLE refuses pending ones.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(
            "ALTER TABLE reconciliation_statementline DISABLE TRIGGER "
            "statementline_references_insert"
        )
        insert_line(999999, imported.statement.bank_account_id)
        cursor.execute(
            "ALTER TABLE reconciliation_statementline ENABLE TRIGGER "
            "statementline_references_insert"
        )

    rules = [violation.rule for violation in ledger_violations()]

    assert any("statement line's statement, deposit, entry" in rule for rule in rules)


def test_fingerprints_are_the_documented_hash(imported):
    """Lines imported before the faster writer must still be recognised: the fingerprint is
    the sha256 of date, amount, references, text and occurrence, joined by unit separators."""
    line = imported.statement.lines.order_by("posted_on").first()
    key = "\x1f".join(
        (
            line.posted_on.isoformat(),
            str(line.amount),
            line.bank_reference,
            line.customer_reference,
            line.description,
            "0",
        )
    )

    assert line.fingerprint == hashlib.sha256(key.encode()).hexdigest()


def test_a_batch_wholly_on_file_does_not_end_the_file(bank, supervisor, monkeypatch):
    # One line a batch: the first batch of the second file is a line already on file, which
    # makes an empty batch; the stream must go on to the new line after it.
    monkeypatch.setattr(statements_service, "COPY_BATCH", 1)
    first_day = b"\n".join(SVB.splitlines()[:10]) + b"\n99,138884258,1,11/\n"
    statement_import(bank_account=bank, file_name="day1.bai2", data=first_day, by=supervisor)

    job = statement_import(bank_account=bank, file_name="both.bai2", data=SVB, by=supervisor)

    assert (job.lines_added, job.lines_skipped) == (1, 1)
    assert job.statement.line_count == 1
    assert job.statement.lines.count() == 1
    assert StatementLine.objects.count() == 2


def test_a_file_wholly_on_file_adds_an_empty_statement(imported, bank, supervisor):
    again = SVB + b"\n"  # another file (its hash differs), the same lines

    job = statement_import(bank_account=bank, file_name="again.bai2", data=again, by=supervisor)

    assert (job.lines_added, job.lines_skipped) == (0, 2)
    assert job.statement.line_count == 0
    assert StatementLine.objects.count() == 2


def test_the_garbage_collector_is_back_on_after_an_import(bank, supervisor):
    assert gc.isenabled()
    statement_import(bank_account=bank, file_name="svb.bai2", data=SVB, by=supervisor)
    assert gc.isenabled()

    with pytest.raises(StatementError):
        statement_import(
            bank_account=bank,
            file_name="bad.bai2",
            data=SVB.replace(b"98,", b"98,1"),
            by=supervisor,
        )
    assert gc.isenabled()


def test_the_garbage_collector_stays_off_when_it_was_off(bank, supervisor):
    gc.disable()
    try:
        statement_import(bank_account=bank, file_name="svb.bai2", data=SVB, by=supervisor)
        assert not gc.isenabled()
    finally:
        gc.enable()


ACCOUNT_CONTINUED = b"""01,121140399,CITYBANK,261130,0800,1,,,2/
02,CITY,121140399,1,261130,,USD,2/
03,1100,USD,010,100000,,/
88,015,200000,,/
16,165,1500,Z,B1,C1,/
88,FIRST LINE OF TEXT
88,SECOND, WITH A COMMA
16,475,250,0,B2,,CHECK 1001
49,301750,7/
98,301750,1,9/
99,301750,1,11/
"""


@pytest.mark.parametrize("data", [SVB, ACCOUNT_CONTINUED], ids=["svb", "continued"])
def test_the_fast_record_reader_gives_the_package_records(data):
    lines = [line.strip() for line in data.decode().splitlines() if line.strip()]

    ours = list(bai2_file._records(iter(lines)))
    theirs = list(record_generator(iter(lines)))

    assert [(r.code, r.fields, r.rows) for r in ours] == [
        (r.code, r.fields, r.rows) for r in theirs
    ]


def test_a_file_with_continued_account_and_detail_records_imports(bank, supervisor):
    job = statement_import(
        bank_account=bank, file_name="continued.bai2", data=ACCOUNT_CONTINUED, by=supervisor
    )

    lines = list(job.statement.lines.order_by("id"))
    assert [line.amount for line in lines] == [Decimal("15.00"), Decimal("-2.50")]
    assert job.statement.opening_balance == Decimal("1000.00")
    assert job.statement.closing_balance == Decimal("2000.00")
    assert lines[1].description == "CHECK 1001"


def test_a_file_starting_with_a_continuation_is_refused():
    with pytest.raises(StatementError, match="not a readable BAI2 file"):
        bai2_file.parse(b"88,ORPHAN/\n01,x/\n")
