"""Forms of the counter. They parse and check what a browser sends; the services decide."""

import re
from datetime import date
from decimal import Decimal
from typing import cast

from django import forms
from django.contrib.auth.models import User
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone

from billing.errors import BillingError
from billing.liens import good_through_check
from billing.models import FeeType, Property
from cashiering.forms import OneTimeTokenForm
from ledger.cards import NoCardNumbersMixin, contains_card_number
from ledger.formfields import DateField, MoneyField
from payments.models import (
    DENOMINATIONS,
    CreditRefund,
    Drawer,
    Office,
    Payment,
    Tender,
    TenderKind,
    Workstation,
)

CARD_NUMBER_MESSAGE = (
    "That looks like a card number. Never type a card number: the terminal charges the card; "
    "enter only its last four digits."
)


class NoCardNumbersForm(NoCardNumbersMixin, forms.Form):
    """Refuses any value holding a 13 to 19 digit Luhn-valid number (a pasted card number).
    Also gives every field Bootstrap's class, for templates that lay fields out by hand."""

    card_number_message = CARD_NUMBER_MESSAGE

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{css} {widget.attrs.get('class', '')}".strip()


def money_field(label: str, **options) -> MoneyField:
    """An amount the counter takes: more than $0.00, read by the one money parser."""
    return MoneyField(label=label, **options)


def _denomination_field_name(index: int) -> str:
    return f"count_{index}"


class DrawerOpenForm(OneTimeTokenForm, NoCardNumbersForm):
    """The float a clerk counts into a drawer, note by note and coin by coin, and the stock
    (tags, permit cards) in it, each row named by what is counted. The page adds the counts up
    as they are typed (static/js/drawer_open.js); the total that counts is the service's."""

    workstation = forms.ModelChoiceField(
        queryset=Workstation.objects.filter(is_active=True).select_related("office"),
        label="Window",
        empty_label=None,
    )
    training = forms.BooleanField(
        label="Training mode (postings go to the training book, never the live books)",
        required=False,
    )

    def __init__(self, *args, stock_types=(), **kwargs):
        super().__init__(*args, **kwargs)
        for index, (value, label) in enumerate(DENOMINATIONS):
            self.fields[_denomination_field_name(index)] = _count_field(
                label, cents=int(value * 100)
            )
        self.stock_types = list(stock_types)
        for fee_type in self.stock_types:
            self.fields[f"stock_{fee_type.pk}"] = _count_field(fee_type.stock_label)

    def denomination_fields(self):
        return [self[_denomination_field_name(i)] for i in range(len(DENOMINATIONS))]

    def denomination_rows(self) -> list[tuple[forms.BoundField, Decimal]]:
        """Each denomination's field with the amount its count makes (dollars; $0.00 until
        the form is bound and the count reads)."""
        counted = self._counted()
        return [
            (self[_denomination_field_name(i)], value * counted.get(i, 0))
            for i, (value, _) in enumerate(DENOMINATIONS)
        ]

    def bill_rows(self) -> list[tuple[forms.BoundField, Decimal]]:
        rows = self.denomination_rows()
        return [rows[i] for i, (_, label) in enumerate(DENOMINATIONS) if label.endswith("bills")]

    def coin_rows(self) -> list[tuple[forms.BoundField, Decimal]]:
        rows = self.denomination_rows()
        return [
            rows[i] for i, (_, label) in enumerate(DENOMINATIONS) if not label.endswith("bills")
        ]

    def float_total(self) -> Decimal:
        """The float the counts add up to (dollars), as the page shows it before the service
        records it: the counts that read, each times its denomination."""
        counted = self._counted()
        return sum(
            (value * counted.get(i, 0) for i, (value, _) in enumerate(DENOMINATIONS)),
            Decimal("0.00"),
        )

    def _counted(self) -> dict[int, int]:
        if not self.is_bound:
            return {}
        self.is_valid()  # cleaned_data holds each count that reads, even when another does not
        return {
            i: self.cleaned_data[_denomination_field_name(i)] or 0
            for i in range(len(DENOMINATIONS))
            if self.cleaned_data.get(_denomination_field_name(i)) is not None
        }

    def stock_fields(self):
        return [self[f"stock_{fee_type.pk}"] for fee_type in self.stock_types]

    def counts(self) -> dict[str, int]:
        return {
            label: self.cleaned_data.get(_denomination_field_name(i)) or 0
            for i, (_, label) in enumerate(DENOMINATIONS)
        }

    def stock(self) -> dict[int, int]:
        return {
            fee_type.pk: self.cleaned_data.get(f"stock_{fee_type.pk}") or 0
            for fee_type in self.stock_types
        }


class CountField(forms.IntegerField):
    """A count typed in the digits 0-9 only: Python's int() also reads other scripts' digits
    ("٣" is 3), which the page's running total would not add up, so they are refused."""

    def to_python(self, value):
        if isinstance(value, str) and value.strip() and not re.fullmatch(r"[0-9]+", value.strip()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


def _count_field(label: str, *, cents: int | None = None) -> forms.IntegerField:
    """A count of notes, coins or stock: a whole number from 0 to 100,000, typed in a box that
    is styled like every other (these fields are added after NoCardNumbersForm styles its own).
    `cents`, for a denomination, lets the page's script total the float as the clerk counts."""
    attrs: dict[str, str | int] = {
        "min": 0,
        "max": 100_000,
        "step": 1,
        "inputmode": "numeric",
        "class": "form-control text-end",
    }
    if cents is not None:
        attrs["data-cents"] = cents
    return CountField(
        label=label,
        min_value=0,
        max_value=100_000,
        initial=0,
        required=False,
        widget=forms.NumberInput(attrs=attrs),
        error_messages={"invalid": "Count in whole numbers: 0, 1, 2 and so on."},
    )


class CounterSearchForm(forms.Form):
    q = forms.CharField(
        label="Search or scan",
        max_length=200,
        required=False,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "placeholder": "Bill, account, parcel, plate or ticket number, name, address…",
                "accesskey": "s",
            }
        ),
    )


class BillAddForm(forms.Form):
    bill = forms.IntegerField(min_value=1, max_value=2**62, required=False)
    customer = forms.IntegerField(min_value=1, max_value=2**62, required=False)

    def clean(self):
        cleaned = super().clean() or {}
        if not cleaned.get("bill") and not cleaned.get("customer"):
            raise forms.ValidationError("Choose a bill to add.")
        return cleaned


class ItemAmountForm(forms.Form):
    amount = money_field("Amount to pay")


class FeeForm(NoCardNumbersForm):
    fee_type = forms.ModelChoiceField(
        queryset=FeeType.objects.filter(is_active=True).exclude(
            category=FeeType.Category.RETURNED_CHECK
        ),
        label="Fee or sale",
        empty_label="Choose…",
    )
    quantity = forms.IntegerField(
        label="Quantity",
        min_value=1,
        max_value=1000,
        initial=1,
        error_messages={"invalid": "Enter a whole number.", "min_value": "At least 1."},
    )
    plate = forms.CharField(label="Plate", max_length=10, required=False)
    plate_state = forms.CharField(label="State", max_length=2, required=False, initial="NY")
    period_start = DateField(
        label="Permit starts",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date such as 2026-12-01."},
    )
    months = forms.IntegerField(label="Months", min_value=1, max_value=12, required=False)

    def clean_period_start(self) -> date | None:
        start = self.cleaned_data.get("period_start")
        if start is not None and abs((start - timezone.localdate()).days) > 400:
            raise forms.ValidationError("A permit starts within a year of today.")
        return start


class TenderForm(NoCardNumbersForm):
    kind = forms.ChoiceField(label="Tender", choices=TenderKind.choices)
    amount = money_field("Amount")
    check_number = forms.CharField(label="Check number", max_length=12, required=False)
    check_payer = forms.CharField(label="Name on the check", max_length=200, required=False)
    card_brand = forms.ChoiceField(
        label="Card brand", choices=[("", "—"), *Tender.Brand.choices], required=False
    )
    card_last4 = forms.CharField(
        label="Last four digits",
        max_length=4,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={"max_length": "Only the last four digits of the card: exactly 4."},
    )
    authorization_code = forms.CharField(label="Authorization code", max_length=12, required=False)
    terminal_reference = forms.CharField(label="Terminal reference", max_length=30, required=False)

    def clean(self):
        cleaned = super().clean() or {}
        kind = cleaned.get("kind")
        if kind == TenderKind.CHECK:
            number = (cleaned.get("check_number") or "").strip()
            if not re.fullmatch(r"[0-9]{1,12}", number):
                self.add_error("check_number", "Enter the check number (digits only).")
        if kind == TenderKind.CARD:
            last4 = (cleaned.get("card_last4") or "").strip()
            if "card_last4" not in self.errors and not re.fullmatch(r"[0-9]{4}", last4):
                self.add_error("card_last4", "Only the last four digits of the card: exactly 4.")
            if not cleaned.get("card_brand"):
                self.add_error("card_brand", "Choose the card brand.")
            if not (cleaned.get("authorization_code") or "").strip():
                self.add_error("authorization_code", "Enter the terminal's authorization code.")
            if not (cleaned.get("terminal_reference") or "").strip():
                self.add_error("terminal_reference", "Enter the terminal's reference.")
        return cleaned


# The marker of a field whose text must stay in it: the counter's scanner detector (see
# static/js/counter.js) never takes a fast burst typed there, as a password manager types, for a
# scan. Every password input is treated so too; this also covers the name typed beside one.
SENSITIVE = {"data-sensitive": True}


class SupervisorFields(NoCardNumbersForm):
    """A Supervisor's sign-in typed at the counter to approve on the spot. Both fields are
    marked sensitive, and the password is never sent back into the page (Django's
    PasswordInput does not render its value), whatever the check of it said."""

    supervisor_username = forms.CharField(
        label="Supervisor",
        max_length=150,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", **SENSITIVE}),
    )
    supervisor_password = forms.CharField(
        label="Supervisor's password",
        max_length=128,
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "off", **SENSITIVE}),
    )


class CashMovementForm(OneTimeTokenForm, SupervisorFields):
    """A drop or a pickup. A drop carries the sign-in of the Supervisor who receives the cash
    into the safe (two people); a pickup's Supervisor is the one signed in, so its page leaves
    those fields out."""

    amount = money_field("Cash to the safe")
    note = forms.CharField(label="Note", max_length=200, required=False)


class PostForm(OneTimeTokenForm, SupervisorFields):
    payer_name = forms.CharField(
        label="Paid by (if not the customer)", max_length=200, required=False
    )
    accept_overpayment = forms.BooleanField(
        label="Keep what is paid over the amount due as the customer's credit", required=False
    )


class ReversalForm(SupervisorFields):
    reason = forms.CharField(
        label="Reason", max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    send_to_queue = forms.BooleanField(required=False)


class RefundForm(OneTimeTokenForm, ReversalForm):
    """A refund: all that stands, or a part (an overpayment credit, say); in cash from the
    clerk's drawer, or by a city check a Supervisor writes once the customer's check clears.
    Its one-time token makes a double-click or a reload refund once."""

    amount = money_field("Amount to refund (empty: all that stands)", required=False)
    by_city_check = forms.BooleanField(
        label="Pay it by city check (a Supervisor writes it once the customer's check clears)",
        required=False,
    )


class ReturnedCheckForm(NoCardNumbersForm):
    reason = forms.CharField(
        label="What the bank said (date, reason)",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    check = forms.IntegerField(
        label="The check the bank returned",
        required=False,
        min_value=1,
        max_value=2**62,
    )


class DecisionForm(NoCardNumbersForm):
    approve = forms.TypedChoiceField(
        choices=[("yes", "Approve"), ("no", "Reject")], coerce=lambda v: v == "yes"
    )
    note = forms.CharField(label="Note", max_length=300, required=False)
    city_check_number = forms.CharField(label="City check number", max_length=20, required=False)


class CreditRefundForm(OneTimeTokenForm, SupervisorFields):
    """A Supervisor pays back a customer's credit; posted only once `confirmed`, with a second
    Supervisor's sign-in typed on the confirmation (dual control)."""

    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    amount = money_field("Amount to refund")
    method = forms.ChoiceField(
        label="Paid back by",
        choices=CreditRefund.Method.choices,
        widget=forms.RadioSelect,
        initial=CreditRefund.Method.CITY_CHECK,
    )
    drawer = forms.ModelChoiceField(
        label="Cash out of drawer",
        queryset=Drawer.objects.none(),
        required=False,
        help_text="Only for cash: an open drawer of the live book.",
    )
    payee = forms.CharField(
        label="Pay to", max_length=200, required=False, help_text="The customer, unless named."
    )
    reason = forms.CharField(label="Reason", max_length=300)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["drawer"])
        field.queryset = Drawer.objects.filter(
            status=Drawer.Status.OPEN, training=False
        ).select_related("clerk", "workstation__office")

    def clean(self):
        cleaned = super().clean() or {}
        if (
            cleaned.get("method") == CreditRefund.Method.CASH
            and not cleaned.get("drawer")
            and "drawer" not in self.errors
        ):
            self.add_error("drawer", "Choose the open drawer the cash comes out of.")
        if cleaned.get("method") == CreditRefund.Method.CITY_CHECK:
            cleaned["drawer"] = None
        return cleaned


class ReceiptFindForm(forms.Form):
    q = forms.CharField(label="Receipt, payer or check number", max_length=100, required=False)


class OfficeAdminForm(NoCardNumbersMixin, forms.ModelForm):
    """An office in the admin. Its code is printed in receipt numbers: renaming it is allowed
    (the series follows the office, not the code), but a code whose receipt numbers another
    office has already printed would print those numbers again."""

    over_short_tolerance = MoneyField(
        min_value=Decimal("0.00"),
        label="Over/short tolerance",
        help_text=Office._meta.get_field("over_short_tolerance").help_text,
    )

    class Meta:
        model = Office
        fields = [
            "code",
            "name",
            "address",
            "phone",
            "allow_self_approval",
            "idle_timeout_minutes",
            "check_clearing_days",
            "blind_close",
            "over_short_tolerance",
        ]

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        printed = (
            Payment.objects.filter(
                Q(receipt_number__startswith=f"{code}-")
                | Q(receipt_number__startswith=f"TR-{code}-")
            )
            .exclude(office_id=self.instance.pk)
            .values_list("receipt_number", flat=True)
            .first()
        )
        if printed is not None:
            raise forms.ValidationError(
                f"Another office already printed receipts with the code {code} "
                f"(receipt {printed}); choose a code not used before."
            )
        return code


class _ClerkChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.get_username()


class ReceiptFilterForm(forms.Form):
    """A Supervisor's filters on today's receipts across drawers (issue 10 §6): by clerk, window,
    tender and status. Every field is optional; a value that is not one of the choices is an
    error on the form ("Select a valid choice"), never a server error."""

    clerk = _ClerkChoice(queryset=None, required=False, empty_label="Any clerk")
    window = forms.ModelChoiceField(
        queryset=Workstation.objects.select_related("office"),
        required=False,
        empty_label="Any window",
    )
    tender = forms.ChoiceField(choices=[("", "Any tender"), *TenderKind.choices], required=False)
    status = forms.ChoiceField(
        choices=[("", "Any status"), *Payment.Status.choices], required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Those who work a drawer now or took a payment today.
        worked = Drawer.objects.filter(
            Q(status=Drawer.Status.OPEN) | Q(payments__posted_on=timezone.localdate())
        ).values("clerk_id")
        clerk_field = cast(forms.ModelChoiceField, self.fields["clerk"])
        clerk_field.queryset = User.objects.filter(pk__in=worked).order_by(
            "first_name", "last_name", "username"
        )
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-select")


class LienSearchForm(NoCardNumbersForm):
    """The counter's lien search: a parcel (typed or scanned) and the date the certified list
    of liens is to be good through."""

    parcel = forms.CharField(
        label="Parcel number",
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "off", "data-scan-here": ""}),
        error_messages={"required": "Type or scan the parcel number (for example 24.-3-1)."},
    )
    good_through = DateField(
        label="Good through",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": "Give the date the payoff is to be good through (the closing date).",
            "invalid": "Enter a date such as 12/31/2026.",
        },
    )

    def clean_good_through(self) -> date:
        """A date a certificate issued today may be good through (billing.liens), said beside
        the field rather than after the search."""
        good_through = self.cleaned_data["good_through"]
        try:
            good_through_check(good_through=good_through, issued_on=timezone.localdate())
        except BillingError as exc:
            raise forms.ValidationError(str(exc)) from None
        return good_through

    def clean_parcel(self) -> Property:
        typed = self.cleaned_data["parcel"]
        if contains_card_number(typed):
            # Refused before it is looked up, so no message repeats it ("No parcel 4111... is
            # on file", kept in the session's messages), and the field is not filled with it.
            data = self.data.copy() if isinstance(self.data, QueryDict) else dict(self.data)
            data[self.add_prefix("parcel")] = ""
            self.data = data
            raise forms.ValidationError(self.card_number_message)
        number = "".join(typed.split())
        parcel = Property.objects.filter(parcel_number__iexact=number).first()
        if parcel is None:
            raise forms.ValidationError(f"No parcel {number} is on file: check the number.")
        return parcel
