"""Forms of month close and the exports: the period to close (with its confirmation), the
period of the month-end report, date ranges of the finance exports, the billing system of a
posting file, the referral's days past due, the vendor's payments file."""

from django import forms
from django.conf import settings

from ledger.cards import NoCardNumbersMixin
from ledger.formfields import DateField
from ledger.models import AccountingPeriod, PeriodState
from reconciliation.forms_closing import CountField
from reconciliation.models import PostingSystem

MAX_UPLOAD_BYTES = 10 * 1024 * 1024


class MonthCloseForm(NoCardNumbersMixin, forms.Form):
    period = forms.ModelChoiceField(
        queryset=AccountingPeriod.objects.filter(state=PeriodState.OPEN).order_by("start_date"),
        label="Period to close",
        empty_label=None,
    )
    confirmed = forms.BooleanField(
        label="I understand that once closed, nothing more can be posted on these dates.",
        error_messages={"required": "Tick the box to confirm the close."},
    )


class PeriodForm(NoCardNumbersMixin, forms.Form):
    period = forms.ModelChoiceField(
        queryset=AccountingPeriod.objects.order_by("-start_date"),
        label="Period",
        empty_label=None,
    )


class DateRangeForm(NoCardNumbersMixin, forms.Form):
    date_from = DateField(label="From", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = DateField(label="To", widget=forms.DateInput(attrs={"type": "date"}))
    detailed = forms.BooleanField(
        label="One row per journal line (otherwise one per day and account)", required=False
    )

    def clean(self):
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        elif start and end and (end - start).days > 366:
            self.add_error("date_to", "Export at most a year at a time.")
        return cleaned


class PostingExportForm(NoCardNumbersMixin, forms.Form):
    system = forms.ChoiceField(choices=PostingSystem.choices, label="Billing system")


class ReferralForm(NoCardNumbersMixin, forms.Form):
    # Read by the books' strict parser (ASCII digits only: not "1E5" or other scripts' digits).
    days_past_due = CountField(
        label="Days past due",
        help_text="Tickets this many days past their due date, not yet referred, not on appeal.",
    )

    def clean_days_past_due(self) -> int:
        days = self.cleaned_data["days_past_due"]
        if days is None or not 1 <= days <= 3650:
            raise forms.ValidationError("Give a whole number of days from 1 to 3,650.")
        return days

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["days_past_due"].initial = settings.PARKING_REFERRAL_DAYS


class VendorPaymentsForm(NoCardNumbersMixin, forms.Form):
    file = forms.FileField(
        label="Vendor's payments file (CSV)",
        help_text="Columns: ticket_number, amount, paid_date, vendor_ref.",
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 10 MB; split it.")
        return upload
