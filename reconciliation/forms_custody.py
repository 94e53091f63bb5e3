"""Forms of the safe and deposits: they parse what a browser sends; the services decide."""

from decimal import Decimal

from django import forms

from cashiering.forms import OneTimeTokenForm
from ledger.cards import NoCardNumbersMixin
from ledger.formfields import MoneyField
from ledger.models import Account, AccountType
from payments.forms import SENSITIVE, NoCardNumbersForm
from payments.models import DENOMINATIONS
from reconciliation.selectors_custody import SafeCheck, check_ref_parse
from reconciliation.services.deposits import CheckPick

MAX_QUANTITY = 100_000


def bank_accounts():
    """The city's bank accounts a deposit may go to: active 11xx asset accounts."""
    return Account.objects.filter(
        code__startswith="11", type=AccountType.ASSET, is_active=True
    ).order_by("code")


class PersonFields(NoCardNumbersMixin, forms.Form):
    """A second person's sign-in typed on the page (name and password), as payments' approvals
    take a Supervisor's. `person_prefix` names the pair (witness_, signer_, receiver_)."""

    def add_person(self, prefix: str, label: str, *, required: bool = True) -> None:
        self.fields[f"{prefix}_username"] = forms.CharField(
            label=label,
            max_length=150,
            required=required,
            widget=forms.TextInput(
                attrs={"autocomplete": "off", "class": "form-control", **SENSITIVE}
            ),
        )
        self.fields[f"{prefix}_password"] = forms.CharField(
            label=f"{label}: password",
            max_length=128,
            required=required,
            widget=forms.PasswordInput(
                attrs={"autocomplete": "off", "class": "form-control", **SENSITIVE}
            ),
        )

    def person(self, prefix: str) -> tuple[str, str]:
        return (
            (self.cleaned_data.get(f"{prefix}_username") or "").strip(),
            self.cleaned_data.get(f"{prefix}_password") or "",
        )


class CountFields(forms.Form):
    """How many of each note and coin (payments.models.DENOMINATIONS), one field per label,
    under `prefix` (count_0, fund_3, ...)."""

    def add_counts(self, prefix: str) -> None:
        for index, (_, label) in enumerate(DENOMINATIONS):
            self.fields[f"{prefix}_{index}"] = forms.IntegerField(
                label=label,
                min_value=0,
                max_value=MAX_QUANTITY,
                required=False,
                widget=forms.NumberInput(attrs={"min": 0, "class": "form-control form-control-sm"}),
            )

    def count_fields(self, prefix: str) -> list:
        return [self[f"{prefix}_{i}"] for i in range(len(DENOMINATIONS))]

    @property
    def count_fields_count(self) -> list:
        return self.count_fields("count")

    @property
    def count_fields_fund(self) -> list:
        return self.count_fields("fund")

    def counts(self, prefix: str) -> dict[str, int]:
        return {
            label: self.cleaned_data.get(f"{prefix}_{i}") or 0
            for i, (_, label) in enumerate(DENOMINATIONS)
        }


class CheckTicks(forms.Form):
    """Ticks against a list of checks (selectors_custody.SafeCheck), each by its `ref`."""

    def add_checks(self, checks: list[SafeCheck], label: str) -> None:
        self.safe_checks = checks
        self.fields["checks"] = forms.MultipleChoiceField(
            label=label,
            required=False,
            choices=[(c.ref, c.ref) for c in checks],
            widget=forms.CheckboxSelectMultiple,
            error_messages={
                "invalid_choice": "A check ticked is no longer in the list: reload the page."
            },
        )

    def picks(self) -> list[CheckPick]:
        picked = []
        for ref in self.cleaned_data.get("checks") or []:
            tender_id, close_check_id, item_id = check_ref_parse(ref)
            picked.append(
                CheckPick(
                    tender_id=tender_id, close_check_id=close_check_id, remittance_item_id=item_id
                )
            )
        return picked


class DepositPrepareForm(OneTimeTokenForm, CountFields, CheckTicks, NoCardNumbersForm):
    bank_account = forms.ModelChoiceField(
        queryset=Account.objects.none(), label="Bank account", empty_label=None
    )
    bag_number = forms.CharField(label="Bag number", max_length=30)

    def __init__(self, *args, checks: list[SafeCheck] = (), **kwargs):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.fields["bank_account"].queryset = bank_accounts()  # type: ignore[attr-defined]
        self.add_counts("count")
        self.add_checks(list(checks), "Checks in this bag")


class DepositVerifyForm(OneTimeTokenForm, CountFields, CheckTicks, NoCardNumbersForm):
    """The verifier's own count: the page lists the bag's checks, never the preparer's cash
    count, and the verifier ticks each check they hold."""

    def __init__(self, *args, checks: list[SafeCheck] = (), **kwargs):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.add_counts("count")
        self.add_checks(list(checks), "Checks I hold from this bag")


class DepositCancelForm(NoCardNumbersForm):
    reason = forms.CharField(
        label="Why cancel this bag", max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )


class SafeCountForm(OneTimeTokenForm, CountFields, CheckTicks, PersonFields, NoCardNumbersForm):
    """The safe counted by the signed-in Supervisor and a witness who types their sign-in;
    beyond the tolerance a third person signs off here too (name, password, reason)."""

    reason = forms.CharField(
        label="Reason for the over/short (for the sign-off)",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, checks: list[SafeCheck] = (), **kwargs):  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.add_counts("count")
        self.add_counts("fund")
        self.add_checks(list(checks), "Checks found in the safe")
        self.add_person("witness", "Second person counting")
        self.add_person("signer", "Supervisor signing off (beyond the tolerance)", required=False)


class ChangeFundForm(OneTimeTokenForm, PersonFields, NoCardNumbersForm):
    direction = forms.ChoiceField(
        label="What happens",
        choices=[
            ("add", "Cash drawn from the bank into the change fund"),
            ("return", "Cash from the change fund back to the bank"),
        ],
    )
    amount = MoneyField(label="Amount")
    memo = forms.CharField(label="Note", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_person("receiver", "Second person (receives or hands over the cash)")

    def signed_amount(self) -> Decimal:
        amount: Decimal = self.cleaned_data["amount"]
        return amount if self.cleaned_data["direction"] == "add" else -amount


class CustodyFilterForm(forms.Form):
    day = forms.DateField(
        label="Day", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
