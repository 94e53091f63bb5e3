"""The audit page (Supervisors and Admins) and its CSV export."""

import csv

from django.contrib.auth.decorators import permission_required
from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit.forms import AuditFilterForm
from audit.models import AccessEvent
from audit.selectors import AuditFilter, AuditRow, audit_count, audit_rows
from audit.services import access_record
from cashiering.people import person_name
from cashiering.spreadsheet import spreadsheet_safe

PAGE_SIZE = 50
CSV_AT_MOST = 10_000


class _Pages:
    """What Paginator needs to count, without reading every row (they are read per page)."""

    def __init__(self, flt: AuditFilter) -> None:
        self.flt = flt

    def count(self) -> int:
        return audit_count(self.flt)

    def __getitem__(self, window: slice) -> list[AuditRow]:
        return audit_rows(self.flt, offset=window.start, limit=window.stop - window.start)


@permission_required("audit.view_audit", raise_exception=True)
@require_GET
def trail_view(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    page: Page | None = None
    if not request.GET or form.is_valid():
        flt = form.audit_filter() if request.GET else AuditFilter()
        page = Paginator(_Pages(flt), PAGE_SIZE).get_page(request.GET.get("page"))  # type: ignore[arg-type]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request, "audit/trail.html", {"form": form, "page": page, "query": query.urlencode()}
    )


@permission_required("audit.view_audit", raise_exception=True)
@permission_required("billing.export_personal_data", raise_exception=True)
@require_GET
def trail_csv(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    if request.GET and not form.is_valid():
        return render(request, "audit/trail.html", {"form": form, "page": None}, status=400)
    flt = form.audit_filter() if request.GET else AuditFilter()
    rows = audit_rows(flt, limit=CSV_AT_MOST)
    access_record(
        kind=AccessEvent.Kind.EXPORT,
        what=f"Audit trail CSV ({len(rows)} rows)",
        request=request,
        object_type="audit.AccessEvent",
    )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="audit-trail.csv"'
    writer = csv.writer(response, lineterminator="\r\n")
    writer.writerow(["when", "who", "kind", "object", "id", "what", "changes", "request", "ip"])
    for row in rows:
        changes = "; ".join(f"{k}: {v[0]!r} -> {v[1]!r}" for k, v in row.changes.items())
        cells = [
            row.at.isoformat(),
            person_name(row.user) if row.user else "",
            row.kind_label,
            row.object_type,
            row.object_id,
            row.what,
            changes,
            f"{row.method} {row.url}".strip(),
            row.ip,
        ]
        writer.writerow([spreadsheet_safe(c) for c in cells])
    return response
