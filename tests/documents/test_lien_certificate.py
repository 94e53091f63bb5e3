"""The printed certified list of liens (billing.views.lien_certificate_pdf,
templates/pdf/lien_certificate.html), read back: US Letter, the number, the parcel and owners,
the items and payoff, the statement with the officer, the verification code, and a QR code that
decodes to the verification address. The longest owner's name and address wrap on the page."""

import io
import itertools
from datetime import date, timedelta

import pypdfium2
import zxingcpp
from django.urls import reverse
from django.utils import timezone

from billing.services import lien_certificate_issue
from tests.conftest import charge, tax_bill
from tests.documents.pdf_reading import (
    assert_nothing_runs_off,
    assert_on_the_page,
    pages,
    squeezed,
    text,
)


def printed(client, certificate) -> bytes:
    response = client.get(reverse("billing:lien_certificate_pdf", args=[certificate.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return response.content


def qr_codes(pdf: bytes) -> list[str]:
    """Every QR code on the PDF's pages, decoded: each page drawn at 200 dpi (pypdfium2) and
    read by zxing-cpp, as a phone's camera would."""
    document = pypdfium2.PdfDocument(io.BytesIO(pdf))
    found = []
    for page in document:
        image = page.render(scale=200 / 72).to_pil()
        found += [
            r.text
            for r in zxingcpp.read_barcodes(image)
            if r.format == zxingcpp.BarcodeFormat.QRCode
        ]
    return found


def test_the_certificate_prints_everything_it_certifies(client, two_years, clerk):
    today = timezone.localdate()
    certificate = lien_certificate_issue(
        property=two_years["A"].property,
        good_through=today + timedelta(days=10),
        by=clerk,
        issued_on=today,
    )
    client.force_login(clerk)

    pdf = printed(client, certificate)

    sizes = pages(pdf)
    assert all((round(p.width), round(p.height)) == (612, 792) for p in sizes)
    body = squeezed(text(pdf))
    for shown in (
        "Certified List of Liens",
        certificate.number,
        "24.-3-1",
        "Dana Whitfield",
        certificate.good_through.strftime("%m/%d/%Y"),
        f"${certificate.payoff:,.2f}",
        certificate.code_display,
        "are not included",
        certificate.officer_title,
        "City property tax, relevied unpaid water charges",
        *(bill.number for bill in two_years.values()),
    ):
        assert squeezed(shown) in body, shown
    assert_on_the_page(pdf, f"${certificate.payoff:,.2f}")
    url = "http://testserver" + reverse("verify", args=[certificate.verification_code])
    assert qr_codes(pdf) == [url]
    assert url in body


def test_a_parcel_with_nothing_owed_says_so(client, reference, clerk, long_property, long_customer):
    long_property.owners.add(long_customer)
    today = timezone.localdate()
    certificate = lien_certificate_issue(
        property=long_property, good_through=today, by=clerk, issued_on=today
    )
    client.force_login(clerk)

    pdf = printed(client, certificate)

    body = "".join(text(pdf).split())
    assert f"No unpaid liens on this parcel as of {today:%m/%d/%Y}.".replace(" ", "") in body
    # The longest name and address the models hold wrap inside the page.
    assert long_customer.name[:40] in body
    assert_nothing_runs_off(pdf)
    assert len(qr_codes(pdf)) == 1


def test_a_void_certificate_says_void(client, drawer, clerk, supervisor, two_years):
    import uuid

    from billing.liens import lien_terms
    from payments.services import FeeItem, payment_record, payment_void
    from tests.payments.conftest import cash

    payment = payment_record(
        drawer=drawer,
        items=[
            FeeItem(
                fee_type_id=lien_terms().fee_type_id,
                parcel_id=two_years["A"].property.pk,
                good_through=timezone.localdate(),
            )
        ],
        tenders=[cash("25.00")],
        token=uuid.uuid4(),
        by=clerk,
    )
    payment_void(payment=payment, reason="Wrong parcel", by=clerk, approved_by=supervisor)
    client.force_login(clerk)

    pdf = printed(client, payment.items.get().lien_certificate)

    assert "VOID: the sale of this certificate was taken back" in text(pdf)


def figure_spans(pdf: bytes, figures: list[str]) -> list[tuple[float, float]]:
    """Where each figure is last printed (the payoff row), its left and right edge in points
    (its characters' boxes, pypdfium2)."""
    document = pypdfium2.PdfDocument(io.BytesIO(pdf))
    spans = []
    for figure in figures:
        last = None
        for page in document:
            text_page = page.get_textpage()
            searcher = text_page.search(figure)
            while found := searcher.get_next():
                start, count = found
                box = (text_page.get_charbox(start)[0], text_page.get_charbox(start + count - 1)[2])
                last = box
        assert last is not None, f"{figure} is not printed"
        spans.append(last)
    return spans


def test_the_payoff_of_a_large_parcel_prints_every_figure_clear(client, parcel, dana, clerk):
    # Given: a commercial parcel whose four unpaid installments make totals in the millions.
    for year in (2025, 2026):
        for installment, due in ((1, date(year, 1, 31)), (2, date(year, 6, 30))):
            tax_bill(
                parcel,
                dana,
                clerk,
                year=year,
                installment=installment,
                due=due,
                charges=[charge("city_tax", "1234567.89")],
            )
    today = timezone.localdate()
    certificate = lien_certificate_issue(
        property=parcel, good_through=today + timedelta(days=30), by=clerk, issued_on=today
    )
    client.force_login(clerk)

    pdf = printed(client, certificate)

    # Then: the payoff row's four figures stand apart, inside the right margin (0.6 in).
    figures = [
        f"{certificate.principal:,.2f}",
        f"{certificate.penalty:,.2f}",
        f"{certificate.interest:,.2f}",
        f"${certificate.payoff:,.2f}",
    ]
    spans = figure_spans(pdf, figures)
    for (_, right), (left, _) in itertools.pairwise(spans):
        assert right < left, f"figures overlap: {list(zip(figures, spans, strict=True))}"
    assert spans[-1][1] <= pages(pdf)[-1].width - 0.6 * 72


def test_a_long_list_repeats_its_headings_on_every_page_and_its_payoff_once(
    client, parcel, dana, clerk
):
    # Given: a parcel with twenty-five years of unpaid installments, more than a page holds.
    for year in range(2002, 2027):
        for installment, due in ((1, date(year, 1, 31)), (2, date(year, 6, 30))):
            tax_bill(
                parcel,
                dana,
                clerk,
                year=year,
                installment=installment,
                due=due,
                charges=[charge("city_tax", "100.00")],
            )
    today = timezone.localdate()
    certificate = lien_certificate_issue(
        property=parcel, good_through=today, by=clerk, issued_on=today
    )
    client.force_login(clerk)

    pdf = printed(client, certificate)

    # Then: each page of the list starts with the column headings; the payoff is printed once,
    # at the end, not at the foot of every page as if it were that page's total.
    listing = [page.text for page in pages(pdf) if "T2" in page.text]
    assert len(listing) > 1
    assert all("Principal" in page and "Interest" in page for page in listing)
    assert text(pdf).count("Payoff if paid on or before") == 1
    assert "Payoff if paid on or before" in listing[-1]
