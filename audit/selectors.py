"""Reads of the audit trail for the audit page and its CSV: changes (pghistory events of every
tracked table) and accesses (AccessEvent), filtered alike and merged newest first."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.contrib.auth.models import User
from django.db.models import Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.utils import timezone
from pghistory.models import Events

from audit.models import AccessEvent

CHANGE = "change"


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


def _changes(flt: AuditFilter) -> QuerySet[Events]:
    events = Events.objects.order_by("-pgh_created_at", "-pgh_id")
    start, end = _bounds(flt)
    if start:
        events = events.filter(pgh_created_at__gte=start)
    if end:
        events = events.filter(pgh_created_at__lt=end)
    if flt.user is not None:
        events = events.filter(pgh_context__user=flt.user.pk)
    if flt.object_type:
        events = events.filter(pgh_obj_model=flt.object_type)
    if flt.object_text:
        text = flt.object_text
        if text.isascii() and text.isdigit():  # not "²": int() refuses it
            events = events.filter(pgh_obj_id=text)
        else:
            events = events.annotate(data_text=Cast("pgh_data", TextField())).filter(
                data_text__icontains=text
            )
    return events


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


def _change_row(event: Events) -> AuditRow:
    context = event.pgh_context or {}
    label = event.pgh_label
    return AuditRow(
        at=event.pgh_created_at,
        kind=CHANGE,
        user_id=context.get("user"),
        object_type=event.pgh_obj_model,
        object_id=event.pgh_obj_id or "",
        what={"insert": "created", "update": "changed", "delete": "deleted"}.get(label, label),
        url=context.get("url", ""),
        method=context.get("method", ""),
        ip=context.get("ip", ""),
        changes=dict(sorted((event.pgh_diff or {}).items())),
    )


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
        rows += [_change_row(e) for e in _changes(flt)[:wanted]]
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
        total += _changes(flt).count()
    if flt.kind != CHANGE:
        total += _accesses(flt).count()
    return total
