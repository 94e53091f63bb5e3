"""Pages of the counter: drawers, the one-visit cart (htmx), receipts, voids and approvals."""

import functools
import logging
import uuid
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.forms import ModelChoiceField
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from billing.barcode import code128_svg
from billing.liens import LienList, certificate_is_void, lien_terms, liens_on
from billing.models import Bill, Customer, FeeType, LienCertificate, PaymentPlan
from billing.selectors import amount_due, customer_credit, open_bills, search
from cashiering.dates import us_date
from cashiering.lockout import second_person
from cashiering.pdf import pdf_response, render_pdf
from cashiering.people import person_name
from ledger.errors import DomainError
from payments.cart import (
    cart_after_bill_changed,
    cart_items,
    cart_new,
    cart_of,
    cart_store,
    cart_tenders,
    cart_view,
    credit_tender_refusal,
    fee_types_sold,
    plan_add,
    plan_instead_of_bill,
)
from payments.errors import ApprovalRequired, BillChanged, PolicyRefused
from payments.forms import (
    BillAddForm,
    CashMovementForm,
    CounterSearchForm,
    CreditRefundForm,
    DecisionForm,
    DrawerOpenForm,
    FeeForm,
    ItemAmountForm,
    LienSearchForm,
    PostForm,
    ReceiptFilterForm,
    ReceiptFindForm,
    RefundForm,
    ReturnedCheckForm,
    ReversalForm,
    TenderForm,
)
from payments.models import (
    ApprovalRequest,
    CashMovement,
    CreditRefund,
    Drawer,
    Office,
    Payment,
    PaymentReversal,
    Tender,
    TenderKind,
)
from payments.selectors import (
    approvals_pending,
    credit_refund_office,
    drawer_of,
    drawer_payments,
    drawer_summary,
    drawers_open,
    payment_for_receipt,
    payment_reversals,
    payment_standing,
    payments_find,
    payments_recent,
    payments_to_review,
    receipt_lines,
    receipt_payer,
    receipt_visible_to,
    receipts_of_day,
)
from payments.services import (
    FeeItem,
    TenderIn,
    approval_decide,
    approval_request,
    cash_movement_record,
    check_clears_on,
    credit_refund,
    drawer_open,
    fee_item_check,
    payment_record,
    payment_refund,
    payment_review,
    payment_void,
    receipt_reprint_count,
    returned_check_record,
    tender_check,
)

logger = logging.getLogger(__name__)

TAKE = "payments.take_payment"
APPROVE = "payments.approve_payment"


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _approver(request: HttpRequest, form, office: Office) -> tuple[User | None, str]:
    """The Supervisor approving (dual control): one whose credentials were typed at the
    counter, who is not the person asking; or the signed-in Supervisor, only where the office
    allows self-approval. Returns (user or None, error message)."""
    user = _user(request)
    username = form.cleaned_data.get("supervisor_username", "")
    password = form.cleaned_data.get("supervisor_password", "")
    if not username and not password:
        if user.has_perm(APPROVE) and office.allow_self_approval:
            return user, ""
        return None, ""
    if username.strip().casefold() == user.get_username().casefold():
        return None, (
            "You cannot approve what you ask for: another Supervisor signs in here, or send it "
            "to the Supervisors' queue."
        )
    refused = "That is not a Supervisor's name and password."
    # Counted in the database by axes (cashiering.lockout), with the sign-in page's failures.
    approver, locked = second_person(request, username=username, password=password)
    if locked:
        return None, locked
    if approver is None or not approver.has_perm(APPROVE):
        # One message either way, so the form cannot be used to test anyone's password.
        logger.warning("Wrong Supervisor sign-in at the counter by %s", user.get_username())
        return None, refused
    return approver, ""


# Drawers


@permission_required(TAKE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def drawer_open_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    current = drawer_of(user)
    if current is not None:
        messages.info(request, f"Your drawer at {current.workstation} is open.")
        return redirect("payments:counter")
    stock_types = FeeType.objects.filter(counted_as_stock=True, is_active=True)
    form = DrawerOpenForm(
        request.POST or None, stock_types=stock_types, initial={"token": uuid.uuid4()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            drawer = drawer_open(
                clerk=user,
                workstation=form.cleaned_data["workstation"],
                counts=form.counts(),
                stock=form.stock(),
                training=form.cleaned_data["training"],
                token=form.cleaned_data["token"],
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            mode = " in training mode" if drawer.training else ""
            messages.success(
                request, f"Drawer opened{mode} with a float of ${drawer.opening_float:,.2f}."
            )
            return redirect("payments:counter")
    busy = set(
        Drawer.objects.filter(status=Drawer.Status.OPEN).values_list("workstation_id", flat=True)
    )
    return render(request, "payments/drawer_open.html", {"form": form, "busy": busy})


@sensitive_post_parameters("supervisor_password")
@permission_required(TAKE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def drawer_view(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    drawer = drawer_of(user)
    if drawer is None:
        return redirect("payments:drawer_open")
    form = CashMovementForm(request.POST or None, initial={"token": uuid.uuid4()})
    if request.method == "POST" and form.is_valid():
        # Two people: a Supervisor receives the cash into the safe, signing in here.
        receiver, refused = _approver(request, form, drawer.office)
        try:
            if receiver is None:
                raise ApprovalRequired(
                    refused
                    or "A Supervisor receives the cash into the safe: their name and password."
                )
            movement = cash_movement_record(
                drawer=drawer,
                kind=CashMovement.Kind.DROP,
                amount=form.cleaned_data["amount"],
                note=form.cleaned_data["note"],
                by=user,
                token=form.cleaned_data["token"],
                received_by=receiver,
            )
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, f"Cash drop of ${movement.amount:,.2f} recorded; print its receipt."
            )
            return redirect("payments:drawer")
    return render(
        request,
        "payments/drawer.html",
        {
            "summary": drawer_summary(drawer),
            # Blind close (issue 9): whoever works the drawer (a Supervisor at a window too)
            # does not see what it should hold before counting it at closing.
            "show_expected": not drawer.office.blind_close,
            "form": form,
            "movements": drawer.movements.select_related("recorded_by"),
            "payments": payments_recent(drawer),
        },
    )


@permission_required(TAKE, raise_exception=True)
def movement_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    movement = get_object_or_404(
        CashMovement.objects.select_related("drawer__workstation", "drawer__office", "recorded_by"),
        pk=pk,
    )
    user = _user(request)
    if movement.drawer.clerk_id != user.pk and not user.has_perm("payments.pickup_cash"):
        return HttpResponse(status=403)
    pdf = render_pdf(
        template_name="pdf/cash_movement.html",
        context={
            "movement": movement,
            "barcode": code128_svg(f"M{movement.pk}", height_mm=8, module_width_mm=0.25),
        },
        fit_page_height=True,
    )
    return pdf_response(pdf=pdf, filename=f"cash-{movement.kind}-{movement.pk}.pdf")


@permission_required("payments.pickup_cash", raise_exception=True)
@require_POST
def pickup_view(request: HttpRequest, pk: int) -> HttpResponse:
    drawer = get_object_or_404(Drawer, pk=pk)
    form = CashMovementForm(request.POST)
    if form.is_valid():
        try:
            movement = cash_movement_record(
                drawer=drawer,
                kind=CashMovement.Kind.PICKUP,
                amount=form.cleaned_data["amount"],
                note=form.cleaned_data["note"],
                by=_user(request),
                token=form.cleaned_data["token"],
            )
        except DomainError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request,
                f"Picked up ${movement.amount:,.2f} from {person_name(drawer.clerk)} "
                f"at {drawer.workstation}, "
                f"witnessed by {person_name(drawer.clerk)}.",
            )
    else:
        messages.error(request, _form_errors(form))
    return redirect("payments:approvals")


# The counter


def _with_open_drawer(view):
    """The counter's views work on the user's open drawer; without one, the clerk opens it."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        drawer = drawer_of(_user(request))
        if drawer is None:
            return redirect("payments:drawer_open")
        return view(request, drawer, *args, **kwargs)

    return wrapper


def _fee_form(data=None) -> FeeForm:
    """The fee form offers only what has a price today. A fee type posted anyway (a page open
    since before its price went) is validated against every active fee type first, so that the
    price check refuses it with a sentence rather than "Select a valid choice"."""
    form = FeeForm(data)
    if data is not None:
        form.is_valid()  # validated (and cached) before the offered choices narrow
    cast(ModelChoiceField, form.fields["fee_type"]).queryset = fee_types_sold(timezone.localdate())
    return form


def _render_cart(request: HttpRequest, drawer: Drawer, **extra) -> HttpResponse:
    cart = cart_of(request.session)
    context = {
        "drawer": drawer,
        "cart": cart_view(cart, drawer=drawer, as_of=timezone.localdate()),
        "fee_form": extra.pop("fee_form", None) or _fee_form(),
        "tender_form": extra.pop("tender_form", None) or TenderForm(),
        "post_form": extra.pop("post_form", None)
        or PostForm(initial={"token": cart["token"], "accept_overpayment": cart["overpayment"]}),
        **extra,
    }
    return render(request, "payments/_cart.html", context)


def _back_to_counter(request: HttpRequest, drawer: Drawer, **extra) -> HttpResponse:
    """htmx gets the cart; a plain form post goes back to the counter page."""
    if _is_htmx(request):
        return _render_cart(request, drawer, **extra)
    for key in ("error", "notice"):
        if extra.get(key):
            (messages.error if key == "error" else messages.info)(request, extra[key])
    for note in extra.get("race_notes", ()):
        messages.warning(request, note)
    return redirect("payments:counter")


def _counter_context(request: HttpRequest, drawer: Drawer) -> dict:
    """What the counter page shows whatever else it shows: the drawer, the cart as of today and
    the empty search, fee, tender and post forms."""
    cart = cart_of(request.session)  # stored in the session only when it is new
    return {
        "drawer": drawer,
        "search_form": CounterSearchForm(),
        "cart": cart_view(cart, drawer=drawer, as_of=timezone.localdate()),
        "fee_form": _fee_form(),
        "tender_form": TenderForm(),
        "post_form": PostForm(
            initial={"token": cart["token"], "accept_overpayment": cart["overpayment"]}
        ),
    }


@permission_required(TAKE, raise_exception=True)
@_with_open_drawer
def counter_view(request: HttpRequest, drawer: Drawer) -> HttpResponse:
    return render(request, "payments/counter.html", _counter_context(request, drawer))


@permission_required(TAKE, raise_exception=True)
@require_POST
@_with_open_drawer
def counter_search(request: HttpRequest, drawer: Drawer) -> HttpResponse:
    """The counter's search, by POST: what is typed or scanned never travels in a URL, so it is
    never written to an access log (a Supervisor's password once was, after the scanner
    detector moved it here), and the cart it may change is protected by the CSRF check."""
    form = CounterSearchForm(request.POST)
    result = None
    added = None
    if form.is_valid() and form.cleaned_data["q"]:
        result = search(form.cleaned_data["q"], as_of=timezone.localdate())
        # A scanned scanline or an exact bill number goes straight into the cart, from the
        # counter page itself (htmx), whose results pane shows the cart it changed.
        if result.bill is not None and not result.scanline_error and _is_htmx(request):
            added = _bill_add(request, result.bill)
    cart = cart_of(request.session)
    context: dict[str, object] = {
        "form": form,
        "result": result,
        "added": added,
        "in_cart": {row.get("bill_id") for row in cart["items"]},
    }
    if added is not None:
        context.update(
            drawer=drawer,
            cart=cart_view(cart, drawer=drawer, as_of=timezone.localdate()),
            fee_form=_fee_form(),
            tender_form=TenderForm(),
            post_form=PostForm(
                initial={"token": cart["token"], "accept_overpayment": cart["overpayment"]}
            ),
            cart_oob=True,
        )
    return render(request, "payments/_search_results.html", context)


def _bill_add(request: HttpRequest, bill: Bill, *, payoff: bool = False) -> str:
    """Put a bill in the cart at what it owes today (its payment plan instead, while the plan
    is not in default: with `payoff`, at all it takes to finish the plan). Returns what
    happened, for the clerk."""
    cart = cart_of(request.session)
    plan = plan_instead_of_bill(bill, timezone.localdate())
    if plan is not None:
        notice = plan_add(cart, plan, as_of=timezone.localdate(), payoff=payoff)
        cart_store(request.session, cart)
        return f"Bill {bill.number} is in payment plan {plan.number}. {notice}"
    if any(row.get("bill_id") == bill.pk for row in cart["items"]):
        return f"Bill {bill.number} is already in the cart."
    due = amount_due(bill, timezone.localdate())
    if due.total <= 0:
        return f"Bill {bill.number} is paid in full; nothing is owed on it."
    if cart["customer_id"] is None:
        cart["customer_id"] = bill.customer_id
    cart["items"].append(
        {
            "kind": "bill",
            "bill_id": bill.pk,
            "amount": str(due.total),
            "expected_due": str(due.total),
            "added_at": timezone.now().isoformat(),
        }
    )
    cart_store(request.session, cart)
    return f"Added bill {bill.number}: ${due.total:,.2f}."


@permission_required(TAKE, raise_exception=True)
@require_POST
@_with_open_drawer
def cart_bill_add(request: HttpRequest, drawer: Drawer) -> HttpResponse:
    form = BillAddForm(request.POST)
    if not form.is_valid():
        return _back_to_counter(request, drawer, error="Choose a bill to add.")
    notices = []
    if form.cleaned_data.get("customer"):
        customer = Customer.objects.filter(pk=form.cleaned_data["customer"]).first()
        bills = list(open_bills().filter(customer=customer).order_by("due_date", "id"))
        if customer is None or not bills:
            return _back_to_counter(request, drawer, error="That customer owes nothing.")
        notices = [_bill_add(request, bill) for bill in bills]
    else:
        bill = Bill.objects.filter(pk=form.cleaned_data["bill"]).first()
        if bill is None:
            return _back_to_counter(request, drawer, error="That bill does not exist.")
        notices = [_bill_add(request, bill)]
    return _back_to_counter(request, drawer, notice=" ".join(notices))


@permission_required(TAKE, raise_exception=True)
@require_POST
@_with_open_drawer
def cart_plan_add(request: HttpRequest, drawer: Drawer) -> HttpResponse:
    """Put a payment plan in the cart (from the lookup or the plan's page)."""
    wanted = request.POST.get("plan", "")
    plan = PaymentPlan.objects.filter(pk=int(wanted)).first() if wanted.isdigit() else None
    if plan is None:
        return _back_to_counter(request, drawer, error="That payment plan does not exist.")
    cart = cart_of(request.session)
    notice = plan_add(cart, plan, as_of=timezone.localdate())
    cart_store(request.session, cart)
    return _back_to_counter(request, drawer, notice=notice)


@permission_required(TAKE, raise_exception=True)
@require_POST
@_with_open_drawer
def cart_item_update(request: HttpRequest, drawer: Drawer, index: int) -> HttpResponse:
    cart = cart_of(request.session)
    if index >= len(cart["items"]):
        return _back_to_counter(request, drawer, error="That line is no longer in the cart.")
    if request.POST.get("remove"):
        cart["items"].pop(index)
        if not cart["items"]:
            cart["customer_id"] = None
        cart_store(request.session, cart)
        return _back_to_counter(request, drawer)
    row = cart["items"][index]
    if row["kind"] not in ("bill", "plan"):
        return _back_to_counter(request, drawer, error="A fee's amount comes from its price.")
    form = ItemAmountForm(request.POST)
    if not form.is_valid():
        return _back_to_counter(request, drawer, error=_form_errors(form))
    row["amount"] = str(form.cleaned_data["amount"])
    cart_store(request.session, cart)
    return _back_to_counter(request, drawer)


@permission_required(TAKE, raise_exception=True)
@require_POST
@_with_open_drawer
def cart_fee_add(request: HttpRequest, drawer: Drawer) -> HttpResponse:
    form = _fee_form(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        item = FeeItem(
            fee_type_id=data["fee_type"].pk,
            quantity=data["quantity"],
            plate=data["plate"],
            plate_state=data["plate_state"],
            period_start=data["period_start"],
            months=data["months"],
        )
        try:
            description, _ = fee_item_check(item=item, as_of=timezone.localdate(), drawer=drawer)
        except DomainError as exc:
            form.add_error(None, str(exc))
        else:
            cart = cart_of(request.session)
            cart["items"].append(
                {
                    "kind": "fee",
                    "fee_type_id": item.fee_type_id,
                    "quantity": item.quantity,
                    "plate": item.plate,
                    "plate_state": item.plate_state,
                    "period_start": item.period_start.isoformat() if item.period_start else None,
                    "months": item.months,
                    "description": description,
                }
            )
            cart_store(request.session, cart)
            return _back_to_counter(request, drawer)
    if _is_htmx(request):
        return _render_cart(request, drawer, fee_form=form, open_panel="fee")
    messages.error(request, _form_errors(form))
    return redirect("payments:counter")


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


# The lien search: a certified list of liens sold like a fee (billing.liens, docs/billing.md)

ISSUE_CERTIFICATES = "billing.issue_lien_certificate"


def _lien_search_checked(
    request: HttpRequest, drawer: Drawer, form: LienSearchForm
) -> tuple[LienList | None, FeeItem | None, str]:
    """The liens a valid form's search would certify today and the cart item that sells it, or
    why it cannot be sold (a sentence for the clerk)."""
    if not _user(request).has_perm(ISSUE_CERTIFICATES):
        return (
            None,
            None,
            (
                "A Trainee does not sell a lien search: a Clerk or Supervisor issues the certified "
                "list of liens."
            ),
        )
    if not form.is_valid():
        return None, None, ""  # each field shows its own error (payments/_lien_search.html)
    terms = lien_terms()
    if terms.fee_type_id is None:
        return None, None, "No lien search fee is set up: an Admin names it in the lien terms."
    parcel, good_through = form.cleaned_data["parcel"], form.cleaned_data["good_through"]
    today = timezone.localdate()
    try:
        liens = liens_on(parcel, good_through=good_through, issued_on=today)
        item = FeeItem(
            fee_type_id=terms.fee_type_id, parcel_id=parcel.pk, good_through=good_through
        )
        fee_item_check(item=item, as_of=today, drawer=drawer)
    except DomainError as exc:
        return None, None, str(exc)
    return liens, item, ""


@permission_required(TAKE, raise_exception=True)
@require_POST
@_with_open_drawer
def lien_search(request: HttpRequest, drawer: Drawer) -> HttpResponse:
    """Preview a lien search: every unpaid lien on the parcel through the good-through date,
    the payoff and the fee, with the button that puts the search into the cart."""
    form = LienSearchForm(request.POST)
    liens, item, error = _lien_search_checked(request, drawer, form)
    price = None
    if item is not None:
        _, price = fee_item_check(item=item, as_of=timezone.localdate(), drawer=drawer)
    context = {"lien_form": form, "liens": liens, "lien_error": error, "lien_price": price}
    if _is_htmx(request):
        return render(request, "payments/_lien_search.html", context)
    return render(
        request,
        "payments/counter.html",
        {
            **_counter_context(request, drawer),
            "open_panel": "lien",
            **context,
        },
    )


@permission_required(TAKE, raise_exception=True)
@require_POST
@_with_open_drawer
def cart_lien_add(request: HttpRequest, drawer: Drawer) -> HttpResponse:
    """Put a lien search into the cart; the certificate is numbered and issued when the visit
    posts (payments.services.payment_record)."""
    form = LienSearchForm(request.POST)
    _, item, error = _lien_search_checked(request, drawer, form)
    if item is None:
        # The hidden fields of a preview: a refusal here is one sentence on the cart.
        return _back_to_counter(request, drawer, error=error or _form_errors(form))
    description, _ = fee_item_check(item=item, as_of=timezone.localdate(), drawer=drawer)
    cart = cart_of(request.session)
    row = {
        "kind": "fee",
        "fee_type_id": item.fee_type_id,
        "quantity": 1,
        "parcel_id": item.parcel_id,
        "good_through": item.good_through.isoformat() if item.good_through else None,
        "description": description,
    }
    # A double click or a reloaded page adds the same search again: two certificates and two
    # fees nobody asked for. A second one for the same parcel and date is refused here.
    same = ("fee_type_id", "parcel_id", "good_through")
    if any(all(old.get(key) == row[key] for key in same) for old in cart["items"]):
        return _back_to_counter(
            request, drawer, notice=f"{description} is already in the cart; it was not added again."
        )
    cart["items"].append(row)
    cart_store(request.session, cart)
    return _back_to_counter(request, drawer, notice=f"Added: {description}.")


@permission_required(TAKE, raise_exception=True)
@require_POST
@_with_open_drawer
def cart_lien_payoff(request: HttpRequest, drawer: Drawer, pk: int) -> HttpResponse:
    """Put a certificate's whole payoff into the cart: each lien it lists that still owes
    something, for all it owes as of today (the cart computes as of the day it is paid, never
    the certificate's figures). A lien paid since is skipped with a note; one already in the
    cart stays as it is, so pressing the button again changes nothing."""
    certificate = get_object_or_404(LienCertificate, pk=pk)
    today = timezone.localdate()
    if certificate_is_void(certificate):
        messages.error(request, f"Certificate {certificate.number} is VOID: nothing was added.")
        return redirect(certificate)
    bills = Bill.objects.filter(pk__in=certificate.items.values("bill_id")).order_by(
        "due_date", "id"
    )
    notes = []
    if today > certificate.good_through:
        notes.append(
            f"Today is after {us_date(certificate.good_through)}, the date certificate "
            f"{certificate.number} is good through: the amounts were recomputed as of today."
        )
    for bill in bills:
        if amount_due(bill, today).total <= 0:
            notes.append(f"Bill {bill.number} was paid since the certificate; it is skipped.")
            continue
        notes.append(_bill_add(request, bill, payoff=True))
    messages.info(request, f"Payoff of certificate {certificate.number}: " + " ".join(notes))
    return redirect("payments:counter")


@permission_required(TAKE, raise_exception=True)
@require_POST
@_with_open_drawer
def cart_tender_add(request: HttpRequest, drawer: Drawer) -> HttpResponse:
    form = TenderForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        tender = TenderIn(
            kind=data["kind"],
            amount=data["amount"],
            check_number=data["check_number"],
            check_payer=data["check_payer"],
            card_brand=data["card_brand"],
            card_last4=data["card_last4"],
            authorization_code=data["authorization_code"],
            terminal_reference=data["terminal_reference"],
        )
        cart = cart_of(request.session)
        refusal = (
            credit_tender_refusal(cart, data["amount"], drawer=drawer)
            if data["kind"] == "credit"
            else ""
        )
        try:
            kept = tender_check(tender)
        except DomainError as exc:
            form.add_error(None, str(exc).removeprefix("Tender 1: "))
        else:
            if refusal:
                form.add_error(None, refusal)
        if form.is_valid():
            row = {"kind": kept.kind, "amount": str(kept.amount)}
            if kept.kind == "check":
                row.update(check_number=kept.check_number, check_payer=kept.check_payer)
            elif kept.kind == "card":
                row.update(
                    card_brand=kept.card_brand,
                    card_last4=kept.card_last4,
                    authorization_code=kept.authorization_code,
                    terminal_reference=kept.terminal_reference,
                )
            cart["tenders"].append(row)
            cart_store(request.session, cart)
            return _back_to_counter(request, drawer)
    if _is_htmx(request):
        return _render_cart(request, drawer, tender_form=form)
    messages.error(request, _form_errors(form))
    return redirect("payments:counter")


@permission_required(TAKE, raise_exception=True)
@require_POST
@_with_open_drawer
def cart_tender_remove(request: HttpRequest, drawer: Drawer, index: int) -> HttpResponse:
    cart = cart_of(request.session)
    if index < len(cart["tenders"]):
        cart["tenders"].pop(index)
        cart_store(request.session, cart)
    return _back_to_counter(request, drawer)


@permission_required(TAKE, raise_exception=True)
@require_POST
@_with_open_drawer
def cart_clear(request: HttpRequest, drawer: Drawer) -> HttpResponse:
    cart_store(request.session, cart_new())
    return _back_to_counter(request, drawer, notice="Started a new visit.")


def _done(request: HttpRequest, payment: Payment) -> HttpResponse:
    url = payment.get_absolute_url()
    if _is_htmx(request):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url, permanent=False)


@sensitive_post_parameters("supervisor_password")
@permission_required(TAKE, raise_exception=True)
@require_POST
@_with_open_drawer
def cart_post(request: HttpRequest, drawer: Drawer) -> HttpResponse:
    """Post the visit. Idempotent: the same token again shows the receipt it made."""
    user = _user(request)
    form = PostForm(request.POST)
    cart = cart_of(request.session)
    if not form.is_valid():
        return _back_to_counter(request, drawer, post_form=form, error=_form_errors(form))
    token = form.cleaned_data["token"]
    if str(token) != cart["token"]:
        earlier = Payment.objects.filter(token=token, posted_by=user).first()
        if earlier is not None:  # a reload or double-click after the first post went through
            return _done(request, earlier)
        return _back_to_counter(
            request, drawer, error="This page was out of date; check the cart and post again."
        )
    cart["overpayment"] = form.cleaned_data["accept_overpayment"]
    cart_store(request.session, cart)
    approver, approver_error = _approver(request, form, drawer.office)
    if approver_error:
        return _back_to_counter(request, drawer, post_form=form, error=approver_error)
    try:
        payment = payment_record(
            drawer=drawer,
            items=cart_items(cart),
            tenders=cart_tenders(cart),
            token=token,
            by=user,
            customer=Customer.objects.filter(pk=cart["customer_id"]).first()
            if cart["customer_id"]
            else None,
            payer_name=form.cleaned_data["payer_name"],
            accept_overpayment=cart["overpayment"],
            approved_by=_approval_to_use(user, approver, form),
        )
    except BillChanged as exc:
        notes = cart_after_bill_changed(
            cart, exc.refreshed, drawer=drawer, as_of=timezone.localdate()
        )
        cart_store(request.session, cart)
        return _back_to_counter(
            request,
            drawer,
            error="Nothing was posted: a bill in the cart changed since it was added.",
            race_notes=notes,
        )
    except PolicyRefused as exc:
        return _back_to_counter(
            request, drawer, post_form=form, error=str(exc), needs_supervisor=exc.breaches
        )
    except DomainError as exc:
        return _back_to_counter(request, drawer, post_form=form, error=str(exc))
    cart_store(request.session, cart_new())
    return _done(request, payment)


def _approval_to_use(user: User, approver: User | None, form) -> User | None:
    """A Supervisor at the counter approves their own overrides only when they say so (by
    posting again after the refusal lists what needs approving)."""
    if approver is None:
        return None
    if approver.pk == user.pk:
        return approver if form.data.get("override") == "yes" else None
    return approver


# Receipts


# Today's receipts listed for a Supervisor at most; past that the filters narrow them.
RECEIPTS_LISTED = 500


@permission_required("payments.view_payment", raise_exception=True)
def receipts_view(request: HttpRequest) -> HttpResponse:
    """Find a receipt; the user's own drawer's receipts; and for a Supervisor (view_drawer) all
    of today's receipts across drawers, filtered by clerk, window, tender and status, with the
    open drawers (issue 10 §6)."""
    user = _user(request)
    form = ReceiptFindForm(request.GET or None)
    found = None
    if form.is_valid() and form.cleaned_data["q"]:
        found = payments_find(form.cleaned_data["q"], seen_by=user)
    drawer = drawer_of(user)
    context: dict[str, object] = {
        "form": form,
        "found": found,
        "my_drawer": drawer,
        "recent": payments_recent(drawer) if drawer else [],
    }
    if user.has_perm("payments.view_drawer"):
        filters = ReceiptFilterForm(request.GET or None)
        chosen: dict = {}
        if filters.is_bound and filters.is_valid():
            chosen = filters.cleaned_data
        elif filters.is_bound:
            messages.error(
                request,
                "A filter was not one of its choices, so all of today's receipts are shown: "
                "choose the clerk, window, tender and status from the lists.",
            )
        today = list(
            receipts_of_day(
                timezone.localdate(),
                clerk=chosen.get("clerk"),
                workstation=chosen.get("window"),
                tender=chosen.get("tender") or "",
                status=chosen.get("status") or "",
            )[: RECEIPTS_LISTED + 1]
        )
        context.update(
            filters=filters,
            today=today[:RECEIPTS_LISTED],
            more_than_listed=len(today) > RECEIPTS_LISTED,
            listed_limit=RECEIPTS_LISTED,
            open_drawers=drawers_open(),
        )
    return render(request, "payments/receipts.html", context)


@permission_required("payments.view_payment", raise_exception=True)
def drawer_detail_view(request: HttpRequest, pk: int) -> HttpResponse:
    """One drawer's page, read-only: what it should hold, its stock, drops and pickups and every
    receipt. For a Supervisor (view_drawer) and for the drawer's own clerk. Under the office's
    blind close the drawer's own clerk does not see what it should hold (issue 9), a Supervisor
    who is not its clerk does."""
    user = _user(request)
    drawer = get_object_or_404(
        Drawer.objects.select_related("clerk", "workstation", "office"), pk=pk
    )
    own = drawer.clerk_id == user.pk
    if not own and not user.has_perm("payments.view_drawer"):
        raise PermissionDenied("Only a Supervisor sees another clerk's drawer.")
    return render(
        request,
        "payments/drawer_detail.html",
        {
            "drawer": drawer,
            "summary": drawer_summary(drawer),
            "show_expected": not (own and drawer.office.blind_close),
            "own": own,
            "movements": drawer.movements.select_related("recorded_by", "witnessed_by"),
            "payments": drawer_payments(drawer),
        },
    )


def _payment_or_404(request: HttpRequest, number: str) -> Payment:
    """The receipt numbered `number`, if the user may see it (receipt_visible_to): a Trainee
    is told another clerk's receipt does not exist, as a stranger is told of an unknown one."""
    payment = payment_for_receipt(number)
    if payment is None or not receipt_visible_to(payment, _user(request)):
        raise Http404("No such receipt.")
    return payment


@permission_required("payments.view_payment", raise_exception=True)
def payment_view(request: HttpRequest, number: str) -> HttpResponse:
    payment = _payment_or_404(request, number)
    user = _user(request)
    drawer = drawer_of(user)
    tenders = list(payment.tenders.all())
    reversals = payment_reversals(payment)
    standing = payment_standing(payment) if reversals else payment.total
    checks = [t for t in tenders if t.kind == TenderKind.CHECK]
    lines = receipt_lines(payment)
    payer = receipt_payer(payment, lines)
    return render(
        request,
        "payments/payment.html",
        {
            "payment": payment,
            "lines": lines,
            "payer": payer,
            # Only beside a bill's holder: a fee sale has no holder the payer could differ from.
            "payer_not_holder": bool(payer) and any(line.holder for line in lines),
            "tenders": tenders,
            "reversals": reversals,
            "standing": standing,
            "void_form": ReversalForm(prefix="void"),
            "refund_form": RefundForm(prefix="refund", initial={"token": uuid.uuid4()}),
            "returned_form": ReturnedCheckForm(),
            "my_drawer": drawer,
            "pending": payment.requests.filter(status=ApprovalRequest.Status.PENDING).first(),
            "checks_out": [t for t in checks if not t.returned],
            "clears_on": check_clears_on(payment) if checks else None,
            "self_approval": payment.office.allow_self_approval,
            # A void is for today's receipts while their drawer is open and nothing has been
            # taken back yet; after that, a refund. Another clerk refunds it from their own
            # drawer instead (payments.services.payment_void).
            "can_void": (payment.drawer.clerk_id == user.pk or user.has_perm(APPROVE))
            and payment.status == Payment.Status.POSTED
            and not reversals
            and payment.posted_on == timezone.localdate()
            and payment.drawer.status == Drawer.Status.OPEN,
            "can_refund": payment.status != Payment.Status.VOIDED and standing > 0,
        },
    )


def receipt_context(payment: Payment, *, copy: bool) -> dict:
    """What a receipt prints: the office, each item with what it paid, the bill's account
    holder, address and reference and its balance after it, the payer when not the holder,
    tenders and change, and what was taken back since."""
    lines = receipt_lines(payment)
    return {
        "payment": payment,
        "lines": lines,
        "items": [line.item for line in lines],
        "payer": receipt_payer(payment, lines),
        "tenders": list(payment.tenders.all()),
        "copy": copy,
        "reversals": payment_reversals(payment),
        "barcode": code128_svg(payment.receipt_number, height_mm=9, module_width_mm=0.25),
    }


@permission_required("payments.view_payment", raise_exception=True)
def receipt_pdf(request: HttpRequest, number: str) -> HttpResponse:
    """The receipt, ready to print: 80 mm roll (default) or US Letter. Every print after the
    first says COPY."""
    payment = _payment_or_404(request, number)
    size = "letter" if request.GET.get("size") == "letter" else "80mm"
    printed_before = receipt_reprint_count(payment=payment) - 1
    pdf = render_pdf(
        template_name="pdf/receipt.html",
        context={**receipt_context(payment, copy=printed_before > 0), "size": size},
        fit_page_height=size == "80mm",
    )
    return pdf_response(pdf=pdf, filename=f"receipt-{payment.receipt_number}.pdf")


@sensitive_post_parameters("supervisor_password")
@permission_required("payments.view_payment", raise_exception=True)
@require_POST
def payment_reverse_view(request: HttpRequest, number: str, kind: str) -> HttpResponse:
    """Void or refund: approved at once by another Supervisor's sign-in (dual control), or sent
    to their queue. A refund by city check always waits in the queue: the Supervisor writes the
    check once the customer's check has cleared."""
    payment = _payment_or_404(request, number)
    user = _user(request)
    form = (RefundForm if kind == PaymentReversal.Kind.REFUND else ReversalForm)(
        request.POST, prefix=kind
    )
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(payment.get_absolute_url())
    approver, error = _approver(request, form, payment.office)
    if error:
        messages.error(request, error)
        return redirect(payment.get_absolute_url())
    drawer = drawer_of(user)
    amount = form.cleaned_data.get("amount")
    by_city_check = bool(form.cleaned_data.get("by_city_check"))
    try:
        if approver is None or by_city_check:
            if not form.cleaned_data["send_to_queue"] and not by_city_check:
                messages.error(
                    request,
                    "Another Supervisor approves this: type their sign-in here, or send it to "
                    "their queue.",
                )
                return redirect(payment.get_absolute_url())
            approval_request(
                payment=payment,
                kind=kind,
                reason=form.cleaned_data["reason"],
                by=user,
                refund_drawer=drawer,
                amount=amount,
                by_city_check=by_city_check,
            )
            messages.success(request, "Sent to the Supervisors' queue.")
        elif kind == PaymentReversal.Kind.VOID:
            payment_void(
                payment=payment, reason=form.cleaned_data["reason"], by=user, approved_by=approver
            )
            messages.success(request, f"Receipt {payment.receipt_number} is void.")
        else:
            if drawer is None:
                messages.error(request, "Open a drawer first: the refund is paid out of it.")
                return redirect(payment.get_absolute_url())
            refund = payment_refund(
                payment=payment,
                reason=form.cleaned_data["reason"],
                by=user,
                approved_by=approver,
                drawer=drawer,
                amount=amount,
                token=form.cleaned_data["token"],
            )
            messages.success(
                request,
                f"Refunded ${refund.amount:,.2f} of receipt {payment.receipt_number} "
                f"({refund.paid_by}).",
            )
    except DomainError as exc:
        done = payment_reversals(payment)
        last = done[-1] if done else None
        if last is not None and last.kind == kind == PaymentReversal.Kind.VOID:
            # A second click of the same form: say what the first one did.
            messages.info(request, f"Receipt {payment.receipt_number} is void.")
        else:
            messages.error(request, str(exc))
    return redirect(payment.get_absolute_url())


@permission_required("payments.record_returned_check", raise_exception=True)
@require_POST
def returned_check_view(request: HttpRequest, number: str) -> HttpResponse:
    payment = _payment_or_404(request, number)
    form = ReturnedCheckForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect(payment.get_absolute_url())
    check = None
    if form.cleaned_data["check"] is not None:
        check = Tender.objects.filter(pk=form.cleaned_data["check"], payment=payment).first()
        if check is None:
            messages.error(request, "That check is not one of this receipt's; pick it again.")
            return redirect(payment.get_absolute_url())
    try:
        reversal = returned_check_record(
            payment=payment, check=check, reason=form.cleaned_data["reason"], by=_user(request)
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        fee = f" Billed on {reversal.fee_bill.number}." if reversal.fee_bill else ""
        messages.success(
            request,
            f"Returned check {reversal.tender.check_number if reversal.tender else ''} "
            f"recorded: ${reversal.taken_back:,.2f} reopened; the check writer is flagged "
            f"(no more checks).{fee}",
        )
    return redirect(payment.get_absolute_url())


# Supervisors


@permission_required(APPROVE, raise_exception=True)
def approvals_view(request: HttpRequest) -> HttpResponse:
    open_drawers = Drawer.objects.filter(status=Drawer.Status.OPEN).select_related(
        "clerk", "workstation", "office"
    )
    return render(
        request,
        "payments/approvals.html",
        {
            "pending": approvals_pending(),
            "to_review": payments_to_review()[:100],
            # Each drawer's pickup form carries its own one-time token.
            "drawers": [(drawer_summary(d), uuid.uuid4()) for d in open_drawers],
        },
    )


@permission_required(APPROVE, raise_exception=True)
@require_POST
def approval_decide_view(request: HttpRequest, pk: int) -> HttpResponse:
    approval = get_object_or_404(ApprovalRequest, pk=pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _form_errors(form))
        return redirect("payments:approvals")
    try:
        decided = approval_decide(
            request=approval,
            approve=form.cleaned_data["approve"],
            by=_user(request),
            note=form.cleaned_data["note"],
            city_check_number=form.cleaned_data["city_check_number"],
        )
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            f"{decided.get_kind_display()} of receipt {decided.payment.receipt_number}: "
            f"{decided.get_status_display().lower()}.",
        )
    return redirect("payments:approvals")


@permission_required("payments.review_payment", raise_exception=True)
@require_POST
def payment_review_view(request: HttpRequest, number: str) -> HttpResponse:
    payment = _payment_or_404(request, number)
    try:
        payment_review(payment=payment, by=_user(request))
    except DomainError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Receipt {payment.receipt_number} reviewed.")
    if request.POST.get("next") == "payment":
        return redirect(payment.get_absolute_url())
    return redirect(reverse("payments:approvals"))


# Customer credits


@sensitive_post_parameters("supervisor_password")
@permission_required("payments.refund_credit", raise_exception=True)
@require_http_methods(["GET", "POST"])
def credit_refund_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A Supervisor pays back a customer's credit: the form, a page saying what will be paid,
    then the refund and its printable record."""
    customer = get_object_or_404(Customer, pk=pk)
    held = customer_credit(customer)
    form = CreditRefundForm(
        request.POST or None, initial={"token": uuid.uuid4(), "amount": held or None}
    )
    confirming = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["amount"] > held:
            form.add_error(
                "amount", f"{customer.name} holds ${held:,.2f} of credit; refund at most that."
            )
        elif not data["confirmed"]:
            confirming = True
        else:
            paid_from = data["drawer"] if data["method"] == CreditRefund.Method.CASH else None
            approver, refused = _approver(request, form, credit_refund_office(paid_from))
            if approver is None:
                form.add_error(
                    None,
                    refused
                    or "Another Supervisor approves a credit refund: type their sign-in here.",
                )
                confirming = True
            else:
                try:
                    refund = credit_refund(
                        customer=customer,
                        amount=data["amount"],
                        method=data["method"],
                        drawer=data["drawer"],
                        payee=data["payee"],
                        reason=data["reason"],
                        by=_user(request),
                        approved_by=approver,
                        token=data["token"],
                    )
                except DomainError as exc:
                    form.add_error(None, str(exc))
                else:
                    messages.success(
                        request, f"Refunded ${refund.amount:,.2f} of {customer.name}'s credit."
                    )
                    return redirect("payments:credit_refund_record", pk=refund.pk)
    return render(
        request,
        "payments/credit_refund.html",
        {"customer": customer, "held": held, "form": form, "confirming": confirming},
    )


def _credit_refund_or_404(pk: int) -> CreditRefund:
    return get_object_or_404(
        CreditRefund.objects.select_related(
            "customer", "drawer__workstation", "drawer__office", "refunded_by"
        ),
        pk=pk,
    )


@permission_required("payments.refund_credit", raise_exception=True)
def credit_refund_record_view(request: HttpRequest, pk: int) -> HttpResponse:
    refund = _credit_refund_or_404(pk)
    return render(request, "payments/credit_refund_record.html", {"refund": refund})


@permission_required("payments.refund_credit", raise_exception=True)
def credit_refund_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The printed record of a credit refund: the customer signs for cash, accounts payable
    issues the city check against it."""
    refund = _credit_refund_or_404(pk)
    pdf = render_pdf(
        template_name="pdf/credit_refund.html",
        context={
            "refund": refund,
            "office_name": settings.OFFICE_NAME,
            "barcode": code128_svg(f"CR{refund.pk}", height_mm=8, module_width_mm=0.25),
        },
    )
    return pdf_response(pdf=pdf, filename=f"credit-refund-{refund.pk}.pdf")
