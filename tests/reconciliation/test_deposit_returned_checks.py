"""A returned check (payments.services.returned_check_record) is taken back from wherever the
check is (reconciliation.services.custody.check_location): its open drawer (1010), the safe
(1036), a bag in transit (1040), the bank (the bag's bank account); a check missing at its
drawer's close is refused (it never reached the safe). Afterwards the safe's list leaves it out."""

import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import Customer
from ledger.models import Account, JournalLine
from ledger.selectors import ledger_violations
from payments.errors import NotReversible
from payments.models import Tender
from payments.selectors import custody_held
from payments.services import returned_check_record
from reconciliation.errors import StatementError
from reconciliation.models import StatementLine
from reconciliation.selectors_custody import checks_in_safe, custody_now
from reconciliation.selectors_statements import deposits_unmatched
from reconciliation.services import (
    CheckPick,
    deposit_prepare,
    deposit_verify,
    statement_auto_match,
    statement_line_match_deposit,
)
from tests.payments.conftest import cash, check, issue
from tests.reconciliation.conftest import pay
from tests.reconciliation.flows import deposit_at_bank, drawer_closed, statement_imported

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


# A check returned while its bag is in transit was taken back out of 1040: the bank credits
# the bag less that check, and matching credits 1040 with what the bag still holds.


def test_a_bag_whose_check_came_back_in_transit_auto_matches_its_net_credit(
    paid, office, drawer, supervisor, supervisor2
):
    drawer_closed(drawer, receiver=supervisor)
    deposit = verified(office, supervisor, supervisor2)  # $50 cash, checks $80 and $20
    returned_check_record(payment=paid, reason="NSF", by=supervisor)
    assert custody_held(office, "1040") == D("70.00")
    (line,) = statement_imported(
        by=supervisor, lines=[(timezone.localdate(), "70.00", "DEPOSIT BAG B-9")]
    )

    result = statement_auto_match(statement=line.statement, by=supervisor)

    assert (result.deposits, result.left) == (1, 0)
    line.refresh_from_db()
    assert (line.status, line.deposit) == (StatementLine.Status.MATCHED, deposit)
    assert custody_held(office, "1040") == 0
    assert JournalLine.objects.filter(entry=line.entry, account__code="1100").get().amount == D(
        "70.00"
    )
    assert ledger_violations() == []


def test_the_manual_match_of_such_a_bag_takes_the_net_and_names_the_return(
    paid, office, drawer, supervisor, supervisor2
):
    drawer_closed(drawer, receiver=supervisor)
    deposit = verified(office, supervisor, supervisor2)
    returned_check_record(payment=paid, reason="NSF", by=supervisor)
    full, net = statement_imported(
        by=supervisor,
        lines=[(timezone.localdate(), "150.00", "DEPOSIT"), (timezone.localdate(), "70.00", "DEP")],
    )

    with pytest.raises(
        StatementError,
        match=r"holds \$70\.00 \(\$150\.00 less \$80\.00 of checks returned in transit: 3001\)",
    ):
        statement_line_match_deposit(line=full, target=deposit, by=supervisor)
    assert custody_held(office, "1040") == D("70.00")

    statement_line_match_deposit(line=net, target=deposit, by=supervisor)

    assert custody_held(office, "1040") == 0
    assert [d.amount for d in deposits_unmatched(deposit.bank_account_id)] == []
    # A check of the bag returned after the match comes out of the bank, and the books agree.
    other = Tender.objects.get(check_number="3002")
    returned_check_record(payment=other.payment, reason="NSF", by=supervisor)
    assert custody_held(office, "1040") == 0
    assert ledger_violations() == []


def test_the_matching_page_offers_the_bag_at_what_it_still_holds(
    paid, office, drawer, supervisor, supervisor2
):
    drawer_closed(drawer, receiver=supervisor)
    deposit = verified(office, supervisor, supervisor2)
    returned_check_record(payment=paid, reason="NSF", by=supervisor)

    (offered,) = deposits_unmatched(deposit.bank_account_id)

    assert (offered, offered.amount) == (deposit, D("70.00"))


def test_the_month_end_report_shows_such_a_bag_at_what_it_still_holds(
    paid, office, drawer, supervisor, supervisor2
):
    from ledger.models import AccountingPeriod
    from reconciliation.selectors_month import month_end_report

    drawer_closed(drawer, receiver=supervisor)
    verified(office, supervisor, supervisor2)
    returned_check_record(payment=paid, reason="NSF", by=supervisor)
    today = timezone.localdate()
    period = AccountingPeriod.objects.create(
        name="now", start_date=today.replace(day=1), end_date=today
    )

    bank = next(b for b in month_end_report(period).banks if b.account.code == "1100")

    assert [t.amount for t in bank.deposits_in_transit] == [D("70.00")]
    assert bank.transit_total == custody_held(office, "1040") == D("70.00")
