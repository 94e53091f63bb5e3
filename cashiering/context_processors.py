from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from cashiering.roles import role_of
from payments.remittance_selectors import remittance_exceptions_open


def office(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)

    def role() -> str:
        return (role_of(user) if user is not None and user.is_authenticated else None) or ""

    def remittance_exceptions() -> int:
        # The Supervisors' queue: only they resolve, so only they see the count.
        if user is None or not user.has_perm("payments.resolve_remittance"):
            return 0
        return remittance_exceptions_open().count()

    # Lazy: only full pages show the role; the counter's htmx fragments skip the query.
    return {
        "office_name": settings.OFFICE_NAME,
        "user_role": SimpleLazyObject(role),
        "remittance_exceptions": SimpleLazyObject(remittance_exceptions),
    }
