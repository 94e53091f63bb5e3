"""A posted mail batch's exception checks are in the safe (1036, held unapplied in 2150):
listed, counted like any check, shown on the custody page, kept out of deposits until applied;
applied they are tendered checks a deposit takes; returned they leave the safe."""

import uuid
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from billing.models import BillType
from ledger.chart import CASH_IN_SAFE, CHANGE_FUND, CHECKS_IN_SAFE
from payments.models import RemittanceItem, Tender
from payments.selectors import custody_held
from payments.services.remittance import remittance_batch_post, remittance_exception_resolve
from reconciliation.errors import DepositError
from reconciliation.selectors_custody import checks_in_safe, depositable
from reconciliation.services import CheckPick, deposit_prepare, safe_count_record
from tests.payments.conftest import issue
from tests.payments.test_remittance_mail import add, open_batch
from tests.payments.test_reversals import books_are_clean
from tests.reconciliation.flows import counts_for, deposit_verified

D = Decimal
transactional = pytest.mark.django_db(transaction=True)


def picks(office) -> list[CheckPick]:
    return [
        CheckPick(c.tender_id, c.close_check_id, c.remittance_item_id)
        for c in checks_in_safe(office)
    ]


def counted(office, by, witness, checks=None):
    return safe_count_record(
        office=office,
        business_date=timezone.localdate(),
        counts=counts_for(custody_held(office, CASH_IN_SAFE)),
        change_fund_counts=counts_for(custody_held(office, CHANGE_FUND)),
        checks=picks(office) if checks is None else checks,
        counted_by=by,
        witness=witness,
        token=uuid.uuid4(),
    )


def posted_batch(office, clerk, dana, supervisor):
    """A posted mail batch: one clean check (501, $120) and two exceptions: 502 ($80, for a
    parking ticket it overpays) and 503 ($45, for no bill)."""
    first = issue(dana, supervisor, amount="120.00")
    second = issue(dana, supervisor, bill_type=BillType.PARKING, amount="50.00")
    batch = open_batch(office, clerk, "245.00", 3)
    add(batch, clerk, first.number, "120.00", number="501")
    add(batch, clerk, second.number, "80.00", number="502")
    add(batch, clerk, "NO-SUCH-BILL", "45.00", number="503")
    return remittance_batch_post(batch=batch, by=clerk, token=uuid.uuid4())


@transactional
def test_held_exception_checks_are_in_the_safe_until_applied_or_returned(
    office, clerk, dana, supervisor, supervisor2
):
    # given a posted mail batch with two exceptions
    batch = posted_batch(office, clerk, dana, supervisor)
    over, unknown = RemittanceItem.objects.filter(batch=batch, state="exception").order_by(
        "sequence"
    )
    # then the safe lists all three checks, the exceptions marked held
    safe = {c.check_number: c for c in checks_in_safe(office)}
    assert sorted(safe) == ["501", "502", "503"]
    assert safe["502"].held == f"held exception (batch {batch.number}, #2)"
    assert safe["501"].held == ""
    assert sum(c.amount for c in safe.values()) == custody_held(office, CHECKS_IN_SAFE)
    # and a count that ticks all three finds no difference
    assert counted(office, supervisor, supervisor2).difference == 0
    books_are_clean()

    # and a count that leaves a held check unticked is refused, naming it
    from reconciliation.errors import CustodyError

    without = [p for p in picks(office) if p.remittance_item_id != unknown.pk]
    with pytest.raises(CustodyError, match=r"503 \(Dana Whitfield, \$45\.00\)"):
        counted(office, supervisor, supervisor2, checks=without)

    # when a deposit tries to take a held check, then it is refused
    with pytest.raises(DepositError, match=r"503 .*held exception.*not depositable until"):
        deposit_prepare(
            office=office,
            bank_account=_bank(),
            bag_number="B-1",
            counts={},
            checks=[CheckPick(remittance_item_id=unknown.pk)],
            by=supervisor,
            token=uuid.uuid4(),
        )
    assert [c.check_number for c in depositable(checks_in_safe(office))] == ["501"]

    # when 502 is applied: it is a tendered check in the safe, depositable
    remittance_exception_resolve(
        item=over, action="apply", amount=None, note="", by=supervisor, token=uuid.uuid4()
    )
    safe = {c.check_number: c for c in checks_in_safe(office)}
    assert safe["502"].held == "" and safe["502"].tender_id is not None
    assert sorted(c.check_number for c in depositable(list(safe.values()))) == ["501", "502"]
    # and 503 is returned to its sender: gone from the safe and from 1036
    remittance_exception_resolve(
        item=unknown,
        action="return",
        amount=None,
        note="not ours",
        by=supervisor,
        token=uuid.uuid4(),
    )
    assert sorted(c.check_number for c in checks_in_safe(office)) == ["501", "502"]
    assert custody_held(office, CHECKS_IN_SAFE) == D("200.00")
    assert counted(office, supervisor, supervisor2).difference == 0
    books_are_clean()

    # and the applied check goes to the bank in a deposit like any other
    tenders = Tender.objects.filter(payment__drawer=batch.drawer, kind="check")
    deposit_verified(office=office, preparer=supervisor, verifier=supervisor2, checks=tenders)
    assert checks_in_safe(office) == []
    books_are_clean()


def _bank():
    from ledger.models import Account

    return Account.objects.get(code="1100")


@transactional
def test_the_pages_mark_held_checks_and_keep_them_out_of_a_bag(
    client, office, clerk, dana, supervisor
):
    # given a posted mail batch with two exceptions
    batch = posted_batch(office, clerk, dana, supervisor)
    client.force_login(supervisor)
    # then the custody page and the safe count list the held checks, marked
    custody = client.get(reverse("reconciliation:custody"), {"office": office.pk})
    text = custody.content.decode()
    assert f"held exception (batch {batch.number}, #2)" in text
    assert f"held exception (batch {batch.number}, #3)" in text
    count_page = client.get(reverse("reconciliation:safe_count"), {"office": office.pk})
    assert f"held exception (batch {batch.number}, #3)" in count_page.content.decode()
    # and the deposit page offers only the clean check, naming the held ones as not depositable
    page = client.get(reverse("reconciliation:deposit_prepare"), {"office": office.pk})
    assert [c.check_number for c in page.context["checks"]] == ["501"]
    html = page.content.decode()
    assert "not depositable until applied" in html
    assert f"held exception (batch {batch.number}, #2)" in html
