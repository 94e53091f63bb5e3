"""The verify page (a code after the password) and the enrol page (scan a QR code, confirm it)."""

from collections.abc import Callable
from typing import cast
from urllib.parse import urlencode

import django_otp
import segno
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django_otp.plugins.otp_totp.models import TOTPDevice

from cashiering.two_factor.errors import AlreadyEnrolled, TwoFactorError
from cashiering.two_factor.forms import OneTimeCodeForm
from cashiering.two_factor.services import (
    secret_base32,
    totp_device_of,
    totp_enrolment_confirm,
    totp_enrolment_start,
    totp_verify,
    two_factor_required,
)


def _code_accepted(
    request: HttpRequest, form: OneTimeCodeForm, check: Callable[..., TOTPDevice]
) -> bool:
    """Whether the posted code passes `check` (totp_verify or totp_enrolment_confirm): then the
    session is two-factor verified (django_otp.login); else the reason is put on the field."""
    if not form.is_valid():
        return False
    try:
        device = check(user=cast(User, request.user), code=form.cleaned_data["code"])
    except TwoFactorError as error:
        form.add_error("code", error.message)
        return False
    django_otp.login(request, device)
    return True


@never_cache
def verify_view(request: HttpRequest) -> HttpResponse:
    """GET: the code form. POST: a right code marks the session verified (django_otp.login)
    and goes on to `next`; a wrong one, or one while throttled, is explained on the field."""
    user = cast(User, request.user)
    if user.is_verified():  # type: ignore[attr-defined]
        return _onward(request)
    if totp_device_of(user) is None:
        return _with_next(request, "two_factor:enrol")
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and _code_accepted(request, form, totp_verify):
        return _onward(request)
    return render(request, "two_factor/verify.html", {"form": form, "next": _next(request)})


@never_cache
def enrol_view(request: HttpRequest) -> HttpResponse:
    """GET: a new (unconfirmed) device's QR code and secret, and the code form. POST: a right
    code from the app confirms the device and verifies this session."""
    user = cast(User, request.user)
    if not two_factor_required(user, admin_site=True):
        return redirect("home")  # Trainees and Clerks sign in with their password alone
    try:
        device = totp_enrolment_start(user=user)
    except AlreadyEnrolled:
        return _with_next(request, "two_factor:verify")
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and _code_accepted(request, form, totp_enrolment_confirm):
        return _onward(request)
    qr = segno.make(device.config_url, error="m")
    context = {
        "form": form,
        "next": _next(request),
        # segno's SVG: one path with stroke/fill attributes, no style attribute or script.
        "qr_svg": mark_safe(  # noqa: S308 (built here from our own data, nothing typed in)
            qr.svg_inline(scale=5, dark="#000", light="#fff", title="QR code to scan")
        ),
        "secret": secret_base32(device),
    }
    return render(request, "two_factor/enrol.html", context)


def _next(request: HttpRequest) -> str:
    """The page to go on to: `next` from the form or address if it is on this site, else ""."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if safe and wanted.startswith("/") else ""


def _onward(request: HttpRequest) -> HttpResponse:
    wanted = _next(request)
    back_here = (reverse("two_factor:verify"), reverse("two_factor:enrol"), reverse("logout"))
    if not wanted or wanted.startswith(back_here):
        return redirect("home")
    return HttpResponseRedirect(wanted)


def _with_next(request: HttpRequest, page: str) -> HttpResponse:
    url = reverse(page)
    wanted = _next(request)
    return HttpResponseRedirect(f"{url}?{urlencode({'next': wanted})}" if wanted else url)
