from django.conf import settings
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from cashiering.roles import role_of


def office(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)

    def role() -> str:
        return (role_of(user) if user is not None and user.is_authenticated else None) or ""

    # Lazy: only full pages show the role; the counter's htmx fragments skip the query.
    return {"office_name": settings.OFFICE_NAME, "user_role": SimpleLazyObject(role)}
