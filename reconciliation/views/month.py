"""Views of reconciliation: month close, the month-end report, and the exports (GL journal,
revenue distribution, payment posting files, parking referrals and the vendor's payments)."""

import csv
from collections.abc import Iterable, Iterator

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_http_methods, require_POST

from audit.models import AccessEvent
from audit.services import access_record
from cashiering.pdf import pdf_response, render_pdf
from cashiering.spreadsheet import spreadsheet_safe
from ledger.errors import DomainError
from ledger.models import AccountingPeriod, PeriodState
from reconciliation.errors import ReconciliationError
from reconciliation.forms_month import (
    DateRangeForm,
    MonthCloseForm,
    PeriodForm,
    PostingExportForm,
    ReferralForm,
    VendorPaymentsForm,
)
from reconciliation.models import PostingExport, ReferralFile
from reconciliation.selectors_month import (
    gl_journal,
    gl_journal_csv_rows,
    month_close_refusals,
    month_end_csv_rows,
    month_end_report,
    revenue_distribution,
)
from reconciliation.services.exports import (
    posting_export_acknowledge,
    posting_export_create,
    referral_file_create,
    vendor_payments_import,
)
from reconciliation.services.month import month_close

CLOSE = "reconciliation.close_month"
VIEW = "reconciliation.view_month_end"
POSTINGS = "reconciliation.export_postings"
REFER = "reconciliation.refer_tickets"
# What a service refuses with a message for the page (reconciliation's errors are their own).
REFUSED = (DomainError, ReconciliationError)


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_response(rows: Iterable[list[str]], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo(), lineterminator="\r\n")

    def lines() -> Iterator[str]:
        for row in rows:
            yield writer.writerow([spreadsheet_safe(str(cell)) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response


def _file_response(content: str, filename: str) -> HttpResponse:
    """A file kept as sent, byte for byte (its SHA-256 is on record)."""
    response = HttpResponse(content.encode("utf-8"), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    return response


# Month close


@permission_required(CLOSE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def month_close_view(request: HttpRequest) -> HttpResponse:
    form = MonthCloseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        period = form.cleaned_data["period"]
        try:
            month_close(period=period, by=request.user)  # type: ignore[arg-type]
        except REFUSED as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, f"Period {period.name} is closed: nothing more can be posted on its dates."
            )
            return redirect("reconciliation:month_close")
    today = timezone.localdate()
    periods = []
    for period in AccountingPeriod.objects.order_by("-start_date")[:24]:
        ended = period.end_date < today
        refusals = (
            month_close_refusals(period) if ended and period.state == PeriodState.OPEN else []
        )
        periods.append({"period": period, "ended": ended, "refusals": refusals})
    return render(request, "reconciliation/month_close.html", {"form": form, "periods": periods})


# Month-end report


@permission_required(VIEW, raise_exception=True)
def month_end_view(request: HttpRequest) -> HttpResponseBase:
    form = PeriodForm(request.GET or None)
    report = None
    if request.GET and form.is_valid():
        report = month_end_report(form.cleaned_data["period"])
        kind = request.GET.get("format")
        name = f"month-end-{report.period.name}"
        if kind == "csv":
            return _csv_response(month_end_csv_rows(report), f"{name}.csv")
        if kind == "pdf":
            pdf = render_pdf(
                template_name="pdf/month_end.html",
                context={"report": report, "printed_at": timezone.localtime()},
                request=request,
            )
            return pdf_response(pdf=pdf, filename=f"{name}.pdf", inline=False)
    return render(request, "reconciliation/month_end.html", {"form": form, "report": report})


# Exports


@permission_required(VIEW, raise_exception=True)
def exports_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "reconciliation/exports.html",
        {"gl_form": DateRangeForm(), "revenue_form": DateRangeForm(auto_id="rev_%s")},
    )


@permission_required(VIEW, raise_exception=True)
def gl_export_view(request: HttpRequest) -> HttpResponseBase:
    form = DateRangeForm(request.GET or None)
    if not form.is_valid():
        return render(
            request,
            "reconciliation/exports.html",
            {"gl_form": form, "revenue_form": DateRangeForm(auto_id="rev_%s")},
            status=200 if not request.GET else 400,
        )
    start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    detailed = form.cleaned_data["detailed"]
    rows = gl_journal_csv_rows(gl_journal(date_from=start, date_to=end, detailed=detailed))
    kind = "detailed" if detailed else "summary"
    return _csv_response(rows, f"gl-journal-{start}-{end}-{kind}.csv")


@permission_required(VIEW, raise_exception=True)
def revenue_view(request: HttpRequest) -> HttpResponseBase:
    form = DateRangeForm(request.GET or None)
    distribution = None
    if request.GET and form.is_valid():
        start, end = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
        distribution = revenue_distribution(date_from=start, date_to=end)
        if request.GET.get("format") == "csv":
            rows: list[list[str]] = [["fund", "account", "name", "credits", "debits", "net"]]
            rows += [
                [r.fund, r.code, r.name, str(r.credits), str(r.debits), str(r.net)]
                for r in distribution.rows
            ]
            return _csv_response(rows, f"revenue-distribution-{start}-{end}.csv")
    return render(
        request, "reconciliation/revenue.html", {"form": form, "distribution": distribution}
    )


# Payment posting files


@permission_required(POSTINGS, raise_exception=True)
@require_http_methods(["GET", "POST"])
def postings_view(request: HttpRequest) -> HttpResponse:
    form = PostingExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            export = posting_export_create(system=form.cleaned_data["system"], by=request.user)  # type: ignore[arg-type]
        except REFUSED as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, f"{export.file_name}: {export.row_count} events. Download it below."
            )
            return redirect("reconciliation:postings")
    exports = PostingExport.objects.select_related("created_by", "acknowledged_by").defer(
        "content"
    )[:100]
    return render(request, "reconciliation/postings.html", {"form": form, "exports": exports})


@permission_required(POSTINGS, raise_exception=True)
def posting_download_view(request: HttpRequest, pk: int) -> HttpResponse:
    export = get_object_or_404(PostingExport, pk=pk)
    return _file_response(export.content, export.file_name)


@permission_required(POSTINGS, raise_exception=True)
@require_POST
def posting_acknowledge_view(request: HttpRequest, pk: int) -> HttpResponse:
    export = get_object_or_404(PostingExport, pk=pk)
    try:
        posting_export_acknowledge(export=export, by=request.user)  # type: ignore[arg-type]
    except REFUSED as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{export.file_name} is acknowledged.")
    return redirect("reconciliation:postings")


# Parking referrals and the vendor's payments


@permission_required(REFER, raise_exception=True)
@require_http_methods(["GET", "POST"])
def referrals_view(request: HttpRequest) -> HttpResponse:
    form = ReferralForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            made = referral_file_create(
                days_past_due=form.cleaned_data["days_past_due"],
                by=request.user,  # type: ignore[arg-type]
            )
        except REFUSED as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, f"{made.file_name}: {made.row_count} tickets referred. Download it below."
            )
            return redirect("reconciliation:referrals")
    files = ReferralFile.objects.select_related("created_by").defer("content")[:100]
    return render(
        request,
        "reconciliation/referrals.html",
        {"form": form, "files": files, "import_form": VendorPaymentsForm()},
    )


@permission_required(REFER, raise_exception=True)
@permission_required("billing.export_personal_data", raise_exception=True)
def referral_download_view(request: HttpRequest, pk: int) -> HttpResponse:
    # The collection vendor's file names each ticket's owner and mailing address.
    made = get_object_or_404(ReferralFile, pk=pk)
    access_record(
        kind=AccessEvent.Kind.EXPORT,
        what=f"Referral file {made.file_name}",
        request=request,
        object_type="reconciliation.ReferralFile",
        object_id=made.pk,
    )
    return _file_response(made.content, made.file_name)


@permission_required(REFER, raise_exception=True)
@require_http_methods(["GET", "POST"])
def vendor_payments_view(request: HttpRequest) -> HttpResponse:
    form = VendorPaymentsForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = vendor_payments_import(
                file_name=upload.name,
                content=upload.read(),
                by=request.user,  # type: ignore[arg-type]
            )
        except REFUSED as exc:
            form.add_error("file", str(exc))
        else:
            if result.file is not None:
                messages.success(
                    request,
                    f"{len(result.imported)} payments imported (${result.file.total:,.2f}); "
                    f"{len(result.duplicates)} imported before were skipped.",
                )
            elif result.refused:
                messages.error(
                    request,
                    f"Nothing was imported: {len(result.refused)} rows are refused (see below). "
                    "Correct the file and import it again.",
                )
            else:
                messages.info(
                    request, "Every payment in this file was imported before: nothing added."
                )
    return render(request, "reconciliation/vendor_payments.html", {"form": form, "result": result})


urlpatterns: list[URLPattern] = [
    path("month/close/", month_close_view, name="month_close"),
    path("month/report/", month_end_view, name="month_end"),
    path("exports/", exports_view, name="exports"),
    path("exports/gl-journal/", gl_export_view, name="gl_export"),
    path("exports/revenue/", revenue_view, name="revenue"),
    path("exports/postings/", postings_view, name="postings"),
    path("exports/postings/<int:pk>/download/", posting_download_view, name="posting_download"),
    path(
        "exports/postings/<int:pk>/acknowledge/",
        posting_acknowledge_view,
        name="posting_acknowledge",
    ),
    path("exports/referrals/", referrals_view, name="referrals"),
    path("exports/referrals/<int:pk>/download/", referral_download_view, name="referral_download"),
    path("exports/vendor-payments/", vendor_payments_view, name="vendor_payments"),
]
