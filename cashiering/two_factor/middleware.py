"""Sends a Supervisor or Admin who has not yet typed a one-time code this session to the verify
page (or to enrol, without a device), from every page but the few they need to get there."""

from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from cashiering.two_factor.services import totp_device_of, two_factor_required


class TwoFactorRequiredMiddleware:
    """After django-otp's OTPMiddleware (which sets `request.user.is_verified()`). An unverified
    user who needs a code (two_factor_required) reaches only sign-out, the verify and enrol
    pages, static files and the health check; any other page redirects with `next` set to it.
    An htmx request gets an HX-Redirect header instead, so the whole page changes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if (
            user.is_authenticated
            and not user.is_verified()  # type: ignore[union-attr,attr-defined]
            and not _always_open(request.path)
            and two_factor_required(user, admin_site=_is_admin_site(request.path))
        ):
            return _to_verify(request)
        return self.get_response(request)


def _always_open(path: str) -> bool:
    static = "/" + settings.STATIC_URL.lstrip("/")
    open_paths = {
        reverse("logout"),
        "/admin/logout/",
        reverse("healthz"),
        reverse("favicon"),
        reverse("two_factor:verify"),
        reverse("two_factor:enrol"),
    }
    return path in open_paths or path.startswith(static)


def _is_admin_site(path: str) -> bool:
    return path.startswith(reverse("admin:index"))


def _to_verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    page = "two_factor:verify" if totp_device_of(user) is not None else "two_factor:enrol"  # type: ignore[arg-type]
    url = reverse(page)
    if request.method == "GET" and not request.headers.get("HX-Request"):
        url += "?" + urlencode({"next": request.get_full_path()})
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return HttpResponseRedirect(url)
