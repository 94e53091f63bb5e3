"""Remittance pages: a mail batch worked by keyboard (open, add checks, post with a
confirmation, cancel), its report PDF, the exceptions queue with a Supervisor's resolutions and
the return letter, and the import of a lockbox or vendor file with progress."""

import uuid
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from cashiering.pdf import pdf_response, render_pdf
from ledger.errors import DomainError
from ledger.money import ZERO, format_money
from payments.forms_remittance import (
    BatchCancelForm,
    BatchOpenForm,
    BatchPostForm,
    ExceptionFilterForm,
    ImportForm,
    ItemAddForm,
    ResolveForm,
)
from payments.models import RemittanceBatch, RemittanceItem
from payments.remittance_progress import (
    ImportProgress,
    remittance_import_finish,
    remittance_import_progress,
    remittance_import_start,
)
from payments.remittance_selectors import (
    remittance_batch_totals,
    remittance_batches,
    remittance_exceptions_open,
    remittance_items_reversed,
)
from payments.services.remittance import (
    remittance_batch_cancel,
    remittance_batch_open,
    remittance_batch_post,
    remittance_batch_workable,
    remittance_exception_resolve,
    remittance_file_import,
    remittance_item_add,
    remittance_item_remove,
    remittance_return_letter_context,
)

WORK = "payments.work_remittance"
RESOLVE = "payments.resolve_remittance"
RECENT_BATCHES = 30
QUEUE_PAGE = 200


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _batch(pk: int) -> RemittanceBatch:
    return get_object_or_404(
        RemittanceBatch.objects.select_related(
            "office", "source", "opened_by", "posted_by", "drawer"
        ),
        pk=pk,
    )


def _items(batch: RemittanceBatch):
    return batch.items.select_related("bill", "payment", "resolved_by").order_by("sequence")


# Mail batches


@permission_required(WORK, raise_exception=True)
@require_http_methods(["GET", "POST"])
def batches_view(request: HttpRequest) -> HttpResponse:
    """The batches of the office, newest first, and the form that opens a mail batch."""
    form = BatchOpenForm(request.POST or None, initial={"token": uuid.uuid4()})
    if request.method == "POST" and form.is_valid():
        try:
            batch = remittance_batch_open(
                office=form.cleaned_data["office"],
                kind="mail",
                control_total=form.cleaned_data["control_total"],
                control_count=form.cleaned_data["control_count"],
                by=_user(request),
                token=form.cleaned_data["token"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("payments:remittance_batch", pk=batch.pk)
    office = form.fields["office"].queryset.first()  # type: ignore[attr-defined]
    batches = list(remittance_batches(office)[:RECENT_BATCHES]) if office else []
    return render(request, "payments/remittance/batches.html", {"form": form, "batches": batches})


def _item_form(batch: RemittanceBatch, data=None) -> ItemAddForm:
    """A fresh item form; its postmark starts at the last one entered in the batch."""
    last = (
        batch.items.exclude(postmark=None)
        .order_by("-sequence")
        .values_list("postmark", flat=True)
        .first()
    )
    return ItemAddForm(data, initial={"token": uuid.uuid4(), "postmark": last})


def _work_context(
    request: HttpRequest, batch: RemittanceBatch, item_form: ItemAddForm | None = None
) -> dict:
    """What the batch's working area shows: totals against the control, the items (with their
    receipts' refunds and returned checks since posting), the form; `workable`: the batch is
    open and this user may work it (who opened it, or a Supervisor)."""
    items = list(_items(batch))
    return {
        "batch": batch,
        "workable": remittance_batch_workable(batch, _user(request)),
        "totals": remittance_batch_totals(batch),
        "items": items,
        "reversed_totals": remittance_items_reversed(items),
        "item_form": item_form or _item_form(batch),
    }


@permission_required(WORK, raise_exception=True)
def batch_view(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(pk)
    context = _work_context(request, batch)
    context["cancel_form"] = BatchCancelForm()
    return render(request, "payments/remittance/batch.html", context)


def _back_to_batch(request: HttpRequest, batch: RemittanceBatch, **context) -> HttpResponse:
    """htmx gets the working area; a plain form post goes back to the batch page (status 200
    with the errors when the form did not go through)."""
    form = context.get("item_form")
    if _is_htmx(request):
        return render(
            request, "payments/remittance/_work.html", _work_context(request, batch, form)
        )
    if form is not None and form.errors:
        full = _work_context(request, batch, form)
        full["cancel_form"] = BatchCancelForm()
        return render(request, "payments/remittance/batch.html", full)
    return redirect("payments:remittance_batch", pk=batch.pk)


@permission_required(WORK, raise_exception=True)
@require_POST
def item_add_view(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(pk)
    form = ItemAddForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            item = remittance_item_add(
                batch=batch,
                scanline=data["scanline"],
                amount=data["amount"],
                check_number=data["check_number"],
                check_payer=data["check_payer"],
                postmark=data["postmark"],
                by=_user(request),
                token=data["token"],
            )
        except DomainError as exc:
            form.add_error(_field_of(str(exc)), str(exc))
        else:
            if not _is_htmx(request):
                messages.success(request, _item_added_message(item))
            return _back_to_batch(request, batch)
    return _back_to_batch(request, batch, item_form=form)


# Which field a refusal of remittance_item_add is about, by the words of its message.
_FIELD_WORDS = (
    ("check number", "check_number"),
    ("postmark", "postmark"),
    ("amount", "amount"),
    ("scanline", "scanline"),
    ("bill number", "scanline"),
)


def _field_of(message: str) -> str | None:
    lowered = message.lower()
    return next((field for words, field in _FIELD_WORDS if words in lowered), None)


def _item_added_message(item: RemittanceItem) -> str:
    said = f"Item {item.sequence}: ${item.amount:,.2f}"
    if item.state == RemittanceItem.State.EXCEPTION:
        return f"{said}, an exception: {item.message or item.get_reason_display()}"
    return f"{said}, clean."


@permission_required(WORK, raise_exception=True)
@require_POST
def item_remove_view(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    batch = _batch(pk)
    item = batch.items.filter(pk=item_pk).first()
    if item is None:
        messages.info(request, "That item is no longer in the batch.")
        return redirect("payments:remittance_batch", pk=batch.pk)
    try:
        remittance_item_remove(item=item, by=_user(request))
    except DomainError as exc:
        said, level = str(exc), messages.ERROR
    else:
        said, level = (
            f"Item {item.sequence} ({format_money(item.amount)}) removed.",
            messages.SUCCESS,
        )
    if _is_htmx(request):
        context = _work_context(request, batch)
        context["notice"] = said
        return render(request, "payments/remittance/_work.html", context)
    messages.add_message(request, level, said)
    return redirect("payments:remittance_batch", pk=batch.pk)


@permission_required(WORK, raise_exception=True)
@require_http_methods(["GET", "POST"])
def batch_post_view(request: HttpRequest, pk: int) -> HttpResponse:
    """The confirmation page (posting cannot be undone), and the post itself."""
    batch = _batch(pk)
    if batch.status != RemittanceBatch.Status.OPEN:
        return redirect("payments:remittance_batch", pk=batch.pk)
    form = BatchPostForm(request.POST or None, initial={"token": uuid.uuid4(), "confirm": True})
    if request.method == "POST" and form.is_valid():
        try:
            posted = remittance_batch_post(
                batch=batch, by=_user(request), token=form.cleaned_data["token"]
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _posted_message(posted))
            return redirect("payments:remittance_batch", pk=posted.pk)
    totals = remittance_batch_totals(batch)
    return render(
        request,
        "payments/remittance/post_confirm.html",
        {"batch": batch, "totals": totals, "form": form},
    )


def _posted_message(batch: RemittanceBatch) -> str:
    """What posting did: receipts for the applied items, exceptions left for a Supervisor."""
    items = list(batch.items.only("amount", "state"))
    applied = [i.amount for i in items if i.state == RemittanceItem.State.APPLIED]
    held = [i.amount for i in items if i.state != RemittanceItem.State.APPLIED]
    said = (
        f"Batch {batch.number} posted: {len(applied)} receipt{pluralize(len(applied))} "
        f"for {format_money(sum(applied, ZERO))}"
    )
    if held:
        said += (
            f"; {len(held)} exception{pluralize(len(held))} "
            f"({format_money(sum(held, ZERO))}) wait for a Supervisor"
        )
    return said + "."


@permission_required(WORK, raise_exception=True)
@require_POST
def batch_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    batch = _batch(pk)
    form = BatchCancelForm(request.POST)
    if form.is_valid():
        try:
            remittance_batch_cancel(
                batch=batch, by=_user(request), reason=form.cleaned_data["reason"]
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Batch {batch.number} cancelled: nothing was posted.")
            return redirect("payments:remittance_batches")
    context = _work_context(request, batch)
    context["cancel_form"] = form
    return render(request, "payments/remittance/batch.html", context)


@permission_required(WORK, raise_exception=True)
def batch_report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The batch report, US Letter: every item, totals by state, control against entered."""
    batch = _batch(pk)
    context = _work_context(request, batch)
    pdf = render_pdf(
        template_name="pdf/remittance_batch.html",
        context={
            **context,
            "count_difference": context["totals"].count - context["totals"].control_count,
            "state_totals": _state_totals(context["items"]) + context["reversed_totals"],
            "printed_at": timezone.now(),
            "printed_by": _user(request),
        },
    )
    return pdf_response(pdf=pdf, filename=f"remittance-{batch.number}.pdf")


def _state_totals(items: list[RemittanceItem]) -> list[tuple[str, int, object]]:
    """(state, count, total) for each state that has items, in the states' own order."""
    rows = []
    for value, label in RemittanceItem.State.choices:
        mine = [item.amount for item in items if item.state == value]
        if mine:
            rows.append((label, len(mine), sum(mine)))
    return rows


# Exceptions


def _queue(request: HttpRequest, filters: ExceptionFilterForm):
    items = remittance_exceptions_open().select_related("batch", "bill", "bill__customer")
    if filters.is_valid():
        if filters.cleaned_data["batch"]:
            items = items.filter(batch__number__iexact=filters.cleaned_data["batch"].strip())
        if filters.cleaned_data["reason"]:
            items = items.filter(reason=filters.cleaned_data["reason"])
    return list(items.order_by("batch__opened_at", "sequence")[:QUEUE_PAGE])


def _exceptions_page(request: HttpRequest, bound: ResolveForm | None = None) -> HttpResponse:
    filters = ExceptionFilterForm(request.GET or None)
    can_resolve = request.user.has_perm(RESOLVE)
    rows = []
    for item in _queue(request, filters):
        form = None
        if can_resolve:
            form = bound if bound is not None and bound.prefix == f"r{item.pk}" else None
            form = form or ResolveForm(prefix=f"r{item.pk}", initial={"token": uuid.uuid4()})
        rows.append((item, form))
    returned = (
        RemittanceItem.objects.filter(state=RemittanceItem.State.RETURNED)
        .select_related("batch")
        .order_by("-resolved_at")[:20]
    )
    return render(
        request,
        "payments/remittance/exceptions.html",
        {
            "rows": rows,
            "filters": filters,
            "can_resolve": can_resolve,
            "returned": returned,
            "query": request.GET.urlencode(),
        },
    )


@permission_required(WORK, raise_exception=True)
def exceptions_view(request: HttpRequest) -> HttpResponse:
    return _exceptions_page(request)


@permission_required(RESOLVE, raise_exception=True)
@require_POST
def resolve_view(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(RemittanceItem.objects.select_related("batch", "bill"), pk=pk)
    form = ResolveForm(request.POST, prefix=f"r{item.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            resolved = remittance_exception_resolve(
                item=item,
                action=data["action"],
                amount=data["amount"],
                note=data["note"],
                by=_user(request),
                token=data["token"],
            )
        except DomainError as exc:
            form.add_error(_resolve_field_of(str(exc), data["action"]), str(exc))
        else:
            messages.success(request, _resolved_message(resolved))
            target = reverse("payments:remittance_exceptions")
            query = request.GET.urlencode()
            return redirect(f"{target}?{query}" if query else target)
    return _exceptions_page(request, bound=form)


def _resolve_field_of(message: str, action: str) -> str | None:
    """Which field of the resolve form a refusal is about: its note, its amount, or neither."""
    lowered = message.lower()
    if "note" in lowered:
        return "note"
    if action == "apply_partial" and ("amount" in lowered or "partial" in lowered):
        return "amount"
    return None


def _resolved_message(item: RemittanceItem) -> str:
    said = f"{item.batch.number} item {item.sequence} (${item.amount:,.2f})"
    if item.state == RemittanceItem.State.APPLIED and item.payment_id:
        return f"{said} applied: receipt {item.payment.receipt_number}."  # type: ignore[union-attr]
    if item.state == RemittanceItem.State.RETURNED:
        return f"{said} returned to sender: print the letter from the list below."
    return f"{said}: {item.get_state_display().lower()}."


@permission_required(WORK, raise_exception=True)
def return_letter_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(RemittanceItem.objects.select_related("batch"), pk=pk)
    if item.state != RemittanceItem.State.RETURNED:
        raise Http404("Only a check returned to its sender has a letter.")
    context = remittance_return_letter_context(item)
    pdf = render_pdf(template_name="pdf/remittance_return_letter.html", context=context)
    return pdf_response(pdf=pdf, filename=f"return-letter-{item.batch.number}-{item.sequence}.pdf")


# File imports


@permission_required(WORK, raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_view(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None, initial={"token": uuid.uuid4()})
    seen = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = _file_imported(request, form, upload)
        except DomainError as exc:
            form.add_error("file", str(exc))
            seen = getattr(exc, "batch", None)  # the same file twice: the batch that has it
        else:
            messages.success(request, f"{upload.name} imported and posted as batch {batch.number}.")
            response: HttpResponse = redirect("payments:remittance_batch", pk=batch.pk)
            if _is_htmx(request):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = reverse("payments:remittance_batch", args=[batch.pk])
            return response
    token = form["token"].value() or uuid.uuid4()
    imported = RemittanceBatch.objects.exclude(kind=RemittanceBatch.Kind.MAIL).select_related(
        "source", "opened_by"
    )[:20]
    return render(
        request,
        "payments/remittance/import.html",
        {"form": form, "token": token, "imported": imported, "seen": seen},
    )


def _file_imported(request: HttpRequest, form: ImportForm, upload) -> RemittanceBatch:
    """Import the upload with its progress in a RemittanceImport row (any app server's poller
    reads it), marked done or failed once the import is over."""
    job = remittance_import_start(
        token=form.cleaned_data["token"],
        source=form.cleaned_data["source"],
        file_name=upload.name,
        by=_user(request),
    )
    report = ImportProgress(job)
    try:
        batch = remittance_file_import(
            source=form.cleaned_data["source"],
            file_name=upload.name,
            content=upload.read(),
            by=_user(request),
            progress=report,
        )
    except Exception:
        remittance_import_finish(job=job, failed=True)
        raise
    finally:
        report.close()
    remittance_import_finish(job=job, failed=False)
    return batch


@permission_required(WORK, raise_exception=True)
def import_progress(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    return render(
        request,
        "payments/remittance/_import_progress.html",
        {"progress": remittance_import_progress(token)},
    )
