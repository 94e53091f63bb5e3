"""Code 128 barcodes as inline SVG, for the stubs and receipts that WeasyPrint prints."""

import functools
import xml.dom.minidom
from decimal import Decimal

import barcode
from barcode.errors import BarcodeError
from barcode.writer import SVGWriter

# 1 pt in mm: python-barcode sizes the human-readable text in points and everything else in mm.
_MM_PER_PT = 25.4 / 72
# ISO/IEC 15417 asks for a light margin of at least ten modules each side of the bars.
_QUIET_ZONE_MODULES = 10


@functools.lru_cache(maxsize=512)  # a receipt's barcode is drawn again at every reprint
def code128_svg(
    text: str,
    *,
    module_width_mm: float = 0.25,
    height_mm: float = 10.0,
    show_text: bool = True,
    human_text: str = "",
    font_size_pt: float = 8.0,
) -> str:
    """An `<svg>` element drawing `text` as Code 128, sized in mm, to put straight into a template.

    `module_width_mm` is the narrowest bar: 0.25 mm (10 mil) reads on every hand scanner and is
    two dots of a 203 dpi thermal printer. `human_text` is printed under the bars instead of
    `text` (the spaced scanline, say) when `show_text` is on.
    """
    if not text:
        raise ValueError("A barcode needs at least one character to encode.")
    if module_width_mm <= 0 or height_mm <= 0 or font_size_pt <= 0:
        raise ValueError("Barcode module width, height and font size must be positive.")
    font_size_mm = font_size_pt * _MM_PER_PT
    options: dict[str, object] = {
        "module_width": module_width_mm,
        "module_height": height_mm,
        "quiet_zone": _QUIET_ZONE_MODULES * module_width_mm,
        "font_size": font_size_pt,
        # The text's baseline sits one text height under the bars: the library's 5 mm default
        # leaves a gap wider than the text itself.
        "text_distance": font_size_mm,
        "margin_top": 0,
        "margin_bottom": 0,
        "write_text": show_text,
        "with_doctype": False,
        "compress": True,
    }
    if show_text and human_text:
        options["human"] = human_text
    try:
        # A new writer each time: python-barcode's writers keep state between calls.
        symbol = barcode.get("code128", text, writer=SVGWriter())
        raw = symbol.render(options)
    except BarcodeError as error:
        raise ValueError(f"Code 128 cannot encode {text!r}: {error}") from error
    return _inline_svg(raw, label=human_text or text)


def _inline_svg(raw: bytes, *, label: str) -> str:
    """The library's standalone SVG document reshaped into an element for an HTML page."""
    # The input is the SVG python-barcode has just written, not anything from outside.
    document = xml.dom.minidom.parseString(raw)  # noqa: S318
    root = document.documentElement
    if root is None:
        raise ValueError("python-barcode wrote an SVG with no root element.")
    for node in list(root.childNodes):
        if node.nodeType == node.COMMENT_NODE:
            root.removeChild(node)
    # Its group's fixed id would be a duplicate anchor as soon as a page has two barcodes.
    for group in root.getElementsByTagName("g"):
        group.removeAttribute("id")
    # Presentation attributes instead of style="fill:black": inside an HTML page WeasyPrint also
    # reads style attributes as HTML CSS and logs a warning for every bar.
    for tag in ("rect", "text"):
        for element in root.getElementsByTagName(tag):
            for declaration in element.getAttribute("style").split(";"):
                name, _, value = declaration.partition(":")
                if name.strip() and value.strip():
                    element.setAttribute(name.strip(), value.strip())
            element.removeAttribute("style")
    _bars_as_one_path(document, root)
    root.setAttribute("font-family", "DejaVu Sans Mono, Liberation Mono, monospace")
    root.setAttribute("role", "img")
    root.setAttribute("aria-label", label)
    return root.toxml()


def _mm(value: str) -> Decimal:
    # Decimal keeps the millimetres exactly as python-barcode wrote them.
    return Decimal(value.removesuffix("mm"))


def _bars_as_one_path(document: xml.dom.minidom.Document, root) -> None:
    """Draw the bars as one <path> instead of a <rect> each: WeasyPrint lays out and paints
    every SVG element on its own, and a receipt's 80 rects took longer than the receipt (56 ms
    against 45). The drawing is the same: a viewBox in millimetres keeps every size."""
    bars = [rect for rect in root.getElementsByTagName("rect") if rect.getAttribute("x")]
    if not bars:
        return
    width, height = _mm(root.getAttribute("width")), _mm(root.getAttribute("height"))
    root.setAttribute("viewBox", f"0 0 {width:.3f} {height:.3f}")
    path = document.createElement("path")
    path.setAttribute(
        "d",
        "".join(
            f"M{_mm(bar.getAttribute('x')):.3f} {_mm(bar.getAttribute('y')):.3f}"
            f"h{_mm(bar.getAttribute('width')):.3f}v{_mm(bar.getAttribute('height')):.3f}"
            f"h-{_mm(bar.getAttribute('width')):.3f}z"
            for bar in bars
        ),
    )
    path.setAttribute("fill", "black")
    parent = bars[0].parentNode
    parent.insertBefore(path, bars[0])
    for bar in bars:
        parent.removeChild(bar)
    # Inside the viewBox a user unit is a millimetre, so the text's lengths become plain numbers.
    for text in root.getElementsByTagName("text"):
        for name in ("x", "y"):
            text.setAttribute(name, f"{_mm(text.getAttribute(name)):.3f}")
        size = text.getAttribute("font-size")
        if size.endswith("pt"):
            points = Decimal(size.removesuffix("pt"))
            text.setAttribute("font-size", f"{points * Decimal('25.4') / 72:.3f}")
