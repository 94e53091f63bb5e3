"""factory_boy factories. Ledger entries are never built here: tests post them through `post`."""

from datetime import date
from decimal import Decimal

import factory
from django.contrib.auth.models import User

from ledger.models import Account, AccountingPeriod, AccountType, Source
from ledger.services import Line, post


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Pat"
    last_name = factory.Sequence(lambda n: f"Tester{n}")
    password = factory.django.Password("correct-horse-battery")


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    code = factory.Sequence(lambda n: f"9{n:04d}")
    name = factory.Sequence(lambda n: f"Test account {n}")
    type = AccountType.ASSET
    fund = "General"


class AccountingPeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AccountingPeriod

    name = factory.LazyAttribute(lambda o: f"{o.start_date:%Y-%m}")
    start_date = date(2026, 1, 1)
    end_date = date(2026, 1, 31)


def post_two_line_entry(
    *, by, debit: Account, credit: Account, amount: str, entry_date: date, memo: str, **options
):
    """Post the simplest balanced entry through the service: one debit, one credit."""
    value = Decimal(amount)
    return post(
        entry_date=entry_date,
        memo=memo,
        source=Source.ADJUSTMENT,
        by=by,
        lines=[Line(account=debit, amount=value), Line(account=credit, amount=-value)],
        **options,
    )


def fund_change_fund(office, amount: str = "20000.00"):
    """Put cash drawn from the bank into `office`'s change fund, through the service, so that
    drawers can open with a float (issue 9: the change fund never goes below zero)."""
    from django.contrib.auth.models import Group

    from cashiering.roles import Role
    from reconciliation.services import change_fund_adjust

    admin = UserFactory(username="change-fund-admin")
    admin.groups.add(Group.objects.get(name=Role.ADMIN))
    witness = UserFactory(username="change-fund-witness")
    witness.groups.add(Group.objects.get(name=Role.SUPERVISOR))
    admin = User.objects.get(pk=admin.pk)  # fresh permission cache
    return change_fund_adjust(office=office, amount=Decimal(amount), by=admin, received_by=witness)
