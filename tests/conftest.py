"""Fixtures shared by every test: the standard chart and a user per role, built by the services;
a parcel that owes two years of city tax (tests/billing/test_liens_on.py works out by hand what
it owes)."""

import uuid
from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from billing.demo import reference_data_seed
from billing.models import BillType, ChargeType, Customer, Property
from billing.services import Charge, bill_issue
from cashiering.demo import demo_users_seed
from cashiering.roles import Role
from cashiering.two_factor.services import totp_device_of, two_factor_required
from ledger.models import Account
from ledger.services import chart_of_accounts_seed


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database, whose sessions may TRUNCATE the append-only audit tables: Django's
    flush after each transactional test does (audit/migrations/0002_append_only.sql)."""
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            name = connection.settings_dict["NAME"]
            cursor.execute(f'ALTER DATABASE "{name}" SET audit.allow_truncate = on')
        connection.close()  # the next connection reads the database's setting


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The real hasher is slow on purpose; tests sign users in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    # The app keeps nothing in Django's cache since the lockouts moved to the database (issue
    # 13); emptied anyway, so that no test inherits what another put there.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _two_factor_verified_sign_ins(monkeypatch):
    """A Supervisor, Admin or staff user signed in by a test's client (`force_login`, `login`)
    is also two-factor verified, as if they had typed their code: their confirmed device (one
    is made if they have none) is put in the session the way django_otp.login does. 2FA stays
    enforced: a test that checks it uses `unverified_client`, whose sign-ins stop at the
    password. Browser tests type the code (tests/e2e/conftest.py `type_two_factor_code`)."""
    force_login, login = Client.force_login, Client.login

    def verified_force_login(self, user, backend=None):
        force_login(self, user, backend)
        _two_factor_verify(self)

    def verified_login(self, **credentials):
        signed_in = login(self, **credentials)
        if signed_in:
            _two_factor_verify(self)
        return signed_in

    monkeypatch.setattr(Client, "force_login", verified_force_login)
    monkeypatch.setattr(Client, "login", verified_login)


def _two_factor_verify(client: Client) -> None:
    if getattr(client, "two_factor_unverified", False):
        return
    session = client.session
    user = User.objects.get(pk=session["_auth_user_id"])
    if not two_factor_required(user, admin_site=True):
        return
    device = totp_device_of(user) or TOTPDevice.objects.create(
        user=user, name="Test authenticator", confirmed=True
    )
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


@pytest.fixture
def unverified_client(client):
    """The test client whose sign-ins are password-only: a Supervisor or Admin it signs in has
    not typed a one-time code yet."""
    client.two_factor_unverified = True
    return client


@pytest.fixture
def chart(db) -> dict[str, Account]:
    """The standard chart of accounts by code. (Transactional tests flush the migration's copy.)"""
    chart_of_accounts_seed()
    return {account.code: account for account in Account.objects.all()}


@pytest.fixture
def users(db) -> dict[str, object]:
    return demo_users_seed()


@pytest.fixture
def clerk(users):
    return users[Role.CLERK]


@pytest.fixture
def supervisor(users):
    return users[Role.SUPERVISOR]


@pytest.fixture
def admin_user(users):
    return users[Role.ADMIN]


@pytest.fixture
def trainee(users):
    return users[Role.TRAINEE]


@pytest.fixture
def reference(chart):
    """Rules, rates, fee types, violation codes and the directory of the demo city."""
    reference_data_seed()


@pytest.fixture
def dana(db):
    return Customer.objects.create(
        name="Dana Whitfield",
        address_line1="212 N Aurora St",
        city="Ithaca",
        state="NY",
        postal_code="14850",
    )


@pytest.fixture
def parcel(reference, dana) -> Property:
    parcel = Property.objects.create(parcel_number="24.-3-1", street_address="108 E Green St")
    parcel.owners.add(dana)
    return parcel


def charge(code: str, amount: str, text: str = "") -> Charge:
    return Charge(ChargeType.objects.get(code=code), Decimal(amount), text)


def tax_bill(parcel, owner, by, *, year: int, installment: int, due: date, charges, number=""):
    return bill_issue(
        number=number or f"T{year}-{installment}-{uuid.uuid4().hex[:6]}",
        bill_type=BillType.PROPERTY_TAX,
        source="test",
        customer=owner,
        description=f"{year} city tax, installment {installment} of 2",
        issue_date=date(year, 1, 1),
        due_date=due,
        charges=charges,
        by=by,
        property=parcel,
        tax_year=year,
        installment=installment,
    )


@pytest.fixture
def two_years(parcel, dana, supervisor):
    """The four installments A to D, and a water bill and a parking ticket that are no liens."""
    bills = {
        "A": tax_bill(
            parcel,
            dana,
            supervisor,
            year=2025,
            installment=1,
            due=date(2025, 1, 31),
            charges=[
                charge("city_tax", "1000.00", "2025 city tax, installment 1"),
                charge("relevied_water", "200.00", "Relevied unpaid water"),
            ],
        ),
        "B": tax_bill(
            parcel,
            dana,
            supervisor,
            year=2025,
            installment=2,
            due=date(2025, 6, 30),
            charges=[charge("city_tax", "1000.00")],
        ),
        "C": tax_bill(
            parcel,
            dana,
            supervisor,
            year=2026,
            installment=1,
            due=date(2026, 1, 31),
            charges=[charge("city_tax", "1100.00")],
        ),
        "D": tax_bill(
            parcel,
            dana,
            supervisor,
            year=2026,
            installment=2,
            due=date(2026, 6, 30),
            charges=[charge("city_tax", "1100.00")],
        ),
    }
    bill_issue(
        number="W-NOT-A-LIEN",
        bill_type=BillType.WATER_SEWER,
        source="test",
        customer=dana,
        description="Water & sewer",
        issue_date=date(2026, 4, 1),
        due_date=date(2026, 5, 1),
        charges=[charge("water", "96.42")],
        by=supervisor,
        property=parcel,
    )
    bill_issue(
        number="P-NOT-A-LIEN",
        bill_type=BillType.PARKING,
        source="test",
        customer=dana,
        description="Parking ticket",
        issue_date=date(2026, 3, 1),
        due_date=date(2026, 3, 1),
        charges=[charge("parking_fine", "30.00")],
        by=supervisor,
    )
    return bills
