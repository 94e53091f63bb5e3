"""The home dashboard and the health check."""

import logging

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from cashiering.roles import capabilities_for, role_of

logger = logging.getLogger(__name__)


def home(request: HttpRequest) -> HttpResponse:
    # Every signed-in user may see their own home page; what it offers depends on their role.
    return render(
        request,
        "home.html",
        {"role": role_of(request.user), "capabilities": capabilities_for(request.user)},
    )


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 when it does not. For load balancers; no login."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 2000")
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("health check: database unreachable")
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})
