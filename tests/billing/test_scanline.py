"""billing.scanline: check digits, building and reading back the scanline on invoice stubs."""

import re
from decimal import Decimal

import pytest

from billing.scanline import (
    DEFAULT_SCHEME,
    LUHN,
    MAX_AMOUNT,
    SCANLINE_LENGTH,
    CheckDigitScheme,
    Scanline,
    ScanlineError,
    check_digit,
    looks_like_scanline,
    scanline_build,
    scanline_parse,
    scanline_spaced,
)

BAD_CHECK_DIGIT = (
    "The scanline's check digit is wrong: it was probably mis-typed or mis-scanned. "
    "Scan it again or type the bill number."
)
# Digits a phone keyboard or an IME may type: digits to str.isdigit(), but not ours.
FULL_WIDTH_DIGITS = str.maketrans("0123456789", "".join(chr(0xFF10 + n) for n in range(10)))
WEIGHTED_3_1 = CheckDigitScheme(weights=(3, 1), sum_product_digits=False)
WEIGHTED_7_3_1 = CheckDigitScheme(weights=(7, 3, 1), sum_product_digits=False)


def _flip_check_digit(text: str) -> str:
    return text[:-1] + str((int(text[-1]) + 1) % 10)


@pytest.mark.parametrize(
    ("digits", "expected"),
    [
        ("7992739871", "3"),  # the textbook Luhn example
        ("4111111111111111"[:-1], "1"),  # a test card number's own check digit
        ("0", "0"),
        ("9", "1"),  # 9 x 2 = 18 counts 1 + 8
        ("18", "2"),
    ],
)
def test_luhn_check_digit_known_vectors(digits, expected):
    assert check_digit(digits) == expected
    assert DEFAULT_SCHEME == LUHN


@pytest.mark.parametrize(
    ("digits", "scheme", "expected"),
    [
        ("400638133393", WEIGHTED_3_1, "1"),  # EAN-13 4006381333931
        ("03600029145", WEIGHTED_3_1, "2"),  # UPC-A 036000291452
        # 9x7 + 1x3 + 1x1 = 67, and 3 more makes 70.
        ("119", WEIGHTED_7_3_1, "3"),
    ],
)
def test_weighted_sum_check_digit_known_vectors(digits, scheme, expected):
    assert check_digit(digits, scheme=scheme) == expected


@pytest.mark.parametrize("digits", ["", "12a4", "123".translate(FULL_WIDTH_DIGITS), "12 34"])
def test_check_digit_takes_ascii_digits_only(digits):
    with pytest.raises(ValueError, match="digits 0-9 only"):
        check_digit(digits)


@pytest.mark.parametrize("weights", [(), (0, 1), (10,), (2, -1), (1.5,), (True,)])
def test_scheme_rejects_weights_that_leave_digits_unchecked(weights):
    with pytest.raises(ValueError, match="weight"):
        CheckDigitScheme(weights=weights)


def test_build_lays_out_reference_amount_and_check_digit():
    text = scanline_build(reference=123456, amount=Decimal("1234.56"))

    assert text == "000000123456" + "0000123456" + check_digit("0000001234560000123456")
    assert len(text) == SCANLINE_LENGTH == 23
    assert scanline_spaced(text) == f"000000123456 0000123456 {text[-1]}"


@pytest.mark.parametrize(
    ("reference", "amount"),
    [
        (1, Decimal("0.00")),
        (42, Decimal("0.01")),
        (987654321, Decimal("100")),
        (999_999_999_999, MAX_AMOUNT),
        (5, Decimal("12.500")),  # more places, still whole cents
    ],
)
@pytest.mark.parametrize("scheme", [LUHN, WEIGHTED_3_1, WEIGHTED_7_3_1])
def test_build_then_parse_gives_back_reference_and_amount(reference, amount, scheme):
    text = scanline_build(reference=reference, amount=amount, scheme=scheme)

    scan = scanline_parse(text, scheme=scheme)

    assert scan == Scanline(reference=reference, amount=amount)
    assert scan.amount.as_tuple().exponent == -2
    assert scanline_parse(scanline_spaced(text), scheme=scheme) == scan


def test_parse_ignores_spaces_hyphens_and_a_trailing_newline():
    text = scanline_build(reference=31337, amount=Decimal("250.00"))
    typed = f" {text[:4]}-{text[4:12]} {text[12:22]} - {text[22]}\r\n"

    assert scanline_parse(typed) == Scanline(reference=31337, amount=Decimal("250.00"))
    assert looks_like_scanline(typed)


@pytest.mark.parametrize("scheme", [LUHN, WEIGHTED_3_1, WEIGHTED_7_3_1])
def test_every_single_wrong_digit_is_caught(scheme):
    text = scanline_build(reference=4_070_123_456, amount=Decimal("1987.65"), scheme=scheme)
    caught = 0
    for position in range(SCANLINE_LENGTH):
        for digit in "0123456789":
            if digit == text[position]:
                continue
            typo = text[:position] + digit + text[position + 1 :]
            with pytest.raises(ScanlineError) as raised:
                scanline_parse(typo, scheme=scheme)
            assert raised.value.code == "check_digit"
            caught += 1
    assert caught == SCANLINE_LENGTH * 9


def test_luhn_catches_every_swap_of_neighbours_but_0_and_9():
    missed = []
    for reference, amount in [(1_234_567_890, Decimal("9087.65")), (900_900, Decimal("90.09"))]:
        text = scanline_build(reference=reference, amount=amount)
        for position in range(SCANLINE_LENGTH - 1):
            left, right = text[position], text[position + 1]
            if left == right:
                continue
            swapped = text[:position] + right + left + text[position + 2 :]
            try:
                scanline_parse(swapped)
            except ScanlineError:
                continue
            missed.append({left, right})

    assert missed
    assert all(pair == {"0", "9"} for pair in missed)


def test_weighted_sums_catch_swaps_of_neighbours_unless_they_differ_by_5():
    for scheme in (WEIGHTED_3_1, WEIGHTED_7_3_1):
        # 1-6, 2-7, 3-8, 4-9 and 0-5 sit side by side here, among other pairs.
        text = scanline_build(reference=161_727_383_949, amount=Decimal("5012.34"), scheme=scheme)
        outcomes = set()
        for position in range(SCANLINE_LENGTH - 1):
            left, right = text[position], text[position + 1]
            if left == right:
                continue
            swapped = text[:position] + right + left + text[position + 2 :]
            if abs(int(left) - int(right)) == 5:
                assert scanline_parse(swapped, scheme=scheme)
                outcomes.add("missed")
            else:
                with pytest.raises(ScanlineError, match="check digit is wrong"):
                    scanline_parse(swapped, scheme=scheme)
                outcomes.add("caught")
        assert outcomes == {"missed", "caught"}


def test_a_wrong_check_digit_gives_the_clerk_the_exact_message():
    text = scanline_build(reference=77, amount=Decimal("10.00"))

    with pytest.raises(ScanlineError) as raised:
        scanline_parse(_flip_check_digit(text))

    assert str(raised.value) == BAD_CHECK_DIGIT
    assert raised.value.code == "check_digit"
    assert isinstance(raised.value, ValueError)


def test_a_scanline_of_another_scheme_fails_its_check_digit():
    text = scanline_build(reference=77, amount=Decimal("10.01"), scheme=WEIGHTED_3_1)
    assert check_digit(text[:-1]) != text[-1]

    with pytest.raises(ScanlineError, match=re.escape(BAD_CHECK_DIGIT)):
        scanline_parse(text)


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("", 0),
        ("12345", 5),
        ("0000001234560000123456", 22),  # the check digit left off
        ("000000123456000012345600", 24),
        ("9780306406157", 13),  # a book's EAN, scanned by mistake
    ],
)
def test_wrong_length_is_not_one_of_our_scanlines(text, digits):
    with pytest.raises(ScanlineError) as raised:
        scanline_parse(text)

    assert str(raised.value) == (
        f"This is not one of our scanlines: it has {digits} digits and ours have 23. "
        "Scan it again or type the bill number."
    )
    assert raised.value.code == "wrong_length"
    assert not looks_like_scanline(text)


@pytest.mark.parametrize(
    ("text", "bad"),
    [
        ("00000012345600001234S62", "S"),
        ("INV-2025-000123", "I"),
        ("00000012345600001234562".translate(FULL_WIDTH_DIGITS), "\uff10"),
        ("00000012345600001234.62", "."),
    ],
)
def test_non_digits_are_refused_with_the_offending_character(text, bad):
    with pytest.raises(ScanlineError) as raised:
        scanline_parse(text)

    assert str(raised.value) == (
        f'A scanline is digits only, and this one has "{bad}" in it. '
        "Scan it again or type the bill number."
    )
    assert raised.value.code == "not_digits"
    assert not looks_like_scanline(text)


def test_looks_like_scanline_does_not_check_the_check_digit():
    text = scanline_build(reference=5, amount=Decimal("5.00"))

    assert looks_like_scanline(text)
    assert looks_like_scanline(_flip_check_digit(text))
    assert not looks_like_scanline("Smith")
    assert not looks_like_scanline("B-2025-0001")


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (Decimal("-0.01"), "negative"),
        (Decimal("12.345"), "not a whole number of cents"),
        (Decimal("NaN"), "not a whole number of cents"),
        (Decimal("Infinity"), "not a whole number of cents"),
        (Decimal("100000000.00"), "too large: a scanline holds at most 99999999.99"),
    ],
)
def test_build_refuses_amounts_a_scanline_cannot_carry(amount, message):
    with pytest.raises(ValueError, match=message):
        scanline_build(reference=1, amount=amount)


def test_build_refuses_floats_and_references_that_do_not_fit():
    with pytest.raises(TypeError, match="must be a Decimal, not float"):
        scanline_build(reference=1, amount=12.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="does not fit in 12 digits"):
        scanline_build(reference=10**12, amount=Decimal("1.00"))
    with pytest.raises(ValueError, match="does not fit in 12 digits"):
        scanline_build(reference=-1, amount=Decimal("1.00"))
    with pytest.raises(TypeError, match="whole number"):
        scanline_build(reference="123", amount=Decimal("1.00"))  # type: ignore[arg-type]
