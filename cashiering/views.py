"""The home dashboard, signing out, the favicon, the health check and the CSRF failure page."""

import logging
from decimal import Decimal
from typing import cast

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.models import User
from django.db import DatabaseError, connection, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET, require_POST

from cashiering.idle import activity_record, seconds_left
from cashiering.roles import capabilities_for, role_of
from ledger.money import ZERO
from payments.cart import SESSION_KEY as CART
from payments.selectors import drawer_of

logger = logging.getLogger(__name__)

TAKE = "payments.take_payment"


def _open_drawer(request: HttpRequest):
    """The signed-in user's open drawer, or None (also None for those who take no payments)."""
    user = request.user
    if not user.is_authenticated or not user.has_perm(TAKE):
        return None
    return drawer_of(cast(User, user))


def home(request: HttpRequest) -> HttpResponse:
    # Every signed-in user may see their own home page; what it offers depends on their role.
    return render(
        request,
        "home.html",
        {
            "role": role_of(request.user),
            "capabilities": capabilities_for(request.user),
            "takes_payments": request.user.has_perm(TAKE),
            "drawer": _open_drawer(request),
        },
    )


class SignOutView(auth_views.LogoutView):
    """Sign-out (a POST from the navigation bar). A clerk whose drawer is still open is asked
    first: close it, or sign out anyway (the drawer stays open for a Supervisor to count, or
    for the clerk's next sign-in). The form on that page says "anyway" and signs out."""

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        drawer = _open_drawer(request)
        if drawer is not None and request.POST.get("anyway") != "1":
            return render(
                request,
                "registration/sign_out_confirm.html",
                {"drawer": drawer, "cart": _unposted_cart(request)},
            )
        return super().post(request, *args, **kwargs)


def _unposted_cart(request: HttpRequest) -> dict | None:
    """The counter's cart when it holds anything (signing out drops it: nothing in it is
    posted), as how many items and how much was tendered, in dollars; else None."""
    cart = request.session.get(CART)
    if not isinstance(cart, dict) or not (cart.get("items") or cart.get("tenders")):
        return None
    return {
        "items": len(cart.get("items") or []),
        "tendered": sum((Decimal(row["amount"]) for row in cart.get("tenders") or []), ZERO),
    }


@login_not_required
@require_GET
@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers ask for on pages without an icon link (the admin's, a PDF):
    sends them to the vendored icon among the static files, so the log shows no 404."""
    return HttpResponseRedirect(static("favicon.ico"))


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 when it does not. For load balancers; no login."""
    try:
        # SET LOCAL needs a transaction (outside one it does nothing), and is taken back before
        # it ends: inside a caller's transaction (a test's) it would outlive this check.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 2000")
            cursor.execute("SELECT 1")
            cursor.fetchone()
            cursor.execute("SET LOCAL statement_timeout TO DEFAULT")
    except DatabaseError:
        logger.exception("health check: database unreachable")
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """settings.CSRF_FAILURE_VIEW: a 403 page saying what to do (reload and send again) and not
    why the check failed (`reason` is Django's technical wording: it goes to the log only)."""
    return render(request, "403_csrf.html", status=403)


# The idle sign-out's warning (static/js/idle.js): both are login-protected.


@never_cache
@require_POST
def idle_ping(request: HttpRequest) -> JsonResponse:
    """The warning's "Stay signed in": records the activity now. Answers {"seconds_left": n}."""
    activity_record(request)
    return JsonResponse({"seconds_left": seconds_left(request)})


@never_cache
@require_GET
def idle_status(request: HttpRequest) -> JsonResponse:
    """How long the session has left, without counting as activity (cashiering.idle's
    PASSIVE_VIEWS): another tab may have been used meanwhile. Answers {"seconds_left": n}."""
    return JsonResponse({"seconds_left": seconds_left(request)})
