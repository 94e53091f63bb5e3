"""How the apps ask for their history to be kept: one decorator, the same trackers everywhere."""

from collections.abc import Callable, Sequence
from typing import TypeVar

import pghistory

M = TypeVar("M")


def tracked(
    *, exclude: Sequence[str] = (), model_name: str | None = None, app_label: str | None = None
) -> Callable[[M], M]:
    """Keep every insert, update and delete of the decorated model as an event row, written by
    PostgreSQL triggers (so a change made in the admin, a command or raw SQL is kept too), with
    the request context the HistoryMiddleware set. An update that changes only `exclude`d
    columns writes nothing (pghistory's AnyChange condition covers the tracked columns only):
    a bill's balances, moved by every payment, are history in the ledger already."""
    return pghistory.track(  # type: ignore[return-value]
        pghistory.InsertEvent(),
        pghistory.UpdateEvent(),
        pghistory.DeleteEvent(),
        exclude=list(exclude) or None,
        model_name=model_name,
        app_label=app_label,
    )
