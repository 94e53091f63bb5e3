"""cashiering.pdf: templates drawn to PDF by WeasyPrint, and the HTTP response that carries one."""

import io
import logging
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.test import RequestFactory
from pypdf import PdfReader
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from cashiering import pdf as pdf_module
from cashiering.pdf import pdf_response, render_pdf

MM = 72 / 25.4  # PDF points per millimetre

RECEIPT = """{% extends "pdf/_base.html" %}
{% block title %}Receipt {{ number }}{% endblock %}
{% block content %}
<h1>Receipt {{ number }}</h1>
<p>Received from {{ payer }}</p>
<table>
  {% for what, amount in lines %}
  <tr><td>{{ what }}</td><td class="amount">{{ amount }}</td></tr>
  {% endfor %}
</table>
{% endblock %}
"""

ROLL_RECEIPT = """{% extends "test/receipt.html" %}
{% block page %}@page { size: 80mm 1000mm; margin: 3mm; }{% endblock %}
"""

OFFICE = """{% extends "pdf/_base.html" %}
{% block content %}<p>Printed at {{ office_name }} for {{ request.path }}</p>{% endblock %}
"""

STATIC_LINKS = """{% extends "pdf/_base.html" %}
{% block content %}
<link rel="stylesheet" href="css/stub.css">
<link rel="stylesheet" href="../secret.css">
<p class="marker">Marker:</p><p class="leak"></p>
<img src="http://127.0.0.1:9/logo.png" alt="">
{% endblock %}
"""


@pytest.fixture
def test_templates(settings):
    """The app's own templates plus a few in memory: a test adds no template to the app."""
    settings.TEMPLATES = [
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": django_settings.TEMPLATES[0]["DIRS"],
            "OPTIONS": {
                "context_processors": django_settings.TEMPLATES[0]["OPTIONS"]["context_processors"],
                "loaders": [
                    (
                        "django.template.loaders.locmem.Loader",
                        {
                            "test/receipt.html": RECEIPT,
                            "test/roll_receipt.html": ROLL_RECEIPT,
                            "test/office.html": OFFICE,
                            "test/static_links.html": STATIC_LINKS,
                        },
                    ),
                    "django.template.loaders.filesystem.Loader",
                ],
            },
        }
    ]


def _receipt_context(lines: int = 3) -> dict:
    return {
        "number": "R-2025-000042",
        "payer": "O'Brien & Daughters <Ltd>",
        "lines": [(f"Water bill {n}", Decimal("12.50") * n) for n in range(1, lines + 1)],
    }


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _page_sizes_mm(pdf: bytes) -> list[tuple[float, float]]:
    pages = PdfReader(io.BytesIO(pdf)).pages
    return [(float(p.mediabox.width) / MM, float(p.mediabox.height) / MM) for p in pages]


def test_render_pdf_draws_the_template_on_us_letter(test_templates):
    pdf = render_pdf(template_name="test/receipt.html", context=_receipt_context())

    assert pdf.startswith(b"%PDF")
    text = _text(pdf)
    assert "Receipt R-2025-000042" in text
    # Autoescaped in the HTML, drawn as typed on paper.
    assert "Received from O'Brien & Daughters <Ltd>" in text
    assert "Water bill 3" in text
    assert "37.50" in text
    (width, height), *_ = _page_sizes_mm(pdf)
    assert (width, height) == (pytest.approx(215.9), pytest.approx(279.4))


def test_render_pdf_passes_the_request_to_context_processors(test_templates):
    request = RequestFactory().get("/receipts/42/pdf")

    pdf = render_pdf(template_name="test/office.html", context={}, request=request)

    assert f"Printed at {django_settings.OFFICE_NAME} for /receipts/42/pdf" in _text(pdf)


def test_a_roll_receipt_is_cut_under_its_content(test_templates):
    short = render_pdf(
        template_name="test/roll_receipt.html", context=_receipt_context(3), fit_page_height=True
    )
    long = render_pdf(
        template_name="test/roll_receipt.html", context=_receipt_context(30), fit_page_height=True
    )
    uncut = render_pdf(template_name="test/roll_receipt.html", context=_receipt_context(3))

    [(short_width, short_height)] = _page_sizes_mm(short)
    [(long_width, long_height)] = _page_sizes_mm(long)
    assert short_width == long_width == pytest.approx(80)
    # Three lines of 10 pt text and a heading, between 3 mm margins.
    assert 30 < short_height < 60
    assert long_height > short_height + 100
    assert _page_sizes_mm(uncut) == [(pytest.approx(80), pytest.approx(1000))]
    # The cut keeps the top of the page and the whole of the content.
    assert "Receipt R-2025-000042" in _text(short)
    assert "Water bill 30" in _text(long)


def test_weasyprint_still_ignores_an_auto_page_height(caplog):
    """When this fails, WeasyPrint has learnt `size: 80mm auto`: use it, drop fit_page_height."""
    page = "<style>@page { size: 80mm auto }</style><p>Receipt</p>"

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        document = HTML(string=page).render()

    assert "Ignored `size: 80mm auto" in caplog.text
    assert document.pages[0].width != pytest.approx(80 * 96 / 25.4)


def test_relative_urls_read_static_and_nothing_else(test_templates, settings, tmp_path, caplog):
    (tmp_path / "static" / "css").mkdir(parents=True)
    (tmp_path / "static" / "css" / "stub.css").write_text('.marker::after { content: "static" }')
    (tmp_path / "secret.css").write_text('.leak::after { content: "outside static" }')
    settings.BASE_DIR = tmp_path

    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        pdf = render_pdf(template_name="test/static_links.html", context={})

    text = _text(pdf)
    assert "Marker:static" in text.replace(" ", "")
    assert "outside static" not in text
    assert "only read files under static/" in caplog.text
    assert "disallowed protocol" in caplog.text


def test_threads_render_in_turn_through_one_font_configuration(test_templates, monkeypatch):
    built = []

    def font_configuration():
        built.append(FontConfiguration())
        return built[-1]

    monkeypatch.setattr(pdf_module, "_font_config", None)
    monkeypatch.setattr(pdf_module, "FontConfiguration", font_configuration)

    def render(lines: int) -> bytes:
        return render_pdf(template_name="test/receipt.html", context=_receipt_context(lines))

    with ThreadPoolExecutor(max_workers=4) as pool:
        pdfs = list(pool.map(render, range(1, 9)))

    assert len(built) == 1
    assert pdf_module._font_config is built[0]
    for lines, pdf in enumerate(pdfs, start=1):
        assert f"Water bill {lines}" in _text(pdf)
        assert f"Water bill {lines + 1}" not in _text(pdf)


def test_pdf_response_shows_the_pdf_inline_by_default():
    response = pdf_response(pdf=b"%PDF-1.7 fake", filename="receipt-R-2025-000042.pdf")

    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="receipt-R-2025-000042.pdf"'
    assert response.content == b"%PDF-1.7 fake"


@pytest.mark.parametrize(
    ("filename", "header"),
    [
        ("deposit 2025-06-30", 'attachment; filename="deposit 2025-06-30.pdf"'),
        ("../../etc/passwd", 'attachment; filename="passwd.pdf"'),
        ("C:\\Users\\clerk\\stub.PDF", 'attachment; filename="stub.PDF"'),
        ('Receipt "42"\r\nX-Evil: 1.pdf', 'attachment; filename="Receipt _42_X-Evil_ 1.pdf"'),
        ("..", 'attachment; filename="document.pdf"'),
        ("Reçu 42.pdf", "attachment; filename*=utf-8''Re%C3%A7u%2042.pdf"),
    ],
)
def test_pdf_response_offers_a_download_under_a_safe_name(filename, header):
    response = pdf_response(pdf=b"%PDF", filename=filename, inline=False)

    assert response["Content-Disposition"] == header
