"""Full card numbers are never accepted: text holding a 13-19 digit Luhn-valid number is refused."""

import re
import unicodedata
from typing import Any

from django.core.exceptions import ValidationError

# What may stand between the digit groups of a card number as people type or paste it, after the
# text is normalised (NFKC turns no-break and other fixed-width spaces into spaces, fullwidth
# digits and dashes into ASCII): any run of whitespace (tabs and newlines too), of dashes of any
# kind (the hyphen, U+2010..U+2015 and the other Unicode dash punctuation, the minus sign, the soft
# hyphen), of dots, of slashes and of zero-width characters, which a web page or a PDF leaves
# invisibly inside a number. Commas, colons and letters are not separators: "1,234.56" is two
# numbers, as is "10:15".
_SEPARATOR = (
    r"[\s"
    r"\-\u058a\u05be\u1400\u1806\u2010-\u2015\u2e17\u2e1a\u2e3a\u2e3b\u2e40\u2e5d"
    r"\u301c\u3030\u30a0\ufe31\ufe32\ufe58\ufe63\uff0d\U00010ead\u2212\u00ad"  # dashes
    r".\u00b7\u2022\u2027\u2219\u22c5\u30fb"  # dots
    r"/\\\u2044\u2215"  # slashes
    r"\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"  # zero-width
    r"]"
)
# A run of digits, its groups parted by runs of separators ("4111 1111 1111 1111",
# "4111 - 1111 - ...", "4111\u00a01111...").
_RUN = re.compile(rf"\d+(?:{_SEPARATOR}+\d+)*")
_SEPARATORS = re.compile(rf"{_SEPARATOR}+")
# Thirteen digits in one run at least: without them there is no card number, and text is checked
# in one pass of the regex engine (an import checks every cell of a million rows).
_THIRTEEN_DIGITS = re.compile(rf"\d(?:{_SEPARATOR}*\d){{12}}")


def _normalised(text: str) -> tuple[str, list[int] | None]:
    """`text` in NFKC form, with where each of its characters came from in `text` (None when
    nothing changed, as for all ASCII text). Each character is normalised on its own, so that
    what is found can be masked in the text as it was written."""
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return text, None
    parts: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        normal = unicodedata.normalize("NFKC", char)
        parts.append(normal)
        origin.extend([index] * len(normal))
    return "".join(parts), origin


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


def _run_holds_card_number(run: str) -> bool:
    """True if a run of digit groups holds a 13 to 19 digit Luhn-valid number, also when more
    digits follow it ("4111111111111111 12/27", a number and its expiry). A number is looked for
    from the start of each group of digits, with any length from 13 to 19."""
    groups = _SEPARATORS.split(run)
    digits = "".join(groups)
    if len(digits) < 13:
        return False
    start = 0
    for group in groups:
        for length in range(13, 20):
            if start + length <= len(digits) and _luhn_valid(digits[start : start + length]):
                return True
        start += len(group)
    return False


def _card_number_spans(text: str) -> list[tuple[int, int]]:
    """Where in `text` (start, end) the runs of digit groups that hold a card number are."""
    if not text or (len(text) < 13 and text.isascii()):
        return []
    normal, origin = _normalised(text)
    if _THIRTEEN_DIGITS.search(normal) is None:
        return []
    spans = [run.span() for run in _RUN.finditer(normal) if _run_holds_card_number(run.group())]
    if origin is None:
        return spans
    return [(origin[start], origin[end - 1] + 1) for start, end in spans]


def contains_card_number(text: str) -> bool:
    """True if `text` holds a 13 to 19 digit Luhn-valid number, however its digit groups are
    parted (spaces of any kind, dashes, dots, slashes, zero-width characters)."""
    return bool(_card_number_spans(text))


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
    masked = text
    for start, end in reversed(_card_number_spans(text)):
        masked = masked[:start] + CARD_NUMBER_MASK + masked[end:]
    return masked


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
