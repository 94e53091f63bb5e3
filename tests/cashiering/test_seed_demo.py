"""manage.py seed_demo: the demo office, created once however often it runs."""

from io import StringIO

from django.contrib.auth.models import User
from django.core.management import call_command
from django.db.models import Sum

from billing.models import Bill, BillType, Property, WaterAccount
from billing.services import RECEIVABLE_ACCOUNT_CODES
from cashiering.demo import CHANGE_FUND, OPENING_BANK_BALANCE
from ledger.models import AccountingPeriod, Book, JournalEntry, Source
from ledger.selectors import ledger_violations, trial_balance


def test_seed_demo_twice_creates_everything_once(db):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=out)
    assert "clerk-demo-2026" in out.getvalue()
    assert (
        User.objects.filter(username__in=["trainee", "clerk", "supervisor", "admin"]).count() == 4
    )
    assert JournalEntry.objects.filter(source=Source.OPENING_BALANCE).count() == 1
    assert AccountingPeriod.objects.count() == 24
    assert AccountingPeriod.objects.filter(state="closed").count() == 12
    balances = {row.account.code: row.balance for row in trial_balance(book=Book.LIVE).rows}
    assert balances["1030"] == CHANGE_FUND
    assert balances["1100"] == OPENING_BANK_BALANCE
    assert balances["3000"] == -(CHANGE_FUND + OPENING_BANK_BALANCE)
    # the demo city: every bill on its receivable account, nothing paid yet
    assert Property.objects.count() == 2000
    assert WaterAccount.objects.count() == 3000
    assert Bill.objects.filter(bill_type=BillType.PARKING).count() == 5000
    for bill_type, code in RECEIVABLE_ACCOUNT_CODES.items():
        owed = Bill.objects.filter(bill_type=bill_type).aggregate(total=Sum("balance"))["total"]
        assert balances.get(code) == owed
    assert ledger_violations() == []


def test_only_the_admin_demo_user_is_staff(db):
    call_command("seed_demo", stdout=StringIO())
    assert list(User.objects.filter(is_staff=True).values_list("username", flat=True)) == ["admin"]
    assert not User.objects.filter(is_superuser=True).exists()
