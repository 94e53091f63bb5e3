"""A fault the outside review found in the remittance posting internals
(payments.services.remittance._bills_found): a bill number typed as printed is found whatever
its case."""

import uuid
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from billing.models import BillType, ChargeType, Customer
from billing.services import Charge, bill_issue
from payments.models import RemittanceItem
from payments.services.remittance import remittance_batch_open, remittance_item_add

D = Decimal


def test_a_bill_number_with_lower_case_letters_typed_as_printed_is_found(office, clerk, supervisor):
    # given a bill whose number has lower-case letters, as bill_issue stores it
    bill = bill_issue(
        number="Misc-2026-7a",
        bill_type=BillType.INVOICE,
        source="test",
        customer=Customer.objects.create(name="Lee Park", city="Ithaca"),
        description="Dumpster permit",
        issue_date=date(2026, 1, 1),
        due_date=timezone.localdate() + timedelta(days=30),
        charges=[Charge(ChargeType.objects.get(code="misc"), D("40.00"))],
        by=supervisor,
    )
    batch = remittance_batch_open(
        office=office,
        kind="mail",
        control_total=D("40.00"),
        control_count=1,
        by=clerk,
        token=uuid.uuid4(),
    )

    # when its check is keyed with the number as printed on the stub
    item = remittance_item_add(
        batch=batch,
        scanline="Misc-2026-7a",
        amount=D("40.00"),
        check_number="12",
        postmark=None,
        by=clerk,
        token=uuid.uuid4(),
    )

    # then the bill is found and the check is clean
    assert item.bill_id == bill.pk
    assert item.state == RemittanceItem.State.CLEAN
