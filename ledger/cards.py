"""Full card numbers are never accepted: text holding a 13-19 digit Luhn-valid number is refused."""

import re
from typing import Any

from django.core.exceptions import ValidationError

# A run of digits, possibly grouped by single spaces, hyphens, dots or slashes, as people type or
# paste card numbers ("4111 1111 1111 1111", "4111-1111-...", "4111.1111...").
_RUN = re.compile(r"\d+(?:[ ./-]\d+)*")
_SEPARATORS = re.compile(r"[ ./-]")
# Thirteen digits in one run at least: without them there is no card number, and text is checked
# in one pass of the regex engine (an import checks every cell of a million rows).
_THIRTEEN_DIGITS = re.compile(r"\d(?:[ ./-]?\d){12}")


def _luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def contains_card_number(text: str) -> bool:
    """True if `text` holds a 13 to 19 digit Luhn-valid number, also when more digits follow it
    ("4111111111111111 12/27", a number and its expiry). A number is looked for from the start
    of each group of digits, with any length from 13 to 19."""
    if not text or len(text) < 13 or _THIRTEEN_DIGITS.search(text) is None:
        return False
    for match in _RUN.finditer(text):
        groups = _SEPARATORS.split(match.group())
        digits = "".join(groups)
        if len(digits) < 13:
            continue
        start = 0
        for group in groups:
            for length in range(13, 20):
                if start + length <= len(digits) and _luhn_valid(digits[start : start + length]):
                    return True
            start += len(group)
    return False


CARD_NUMBER_MESSAGE = (
    "This looks like a full card number. Never type or store card numbers: record only "
    "the brand and last four digits."
)
CARD_NUMBER_MASK = "[card number removed]"


def refuse_card_numbers(text: str) -> None:
    """Raise a form ValidationError if `text` holds what looks like a full card number."""
    if contains_card_number(text):
        raise ValidationError(CARD_NUMBER_MESSAGE, code="card_number")


def mask_card_numbers(text: str) -> str:
    """`text` with every run of digits that holds a card number replaced by a mark: for what is
    written down about refused input (an import's error report, the admin's change log)."""
    if not contains_card_number(text):
        return text
    return _RUN.sub(
        lambda run: CARD_NUMBER_MASK if contains_card_number(run.group()) else run.group(), text
    )


def _holds_card_number(value: Any) -> bool:
    if isinstance(value, str):
        return contains_card_number(value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return any(_holds_card_number(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_card_number(k) or _holds_card_number(v) for k, v in value.items())
    name = getattr(value, "name", None)  # an uploaded file's name
    return isinstance(name, str) and contains_card_number(name)


class NoCardNumbersMixin:
    """For every form the app shows, the admin's included: after the fields are cleaned, any
    value holding a full card number (text, text inside lists and JSON, an uploaded file's name)
    is refused on its field, so that nothing refused can be saved. The one mechanism behind
    "Any text field that contains a 13-19 digit Luhn-valid number is refused"."""

    card_number_message = CARD_NUMBER_MESSAGE

    def clean(self):
        cleaned = super().clean() or {}  # type: ignore[misc]
        for name, value in list(cleaned.items()):
            if _holds_card_number(value):
                self.add_error(name, self.card_number_message)  # type: ignore[attr-defined]
        return cleaned
