"""billing.barcode.code128_svg: inline SVG that WeasyPrint draws (decoding it is out of scope)."""

import io
import logging
import re
import xml.dom.minidom

import pytest
from pypdf import PdfReader
from weasyprint import HTML

from billing.barcode import code128_svg

SCANLINE = "00000012345600001234562"


def test_output_is_an_svg_element_with_bars():
    svg = code128_svg(SCANLINE)

    assert svg.startswith("<svg")
    assert "<?xml" not in svg
    assert "<!DOCTYPE" not in svg
    # The bars are one path, a closed rectangle ("z") per bar.
    assert svg.count("<path") == 1
    assert re.search(r' d="([^"]+)"', svg).group(1).count("z") > 20
    # Well-formed on its own, so it can sit inside any HTML element.
    assert xml.dom.minidom.parseString(svg).documentElement.tagName == "svg"  # noqa: S318


def test_different_text_gives_different_bars():
    assert code128_svg(SCANLINE) != code128_svg("00000012345600001234570")
    assert code128_svg("ABC-123", show_text=False) != code128_svg("ABC-124", show_text=False)


def test_the_same_text_gives_the_same_svg():
    assert code128_svg(SCANLINE) == code128_svg(SCANLINE)


def test_sizes_are_in_millimetres():
    narrow = code128_svg(SCANLINE, module_width_mm=0.25, height_mm=10, show_text=False)
    wide = code128_svg(SCANLINE, module_width_mm=0.5, height_mm=15, show_text=False)

    assert 'height="10.000mm"' in narrow
    assert 'height="15.000mm"' in wide
    narrow_width = float(re.search(r'<svg[^>]* width="([0-9.]+)mm"', narrow).group(1))
    wide_width = float(re.search(r'<svg[^>]* width="([0-9.]+)mm"', wide).group(1))
    assert wide_width == pytest.approx(2 * narrow_width)


def test_text_under_the_bars_can_be_shown_replaced_or_left_off():
    assert f">{SCANLINE}</text>" in code128_svg(SCANLINE)
    spaced = code128_svg(SCANLINE, human_text="000000123456 0000123456 2")
    assert ">000000123456 0000123456 2</text>" in spaced
    assert 'aria-label="000000123456 0000123456 2"' in spaced
    assert "<text" not in code128_svg(SCANLINE, show_text=False)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "needs at least one character"),
        ("café", "Code 128 cannot encode 'café'"),
        ("€100", "Code 128 cannot encode '€100'"),
    ],
)
def test_text_code_128_cannot_carry_is_refused(text, message):
    with pytest.raises(ValueError, match=message):
        code128_svg(text)


def test_sizes_must_be_positive():
    with pytest.raises(ValueError, match="must be positive"):
        code128_svg(SCANLINE, module_width_mm=0)


def test_weasyprint_draws_it_inside_html_without_warnings(caplog):
    page = (
        "<html><body><p>Stub</p>"
        f"{code128_svg(SCANLINE, human_text='000000123456 0000123456 2')}"
        f"{code128_svg('B-2025-0001')}"
        "</body></html>"
    )

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = HTML(string=page).write_pdf()

    assert [record.getMessage() for record in caplog.records] == []
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "000000123456 0000123456 2" in text
    assert "B-2025-0001" in text
