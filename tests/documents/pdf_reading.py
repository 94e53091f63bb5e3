"""Reading a printed document back: its text, and where on which page each piece of it lies."""

import functools
import io
import math
import unicodedata
from dataclasses import dataclass

from fontTools.ttLib import TTFont
from pypdf import PdfReader

MM = 72 / 25.4  # PDF points per millimetre
DEJAVU_SANS = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


@dataclass(frozen=True)
class Run:
    """A piece of text as pypdf hands it to a visitor, placed on its page: (x, y) is where the
    text starts, in points from the page's bottom-left corner, as the PDF's MediaBox counts."""

    page: int
    text: str
    x: float
    y: float
    size: float

    @property
    def right(self) -> float:
        """Where the text ends at the least: its characters' advances in DejaVu Sans (regular; a
        bold figure is wider), a CJK character one em. pypdf joins cells of one table row into
        one run with a single space between them, so a row's run ends further right than this."""
        return self.x + self.size * sum(_advance(c) for c in self.text if c != "\n")


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    text: str


def pages(pdf: bytes) -> list[Page]:
    return [
        Page(float(p.mediabox.width), float(p.mediabox.height), p.extract_text())
        for p in PdfReader(io.BytesIO(pdf)).pages
    ]


def text(pdf: bytes) -> str:
    return "\n".join(page.text for page in pages(pdf))


def runs(pdf: bytes) -> list[Run]:
    """Every non-blank piece of text with its position. pypdf passes the text matrix and the
    current transformation matrix; the text's origin is the one times the other."""
    found: list[Run] = []
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages):

        def visit(text, cm, tm, font_dict, font_size, number=number):
            if not text.strip():
                return
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            size = font_size * math.hypot(tm[0], tm[1]) * math.hypot(cm[0], cm[1])
            found.append(Run(number, text, x, y, size))

        page.extract_text(visitor_text=visit)
    return found


def runs_with(pdf: bytes, needle: str) -> list[Run]:
    """The runs that contain `needle`, spaces aside (pypdf may split or space a line)."""
    key = squeezed(needle)
    return [run for run in runs(pdf) if key in squeezed(run.text)]


def assert_on_the_page(pdf: bytes, figure: str) -> None:
    """`figure` is printed, and every place it is printed lies within its page's MediaBox."""
    found = runs_with(pdf, figure)
    assert found, f"{figure} is not printed"
    sizes = pages(pdf)
    for run in found:
        page = sizes[run.page]
        assert run.x >= 0 and run.right <= page.width, f"{figure} runs off the page: {run}"
        assert 0 <= run.y <= page.height, f"{figure} is above or below the page: {run}"


def assert_nothing_runs_off(pdf: bytes) -> None:
    """Every piece of text starts on its page and, by its characters' least width, ends on it."""
    sizes = pages(pdf)
    for run in runs(pdf):
        assert run.x >= 0 and run.right <= sizes[run.page].width, f"runs off the page: {run}"


def squeezed(value: str) -> str:
    """The text with no whitespace, in Unicode's compatibility form (NFKC): what a wrapped line
    and a joined one have in common, and Arabic presentation forms read as their letters."""
    return "".join(unicodedata.normalize("NFKC", value).split())


@functools.cache
def _dejavu() -> tuple[dict[int, str], dict[str, tuple[int, int]], int]:
    font = TTFont(DEJAVU_SANS, lazy=True)
    return font.getBestCmap(), font["hmtx"].metrics, font["head"].unitsPerEm


def _advance(char: str) -> float:
    """A character's advance in ems."""
    cmap, metrics, units = _dejavu()
    glyph = cmap.get(ord(char))
    if glyph is None:
        return 1.0
    return metrics[glyph][0] / units
