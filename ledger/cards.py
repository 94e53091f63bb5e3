"""Full card numbers are never accepted: text holding a 13-19 digit Luhn-valid number is refused."""

import re

from django.core.exceptions import ValidationError

# A run of digits, possibly grouped by single spaces, hyphens, dots or slashes, as people type or
# paste card numbers ("4111 1111 1111 1111", "4111-1111-...", "4111.1111...").
_RUN = re.compile(r"\d+(?:[ ./-]\d+)*")
_SEPARATORS = re.compile(r"[ ./-]")


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
    for match in _RUN.finditer(text or ""):
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


def refuse_card_numbers(text: str) -> None:
    """Raise a form ValidationError if `text` holds what looks like a full card number."""
    if contains_card_number(text):
        raise ValidationError(
            "This looks like a full card number. Never type or store card numbers: record only "
            "the brand and last four digits."
        )
