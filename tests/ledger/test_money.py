"""ledger.money.parse_money: the one parser of every amount typed or imported (issue 8, §3)."""

from decimal import Decimal

import pytest

from ledger.errors import InvalidAmount
from ledger.money import parse_decimal_text, parse_money


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1234.56", Decimal("1234.56")),
        ("1,234.56", Decimal("1234.56")),
        ("$1,234.56", Decimal("1234.56")),
        ("  $ 12.5 ", Decimal("12.50")),
        ("12", Decimal("12.00")),
        (".07", Decimal("0.07")),
        ("1,234,567.00", Decimal("1234567.00")),
        ("12.3400", Decimal("12.34")),  # trailing zeros are still whole cents
        ("999,999,999,999.99", Decimal("999999999999.99")),
    ],
)
def test_amounts_written_the_american_way_are_read(text, amount):
    assert parse_money(text) == amount


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # a comma that is not a thousands separator in the right place (today $1,250.00)
        ("12,50", "“12,50” is not an amount: a comma may only separate thousands, as in 1,234.56."),
        ("1,2,3", "“1,2,3” is not an amount: a comma may only separate thousands"),
        ("1234,567.00", "“1234,567.00” is not an amount: a comma may only separate thousands"),
        # exponents (today "1E5" is $100,000.00)
        ("1E5", "“1E5” is not an amount: write digits with a point, as in 1,234.56."),
        ("1e-2", "“1e-2” is not an amount"),
        # digits of other scripts (today read as numbers)
        ("١٢٣", "“١٢٣” is not an amount"),  # Arabic-Indic
        ("\uff11\uff12\uff13", "“\uff11\uff12\uff13” is not an amount"),  # full-width
        ("۱۲", "“۱۲” is not an amount"),  # extended Arabic-Indic (Persian)
        ("१२", "“१२” is not an amount"),  # Devanagari
        # more than two decimals
        ("12.345", "“12.345” has more than two decimal places (whole cents)."),
        ("0.001", "“0.001” has more than two decimal places"),
        # not numbers at all
        ("NaN", "“NaN” is not an amount"),
        ("inf", "“inf” is not an amount"),
        ("Infinity", "“Infinity” is not an amount"),
        ("-5", "“-5” is not an amount"),
        ("+5", "“+5” is not an amount"),
        ("1_000", "“1_000” is not an amount"),
        ("12.5.6", "“12.5.6” is not an amount"),
        ("$", "“$” is not an amount"),
        ("", "Enter an amount."),
        # too large: one message naming the value and the limit
        (
            "1000000000000",
            "“1000000000000” is more than the books can hold (at most $999,999,999,999.99).",
        ),
    ],
)
def test_anything_else_is_refused_naming_the_value(text, message):
    with pytest.raises(InvalidAmount) as excinfo:
        parse_money(text)
    assert excinfo.value.message.startswith(message)
    assert excinfo.value.code == "invalid_amount"


def test_a_long_or_hostile_value_is_quoted_shortened_and_without_control_characters():
    with pytest.raises(InvalidAmount) as excinfo:
        parse_money("12\x00" + "9" * 500 + "x")
    assert excinfo.value.message == (
        "“12" + "9" * 37 + "…” is not an amount: write digits with a point, as in 1,234.56."
    )


def test_other_precisions_use_the_same_rules():
    assert parse_decimal_text("1,000.125", places=3, money=False) == Decimal("1000.125")
    with pytest.raises(InvalidAmount, match="more than 3 decimals"):
        parse_decimal_text("1.0001", places=3, money=False)
    with pytest.raises(InvalidAmount, match="“\\$5” is not a number"):
        parse_decimal_text("$5", places=3, money=False)  # "$" is for money only
    with pytest.raises(InvalidAmount, match="“120” is more than 100, the most allowed here"):
        parse_decimal_text("120", places=3, money=False, maximum=Decimal(100))
