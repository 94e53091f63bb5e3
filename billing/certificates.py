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
            "owners": certificate.owners.splitlines(),
            "void": certificate_is_void(certificate),
            "verify_url": url,
            "qr": qr_png_data_uri(url),
            "office_name": settings.OFFICE_NAME,
            "office_address": settings.OFFICE_ADDRESS,
            "office_phone": settings.OFFICE_PHONE,
        },
    )
