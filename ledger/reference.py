"""Reference data cached per process and revalidated, in the caller's transaction, by the one
version number PostgreSQL moves on any change to a reference table (ledger.ReferenceVersion).

The posting reads the same small tables on every call: the chart of accounts, the payment
policies, the penalty rules, the office calendar, the fee prices. Each app registers a loader
for what it reads (`reference_loader`); `reference_data()` reads the version with one tiny
query and returns a `Reference` whose values are those loaded under that version, loading a
kind the first time it is asked for under a new version. Nothing is ever stale:

- A change to a reference table sets the version to a fresh number (a sequence: never reused,
  even after a rollback) in the changing transaction, by a statement trigger
  (reference_version_bump, ledger migration 0031; billing 0057, payments 0030).
- Under READ COMMITTED each statement sees what was committed when it starts. The version is
  read first and the data after it, so what is loaded is at least as new as the version it is
  kept under: if a change commits between the two reads, the data is newer than its label and
  the next call sees the number move and loads again. The other order could keep old data
  under a new number for good.
- A transaction that changed a reference table itself sees its own new number and loads its
  own rows; no other transaction ever sees that number unless it commits.

Values are shared between threads and calls: loaders return immutable values (tuples, frozen
dataclasses, frozensets, mappings nobody writes to). Model instances are handed out as fresh
copies by the accessors that need them (`reference_accounts`)."""

import copy
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from ledger.models import Account

# The database's oid too: a database dropped and made again under its name (a benchmark's
# scratch copy) starts its sequence afresh, so a number alone could come back in one process.
_VERSION_COLUMNS = (
    "(SELECT oid FROM pg_database WHERE datname = current_database()),"
    " (SELECT version FROM ledger_referenceversion WHERE id = 1)"
)

_LOADERS: dict[str, Callable[[], Any]] = {}


def reference_loader(kind: str) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Register the function that loads one kind of reference data (called without arguments,
    in the caller's transaction; returns an immutable value). Its tables must carry the
    reference_version_bump trigger."""

    def register(load: Callable[[], Any]) -> Callable[[], Any]:
        _LOADERS[kind] = load
        return load

    return register


@dataclass
class _Store:
    version: int | None
    values: dict[str, Any] = field(default_factory=dict)


# One store per database (a test run or a benchmark may use several in one process).
_stores: dict[int, _Store] = {}
_lock = threading.Lock()


class Reference:
    """The reference data of one version: `reference["ledger.accounts"]` is the value of that
    kind's loader, loaded at most once per version per process."""

    def __init__(self, store: _Store):
        self._store = store

    @property
    def version(self) -> int | None:
        return self._store.version

    def __getitem__(self, kind: str) -> Any:
        values = self._store.values
        if kind not in values:
            # Two threads may both load it; either value is right for this version.
            values.setdefault(kind, _LOADERS[kind]())
        return values[kind]


def reference_data(using: str = DEFAULT_DB_ALIAS) -> Reference:
    """The reference data as of now, in the caller's transaction: one query for the version,
    none more while it has not moved (see the module's docstring for why it is never stale).
    Without a version row (a test database just flushed) nothing is kept: every Reference
    loads afresh."""
    return reference_data_beside("", [], using=using)[1]


def reference_data_beside(
    select: str, params: Sequence[Any], *, using: str = DEFAULT_DB_ALIAS
) -> tuple[tuple[Any, ...], Reference]:
    """reference_data(), with the version read in the same statement as the caller's own
    one-row SELECT list `select` (with `params`): a hot path saves a round trip. Returns the
    caller's values and the Reference."""
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {select + ', ' if select else ''}{_VERSION_COLUMNS}", params)
        *values, database, version = cursor.fetchone()
    if version is None:
        return tuple(values), Reference(_Store(None))
    with _lock:
        store = _stores.get(database)
        if store is None or store.version != version:
            store = _stores[database] = _Store(version)
    return tuple(values), Reference(store)


@reference_loader("ledger.accounts")
def _accounts_load() -> MappingProxyType[str, Account]:
    return MappingProxyType({account.code: account for account in Account.objects.all()})


def reference_accounts(reference: Reference, *codes: str) -> dict[str, Account]:
    """The accounts with these codes (those that exist), by code, as fresh copies the caller
    may keep or change."""
    accounts = reference["ledger.accounts"]
    return {code: copy.copy(accounts[code]) for code in codes if code in accounts}


@reference_loader("ledger.accounts_by_id")
def _accounts_by_id_load() -> MappingProxyType[int, Account]:
    return MappingProxyType({account.pk: account for account in Account.objects.all()})


def reference_account(reference: Reference, account_id: int) -> Account:
    """The account with this id, as a fresh copy the caller may keep or change."""
    account = reference["ledger.accounts_by_id"].get(account_id)
    if account is None:  # not in the chart this version was loaded from: read it
        return Account.objects.get(pk=account_id)
    return copy.copy(account)
