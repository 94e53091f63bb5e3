"""Form fields every app uses for money, numbers and dates, so that each input is read one way:
strictly (ledger.money), within the dates the books use (ledger.date_limits), and with one
message for each problem."""

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from django import forms
from django.utils.formats import date_format

from ledger.date_limits import EARLIEST, LATEST, date_check
from ledger.errors import InvalidAmount, InvalidDate
from ledger.money import MAX_AMOUNT, format_money, parse_decimal_text


class DecimalTextField(forms.Field):
    """A non-negative number with at most `places` decimals, read by ledger.money's strict parser
    (no exponents, other scripts' digits, NaN or misplaced commas). One message per problem:
    the parser's, or the minimum's or maximum's."""

    widget = forms.TextInput
    money = False

    def __init__(
        self,
        *,
        places: int = 2,
        min_value: Decimal | None = None,
        max_value: Decimal = MAX_AMOUNT,
        **kwargs: Any,
    ):
        self.places, self.min_value, self.max_value = places, min_value, max_value
        kwargs.pop("max_digits", None)
        kwargs.pop("decimal_places", None)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if isinstance(widget, forms.TextInput):
            attrs.setdefault("inputmode", "decimal")
            attrs.setdefault("autocomplete", "off")
        return attrs

    def _shown(self, value: Decimal) -> str:
        return f"{value:,}"

    def to_python(self, value: Any) -> Decimal | None:
        if value in self.empty_values:
            return None
        try:
            return parse_decimal_text(
                str(value), places=self.places, maximum=self.max_value, money=self.money
            )
        except InvalidAmount as exc:
            raise forms.ValidationError(exc.message, code="invalid") from None

    def validate(self, value: Decimal | None) -> None:
        super().validate(value)
        if value is not None and self.min_value is not None and value < self.min_value:
            raise forms.ValidationError(
                f"Enter {self._shown(self.min_value)} or more.", code="min_value"
            )


class MoneyField(DecimalTextField):
    """An amount of money as a clerk types it: "1234.56", "1,234.56" or "$1,234.56", whole cents,
    at most what the books can hold (NUMERIC(14,2)). Refuses "12,50", "1E5", NaN and digits of
    other scripts."""

    money = True

    def __init__(self, *, min_value: Decimal | None = Decimal("0.01"), **kwargs: Any):
        super().__init__(places=2, min_value=min_value, **kwargs)

    def _shown(self, value: Decimal) -> str:
        return format_money(value)

    def validate(self, value: Decimal | None) -> None:
        if value is not None and self.min_value == Decimal("0.01") and value < self.min_value:
            raise forms.ValidationError("Enter an amount more than $0.00.", code="min_value")
        super().validate(value)

    def prepare_value(self, value: Any) -> Any:
        # Show a stored amount as the office writes it, without the sign: it parses back.
        if isinstance(value, Decimal) and value.is_finite():
            return f"{value:,.2f}"
        return value


DateLimit = date | Callable[[], date]


class DateField(forms.DateField):
    """A date the books can compute with (ledger.date_limits): 0001-01-01 and 9999-12-31 are
    refused with a message, not carried into arithmetic that fails later. A form may narrow the
    range (`earliest`, `latest`: dates, or callables for ranges that move with today) and say
    so in its own words (`out_of_range`)."""

    def __init__(
        self,
        *,
        earliest: DateLimit = EARLIEST,
        latest: DateLimit = LATEST,
        out_of_range: str = "",
        **kwargs: Any,
    ):
        self.earliest, self.latest, self.out_of_range = earliest, latest, out_of_range
        super().__init__(**kwargs)

    def validate(self, value: date | None) -> None:
        super().validate(value)
        if value is None:
            return
        earliest = self.earliest() if callable(self.earliest) else self.earliest
        latest = self.latest() if callable(self.latest) else self.latest
        try:
            date_check(value)
            if not earliest <= value <= latest:
                raise InvalidDate(
                    f"Give a date from {date_format(earliest)} to {date_format(latest)}."
                )
        except InvalidDate as exc:
            raise forms.ValidationError(
                self.out_of_range or exc.message, code="out_of_range"
            ) from None
