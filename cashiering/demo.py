"""Demo data for `manage.py seed_demo`: one user per role, accounting periods, opening balances.

Everything goes through the services, so the demo books are books production could have."""

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils import timezone

from billing.demo import city_seed, demo_plans_seed, reference_data_seed
from billing.demo_large import large_city_seed
from cashiering.roles import Role
from cashiering.two_factor.services import ROLES_WITH_TWO_FACTOR, totp_demo_device_seed
from ledger.models import Account, AccountingPeriod, Book, JournalEntry, PeriodState, Source
from ledger.services import Line, chart_of_accounts_seed, period_close, post
from payments.models import Office
from payments.services import counter_setup_seed
from payments.services.remittance import remittance_sources_seed


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    role: str
    full_name: str


DEMO_LOGINS = (
    DemoLogin("trainee", "trainee-demo-2026", Role.TRAINEE, "Terry Trainee"),
    DemoLogin("clerk", "clerk-demo-2026", Role.CLERK, "Casey Clerk"),
    DemoLogin("supervisor", "supervisor-demo-2026", Role.SUPERVISOR, "Sam Supervisor"),
    DemoLogin("admin", "admin-demo-2026", Role.ADMIN, "Alex Admin"),
)
# A second Supervisor, so the demo can show dual control (issue 8 §10): a void, refund or
# override is approved by a Supervisor who is not the one asking.
SECOND_SUPERVISOR = DemoLogin(
    "supervisor2", "supervisor2-demo-2026", Role.SUPERVISOR, "Pat Supervisor"
)

CHANGE_FUND = Decimal("2000.00")
OPENING_BANK_BALANCE = Decimal("1284516.42")


def demo_users_seed() -> dict[str, User]:
    """One user per role, with the passwords printed by `make run`. The Supervisors and the Admin
    get a confirmed authenticator device with the documented demo secret, so that
    `manage.py demo_otp_code USERNAME` prints their code (docs/security/two-factor.md)."""
    users: dict[str, User] = {}
    with transaction.atomic():
        for login in (*DEMO_LOGINS, SECOND_SUPERVISOR):
            first, last = login.full_name.split(" ", 1)
            user, _ = User.objects.get_or_create(username=login.username)
            user.first_name, user.last_name = first, last
            user.is_staff = login.role == Role.ADMIN
            user.set_password(login.password)
            user.save()
            user.groups.set([Group.objects.get(name=login.role)])
            if login.role in ROLES_WITH_TWO_FACTOR:
                totp_demo_device_seed(user=user)
            users.setdefault(login.role, user)  # the first of a role is the role's demo user
    return users


def demo_periods_seed(*, year: int, by: User) -> None:
    """Monthly periods for last year (closed) and this year (open)."""
    for y in (year - 1, year):
        for month in range(1, 13):
            last_day = calendar.monthrange(y, month)[1]
            period, _ = AccountingPeriod.objects.get_or_create(
                name=f"{y}-{month:02d}",
                defaults={"start_date": date(y, month, 1), "end_date": date(y, month, last_day)},
            )
            if y < year and period.state == PeriodState.OPEN:
                period_close(period=period, by=by)


def demo_opening_balances_post(*, year: int, by: User, office: Office) -> JournalEntry | None:
    """The office's change fund (in its safe: the line names the office) and the bank balance
    as of January 1, posted once."""
    if JournalEntry.objects.filter(source=Source.OPENING_BALANCE, book=Book.LIVE).exists():
        return None
    accounts = {a.code: a for a in Account.objects.filter(code__in=["1030", "1100", "3000"])}
    return post(
        entry_date=date(year, 1, 1),
        memo=f"Opening balances for {year}: change fund and operating bank account",
        source=Source.OPENING_BALANCE,
        by=by,
        lines=[
            Line(
                account=accounts["1030"],
                amount=CHANGE_FUND,
                memo="Change fund in the safe",
                office_id=office.pk,
            ),
            Line(account=accounts["1100"], amount=OPENING_BANK_BALANCE, memo="Bank balance"),
            Line(account=accounts["3000"], amount=-(CHANGE_FUND + OPENING_BANK_BALANCE)),
        ],
    )


def seed_demo(*, large: bool = False, progress=print) -> list[DemoLogin]:
    """Everything the demo needs; safe to run again (it adds only what is missing)."""
    chart_of_accounts_seed()
    users = demo_users_seed()
    year = timezone.localdate().year
    demo_periods_seed(year=year, by=users[Role.ADMIN])
    reference_data_seed()
    office = counter_setup_seed(
        office_code=settings.OFFICE_CODE,
        office_name=settings.OFFICE_NAME,
        address=settings.OFFICE_ADDRESS,
        phone=settings.OFFICE_PHONE,
        windows=4,
    )
    demo_opening_balances_post(year=year, by=users[Role.SUPERVISOR], office=office)
    # The bank's lockbox and the online vendor whose files the remittance page imports.
    remittance_sources_seed(office=office)
    city_seed(by=users[Role.SUPERVISOR], today=timezone.localdate())
    demo_plans_seed(by=users[Role.SUPERVISOR], today=timezone.localdate())
    if large:
        large_city_seed(by=users[Role.SUPERVISOR], today=timezone.localdate(), progress=progress)
    return [*DEMO_LOGINS, SECOND_SUPERVISOR]
