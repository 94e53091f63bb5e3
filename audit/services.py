"""Writes of the audit trail: the access log (history of changes is written by triggers)."""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.http import HttpRequest

from audit.models import AccessEvent
from audit.network import client_address


@transaction.atomic
def access_record(
    *,
    kind: str,
    what: str,
    request: HttpRequest,
    customer_ids: Iterable[int] = (),
    object_type: str = "",
    object_id: object = "",
) -> AccessEvent:
    """Log that the request's user saw (VIEW, REVEAL) or took away (EXPORT) personal data:
    `what` in words ("Customer page: Dana Whitfield", "Referral file R-3.csv"), which customers
    (ids), which object; who, when, the URL, method and client address come from the request.
    Append-only: the row can never be changed or deleted (audit/migrations/0002)."""
    user: AbstractBaseUser | AnonymousUser = request.user
    return AccessEvent.objects.create(
        kind=kind,
        what=what[:200],
        user_id=user.pk if user.is_authenticated else None,
        customer_ids=sorted({int(pk) for pk in customer_ids}),
        object_type=object_type[:100],
        object_id=str(object_id)[:100],
        url=request.get_full_path()[:2000],
        method=request.method or "",
        ip=client_address(request)[:45],
    )
