"""Who must sign in with a one-time code, enrolling an authenticator app, and checking codes.

The devices are django-otp's TOTPDevice (RFC 6238: six digits, 30-second steps, one step of
clock drift either way, each code good once); its throttling counts wrong codes per device."""

import math
import time
from base64 import b32encode

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.db import transaction
from django.utils import timezone
from django_otp.oath import hotp
from django_otp.plugins.otp_totp.models import TOTPDevice

from cashiering.roles import Role, role_of
from cashiering.two_factor.errors import (
    AlreadyEnrolled,
    NoDevice,
    TooManyWrongCodes,
    TwoFactorError,
    WrongCode,
)

# The roles whose every page needs a verified device (issue 13, Access).
ROLES_WITH_TWO_FACTOR = (Role.SUPERVISOR, Role.ADMIN)
DEVICE_NAME = "Authenticator app"
DEMO_DEVICE_NAME = "Demo authenticator app"
# The demo users' shared secret: 20 bytes, printed in base32 by the docs and the README. Only
# `seed_demo` (and the tests' demo users) use it; real users enrol their own.
DEMO_TOTP_KEY = b"demo-totp-not-secret".hex()
DEMO_TOTP_SECRET_BASE32 = b32encode(bytes.fromhex(DEMO_TOTP_KEY)).decode()


def two_factor_role(user: AbstractBaseUser | AnonymousUser) -> bool:
    """True for a signed-in Supervisor or Admin (a user's role is their most senior group)."""
    return bool(user.is_authenticated) and role_of(user) in ROLES_WITH_TWO_FACTOR


def two_factor_required(user: AbstractBaseUser | AnonymousUser, *, admin_site: bool) -> bool:
    """Whether `user` must have verified a code before this page: Supervisors and Admins on
    every page, and staff and superusers (whatever their role) on the administration site."""
    if not user.is_authenticated:
        return False
    if admin_site and (getattr(user, "is_staff", False) or getattr(user, "is_superuser", False)):
        return True
    return two_factor_role(user)


def totp_device_of(user: User) -> TOTPDevice | None:
    """The user's confirmed TOTP device (the oldest, if an Admin left two), or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def secret_base32(device: TOTPDevice) -> str:
    """The device's secret as authenticator apps take it typed in: base32, in groups of four."""
    text = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def totp_enrolment_start(*, user: User) -> TOTPDevice:
    """The user's unconfirmed device, created (with a fresh random key) if they have none.
    Raises AlreadyEnrolled if they have a confirmed device: an Admin removes it first."""
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=user.pk).first()
        if totp_device_of(user) is not None:
            raise AlreadyEnrolled("You already have an authenticator app. Enter its code.")
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def _device_locked(user: User, *, confirmed: bool) -> TOTPDevice | None:
    """The user's first confirmed (or unconfirmed) device, locked for this transaction."""
    return (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=confirmed)
        .order_by("pk")
        .first()
    )


def totp_enrolment_confirm(*, user: User, code: str) -> TOTPDevice:
    """Confirm the user's unconfirmed device with a code from the app that scanned it; other
    unconfirmed devices of theirs are removed. Raises NoDevice, WrongCode, TooManyWrongCodes."""
    with transaction.atomic():
        device = _device_locked(user, confirmed=False)
        if device is None:
            raise NoDevice("There is no authenticator app waiting to be confirmed; start again.")
        refusal = _refusal(device, code)
        if refusal is None:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    # Raised outside the transaction: a wrong code's count (saved by django-otp) must stay.
    if refusal is not None:
        raise refusal
    return device


def totp_verify(*, user: User, code: str) -> TOTPDevice:
    """The user's confirmed device, if `code` is its current code (not used before). Raises
    NoDevice, WrongCode (the failure is counted), or TooManyWrongCodes (while throttled)."""
    with transaction.atomic():
        device = _device_locked(user, confirmed=True)
        if device is None:
            raise NoDevice("You have no authenticator app yet; set one up first.")
        refusal = _refusal(device, code)
    # Raised outside the transaction: a wrong code's count (saved by django-otp) must stay.
    if refusal is not None:
        raise refusal
    return device


def _refusal(device: TOTPDevice, code: str) -> TwoFactorError | None:
    """None if `code` verifies on the locked `device` (django-otp then records the step used and
    clears the count), else the error to raise (a wrong code is counted toward throttling)."""
    allowed, data = device.verify_is_allowed()
    if not allowed:
        locked_until = (data or {}).get("locked_until")
        wait = (locked_until - timezone.now()).total_seconds() if locked_until else 1
        return TooManyWrongCodes(max(1, math.ceil(wait)))
    if not device.verify_token(code):
        return WrongCode("That code is not right. Enter the 6 digits your app shows now.")
    return None


def totp_code_now(device: TOTPDevice) -> str:
    """The code the device's app shows now, as six (or eight) digits; if that code was already
    used, the next step's code, which is accepted too (one step of tolerance)."""
    now_step = (int(time.time()) - device.t0) // device.step + device.drift
    step = max(now_step, device.last_t + 1)
    return str(hotp(device.bin_key, step, digits=device.digits)).zfill(device.digits)


def totp_demo_device_seed(*, user: User) -> TOTPDevice:
    """Give a demo user a confirmed device with the documented demo secret (idempotent)."""
    device, _ = TOTPDevice.objects.update_or_create(
        user=user,
        name=DEMO_DEVICE_NAME,
        defaults={"key": DEMO_TOTP_KEY, "confirmed": True},
    )
    return device
