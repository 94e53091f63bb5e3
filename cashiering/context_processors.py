from django.conf import settings
from django.http import HttpRequest

from cashiering.roles import role_of


def office(request: HttpRequest) -> dict:
    user = getattr(request, "user", None)
    role = role_of(user) if user is not None and user.is_authenticated else None
    return {"office_name": settings.OFFICE_NAME, "user_role": role}
