import csv
import ipaddress
import re
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required, permission_required
from django.contrib.auth.models import User
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from audit.models import AccessEvent
from audit.network import client_address
from audit.services import access_record
from billing import plans
from billing.barcode import code128_svg
from billing.certificates import lien_certificate_pdf_render
from billing.errors import AlreadyImported, BillingError, ImportRejected
from billing.forms import (
    AdjustForm,
    AppealForm,
    AsOfForm,
    ImportForm,
    InvoiceForm,
    InvoiceLineFormSet,
    LienCertificateFindForm,
    PlanCancelForm,
    PlanEnrollForm,
    SearchForm,
    WaiverForm,
)
from billing.liens import (
    certificate_by_code,
    certificate_changes,
    certificate_is_void,
    certificate_sales,
)
from billing.models import (
    Bill,
    BillType,
    Customer,
    Department,
    ImportBatch,
    LienCertificate,
    PaymentPlan,
    PlanBill,
    PlanCancellation,
    Property,
)
from billing.plan_standing import PlanStanding, standings
from billing.scanline import MAX_AMOUNT as SCANLINE_MAX_AMOUNT
from billing.scanline import configured_scheme, scanline_build, scanline_spaced
from billing.selectors import (
    adjustment_plan,
    amount_due,
    bill_history,
    bills_owed_by,
    boot_eligible_vehicle_ids,
    customer_credit,
    customer_credit_lines,
    delinquent_tax_bills,
    has_open_drawer,
    plan_bills_owed,
    plan_bills_owed_if_cancelled,
    plan_of_bills,
    plan_payment_rows,
    plan_terms,
    plans_at_risk,
    search,
)
from billing.services import (
    WRITE_OFF_REASONS,
    bill_adjust,
    bill_import,
    customer_view_log,
    invoice_create,
    payment_plan_cancel,
    payment_plan_enroll,
    penalty_waive,
    ticket_appeal_record,
    verify_throttle_hit,
)
from cashiering.pdf import pdf_response, render_pdf
from ledger.errors import DomainError


def books_refused(action: str) -> str:
    """What a page says when PostgreSQL refuses a money action's writes (a check constraint, a
    trigger, a deadlock): never an HTTP 500, never the database's own text (issue 8 §9)."""
    return (
        f"The books refused this {action}, so nothing was saved. Reload the page and try again; "
        "ask a Supervisor if it happens again."
    )


def _as_of(request: HttpRequest) -> tuple[AsOfForm, date]:
    form = AsOfForm(request.GET)
    as_of = form.cleaned_data["as_of"] if form.is_valid() else timezone.localdate()
    return form, as_of


def _can_pay_at_counter(request: HttpRequest) -> bool:
    """Whether look up offers "Pay at the counter": the user takes payments and has a drawer
    open now (issue 10 §4)."""
    user = cast(User, request.user)
    return user.has_perm("payments.take_payment") and has_open_drawer(user)


@permission_required("billing.view_bill", raise_exception=True)
def search_view(request: HttpRequest) -> HttpResponse:
    form = SearchForm(request.GET or None)
    result = None
    if form.is_valid() and form.cleaned_data["q"]:
        as_of = form.cleaned_data["as_of"]
        result = search(form.cleaned_data["q"], as_of=as_of)
        if result.bill is not None and not result.scanline_error and len(result.groups) <= 1:
            # A scanned scanline or an exact bill number opens the bill.
            return redirect(f"{result.bill.get_absolute_url()}?as_of={as_of.isoformat()}")
    template = (
        "billing/_results.html" if request.headers.get("HX-Request") else "billing/search.html"
    )
    return render(
        request,
        template,
        {"form": form, "result": result, "can_pay": _can_pay_at_counter(request)},
    )


@permission_required("billing.view_bill", raise_exception=True)
def bill_view(request: HttpRequest, number: str) -> HttpResponse:
    bill = get_object_or_404(
        Bill.objects.select_related(
            "customer", "property", "water_account", "vehicle", "violation"
        ),
        number=number,
    )
    form, as_of = _as_of(request)
    boot = (
        bill.vehicle_id in boot_eligible_vehicle_ids([bill.vehicle_id])
        if bill.vehicle_id
        else False
    )
    return render(
        request,
        "billing/bill.html",
        {
            "bill": bill,
            "form": form,
            "as_of": as_of,
            "due": amount_due(bill, as_of),
            "lines": bill.lines.select_related("charge_type", "revenue_account"),
            "history": bill_history(bill),
            "can_pay": bill.balance > 0 and _can_pay_at_counter(request),
            "appeals": bill.appeals.select_related("recorded_by"),
            "appeal_form": AppealForm(),
            "boot_eligible": boot,
            "in_plan": plan_of_bills([bill.pk], as_of).get(bill.pk),
        },
    )


@permission_required("billing.view_customer", raise_exception=True)
def customer_view(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    # The page shows the contact details in full (docs/security/audit.md): the view is logged.
    customer_view_log(customer=customer, by=cast(User, request.user))
    access_record(
        kind=AccessEvent.Kind.VIEW,
        what=f"Customer page: {customer.name}",
        request=request,
        customer_ids=[customer.pk],
        object_type="billing.Customer",
        object_id=customer.pk,
    )
    form, as_of = _as_of(request)
    owed = bills_owed_by(customer, as_of)
    return render(
        request,
        "billing/customer.html",
        {
            "customer": customer,
            "form": form,
            "as_of": as_of,
            "owed": owed,
            "total_due": sum(o.due.total for o in owed),
            "properties": customer.properties.all(),
            "water_accounts": customer.water_accounts.all(),
            "vehicles": customer.vehicles.all(),
            "paid": customer.bills.filter(balance=0).order_by("-due_date")[:50],
            "recent_views": customer.views.select_related("viewed_by")[:10],
            "credit": customer_credit(customer),
            "credit_lines": customer_credit_lines(customer)[:20],
            "can_pay": _can_pay_at_counter(request),
        },
    )


@permission_required("billing.view_customer", raise_exception=True)
@require_POST
def customer_contact_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A list's "Show" button: one customer's contact details in full, logged as a REVEAL.
    htmx swaps the fragment into the list; without JavaScript it is a page of its own."""
    customer = get_object_or_404(Customer, pk=pk)
    access_record(
        kind=AccessEvent.Kind.REVEAL,
        what=f"Contact details: {customer.name}",
        request=request,
        customer_ids=[customer.pk],
        object_type="billing.Customer",
        object_id=customer.pk,
    )
    template = (
        "billing/_contact.html" if request.headers.get("HX-Request") else "billing/contact.html"
    )
    return render(request, template, {"customer": customer})


@permission_required("billing.waive_penalty", raise_exception=True)
@require_http_methods(["GET", "POST"])
def waive_view(request: HttpRequest, number: str) -> HttpResponse:
    bill = get_object_or_404(Bill, number=number)
    today = timezone.localdate()
    due = amount_due(bill, today)
    form = WaiverForm(request.POST or None, initial={"token": uuid.uuid4()})
    if request.method == "POST" and form.is_valid():
        try:
            waiver = penalty_waive(
                bill=bill,
                reason=form.cleaned_data["reason"],
                by=cast(User, request.user),
                as_of=today,
                token=form.cleaned_data["token"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        except DatabaseError:
            form.add_error(None, books_refused("waiver"))
        else:
            messages.success(
                request,
                f"Waived ${waiver.penalty + waiver.interest:,.2f} of penalty and interest "
                f"on bill {bill.number}.",
            )
            return redirect(bill)
    return render(
        request,
        "billing/waive.html",
        {"bill": bill, "due": due, "form": form, "in_plan": _frozen_plan(bill, today)},
    )


def _frozen_plan(bill: Bill, as_of: date) -> PlanStanding | None:
    """The plan in good standing (or late) the bill is in: it is not waived or adjusted while
    the plan stands (billing.services refuses it; the page says so first)."""
    standing = plan_of_bills([bill.pk], as_of).get(bill.pk)
    return standing if standing is not None and standing.frozen else None


@permission_required("billing.adjust_bill", raise_exception=True)
@require_http_methods(["GET", "POST"])
def adjust_view(request: HttpRequest, number: str) -> HttpResponse:
    """Cancel or write down a bill: the form, then a page saying what it will post, then the
    adjustment (one-time token, so a second submit finds the first)."""
    bill = get_object_or_404(Bill, number=number)
    today = timezone.localdate()
    due = amount_due(bill, today)
    form = AdjustForm(request.POST or None, initial={"token": uuid.uuid4()})
    plan = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            plan = adjustment_plan(due, kind=data["kind"], amount=data["amount"], number=number)
            if data["confirmed"]:
                adjustment = bill_adjust(
                    bill=bill,
                    kind=data["kind"],
                    amount=plan.amount,
                    reason=data["reason"],
                    note=data["note"],
                    by=cast(User, request.user),
                    token=data["token"],
                    as_of=today,
                )
                messages.success(
                    request,
                    f"Bill {bill.number} {adjustment.get_kind_display().lower()} by "
                    f"${adjustment.amount:,.2f}: it now owes ${adjustment.balance_after:,.2f}.",
                )
                return redirect(bill)
        except DomainError as exc:
            form.add_error(None, str(exc))
            plan = None
        except DatabaseError:
            form.add_error(None, books_refused("adjustment"))
            plan = None
    return render(
        request,
        "billing/adjust.html",
        {
            "bill": bill,
            "due": due,
            "form": form,
            "plan": plan,
            "written_off": plan is not None and form.cleaned_data["reason"] in WRITE_OFF_REASONS,
            "in_plan": _frozen_plan(bill, today),
        },
    )


@permission_required("billing.record_appeal", raise_exception=True)
@require_http_methods(["POST"])
def appeal_view(request: HttpRequest, number: str) -> HttpResponse:
    bill = get_object_or_404(Bill, number=number)
    form = AppealForm(request.POST)
    if form.is_valid():
        try:
            ticket_appeal_record(
                bill=bill,
                pending=form.cleaned_data["action"] == "open",
                note=form.cleaned_data["note"],
                by=cast(User, request.user),
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            state = (
                "opened: no late fees accrue" if form.cleaned_data["action"] == "open" else "closed"
            )
            messages.success(request, f"Appeal on ticket {bill.number} {state}.")
    else:
        messages.error(request, "Add a note saying what happened; nothing was recorded.")
    return redirect(bill)


@permission_required("billing.view_department", raise_exception=True)
def directory_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "billing/directory.html",
        {"departments": Department.objects.prefetch_related("faqs")},
    )


@permission_required("billing.import_bills", raise_exception=True)
@require_http_methods(["GET", "POST"])
def import_view(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    rejected = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = bill_import(
                source=form.cleaned_data["source"],
                filename=upload.name,
                content=upload.read(),
                by=cast(User, request.user),
                token=form.cleaned_data["token"],
            )
        except ImportRejected as exc:
            rejected = exc
            form.add_error(None, str(exc))
        except AlreadyImported as exc:
            messages.info(request, str(exc))
            return redirect("billing:import")
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                f"Imported {batch.bills_created:,} bills from {batch.filename} "
                f"(${batch.amount_total:,.2f}).",
            )
            return redirect("billing:import")
    return render(
        request,
        "billing/import.html",
        {
            "form": form,
            # Every page gets a fresh token: one upload, one import, however often it is sent.
            "token": uuid.uuid4(),
            "rejected": rejected,
            "errors": rejected.errors[:500] if rejected else [],
            "batches": ImportBatch.objects.select_related("uploaded_by")[:20],
        },
    )


@permission_required("billing.import_bills", raise_exception=True)
def import_progress(request: HttpRequest, token: uuid.UUID) -> HttpResponse:
    batch = ImportBatch.objects.filter(token=token).first()
    return render(request, "billing/_import_progress.html", {"batch": batch})


@permission_required("billing.import_bills", raise_exception=True)
@permission_required("billing.export_personal_data", raise_exception=True)
def import_errors_csv(request: HttpRequest, pk: int) -> HttpResponse:
    # What a file said and what is on file: names and addresses, so an export of personal data.
    batch = get_object_or_404(ImportBatch, pk=pk)
    access_record(
        kind=AccessEvent.Kind.EXPORT,
        what=f"Import {batch.pk} errors (CSV)",
        request=request,
        object_type="billing.ImportBatch",
        object_id=batch.pk,
    )
    response = HttpResponse(content_type="text/csv")
    response["Content-Disposition"] = f'attachment; filename="import-{batch.pk}-errors.csv"'
    writer = csv.writer(response)
    # A conflict also says which bill, what is on file and what the file says.
    keys = ["line", "column", "problem", "bill", "on_file", "in_file"]
    writer.writerow(keys)
    for error in batch.errors:
        writer.writerow([error.get(key, "") for key in keys])
    return response


@permission_required("billing.create_invoice", raise_exception=True)
@require_http_methods(["GET", "POST"])
def invoice_new(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    if request.method == "POST":
        form = InvoiceForm(request.POST)
        lines = InvoiceLineFormSet(request.POST, prefix="line")
        if form.is_valid() and lines.is_valid():
            try:
                bill = invoice_create(
                    customer=customer,
                    charges=lines.charges(),
                    due_date=form.cleaned_data["due_date"],
                    memo=form.cleaned_data["memo"],
                    by=cast(User, request.user),
                    token=form.cleaned_data["token"],
                )
            except DomainError as exc:
                form.add_error(None, str(exc))
            except DatabaseError:
                form.add_error(None, books_refused("invoice"))
            else:
                messages.success(
                    request, f"Invoice {bill.number} created for ${bill.principal:,.2f}."
                )
                return redirect(bill)
    else:
        form = InvoiceForm(
            initial={"token": uuid.uuid4(), "due_date": timezone.localdate() + timedelta(days=30)}
        )
        lines = InvoiceLineFormSet(prefix="line")
    return render(
        request, "billing/invoice_new.html", {"customer": customer, "form": form, "lines": lines}
    )


@permission_required("billing.view_bill", raise_exception=True)
def invoice_pdf(request: HttpRequest, number: str) -> HttpResponse:
    bill = get_object_or_404(
        Bill.objects.select_related("customer"), number=number, bill_type=BillType.INVOICE
    )
    today = timezone.localdate()
    due = amount_due(bill, today)
    scanline = barcode = ""
    if due.total <= SCANLINE_MAX_AMOUNT:
        digits = scanline_build(reference=bill.pk, amount=due.total, scheme=configured_scheme())
        scanline = scanline_spaced(digits)
        barcode = mark_safe(code128_svg(digits, show_text=False))  # noqa: S308 - our SVG
    # else: an invoice made before the form refused such totals, or grown past it by interest,
    # prints its stub without a scanline, and the stub says so (never a 500).
    pdf = render_pdf(
        template_name="pdf/invoice.html",
        context={
            "bill": bill,
            "lines": bill.lines.select_related("revenue_account"),
            "due": due,
            "today": today,
            "scanline": scanline,
            "barcode": barcode,
            "office_name": settings.OFFICE_NAME,
            "office_address": settings.OFFICE_ADDRESS,
            "office_phone": settings.OFFICE_PHONE,
        },
    )
    return pdf_response(pdf=pdf, filename=f"{bill.number}.pdf")


# Certified lists of liens

VIEW_CERTIFICATES = "billing.view_liencertificate"
_CERTIFICATE_NUMBER = re.compile(r"^(TR-)?LC-(\d{4})-(\d{1,6})$")
CERTIFICATES_LISTED = 100


def _certificate_or_404(pk: int) -> LienCertificate:
    return get_object_or_404(LienCertificate.objects.select_related("property", "issued_by"), pk=pk)


@permission_required(VIEW_CERTIFICATES, raise_exception=True)
def lien_certificates_view(request: HttpRequest) -> HttpResponse:
    """Find a certificate by number or verification code (opens it), or a parcel's
    certificates; the latest ones otherwise."""
    form = LienCertificateFindForm(request.GET or None)
    certificates = LienCertificate.objects.select_related("property", "issued_by")
    parcel = None
    query = form.cleaned_data["q"].strip() if form.is_valid() else ""
    if query:
        number = _CERTIFICATE_NUMBER.match(query.upper().replace(" ", ""))
        found = (
            certificates.filter(
                training=bool(number.group(1)),
                year=int(number.group(2)),
                sequence=int(number.group(3)),
            ).first()
            if number
            else certificate_by_code(query)
        )
        if found is not None:
            return redirect(found)
        # As the counter's lien search reads a parcel (payments.forms.LienSearchForm): no
        # blanks of any kind, any case.
        typed = "".join(query.split())
        parcel = Property.objects.filter(parcel_number__iexact=typed).first()
        certificates = certificates.filter(property=parcel) if parcel else certificates.none()
    listed = list(certificates[:CERTIFICATES_LISTED])
    sales = certificate_sales(c.pk for c in listed)
    return render(
        request,
        "billing/lien_certificates.html",
        {
            "form": form,
            "query": query,
            "parcel": parcel,
            "rows": [(c, sales.get(c.pk)) for c in listed],
        },
    )


@permission_required(VIEW_CERTIFICATES, raise_exception=True)
def lien_certificate_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A certificate in full: its items as certified, who issued it and when, its sale, what
    changed on the parcel since (and through which receipt or adjustment), the PDF, and the
    payoff into the cart."""
    certificate = _certificate_or_404(pk)
    user = cast(User, request.user)
    sale = certificate_sales([certificate.pk]).get(certificate.pk)
    void = sale is not None and sale.void
    items = list(certificate.items.select_related("bill"))
    today = timezone.localdate()
    return render(
        request,
        "billing/lien_certificate.html",
        {
            "certificate": certificate,
            "items": items,
            "owners": certificate.owners.splitlines(),
            "sale": sale,
            "void": void,
            "changes": certificate_changes(certificate),
            "can_pay_off": bool(items) and not void and _can_pay_at_counter(request),
            "takes_payments": user.has_perm("payments.take_payment"),
            "past_good_through": today > certificate.good_through,
            "today": today,
        },
    )


@permission_required(VIEW_CERTIFICATES, raise_exception=True)
def lien_certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The certificate to print, drawn from what was stored when it was issued."""
    certificate = _certificate_or_404(pk)
    pdf = lien_certificate_pdf_render(
        certificate, base_url=request.build_absolute_uri("/").rstrip("/")
    )
    return pdf_response(pdf=pdf, filename=f"lien-certificate-{certificate.number}.pdf")


def throttled_client(address: str) -> str:
    """Who the verification page's throttle counts an address as: an IPv4 address itself, an
    IPv6 address its /64 network (what one household or server is given, so a client cannot
    take a fresh address for every guess), anything else as it is."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:  # ::ffff:203.0.113.9 is an IPv4 client
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


@login_not_required
@require_GET
@never_cache
def verify_view(request: HttpRequest, code: str) -> HttpResponse:
    """The public verification of a certificate, without sign-in (the one page besides sign-in
    and the health check): only its number, parcel, good-through date and payoff, whether
    anything on the parcel changed since it was issued, and VOID. Throttled per client address
    (VERIFY_REQUESTS_PER_MINUTE), unknown codes included, so codes cannot be tried in bulk."""
    if not verify_throttle_hit(
        client=throttled_client(client_address(request)),
        limit=settings.VERIFY_REQUESTS_PER_MINUTE,
    ):
        response = render(request, "billing/verify_throttled.html", status=429)
        response["Retry-After"] = "60"
        return response
    certificate = certificate_by_code(code)
    if certificate is None:
        raise Http404("No certificate has that verification code.")
    user = request.user
    return render(
        request,
        "billing/verify.html",
        {
            "certificate": certificate,
            "void": certificate_is_void(certificate),
            "changed": certificate_changes(certificate, detail=False).changed,
            "staff": user.is_authenticated and user.has_perm(VIEW_CERTIFICATES),
        },
    )


# Delinquent-tax payment plans (RPTL §1184)


def _plan_form(request: HttpRequest, prop: Property, as_of: date) -> tuple[PlanEnrollForm, list]:
    owed = delinquent_tax_bills(prop, as_of)
    people = {c.pk: c for c in prop.owners.all()} | {
        o.bill.customer_id: o.bill.customer for o in owed
    }
    terms = plan_terms()
    form = PlanEnrollForm(
        request.POST or None,
        initial={
            "token": uuid.uuid4(),
            "bills": [o.bill.pk for o in owed],
            "customer": next(iter(people), None),
            "down_payment": Decimal("0.00"),
            "installments": terms.max_installments,
        },
        bill_choices=[
            (
                o.bill.pk,
                f"{o.bill.number} · {o.bill.tax_year or ''} {o.bill.description} · "
                f"${o.due.total:,.2f}",
            )
            for o in owed
        ],
        customer_choices=[(pk, c.name) for pk, c in people.items()],
        max_installments=terms.max_installments,
    )
    return form, owed


def _plan_of_token(request: HttpRequest, prop: Property) -> PaymentPlan | None:
    if request.method != "POST" or not request.POST.get("confirmed"):
        return None
    try:
        token = uuid.UUID(request.POST.get("token", ""))
    except ValueError:
        return None
    return PaymentPlan.objects.filter(token=token, property=prop).first()


@permission_required("billing.enroll_payment_plan", raise_exception=True)
@require_http_methods(["GET", "POST"])
def plan_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Enroll a parcel's delinquent taxes in a payment plan: the form, then the schedule to
    check ("This creates plan …, signed agreement required"), then the plan."""
    prop = get_object_or_404(Property, pk=pk)
    today = timezone.localdate()
    earlier = _plan_of_token(request, prop)
    if earlier is not None:
        # A second submit of a form that made a plan (a double-click, a reload): its bills are
        # no longer offered, so show the plan the first one made.
        return redirect(earlier)
    form, owed = _plan_form(request, prop, today)
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        chosen = [o for o in owed if o.bill.pk in set(data["bills"])]
        total = sum((o.due.total for o in chosen), Decimal("0.00"))
        terms = plan_terms()
        cap = plans.down_payment_cap(total, terms.max_down_payment_percent)
        try:
            if data["down_payment"] > cap:
                raise BillingError(
                    f"The down payment may be at most "
                    f"{terms.max_down_payment_percent.normalize()}% of the ${total:,.2f} owed: "
                    f"${cap:,.2f}."
                )
            rows = plans.schedule(
                total=total,
                down_payment=data["down_payment"],
                installments=data["installments"],
                enrolled_on=today,
            )
            preview = {
                "bills": chosen,
                "total": total,
                "rows": rows,
                "extra": plans.extra_cent_installments([(r.number, r.amount) for r in rows]),
                "customer": Customer.objects.filter(pk=data["customer"]).first(),
            }
            if data["confirmed"]:
                plan = payment_plan_enroll(
                    property=prop,
                    bills=[o.bill for o in chosen],
                    customer=get_object_or_404(Customer, pk=data["customer"]),
                    down_payment=data["down_payment"],
                    installments=data["installments"],
                    as_of=today,
                    by=cast(User, request.user),
                    token=data["token"],
                )
                messages.success(
                    request,
                    f"Payment plan {plan.number} created: print the agreement for the taxpayer "
                    "and the Supervisor to sign.",
                )
                return redirect(plan)
        except (DomainError, ValueError) as exc:
            form.add_error(None, str(exc))
            preview = None
        except DatabaseError:
            form.add_error(None, books_refused("payment plan"))
            preview = None
    return render(
        request,
        "billing/plan_new.html",
        {"property": prop, "form": form, "owed": owed, "preview": preview, "terms": plan_terms()},
    )


def _plan_context(plan: PaymentPlan, as_of: date) -> dict:
    standing = standings([plan], as_of)[plan.pk]
    owed = plan_bills_owed(plan, as_of)
    enrolled = {link.bill_id: link.owed_on_enrolment for link in PlanBill.objects.filter(plan=plan)}
    return {
        "plan": plan,
        "as_of": as_of,
        "standing": standing,
        "owed": owed,
        "enrolled": enrolled,
        "bills_total": sum((o.due.total for o in owed), Decimal("0.00")),
        "owners": plan.property.owners.all(),
        "payments": plan_payment_rows(standing, (o.bill for o in owed)),
    }


@permission_required("billing.view_bill", raise_exception=True)
def plan_view(request: HttpRequest, number: str) -> HttpResponse:
    """A plan: its schedule (paid, unpaid, late), bills, payments and standing."""
    plan = get_object_or_404(
        PaymentPlan.objects.select_related("property", "customer", "enrolled_by"), number=number
    )
    form, as_of = _as_of(request)
    context = _plan_context(plan, as_of)
    context |= {
        "form": form,
        "can_pay": _can_pay_at_counter(request),
        "cancellation": PlanCancellation.objects.filter(plan=plan)
        .select_related("cancelled_by")
        .first(),
    }
    return render(request, "billing/plan.html", context)


@permission_required("billing.view_bill", raise_exception=True)
def plan_agreement_pdf(request: HttpRequest, number: str) -> HttpResponse:
    """The agreement the taxpayer and the Supervisor sign (US Letter)."""
    plan = get_object_or_404(
        PaymentPlan.objects.select_related("property", "customer", "enrolled_by"), number=number
    )
    context = _plan_context(plan, plan.enrolled_on)
    pdf = render_pdf(
        template_name="pdf/payment_plan_agreement.html", context=context, request=request
    )
    return pdf_response(pdf=pdf, filename=f"payment-plan-{plan.number}.pdf")


@permission_required("billing.enroll_payment_plan", raise_exception=True)
def plans_at_risk_view(request: HttpRequest) -> HttpResponse:
    """Active plans with an installment late, and plans in default, oldest first."""
    form, as_of = _as_of(request)
    return render(
        request,
        "billing/plans_at_risk.html",
        {"form": form, "as_of": as_of, "plans": plans_at_risk(as_of)},
    )


@permission_required("billing.enroll_payment_plan", raise_exception=True)
@require_http_methods(["GET", "POST"])
def plan_cancel(request: HttpRequest, number: str) -> HttpResponse:
    """Cancel a plan (Supervisors): the reason, then what its bills will owe without it, then
    the cancellation (one-time token: a second submit finds the first)."""
    plan = get_object_or_404(
        PaymentPlan.objects.select_related("property", "customer"), number=number
    )
    form = PlanCancelForm(request.POST or None, initial={"token": uuid.uuid4()})
    today = timezone.localdate()
    confirm = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["confirmed"]:
                payment_plan_cancel(
                    plan=plan,
                    reason=data["reason"],
                    by=cast(User, request.user),
                    token=data["token"],
                    as_of=today,
                )
                messages.success(
                    request,
                    f"Payment plan {plan.number} cancelled: its bills owe on their own again and "
                    "may be waived, adjusted or enrolled in a new plan.",
                )
                return redirect(plan)
            if plan.status != PaymentPlan.Status.ACTIVE:
                raise BillingError(
                    f"Payment plan {plan.number} is {plan.get_status_display().lower()}: only "
                    "an active plan is cancelled."
                )
            confirm = True
        except DomainError as exc:
            form.add_error(None, str(exc))
        except DatabaseError:
            form.add_error(None, books_refused("cancellation"))
    owed = plan_bills_owed_if_cancelled(plan, today) if plan.status == plan.Status.ACTIVE else []
    return render(
        request,
        "billing/plan_cancel.html",
        {
            "plan": plan,
            "form": form,
            "confirm": confirm,
            "as_of": today,
            "standing": standings([plan], today)[plan.pk],
            "owed": owed,
            "owed_total": sum((o.due.total for o in owed), Decimal("0.00")),
        },
    )
