"""reconciliation.services.safe.safe_count_record: the safe counted by two people against the
ledger; a difference posts to 5000 Cash over/short; beyond the tolerance a third person signs
off with a reason."""

import uuid
from decimal import Decimal

import pytest

from billing.models import Customer
from cashiering.roles import Role
from ledger.models import JournalLine
from ledger.selectors import ledger_violations
from payments.selectors import custody_held
from reconciliation.errors import CustodyError, SignOffRequired
from reconciliation.models import SafeCount
from reconciliation.selectors_custody import checks_in_safe
from reconciliation.services import CheckPick, safe_count_record
from tests.payments.conftest import cash, check, issue, new_user
from tests.reconciliation.conftest import pay
from tests.reconciliation.flows import drawer_closed

D = Decimal


@pytest.fixture
def safe(office, drawer, clerk, supervisor):
    """After one close: $300.00 cash (3 x $100) and check 1001 ($200.00) in the safe; the change
    fund holds $20,000.00 (funded) - $210.00 (float) + $210.00 (back)."""
    dana = Customer.objects.create(name="Dana Whitfield")
    pay(drawer, clerk, issue(dana, supervisor, amount="300.00"), cash("300.00"))
    pay(drawer, clerk, issue(dana, supervisor, amount="200.00"), check("200.00", "1001"))
    drawer_closed(drawer, receiver=supervisor)
    return office


def all_checks(office):
    return [
        CheckPick(tender_id=c.tender_id, close_check_id=c.close_check_id)
        for c in checks_in_safe(office)
    ]


FUND = {"$100 bills": 200}  # $20,000.00


def count(office, by, witness, *, counts=None, fund=None, checks=None, **extra):
    from django.utils import timezone

    return safe_count_record(
        office=office,
        business_date=timezone.localdate(),
        counts={"$100 bills": 3} if counts is None else counts,
        change_fund_counts=FUND if fund is None else fund,
        checks=all_checks(office) if checks is None else checks,
        counted_by=by,
        witness=witness,
        token=uuid.uuid4(),
        **extra,
    )


def test_a_count_that_agrees_posts_nothing(safe, supervisor, clerk):
    assert custody_held(safe, "1030") == D("20000.00")
    result = count(safe, supervisor, clerk)
    assert result.entry is None
    assert result.difference == 0
    assert (result.cash_expected, result.checks_expected, result.change_fund_expected) == (
        D("300.00"),
        D("200.00"),
        D("20000.00"),
    )
    labels = set(result.denominations.values_list("label", flat=True))
    assert labels == {"$100 bills", "Change fund: $100 bills"}
    assert ledger_violations() == []


def test_a_shortage_within_tolerance_posts_to_over_short_without_sign_off(safe, supervisor, clerk):
    # the office's tolerance is $5.00: $2.00 short in the safe's cash
    short_two = {"$100 bills": 2, "$20 bills": 4, "$1 bills": 18}
    result = count(safe, supervisor, clerk, counts=short_two)
    assert result.signed_off_by is None
    lines = {
        (line.account.code, line.amount, line.office_id)
        for line in JournalLine.objects.filter(entry=result.entry).select_related("account")
    }
    assert lines == {("1035", D("-2.00"), safe.pk), ("5000", D("2.00"), None)}
    assert custody_held(safe, "1035") == D("298.00")
    assert ledger_violations() == []


def test_beyond_tolerance_a_third_person_signs_off_with_a_reason(
    safe, supervisor, clerk, supervisor2
):
    short = {"$100 bills": 2}  # $100.00 short
    beyond = r"collections cash short by \$100.00, beyond .* tolerance"
    with pytest.raises(SignOffRequired, match=beyond):
        count(safe, supervisor, clerk, counts=short)
    with pytest.raises(SignOffRequired, match="neither of the two"):
        count(safe, supervisor, clerk, counts=short, signed_off_by=supervisor, reason="x")
    with pytest.raises(SignOffRequired, match="Say why"):
        count(safe, supervisor, clerk, counts=short, signed_off_by=supervisor2)
    with pytest.raises(SignOffRequired, match="A Supervisor signs off"):
        count(safe, supervisor, supervisor2, counts=short, signed_off_by=clerk, reason="x")
    assert not SafeCount.objects.exists()

    result = count(
        safe,
        supervisor,
        clerk,
        counts=short,
        fund={"$100 bills": 201},  # and $100.00 over in the change fund
        signed_off_by=supervisor2,
        reason="A note in the wrong pile",
    )
    # over and short net to nothing on 5000, both accounts corrected
    assert result.signed_off_by == supervisor2
    assert result.reason == "A note in the wrong pile"
    lines = {
        (line.account.code, line.amount)
        for line in JournalLine.objects.filter(entry=result.entry).select_related("account")
    }
    assert lines == {("1035", D("-100.00")), ("1030", D("100.00"))}
    assert ledger_violations() == []


def test_an_overage_beyond_tolerance_posts_a_credit_to_over_short(
    safe, supervisor, clerk, supervisor2
):
    result = count(
        safe,
        supervisor,
        clerk,
        counts={"$100 bills": 4},
        signed_off_by=supervisor2,
        reason="Found under the tray",
    )
    amounts = {
        line.account.code: line.amount
        for line in JournalLine.objects.filter(entry=result.entry).select_related("account")
    }
    assert amounts == {"1035": D("100.00"), "5000": D("-100.00")}


def test_two_different_people_count(safe, supervisor):
    with pytest.raises(CustodyError, match="two different people"):
        count(safe, supervisor, supervisor)


def test_a_clerk_does_not_count_the_safe(safe, clerk, supervisor):
    with pytest.raises(CustodyError, match="Only a Supervisor counts the safe"):
        count(safe, clerk, supervisor)


def test_every_check_in_the_safe_is_ticked_or_named(safe, supervisor, clerk):
    with pytest.raises(CustodyError, match=r"not ticked: 1001 \(Dana Whitfield, \$200.00\)"):
        count(safe, supervisor, clerk, checks=[])
    with pytest.raises(CustodyError, match="not in the safe"):
        count(safe, supervisor, clerk, checks=[*all_checks(safe), CheckPick(tender_id=999999)])


def test_a_bad_count_is_refused(safe, supervisor, clerk):
    with pytest.raises(Exception, match="not a note or coin"):
        count(safe, supervisor, clerk, counts={"Doubloons": 1})


def test_the_same_token_counts_once(safe, supervisor, clerk):
    from django.utils import timezone

    token = uuid.uuid4()
    kwargs = dict(
        office=safe,
        business_date=timezone.localdate(),
        counts={"$100 bills": 2},
        change_fund_counts=FUND,
        checks=all_checks(safe),
        counted_by=supervisor,
        witness=clerk,
        signed_off_by=new_user("third", Role.SUPERVISOR),
        reason="short",
        token=token,
    )
    first = safe_count_record(**kwargs)
    assert safe_count_record(**kwargs) == first
    assert SafeCount.objects.count() == 1
