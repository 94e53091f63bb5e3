"""ledger.cards: a full card number is recognised however it is typed or pasted."""

import json
import sys
import unicodedata

import pytest
from django import forms

from ledger.cards import (
    CARD_NUMBER_MASK,
    CARD_NUMBER_MESSAGE,
    NoCardNumbersMixin,
    contains_card_number,
    mask_card_numbers,
)

# Real-world ways a card number is pasted: from a web page (no-break spaces), a PDF (double
# spaces, zero-width characters), a note ("4111 - 1111 - ..."), a spreadsheet cell (tabs), a word
# processor (en and em dashes).
PASTED = {
    "plain": "4111111111111111",
    "spaces": "4111 1111 1111 1111",
    "hyphens": "4111-1111-1111-1111",
    "dots": "4111.1111.1111.1111",
    "slashes": "4111/1111/1111/1111",
    "no-break spaces": "4111\u00a01111\u00a01111\u00a01111",
    "narrow no-break spaces": "4111\u202f1111\u202f1111\u202f1111",
    "double spaces": "4111  1111  1111  1111",
    "spaced hyphens": "4111 - 1111 - 1111 - 1111",
    "tabs": "4111\t1111\t1111\t1111",
    "new lines": "4111\n1111\r\n1111\n1111",
    "en dashes": "4111\u20131111\u20131111\u20131111",
    "em dashes": "4111\u20141111\u20141111\u20141111",
    "minus signs": "4111\u22121111\u22121111\u22121111",
    "zero-width spaces": "4111\u200b1111\u200b1111\u200b1111",
    "zero-width joiners": "4111\u200c1111\u200d1111\u20601111",
    "byte order marks": "4111\ufeff1111\ufeff1111\ufeff1111",
    "soft hyphens": "4111\u00ad1111\u00ad1111\u00ad1111",
    "fullwidth digits": "\uff14\uff11\uff11\uff11\u3000\uff11\uff11\uff11\uff11\uff0d"
    "\uff11\uff11\uff11\uff11\uff0d\uff11\uff11\uff11\uff11",
    "mixed": "4111 \u2013\u00a01111\t.\u200b1111 / 1111",
}


@pytest.mark.parametrize(
    "text",
    [
        *PASTED.values(),
        "card 4111 1111 1111 1111 12/27",  # with its expiry after it
        "4111111111111111 1",
        "41111111111111110",  # a digit more at the end
        "378282246310005",  # American Express, 15 digits
        "3782 822463 10005",  # and as it is printed on the card
    ],
    ids=[*PASTED, "expiry", "digit after", "digit more", "amex", "amex grouped"],
)
def test_card_numbers_are_found(text):
    assert contains_card_number(text)


class _NoteForm(NoCardNumbersMixin, forms.Form):
    note = forms.CharField()
    tags = forms.JSONField(required=False)


@pytest.mark.parametrize("text", PASTED.values(), ids=PASTED)
def test_the_form_guard_refuses_a_card_number_however_it_is_parted(text):
    form = _NoteForm(data={"note": f"Paid by card {text}", "tags": json.dumps(["ok", text])})
    assert not form.is_valid()
    assert form.errors == {"note": [CARD_NUMBER_MESSAGE], "tags": [CARD_NUMBER_MESSAGE]}


@pytest.mark.parametrize("text", PASTED.values(), ids=PASTED)
def test_a_card_number_is_masked_however_it_is_parted_and_the_rest_is_kept(text):
    assert mask_card_numbers(f"Paid by card {text} exp 12/27, thanks") == (
        f"Paid by card {CARD_NUMBER_MASK} exp 12/27, thanks"
    )


def test_masking_keeps_the_text_around_the_number_as_it_was_written():
    # The text is normalised to be searched, not rewritten: a no-break space and a ligature
    # elsewhere stay as they are.
    text = "Re\u00a0\ufb01ne: 4111\u00a01111\u00a01111\u00a01111 and 5555 5555 5555 4444."
    assert mask_card_numbers(text) == (
        f"Re\u00a0\ufb01ne: {CARD_NUMBER_MASK} and {CARD_NUMBER_MASK}."
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "4111111111111112",  # fails the Luhn check
        "4111 \u2013 1111 \u2013 1111 \u2013 1112",  # fails it however parted
        "call 607-274-6580",
        "call (607)\u00a0274\u20136580 on 12/31/2026",
        "check 1234, receipt CH-2026-000123",
        "bill T2026-00001-1",
        "parcel 71.-2-15, tax year 2027",
        "paid $1,234.56 and $12,345,678.90 on 2026-12-31 at 10:15:00",
        "invoice INV-2026-000123 due 12 / 31 / 2026",
        "411111111111",  # 12 digits
        "4111 1111 1111",  # 12 digits, grouped
    ],
)
def test_other_numbers_are_not(text):
    assert not contains_card_number(text)
    assert mask_card_numbers(text) == text


def test_every_unicode_space_and_dash_parts_digit_groups():
    # "Dashes of any kind" and "whitespace of any kind" are the Unicode categories, not a list
    # someone remembered: a character added to them later would fail here.
    parting = [
        chr(code)
        for code in range(sys.maxunicode + 1)
        if unicodedata.category(chr(code)) in ("Pd", "Zs", "Zl", "Zp")
    ]
    card = ["4111", "1111", "1111", "1111"]
    missed = [f"U+{ord(char):04X}" for char in parting if not contains_card_number(char.join(card))]
    assert missed == []
