"""ledger.reference: the reference data the posting reads on every call is cached per process
and revalidated by one version number that PostgreSQL moves on any change to those tables
(ledger 0031, billing 0057, payments 0030)."""

import threading
from datetime import date

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from billing.models import ChargeType, FeePrice, FeeType, Holiday, LienTerms, PenaltyRule
from billing.selectors import closed_days, fee_price
from ledger.models import Account, ReferenceVersion
from ledger.reference import reference_accounts, reference_data
from payments.models import PaymentPolicy
from payments.services import business_days_after


def version() -> int:
    return ReferenceVersion.objects.get(pk=1).version


# Each reference table, and a statement that changes nothing a reader would see: the version
# moves all the same (a statement trigger does not look at the rows).
REFERENCE_TABLES = {
    "ledger.Account": (Account, "name"),
    "billing.ChargeType": (ChargeType, "name"),
    "billing.PenaltyRule": (PenaltyRule, "percent"),
    "billing.Holiday": (Holiday, "name"),
    "billing.FeeType": (FeeType, "name"),
    "billing.FeePrice": (FeePrice, "price"),
    "billing.LienTerms": (LienTerms, "fee_type_id"),
    "payments.PaymentPolicy": (PaymentPolicy, "partial_allowed"),
}


@pytest.mark.parametrize("table", list(REFERENCE_TABLES))
def test_any_statement_on_a_reference_table_moves_the_version(reference, table):
    # given the reference data of the demo city and its version
    model, field = REFERENCE_TABLES[table]
    before = version()
    # when a statement updates the table (even leaving every value as it was)
    model.objects.update(**{field: F(field)})
    # then the version has moved, in this transaction
    assert version() > before


def test_inserting_and_deleting_a_holiday_each_move_the_version(reference):
    # given the version now
    first = version()
    # when a snow day is added, then taken back
    snow_day = Holiday.objects.create(date=date(2026, 2, 3), name="Snow day")
    second = version()
    snow_day.delete()
    # then each statement gave a new number, never one used before
    assert first < second < version()


def test_the_second_read_is_one_query_for_the_version(reference):
    # given a first read, which loads the accounts, penalty rules and calendar
    first = reference_data()
    assert first["ledger.accounts"]
    first["billing.penalty_rules"]
    first["billing.holidays"]
    # when the same data is asked for again with nothing changed
    with CaptureQueriesContext(connection) as queries:
        again = reference_data()
        accounts = again["ledger.accounts"]
        again["billing.penalty_rules"]
        again["billing.holidays"]
    # then only the version was read, and the same values came back
    assert len(queries) == 1
    assert "ledger_referenceversion" in queries[0]["sql"]
    assert accounts is first["ledger.accounts"]


def test_a_change_in_the_same_transaction_is_read_at_once(reference):
    # given the calendar as cached
    assert date(2026, 2, 3) not in closed_days(date(2026, 2, 1), date(2026, 2, 28))
    # when a closure is added
    Holiday.objects.create(date=date(2026, 2, 3), name="Water main break")
    # then the next read has it
    assert date(2026, 2, 3) in closed_days(date(2026, 2, 1), date(2026, 2, 28))


def test_fee_prices_come_from_the_cache_and_follow_a_new_price(reference):
    # given a fee with a price
    row = FeePrice.objects.order_by("id").first()
    assert row is not None
    assert fee_price(row.fee_type, row.effective_from) == row.price
    # when an Admin changes it
    FeePrice.objects.filter(pk=row.pk).update(price=row.price + 1)
    # then the next read gives the new price
    assert fee_price(row.fee_type, row.effective_from) == row.price + 1


def test_accounts_are_handed_out_as_copies(reference):
    # given an account from the cache, changed by its caller
    code = Account.objects.order_by("code").values_list("code", flat=True).first()
    assert code is not None
    mine = reference_accounts(reference_data(), code)[code]
    mine.name = "Scribbled on"
    # then the cache still holds the account as it is in the books
    assert reference_accounts(reference_data(), code)[code].name != "Scribbled on"


def in_another_connection(change) -> None:
    """Run `change` in a thread of its own: its own connection and transaction, committed."""
    from django.db import connections

    failed: list[BaseException] = []

    def work() -> None:
        try:
            change()
        except BaseException as exc:  # handed to the test's thread
            failed.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    if failed:
        raise failed[0]


@pytest.mark.django_db(transaction=True)
def test_a_holiday_added_in_another_connection_counts_at_once(reference):
    # given a check taken on Friday, January 9, 2026 clears two business days later, Tuesday
    friday = date(2026, 1, 9)
    assert business_days_after(friday, 2) == date(2026, 1, 13)
    # when an Admin closes the office on Monday the 12th, in another connection
    in_another_connection(lambda: Holiday.objects.create(date=date(2026, 1, 12), name="Ice"))
    # then this process counts it at once, although it had the calendar cached
    assert business_days_after(friday, 2) == date(2026, 1, 14)
