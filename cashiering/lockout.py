"""Sign-in lockout (django-axes, counted in the database): the page a locked-out sign-in sees,
the client address axes counts, and the one check of credentials a second person types on a
page (a Supervisor approving at the counter, a witness at a drawer close)."""

import logging
from typing import Any, cast

from axes.utils import reset
from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.forms import PasswordChangeForm
from django.contrib.auth.models import User
from django.contrib.auth.views import PasswordChangeView
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render

from billing.views import client_address as _client_address

logger = logging.getLogger(__name__)

MASK = "********************"


def cooloff_minutes() -> int:
    """How long a lock lasts, in whole minutes (AXES_COOLOFF_TIME, a timedelta)."""
    return max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))


def locked_message() -> str:
    """What a locked sign-in is told: the same whether or not the name exists, so the message
    reveals nothing about anyone's account."""
    return (
        f"This sign-in is paused after too many wrong passwords. Try again in "
        f"{cooloff_minutes()} minutes, or ask an Admin to clear the lock."
    )


def client_address(request: HttpRequest) -> str | None:
    """The address axes records for a failure (AXES_CLIENT_IP_CALLABLE): REMOTE_ADDR, or behind
    TRUSTED_PROXY_HOPS proxies their X-Forwarded-For entry (billing.views.client_address, the
    same rule as the public verification page's throttle); None when there is none."""
    return _client_address(request) or None


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the sign-in page (or the admin's) in place of the usual answer
    when a sign-in is locked: a plain page with the message, status 429, never the form with
    the typed values. Pages that check a second person's credentials handle a lock themselves
    (`second_person`), so axes never reaches here from them."""
    return render(
        request,
        "registration/locked_out.html",
        {"message": locked_message()},
        status=429,
    )


def _passwords_masked(posted: QueryDict) -> QueryDict:
    masked = posted.copy()
    for key in masked:
        if "password" in key.casefold():
            masked.setlist(key, [MASK])
    return masked


def second_person(request: HttpRequest, *, username: str, password: str) -> tuple[User | None, str]:
    """The user whose `username` and `password` were typed on this page by someone signed in
    (dual control), checked through axes: every wrong password counts towards the same lock as
    the sign-in page's, and a locked name is refused before its password is tried.

    Returns (user, "") when the credentials are right, (None, "") when they are wrong, and
    (None, the lock message) when the name is locked. The page shows the message itself: the
    request's lockout flag is cleared so that axes' middleware does not replace the page."""
    posted = request.POST
    # Axes keeps the failed request's form data: axes masks a field named "password" exactly,
    # not a prefixed one ("void-supervisor_password"), so it sees every password field masked.
    request.POST = _passwords_masked(posted)  # type: ignore[assignment]
    try:
        person = authenticate(request, username=username, password=password)
    finally:
        request.POST = posted  # type: ignore[assignment]
    if getattr(request, "axes_locked_out", False):
        request.axes_locked_out = False  # type: ignore[attr-defined]
        logger.warning("A second person's locked sign-in was typed at %s", request.path)
        return None, locked_message()
    if person is not None:
        reset(username=person.get_username())  # as AXES_RESET_ON_SUCCESS does at sign-in
    return cast(User | None, person), ""


class CountedPasswordChangeForm(PasswordChangeForm):
    """Django's password change form whose old password is checked through axes
    (`second_person`): a wrong one counts towards the sign-in lock of the name, and a locked
    name is refused, so a session left open is no way round the lock to guess its password."""

    def __init__(self, user: User, *args: Any, request: HttpRequest, **kwargs: Any) -> None:
        self.request = request
        super().__init__(user, *args, **kwargs)

    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        person, locked = second_person(
            self.request, username=self.user.get_username(), password=old_password
        )
        if locked:
            raise ValidationError(locked, code="locked")
        if person is None or person.pk != self.user.pk:
            raise ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password


class CountedPasswordChangeView(PasswordChangeView):
    """The password change page (accounts/password/) with CountedPasswordChangeForm."""

    form_class = CountedPasswordChangeForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}
