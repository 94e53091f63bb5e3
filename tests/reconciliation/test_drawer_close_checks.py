"""A returned check and the drawer close: while the drawer's count waits for sign-off the check
waits too (the drawer's books must not change under the count); once the drawer is closed the
check is taken back from the safe (1036)."""

import uuid
from decimal import Decimal

import pytest
from django.core.management import call_command

from ledger.models import JournalLine
from payments.errors import NotReversible
from payments.selectors import custody_held
from payments.services import returned_check_record
from reconciliation.models import DrawerClose
from reconciliation.services import drawer_close_count, drawer_close_sign_off
from tests.reconciliation.conftest import check, issue, pay

D = Decimal


def count_with_check(drawer, clerk, tender, **extra) -> DrawerClose:
    return drawer_close_count(
        drawer=drawer,
        counts={"$20 bills": 10, "Quarters": 40},
        checks=[tender.pk],
        card_batch_total=D("0.00"),
        stock={},
        by=clerk,
        token=uuid.uuid4(),
        **extra,
    )


@pytest.mark.django_db(transaction=True)
def test_a_returned_check_waits_for_the_sign_off_then_leaves_the_safe(
    drawer, clerk, supervisor, supervisor2, office, dana
):
    payment = pay(drawer, clerk, issue(dana, clerk, amount="80.00"), check("80.00", "3001"))
    tender = payment.tenders.get()
    counted = count_with_check(drawer, clerk, tender)  # no receiver: waits
    assert counted.status == DrawerClose.Status.COUNTED

    with pytest.raises(NotReversible, match="sign-off"):
        returned_check_record(payment=payment, check=tender, reason="NSF", by=supervisor)

    drawer_close_sign_off(close=counted, by=supervisor2, reason="")
    assert custody_held(office, "1036") == D("80.00")
    reversal = returned_check_record(payment=payment, check=tender, reason="NSF", by=supervisor)

    taken = JournalLine.objects.get(entry=reversal.entry, amount__lt=0)
    assert (taken.account.code, taken.office_id, taken.amount) == ("1036", office.pk, D("-80.00"))
    assert custody_held(office, "1036") == D("0.00")
    call_command("ledger_verify")
