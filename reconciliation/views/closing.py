"""Pages of the drawer close: the clerk's blind count, its result (and PDF report), the
Supervisors' queue of counts awaiting sign-off, open drawers (close one left open, with a
witness) and closed drawers (reopen, with a reason)."""

import logging
import uuid
from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.contrib.auth.models import User
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from cashiering.lockout import second_person
from cashiering.pdf import pdf_response, render_pdf
from ledger.errors import DomainError
from payments.models import Drawer
from payments.selectors import drawer_of
from reconciliation.errors import ReconciliationError
from reconciliation.forms_closing import DrawerCloseForm, ReopenForm, SignOffForm
from reconciliation.models import DrawerClose
from reconciliation.selectors_closing import (
    close_report,
    closes_awaiting_sign_off,
    closes_for_user_q,
    closes_recent,
    drawer_checks_recorded,
    drawer_stock_types,
    drawers_open,
)
from reconciliation.services.closing import (
    CLOSE_ANY,
    RECEIVE,
    REOPEN,
    SIGN_OFF,
    drawer_close_count,
    drawer_close_sign_off,
    drawer_reopen,
)

logger = logging.getLogger(__name__)

TAKE = "payments.take_payment"
# Kept out of error reports: the passwords a second person types on the close pages.
PASSWORD_FIELDS = ("witness_password", "receiver_password")
REFUSED = (DomainError, ReconciliationError)


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _person_confirmed(
    request: HttpRequest, username: str, password: str, *, permission: str | None
) -> tuple[User | None, str]:
    """A second person who signs in on this screen (a witness, a Supervisor receiving the
    money): (user, "") or (None, message). Not the signed-in user; one message for a wrong name
    or password, and a pause after too many (as payments' approvals)."""
    user = _user(request)
    if not username:
        return None, ""
    if username.casefold() == user.get_username().casefold():
        return None, "The second person is someone else than you."
    # Counted in the database by axes (cashiering.lockout), with the sign-in page's failures.
    person, locked = second_person(request, username=username, password=password)
    if locked:
        return None, locked
    if person is None or (permission and not person.has_perm(permission)):
        logger.warning("Wrong second-person sign-in at a drawer close by %s", user.get_username())
        who = "a Supervisor's" if permission else "a user's"
        return None, f"That is not {who} name and password."
    return person, ""


def _count_page(request: HttpRequest, drawer: Drawer, *, witness: bool) -> HttpResponse:
    """The blind count of `drawer`: nothing on it says what the drawer should hold."""
    user = _user(request)
    form = DrawerCloseForm(
        request.POST or None,
        checks=drawer_checks_recorded(drawer),
        stock_types=drawer_stock_types(drawer),
        witness=witness,
        initial={"token": uuid.uuid4()},
    )
    if request.method == "POST" and form.is_valid():
        username, password = form.person()
        person, refused = _person_confirmed(
            request, username, password, permission=None if witness else RECEIVE
        )
        if refused:
            form.add_error(None, refused)
        else:
            try:
                close = drawer_close_count(
                    drawer=drawer,
                    counts=form.counts(),
                    checks=form.checks(),
                    card_batch_total=form.card_total(),
                    stock=form.stock(),
                    by=user,
                    witness=person if witness else None,
                    received_by=None if witness else person,
                    token=form.cleaned_data["token"],
                )
            except REFUSED as exc:
                form.add_error(None, str(exc))
            else:
                if close.status == DrawerClose.Status.CLOSED:
                    messages.success(request, f"Drawer {drawer.pk} is closed.")
                else:
                    messages.warning(
                        request,
                        f"Drawer {drawer.pk} is counted and waits for a Supervisor's sign-off.",
                    )
                return redirect("reconciliation:close_result", pk=close.pk)
    return render(
        request,
        "reconciliation/drawer_close.html",
        {"form": form, "drawer": drawer, "witness": witness},
    )


@sensitive_post_parameters(*PASSWORD_FIELDS)
@permission_required(TAKE, raise_exception=True)
@require_http_methods(["GET", "POST"])
def drawer_close_view(request: HttpRequest) -> HttpResponse:
    """The clerk closes their own open drawer."""
    user = _user(request)
    drawer = drawer_of(user)
    if drawer is None:
        waiting = (
            DrawerClose.objects.filter(drawer__clerk=user, status=DrawerClose.Status.COUNTED)
            .order_by("-counted_at")
            .first()
        )
        if waiting is not None:
            messages.info(request, "Your drawer is counted and waits for a Supervisor.")
            return redirect("reconciliation:close_result", pk=waiting.pk)
        messages.info(request, "You have no open drawer to close.")
        return redirect("payments:drawer_open")
    return _count_page(request, drawer, witness=False)


@sensitive_post_parameters(*PASSWORD_FIELDS)
@permission_required(CLOSE_ANY, raise_exception=True)
@require_http_methods(["GET", "POST"])
def drawer_close_for_clerk_view(request: HttpRequest, pk: int) -> HttpResponse:
    """A Supervisor counts a drawer left open, with a witness."""
    drawer = get_object_or_404(
        Drawer.objects.select_related("workstation", "office"), pk=pk, status=Drawer.Status.OPEN
    )
    return _count_page(request, drawer, witness=True)


def _close_visible(request: HttpRequest, pk: int) -> DrawerClose:
    user = _user(request)
    closes = DrawerClose.objects.all()
    if not user.has_perm(SIGN_OFF):
        closes = closes.filter(closes_for_user_q(user))
    close = closes.select_related("drawer__office").filter(pk=pk).first()
    if close is None:
        raise Http404("No such close.")
    return close


def _blind_again(close: DrawerClose, user: User) -> bool:
    """True while `close` was reopened and its drawer is worked again by `user` under blind
    close: its expected amounts would tell the clerk what the drawer should hold before the
    next count, so its result and PDF wait until the drawer is counted again."""
    drawer = close.drawer
    return (
        close.status == DrawerClose.Status.REOPENED
        and drawer.status == Drawer.Status.OPEN
        and drawer.clerk_id == user.pk
        and drawer.office.blind_close
    )


def _blind_again_redirect(request: HttpRequest) -> HttpResponse:
    messages.info(
        request,
        "That count was reopened and your drawer is open again: under blind close its result "
        "shows again after you count the drawer at closing.",
    )
    return redirect("payments:drawer")


@require_http_methods(["GET"])
def close_result_view(request: HttpRequest, pk: int) -> HttpResponse:
    """After submitting: expected against counted, per tender and stock item; the checks."""
    close = _close_visible(request, pk)
    user = _user(request)
    if _blind_again(close, user):
        return _blind_again_redirect(request)
    sign_off = None
    if close.status == DrawerClose.Status.COUNTED and user.has_perm(SIGN_OFF):
        sign_off = SignOffForm(initial={"token": uuid.uuid4()})
    return render(
        request,
        "reconciliation/close_result.html",
        {"report": close_report(close), "sign_off": sign_off},
    )


@require_http_methods(["GET"])
def close_pdf_view(request: HttpRequest, pk: int) -> HttpResponse:
    close = _close_visible(request, pk)
    if _blind_again(close, _user(request)):
        return _blind_again_redirect(request)
    pdf = render_pdf(template_name="pdf/drawer_close.html", context={"report": close_report(close)})
    return pdf_response(pdf=pdf, filename=f"drawer-close-{close.drawer_id}-{close.pk}.pdf")


@permission_required(SIGN_OFF, raise_exception=True)
@require_http_methods(["GET"])
def sign_off_queue_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "reconciliation/sign_off_queue.html",
        {"closes": [close_report(c) for c in closes_awaiting_sign_off()]},
    )


@permission_required(SIGN_OFF, raise_exception=True)
@require_POST
def sign_off_view(request: HttpRequest, pk: int) -> HttpResponse:
    close = get_object_or_404(DrawerClose, pk=pk)
    form = SignOffForm(request.POST)
    if form.is_valid():
        try:
            drawer_close_sign_off(
                close=close,
                by=_user(request),
                reason=form.cleaned_data["reason"],
                token=form.cleaned_data["token"],
            )
        except REFUSED as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Drawer {close.drawer_id} signed off and closed.")
            return redirect("reconciliation:close_result", pk=close.pk)
    return render(
        request,
        "reconciliation/close_result.html",
        {"report": close_report(close), "sign_off": form},
        status=200,
    )


@permission_required(CLOSE_ANY, raise_exception=True)
@require_http_methods(["GET"])
def drawers_open_view(request: HttpRequest) -> HttpResponse:
    return render(request, "reconciliation/drawers_open.html", {"drawers": drawers_open()})


@permission_required(REOPEN, raise_exception=True)
@require_http_methods(["GET"])
def drawers_closed_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "reconciliation/drawers_closed.html",
        # A token per row: each reopening is its own submit.
        {"rows": [(close, uuid.uuid4()) for close in closes_recent()]},
    )


@permission_required(REOPEN, raise_exception=True)
@require_POST
def reopen_view(request: HttpRequest, pk: int) -> HttpResponse:
    close = get_object_or_404(DrawerClose.objects.select_related("drawer"), pk=pk)
    form = ReopenForm(request.POST)
    if form.is_valid():
        try:
            drawer_reopen(
                drawer=close.drawer,
                by=_user(request),
                reason=form.cleaned_data["reason"],
                token=form.cleaned_data["token"],
                close=close,
            )
        except REFUSED as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, f"Drawer {close.drawer_id} is open again.")
    else:
        errors = (str(e) for field_errors in form.errors.values() for e in field_errors)
        messages.error(request, " ".join(errors))
    return redirect("reconciliation:drawers_closed")


urlpatterns: list[URLPattern] = [
    path("close/", drawer_close_view, name="drawer_close"),
    path("closes/<int:pk>/", close_result_view, name="close_result"),
    path("closes/<int:pk>.pdf", close_pdf_view, name="close_pdf"),
    path("closes/<int:pk>/sign-off/", sign_off_view, name="close_sign_off"),
    path("closes/<int:pk>/reopen/", reopen_view, name="close_reopen"),
    path("sign-off/", sign_off_queue_view, name="sign_off_queue"),
    path("drawers/open/", drawers_open_view, name="drawers_open"),
    path("drawers/closed/", drawers_closed_view, name="drawers_closed"),
    path("drawers/<int:pk>/close/", drawer_close_for_clerk_view, name="drawer_close_for_clerk"),
]
