"""The request context every history event carries: who, which URL and method, from where."""

from typing import Any

from django.http import HttpRequest
from pghistory.middleware import HistoryMiddleware

from audit.network import client_address


class AuditContextMiddleware(HistoryMiddleware):
    """pghistory's middleware (user and URL), plus the method and the client's address as the
    verification page computes it (TRUSTED_PROXY_HOPS). Must come after AuthenticationMiddleware."""

    def get_context(self, request: HttpRequest) -> dict[str, Any]:
        context = super().get_context(request)
        context["method"] = request.method
        context["ip"] = client_address(request)
        return context
