"""manage.py ledger_verify: clean books pass; any broken invariant fails and is named."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from ledger.models import Source
from ledger.services import Line, post
from tests.factories import post_two_line_entry


@pytest.fixture
def sale(chart, clerk):
    return post_two_line_entry(
        by=clerk,
        debit=chart["1000"],
        credit=chart["4300"],
        amount="27.00",
        entry_date=date(2026, 7, 1),
        memo="Sheet of trash tags",
    )


def test_clean_books_verify_and_print_the_trial_balance(sale, capsys):
    call_command("ledger_verify")
    out = capsys.readouterr().out
    assert "1000 Cash in drawer" in out
    assert "$27.00" in out
    assert "every invariant holds" in out


def test_a_tampered_line_is_named_and_exits_1(sale, capsys):
    # given someone with table-owner rights disabled the guard and edited a line by hand
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # run the pending balance checks first
        cursor.execute("ALTER TABLE ledger_journalline DISABLE TRIGGER journal_line_append_only")
        cursor.execute(
            "UPDATE ledger_journalline SET amount = 26.00 WHERE entry_id = %s AND amount > 0",
            [sale.pk],
        )
    # when verifying, then it fails with exit code 1 and names the entry and the disabled trigger
    with pytest.raises(CommandError, match="ledger invariant violation") as excinfo:
        call_command("ledger_verify")
    assert excinfo.value.returncode == 1
    err = capsys.readouterr().err
    assert f"entry does not balance: entry {sale.pk} sums to -1.00" in err
    assert "invariant trigger disabled: journal_line_append_only on ledger_journalline" in err
    assert "book does not balance: book live sums to -1.00" in err


def test_a_dropped_trigger_is_reported(sale, capsys):
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("DROP TRIGGER journal_entry_period_open ON ledger_journalentry")
    with pytest.raises(CommandError):
        call_command("ledger_verify")
    assert "invariant trigger missing: journal_entry_period_open" in capsys.readouterr().err


def test_an_uneven_reversal_is_reported(sale, clerk, chart, capsys):
    # a "reversal" that does not mirror its original can only come from outside the service
    post(
        entry_date=date(2026, 7, 1),
        memo="Not a true reverse",
        source=Source.REVERSAL,
        by=clerk,
        reverses=sale,
        lines=[
            Line(account=chart["1000"], amount=Decimal("-20.00")),
            Line(account=chart["4300"], amount=Decimal("20.00")),
        ],
    )
    with pytest.raises(CommandError):
        call_command("ledger_verify")
    assert "reversal does not mirror its original" in capsys.readouterr().err
