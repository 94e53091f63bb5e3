"""Full card numbers are never accepted: text holding a 13-19 digit Luhn-valid number is refused."""

import re

from django.core.exceptions import ValidationError

# Digits possibly separated by single spaces or hyphens, as people type or paste card numbers.
_CANDIDATE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


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
    for match in _CANDIDATE.finditer(text or ""):
        digits = re.sub(r"[ -]", "", match.group())
        if 13 <= len(digits) <= 19 and _luhn_valid(digits):
            return True
    return False


def refuse_card_numbers(text: str) -> None:
    """Raise a form ValidationError if `text` holds what looks like a full card number."""
    if contains_card_number(text):
        raise ValidationError(
            "This looks like a full card number. Never type or store card numbers: record only "
            "the brand and last four digits."
        )
