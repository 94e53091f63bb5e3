"""Refuses requests whose path holds a NUL character: PostgreSQL cannot store or compare one,
so a lookup by such a path would fail with a server error instead of "not found"."""

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest


class RejectNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path:
            return HttpResponseBadRequest("The address contains a character that is not allowed.")
        return self.get_response(request)
