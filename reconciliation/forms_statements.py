"""Forms of the bank statement pages: import, auto-match, manual match, explanation, and the
CSV column mapping of a bank account."""

from typing import Any, cast

from django import forms

from cashiering.dates import us_date
from cashiering.forms import OneTimeTokenForm
from ledger.cards import NoCardNumbersMixin
from ledger.models import Account
from payments.models import RemittanceBatch
from reconciliation.models import CsvMapping, Deposit
from reconciliation.services.statements import EXPLAIN_ACCOUNTS, bank_accounts

# A statement of 100,000 lines is about 6 MB; anything far larger is not a statement.
MAX_STATEMENT_BYTES = 50 * 1024 * 1024


class _Bootstrap:
    def _style(self) -> None:
        for field in self.fields.values():  # type: ignore[attr-defined]
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            if isinstance(field.widget, forms.CheckboxInput):
                css = "form-check-input"
            field.widget.attrs.setdefault("class", css)


class BankAccountChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Account) -> str:
        return f"{obj.code} {obj.name}"


class StatementImportForm(_Bootstrap, NoCardNumbersMixin, OneTimeTokenForm):
    bank_account = BankAccountChoice(queryset=Account.objects.none(), label="Bank account")
    file = forms.FileField(
        label="Statement file",
        help_text="BAI2, OFX or QFX as the bank sends it, or CSV with the account's mapping.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["bank_account"]).queryset = bank_accounts()
        self._style()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_STATEMENT_BYTES:
            raise forms.ValidationError(
                f"The file is {upload.size / 1_048_576:,.0f} MB: no bank statement is that large."
            )
        return upload


class AutoMatchForm(_Bootstrap, NoCardNumbersMixin, OneTimeTokenForm):
    bank_account = BankAccountChoice(queryset=Account.objects.none(), label="Bank account")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["bank_account"]).queryset = bank_accounts()
        self._style()


class DepositChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Deposit) -> str:
        return f"Bag {obj.bag_number} of {us_date(obj.business_date)}: ${obj.total:,.2f}"


class MatchDepositForm(_Bootstrap, NoCardNumbersMixin, OneTimeTokenForm):
    deposit = DepositChoice(queryset=Deposit.objects.none(), label="Deposit")

    def __init__(self, *args: Any, deposits=None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if deposits is not None:
            cast(forms.ModelChoiceField, self.fields["deposit"]).queryset = deposits
        self._style()


class RemittanceBatchChoice(forms.ModelChoiceField):
    """A posted lockbox or vendor file, named with what the bank credits for it (`amount`
    for a lockbox deposit, `net` for a vendor settlement: selectors_statements)."""

    def label_from_instance(self, obj: RemittanceBatch) -> str:
        credited = getattr(obj, "net", None)
        if credited is None:
            credited = getattr(obj, "amount", obj.deposit_total)
        dated = us_date(obj.deposit_date) if obj.deposit_date else "no date"
        return f"{obj.number} ({obj.file_name or 'file'}, {dated}): ${credited:,.2f}"


class MatchRemittanceForm(_Bootstrap, NoCardNumbersMixin, OneTimeTokenForm):
    """A statement line matched to a posted lockbox file's deposit or a vendor file's
    settlement (`batches`: lockbox_deposits_unmatched or vendor_settlements_unmatched)."""

    batch = RemittanceBatchChoice(queryset=RemittanceBatch.objects.none(), label="File")

    def __init__(self, *args: Any, batches=None, label: str = "File", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["batch"])
        field.label = label
        if batches is not None:
            field.queryset = batches
        self._style()


class MatchCardDayForm(_Bootstrap, NoCardNumbersMixin, OneTimeTokenForm):
    business_date = forms.DateField(label="Card batches of business day", widget=forms.Select)

    def __init__(self, *args: Any, days=(), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget = self.fields["business_date"].widget
        widget.choices = [  # type: ignore[attr-defined]
            (d["business_date"].isoformat(), f"{us_date(d['business_date'])}: ${d['gross']:,.2f}")
            for d in days
        ]
        self._style()


class ExplainForm(_Bootstrap, NoCardNumbersMixin, OneTimeTokenForm):
    reason = forms.CharField(label="Explanation", max_length=300, min_length=3)
    account_code = forms.ChoiceField(
        label="Post to", choices=list(EXPLAIN_ACCOUNTS.items()), required=False
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()


class CsvMappingForm(_Bootstrap, NoCardNumbersMixin, forms.ModelForm):
    class Meta:
        model = CsvMapping
        fields = [
            "has_header",
            "date_column",
            "date_format",
            "amount_column",
            "debit_column",
            "credit_column",
            "reference_column",
            "description_column",
        ]
        help_texts = {
            "date_column": "The column's header, or its number counted from 1.",
            "amount_column": "Signed (money in positive). Or leave empty and give debit and "
            "credit columns.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._style()
