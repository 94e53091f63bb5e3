"""A posted mail batch's checks in custody: in the safe (checks_in_safe), picked into a deposit,
verified and matched at the bank; a returned mailed check is taken back from where it is."""

import uuid

import pytest
from django.db import transaction

from ledger.models import JournalLine
from payments.custody import check_location
from payments.models import Payment, Tender
from payments.services import returned_check_record
from reconciliation.selectors_custody import checks_in_safe
from tests.payments.conftest import issue
from tests.payments.test_remittance_mail import add, open_batch
from tests.payments.test_reversals import books_are_clean
from tests.reconciliation.flows import deposit_at_bank, deposit_verified

transactional = pytest.mark.django_db(transaction=True)


def located(tender) -> str:
    with transaction.atomic():
        return check_location(tender).where


@transactional
def test_mailed_checks_go_from_the_safe_to_the_bank_and_come_back_from_either(
    office, clerk, dana, supervisor, supervisor2
):
    from payments.services.remittance import remittance_batch_post

    # given a posted mail batch of two checks
    first, second = (
        issue(dana, supervisor, amount="120.00"),
        issue(dana, supervisor, amount="80.00"),
    )
    batch = open_batch(office, clerk, "200.00", 2)
    add(batch, clerk, first.number, "120.00", number="501")
    add(batch, clerk, second.number, "80.00", number="502")
    remittance_batch_post(batch=batch, by=clerk, token=uuid.uuid4())
    tenders = list(Tender.objects.filter(payment__drawer=batch.drawer).order_by("check_number"))
    # then both are in the safe
    assert sorted(c.check_number for c in checks_in_safe(office)) == ["501", "502"]
    assert located(tenders[0]) == "the safe"
    # when check 501 is returned while in the safe: taken back from 1036
    reversal = returned_check_record(payment=tenders[0].payment, reason="NSF", by=supervisor)
    assert JournalLine.objects.get(entry=reversal.entry, account__code="1036").amount == -120
    assert [c.check_number for c in checks_in_safe(office)] == ["502"]
    # and check 502 is deposited, verified by a second Supervisor and matched at the bank
    deposit = deposit_verified(
        office=office, preparer=supervisor, verifier=supervisor2, checks=[tenders[1]]
    )
    assert checks_in_safe(office) == []
    assert "in transit" in located(tenders[1])
    deposit_at_bank(deposit, supervisor)
    assert located(tenders[1]).startswith("the bank")
    # then its return is taken back from the bank account
    payment = Payment.objects.get(pk=tenders[1].payment_id)
    reversal = returned_check_record(payment=payment, reason="NSF", by=supervisor)
    assert JournalLine.objects.get(entry=reversal.entry, account__code="1100").amount == -80
    books_are_clean()
