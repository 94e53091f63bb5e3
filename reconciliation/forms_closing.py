"""Forms of the drawer close: the blind count (denominations, ticked checks, extra checks, the
card batch total, stock), a Supervisor's sign-off and a reopening. They parse; the services
decide."""

from decimal import Decimal

from django import forms

from cashiering.forms import OneTimeTokenForm
from ledger.formfields import DecimalTextField, MoneyField
from payments.forms import SENSITIVE, NoCardNumbersForm
from payments.models import DENOMINATIONS
from reconciliation.services.closing import ExtraCheck

EXTRA_CHECK_ROWS = 3


class CountField(DecimalTextField):
    """How many notes, coins or tags: a whole number from 0 to 100,000 in ASCII digits, read by
    the books' strict parser (no "1E5", no other scripts' digits)."""

    def __init__(self, **kwargs):
        super().__init__(places=0, min_value=Decimal(0), max_value=Decimal(100_000), **kwargs)

    def to_python(self, value):
        number = super().to_python(value)
        return None if number is None else int(number)


def _count_field(label: str) -> CountField:
    return CountField(
        label=label,
        initial=0,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "class": "form-control-sm"}),
    )


def _person_fields(prefix: str, who: str) -> dict[str, forms.Field]:
    return {
        f"{prefix}_username": forms.CharField(
            label=who,
            max_length=150,
            required=False,
            widget=forms.TextInput(attrs={"autocomplete": "off", **SENSITIVE}),
        ),
        f"{prefix}_password": forms.CharField(
            label=f"{who}: password",
            max_length=128,
            required=False,
            widget=forms.PasswordInput(attrs={"autocomplete": "off", **SENSITIVE}),
        ),
    }


class DrawerCloseForm(OneTimeTokenForm, NoCardNumbersForm):
    """The blind count. `checks` are the drawer's recorded check tenders: each is a checkbox
    showing its number and payer only (its amount is what the drawer should hold). `stock_types`
    are the fee types the drawer opened with. `witness`: a Supervisor's close of a drawer left
    open (a witness signs in); otherwise a Supervisor may sign in to receive the money."""

    card_batch_total = MoneyField(
        label="Card terminal batch total",
        min_value=Decimal("0.00"),
        required=False,
        help_text="From the terminal's batch report; 0.00 if no card was charged.",
    )

    def __init__(self, *args, checks=(), stock_types=(), witness: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        for index, (_, label) in enumerate(DENOMINATIONS):
            self.fields[f"count_{index}"] = _count_field(label)
        self.recorded = list(checks)
        for tender in self.recorded:
            payer = f", {tender.check_payer}" if tender.check_payer else ""
            self.fields[f"check_{tender.pk}"] = forms.BooleanField(
                label=f"Check {tender.check_number}{payer}", required=False
            )
        for row in range(EXTRA_CHECK_ROWS):
            self.fields[f"extra_{row}_number"] = forms.CharField(
                label="Check number", max_length=12, required=False
            )
            self.fields[f"extra_{row}_payer"] = forms.CharField(
                label="Payer", max_length=200, required=False
            )
            self.fields[f"extra_{row}_amount"] = MoneyField(label="Amount", required=False)
        self.stock_types = list(stock_types)
        for fee_type in self.stock_types:
            self.fields[f"stock_{fee_type.pk}"] = _count_field(fee_type.stock_label)
        self.first_error_field: str | None = None
        self.witness = witness
        if witness:
            self.fields.update(_person_fields("witness", "Witness"))
        else:
            self.fields.update(_person_fields("receiver", "Supervisor receiving the money"))
        # Fields added after the base styled its own: style them too.
        for field in self.fields.values():
            widget = field.widget
            css = "form-check-input" if isinstance(widget, forms.CheckboxInput) else "form-control"
            if css not in widget.attrs.get("class", "").split():
                widget.attrs["class"] = f"{css} {widget.attrs.get('class', '')}".strip()

    def clean(self):
        cleaned = super().clean()
        for row in range(EXTRA_CHECK_ROWS):
            number = (cleaned.get(f"extra_{row}_number") or "").strip()
            payer = (cleaned.get(f"extra_{row}_payer") or "").strip()
            amount = cleaned.get(f"extra_{row}_amount")
            if (number or payer or amount) and not (number and amount):
                self.add_error(
                    f"extra_{row}_number", "An extra check needs its number and its amount."
                )
        person = "witness" if self.witness else "receiver"
        username = (cleaned.get(f"{person}_username") or "").strip()
        password = cleaned.get(f"{person}_password") or ""
        if self.witness and not (username and password):
            self.add_error(f"{person}_username", "The witness signs in with name and password.")
        elif bool(username) != bool(password):
            self.add_error(f"{person}_username", "Give the Supervisor's name and password.")
        return cleaned

    def full_clean(self):
        """After validation, point a keyboard or screen reader user at what to fix: each field in
        error says so (aria-invalid) and names its message; the first one takes the focus."""
        super().full_clean()
        self.first_error_field = None
        for name, field in self.fields.items():
            if name not in self.errors or field.widget.is_hidden:
                continue
            attrs = field.widget.attrs
            attrs["aria-invalid"] = "true"
            attrs["aria-describedby"] = f"{self[name].auto_id}-error"
            if self.first_error_field is None:
                self.first_error_field = name
                attrs["autofocus"] = True

    def denomination_fields(self):
        return [self[f"count_{i}"] for i in range(len(DENOMINATIONS))]

    def check_fields(self):
        return [self[f"check_{t.pk}"] for t in self.recorded]

    def extra_rows(self):
        return [
            (self[f"extra_{r}_number"], self[f"extra_{r}_payer"], self[f"extra_{r}_amount"])
            for r in range(EXTRA_CHECK_ROWS)
        ]

    def stock_fields(self):
        return [self[f"stock_{t.pk}"] for t in self.stock_types]

    def person_fields(self):
        person = "witness" if self.witness else "receiver"
        return [self[f"{person}_username"], self[f"{person}_password"]]

    def counts(self) -> dict[str, int]:
        return {
            label: self.cleaned_data.get(f"count_{i}") or 0
            for i, (_, label) in enumerate(DENOMINATIONS)
        }

    def checks(self) -> list[int | ExtraCheck]:
        ticked: list[int | ExtraCheck] = [
            t.pk for t in self.recorded if self.cleaned_data.get(f"check_{t.pk}")
        ]
        for row in range(EXTRA_CHECK_ROWS):
            number = (self.cleaned_data.get(f"extra_{row}_number") or "").strip()
            if number:
                ticked.append(
                    ExtraCheck(
                        check_number=number,
                        payer=(self.cleaned_data.get(f"extra_{row}_payer") or "").strip(),
                        amount=self.cleaned_data[f"extra_{row}_amount"],
                    )
                )
        return ticked

    def card_total(self) -> Decimal:
        return self.cleaned_data.get("card_batch_total") or Decimal("0.00")

    def stock(self) -> dict[int, int]:
        return {t.pk: self.cleaned_data.get(f"stock_{t.pk}") or 0 for t in self.stock_types}

    def person(self) -> tuple[str, str]:
        prefix = "witness" if self.witness else "receiver"
        return (
            (self.cleaned_data.get(f"{prefix}_username") or "").strip(),
            self.cleaned_data.get(f"{prefix}_password") or "",
        )


class SignOffForm(OneTimeTokenForm, NoCardNumbersForm):
    """A Supervisor signs off a count: the reason is required beyond the tolerance."""

    reason = forms.CharField(
        label="Reason (required when the over/short is beyond the tolerance)",
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReopenForm(OneTimeTokenForm, NoCardNumbersForm):
    reason = forms.CharField(
        label="Why reopen this drawer", max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
