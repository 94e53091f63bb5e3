"""The hidden one-time token that every form doing something once carries (drawer open, cash
drop and pickup, the cart's post, waiver, import, invoice)."""

import uuid

from django import forms
from django.http import QueryDict

FRESH_FORM_MESSAGE = (
    "This form's one-time code was missing or altered, so nothing was saved. "
    "This is a fresh copy of the form: check it and submit it again."
)


class OneTimeTokenForm(forms.Form):
    """A form with a hidden one-time token. The service looks for an earlier submit by it, so a
    double-click or a reload does the thing once and shows what the first submit did.

    A token that is missing or is not a token (altered in the page, or by a tool) fails the form
    with FRESH_FORM_MESSAGE among the form's own errors (a hidden field's error shows
    nowhere), and the form takes a fresh token, so it renders ready to submit again instead of
    carrying the bad token back into the page for ever. A well-formed token the server never
    issued is as good as a fresh one: it is only a name for this one submit."""

    token = forms.UUIDField(
        widget=forms.HiddenInput,
        error_messages={"required": FRESH_FORM_MESSAGE, "invalid": FRESH_FORM_MESSAGE},
    )

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound or "token" not in self.errors:
            return
        del self.errors["token"]
        self.add_error(None, FRESH_FORM_MESSAGE)
        # A copy: request.POST is immutable, and other forms on the page read it too.
        data = self.data.copy() if isinstance(self.data, QueryDict) else dict(self.data)
        data[self.add_prefix("token")] = str(uuid.uuid4())
        self.data = data
