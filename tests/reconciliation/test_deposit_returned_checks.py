"""A returned check (payments.services.returned_check_record) is taken back from wherever the
check is (reconciliation.services.custody.check_location): its open drawer (1010), the safe
(1036), a bag in transit (1040), the bank (the bag's bank account); a check missing at its
drawer's close is refused (it never reached the safe). Afterwards the safe's list leaves it out."""

import uuid
from decimal import Decimal

import pytest

from billing.models import Customer
from ledger.models import Account, JournalLine
from ledger.selectors import ledger_violations
from payments.errors import NotReversible
from payments.models import Tender
from payments.selectors import custody_held
from payments.services import returned_check_record
from reconciliation.selectors_custody import checks_in_safe, custody_now
from reconciliation.services import CheckPick, deposit_prepare, deposit_verify
from tests.payments.conftest import cash, check, issue
from tests.reconciliation.conftest import pay
from tests.reconciliation.custody_helpers import deposit_at_bank, drawer_closed

D = Decimal


@pytest.fixture
def paid(office, drawer, clerk, supervisor):
    """Two receipts paid by check: 3001 ($80.00, the one the bank returns) and 3002 ($20.00)."""
    dana = Customer.objects.create(name="Dana Whitfield")
    returned = pay(drawer, clerk, issue(dana, supervisor, amount="80.00"), check("80.00", "3001"))
    pay(drawer, clerk, issue(dana, supervisor, amount="20.00"), check("20.00", "3002"))
    pay(drawer, clerk, issue(dana, supervisor, amount="50.00"), cash("50.00"))
    return returned


def taken_from(reversal) -> tuple[str, Decimal, int | None, int | None]:
    (line,) = [
        line
        for line in JournalLine.objects.filter(entry=reversal.entry).select_related("account")
        if line.amount < 0
    ]
    return line.account.code, line.amount, line.office_id, line.drawer_id


def bag(office, by, numbers=("3001", "3002")):
    return deposit_prepare(
        office=office,
        bank_account=Account.objects.get(code="1100"),
        bag_number="B-9",
        counts={"$50 bills": 1},
        checks=[
            CheckPick(tender_id=c.tender_id)
            for c in checks_in_safe(office)
            if c.check_number in numbers
        ],
        by=by,
        token=uuid.uuid4(),
    )


def verified(office, supervisor, supervisor2):
    deposit = bag(office, supervisor)
    return deposit_verify(
        deposit=deposit,
        by=supervisor2,
        counts={"$50 bills": 1},
        checks=[CheckPick(tender_id=c.tender_id) for c in deposit.checks.all()],
    )


def test_from_the_open_drawer(paid, drawer, supervisor):
    reversal = returned_check_record(payment=paid, reason="NSF", by=supervisor)
    assert taken_from(reversal) == ("1010", D("-80.00"), None, drawer.pk)
    assert ledger_violations() == []


def test_from_the_safe(paid, office, drawer, supervisor):
    drawer_closed(drawer, receiver=supervisor)
    assert custody_held(office, "1036") == D("100.00")
    reversal = returned_check_record(payment=paid, reason="NSF", by=supervisor)
    assert taken_from(reversal) == ("1036", D("-80.00"), office.pk, None)
    assert [c.check_number for c in checks_in_safe(office)] == ["3002"]
    assert custody_held(office, "1036") == D("20.00")
    assert custody_now(office, reversal.entry.entry_date).difference == 0
    assert ledger_violations() == []


def test_from_a_bag_in_transit(paid, office, drawer, supervisor, supervisor2):
    drawer_closed(drawer, receiver=supervisor)
    deposit = verified(office, supervisor, supervisor2)
    reversal = returned_check_record(payment=paid, reason="NSF", by=supervisor)
    assert taken_from(reversal) == ("1040", D("-80.00"), office.pk, None)
    assert custody_held(office, "1040") == deposit.total - D("80.00")
    custody = custody_now(office, reversal.entry.entry_date)
    assert custody.in_transit_total == D("70.00")
    assert custody.difference == 0
    assert ledger_violations() == []


def test_from_the_bank_once_the_bag_is_matched(paid, office, drawer, supervisor, supervisor2):
    drawer_closed(drawer, receiver=supervisor)
    deposit = verified(office, supervisor, supervisor2)
    deposit_at_bank(deposit, supervisor)
    reversal = returned_check_record(payment=paid, reason="NSF", by=supervisor)
    assert taken_from(reversal) == ("1100", D("-80.00"), None, None)
    assert custody_held(office, "1040") == 0
    assert ledger_violations() == []


def test_a_check_missing_at_its_drawers_close_is_not_taken_from_the_safe(
    paid, office, drawer, supervisor
):
    # A check the clerk could not find at the close went to over/short: it never reached the
    # safe or a bag, so the bank cannot have returned it (review: taking it from the safe
    # drained the other drawers' checks on the books).
    drawer_closed(drawer, receiver=supervisor, missing=("3001",))
    assert [c.check_number for c in checks_in_safe(office)] == ["3002"]
    with pytest.raises(NotReversible, match="was missing when drawer"):
        returned_check_record(payment=paid, reason="NSF", by=supervisor)
    assert custody_held(office, "1036") == D("20.00")
    assert ledger_violations() == []


def test_not_while_its_bag_waits_for_verification(paid, office, drawer, supervisor):
    drawer_closed(drawer, receiver=supervisor)
    bag(office, supervisor)
    with pytest.raises(NotReversible, match="deposit bag B-9, which is not verified yet"):
        returned_check_record(payment=paid, reason="NSF", by=supervisor)
    assert not Tender.objects.filter(returned=True).exists()
