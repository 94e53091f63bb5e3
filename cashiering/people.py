"""How the app names a person on its pages, messages and printed documents: by their name."""

from typing import Any


def person_name(user: Any) -> str:
    """A user's full name ("Casey Clerk"), or their username when they have none; "" for
    nobody. Pages and messages name people this way, never by username alone."""
    if user is None:
        return ""
    full = user.get_full_name().strip() if hasattr(user, "get_full_name") else ""
    return full or (user.get_username() if hasattr(user, "get_username") else str(user))
