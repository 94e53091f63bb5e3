"""A realistic demo city for `seed_demo`: reference data (rules, rates, fees, violation codes,
the directory) and about 2,000 parcels, 3,000 water accounts and 5,000 parking tickets.

Deterministic (a seeded generator), created through the billing services, and only once."""

import random
import uuid
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from billing.business_days import is_business_day
from billing.models import (
    Bill,
    BillType,
    ChargeType,
    Customer,
    Department,
    FaqEntry,
    FeePrice,
    FeeType,
    LienTerms,
    MeterMinimum,
    MeterSize,
    PaymentPlan,
    PenaltyRule,
    Property,
    Vehicle,
    ViolationCode,
    WaterAccount,
    WaterRate,
)
from billing.selectors import REPEAT_WINDOW_DAYS, closed_days, delinquent_tax_bills
from billing.services import (
    Charge,
    bill_issue,
    bills_issue_bulk,
    charge_types_seed,
    holidays_seed,
    payment_plan_enroll,
)
from billing.water import (
    DUE_DAY,
    ITHACA_METERS,
    ITHACA_RATES_FROM,
    ITHACA_SEWER_PER_UNIT,
    ITHACA_WATER_PER_UNIT,
    ZONES,
    quarterly_charges,
)
from cashiering.dates import us_date
from ledger.models import Account
from ledger.money import to_cents

FIRST = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Lisa Matthew Nancy Anthony "
    "Betty Mark Sandra Steven Ashley Paul Emily Andrew Kimberly Joshua Donna Kenneth Michelle "
    "Kevin Carol Brian Amanda George Melissa Timothy Deborah Priya Wei Mohammed Sofia Hiroshi"
).split()
LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Kowalski "
    "O'Brien Schwartz Patel Chen Okafor Lindqvist Moretti"
).split()
BUSINESSES = (
    "Collegetown Bagels LLC",
    "Cayuga Lake Properties Inc",
    "Fall Creek Apartments LLC",
    "Commons Holdings LLC",
    "Six Mile Creek Realty",
    "Finger Lakes Rentals Inc",
    "Ithaca Hardware Co",
    "Gorges Student Housing LLC",
)
STREETS = (
    "N Aurora St|S Aurora St|N Cayuga St|S Cayuga St|E Green St|W Green St|E State St|W State St|"
    "E Buffalo St|W Buffalo St|E Seneca St|W Seneca St|N Tioga St|N Albany St|S Plain St|"
    "W Clinton St|Cascadilla St|Linn St|Hudson St|Stewart Ave|University Ave|Cornell St|"
    "Mitchell St|Elmira Rd|Spencer Rd|N Meadow St|N Fulton St|Hancock St|Madison St|Lake St|"
    "Utica St|Auburn St|Court St|Eddy St|Dryden Rd|College Ave|Cliff St|Hector St|Warren Pl"
).split("|")
STATES = ("NY",) * 17 + ("PA", "NJ", "MA")


def reference_data_seed() -> None:
    """Rules, rates, fees, violation codes and the directory, as an Ithaca-like city has them."""
    charge_types_seed()
    long_ago = date(2000, 1, 1)
    rules: list[tuple[str, str, dict[str, Any], str]] = [
        (
            BillType.PROPERTY_TAX,
            "monthly_interest",
            {"percent": Decimal("1.000")},
            "RPTL 924-a: 1% per month or portion thereof after the due date",
        ),
        (
            BillType.PROPERTY_TAX,
            "percent_on_date",
            {"percent": Decimal("15.000"), "month": 10, "day": 1},
            "City Charter: 15% penalty on taxes unpaid on October 1",
        ),
        (
            BillType.WATER_SEWER,
            "percent_after_due",
            {"percent": Decimal("10.000")},
            "10% late penalty after the due date",
        ),
        (
            BillType.PARKING,
            "fixed_after_days",
            {"amount": Decimal("10.00"), "days": 20},
            "Late fee when unpaid 20 days after the ticket",
        ),
        (
            BillType.PARKING,
            "fixed_after_days",
            {"amount": Decimal("20.00"), "days": 60},
            "Second late fee when unpaid 60 days after the ticket",
        ),
    ]
    for bill_type, kind, terms, description in rules:
        # The terms are part of what identifies a rule: parking has two fixed late fees.
        PenaltyRule.objects.get_or_create(
            bill_type=bill_type,
            kind=kind,
            effective_from=long_ago,
            **terms,
            defaults={"description": description},
        )
    WaterRate.objects.get_or_create(
        effective_from=ITHACA_RATES_FROM,
        defaults={
            "water_per_unit": ITHACA_WATER_PER_UNIT,
            "sewer_per_unit": ITHACA_SEWER_PER_UNIT,
        },
    )
    for size, meter in ITHACA_METERS.items():
        MeterMinimum.objects.get_or_create(
            meter_size=size,
            effective_from=ITHACA_RATES_FROM,
            defaults={
                "allowance_units": meter.allowance_units,
                "water_minimum": meter.water_minimum,
                "sewer_minimum": meter.sewer_minimum,
            },
        )
    holidays_seed()
    violations = [
        ("101", "Expired meter", "20", "30", "40"),
        ("102", "No parking zone", "30", "45", "60"),
        ("103", "Overtime parking", "20", "30", "40"),
        ("104", "Within 15 feet of a fire hydrant", "75", "100", "125"),
        ("105", "Accessible space without permit", "150", "200", "250"),
        ("106", "Odd-even overnight parking", "30", "45", "60"),
        ("107", "Blocking a driveway", "40", "60", "80"),
    ]
    for code, description, first, second, third in violations:
        ViolationCode.objects.get_or_create(
            code=code,
            defaults={
                "description": description,
                "fine_first": Decimal(first),
                "fine_second": Decimal(second),
                "fine_third": Decimal(third),
            },
        )
    accounts = {
        a.code: a for a in Account.objects.filter(code__in=["4300", "4310", "4320", "4330"])
    }
    fees: list[tuple[str, str, str, str, str, dict[str, Any]]] = [
        (
            "tag_single",
            "Trash tag, single",
            "trash_tag",
            "4300",
            "4.50",
            {
                "quantity_applies": True,
                "counted_as_stock": True,
                "stock_name": "Trash tags (single)",
            },
        ),
        (
            "tag_sheet",
            "Trash tags, sheet of 6",
            "trash_tag",
            "4300",
            "27.00",
            {
                "quantity_applies": True,
                "counted_as_stock": True,
                "stock_name": "Trash tag sheets (6 tags)",
            },
        ),
        (
            "yard_sheet",
            "Yard-waste tags, sheet of 6",
            "trash_tag",
            "4300",
            "9.00",
            {
                "quantity_applies": True,
                "counted_as_stock": True,
                "stock_name": "Yard-waste tag sheets (6 tags)",
            },
        ),
        (
            "permit_green",
            "Parking permit, Green Street Garage (month)",
            "parking_permit",
            "4310",
            "60.00",
            {
                "requires_plate": True,
                "requires_permit_period": True,
                "max_months": 3,
                "garage": "Green Street Garage",
            },
        ),
        (
            "permit_seneca",
            "Parking permit, Seneca Street Garage (month)",
            "parking_permit",
            "4310",
            "55.00",
            {
                "requires_plate": True,
                "requires_permit_period": True,
                "max_months": 3,
                "garage": "Seneca Street Garage",
            },
        ),
        (
            "permit_card",
            "Permit card fee",
            "parking_permit",
            "4310",
            "5.00",
            {"counted_as_stock": True, "stock_name": "Parking permit cards"},
        ),
        (
            "permit_card_replacement",
            "Replacement permit card",
            "parking_permit",
            "4310",
            "10.00",
            {},
        ),
        ("lien_search", "Lien search certificate", "certificate", "4320", "25.00", {}),
        ("returned_check", "Returned check fee", "returned_check", "4330", "20.00", {}),
    ]
    for code, name, category, account, price, options in fees:
        fee, _ = FeeType.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "category": category,
                "revenue_account": accounts[account],
                **options,
            },
        )
        FeePrice.objects.get_or_create(
            fee_type=fee, effective_from=date(2024, 1, 1), defaults={"price": Decimal(price)}
        )
    lien_terms_seed()
    directory = [
        (
            "City Chamberlain",
            "Property tax, water and sewer bills, parking tickets, trash tags, "
            "parking permits, lien searches",
            "607-274-6580",
            "City Hall, 108 E Green St, 1st floor",
            "Mon-Fri 8:30-4:30",
        ),
        (
            "City Clerk",
            "Birth and death certificates, marriage licenses, dog licenses, "
            "handicapped parking permits, FOIL requests",
            "607-274-6570",
            "City Hall, 108 E Green St, 1st floor",
            "Mon-Fri 8:30-4:30",
        ),
        (
            "Water and Sewer Division",
            "Meter readings, leaks, water shut-off and turn-on, final readings for a sale",
            "607-273-4680",
            "510 First St",
            "Mon-Fri 7:00-3:30",
        ),
        (
            "Department of Public Works",
            "Trash and recycling pickup, yard waste, snow plowing, potholes, street lights",
            "607-272-1718",
            "245 Pier Rd",
            "Mon-Fri 7:00-3:30",
        ),
        (
            "Parking Division",
            "Parking ticket appeals and hearings, garage permits, booted vehicles",
            "607-274-6520",
            "City Hall, 108 E Green St, 3rd floor",
            "Mon-Fri 8:30-4:30",
        ),
        (
            "Tompkins County Assessment",
            "Property values, assessment grievances, STAR and senior exemptions",
            "607-274-5517",
            "128 E Buffalo St",
            "Mon-Fri 8:00-4:30",
        ),
        (
            "Building Division",
            "Building permits, inspections, certificates of occupancy, rental permits",
            "607-274-6508",
            "City Hall, 108 E Green St, 3rd floor",
            "Mon-Fri 8:30-4:30",
        ),
        (
            "Police (non-emergency)",
            "Accident reports, noise complaints, found property",
            "607-272-3245",
            "120 E Clinton St",
            "24 hours",
        ),
    ]
    departments = {}
    for name, handles, phone, location, hours in directory:
        departments[name], _ = Department.objects.get_or_create(
            name=name,
            defaults={"handles": handles, "phone": phone, "location": location, "hours": hours},
        )
    faqs = [
        (
            "When are property taxes due?",
            "City tax is payable in two installments, due January 31 "
            "and June 30. Interest of 1% per month or portion thereof is added after the due date, "
            "and a 15% penalty on October 1.",
            "City Chamberlain",
        ),
        (
            "How do I appeal a parking ticket?",
            "Appeals are heard by the Parking Division within 20 "
            "days of the ticket; no late fees accrue while an appeal is pending.",
            "Parking Division",
        ),
        (
            "Where can I buy trash tags?",
            "At the Chamberlain's counter in City Hall and at local "
            "grocery stores. A single tag is $4.50; a sheet of 6 is $27.00.",
            "City Chamberlain",
        ),
        (
            "My water bill looks too high.",
            "Ask the Water and Sewer Division to re-read the meter "
            "and check for leaks before the due date.",
            "Water and Sewer Division",
        ),
        (
            "How do I get my property assessment lowered?",
            "File a grievance with Tompkins County Assessment before Grievance Day in May.",
            "Tompkins County Assessment",
        ),
    ]
    for question, answer, department in faqs:
        FaqEntry.objects.get_or_create(
            question=question, defaults={"answer": answer, "department": departments[department]}
        )


def lien_terms_seed() -> LienTerms:
    """The office's lien terms, the lien search ($25.00, the usual city tax search fee in New
    York) as the fee the counter sells for a certified list of liens."""
    terms, _ = LienTerms.objects.get_or_create(pk=1)
    if terms.fee_type_id is None:
        terms.fee_type = FeeType.objects.filter(code="lien_search").first()
        LienTerms.objects.filter(pk=1).update(fee_type=terms.fee_type)
    return terms


# Demo parcels that also owe last year's taxes (a lien search finds two years of them), one
# with a special assessment: their index among the parcels.
BACK_TAX_PARCELS = (0, 1, 2, 3, 4)
SPECIAL_ASSESSMENT_PARCEL = 2


def _person(rng: random.Random) -> tuple[str, str]:
    if rng.random() < 0.06:
        return rng.choice(BUSINESSES), Customer.Kind.BUSINESS
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}", Customer.Kind.PERSON


def _customer(rng: random.Random, street: str) -> Customer:
    name, kind = _person(rng)
    local = rng.random() < 0.8
    return Customer(
        kind=kind,
        name=name,
        address_line1=street if local else f"{rng.randint(1, 999)} {rng.choice(STREETS)}",
        city="Ithaca" if local else rng.choice(["Syracuse", "Rochester", "Binghamton", "New York"]),
        state="NY",
        postal_code="14850" if local else rng.choice(["13202", "14604", "13901", "10001"]),
        phone=f"607-{rng.randint(200, 999)}-{rng.randint(0, 9999):04d}",
        email=f"{name.split()[0].lower()}{rng.randint(1, 999)}@example.com",
    )


def _back_tax(charge, prop, owner, i: int, year: int, installment: int, amount: Decimal):
    """Last year's installment, still unpaid: a demo parcel with two years of liens."""
    due = date(year, 1, 31) if installment == 1 else date(year, 6, 30)
    charges = [Charge(charge["city_tax"], amount, f"{year} city tax, installment {installment}")]
    if installment == 1 and i % 2 == 0:
        charges.append(Charge(charge["relevied_water"], Decimal("212.40"), "Relevied unpaid water"))
    return _tax_row(prop, owner, i, year, installment, due, charges)


def _tax_row(prop, owner, i: int, year: int, installment: int, due: date, charges):
    """A demo city tax installment to issue in bulk: (its bill's fields, its charges)."""
    return (
        dict(
            number=f"T{year}-{i + 1:05d}-{installment}",
            bill_type=BillType.PROPERTY_TAX,
            source="demo",
            customer_id=owner.pk,
            property_id=prop.pk,
            description=f"{year} city tax, installment {installment} of 2",
            issue_date=date(year, 1, 1),
            due_date=due,
            tax_year=year,
            installment=installment,
            principal=sum((c.amount for c in charges), Decimal(0)),
        ),
        charges,
    )


def city_seed(
    *, by: User, today: date, parcels: int = 2000, water_accounts: int = 3000, tickets: int = 5000
) -> bool:
    """The demo city's customers, properties, accounts, vehicles and bills. Once only."""
    if Bill.objects.filter(source="demo").exists():
        return False
    rng = random.Random(2026)
    charge = {c.code: c for c in ChargeType.objects.all()}
    with transaction.atomic():
        addresses = [f"{rng.randint(1, 999)} {rng.choice(STREETS)}" for _ in range(parcels)]
        owners = Customer.objects.bulk_create([_customer(rng, a) for a in addresses])
        properties = Property.objects.bulk_create(
            Property(
                parcel_number=f"{10 + i // 400}.-{1 + (i // 20) % 20}-{1 + i % 20}",
                street_address=address,
            )
            for i, address in enumerate(addresses)
        )
        Property.owners.through.objects.bulk_create(
            Property.owners.through(property_id=p.pk, customer_id=c.pk)
            for p, c in zip(properties, owners, strict=True)
        )
        bills: list[tuple[dict, list[Charge]]] = []
        year = today.year
        for i, (prop, owner) in enumerate(zip(properties, owners, strict=True)):
            tax = to_cents(Decimal(rng.randint(120000, 900000)) / 100)
            relevy = (
                to_cents(Decimal(rng.randint(5000, 60000)) / 100) if rng.random() < 0.05 else None
            )
            for installment, due in ((1, date(year, 1, 31)), (2, date(year, 6, 30))):
                half = to_cents(tax / 2) if installment == 1 else tax - to_cents(tax / 2)
                charges = [
                    Charge(charge["city_tax"], half, f"{year} city tax, installment {installment}")
                ]
                if relevy and installment == 1:
                    charges.append(
                        Charge(charge["relevied_water"], relevy, "Relevied unpaid water")
                    )
                if i in BACK_TAX_PARCELS:
                    bills.append(_back_tax(charge, prop, owner, i, year - 1, installment, half))
                bills.append(_tax_row(prop, owner, i, year, installment, due, charges))

        prop, owner = properties[SPECIAL_ASSESSMENT_PARCEL], owners[SPECIAL_ASSESSMENT_PARCEL]
        assessment = Charge(
            charge["special_assessment"], Decimal("1840.00"), "Sidewalk improvement district"
        )
        bills.append(
            (
                dict(
                    number=f"SA{year}-{SPECIAL_ASSESSMENT_PARCEL + 1:05d}",
                    bill_type=BillType.INVOICE,
                    source="demo",
                    customer_id=owner.pk,
                    property_id=prop.pk,
                    description=f"{year} sidewalk special assessment",
                    issue_date=date(year, 1, 1),
                    due_date=date(year, 1, 31),
                    principal=assessment.amount,
                ),
                [assessment],
            )
        )

        # Water: two-thirds of accounts belong to parcel owners, at their parcels.
        rate = WaterRate.objects.order_by("-effective_from").first()
        assert rate is not None, "reference_data_seed makes the rates first"
        minimums = {m.meter_size: m for m in MeterMinimum.objects.all()}
        zone_prefixes = [p for prefixes, _ in ZONES for p in prefixes]
        new_customers = [
            _customer(rng, f"{rng.randint(1, 999)} {rng.choice(STREETS)}")
            for _ in range(water_accounts // 3)
        ]
        Customer.objects.bulk_create(new_customers)
        accounts = []
        home: Property | None
        for i in range(water_accounts):
            if i < len(new_customers):
                customer, home, address = new_customers[i], None, new_customers[i].address_line1
            else:
                k = rng.randrange(parcels)
                customer, home, address = owners[k], properties[k], addresses[k]
            size = rng.choices(
                [MeterSize.FIVE_EIGHTHS, MeterSize.THREE_QUARTERS, MeterSize.ONE, MeterSize.TWO],
                weights=[80, 12, 6, 2],
            )[0]
            accounts.append(
                WaterAccount(
                    number=f"{rng.choice(zone_prefixes):02d}-{10000 + i}",
                    customer=customer,
                    property=home,
                    service_address=address,
                    meter_size=size,
                )
            )
        WaterAccount.objects.bulk_create(accounts)
        for account in accounts:
            months = next(m for prefixes, m in ZONES if account.prefix in prefixes)
            billed = max(
                date(y, m, 1) for y in (year - 1, year) for m in months if date(y, m, 1) <= today
            )
            previous = rng.randint(100, 9000)
            usage = max(0, int(rng.gauss(18, 10)))
            minimum = minimums[account.meter_size]
            charges_due = quarterly_charges(
                usage_units=usage,
                allowance_units=minimum.allowance_units,
                water_minimum=minimum.water_minimum,
                sewer_minimum=minimum.sewer_minimum,
                water_per_unit=rate.water_per_unit,
                sewer_per_unit=rate.sewer_per_unit,
            )
            period_end = billed - timedelta(days=10)
            bills.append(
                (
                    dict(
                        number=f"W{billed:%Y%m}-{account.number}",
                        bill_type=BillType.WATER_SEWER,
                        source="demo",
                        customer_id=account.customer_id,
                        property_id=account.property_id,
                        water_account_id=account.pk,
                        description=f"Water & sewer, quarter ending {us_date(period_end)}",
                        issue_date=billed,
                        due_date=date(billed.year, billed.month, DUE_DAY),
                        period_start=period_end - timedelta(days=91),
                        period_end=period_end,
                        previous_reading=previous,
                        current_reading=previous + usage,
                        principal=charges_due.total,
                    ),
                    [
                        Charge(charge["water"], charges_due.water, f"Water, {usage} units"),
                        Charge(charge["sewer"], charges_due.sewer, f"Sewer, {usage} units"),
                    ],
                )
            )

        # Parking: a few habitual parkers and many occasional ones, over the last two years.
        codes = list(ViolationCode.objects.all())
        vehicle_count = tickets // 3
        drivers = [
            _customer(rng, f"{rng.randint(1, 999)} {rng.choice(STREETS)}")
            for _ in range(vehicle_count)
        ]
        Customer.objects.bulk_create(drivers)
        vehicles = Vehicle.objects.bulk_create(
            Vehicle(
                plate=f"{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}"
                f"{rng.choice('ABCDEFGHJKLMNPRSTUVWXYZ')}{i:04d}",
                state=rng.choice(STATES),
                customer=drivers[i],
            )
            for i in range(vehicle_count)
        )
        history: dict[tuple[int, int], list[date]] = {}
        issued = sorted(
            [
                (
                    today - timedelta(days=rng.randint(0, 720)),
                    vehicles[
                        min(int(rng.paretovariate(1.2)) - 1, vehicle_count - 1)
                        if rng.random() < 0.3
                        else rng.randrange(vehicle_count)
                    ],
                    rng.choice(codes),
                )
                for _ in range(tickets)
            ],
            key=lambda ticket: (ticket[0], ticket[1].pk, ticket[2].pk),
        )
        for n, (on, vehicle, code) in enumerate(issued):
            earlier = [
                d
                for d in history.get((vehicle.pk, code.pk), [])
                if on - timedelta(days=REPEAT_WINDOW_DAYS) <= d < on
            ]
            fine = [code.fine_first, code.fine_second, code.fine_third][min(len(earlier), 2)]
            history.setdefault((vehicle.pk, code.pk), []).append(on)
            bills.append(
                (
                    dict(
                        number=f"P{on:%y}{n + 1:06d}",
                        bill_type=BillType.PARKING,
                        source="demo",
                        customer_id=vehicle.customer_id,
                        vehicle_id=vehicle.pk,
                        violation_id=code.pk,
                        violation_location=f"{rng.randint(100, 499)} block {rng.choice(STREETS)}",
                        description=f"Parking ticket: {code.description}",
                        issue_date=on,
                        due_date=on,
                        appeal_pending=rng.random() < 0.02,
                        principal=fine,
                    ),
                    [
                        Charge(
                            charge["parking_fine"],
                            fine,
                            f"Violation {code.code}: {code.description}",
                        )
                    ],
                )
            )
        bills_issue_bulk(
            bills=bills,
            by=by,
            memo="Demo city: bills from the billing systems",
            source="bill_import",
        )
    return True


def demo_plans_seed(*, by: User, today: date) -> int:
    """Two delinquent-tax payment plans (RPTL 1184), whatever today's date: two parcels owe last
    year's second tax installment (due June 30 of last year, so delinquent on any day of this
    year; issued here when the demo city has no such bill), and each plan takes all the
    parcel's delinquent taxes. One is enrolled today without a down payment (in good standing);
    the other 20 days ago (moved back to a business day) with a 10% down payment never paid
    (late, with late interest and the 5% charge due, on the Supervisor's "Plans at risk", well
    short of default). Once only. Returns how many it made."""
    if PaymentPlan.objects.exists():
        return 0
    year = today.year - 1
    # Two parcels, each by a first installment of its taxes (a parcel may have several years').
    firsts: dict[int, Bill] = {}
    for bill in (
        Bill.objects.filter(source="demo", bill_type=BillType.PROPERTY_TAX, installment=1)
        .exclude(property=None)
        .select_related("property", "customer")
        .order_by("id")
    ):
        firsts.setdefault(bill.property_id or 0, bill)  # never 0: excluded above
        if len(firsts) == 2:
            break
    parcels = list(firsts.values())
    late_on = today - timedelta(days=20)
    closed = closed_days(late_on - timedelta(days=10), late_on)
    while not is_business_day(late_on, closed):  # a down payment due on a business day
        late_on -= timedelta(days=1)
    made = 0
    for number, (first, (enrolled_on, down_percent)) in enumerate(
        zip(parcels, ((today, Decimal(0)), (late_on, Decimal(10))), strict=False), start=1
    ):
        prop = first.property
        assert prop is not None
        _last_years_tax(first, year=year, number=f"T{year}-D{number:04d}-2", by=by)
        owed = delinquent_tax_bills(prop, enrolled_on)
        if not owed:
            continue
        total = sum((o.due.total for o in owed), Decimal(0))
        payment_plan_enroll(
            property=prop,
            bills=[o.bill for o in owed],
            customer=first.customer,
            down_payment=to_cents(total * down_percent / 100),
            installments=12,
            as_of=enrolled_on,
            by=by,
            token=uuid.uuid5(uuid.NAMESPACE_URL, f"demo-plan-{prop.parcel_number}"),
        )
        made += 1
    return made


def _last_years_tax(this_years: Bill, *, year: int, number: str, by: User) -> Bill:
    """Last year's unpaid second tax installment of a parcel, like this year's first."""
    earlier = Bill.objects.filter(number=number).first()
    if earlier is not None:
        return earlier
    return bill_issue(
        number=number,
        bill_type=BillType.PROPERTY_TAX,
        source="demo",
        customer=this_years.customer,
        description=f"{year} city tax, installment 2 of 2",
        issue_date=date(year, 1, 1),
        due_date=date(year, 6, 30),
        charges=[
            Charge(
                ChargeType.objects.get(code="city_tax"),
                this_years.principal,
                f"{year} city tax, installment 2",
            )
        ],
        by=by,
        property=this_years.property,
        tax_year=year,
        installment=2,
    )
