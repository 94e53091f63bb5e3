"""reconciliation.services.deposits: a bag prepared from the safe by one Supervisor, verified by
another, posted Dr 1040 / Cr 1035, 1036; cancelled before verification; never twice."""

import uuid
from decimal import Decimal

import pytest

from billing.models import Customer
from ledger.models import Account, JournalLine
from ledger.selectors import ledger_violations
from payments.selectors import custody_held
from reconciliation.errors import DepositError
from reconciliation.models import CustodyTransfer, Deposit, DepositCheck
from reconciliation.selectors_custody import checks_in_safe, safe_cash_available
from reconciliation.services import CheckPick, deposit_cancel, deposit_prepare, deposit_verify
from tests.payments.conftest import cash, check, issue
from tests.reconciliation.conftest import pay
from tests.reconciliation.flows import drawer_closed

D = Decimal


@pytest.fixture
def safe(office, drawer, clerk, supervisor):
    """The safe after one drawer closed: $300.00 of collections cash, checks 1001 ($200.00) and
    1002 ($150.00), the $210.00 float back in the change fund."""
    dana = Customer.objects.create(name="Dana Whitfield")
    pay(drawer, clerk, issue(dana, supervisor, amount="300.00"), cash("300.00"))
    pay(drawer, clerk, issue(dana, supervisor, amount="200.00"), check("200.00", "1001"))
    pay(drawer, clerk, issue(dana, supervisor, amount="150.00"), check("150.00", "1002", "Ed Ng"))
    drawer_closed(drawer, receiver=supervisor)
    return office


def bank():
    return Account.objects.get(code="1100")


def picks(office, *numbers):
    return [
        CheckPick(tender_id=c.tender_id, close_check_id=c.close_check_id)
        for c in checks_in_safe(office)
        if c.check_number in numbers
    ]


def prepare(office, by, *, bag="B-100", counts=None, numbers=("1001", "1002"), token=None):
    return deposit_prepare(
        office=office,
        bank_account=bank(),
        bag_number=bag,
        counts={"$100 bills": 3} if counts is None else counts,
        checks=picks(office, *numbers),
        by=by,
        token=token or uuid.uuid4(),
    )


def test_a_second_supervisor_verifies_and_the_bag_goes_in_transit(safe, supervisor, supervisor2):
    # given a bag prepared with all the safe's cash and both checks
    deposit = prepare(safe, supervisor)
    assert deposit.status == Deposit.Status.PREPARED
    assert deposit.entry is None
    assert (deposit.cash_total, deposit.checks_total) == (D("300.00"), D("350.00"))
    assert custody_held(safe, "1035") == D("300.00")  # nothing posted yet

    # when another Supervisor recounts it the same
    verified = deposit_verify(
        deposit=deposit,
        by=supervisor2,
        counts={"$100 bills": 3},
        checks=picks(safe, "1001", "1002"),
    )

    # then it is posted Dr 1040 / Cr 1035, 1036, naming the office, handed over between them
    assert verified.status == Deposit.Status.VERIFIED
    assert verified.verified_by == supervisor2
    lines = {
        (line.account.code, line.amount, line.office_id)
        for line in JournalLine.objects.filter(entry=verified.entry).select_related("account")
    }
    assert lines == {
        ("1040", D("650.00"), safe.pk),
        ("1035", D("-300.00"), safe.pk),
        ("1036", D("-350.00"), safe.pk),
    }
    transfer = CustodyTransfer.objects.get(deposit=verified)
    assert transfer.kind == CustodyTransfer.Kind.SAFE_TO_BAG
    assert (transfer.handed_by, transfer.received_by) == (supervisor, supervisor2)
    assert custody_held(safe, "1035") == 0
    assert custody_held(safe, "1036") == 0
    assert custody_held(safe, "1040") == D("650.00")
    assert checks_in_safe(safe) == []
    assert ledger_violations() == []


def test_the_preparer_cannot_verify_their_own_bag(safe, supervisor):
    deposit = prepare(safe, supervisor)
    with pytest.raises(DepositError, match="other than the one who prepared it"):
        deposit_verify(
            deposit=deposit,
            by=supervisor,
            counts={"$100 bills": 3},
            checks=picks(safe, "1001", "1002"),
        )
    deposit.refresh_from_db()
    assert deposit.status == Deposit.Status.PREPARED


def test_a_recount_that_differs_is_refused_naming_each_difference(safe, supervisor, supervisor2):
    deposit = prepare(safe, supervisor)
    with pytest.raises(DepositError) as refused:
        deposit_verify(
            deposit=deposit,
            by=supervisor2,
            counts={"$100 bills": 2, "$50 bills": 2},
            checks=picks(safe, "1001"),
        )
    message = str(refused.value)
    assert "$100 bills: prepared 3, you counted 2" in message
    assert "$50 bills: prepared 0, you counted 2" in message
    assert "check 1002 (Ed Ng, $150.00) is listed in the bag but you did not tick it" in message
    assert "nothing was posted" in message
    deposit.refresh_from_db()
    assert deposit.status == Deposit.Status.PREPARED
    assert custody_held(safe, "1040") == 0


def test_more_cash_than_the_safe_holds_is_refused(safe, supervisor):
    with pytest.raises(DepositError, match=r"safe holds \$300.00 .* \$400.00 in cash"):
        prepare(safe, supervisor, counts={"$100 bills": 4}, numbers=())
    assert not Deposit.objects.exists()


def test_cash_in_another_prepared_bag_is_not_available_to_a_second(safe, supervisor):
    prepare(safe, supervisor, bag="B-1", counts={"$100 bills": 2}, numbers=())
    assert safe_cash_available(safe) == D("100.00")
    with pytest.raises(DepositError, match=r"safe holds \$100.00"):
        prepare(safe, supervisor, bag="B-2", counts={"$100 bills": 2}, numbers=())


def test_a_check_in_one_bag_cannot_go_in_another(safe, supervisor):
    prepare(safe, supervisor, bag="B-1", counts={}, numbers=("1001",))
    with pytest.raises(DepositError, match=r"Check 1001 .* already in deposit bag B-1"):
        prepare(safe, supervisor, bag="B-2", counts={}, numbers=("1001",))


def test_cancelling_a_bag_releases_its_checks_and_cash(safe, supervisor, supervisor2):
    deposit = prepare(safe, supervisor, bag="B-1")
    cancelled = deposit_cancel(deposit=deposit, by=supervisor, reason="Wrong bag")
    assert cancelled.status == Deposit.Status.CANCELLED
    assert cancelled.cancel_reason == "Wrong bag"
    assert set(DepositCheck.objects.filter(deposit=deposit).values_list("released", flat=True)) == {
        True
    }
    # the same checks and cash go in a new bag (the bag number too: the cancelled one is free)
    again = prepare(safe, supervisor, bag="B-1")
    assert again.checks_total == D("350.00")
    with pytest.raises(DepositError, match="only a bag not yet verified"):
        deposit_cancel(deposit=cancelled, by=supervisor, reason="twice")
    deposit_verify(
        deposit=again, by=supervisor2, counts={"$100 bills": 3}, checks=picks(safe, "1001", "1002")
    )
    with pytest.raises(DepositError, match="verified, in transit"):
        deposit_cancel(deposit=again, by=supervisor, reason="too late")
    assert ledger_violations() == []


def test_a_cancel_needs_a_reason(safe, supervisor):
    deposit = prepare(safe, supervisor)
    with pytest.raises(DepositError, match="Say why"):
        deposit_cancel(deposit=deposit, by=supervisor, reason="  ")


def test_a_clerk_neither_prepares_nor_verifies(safe, clerk, supervisor):
    with pytest.raises(DepositError, match="Only a Supervisor prepares"):
        prepare(safe, clerk)
    deposit = prepare(safe, supervisor)
    with pytest.raises(DepositError, match="Only a Supervisor verifies"):
        deposit_verify(deposit=deposit, by=clerk, counts={"$100 bills": 3}, checks=[])
    with pytest.raises(DepositError, match="Only a Supervisor cancels"):
        deposit_cancel(deposit=deposit, by=clerk, reason="no")


@pytest.mark.parametrize(
    ("counts", "bag", "message"),
    [
        ({"$3 bills": 1}, "B-1", "not a note or coin"),
        ({"$100 bills": -1}, "B-1", "not a count from 0"),
        ({"$100 bills": "3"}, "B-1", "whole number"),
        ({}, "  ", "bag's number"),
        ({}, "4111111111111111", "card number"),
        ({}, "B-1", "The bag is empty"),
    ],
)
def test_bad_input_is_refused_with_a_message(safe, supervisor, counts, bag, message):
    with pytest.raises(DepositError, match=message):
        prepare(safe, supervisor, counts=counts, bag=bag, numbers=())


def test_only_a_bank_account_takes_a_deposit(safe, supervisor):
    with pytest.raises(DepositError, match="not one of the city's bank accounts"):
        deposit_prepare(
            office=safe,
            bank_account=Account.objects.get(code="1000"),
            bag_number="B-1",
            counts={"$100 bills": 1},
            checks=[],
            by=supervisor,
            token=uuid.uuid4(),
        )


def test_the_same_token_twice_prepares_one_bag(safe, supervisor):
    token = uuid.uuid4()
    first = prepare(safe, supervisor, token=token)
    assert prepare(safe, supervisor, token=token) == first
    assert Deposit.objects.count() == 1


def test_extra_checks_found_at_a_close_are_deposited_too(
    office, drawer, clerk, supervisor, supervisor2
):
    drawer_closed(drawer, receiver=supervisor, extras=(("77", "Found Payer", "40.00"),))
    extra = checks_in_safe(office)[0]
    assert (extra.ref[0], extra.amount) == ("x", D("40.00"))
    deposit = prepare(office, supervisor, counts={}, numbers=("77",))
    deposit_verify(deposit=deposit, by=supervisor2, counts={}, checks=picks(office, "77"))
    assert checks_in_safe(office) == []
    assert ledger_violations() == []
