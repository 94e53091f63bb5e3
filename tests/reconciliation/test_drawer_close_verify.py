"""ledger_verify's rules about drawer closes find a tampered close (an edit made with the
triggers off): the over/short posted must be counted - expected, and a closed drawer has one
standing close."""

import uuid
from decimal import Decimal

import pytest
from django.db import connection

from ledger.selectors import ledger_violations
from reconciliation.services import drawer_close_count

D = Decimal


def closed(drawer, clerk, supervisor):
    return drawer_close_count(
        drawer=drawer,
        counts={"$20 bills": 10, "Quarters": 41},
        checks=[],
        card_batch_total=D("0.00"),
        stock={},
        by=clerk,
        received_by=supervisor,
        token=uuid.uuid4(),
    )


def with_triggers_off(sql: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute(sql, params)
        cursor.execute("SET LOCAL session_replication_role = origin")


def rules() -> set[str]:
    return {violation.rule for violation in ledger_violations()}


def test_a_clean_close_breaks_no_rule(drawer, clerk, supervisor):
    closed(drawer, clerk, supervisor)
    assert ledger_violations() == []


def test_a_counted_amount_changed_afterwards_is_found(drawer, clerk, supervisor):
    close = closed(drawer, clerk, supervisor)
    with_triggers_off(
        "UPDATE reconciliation_drawerclose SET counted_cash = counted_cash + 5 WHERE id = %s",
        close.pk,
    )
    assert any("over/short (counted - expected)" in rule for rule in rules())


def test_a_closed_drawer_without_a_standing_close_is_found(drawer, clerk, supervisor, office):
    from tests.reconciliation.conftest import new_user, open_drawer

    other = open_drawer(new_user("second-clerk"), office, number=2)
    with_triggers_off("UPDATE payments_drawer SET status = 'closed' WHERE id = %s", other.pk)
    found = [v for v in ledger_violations() if "standing close" in v.rule]
    assert found and f"drawer {other.pk}" in found[0].detail


@pytest.mark.parametrize("status", ["open", "closing"])
def test_a_standing_close_of_a_drawer_not_closed_is_found(drawer, clerk, supervisor, status):
    closed(drawer, clerk, supervisor)
    with_triggers_off("UPDATE payments_drawer SET status = %s WHERE id = %s", status, drawer.pk)
    assert any("standing close" in rule for rule in rules())
