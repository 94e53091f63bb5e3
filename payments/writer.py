"""The set-based writer of payments: N planned payments (their items, tenders, bill updates and
penalty events) and the ledger entry that carries them, written with a handful of statements
whatever N is. Used by remittance batches (N in the thousands) and made to fit one counter
visit (N = 1) too. Every database invariant (balanced entry, bill balances equal to their
receivable lines, receipts frozen, gapless numbering) still holds at commit."""

import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from django.contrib.auth.models import User
from django.db import connection
from django.db.models import (
    NOT_PROVIDED,
    BooleanField,
    CharField,
    JSONField,
    Model,
    TextField,
)
from django.db.models.base import ModelState
from django.db.models.expressions import DatabaseDefault

from billing.models import Bill, PenaltyAssessment
from ledger.models import Book, JournalEntry
from ledger.services import Line, post
from payments.models import Payment, PaymentItem, Tender

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


@dataclass
class PlannedPayment:
    """One receipt to write: the unsaved Payment (receipt number, totals, drawer, token all set;
    its `entry` is filled in by the writer), its unsaved PaymentItem rows (each with `bill_update`
    and the penalty rules it assesses, as `payments.services._Planned` carries them) and its
    unsaved Tender rows. Amounts are Decimal dollars."""

    payment: Payment
    items: list[PaymentItem]
    tenders: list[Tender]
    bill_updates: list[tuple[int, dict]] = field(default_factory=list)  # (bill id, new values)
    penalty_rules: list[tuple[int, frozenset[int]]] = field(default_factory=list)


def _escaped(text: str) -> str:
    """A text value in COPY's text format (backslash, tab and line ends escaped)."""
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        return text.translate(_ESCAPES)
    return text


def _converter(f) -> Callable[[object], str]:
    """How one field's Python values are written in COPY's text format: chosen once per
    field, not per value (a field's get_db_prep_save per value is most of a large COPY)."""
    if isinstance(f, JSONField):
        return lambda value: _escaped(json.dumps(value))
    if isinstance(f, BooleanField):
        return lambda value: "t" if value else "f"
    if isinstance(f, CharField | TextField):
        return lambda value: _escaped(str(value))
    return str  # numbers, decimals, dates, UUIDs, ids: their str() is what COPY reads


def _columns(model: type[Model], rows: Sequence[Model]) -> list:
    """The model's concrete fields except those the database fills (a db_default left unset)."""
    return [
        f
        for f in model._meta.concrete_fields
        if f.db_default is NOT_PROVIDED
        or not isinstance(getattr(rows[0], f.attname), DatabaseDefault | type(None))
    ]


def ids_reserved(model: type[Model], count: int) -> list[int]:
    """`count` primary keys from the table's own sequence, so rows can be COPYed with their ids
    and referenced by the next table's rows without a round trip per row."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, count],
        )
        return [row[0] for row in cursor.fetchall()]


_DEFAULTS: dict[type[Model], list[tuple[str, Callable[[], object]]]] = {}


def model_new[M: Model](model: type[M], **values: object) -> M:
    """An unsaved instance of `model` for copy_rows, built from attnames (`bill_id`, not
    `bill`) without Model.__init__'s per-field descriptor work: a tenth of the cost for
    thousands of rows. Fields not given take their defaults, as __init__ would."""
    defaults = _DEFAULTS.get(model)
    if defaults is None:
        defaults = _DEFAULTS[model] = [
            (f.attname, f.get_default) for f in model._meta.concrete_fields
        ]
    obj = model.__new__(model)
    attrs = obj.__dict__
    for name, default in defaults:
        attrs[name] = values.pop(name) if name in values else default()
    if values:
        raise TypeError(f"{model.__name__} has no field {', '.join(values)}")
    obj._state = ModelState()
    return obj


def copy_rows(model: type[Model], rows: Sequence[Model]) -> None:
    """Write `rows` (unsaved instances with their primary keys set) with one COPY, each value as
    its str() (text escaped); columns left to the database (db_default) must be unset on every
    row or on none."""
    if not rows:
        return
    fields = _columns(model, rows)
    pairs = [(f.attname, _converter(f)) for f in fields]
    buffer = io.StringIO()
    write = buffer.write
    for row in rows:
        values = row.__dict__
        write(
            "\t".join(
                "\\N" if (value := values.get(name)) is None else convert(value)
                for name, convert in pairs
            )
        )
        write("\n")
    buffer.seek(0)
    columns = ", ".join(f.column for f in fields)
    with connection.cursor() as cursor:
        cursor.copy_expert(  # type: ignore[attr-defined]
            f"COPY {model._meta.db_table} ({columns}) FROM STDIN", buffer
        )


_BILL_COLUMNS = (
    "principal_balance",
    "penalty_balance",
    "interest_balance",
    "balance",
    "interest_months_assessed",
)


def bills_update(updates: Sequence[tuple[int, dict]]) -> None:
    """Set the balances of many bills with one `UPDATE ... FROM unnest(...)`. Each update is
    (bill id, {column: new value}) with every column of _BILL_COLUMNS."""
    if not updates:
        return
    arrays: list[list] = [[bill_id for bill_id, _ in updates]]
    for column in _BILL_COLUMNS:
        arrays.append([values[column] for _, values in updates])
    sets = ", ".join(f"{c} = v.{c}" for c in _BILL_COLUMNS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Bill._meta.db_table} b SET {sets} "  # noqa: S608
            "FROM unnest(%s::bigint[], %s::numeric[], %s::numeric[], %s::numeric[], "
            f"%s::numeric[], %s::int[]) AS v(id, {', '.join(_BILL_COLUMNS)}) WHERE b.id = v.id",
            arrays,
        )


def penalty_assessments_bulk(events: Sequence[tuple[int, frozenset[int]]], entry_id: int) -> None:
    """Record the penalty events an entry assessed, for many bills at once (the bulk form of
    billing.services.penalty_assessment_record). The unique (bill, rule) constraint refuses an
    event charged twice: the caller's transaction then rolls back."""
    rows = [(bill_id, rule_id) for bill_id, rules in events for rule_id in sorted(rules)]
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {PenaltyAssessment._meta.db_table} (bill_id, rule_id, entry_id) "  # noqa: S608
            "SELECT b, r, %s FROM unnest(%s::bigint[], %s::bigint[]) AS v(b, r)",
            [entry_id, [b for b, _ in rows], [r for _, r in rows]],
        )


def payments_write(
    *,
    planned: Sequence[PlannedPayment],
    lines: Sequence[Line],
    entry_date: date,
    memo: str,
    source: str,
    by: User,
    book: str = Book.LIVE,
    before_items: Callable[[JournalEntry], None] | None = None,
) -> JournalEntry:
    """Write `planned` payments and their one ledger entry (`lines`, balanced; COPY when long)
    in the caller's transaction: one post(), then the payments, items and tenders by COPY with
    ids taken from their sequences, the bills by one UPDATE, the penalty events by one INSERT.
    Bills and penalties are not touched in the training book. `before_items(entry)` runs after
    the bills are updated and before the items are written (a lien certificate the item names).

    The caller holds the locks (bills, receipt series) and has numbered the receipts. Raises
    what post() raises (LedgerError), and DatabaseError for a refused row."""
    entry = post(entry_date=entry_date, memo=memo, source=source, by=by, lines=lines, book=book)
    payments = [p.payment for p in planned]
    for payment, pk in zip(payments, ids_reserved(Payment, len(payments)), strict=True):
        payment.pk = pk
        payment.entry = entry
    copy_rows(Payment, payments)
    if book == Book.LIVE:
        bills_update([u for p in planned for u in p.bill_updates])
        penalty_assessments_bulk([e for p in planned for e in p.penalty_rules], entry.pk)
    if before_items is not None:
        before_items(entry)
    items = [_linked(item, p.payment) for p in planned for item in p.items]
    tenders = [_linked(tender, p.payment) for p in planned for tender in p.tenders]
    for rows, model in ((items, PaymentItem), (tenders, Tender)):
        if rows:
            for row, pk in zip(rows, ids_reserved(model, len(rows)), strict=True):
                row.pk = pk
            copy_rows(model, rows)
    return entry


def _linked[T: PaymentItem | Tender](row: T, payment: Payment) -> T:
    row.payment = payment
    return row
