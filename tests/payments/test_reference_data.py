"""payments.services.payment_record reads its reference data (accounts, payment policies,
penalty rules, the calendar) from the per-process cache (ledger.reference): a payment never
queries them again while they are unchanged, and a change an Admin makes in another
connection is used by the very next payment."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import BillType, PenaltyRule
from ledger.chart import CASH_IN_DRAWER
from ledger.errors import LedgerError
from ledger.models import Account
from payments.errors import PolicyRefused
from payments.models import PaymentPolicy
from payments.services import BillItem, payment_record
from tests.ledger.test_reference import in_another_connection
from tests.payments.conftest import cash, issue

D = Decimal


def pay(drawer, clerk, bill, amount: str, as_of: date | None = None):
    return payment_record(
        drawer=drawer,
        items=[BillItem(bill.pk, D(amount))],
        tenders=[cash(amount)],
        token=uuid.uuid4(),
        by=clerk,
        as_of=as_of,
    )


REFERENCE_TABLES = (
    "ledger_account",
    "billing_penaltyrule",
    "billing_holiday",
    "payments_paymentpolicy",
)


def test_a_second_payment_reads_no_reference_table(drawer, clerk, dana, supervisor):
    # given a first payment, which loads the reference data
    pay(drawer, clerk, issue(dana, supervisor, amount="100.00", due=date(2026, 1, 31)), "10.00")
    bill = issue(dana, supervisor, amount="100.00", due=date(2026, 1, 31))
    # when another bill past due is paid
    with CaptureQueriesContext(connection) as queries:
        pay(drawer, clerk, bill, "10.00")
    # then none of the reference tables was read, only the version
    sql = " ".join(query["sql"] for query in queries)
    assert [table for table in REFERENCE_TABLES if f'FROM "{table}"' in sql] == []
    assert "ledger_referenceversion" in sql


@pytest.mark.django_db(transaction=True)
def test_a_policy_changed_in_another_connection_applies_to_the_next_payment(
    drawer, clerk, dana, supervisor
):
    # given a part payment of a tax bill, which the policy allows (and the cache now holds)
    bill = issue(dana, supervisor, amount="500.00")
    pay(drawer, clerk, bill, "100.00")
    # when an Admin makes property tax payable in full only, in another connection
    in_another_connection(
        lambda: PaymentPolicy.objects.filter(applies_to=BillType.PROPERTY_TAX).update(
            partial_allowed=False
        )
    )
    # then the next part payment needs a Supervisor
    with pytest.raises(PolicyRefused, match=r"are paid in full: bill \S+ owes \$400\.00"):
        pay(drawer, clerk, bill, "100.00")


@pytest.mark.django_db(transaction=True)
def test_a_penalty_rule_changed_in_another_connection_applies_to_the_next_payment(
    drawer, clerk, dana, supervisor
):
    # given a payment on a water bill, which loads every penalty rule into the cache
    pay(drawer, clerk, issue(dana, supervisor, bill_type=BillType.WATER_SEWER), "10.00")
    # when an Admin lowers the October penalty on taxes to 10% (no tax bill follows it yet),
    # in another connection
    in_another_connection(
        lambda: PenaltyRule.objects.filter(
            bill_type=BillType.PROPERTY_TAX, kind="percent_on_date"
        ).update(percent=D("10.000"))
    )
    # then a tax bill unpaid on October 1 is assessed 10%, not 15%
    bill = issue(dana, supervisor, amount="1000.00", due=date(2026, 1, 31))
    paid = pay(drawer, clerk, bill, "200.00", date(2026, 10, 5))
    assert paid.items.get().penalty_assessed == D("100.00")


@pytest.mark.django_db(transaction=True)
def test_an_account_closed_in_another_connection_takes_no_more_payments(
    drawer, clerk, dana, supervisor
):
    # given a payment in cash, which posts to Cash in drawer
    pay(drawer, clerk, issue(dana, supervisor, amount="50.00"), "50.00")
    # when an Admin makes Cash in drawer inactive, in another connection
    in_another_connection(
        lambda: Account.objects.filter(code=CASH_IN_DRAWER).update(is_active=False)
    )
    # then the next cash payment is refused by the ledger, and nothing is posted
    with pytest.raises(LedgerError, match="does not take postings"):
        pay(drawer, clerk, issue(dana, supervisor, amount="50.00"), "50.00")
