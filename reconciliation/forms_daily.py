"""Forms of the daily balancing report and the day close."""

from django import forms
from django.utils import timezone

from cashiering.forms import OneTimeTokenForm
from ledger.cards import NoCardNumbersMixin
from payments.models import Office


class DailyReportForm(NoCardNumbersMixin, forms.Form):
    """Which office and business day the report is for (today by default)."""

    office = forms.ModelChoiceField(queryset=Office.objects.order_by("name"), empty_label=None)
    day = forms.DateField(
        label="Business day", widget=forms.DateInput(attrs={"type": "date"}), required=False
    )

    def clean_day(self):
        day = self.cleaned_data.get("day") or timezone.localdate()
        if day.year < 2000 or day > timezone.localdate():
            raise forms.ValidationError("Choose a business day from 2000 to today.")
        return day


class DaySignOffForm(NoCardNumbersMixin, OneTimeTokenForm):
    """A Supervisor signs off the office's day (a one-time token: a double-click signs once)."""

    office = forms.ModelChoiceField(queryset=Office.objects.all(), widget=forms.HiddenInput)
    day = forms.DateField(widget=forms.HiddenInput)


class DayReopenForm(NoCardNumbersMixin, forms.Form):
    """An Admin reopens a signed-off day, saying why."""

    office = forms.ModelChoiceField(queryset=Office.objects.all(), widget=forms.HiddenInput)
    day = forms.DateField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Why the day is reopened", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
