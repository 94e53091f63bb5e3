"""Hostile values posted to every safe, change fund and deposit form: never a server error,
and a refused value saves nothing (as tests/cashiering/test_hostile_input.py for the counter)."""

import uuid

import pytest
from django.urls import reverse

from billing.models import Customer
from ledger.models import Account, JournalEntry
from reconciliation.models import CustodyTransfer, Deposit, DepositCheck, SafeCount
from reconciliation.selectors_custody import checks_in_safe
from tests.cashiering.test_hostile_input import HOSTILE, REFUSED_EVERYWHERE
from tests.payments.conftest import cash, check, issue
from tests.reconciliation.conftest import pay
from tests.reconciliation.flows import drawer_closed


def _counts():
    return tuple(
        model.objects.count()
        for model in (JournalEntry, CustodyTransfer, Deposit, DepositCheck, SafeCount)
    )


@pytest.fixture
def forms(office, drawer, clerk, supervisor):
    dana = Customer.objects.create(name="Dana Whitfield")
    pay(drawer, clerk, issue(dana, supervisor, amount="100.00"), cash("100.00"))
    pay(drawer, clerk, issue(dana, supervisor, amount="40.00"), check("40.00", "9"))
    drawer_closed(drawer, receiver=supervisor)
    refs = [c.ref for c in checks_in_safe(office)]
    return [
        (
            reverse("reconciliation:deposit_prepare"),
            {
                "token": "",
                "office": str(office.pk),
                "bank_account": str(Account.objects.get(code="1100").pk),
                "bag_number": "B-1",
                "count_0": "1",
                "checks": refs,
            },
        ),
        (
            reverse("reconciliation:safe_count"),
            {
                "token": "",
                "office": str(office.pk),
                "count_0": "1",
                "fund_0": "200",
                "checks": refs,
                "witness_username": "clerk",
                "witness_password": "clerk-demo-2026",
                "signer_username": "",
                "signer_password": "",
                "reason": "x",
            },
        ),
        (
            reverse("reconciliation:change_fund"),
            {
                "token": "",
                "office": str(office.pk),
                "direction": "add",
                "amount": "10.00",
                "memo": "x",
                "receiver_username": "supervisor",
                "receiver_password": "supervisor-demo-2026",
            },
        ),
    ]


def test_each_field_alone_survives_hostile_values(client, admin_user, forms):
    client.force_login(admin_user)  # an Admin may use every one of these pages
    for url, valid in forms:
        for name in valid:
            for value in HOSTILE:
                before = _counts()
                data = {**valid, "token": str(uuid.uuid4()), name: value}
                response = client.post(url, data)
                assert response.status_code < 500, (url, name, value)
                if value in REFUSED_EVERYWHERE and name not in ("office", "token"):
                    assert _counts() == before, (url, name, value)
