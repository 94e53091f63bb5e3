"""Two Supervisors preparing bags with the same check at the same moment: one bag takes it,
the other is told; nothing is deposited twice (the office lock and the partial unique index)."""

import uuid
from decimal import Decimal

import pytest

from billing.models import Customer
from cashiering.roles import Role
from ledger.models import Account
from ledger.selectors import ledger_violations
from reconciliation.errors import DepositError
from reconciliation.models import Deposit, DepositCheck
from reconciliation.selectors_custody import checks_in_safe
from reconciliation.services import CheckPick, deposit_prepare
from tests.payments.conftest import check, issue, new_user
from tests.payments.test_concurrency import race
from tests.reconciliation.conftest import pay
from tests.reconciliation.flows import drawer_closed


@pytest.mark.django_db(transaction=True)
def test_two_supervisors_bagging_the_same_check_at_once_deposit_it_once(
    office, drawer, clerk, supervisor
):
    # given a check in the safe and two Supervisors
    other = new_user("supervisor-three", Role.SUPERVISOR)
    dana = Customer.objects.create(name="Dana Whitfield")
    pay(drawer, clerk, issue(dana, supervisor, amount="125.00"), check("125.00", "5001"))
    drawer_closed(drawer, receiver=supervisor)
    (safe_check,) = checks_in_safe(office)
    pick = CheckPick(tender_id=safe_check.tender_id)
    bank = Account.objects.get(code="1100")

    def bag(by, number):
        return lambda: deposit_prepare(
            office=office,
            bank_account=bank,
            bag_number=number,
            counts={},
            checks=[pick],
            by=by,
            token=uuid.uuid4(),
        )

    # when both prepare a bag with it at the same moment
    results, errors = race(bag(supervisor, "B-1"), bag(other, "B-2"))

    # then one bag holds it and the other Supervisor is told where it is
    assert len(results) == 1, errors
    assert len(errors) == 1
    assert isinstance(errors[0], DepositError)
    winner = results[0]
    assert isinstance(winner, Deposit)
    assert f"already in deposit bag {winner.bag_number}" in str(errors[0])
    assert Deposit.objects.count() == 1
    assert DepositCheck.objects.filter(released=False).count() == 1
    assert winner.checks_total == Decimal("125.00")
    assert ledger_violations() == []
