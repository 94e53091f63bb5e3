"""QR codes for the printed documents (segno), for the lien certificate's verification link."""

import functools

import segno


@functools.lru_cache(maxsize=256)  # a certificate printed again draws the same code
def qr_png_data_uri(text: str) -> str:
    """A `data:image/png` URI of `text` as a QR code (error correction M, the standard four
    modules of quiet zone), eight pixels a module, for an <img> whose CSS sets its printed size
    (with `image-rendering: pixelated`, so the modules stay sharp). A PNG, not an SVG: WeasyPrint
    draws it in a millisecond, where the SVG's thousand path segments took a hundred."""
    if not text:
        raise ValueError("A QR code needs something to encode.")
    code = segno.make(text, error="m", micro=False)
    return code.png_data_uri(scale=8, border=4, dark="#000", light="#fff")
