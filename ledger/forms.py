from django import forms
from django.utils.formats import date_format

from ledger.cards import NoCardNumbersMixin
from ledger.formfields import DateField
from ledger.models import AccountingPeriod, Book


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


class AccountingPeriodForm(NoCardNumbersMixin, forms.ModelForm):
    """An accounting period in the admin. A period that ends before it starts gets a message
    here; the database refuses it too (period_ends_after_it_starts), and the overlap check
    cannot even be asked about such a range."""

    class Meta:
        model = AccountingPeriod
        fields = ["name", "start_date", "end_date"]

    def clean(self):
        cleaned = super().clean() or {}
        start, end = cleaned.get("start_date"), cleaned.get("end_date")
        if start and end and start > end:
            # On end_date, so that model validation leaves out the overlap constraint, whose
            # daterange(start, end) PostgreSQL refuses to build for these dates.
            self.add_error(
                "end_date",
                f"The period ends ({date_format(end)}) before it starts ({date_format(start)}).",
            )
        return cleaned
