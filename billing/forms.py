from django import forms
from django.utils import timezone

from billing.importing import SOURCES

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search or scan",
        max_length=200,
        required=False,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "off",
                "placeholder": "Bill, account, parcel, plate or ticket number, name, address…",
            }
        ),
    )
    as_of = forms.DateField(
        label="Amounts as of",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Today, or the USPS postmark date of a mailed payment.",
    )

    def clean_as_of(self):
        return self.cleaned_data.get("as_of") or timezone.localdate()


class AsOfForm(forms.Form):
    as_of = forms.DateField(
        label="Amounts as of",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Today, or the USPS postmark date of a mailed payment.",
    )

    def clean_as_of(self):
        return self.cleaned_data.get("as_of") or timezone.localdate()


class WaiverForm(forms.Form):
    reason = forms.CharField(
        label="Reason for the waiver",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the waiver and shown on the bill's history.",
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if len(reason) < 5:
            raise forms.ValidationError("Give a reason a reader will understand later.")
        return reason


class ImportForm(forms.Form):
    source = forms.ChoiceField(label="Billing system", choices=[(s, s.title()) for s in SOURCES])
    file = forms.FileField(label="CSV file", help_text="The layouts are in docs/imports.md.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 50 MB; split it.")
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        return upload
