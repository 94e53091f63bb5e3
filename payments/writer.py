"""The set-based writer of payments: N planned payments (their items, tenders, bill updates and
penalty events) and the ledger entry that carries them, written with a handful of statements
whatever N is: the one writer of payments, for a counter visit (N = 1: payment_record) and for
remittance batches (N in the thousands). Every database invariant (balanced entry, bill
balances equal to their receivable lines, receipts frozen, gapless numbering) still holds at
commit."""

import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from operator import itemgetter
from typing import Any

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

from billing.errors import BillingError
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


_BOOLEANS: dict[object, str] = {True: "t", False: "f"}


def _column_text(f, values: Sequence[object]) -> list[str]:
    """One column's values in COPY's text format, converted a column at a time (a per-value
    Python call was most of a large COPY): NULL as \\N, text escaped (only when some value
    needs it), booleans as t/f, JSON as its text, the rest as their str()."""
    if None in values:
        convert = _converter(f)
        return ["\\N" if value is None else convert(value) for value in values]
    if isinstance(f, BooleanField):
        return list(map(_BOOLEANS.__getitem__, values))
    if isinstance(f, JSONField):
        return [_escaped(json.dumps(value)) for value in values]
    texts = list(map(str, values))
    if isinstance(f, CharField | TextField):
        joined = "".join(texts)
        if "\\" in joined or "\t" in joined or "\n" in joined or "\r" in joined:
            return [text.translate(_ESCAPES) for text in texts]
    return texts


def _converter(f) -> Callable[[object], str]:
    """How one field's Python values are written in COPY's text format, one value at a time."""
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


@dataclass(frozen=True, slots=True)
class _Defaults:
    """A model's field defaults as model_new fills them: the constant ones (None, "", a fixed
    value, the database's default marker) taken once, the callable ones (uuid4, list) called
    per instance."""

    constants: dict[str, object]
    callables: tuple[tuple[str, Callable[[], object]], ...]
    names: frozenset[str]


_DEFAULTS: dict[type[Model], _Defaults] = {}


def _defaults(model: type[Model]) -> _Defaults:
    found = _DEFAULTS.get(model)
    if found is None:
        fields = model._meta.concrete_fields
        made = [f for f in fields if f.has_default() and callable(f.default)]
        found = _DEFAULTS[model] = _Defaults(
            constants={f.attname: f.get_default() for f in fields if f not in made},
            callables=tuple((f.attname, f.default) for f in made),
            names=frozenset(f.attname for f in fields),
        )
    return found


def model_new[M: Model](model: type[M], **values: object) -> M:
    """An unsaved instance of `model` for copy_rows, built from attnames (`bill_id`, not
    `bill`) without Model.__init__'s per-field descriptor work: a tenth of the cost for
    thousands of rows. Fields not given take their defaults, as __init__ would. Raises
    TypeError for a name that is not one of the model's fields' attnames."""
    defaults = _defaults(model)
    if not defaults.names.issuperset(values):
        raise TypeError(f"{model.__name__} has no field {', '.join(set(values) - defaults.names)}")
    obj = model.__new__(model)
    attrs = obj.__dict__
    attrs.update(defaults.constants)
    for name, make in defaults.callables:
        if name not in values:
            attrs[name] = make()
    attrs.update(values)
    obj._state = ModelState()
    return obj


def copy_rows(model: type[Model], rows: Sequence[Model], *, with_ids: bool = True) -> None:
    """Write `rows` (unsaved instances with their primary keys set, unless not `with_ids`: the
    table's sequence numbers them) with one COPY, each value as its str() (text escaped);
    columns left to the database (db_default) must be unset on every row or on none."""
    if not rows:
        return
    fields = [f for f in _columns(model, rows) if with_ids or not f.primary_key]
    values = map(itemgetter(*[f.attname for f in fields]), [row.__dict__ for row in rows])
    columns_of_values = list(zip(*values, strict=True)) if len(fields) > 1 else [list(values)]
    texts = [_column_text(f, column) for f, column in zip(fields, columns_of_values, strict=True)]
    buffer = io.StringIO("\n".join(map("\t".join, zip(*texts, strict=True))) + "\n")
    columns = ", ".join(f.column for f in fields)
    with connection.cursor() as cursor:
        cursor.copy_expert(  # type: ignore[attr-defined]
            f"COPY {model._meta.db_table} ({columns}) FROM STDIN", buffer
        )


# Up to this many rows a table's rows go in one INSERT ... RETURNING id (a counter visit: no
# sequence round trip, no COPY protocol); more go by COPY with ids reserved first (a batch).
INSERT_AT_MOST = 50


def _inserted(value: object, convert: Callable[[object], str]) -> object:
    """A value for a parameter of INSERT: text as it is (psycopg2 quotes it), JSON as its text,
    the rest as COPY would write it; PostgreSQL reads each into its column's type."""
    if value is None or isinstance(value, str):
        return value
    return convert(value)


def _plain(f) -> Callable[[object], str]:
    """How one field's values go into INSERT's parameters (no COPY escaping)."""
    if isinstance(f, JSONField):
        return json.dumps
    if isinstance(f, BooleanField):
        return lambda value: "t" if value else "f"
    return str


def insert_rows(model: type[Model], rows: Sequence[Model]) -> None:
    """Write a few unsaved `rows` with one INSERT ... RETURNING and give each its primary key
    and the values the database filled (db_default: a payment's posted_at); columns left to
    the database must be unset on every row or on none."""
    if not rows:
        return
    written = _columns(model, rows)
    fields = [f for f in written if not f.primary_key]
    filled = [model._meta.pk] + [f for f in model._meta.concrete_fields if f not in written]
    pairs = [(f.attname, _plain(f)) for f in fields]
    one = "(" + ", ".join(["%s"] * len(pairs)) + ")"
    params: list[Any] = []
    for row in rows:
        values = row.__dict__
        params += [_inserted(values.get(name), convert) for name, convert in pairs]
    columns = ", ".join(f.column for f in fields)
    returning = ", ".join(str(f.column) for f in filled)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {model._meta.db_table} ({columns}) VALUES "  # noqa: S608
            + ", ".join([one] * len(rows))
            + f" RETURNING {returning}",
            params,
        )
        returned = cursor.fetchall()
    names = [f.attname for f in filled]  # ids and timestamps: psycopg2 gives them as Django does
    for row, values in zip(rows, returned, strict=True):
        for name, value in zip(names, values, strict=True):
            setattr(row, name, value)
    _saved(rows)


def _saved(rows: Sequence[Model]) -> None:
    """Mark written rows as the ORM marks a row it saved: in the table, on this connection (a
    returned receipt is validated, saved and related from as any fetched row)."""
    for row in rows:
        row._state.adding = False
        row._state.db = connection.alias


def rows_write(model: type[Model], rows: Sequence[Model], *, ids: bool = True) -> None:
    """Write unsaved `rows`: a few by insert_rows (each given its primary key), many by COPY
    with ids reserved from the table's sequence first, or (`ids` False: nothing refers to the
    rows) left to the column's default."""
    if len(rows) <= INSERT_AT_MOST:
        insert_rows(model, rows)
        return
    if not ids:
        copy_rows(model, rows, with_ids=False)
        return
    name = model._meta.pk.attname
    for row, pk in zip(rows, ids_reserved(model, len(rows)), strict=True):
        row.__dict__[name] = pk
    copy_rows(model, rows)
    _saved(rows)


_BILL_COLUMNS = (
    "principal_balance",
    "penalty_balance",
    "interest_balance",
    "balance",
    "interest_months_assessed",
)


def _array_text(values: Sequence[object]) -> str:
    """A PostgreSQL array literal of numbers ('{1,2.50,3}'); the statement casts it."""
    return "{" + ",".join(map(str, values)) + "}"


def bills_update(updates: Sequence[tuple[int, dict]]) -> None:
    """Set the balances of many bills with one `UPDATE ... FROM unnest(...)`. Each update is
    (bill id, {column: new value}) with every column of _BILL_COLUMNS."""
    if not updates:
        return
    # Each array as one text literal ('{1,2,3}'), joined here: psycopg2 adapting 60,000 values
    # one by one was most of the statement's time.
    arrays = [_array_text([bill_id for bill_id, _ in updates])]
    for column in _BILL_COLUMNS:
        arrays.append(_array_text([values[column] for _, values in updates]))
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
    billing.services.penalty_assessment_record). An event charged twice (the unique (bill,
    rule) constraint) is refused with BillingError naming its bills, as the single form does:
    the caller's transaction then rolls back."""
    rows = [(bill_id, rule_id) for bill_id, rules in events for rule_id in sorted(rules)]
    if not rows:
        return
    with connection.cursor() as cursor:
        # ON CONFLICT leaves the transaction usable, so the refusal can name the bills.
        cursor.execute(
            f"INSERT INTO {PenaltyAssessment._meta.db_table} (bill_id, rule_id, entry_id) "  # noqa: S608
            "SELECT b, r, %s FROM unnest(%s::bigint[], %s::bigint[]) AS v(b, r) "
            "ON CONFLICT (bill_id, rule_id) DO NOTHING RETURNING bill_id, rule_id",
            [entry_id, [b for b, _ in rows], [r for _, r in rows]],
        )
        recorded = set(cursor.fetchall())
    seen: set[tuple[int, int]] = set()
    twice: set[int] = set()
    for row in rows:  # already on the books, or twice in this write
        if row not in recorded or row in seen:
            twice.add(row[0])
        seen.add(row)
    if twice:
        numbers = list(
            Bill.objects.filter(pk__in=twice).order_by("pk").values_list("number", flat=True)
        )
        more = f" and {len(numbers) - 5} more" if len(numbers) > 5 else ""
        bills = (
            f"bill {numbers[0]}" if len(numbers) == 1 else f"bills {', '.join(numbers[:5])}{more}"
        )
        raise BillingError(f"A penalty on {bills} was already assessed; nothing was posted.")


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
    in the caller's transaction: one post(), then the payments, items and tenders (rows_write:
    a few by one INSERT ... RETURNING a table, many by COPY with ids taken from their
    sequences), the bills by one UPDATE, the penalty events by one INSERT.
    Bills and penalties are not touched in the training book. `before_items(entry)` runs after
    the bills are updated and before the items are written (a lien certificate the item names).

    The caller holds the locks (bills, receipt series) and has numbered the receipts. Raises
    what post() raises (LedgerError), BillingError for a penalty event assessed twice, and
    DatabaseError for a refused row."""
    entry = post(
        entry_date=entry_date,
        memo=memo,
        source=source,
        by=by,
        lines=lines,
        book=book,
        savepoint=False,  # a refused entry fails the whole write: no savepoint to go back to
    )
    payments = [p.payment for p in planned]
    for payment in payments:
        payment.entry_id = entry.pk
        payment._state.fields_cache["entry"] = entry
    rows_write(Payment, payments)
    if book == Book.LIVE:
        bills_update([u for p in planned for u in p.bill_updates])
        penalty_assessments_bulk([e for p in planned for e in p.penalty_rules], entry.pk)
    if before_items is not None:
        before_items(entry)
    items = [_linked(item, p.payment) for p in planned for item in p.items]
    tenders = [_linked(tender, p.payment) for p in planned for tender in p.tenders]
    # Nothing refers to a batch's items and tenders by id: their sequences number them.
    rows_write(PaymentItem, items, ids=False)
    rows_write(Tender, tenders, ids=False)
    return entry


def _linked[T: PaymentItem | Tender](row: T, payment: Payment) -> T:
    row.payment_id = payment.pk
    row._state.fields_cache["payment"] = payment
    return row
