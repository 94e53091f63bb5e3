"""seed_demo --scale large, at a small size: COPY-written city, posted through post()."""

from datetime import date

import pytest
from django.db.models import Sum

from billing.demo_large import large_city_seed
from billing.models import Bill, BillType, WaterAccount
from billing.services import RECEIVABLE_ACCOUNT_CODES
from ledger.models import Book
from ledger.selectors import ledger_violations, trial_balance


@pytest.mark.django_db(transaction=True)
def test_large_city_at_small_size(reference, supervisor):
    messages: list[str] = []
    assert large_city_seed(
        by=supervisor, today=date(2026, 11, 26), accounts=200, bills=1000, progress=messages.append
    )
    assert Bill.objects.filter(source="demo-large").count() == 1000
    assert WaterAccount.objects.count() == 200
    balances = {row.account.code: row.balance for row in trial_balance(book=Book.LIVE).rows}
    for bill_type, code in RECEIVABLE_ACCOUNT_CODES.items():
        owed = Bill.objects.filter(bill_type=bill_type).aggregate(total=Sum("balance"))["total"]
        assert balances.get(code) == owed, bill_type
    assert Bill.objects.filter(bill_type=BillType.PARKING).count() == 1000 - 200 - 200
    assert ledger_violations() == []
    assert "checking at commit" in messages
    # once only
    assert not large_city_seed(by=supervisor, today=date(2026, 11, 26), accounts=200, bills=1000)
