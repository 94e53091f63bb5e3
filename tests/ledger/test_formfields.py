"""ledger.formfields: the money and date fields every form and the admin use."""

from datetime import date
from decimal import Decimal

import pytest
from django import forms

from ledger.formfields import DateField, DecimalTextField, MoneyField


class AmountForm(forms.Form):
    amount = MoneyField(label="Amount")
    quantity = DecimalTextField(places=2, min_value=Decimal("0.01"), max_value=Decimal("9999"))
    day = DateField(required=False)


def _errors(**data):
    form = AmountForm(data={"quantity": "1", **data})
    form.is_valid()
    return form.errors


@pytest.mark.parametrize(
    ("typed", "amount"),
    [("1234.56", "1234.56"), ("1,234.56", "1234.56"), ("$1,234.56", "1234.56")],
)
def test_money_field_reads_what_the_parser_reads(typed, amount):
    form = AmountForm(data={"amount": typed, "quantity": "1"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["amount"] == Decimal(amount)


def test_an_amount_too_large_gets_one_message_not_the_same_twice():
    errors = _errors(amount="99999999999999999")
    assert errors["amount"] == [
        "“99999999999999999” is more than the books can hold (at most $999,999,999,999.99)."
    ]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("12,50", "“12,50” is not an amount: a comma may only separate thousands, as in 1,234.56."),
        ("1E5", "“1E5” is not an amount: write digits with a point, as in 1,234.56."),
        ("١٢٣", "“١٢٣” is not an amount: write digits with a point, as in 1,234.56."),
        ("12.345", "“12.345” has more than two decimal places (whole cents)."),
        ("0", "Enter an amount more than $0.00."),
        ("0.00", "Enter an amount more than $0.00."),
        ("", "This field is required."),
    ],
)
def test_money_field_refuses_with_one_message(typed, message):
    assert _errors(amount=typed)["amount"] == [message]


def test_a_number_field_has_its_own_limits_in_its_own_words():
    assert _errors(amount="1", quantity="10,000")["quantity"] == [
        "“10,000” is more than 9,999, the most allowed here."
    ]
    assert _errors(amount="1", quantity="0")["quantity"] == ["Enter 0.01 or more."]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (
            "0001-01-01",
            "The date 01/01/0001 is outside the dates the books use (01/01/1900 to 12/31/2199).",
        ),
        (
            "9999-12-31",
            "The date 12/31/9999 is outside the dates the books use (01/01/1900 to 12/31/2199).",
        ),
        ("10000-01-01", "Enter a valid date."),
        ("2026-02-29", "Enter a valid date."),  # not a leap year
    ],
)
def test_dates_at_the_ends_of_the_calendar_are_refused_with_a_message(typed, message):
    assert _errors(amount="1", day=typed)["day"] == [message]


@pytest.mark.parametrize("typed", ["1900-01-01", "2028-02-29", "2199-12-31"])
def test_dates_the_books_compute_with_are_accepted(typed):
    form = AmountForm(data={"amount": "1", "quantity": "1", "day": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["day"] == date.fromisoformat(typed)


def test_a_form_may_narrow_the_range_in_its_own_words():
    class Narrow(forms.Form):
        day = DateField(earliest=date(2000, 1, 1), latest=lambda: date(2030, 1, 1))

    assert Narrow(data={"day": "1999-12-31"}).errors["day"] == [
        "Give a date from 01/01/2000 to 01/01/2030."
    ]
    assert Narrow(data={"day": "2030-01-01"}).is_valid()
