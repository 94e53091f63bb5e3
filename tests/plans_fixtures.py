"""A parcel with two delinquent tax bills, and a plan on them, built through the services:
shared by the payment plan tests of billing and payments."""

import uuid
from datetime import date
from decimal import Decimal

from billing.models import BillType, ChargeType, Property
from billing.services import Charge, bill_issue, payment_plan_enroll

D = Decimal
ENROLLED_ON = date(2026, 3, 10)  # a Tuesday


def tax_bill(customer, by, prop, *, amount: str, due: date, year: int):
    return bill_issue(
        number=f"T-{uuid.uuid4().hex[:10].upper()}",
        bill_type=BillType.PROPERTY_TAX,
        source="test",
        customer=customer,
        description=f"{year} city tax",
        issue_date=date(2025, 12, 1),
        due_date=due,
        charges=[Charge(ChargeType.objects.get(code="city_tax"), D(amount))],
        by=by,
        property=prop,
        tax_year=year,
    )


def parcel_with_delinquent_taxes(customer, by):
    """Parcel 24.-3-1 owned by `customer`: 2025 tax $600.00 due Friday January 30, 2026 (two
    months of 1% by March 10: $612.00) and 2026 tax $400.00 due Friday February 27, 2026 (one
    month: $404.00). $1,016.00 in all on March 10."""
    prop = Property.objects.create(parcel_number="24.-3-1", street_address="108 E Green St")
    prop.owners.add(customer)
    older = tax_bill(customer, by, prop, amount="600.00", due=date(2026, 1, 30), year=2025)
    newer = tax_bill(customer, by, prop, amount="400.00", due=date(2026, 2, 27), year=2026)
    return prop, older, newer


def enroll(prop, bills, customer, by, *, down="250.00", installments=6, token=None):
    """$250.00 down on March 10, then 6 installments of $766.00: $127.67 (1-4), $127.66 (5-6),
    due April 30, May 31 (a Sunday), June 30, July 31, August 31 and September 30."""
    return payment_plan_enroll(
        property=prop,
        bills=bills,
        customer=customer,
        down_payment=D(down),
        installments=installments,
        as_of=ENROLLED_ON,
        by=by,
        token=token or uuid.uuid4(),
    )
