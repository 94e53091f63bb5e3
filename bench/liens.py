"""A certified list of liens for a parcel with ten years of tax bills (two installments a year,
relevied water on some), built end to end: the liens and their amounts (billing.liens.liens_on),
the certificate issued and stored (billing.services.lien_certificate_issue) and its PDF with the
QR code (billing.certificates.lien_certificate_pdf_render).

Prints bench: lien_certificate_ms (the median of 25 certificates after 3 to warm up; goal under
300 ms, the PDF included)."""

import statistics
import time
from datetime import date, timedelta
from decimal import Decimal

from _setup import report, scratch_database

RUNS = 25
WARM_UP = 3
YEARS = 10


def main() -> None:
    with scratch_database():
        from django.utils import timezone

        from billing.certificates import lien_certificate_pdf_render
        from billing.demo import reference_data_seed
        from billing.models import BillType, ChargeType, Customer, Property
        from billing.services import Charge, bill_issue, lien_certificate_issue
        from cashiering.demo import demo_users_seed
        from cashiering.roles import Role
        from ledger.services import chart_of_accounts_seed

        chart_of_accounts_seed()
        reference_data_seed()
        users = demo_users_seed()
        clerk, supervisor = users[Role.CLERK], users[Role.SUPERVISOR]
        charge = {c.code: c for c in ChargeType.objects.all()}
        owner = Customer.objects.create(name="Dana Whitfield", address_line1="212 N Aurora St")
        parcel = Property.objects.create(parcel_number="24.-3-1", street_address="108 E Green St")
        parcel.owners.add(owner)
        today = timezone.localdate()
        for year in range(today.year - YEARS + 1, today.year + 1):
            for installment, due in ((1, date(year, 1, 31)), (2, date(year, 6, 30))):
                charges = [Charge(charge["city_tax"], Decimal("1406.18"), f"{year} city tax")]
                if installment == 1 and year % 3 == 0:
                    charges.append(
                        Charge(charge["relevied_water"], Decimal("212.40"), "Relevied water")
                    )
                bill_issue(
                    number=f"T{year}-{installment}",
                    bill_type=BillType.PROPERTY_TAX,
                    source="bench",
                    customer=owner,
                    description=f"{year} city tax, installment {installment} of 2",
                    issue_date=date(year, 1, 1),
                    due_date=due,
                    charges=charges,
                    by=supervisor,
                    property=parcel,
                    tax_year=year,
                    installment=installment,
                )

        def one() -> float:
            started = time.perf_counter()
            certificate = lien_certificate_issue(
                property=parcel, good_through=today + timedelta(days=30), by=clerk
            )
            pdf = lien_certificate_pdf_render(certificate, base_url="https://pay.example.gov")
            elapsed = (time.perf_counter() - started) * 1000
            assert pdf.startswith(b"%PDF") and certificate.items.count() == 2 * YEARS
            return elapsed

        for _ in range(WARM_UP):
            one()
        samples = [one() for _ in range(RUNS)]
        report("lien_certificate_ms", statistics.median(samples), "ms")


if __name__ == "__main__":
    main()
