"""ledger.cards: a full card number is recognised however it is typed or pasted."""

import pytest

from ledger.cards import contains_card_number


@pytest.mark.parametrize(
    "text",
    [
        "4111111111111111",
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111.1111.1111.1111",
        "card 4111 1111 1111 1111 12/27",  # with its expiry after it
        "4111111111111111 1",
        "41111111111111110",  # a digit more at the end
        "378282246310005",  # American Express, 15 digits
    ],
)
def test_card_numbers_are_found(text):
    assert contains_card_number(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "4111111111111112",  # fails the Luhn check
        "call 607-274-6580",
        "check 1234, receipt CH-2026-000123",
        "bill T2026-00001-1",
        "411111111111",  # 12 digits
    ],
)
def test_other_numbers_are_not(text):
    assert not contains_card_number(text)
