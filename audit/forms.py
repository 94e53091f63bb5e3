"""The audit page's filter form (also the CSV's)."""

from typing import Any

from django import forms
from django.contrib.auth.models import User

from audit.models import AccessEvent
from audit.selectors import CHANGE, AuditFilter, object_type_label, tracked_object_types
from ledger.formfields import DateField


class AuditFilterForm(forms.Form):
    """Who, what object (type, and id or text), which days, which kind of row."""

    user = forms.ModelChoiceField(
        queryset=User.objects.order_by("username"), required=False, empty_label="Anyone"
    )
    object_type = forms.ChoiceField(label="Object", required=False)
    object_text = forms.CharField(
        label="Id or text", required=False, max_length=100, help_text="An id, or words it held."
    )
    # The house DateField: 0001-01-01 and 9999-12-31 are refused with a message (ledger.formfields).
    date_from = DateField(label="From", required=False)
    date_to = DateField(label="To", required=False)
    kind = forms.ChoiceField(
        required=False,
        choices=[("", "All"), (CHANGE, "Changes"), *AccessEvent.Kind.choices],
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        types = sorted({*tracked_object_types(), "billing.Customer"})
        self.fields["object_type"].choices = [("", "Any")] + [  # type: ignore[attr-defined]
            (label, f"{object_type_label(label)} ({label})") for label in types
        ]

    def clean_object_text(self) -> str:
        return self.cleaned_data["object_text"].replace("\x00", "").strip()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The last day comes on or after the first.")
        return cleaned

    def audit_filter(self) -> AuditFilter:
        """The filter the (valid) form asks for."""
        data = self.cleaned_data
        return AuditFilter(
            user=data.get("user"),
            object_type=data.get("object_type") or "",
            object_text=data.get("object_text") or "",
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            kind=data.get("kind") or "",
        )
