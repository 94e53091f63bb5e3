from django import forms

from ledger.formfields import DateField
from ledger.models import Book


class TrialBalanceFilterForm(forms.Form):
    book = forms.ChoiceField(choices=Book.choices, initial=Book.LIVE)
    as_of = DateField(
        label="As of",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Leave empty for every entry to date.",
    )


class AccountLinesFilterForm(forms.Form):
    book = forms.ChoiceField(choices=Book.choices, initial=Book.LIVE)
    date_from = DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned
