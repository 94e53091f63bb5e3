"""Bank statement pages: import (with progress while a large file is read), the matching page
of unmatched lines with their age, one line's manual match or explanation, auto-match, and
the CSV column mappings of the bank accounts."""

import uuid
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from cashiering.dates import us_date
from cashiering.people import person_name
from ledger.errors import DomainError
from ledger.money import format_money
from reconciliation.errors import ReconciliationError
from reconciliation.forms_statements import (
    AutoMatchForm,
    CsvMappingForm,
    ExplainForm,
    MatchCardDayForm,
    MatchDepositForm,
    MatchRemittanceForm,
    StatementImportForm,
)
from reconciliation.models import BankStatement, CsvMapping, StatementImport, StatementLine
from reconciliation.selectors_statements import (
    card_days_unsettled,
    deposits_unmatched,
    line_age_days,
    lockbox_deposits_unmatched,
    unmatched_lines,
    vendor_settlements_unmatched,
)
from reconciliation.services.remittance import (
    statement_line_match_lockbox,
    statement_line_match_vendor,
)
from reconciliation.services.statements import (
    AutoMatchResult,
    StatementAlreadyImported,
    bank_accounts,
    csv_mapping_save,
    statement_auto_match,
    statement_import,
    statement_line_explain,
    statement_line_match_card_day,
    statement_line_match_deposit,
)

IMPORT = "reconciliation.import_statement"
MATCH = "reconciliation.match_statement"
MAPPING = "reconciliation.manage_csv_mapping"
PAGE_LINES = 500


def _matched_message(result: AutoMatchResult) -> str:
    files = (
        f"{result.lockbox_deposits} lockbox deposit{'s' if result.lockbox_deposits != 1 else ''}"
        f", {result.vendor_settlements} vendor settlement"
        f"{'s' if result.vendor_settlements != 1 else ''}, "
        if result.lockbox_deposits or result.vendor_settlements
        else ""
    )
    return (
        f"Auto-match: {result.deposits} deposit{'s' if result.deposits != 1 else ''}, {files}"
        f"{result.card_settlements} card settlement"
        f"{'s' if result.card_settlements != 1 else ''}, {result.returned_checks} returned "
        f"check{'s' if result.returned_checks != 1 else ''}; {result.left} line"
        f"{'s' if result.left != 1 else ''} left to match or explain."
    )


@permission_required(IMPORT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def statements(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    form = StatementImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = statement_import(
                bank_account=form.cleaned_data["bank_account"],
                file_name=upload.name,
                data=upload.read(),
                by=user,
                token=form.cleaned_data["token"],
            )
        except StatementAlreadyImported as exc:
            messages.info(request, str(exc))
            return redirect("reconciliation:statements")
        except (ReconciliationError, DomainError) as exc:
            form.add_error(None, str(exc))
        else:
            if job.status == StatementImport.Status.DONE:
                messages.success(request, f"Imported {job.file_name}: {job.message}")
            else:
                messages.info(request, f"{job.file_name}: {job.message}")
            if job.statement_id and user.has_perm(MATCH):
                result = statement_auto_match(statement=job.statement, by=user)
                messages.info(request, _matched_message(result))
            return redirect("reconciliation:statements")
    return render(
        request,
        "reconciliation/statements.html",
        {
            "form": form,
            # Every page a fresh token: one upload, one import, however often it is sent.
            "token": uuid.uuid4(),
            "imports": StatementImport.objects.select_related("bank_account", "imported_by")[:20],
            "statements": BankStatement.objects.select_related("bank_account", "imported_by")[:20],
        },
    )


@permission_required(IMPORT, raise_exception=True)
def import_progress(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    job = StatementImport.objects.filter(token=token).first()
    return render(request, "reconciliation/_statement_progress.html", {"job": job})


@permission_required(MATCH, raise_exception=True)
def matching(request: HttpRequest) -> HttpResponse:
    account_id = request.GET.get("account", "")
    accounts = list(bank_accounts())
    chosen = next((a for a in accounts if str(a.pk) == account_id), None)
    lines = list(unmatched_lines(bank_account_id=chosen.pk if chosen else None)[: PAGE_LINES + 1])
    today = timezone.localdate()
    rows = [(line, line_age_days(line, today)) for line in lines[:PAGE_LINES]]
    return render(
        request,
        "reconciliation/matching.html",
        {
            "rows": rows,
            "more": len(lines) > PAGE_LINES,
            "accounts": accounts,
            "chosen": chosen,
            "auto_form": AutoMatchForm(initial={"bank_account": chosen, "token": uuid.uuid4()}),
        },
    )


@permission_required(MATCH, raise_exception=True)
@require_POST
def auto_match(request: HttpRequest) -> HttpResponse:
    form = AutoMatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return redirect("reconciliation:statement_matching")
    account = form.cleaned_data["bank_account"]
    try:
        result = statement_auto_match(bank_account=account, by=cast(User, request.user))
    except (ReconciliationError, DomainError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _matched_message(result))
    return redirect(f"{_matching_url()}?account={account.pk}")


def _matching_url() -> str:
    from django.urls import reverse

    return reverse("reconciliation:statement_matching")


def _line_page(request: HttpRequest, line: StatementLine, **forms) -> HttpResponse:
    unmatched = line.status == StatementLine.Status.UNMATCHED
    deposits = deposits_unmatched(line.bank_account_id) if unmatched else None
    days = card_days_unsettled() if unmatched and line.amount > 0 else []
    lockbox, vendor = _remittance_forms(line, unmatched, forms)
    return render(
        request,
        "reconciliation/statement_line.html",
        {
            "line": line,
            "age": line_age_days(line),
            "unmatched": unmatched,
            "deposit_form": forms.get("deposit_form")
            or MatchDepositForm(deposits=deposits, initial={"token": uuid.uuid4()}),
            "card_form": forms.get("card_form")
            or MatchCardDayForm(days=days, initial={"token": uuid.uuid4()}),
            "explain_form": forms.get("explain_form")
            or ExplainForm(initial={"token": uuid.uuid4()}),
            "has_deposits": unmatched and deposits is not None and deposits.exists(),
            "has_days": bool(days),
            "lockbox_form": lockbox,
            "vendor_form": vendor,
            "settlement": getattr(line, "card_settlement", None)
            if line.status == StatementLine.Status.MATCHED
            else None,
        },
        status=400 if any(f is not None and f.errors for f in forms.values()) else 200,
    )


LOCKBOX_LABEL = "Lockbox file's deposit"
VENDOR_LABEL = "Vendor file's settlement"


def _remittance_forms(line: StatementLine, unmatched: bool, forms: dict):
    """The lockbox and vendor files the line may be matched to (None when there is none, or
    the line is not an unmatched credit), or the bound forms of a refused match."""
    credit = unmatched and line.amount > 0
    lockbox = forms.get("lockbox_form")
    if lockbox is None and credit:
        batches = lockbox_deposits_unmatched(line.bank_account_id)
        if batches.exists():
            lockbox = MatchRemittanceForm(
                batches=batches, label=LOCKBOX_LABEL, initial={"token": uuid.uuid4()}
            )
    vendor = forms.get("vendor_form")
    if vendor is None and credit:
        batches = vendor_settlements_unmatched(line.bank_account_id)
        if batches.exists():
            vendor = MatchRemittanceForm(
                batches=batches, label=VENDOR_LABEL, initial={"token": uuid.uuid4()}
            )
    return lockbox, vendor


def _line(pk: int) -> StatementLine:
    return get_object_or_404(
        StatementLine.objects.select_related(
            "bank_account", "statement", "deposit", "entry", "matched_by", "remittance_batch"
        ),
        pk=pk,
    )


@permission_required(MATCH, raise_exception=True)
def statement_line(request: HttpRequest, pk: int) -> HttpResponse:
    return _line_page(request, _line(pk))


def _settled_already(request: HttpRequest, line: StatementLine) -> HttpResponse | None:
    """A repeated submit (or someone else a moment ago): show what the line is now."""
    if line.status == StatementLine.Status.UNMATCHED:
        return None
    messages.info(
        request,
        f"This line is {line.get_status_display().lower()} already"
        f"{' by ' + person_name(line.matched_by) if line.matched_by else ''}.",
    )
    return redirect("reconciliation:statement_line", pk=line.pk)


@permission_required(MATCH, raise_exception=True)
@require_POST
def line_match_deposit(request: HttpRequest, pk: int) -> HttpResponse:
    line = _line(pk)
    if (done := _settled_already(request, line)) is not None:
        return done
    form = MatchDepositForm(request.POST, deposits=deposits_unmatched(line.bank_account_id))
    if form.is_valid():
        try:
            statement_line_match_deposit(
                line=line, target=form.cleaned_data["deposit"], by=cast(User, request.user)
            )
        except (ReconciliationError, DomainError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Matched {format_money(line.amount)} to the deposit.")
            return redirect("reconciliation:statement_line", pk=line.pk)
    return _line_page(request, line, deposit_form=form)


@permission_required(MATCH, raise_exception=True)
@require_POST
def line_match_card(request: HttpRequest, pk: int) -> HttpResponse:
    line = _line(pk)
    if (done := _settled_already(request, line)) is not None:
        return done
    form = MatchCardDayForm(request.POST, days=card_days_unsettled())
    if form.is_valid():
        try:
            settlement = statement_line_match_card_day(
                line=line, target=form.cleaned_data["business_date"], by=cast(User, request.user)
            )
        except (ReconciliationError, DomainError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"Settled the card batches of {us_date(settlement.business_date)}: gross "
                f"{format_money(settlement.gross)}, fees {format_money(settlement.fees)}.",
            )
            return redirect("reconciliation:statement_line", pk=line.pk)
    return _line_page(request, line, card_form=form)


def _line_match_remittance(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Match a statement line to a posted lockbox file's deposit (`kind` "lockbox") or to an
    online-vendor file's settlement ("vendor"), chosen on the line's page."""
    line = _line(pk)
    if (done := _settled_already(request, line)) is not None:
        return done
    lockbox = kind == "lockbox"
    batches = (lockbox_deposits_unmatched if lockbox else vendor_settlements_unmatched)(
        line.bank_account_id
    )
    form = MatchRemittanceForm(
        request.POST, batches=batches, label=LOCKBOX_LABEL if lockbox else VENDOR_LABEL
    )
    if form.is_valid():
        batch = form.cleaned_data["batch"]
        by = cast(User, request.user)
        try:
            if lockbox:
                statement_line_match_lockbox(line=line, target=batch, by=by)
                said = (
                    f"Matched {format_money(line.amount)} to lockbox batch "
                    f"{batch.number}'s deposit."
                )
            else:
                settlement = statement_line_match_vendor(line=line, target=batch, by=by)
                said = (
                    f"Settled vendor batch {batch.number}: gross {format_money(settlement.gross)}, "
                    f"fees {format_money(settlement.fees)}."
                )
        except (ReconciliationError, DomainError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, said)
            return redirect("reconciliation:statement_line", pk=line.pk)
    return _line_page(request, line, **{f"{kind}_form": form})


@permission_required(MATCH, raise_exception=True)
@require_POST
def line_match_lockbox(request: HttpRequest, pk: int) -> HttpResponse:
    return _line_match_remittance(request, pk, "lockbox")


@permission_required(MATCH, raise_exception=True)
@require_POST
def line_match_vendor(request: HttpRequest, pk: int) -> HttpResponse:
    return _line_match_remittance(request, pk, "vendor")


@permission_required(MATCH, raise_exception=True)
@require_POST
def line_explain(request: HttpRequest, pk: int) -> HttpResponse:
    line = _line(pk)
    if (done := _settled_already(request, line)) is not None:
        return done
    form = ExplainForm(request.POST)
    if form.is_valid():
        try:
            statement_line_explain(
                line=line,
                reason=form.cleaned_data["reason"],
                account_code=form.cleaned_data["account_code"] or "",
                by=cast(User, request.user),
            )
        except (ReconciliationError, DomainError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "The line is explained.")
            return redirect("reconciliation:statement_line", pk=line.pk)
    return _line_page(request, line, explain_form=form)


@permission_required(MAPPING, raise_exception=True)
def csv_mappings(request: HttpRequest) -> HttpResponse:
    mapped = {m.bank_account_id: m for m in CsvMapping.objects.all()}
    return render(
        request,
        "reconciliation/csv_mappings.html",
        {"rows": [(account, mapped.get(account.pk)) for account in bank_accounts()]},
    )


@permission_required(MAPPING, raise_exception=True)
@require_http_methods(["GET", "POST"])
def csv_mapping_edit(request: HttpRequest, account_pk: int) -> HttpResponse:
    account = get_object_or_404(bank_accounts(), pk=account_pk)
    mapping = CsvMapping.objects.filter(bank_account=account).first()
    form = CsvMappingForm(request.POST or None, instance=mapping)
    if request.method == "POST" and form.is_valid():
        try:
            csv_mapping_save(bank_account=account, by=cast(User, request.user), **form.cleaned_data)
        except (ReconciliationError, DomainError) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Saved how {account.code} {account.name}'s CSV reads.")
            return redirect("reconciliation:csv_mappings")
    return render(
        request,
        "reconciliation/csv_mapping.html",
        {"form": form, "account": account},
        status=400 if form.errors else 200,
    )


urlpatterns = [
    path("statements/", statements, name="statements"),
    path("statements/progress/<uuid:token>/", import_progress, name="statement_progress"),
    path("statements/matching/", matching, name="statement_matching"),
    path("statements/auto-match/", auto_match, name="statement_auto_match"),
    path("statements/lines/<int:pk>/", statement_line, name="statement_line"),
    path("statements/lines/<int:pk>/deposit/", line_match_deposit, name="statement_line_deposit"),
    path("statements/lines/<int:pk>/card/", line_match_card, name="statement_line_card"),
    path("statements/lines/<int:pk>/lockbox/", line_match_lockbox, name="statement_line_lockbox"),
    path("statements/lines/<int:pk>/vendor/", line_match_vendor, name="statement_line_vendor"),
    path("statements/lines/<int:pk>/explain/", line_explain, name="statement_line_explain"),
    path("statements/csv-mappings/", csv_mappings, name="csv_mappings"),
    path("statements/csv-mappings/<int:account_pk>/", csv_mapping_edit, name="csv_mapping_edit"),
]
