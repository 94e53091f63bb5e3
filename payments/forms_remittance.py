"""Forms of the remittance pages: a mail batch (open, add a check, post, cancel), resolving an
exception, and importing a lockbox or vendor file. They parse what a browser sends; the
services in payments.services.remittance decide."""

from typing import Any, cast

from django import forms
from django.http import QueryDict
from django.utils import timezone

from billing.scanline import looks_like_scanline
from cashiering.forms import OneTimeTokenForm
from ledger.cards import contains_card_number
from ledger.formfields import DateField, MoneyField
from payments.errors import RemittanceError, RemittanceFileError
from payments.forms import CARD_NUMBER_MESSAGE, NoCardNumbersForm
from payments.models import Office, RemittanceItem, RemittanceSource
from payments.remittance_files import file_size_checked
from payments.services.remittance import postmark_checked

# More checks than this in one envelope tray is a typing slip, not a batch.
MAX_CONTROL_COUNT = 100_000


class BatchOpenForm(OneTimeTokenForm, NoCardNumbersForm):
    """The adding-machine tape of a day's mail: its total and how many checks it adds up."""

    control_total = MoneyField(
        label="Control total",
        help_text="The adding-machine tape's total of the checks.",
        widget=forms.TextInput(attrs={"autofocus": True}),
    )
    control_count = forms.IntegerField(
        label="Number of checks",
        min_value=1,
        max_value=MAX_CONTROL_COUNT,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"invalid": "Count the checks in whole numbers: 1, 2, 3 and so on."},
    )
    office = forms.ModelChoiceField(queryset=Office.objects.none(), empty_label=None)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["office"])
        field.queryset = Office.objects.filter(workstations__is_active=True).distinct()

    def clean_control_count(self) -> int:
        value = self.cleaned_data["control_count"]
        # IntegerField reads other scripts' digits; the tape is in 0-9.
        raw = str(self.data.get(self.add_prefix("control_count"), "")).strip()
        if not raw.isascii():
            raise forms.ValidationError("Count the checks in the digits 0 to 9.")
        return value


class ItemAddForm(OneTimeTokenForm, NoCardNumbersForm):
    """One check and its stub, as the scanner and the clerk type them. The postmark starts at
    the last one entered in the batch: a clerk works one day's mail at a time."""

    scanline = forms.CharField(
        label="Scanline or bill number",
        max_length=60,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "off"}),
    )
    amount = MoneyField(label="Check amount")
    check_number = forms.RegexField(
        label="Check number",
        regex=r"^[0-9]{1,12}$",
        max_length=12,
        error_messages={
            "invalid": "The check number is its digits (up to 12).",
            "required": "Type the check's number.",
        },
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )
    check_payer = forms.CharField(
        label="Payer (optional)",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    postmark = DateField(
        label="Postmark",
        required=False,
        help_text="The USPS postmark decides whether a mailed payment was on time.",
    )

    def clean_postmark(self):
        # After today, or more than a year back, is a slip of the keys (the service agrees).
        postmark = self.cleaned_data["postmark"]
        try:
            postmark_checked(postmark, timezone.localdate())
        except RemittanceError as exc:
            raise forms.ValidationError(str(exc)) from None
        return postmark

    def clean(self) -> dict[str, Any]:
        # A scanline is 23 digits that may pass the card check by chance: the card check of
        # NoCardNumbersForm skips it, and it is checked here unless it reads as a scanline.
        scanline = self.cleaned_data.pop("scanline", None)
        cleaned = super().clean() or {}
        if scanline is not None:
            cleaned["scanline"] = scanline
        # A card number is refused in any of these fields (also one that failed another check)
        # and never shown back in the page.
        for name in ("scanline", "check_number", "check_payer"):
            raw = str(self.data.get(self.add_prefix(name), ""))
            if name == "scanline" and looks_like_scanline(raw):
                continue
            if contains_card_number(raw):
                if CARD_NUMBER_MESSAGE not in self.errors.get(name, []):
                    self.add_error(name, CARD_NUMBER_MESSAGE)
                # A copy: request.POST is immutable.
                data = self.data.copy() if isinstance(self.data, QueryDict) else dict(self.data)
                data[self.add_prefix(name)] = ""
                self.data = data
        if cleaned.get("scanline"):
            cleaned["scanline"] = " ".join(cleaned["scanline"].split())
        return cleaned


class BatchPostForm(OneTimeTokenForm, forms.Form):
    """The confirmation that posts a batch: irreversible, so it is asked for in so many words."""

    confirm = forms.BooleanField(
        label="I have checked the items: post the batch",
        error_messages={"required": "Tick the box to confirm: posting cannot be undone."},
    )


class BatchCancelForm(NoCardNumbersForm):
    reason = forms.CharField(
        label="Why is the batch cancelled?",
        max_length=300,
        error_messages={"required": "Say why the batch is cancelled."},
    )


class ResolveForm(OneTimeTokenForm, NoCardNumbersForm):
    """A Supervisor's decision on one exception item."""

    ACTIONS = [
        ("apply", "Apply to the bill"),
        ("apply_partial", "Apply part (the rest to the customer's credit)"),
        ("hold", "Hold (money stays unapplied)"),
        ("return", "Return to sender (with a letter)"),
    ]
    action = forms.ChoiceField(label="Decision", choices=ACTIONS)
    amount = MoneyField(
        label="Amount to apply",
        required=False,
        help_text="Only to apply part of the check.",
    )
    note = forms.CharField(label="Note", max_length=300, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        action = cleaned.get("action")
        if (
            action == "apply_partial"
            and cleaned.get("amount") is None
            and "amount" not in (self.errors)
        ):
            self.add_error("amount", "Say how much of the check to apply.")
        if action in ("apply_partial", "hold", "return") and not cleaned.get("note"):
            self.add_error("note", "Say why: the note stays with the item (and on the letter).")
        return cleaned


class ExceptionFilterForm(NoCardNumbersForm):
    batch = forms.CharField(label="Batch", max_length=20, required=False)
    reason = forms.ChoiceField(
        label="Reason",
        required=False,
        choices=[("", "Any reason"), *RemittanceItem.Reason.choices],
    )


class ImportForm(OneTimeTokenForm, NoCardNumbersForm):
    source = forms.ModelChoiceField(
        label="From", queryset=RemittanceSource.objects.none(), empty_label=None
    )
    file = forms.FileField(
        label="File",
        help_text="The CSV as the bank or the vendor sends it (docs/remittance.md).",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["source"])
        field.queryset = RemittanceSource.objects.filter(is_active=True)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:
            file_size_checked(upload.size)
        except RemittanceFileError as exc:
            raise forms.ValidationError(str(exc)) from None
        return upload
