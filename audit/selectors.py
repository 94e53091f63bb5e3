"""Reads of the audit trail for the audit page and its CSV: changes (pghistory events of every
tracked table) and accesses (AccessEvent), filtered alike and merged newest first."""

import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.contrib.auth.models import User
from django.db import connection
from django.db.models import Q, QuerySet
from django.utils import timezone
from pghistory.models import Context

from audit.models import AccessEvent

CHANGE = "change"
_CONTEXT = connection.ops.quote_name(Context._meta.db_table)


@dataclass(frozen=True)
class AuditFilter:
    """What the audit page asks for; every part optional. `kind` is "change", an
    AccessEvent.Kind or "" (all); dates are the office's, both days included."""

    user: User | None = None
    object_type: str = ""
    object_text: str = ""
    date_from: date | None = None
    date_to: date | None = None
    kind: str = ""


@dataclass(frozen=True)
class AuditRow:
    """One line of the audit page: a change (with `changes`: field -> [before, after]) or an
    access (view, reveal, export)."""

    at: datetime
    kind: str
    user_id: int | None
    object_type: str
    object_id: str
    what: str
    url: str
    method: str
    ip: str
    changes: dict[str, list[Any]] = field(default_factory=dict)
    user: User | None = None

    @property
    def kind_label(self) -> str:
        if self.kind == CHANGE:
            return "Change"
        return str(AccessEvent.Kind(self.kind).label)

    @property
    def object_label(self) -> str:
        return object_type_label(self.object_type)


def object_type_label(label: str) -> str:
    """'billing.Holiday' -> 'Holiday' (the model's verbose name); unknown labels as given."""
    if not label:
        return ""
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return label
    return str(model._meta.verbose_name).capitalize()


def tracked_object_types() -> list[str]:
    """The model labels whose changes are kept (every pghistory event model's tracked model)."""
    from pghistory.core import event_models

    return sorted({m.pgh_tracked_model._meta.label for m in event_models()})  # type: ignore[attr-defined]


def _bounds(flt: AuditFilter) -> tuple[datetime | None, datetime | None]:
    zone = timezone.get_current_timezone()
    start = datetime.combine(flt.date_from, time.min, zone) if flt.date_from else None
    # The last day's end is the next day's start; 12/31/9999 has none (no limit then).
    last = flt.date_to if flt.date_to and flt.date_to < date.max else None
    end = datetime.combine(last + timedelta(days=1), time.min, zone) if last else None
    return start, end


def _event_tables(flt: AuditFilter) -> list[Any]:
    """The pghistory event models `flt` reads (one when it names an object type)."""
    from pghistory.core import event_models

    return [
        model
        for model in event_models()
        if not flt.object_type or model.pgh_tracked_model._meta.label == flt.object_type  # type: ignore[attr-defined]
    ]


def _has_object(model: Any) -> bool:
    return any(f.name == "pgh_obj" for f in model._meta.fields)


def _change_selects(flt: AuditFilter, limit: int | None) -> tuple[list[str], list[Any]]:
    """One SELECT per event table, filtered in that table (so each reads only what it must, and
    stops at `limit` rows, newest first, when one is given), and their parameters. pghistory's
    `Events` aggregate computes the diff of every event of every table before it filters or
    limits: seconds for a few thousand bills, minutes for an imported city. Here diffs are
    computed for the rows shown only (`_diffs`)."""
    start, end = _bounds(flt)
    tail = "" if limit is None else "ORDER BY e.pgh_created_at DESC, e.pgh_id DESC LIMIT %s"
    selects: list[str] = []
    params: list[Any] = []
    for model in _event_tables(flt):
        table = connection.ops.quote_name(model._meta.db_table)
        has_object = _has_object(model)
        where: list[str] = ["TRUE"]
        args: list[Any] = []
        if start:
            where.append("e.pgh_created_at >= %s")
            args.append(start)
        if end:
            where.append("e.pgh_created_at < %s")
            args.append(end)
        if flt.user is not None:
            where.append("c.metadata->>'user' = %s")
            args.append(str(flt.user.pk))
        if flt.object_text:
            is_id = flt.object_text.isascii() and flt.object_text.isdigit()  # not "²"
            if is_id and has_object:
                where.append("e.pgh_obj_id::text = %s")
                args.append(flt.object_text)
            elif is_id:
                where.append("FALSE")
            else:
                where.append("row_to_json(e)::text ILIKE %s")
                args.append("%" + _like_escaped(flt.object_text) + "%")
        obj = "e.pgh_obj_id::text" if has_object else "NULL::text"
        label = model._meta.label
        tracked = model.pgh_tracked_model._meta.label  # type: ignore[attr-defined]
        selects.append(
            f"(SELECT %s::text AS model, %s::text AS tracked, e.pgh_id, e.pgh_created_at, "  # noqa: S608
            f"e.pgh_label, {obj} AS obj_id, c.metadata AS context "
            f"FROM {table} e LEFT JOIN {_CONTEXT} c ON c.id = e.pgh_context_id "
            f"WHERE {' AND '.join(where)} {tail})"
        )
        params += [label, tracked, *args, *([limit] if limit is not None else [])]
    return selects, params


def _like_escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _change_page(flt: AuditFilter, limit: int) -> list[AuditRow]:
    """The newest `limit` changes `flt` selects, newest first, with what each changed."""
    selects, params = _change_selects(flt, limit)
    if not selects:
        return []
    union = " UNION ALL ".join(selects)
    sql = f"SELECT * FROM ({union}) t ORDER BY 4 DESC, 3 DESC LIMIT %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, limit])
        found = cursor.fetchall()
    diffs = _diffs(found)
    found = [(*row[:6], _json(row[6])) for row in found]
    return [
        AuditRow(
            at=at,
            kind=CHANGE,
            user_id=_user_id(context),
            object_type=tracked,
            object_id=obj_id or "",
            what={"insert": "created", "update": "changed", "delete": "deleted"}.get(label, label),
            url=(context or {}).get("url", ""),
            method=(context or {}).get("method", ""),
            ip=(context or {}).get("ip", ""),
            changes=diffs.get((model, pgh_id), {}),
        )
        for model, tracked, pgh_id, at, label, obj_id, context in found
    ]


def _json(value: Any) -> Any:
    """A jsonb column as Python (Django has psycopg2 hand jsonb over as text)."""
    return json.loads(value) if isinstance(value, str) else value


def _user_id(context: dict | None) -> int | None:
    user = (context or {}).get("user")
    return int(user) if isinstance(user, int | str) and str(user).isdigit() else None


def _diffs(found: list[tuple]) -> dict[tuple[str, int], dict[str, list[Any]]]:
    """field -> [before, after] for each (event model, pgh_id) of `found`: the event's row
    against the event before it of the same object, read for these events only."""
    from django.apps import apps as django_apps

    by_model: dict[str, list[int]] = {}
    for model, _tracked, pgh_id, *_ in found:
        by_model.setdefault(model, []).append(pgh_id)
    diffs: dict[tuple[str, int], dict[str, list[Any]]] = {}
    for label, ids in by_model.items():
        model = django_apps.get_model(label)
        if not _has_object(model):
            continue
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT e.pgh_id, row_to_json(e)::jsonb, "  # noqa: S608
                f"(SELECT row_to_json(p)::jsonb FROM {table} p "
                f" WHERE p.pgh_obj_id = e.pgh_obj_id AND p.pgh_id < e.pgh_id "
                f" ORDER BY p.pgh_id DESC LIMIT 1) "
                f"FROM {table} e WHERE e.pgh_id = ANY(%s)",
                [ids],
            )
            for pgh_id, current_json, previous_json in cursor.fetchall():
                current, previous = _json(current_json), _json(previous_json)
                if previous is None:
                    continue
                diffs[(label, pgh_id)] = {
                    key: [previous.get(key), value]
                    for key, value in sorted(current.items())
                    if not key.startswith("pgh_") and previous.get(key) != value
                }
    return diffs


def _change_count(flt: AuditFilter) -> int:
    selects, params = _change_selects(flt, None)
    if not selects:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({' UNION ALL '.join(selects)}) t", params)  # noqa: S608
        return int(cursor.fetchone()[0])


def _accesses(flt: AuditFilter) -> QuerySet[AccessEvent]:
    rows = AccessEvent.objects.order_by("-at", "-id")
    start, end = _bounds(flt)
    if start:
        rows = rows.filter(at__gte=start)
    if end:
        rows = rows.filter(at__lt=end)
    if flt.user is not None:
        rows = rows.filter(user_id=flt.user.pk)
    if flt.kind and flt.kind != CHANGE:
        rows = rows.filter(kind=flt.kind)
    if flt.object_type:
        if flt.object_type == "billing.Customer":
            rows = rows.filter(Q(object_type=flt.object_type) | ~Q(customer_ids=[]))
        else:
            rows = rows.filter(object_type=flt.object_type)
    if flt.object_text:
        text = flt.object_text
        if text.isascii() and text.isdigit():  # not "²": int() refuses it
            rows = rows.filter(Q(object_id=text) | Q(customer_ids__contains=[int(text)]))
        else:
            rows = rows.filter(what__icontains=text)
    return rows


def _access_row(event: AccessEvent) -> AuditRow:
    return AuditRow(
        at=event.at,
        kind=event.kind,
        user_id=event.user_id,
        object_type=event.object_type,
        object_id=event.object_id,
        what=event.what,
        url=event.url,
        method=event.method,
        ip=event.ip,
    )


def audit_rows(flt: AuditFilter, *, offset: int = 0, limit: int = 50) -> list[AuditRow]:
    """The audit rows `flt` selects, newest first, rows offset..offset+limit of the merged
    list of changes and accesses; each row's user is read in one query for all of them."""
    wanted = offset + limit
    rows: list[AuditRow] = []
    if flt.kind in ("", CHANGE):
        rows += _change_page(flt, wanted)
    if flt.kind != CHANGE:
        rows += [_access_row(e) for e in _accesses(flt)[:wanted]]
    rows.sort(key=lambda r: r.at, reverse=True)
    page = rows[offset:wanted]
    users = User.objects.in_bulk({r.user_id for r in page if r.user_id is not None})
    return [
        AuditRow(**{**r.__dict__, "user": users.get(r.user_id) if r.user_id else None})
        for r in page
    ]


def audit_count(flt: AuditFilter) -> int:
    """How many rows `flt` selects in all."""
    total = 0
    if flt.kind in ("", CHANGE):
        total += _change_count(flt)
    if flt.kind != CHANGE:
        total += _accesses(flt).count()
    return total
