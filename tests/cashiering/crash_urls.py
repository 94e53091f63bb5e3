"""A test-only URLconf (pytest.mark.urls): the app's URLs plus views that fail on purpose.
Never part of the app's own URLs."""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.urls import include, path

INTERNAL_DETAIL = "psycopg2 lost /srv/cashiering/payments/services.py line 412"


@login_not_required
def crash(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(INTERNAL_DETAIL)


@login_not_required
def crash_quoting_the_form(request: HttpRequest) -> HttpResponse:
    # As a careless error message would: the posted note (and its card number) in the text.
    raise ValueError(f"cannot read the note {request.POST.get('note', '')!r}")


@login_not_required
def suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation(INTERNAL_DETAIL)


urlpatterns = [
    path("test-crash/", crash),
    path("test-crash-note/", crash_quoting_the_form),
    path("test-suspicious/", suspicious),
    path("", include("cashiering.urls")),
]
