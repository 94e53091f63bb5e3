from datetime import date, timedelta
from decimal import Decimal
from typing import cast

from django import forms
from django.core.validators import MaxValueValidator
from django.utils import timezone

from billing.importing import SOURCES
from billing.models import BillAdjustment, ChargeType, FeePrice, FeeType
from billing.scanline import MAX_AMOUNT as SCANLINE_MAX_AMOUNT
from billing.selectors import fee_price
from billing.services import Charge
from cashiering.forms import OneTimeTokenForm
from ledger.cards import NoCardNumbersMixin
from ledger.formfields import DateField, DecimalTextField, MoneyField
from ledger.models import Account, AccountType
from ledger.money import to_cents

MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class AsOfForm(forms.Form):
    as_of = DateField(
        label="Amounts as of",
        required=False,
        earliest=date(2000, 1, 1),
        latest=lambda: timezone.localdate() + timedelta(days=366),
        out_of_range="Give a date between 01/01/2000 and a year from today.",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Today, or the USPS postmark date of a mailed payment.",
    )

    def clean_as_of(self):
        return self.cleaned_data.get("as_of") or timezone.localdate()


class SearchForm(AsOfForm):
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
    field_order = ["q", "as_of"]


class WaiverForm(NoCardNumbersMixin, OneTimeTokenForm):
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


class AdjustForm(NoCardNumbersMixin, OneTimeTokenForm):
    """A Supervisor's cancellation or write-down of a bill; posted only once `confirmed` (the
    page shows what it will do first)."""

    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label="What to do",
        choices=BillAdjustment.Kind.choices,
        widget=forms.RadioSelect,
        initial=BillAdjustment.Kind.CANCEL,
    )
    amount = MoneyField(
        label="Write down by",
        required=False,
        help_text="Only for a write-down: dollars taken off what the bill owes today.",
    )
    reason = forms.ChoiceField(label="Reason", choices=BillAdjustment.Reason.choices)
    note = forms.CharField(
        label="What happened",
        max_length=300,
        help_text="The decision, its date, the docket number: kept on the bill's history.",
    )

    def clean_note(self):
        return self.cleaned_data["note"].strip()

    def clean(self):
        cleaned = super().clean() or {}
        if (
            cleaned.get("kind") == BillAdjustment.Kind.WRITE_DOWN
            and not cleaned.get("amount")
            and "amount" not in self.errors
        ):
            self.add_error("amount", "Say how much to write the bill down by.")
        if cleaned.get("kind") == BillAdjustment.Kind.CANCEL:
            cleaned["amount"] = None
        return cleaned


class AppealForm(NoCardNumbersMixin, forms.Form):
    # What the clerk meant, not the opposite of what the bill shows when the request lands:
    # a second submit of "open" is refused rather than closing the appeal again.
    action = forms.ChoiceField(
        choices=[("open", "Open"), ("close", "Close")], widget=forms.HiddenInput
    )
    note = forms.CharField(
        label="Note", max_length=300, help_text="The hearing date, or the decision and by whom."
    )

    def clean_note(self):
        return self.cleaned_data["note"].strip()


class ImportForm(NoCardNumbersMixin, OneTimeTokenForm):
    """The upload; the file's name is checked for card numbers too (it becomes a journal memo)."""

    source = forms.ChoiceField(label="Billing system", choices=[(s, s.title()) for s in SOURCES])
    file = forms.FileField(label="CSV file", help_text="The layouts are in docs/imports.md.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError("The file is larger than 50 MB; split it.")
        if upload.size == 0:
            raise forms.ValidationError("The file is empty.")
        return upload


class InvoiceForm(NoCardNumbersMixin, OneTimeTokenForm):
    memo = forms.CharField(
        label="What the invoice is for",
        max_length=200,
        required=False,
        help_text="Printed at the top of the invoice.",
    )
    due_date = DateField(label="Due date", widget=forms.DateInput(attrs={"type": "date"}))

    def clean_due_date(self):
        due = self.cleaned_data["due_date"]
        today = timezone.localdate()
        if due < today:
            raise forms.ValidationError("The due date is in the past.")
        if due > today + timedelta(days=366):
            raise forms.ValidationError("The due date is more than a year away.")
        return due


class InvoiceLineForm(NoCardNumbersMixin, forms.Form):
    """A line from a fee type (its price as of today), or free text with a revenue account."""

    fee_type = forms.ModelChoiceField(
        queryset=FeeType.objects.filter(is_active=True), required=False, label="Fee type"
    )
    description = forms.CharField(max_length=200, required=False)
    revenue_account = forms.ModelChoiceField(
        queryset=Account.objects.filter(type=AccountType.REVENUE, is_active=True),
        required=False,
        label="Revenue account",
    )
    quantity = DecimalTextField(
        places=2,
        min_value=Decimal("0.01"),
        max_value=Decimal("9999"),
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "1"}),
        help_text="Empty means 1.",
    )
    unit_price = MoneyField(
        label="Unit price",
        max_value=Decimal("9999999.99"),
        required=False,
        help_text="Leave empty for the fee type's price.",
    )

    def clean(self):
        cleaned = super().clean() or {}
        fee, account = cleaned.get("fee_type"), cleaned.get("revenue_account")
        if not self.has_changed() or self.errors:
            return cleaned
        if fee is None and account is None:
            raise forms.ValidationError("Choose a fee type, or a revenue account for free text.")
        if fee is None and not cleaned.get("description"):
            self.add_error("description", "Say what a free-text line is for.")
        if cleaned.get("unit_price") is None:
            price = fee_price(fee, timezone.localdate()) if fee is not None else None
            if price is None:
                self.add_error("unit_price", "Enter the unit price.")
            cleaned["unit_price"] = price
        cleaned["quantity"] = cleaned.get("quantity") or Decimal("1")
        return cleaned


class BaseInvoiceLineFormSet(forms.BaseFormSet):
    def charges(self) -> list[Charge]:
        """The filled-in lines as charges: a fee type's account, or the one chosen."""
        charge_type = ChargeType.objects.get(code="misc")
        charges = []
        for form, line in zip(self.forms, self.cleaned_data, strict=True):
            if not line or not form.has_changed() or line.get("unit_price") is None:
                continue
            fee: FeeType | None = line.get("fee_type")
            quantity, unit_price = line["quantity"], line["unit_price"]
            charges.append(
                Charge(
                    charge_type=charge_type,
                    amount=to_cents(quantity * unit_price),
                    description=line.get("description") or (fee.name if fee else ""),
                    quantity=quantity,
                    unit_price=unit_price,
                    revenue_account=line.get("revenue_account")
                    or (fee.revenue_account if fee else None),
                )
            )
        return charges

    def clean(self):
        if any(self.errors):
            return
        if not any(form.has_changed() for form in self.forms):
            raise forms.ValidationError("An invoice needs at least one line.")
        total = sum((charge.amount for charge in self.charges()), Decimal("0"))
        if total > SCANLINE_MAX_AMOUNT:
            # The remittance stub's scanline has room for this many digits of cents; a larger
            # invoice could not be mailed back and scanned (issue 10).
            raise forms.ValidationError(
                f"These lines add up to ${total:,.2f}; an invoice can be for at most "
                f"${SCANLINE_MAX_AMOUNT:,.2f}, the most its remittance stub's scanline holds. "
                "Split it into two invoices."
            )


InvoiceLineFormSet = cast(
    type[BaseInvoiceLineFormSet],
    forms.formset_factory(
        InvoiceLineForm, formset=BaseInvoiceLineFormSet, extra=4, max_num=20, validate_max=True
    ),
)


REVENUE_ACCOUNT_ONLY = (
    "A fee type's revenue account must be a revenue account (the 4000s): a sale at the counter "
    "credits it, and the tenders go to Cash, Checks or Card clearing. {account} is {type} "
    "account."
)


class FeeTypeAdminForm(NoCardNumbersMixin, forms.ModelForm):
    """A fee type in the administration site: it credits a revenue account (the database holds
    the same rule, migrations/0052_fee_type_revenue_account.sql), and stock counted in a drawer
    is named as the clerk counts it."""

    class Meta:
        model = FeeType
        fields = [
            "code",
            "name",
            "category",
            "revenue_account",
            "quantity_applies",
            "requires_plate",
            "requires_permit_period",
            "max_months",
            "garage",
            "counted_as_stock",
            "stock_name",
            "is_active",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["revenue_account"])
        # Only revenue accounts are offered; a fee type already pointed elsewhere keeps its
        # account in the list, so the form can say what is wrong with it.
        current = self.instance.revenue_account_id if self.instance.pk else None
        offered = Account.objects.filter(type=AccountType.REVENUE)
        if current:
            offered = Account.objects.filter(pk=current) | offered
        field.queryset = offered.order_by("code")
        field.error_messages["invalid_choice"] = (
            "Choose one of the revenue accounts in the list: a fee type's revenue account must "
            "be a revenue account (the 4000s)."
        )

    def clean_revenue_account(self) -> Account:
        account = cast(Account, self.cleaned_data["revenue_account"])
        if account.type != AccountType.REVENUE:
            kind = account.get_type_display().lower()
            article_type = f"{'an' if kind[0] in 'aeiou' else 'a'} {kind}"
            raise forms.ValidationError(
                REVENUE_ACCOUNT_ONLY.format(
                    account=f"{account.code} {account.name}", type=article_type
                )
            )
        return account

    def clean(self) -> dict:
        cleaned = super().clean() or {}
        if cleaned.get("counted_as_stock") and not (cleaned.get("stock_name") or "").strip():
            self.add_error(
                "stock_name",
                'Name the stock the clerk counts in the drawer ("Trash tag sheets", '
                '"Parking permit cards"): the drawer\'s counts show this name.',
            )
        return cleaned


class FeePriceAdminForm(NoCardNumbersMixin, forms.ModelForm):
    """A fee type's price from a date: more than $0.00, said in a sentence (the database's
    fee_price_positive check holds it too)."""

    class Meta:
        model = FeePrice
        fields = ["effective_from", "price"]

    def clean_price(self) -> Decimal:
        price = self.cleaned_data.get("price")
        if price is not None and price <= 0:
            raise forms.ValidationError(
                "A price must be more than $0.00. To stop selling a fee type, untick Active "
                "on the fee type instead."
            )
        return cast(Decimal, price)


class LienCertificateFindForm(NoCardNumbersMixin, forms.Form):
    q = forms.CharField(
        label="Parcel, certificate number or verification code",
        max_length=60,
        required=False,
        widget=forms.TextInput(
            attrs={
                "autofocus": True,
                "autocomplete": "off",
                "placeholder": "24.-3-1, LC-2026-000123, 7K3Q-M9PX-T2",
            }
        ),
    )


class PlanEnrollForm(OneTimeTokenForm):
    """A Supervisor's payment plan for a parcel (RPTL 1184): which delinquent tax bills, who
    signs, the down payment and the number of installments; saved only once `confirmed` (the
    page shows the schedule first)."""

    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    bills = forms.TypedMultipleChoiceField(
        label="Delinquent tax bills in the plan",
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one delinquent tax bill."},
    )
    customer = forms.TypedChoiceField(label="Taxpayer who signs the agreement", coerce=int)
    down_payment = MoneyField(
        label="Down payment",
        required=False,
        min_value=Decimal("0"),
        help_text="Due today; at most the terms' percent of the total ($0.00 for none).",
    )
    installments = forms.IntegerField(
        label="Monthly installments",
        min_value=1,
        help_text="Each due the last day of a month, starting next month.",
    )

    def __init__(self, *args, bill_choices, customer_choices, max_installments: int, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["bills"]).choices = bill_choices
        cast(forms.ChoiceField, self.fields["customer"]).choices = customer_choices
        self.fields["installments"].validators.append(MaxValueValidator(max_installments))

    def clean_down_payment(self):
        return self.cleaned_data.get("down_payment") or Decimal("0.00")


class PlanCancelForm(NoCardNumbersMixin, OneTimeTokenForm):
    """A Supervisor's cancellation of a payment plan, for a reason; saved only once `confirmed`
    (the page first shows what the bills will owe)."""

    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Why the plan is cancelled",
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The taxpayer withdrew, a bill must be waived or adjusted first, ...: kept "
        "with the plan.",
    )

    def clean_reason(self):
        reason = self.cleaned_data["reason"].strip()
        if len(reason) < 5:
            raise forms.ValidationError("Give a reason a reader will understand later.")
        return reason
