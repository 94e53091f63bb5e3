"""Hostile values posted to every field of the drawer close's forms: never a server error, and a
refused value saves nothing (as tests/cashiering/test_hostile_input.py for the other apps)."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse

from reconciliation.models import DrawerClose, DrawerReopen
from reconciliation.services import drawer_close_count
from tests.cashiering.test_hostile_input import HOSTILE, REFUSED_EVERYWHERE

FIELDS = {
    "count_2": "10",
    "count_9": "40",
    "card_batch_total": "0.00",
    "extra_0_number": "77",
    "extra_0_payer": "Ann",
    "extra_0_amount": "5.00",
    "receiver_username": "supervisor",
    "receiver_password": "supervisor-demo-2026",
}


def _no_500(response) -> None:
    assert response.status_code < 500


def test_the_count_form_survives_hostile_values_in_each_field(client, clerk, drawer):
    client.force_login(clerk)
    url = reverse("reconciliation:drawer_close")
    # First what every field refuses: nothing is counted. Then the rest, which may count
    # the drawer once (a check numbered "1E5" is a check number): never a server error.
    for value in [*REFUSED_EVERYWHERE, *(v for v in HOSTILE if v not in REFUSED_EVERYWHERE)]:
        for name in FIELDS:
            data = {**FIELDS, name: value, "token": str(uuid.uuid4())}
            _no_500(client.post(url, data))
            if value in REFUSED_EVERYWHERE:
                assert not DrawerClose.objects.exists(), (name, value)
    for value in HOSTILE:  # every field hostile at once
        _no_500(client.post(url, dict.fromkeys([*FIELDS, "token"], value)))


@pytest.mark.parametrize("value", HOSTILE)
def test_sign_off_and_reopen_survive_hostile_values(client, clerk, supervisor2, drawer, value):
    close = drawer_close_count(
        drawer=drawer,
        counts={"$20 bills": 8},
        checks=[],
        card_batch_total=Decimal("0.00"),
        stock={},
        by=clerk,
        token=uuid.uuid4(),
    )
    client.force_login(supervisor2)
    for field in ("reason", "token"):
        data = {"reason": "ok", "token": str(uuid.uuid4()), field: value}
        _no_500(client.post(reverse("reconciliation:close_sign_off", args=[close.pk]), data))
        _no_500(client.post(reverse("reconciliation:close_reopen", args=[close.pk]), data))
    if value in REFUSED_EVERYWHERE:
        close.refresh_from_db()
        assert close.status == DrawerClose.Status.COUNTED
        assert not DrawerReopen.objects.exists()
