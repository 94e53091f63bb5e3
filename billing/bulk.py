"""Writing many rows at once with PostgreSQL's COPY: imports and the demo city.

The ORM's bulk_create builds an INSERT with a parameter per value and asks for the ids back;
for tens of thousands of bills that is most of an import's time. Here ids are drawn from the
table's sequence first (safe beside other writers), then the rows go in one COPY. Triggers and
constraints apply to COPY exactly as to INSERT."""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from django.db import connection, models
from django.db.models.fields import NOT_PROVIDED

NULL = "\\N"  # COPY's marker for NULL; an empty field stays an empty string


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` fresh ids from the model's primary-key sequence."""
    if count == 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _text(value: object) -> object:
    if value is None:
        return NULL
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, (Decimal, UUID)):
        return str(value)
    return value


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Iterable[object]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows([_text(v) for v in row] for row in rows)
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.copy_expert(  # type: ignore[attr-defined]
            f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')",
            buffer,
        )


def copy_new(model: type[models.Model], rows: Sequence[dict]) -> None:
    """Insert new rows of `model`, given as {attname: value} (customer_id, not customer), and
    set each dict's "id". A field a row leaves out takes the field's default; a field with a
    database default (db_default) is left to the database. Plain dicts, not model instances:
    building a model instance costs more than writing its row."""
    if not rows:
        return
    fields = [
        f for f in model._meta.concrete_fields if not f.primary_key and f.db_default is NOT_PROVIDED
    ]
    defaults = {f.attname: f.get_default() for f in fields}
    names = [f.attname for f in fields]
    for row, pk in zip(rows, reserve_ids(model, len(rows)), strict=True):
        row["id"] = pk
    copy_rows(
        model._meta.db_table,
        ["id", *(str(f.column) for f in fields)],
        ([row["id"], *(row.get(name, defaults[name]) for name in names)] for row in rows),
    )
