"""The printed lien certificate: what its PDF shows (from the certificate as stored, never
recomputed) and the one renderer the certificate page and the benchmark use."""

from django.conf import settings
from django.urls import reverse

from billing.liens import certificate_is_void
from billing.models import LienCertificate
from billing.qrcode import qr_png_data_uri
from cashiering.pdf import render_pdf


def verify_url(certificate: LienCertificate, *, base_url: str) -> str:
    """The public address that verifies `certificate`: PUBLIC_URL when the office set one (the
    address the public reaches), else `base_url` (the request's own scheme and host)."""
    root = (settings.PUBLIC_URL or base_url).rstrip("/")
    return root + reverse("verify", args=[certificate.verification_code])


# The liens table's figures in its bold 9 pt DejaVu Sans: a digit or $ is 0.696 em wide, a comma
# or point 0.38 em; a cell's padding is 0.3 em a side (0.1 em more to spare). The headings need
# 5.3 em ("Principal" in bold), as much as eight figures.
_DIGIT_EM, _MARK_EM, _PADDING_EM = 0.696, 0.38, 0.7
_HEADING_EM = 8 * _DIGIT_EM


def money_column_widths(certificate: LienCertificate) -> list[str]:
    """The widths of the printed table's four amount columns (principal, penalty, interest,
    total), each that of its widest figure: its total, in the payoff row's bold (every item's
    figure is at most its column's total). An amount never wraps (pdf/_base), so a column
    narrower than its figure would print it over the next one."""
    figures = [
        f"{certificate.principal:,.2f}",
        f"{certificate.penalty:,.2f}",
        f"{certificate.interest:,.2f}",
        f"${certificate.payoff:,.2f}",
    ]
    widths = []
    for figure in figures:
        em = sum(_MARK_EM if c in ",." else _DIGIT_EM for c in figure)
        widths.append(f"{max(em, _HEADING_EM) + _PADDING_EM:.2f}em")
    return widths


def lien_certificate_pdf_render(certificate: LienCertificate, *, base_url: str) -> bytes:
    """The certificate as US Letter PDF bytes: the certified items, the statement signed by the
    officer, the verification code with its QR code and address; VOID when its sale was taken
    back, TRAINING for a training drawer's."""
    url = verify_url(certificate, base_url=base_url)
    return render_pdf(
        template_name="pdf/lien_certificate.html",
        context={
            "certificate": certificate,
            "items": list(certificate.items.all()),
            "money_widths": money_column_widths(certificate),
            "owners": certificate.owners.splitlines(),
            "void": certificate_is_void(certificate),
            "verify_url": url,
            "qr": qr_png_data_uri(url),
            "office_name": settings.OFFICE_NAME,
            "office_address": settings.OFFICE_ADDRESS,
            "office_phone": settings.OFFICE_PHONE,
        },
    )
