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
from collections.abc import Callable
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections

from ledger.models import Account, ReferenceVersion

# The database's oid too: a database dropped and made again under its name (a benchmark's
# scratch copy) starts its sequence afresh, so a number alone could come back in one process.
_VERSION_SQL = (
    "SELECT (SELECT oid FROM pg_database WHERE datname = current_database()),"  # noqa: S608
    f" (SELECT version FROM {ReferenceVersion._meta.db_table} WHERE id = 1)"
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
    connection = connections[using]
    with connection.cursor() as cursor:
        cursor.execute(_VERSION_SQL)
        database, version = cursor.fetchone()
    if version is None:
        return Reference(_Store(None))
    with _lock:
        store = _stores.get(database)
        if store is None or store.version != version:
            store = _stores[database] = _Store(version)
    return Reference(store)


@reference_loader("ledger.accounts")
def _accounts_load() -> MappingProxyType[str, Account]:
    return MappingProxyType({account.code: account for account in Account.objects.all()})


def reference_accounts(reference: Reference, *codes: str) -> dict[str, Account]:
    """The accounts with these codes (those that exist), by code, as fresh copies the caller
    may keep or change."""
    accounts = reference["ledger.accounts"]
    return {code: copy.copy(accounts[code]) for code in codes if code in accounts}
