"""Fixtures shared by every test: the standard chart and a user per role, built by the services."""

import pytest
from django.core.cache import cache

from billing.demo import reference_data_seed
from billing.models import Customer
from cashiering.demo import demo_users_seed
from cashiering.roles import Role
from ledger.models import Account
from ledger.services import chart_of_accounts_seed


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The real hasher is slow on purpose; tests sign users in hundreds of times.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _empty_cache():
    # The cache holds per-user counters (wrong Supervisor sign-ins); no test inherits another's.
    cache.clear()
    yield
    cache.clear()


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
