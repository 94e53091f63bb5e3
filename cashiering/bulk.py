"""Helpers for the bulk paths (a bill import, a bank statement's lines, a remittance batch's
payments)."""

import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off while a bulk path builds and writes its rows.

    A 100,000-line bank statement or a 10,000-item remittance batch makes hundreds of
    thousands of short-lived objects without cycles, and each pass of the collector walked
    them all again (a third of the time of either). Plain reference counting still frees
    them; the collector is back on afterwards, as it was, even when the block raises. The
    size of what runs inside is bounded by the upload limits of the file that feeds it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class ProgressRow:
    """A long job's progress written to its row (`stage`, `rows_done`, and `rows_total` when
    given) through a database connection of its own, so that a page polling the row, on any
    app server, sees it while the job's own transaction is still open. Writes at most every
    quarter second unless forced (the last report). `close()` the connection when done, before
    the job's own transaction touches the row again. Used by the bill, bank-statement and
    remittance-file imports."""

    INTERVAL = 0.25  # seconds between writes

    def __init__(self, model: type[Model], pk: int) -> None:
        self.table, self.pk = model._meta.db_table, pk
        self.connection: BaseDatabaseWrapper | None = None
        self.last = 0.0

    def write(
        self, *, stage: str, done: int, total: int | None = None, force: bool = False
    ) -> None:
        """Write the stage and rows done (and rows total), unless a write was made less than
        INTERVAL ago and this one is not `force`d."""
        now = time.monotonic()
        if now - self.last < self.INTERVAL and not force:
            return
        self.last = now
        if self.connection is None:
            self.connection = connections.create_connection(DEFAULT_DB_ALIAS)
        sets = "stage = %s, rows_done = %s"
        values: list[str | int] = [stage, done]
        if total is not None:
            sets += ", rows_total = %s"
            values.append(total)
        with self.connection.cursor() as cursor:
            cursor.execute(f"UPDATE {self.table} SET {sets} WHERE id = %s", [*values, self.pk])  # noqa: S608

    def close(self) -> None:
        """Close the second connection, if one was opened."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None
