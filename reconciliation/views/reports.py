"""Views of reconciliation: the daily balancing report (page, CSV, PDF, training report), the
day's sign-off, its reopening and the history of signed versions."""

import csv
import uuid
from datetime import date
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from cashiering.dates import us_date
from cashiering.pdf import pdf_response
from cashiering.spreadsheet import spreadsheet_safe
from payments.models import Office
from reconciliation.charts import report_charts
from reconciliation.errors import ReconciliationError
from reconciliation.forms_daily import DailyReportForm, DayReopenForm, DaySignOffForm
from reconciliation.models import DaySignoff
from reconciliation.selectors_daily import DailyBalancing, daily_balancing
from reconciliation.services.days import day_reopen, day_sign_off, report_pdf

VIEW = "reconciliation.view_daily_report"


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _chosen(request: HttpRequest) -> tuple[DailyReportForm, Office | None, date | None]:
    """The office and day asked for (the first office and today when nothing is asked)."""
    data = request.GET.copy()
    if not data.get("office"):
        first = Office.objects.order_by("name").first()
        if first is not None:
            data["office"] = str(first.pk)
    form = DailyReportForm(data)
    if not form.is_valid():
        return form, None, None
    return form, form.cleaned_data["office"], form.cleaned_data["day"]


def _query(office: Office, day: date) -> str:
    return f"?office={office.pk}&day={day.isoformat()}"


def _report_page(request: HttpRequest, *, training: bool) -> HttpResponse:
    form, office, day = _chosen(request)
    context: dict = {"form": form, "training": training}
    if office is not None and day is not None:
        report = daily_balancing(office=office, day=day, training=training)
        versions = list(
            DaySignoff.objects.filter(office=office, business_date=day)
            .select_related("signed_by", "reopened_by")
            .defer("pdf")
            .order_by("-version")
        )
        context.update(
            report=report,
            charts=report_charts(report),
            query=_query(office, day),
            versions=versions,
            standing=next((v for v in versions if v.standing), None),
            sign_off_form=DaySignOffForm(
                initial={"office": office.pk, "day": day, "token": uuid.uuid4()}
            ),
            reopen_form=DayReopenForm(initial={"office": office.pk, "day": day}),
        )
    return render(request, "reconciliation/daily.html", context)


@permission_required(VIEW, raise_exception=True)
def daily_report(request: HttpRequest) -> HttpResponse:
    return _report_page(request, training=False)


@permission_required(VIEW, raise_exception=True)
def daily_training_report(request: HttpRequest) -> HttpResponse:
    return _report_page(request, training=True)


def _report_or_redirect(request: HttpRequest, training: bool) -> DailyBalancing | HttpResponse:
    _, office, day = _chosen(request)
    if office is None or day is None:
        messages.error(request, "Choose an office and a business day up to today.")
        return redirect("reconciliation:daily")
    return daily_balancing(office=office, day=day, training=training)


@permission_required(VIEW, raise_exception=True)
def daily_pdf(request: HttpRequest) -> HttpResponse:
    training = request.GET.get("training") == "1"
    report = _report_or_redirect(request, training)
    if isinstance(report, HttpResponse):
        return report
    prefix = "training-" if training else ""
    return pdf_response(
        pdf=report_pdf(report=report),
        filename=f"{prefix}daily-balancing-{report.office.code}-{report.day.isoformat()}.pdf",
        inline=False,
    )


@permission_required(VIEW, raise_exception=True)
def daily_csv(request: HttpRequest) -> HttpResponse:
    training = request.GET.get("training") == "1"
    report = _report_or_redirect(request, training)
    if isinstance(report, HttpResponse):
        return report
    prefix = "training-" if training else ""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        content_disposition_header(
            as_attachment=True,
            filename=f"{prefix}daily-balancing-{report.office.code}-{report.day.isoformat()}.csv",
        )
        or "attachment"
    )
    _write_csv(response, report)
    return response


def _write_csv(response: HttpResponse, report: DailyBalancing) -> None:
    """One section per block: section, label, then the block's columns (amounts in dollars)."""
    writer = csv.writer(response)

    def row(*cells: object) -> None:
        writer.writerow([spreadsheet_safe(c) for c in cells])

    row("section", "label", "count", "amount", "detail")
    row("report", report.office.name, "", "", f"{report.day.isoformat()} {report.book} book")
    for d in report.drawers:
        row(
            "drawer",
            f"{d.clerk} / {d.window}",
            d.receipts,
            d.collected.total,
            f"drawer {d.drawer_id}",
        )
    for label, amount in (
        ("cash", report.tenders.cash),
        ("check", report.tenders.check),
        ("card", report.tenders.card),
        ("credit on account", report.credit_on_account),
    ):
        row("tender", label, "", amount, "")
    for r in report.by_bill_type:
        row("bill type", r.label, r.count, r.amount, "")
    for r in report.by_fee_type:
        row("fee type", r.label, r.count, r.amount, "")
    for a in report.by_account:
        row("account", f"{a.code} {a.name}", "", a.amount, a.fund)
    for f in report.by_fund:
        row("fund", f.fund, "", f.collected, f"due from General {f.due_from_general}")
    for e in report.exceptions:
        row(
            e.kind,
            e.reference,
            "",
            e.amount,
            f"{e.reason} | by {e.requested_by} | approved {e.approved_by}",
        )
    for c in report.closes:
        row("over/short drawer", f"drawer {c.drawer_id}", "", c.over_short, c.get_status_display())
    for s in report.safe_counts:
        row("over/short safe", s.business_date.isoformat(), "", s.difference, "")
    for dep in report.deposits:
        row("deposit", dep.bag_number, "", dep.total, dep.get_status_display())
    row(
        "trainee",
        "payments taken by trainees",
        report.trainee_count,
        "",
        f"{report.trainee_unreviewed} not reviewed",
    )
    for rr in report.receipt_ranges:
        row(
            "receipts",
            f"{rr.year}: {rr.first}-{rr.last}",
            rr.count,
            "",
            "missing " + " ".join(map(str, rr.missing)) if rr.has_gap else "no gap",
        )
    ag = report.agreement
    for label, totals in (
        ("drawers", ag.drawers),
        ("ledger", ag.ledger),
        ("payments", ag.payments),
    ):
        row(
            "agreement",
            label,
            "",
            totals.total,
            f"cash {totals.cash} check {totals.check} card {totals.card}",
        )


@permission_required("reconciliation.sign_off_day", raise_exception=True)
@require_POST
def day_sign_off_view(request: HttpRequest) -> HttpResponse:
    form = DaySignOffForm(request.POST)
    if not form.is_valid():
        for error in form.non_field_errors() or ["Choose an office and a day."]:
            messages.error(request, str(error))
        return redirect("reconciliation:daily")
    office, day = form.cleaned_data["office"], form.cleaned_data["day"]
    try:
        signoff = day_sign_off(
            office=office, day=day, by=_user(request), token=form.cleaned_data["token"]
        )
    except ReconciliationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            f"The day of {us_date(day)} is signed off (version {signoff.version}); "
            "nothing more can be posted on it.",
        )
    return redirect(reverse("reconciliation:daily") + _query(office, day))


@permission_required("reconciliation.reopen_day", raise_exception=True)
@require_POST
def day_reopen_view(request: HttpRequest) -> HttpResponse:
    form = DayReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the day is reopened.")
        office, day = form.cleaned_data.get("office"), form.cleaned_data.get("day")
        if office is None or day is None:
            return redirect("reconciliation:daily")
        return redirect(reverse("reconciliation:daily") + _query(office, day))
    office, day = form.cleaned_data["office"], form.cleaned_data["day"]
    try:
        day_reopen(office=office, day=day, by=_user(request), reason=form.cleaned_data["reason"])
    except ReconciliationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"The day of {us_date(day)} is reopened.")
    return redirect(reverse("reconciliation:daily") + _query(office, day))


@permission_required(VIEW, raise_exception=True)
def day_history(request: HttpRequest) -> HttpResponse:
    """Every signed version of every day of an office, newest first, with its hashes."""
    form, office, _ = _chosen(request)
    signoffs = (
        DaySignoff.objects.filter(office=office)
        .select_related("signed_by", "reopened_by")
        .defer("pdf")
        .order_by("-business_date", "-version")[:400]
        if office is not None
        else []
    )
    return render(
        request, "reconciliation/daily_history.html", {"form": form, "signoffs": signoffs}
    )


@permission_required(VIEW, raise_exception=True)
def day_signoff_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    signoff = get_object_or_404(DaySignoff.objects.select_related("office"), pk=pk)
    return pdf_response(
        pdf=bytes(signoff.pdf),
        filename=f"daily-balancing-{signoff.office.code}-{signoff.business_date.isoformat()}"
        f"-v{signoff.version}.pdf",
        inline=False,
    )


urlpatterns: list[URLPattern] = [
    path("daily/", daily_report, name="daily"),
    path("daily/training/", daily_training_report, name="daily_training"),
    path("daily/report.pdf", daily_pdf, name="daily_pdf"),
    path("daily/report.csv", daily_csv, name="daily_csv"),
    path("daily/sign-off/", day_sign_off_view, name="day_sign_off"),
    path("daily/reopen/", day_reopen_view, name="day_reopen"),
    path("daily/history/", day_history, name="day_history"),
    path("daily/signed/<int:pk>.pdf", day_signoff_pdf, name="day_signoff_pdf"),
]
