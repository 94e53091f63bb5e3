"""QR codes as inline SVG (segno), for the lien certificate's verification link."""

import functools

import segno


@functools.lru_cache(maxsize=256)  # a certificate printed again draws the same code
def qr_svg(text: str) -> str:
    """An `<svg>` element drawing `text` as a QR code (error correction M, the standard four
    modules of quiet zone), sized by its viewBox so that the template's CSS sets its size."""
    if not text:
        raise ValueError("A QR code needs something to encode.")
    code = segno.make(text, error="m", micro=False)
    return code.svg_inline(border=4, omitsize=True, dark="#000", light="#fff")
