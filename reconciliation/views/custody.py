"""Views of reconciliation: custody. The custody page (where every dollar and check is), the
change fund, the safe count, and deposits (list, prepare, verify, cancel, slip PDF)."""

import logging
import uuid
from datetime import date
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from cashiering.lockout import second_person
from cashiering.pdf import pdf_response, render_pdf
from cashiering.people import person_name
from ledger.errors import DomainError
from payments.models import Office
from reconciliation.errors import ReconciliationError
from reconciliation.forms_custody import (
    ChangeFundForm,
    CustodyFilterForm,
    DepositCancelForm,
    DepositPrepareForm,
    DepositVerifyForm,
    SafeCountForm,
)
from reconciliation.models import Deposit
from reconciliation.selectors_custody import (
    SafeCheck,
    check_ref,
    checks_in_safe,
    custody_now,
    depositable,
    deposits_of,
    safe_cash_available,
)
from reconciliation.services import (
    change_fund_adjust,
    deposit_cancel,
    deposit_prepare,
    deposit_verify,
    safe_count_record,
)

logger = logging.getLogger(__name__)

VIEW_CUSTODY = "reconciliation.view_custody"
PREPARE = "reconciliation.prepare_deposit"
VERIFY = "reconciliation.verify_deposit"
COUNT = "reconciliation.count_safe"
CHANGE_FUND = "reconciliation.manage_change_fund"
# Kept out of error reports: the passwords a second person types on these pages.
PASSWORD_FIELDS = ("witness_password", "signer_password", "receiver_password")


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _office(request: HttpRequest) -> Office:
    """The office the page is about: ?office=<id>, else the first office."""
    raw = request.GET.get("office") or request.POST.get("office") or ""
    offices = Office.objects.order_by("pk")
    if raw.isdigit() and len(raw) < 12:
        found = offices.filter(pk=int(raw)).first()
        if found is not None:
            return found
    office = offices.first()
    if office is None:
        raise PermissionDenied("No office is set up yet.")
    return office


def _person(
    request: HttpRequest, username: str, password: str, *, perm: str | None, what: str
) -> tuple[User | None, str]:
    """A second person confirmed by the sign-in they type on the page (as payments' approvals):
    not the signed-in user, holding `perm` when given. Returns (user or None, error)."""
    user = _user(request)
    if not username or not password:
        return None, f"{what}: type their name and password."
    if username.casefold() == user.get_username().casefold():
        return None, f"{what}: another person, not you."
    # Counted in the database by axes (cashiering.lockout), with the sign-in page's failures.
    person, locked = second_person(request, username=username, password=password)
    if locked:
        return None, locked
    if person is None or (perm is not None and not person.has_perm(perm)):
        logger.warning("Wrong second-person sign-in on a custody page by %s", user.get_username())
        return None, f"{what}: that name and password do not match someone who may do this."
    return person, ""


def _failed(form, exc: Exception) -> None:
    form.add_error(None, str(exc))


# The custody page


@permission_required(VIEW_CUSTODY, raise_exception=True)
def custody_view(request: HttpRequest) -> HttpResponse:
    office = _office(request)
    filters = CustodyFilterForm(request.GET or None)
    day: date = timezone.localdate()
    if filters.is_valid() and filters.cleaned_data.get("day"):
        day = filters.cleaned_data["day"]
    return render(
        request,
        "reconciliation/custody.html",
        {
            "office": office,
            "offices": Office.objects.order_by("pk"),
            "filters": filters,
            "custody": custody_now(office, day),
        },
    )


# The change fund


@sensitive_post_parameters(*PASSWORD_FIELDS)
@permission_required(CHANGE_FUND, raise_exception=True)
@require_http_methods(["GET", "POST"])
def change_fund_view(request: HttpRequest) -> HttpResponse:
    office = _office(request)
    form = ChangeFundForm(request.POST or None, initial={"token": uuid.uuid4()})
    if request.method == "POST" and form.is_valid():
        username, password = form.person("receiver")
        receiver, error = _person(request, username, password, perm=None, what="The second person")
        if receiver is None:
            form.add_error(None, error)
        else:
            try:
                change_fund_adjust(
                    office=office,
                    amount=form.signed_amount(),
                    by=_user(request),
                    received_by=receiver,
                    memo=form.cleaned_data["memo"],
                    token=form.cleaned_data["token"],
                )
            except (ReconciliationError, DomainError) as exc:
                _failed(form, exc)
            else:
                messages.success(request, "The change fund was adjusted.")
                return redirect(f"{_url('custody')}?office={office.pk}")
    custody = custody_now(office, timezone.localdate())
    return render(
        request,
        "reconciliation/change_fund.html",
        {"form": form, "office": office, "held": custody.change_fund},
    )


# The safe count


@sensitive_post_parameters(*PASSWORD_FIELDS)
@permission_required(COUNT, raise_exception=True)
@require_http_methods(["GET", "POST"])
def safe_count_view(request: HttpRequest) -> HttpResponse:
    office = _office(request)
    checks = checks_in_safe(office)
    form = SafeCountForm(request.POST or None, initial={"token": uuid.uuid4()}, checks=checks)
    if request.method == "POST" and form.is_valid():
        count = _safe_count(request, form, office)
        if count is not None:
            entry = "posted to over/short" if count.entry_id else "nothing to post"
            messages.success(
                request,
                f"Safe counted with {person_name(count.witness)}; "
                f"difference ${count.difference:,.2f} "
                f"({entry}).",
            )
            return redirect(f"{_url('custody')}?office={office.pk}")
    return render(
        request,
        "reconciliation/safe_count.html",
        {"form": form, "office": office, "checks": checks},
    )


def _safe_count(request: HttpRequest, form: SafeCountForm, office: Office):
    witness, error = _person(
        request, *form.person("witness"), perm=None, what="The second person counting"
    )
    if witness is None:
        form.add_error(None, error)
        return None
    signer = None
    username, password = form.person("signer")
    if username or password:
        signer, error = _person(
            request,
            username,
            password,
            perm="reconciliation.sign_off_variance",
            what="The Supervisor signing off",
        )
        if signer is None:
            form.add_error(None, error)
            return None
    try:
        return safe_count_record(
            office=office,
            business_date=timezone.localdate(),
            counts=form.counts("count"),
            change_fund_counts=form.counts("fund"),
            checks=form.picks(),
            counted_by=_user(request),
            witness=witness,
            reason=form.cleaned_data["reason"],
            signed_off_by=signer,
            token=form.cleaned_data["token"],
        )
    except (ReconciliationError, DomainError) as exc:
        _failed(form, exc)
        return None


# Deposits


def _may_see_deposits(user: User) -> bool:
    return user.has_perm(PREPARE) or user.has_perm(VERIFY)


@login_required
def deposits_view(request: HttpRequest) -> HttpResponse:
    if not _may_see_deposits(_user(request)):
        raise PermissionDenied
    office = _office(request)
    return render(
        request,
        "reconciliation/deposits.html",
        {
            "office": office,
            "offices": Office.objects.order_by("pk"),
            "deposits": deposits_of(office)[:200],
        },
    )


@permission_required(PREPARE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def deposit_prepare_view(request: HttpRequest) -> HttpResponse:
    office = _office(request)
    in_safe = checks_in_safe(office, include_reserved=False)
    checks = depositable(in_safe)
    form = DepositPrepareForm(request.POST or None, initial={"token": uuid.uuid4()}, checks=checks)
    if request.method == "POST" and form.is_valid():
        try:
            deposit = deposit_prepare(
                office=office,
                bank_account=form.cleaned_data["bank_account"],
                bag_number=form.cleaned_data["bag_number"],
                counts=form.counts("count"),
                checks=form.picks(),
                by=_user(request),
                token=form.cleaned_data["token"],
            )
        except (ReconciliationError, DomainError) as exc:
            _failed(form, exc)
        else:
            messages.success(
                request,
                f"Bag {deposit.bag_number} prepared (${deposit.total:,.2f}); another Supervisor "
                "verifies it.",
            )
            return redirect("reconciliation:deposit", pk=deposit.pk)
    return render(
        request,
        "reconciliation/deposit_prepare.html",
        {
            "form": form,
            "office": office,
            "checks": checks,
            "held_checks": [c for c in in_safe if c.held],
            "cash_available": safe_cash_available(office),
        },
    )


def _bag_checks(deposit: Deposit) -> list[SafeCheck]:
    return [
        SafeCheck(
            ref=check_ref(tender_id=c.tender_id, close_check_id=c.close_check_id),
            tender_id=c.tender_id,
            close_check_id=c.close_check_id,
            check_number=c.check_number,
            payer=c.payer,
            amount=c.amount,
            drawer_id=0,
        )
        for c in deposit.checks.all()
    ]


def slip_may_show(deposit: Deposit, user: User) -> bool:
    """Whether `user` may see the bag's counted totals (the slip, the list's total): always
    once verified or cancelled; while it waits for verification only its preparer, so the
    verifier counts blind (dual control)."""
    return deposit.status != Deposit.Status.PREPARED or deposit.prepared_by_id == user.pk


@login_required
@require_http_methods(["GET", "POST"])
def deposit_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A bag: what it holds; the verify form for another Supervisor (their own count), the
    cancel form while it waits."""
    user = _user(request)
    if not _may_see_deposits(user):
        raise PermissionDenied
    deposit = get_object_or_404(
        deposits_of_any().prefetch_related("checks", "denominations"), pk=pk
    )
    checks = _bag_checks(deposit)
    form = DepositVerifyForm(request.POST or None, initial={"token": uuid.uuid4()}, checks=checks)
    if request.method == "POST":
        if not user.has_perm(VERIFY):
            raise PermissionDenied
        if form.is_valid():
            try:
                deposit_verify(
                    deposit=deposit,
                    by=user,
                    counts=form.counts("count"),
                    checks=form.picks(),
                    token=form.cleaned_data["token"],
                )
            except (ReconciliationError, DomainError) as exc:
                _failed(form, exc)
            else:
                messages.success(request, f"Bag {deposit.bag_number} verified: in transit.")
                return redirect("reconciliation:deposit", pk=deposit.pk)
    may_verify = (
        user.has_perm(VERIFY)
        and deposit.status == Deposit.Status.PREPARED
        and deposit.prepared_by_id != user.pk
    )
    return render(
        request,
        "reconciliation/deposit.html",
        {
            "deposit": deposit,
            "form": form,
            "may_verify": may_verify,
            "slip_shows": slip_may_show(deposit, user),
            "cancel_form": DepositCancelForm(),
            "may_cancel": user.has_perm(PREPARE) and deposit.status == Deposit.Status.PREPARED,
        },
    )


def deposits_of_any():
    return Deposit.objects.select_related(
        "office", "bank_account", "prepared_by", "verified_by", "cancelled_by"
    )


@permission_required(PREPARE, raise_exception=True)
@require_POST
def deposit_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    deposit = get_object_or_404(Deposit, pk=pk)
    form = DepositCancelForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the bag is cancelled (no card numbers).")
        return redirect("reconciliation:deposit", pk=pk)
    try:
        deposit_cancel(deposit=deposit, by=_user(request), reason=form.cleaned_data["reason"])
    except (ReconciliationError, DomainError) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Bag {deposit.bag_number} cancelled; its checks are free.")
    return redirect("reconciliation:deposit", pk=pk)


@login_required
def deposit_slip_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    if not _may_see_deposits(user):
        raise PermissionDenied
    deposit = get_object_or_404(
        deposits_of_any().prefetch_related("checks", "denominations"), pk=pk
    )
    if not slip_may_show(deposit, user):
        messages.error(
            request,
            f"The slip of bag {deposit.bag_number} shows the preparer's count: only the "
            "preparer prints it before the bag is verified. Count the bag yourself below.",
        )
        return redirect("reconciliation:deposit", pk=deposit.pk)
    pdf = render_pdf(
        template_name="pdf/deposit_slip.html",
        context={
            "deposit": deposit,
            "cash_lines": [
                (d.label, d.quantity, d.denomination * d.quantity)
                for d in sorted(
                    deposit.denominations.all(), key=lambda d: (-d.denomination, d.label)
                )
            ],
            "checks": list(deposit.checks.all()),
            "printed_at": timezone.localtime(),
        },
    )
    return pdf_response(pdf=pdf, filename=f"deposit-{deposit.bag_number}.pdf")


def _url(name: str) -> str:
    return reverse(f"reconciliation:{name}")


urlpatterns = [
    path("custody/", custody_view, name="custody"),
    path("change-fund/", change_fund_view, name="change_fund"),
    path("safe/count/", safe_count_view, name="safe_count"),
    path("deposits/", deposits_view, name="deposits"),
    path("deposits/new/", deposit_prepare_view, name="deposit_prepare"),
    path("deposits/<int:pk>/", deposit_view, name="deposit"),
    path("deposits/<int:pk>/cancel/", deposit_cancel_view, name="deposit_cancel"),
    path("deposits/<int:pk>/slip.pdf", deposit_slip_view, name="deposit_slip"),
]
