"""Signs out a session left idle longer than its office's idle sign-out (Office.
idle_timeout_minutes); static/js/idle.js warns a minute before."""

import math
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import resolve_url

from payments.selectors import idle_timeout_minutes_for

# The session key holding the moment of the last activity (seconds since the epoch).
LAST_ACTIVITY = "idle_last_activity"
# Requests a page makes by itself, not a person: htmx polling of an import's progress and the
# warning script asking how long is left. They neither count as activity nor keep a session.
PASSIVE_VIEWS = frozenset(
    {
        "billing:import_progress",
        "reconciliation:statement_progress",
        "payments:remittance_import_progress",
        "idle_status",
        "favicon",  # cached publicly: its answer sets no cookie
        "healthz",
    }
)


def now() -> float:
    """The clock the middleware reads (seconds since the epoch); tests replace it."""
    return time.time()


def idle_timeout_seconds(request: HttpRequest) -> int:
    """The signed-in user's idle sign-out in seconds, looked up once per request."""
    cached = getattr(request, "idle_timeout_seconds", None)
    if cached is None:
        cached = idle_timeout_minutes_for(request.user) * 60  # type: ignore[arg-type]
        request.idle_timeout_seconds = cached  # type: ignore[attr-defined]
        request.idle_warning_seconds = settings.IDLE_WARNING_SECONDS  # type: ignore[attr-defined]
    return cached


def seconds_left(request: HttpRequest) -> int:
    """Whole seconds (rounded up) until the session is signed out for idleness; never below 0."""
    last = request.session.get(LAST_ACTIVITY, now())
    return max(0, math.ceil(last + idle_timeout_seconds(request) - now()))


def activity_record(request: HttpRequest) -> None:
    """Record a person's activity now, in the session. Every request a person makes writes
    it (not only every so often: a page's number of queries must not depend on the clock)."""
    request.session[LAST_ACTIVITY] = now()


def _to_sign_in(request: HttpRequest) -> HttpResponse:
    url = resolve_url(settings.LOGIN_URL)
    if "application/json" in request.headers.get("Accept", ""):
        # The warning script asking: it goes to sign-in itself, where the message shows.
        return JsonResponse({"seconds_left": 0}, status=401)
    if request.headers.get("HX-Request") == "true":
        return HttpResponse(headers={"HX-Redirect": url})
    if request.method == "GET":
        return redirect_to_login(request.get_full_path())
    return HttpResponse(status=302, headers={"Location": url})


class IdleTimeoutMiddleware:
    """After the authentication middleware: a signed-in session idle longer than its timeout
    is signed out and sent to sign-in with a message; any other request by a person records
    the activity."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated:
            return None
        timeout = idle_timeout_seconds(request)
        moment = now()
        last = request.session.get(LAST_ACTIVITY)
        if last is not None and moment - last > timeout:
            logout(request)
            minutes = timeout // 60
            messages.info(
                request,
                f"You were signed out after {minutes} minute{'s' if minutes != 1 else ''} "
                "without activity.",
            )
            return _to_sign_in(request)
        match = request.resolver_match
        passive = match is not None and match.view_name in PASSIVE_VIEWS
        if not passive:
            activity_record(request)
        return None
