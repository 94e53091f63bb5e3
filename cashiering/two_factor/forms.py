"""The one form of the two-factor pages: six digits from an authenticator app."""

import re

from django import forms

CODE_SHAPE = re.compile(r"[0-9]{6}")


class OneTimeCodeForm(forms.Form):
    """The code as the app shows it; spaces (apps show "123 456") are ignored. Only ASCII
    digits: a code in another script's digits is refused here rather than read as a number."""

    code = forms.CharField(
        label="Code",
        max_length=20,
        help_text="Enter the 6-digit code from your authenticator app.",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
                "size": 8,
            }
        ),
    )

    def clean_code(self) -> str:
        code = re.sub(r"\s", "", self.cleaned_data["code"])
        if not CODE_SHAPE.fullmatch(code):
            raise forms.ValidationError("A code is 6 digits, 0 to 9, such as 123456.")
        return code
