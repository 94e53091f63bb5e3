"""billing.liens.liens_on: the unpaid liens on a parcel through a good-through date, computed by
hand here from the seeded rules (property tax: 1% a month or portion after the due date,
RPTL 924-a; 15% on October 1; a last day to pay on a weekend or holiday moves to the next
business day, RPTL 925-a).

The parcel owes two years of city tax, two installments a year, the first of 2025 with $200.00
of relevied water; it also has a water bill and its owner a parking ticket, which are not liens.

    A  2025 installment 1, due 01/31/2025: city tax 1,000.00 + relevied water 200.00 = 1,200.00
    B  2025 installment 2, due 06/30/2025: 1,000.00
    C  2026 installment 1, due 01/31/2026: 1,100.00
    D  2026 installment 2, due 06/30/2026: 1,100.00

A month of interest is 12.00 on A, 10.00 on B, 11.00 on C and D; the October 1 penalty is
180.00, 150.00, 165.00 and 165.00 (A and B had theirs on 10/01/2025)."""

from datetime import date
from decimal import Decimal

import pytest

from billing.errors import BillingError
from billing.liens import lien_bills, liens_on
from billing.models import BillType, ChargeType, LienTerms, Property
from billing.services import bill_issue
from tests.conftest import charge, tax_bill

D = Decimal


def amounts(liens) -> list[tuple[str, Decimal, Decimal, Decimal, Decimal]]:
    return [
        (item.bill.number, item.principal, item.penalty, item.interest, item.total)
        for item in liens.items
    ]


def test_two_years_of_taxes_and_relevied_water_before_and_after_a_month_boundary(two_years):
    a, b, c, d = (two_years[k].number for k in "ABCD")

    # When: good through Friday 07/31/2026, the last day of a month of interest, then Monday
    # 08/03/2026, in the next.
    july = liens_on(
        two_years["A"].property, good_through=date(2026, 7, 31), issued_on=date(2026, 7, 10)
    )
    august = liens_on(
        two_years["A"].property, good_through=date(2026, 8, 3), issued_on=date(2026, 7, 10)
    )

    # Then: oldest first, the water bill and the ticket left out. Through 07/31: A 18 months
    # (02/2025 to 07/2026), B 13, C 6, D 1.
    assert amounts(july) == [
        (a, D("1200.00"), D("180.00"), D("216.00"), D("1596.00")),
        (b, D("1000.00"), D("150.00"), D("130.00"), D("1280.00")),
        (c, D("1100.00"), D("0.00"), D("66.00"), D("1166.00")),
        (d, D("1100.00"), D("0.00"), D("11.00"), D("1111.00")),
    ]
    assert july.payoff == D("5153.00")
    assert (july.principal, july.penalty, july.interest) == (D("4400.00"), D("330.00"), D("423.00"))
    # One more month each through 08/03.
    assert amounts(august) == [
        (a, D("1200.00"), D("180.00"), D("228.00"), D("1608.00")),
        (b, D("1000.00"), D("150.00"), D("140.00"), D("1290.00")),
        (c, D("1100.00"), D("0.00"), D("77.00"), D("1177.00")),
        (d, D("1100.00"), D("0.00"), D("22.00"), D("1122.00")),
    ]
    assert august.payoff == D("5197.00")


def test_the_relevied_water_shows_in_the_type_and_the_principal_split(two_years):
    liens = liens_on(
        two_years["A"].property, good_through=date(2026, 7, 31), issued_on=date(2026, 7, 10)
    )

    first = liens.items[0]
    assert (first.year, first.kind) == (2025, "City property tax, relevied unpaid water charges")
    assert first.detail == (
        "Billed 2025 city tax, installment 1 $1,000.00 + Relevied unpaid water $200.00"
    )
    assert liens.items[1].kind == "City property tax" and liens.items[1].detail == ""


def test_across_the_october_first_penalty(two_years):
    parcel = two_years["A"].property

    # When: good through Wednesday 09/30/2026, then Thursday 10/01/2026.
    before = liens_on(parcel, good_through=date(2026, 9, 30), issued_on=date(2026, 9, 15))
    on = liens_on(parcel, good_through=date(2026, 10, 1), issued_on=date(2026, 9, 15))

    # Then: the 2026 installments take their 15% on October 1 (165.00 each), with a month more
    # of interest on every bill.
    assert [(i.penalty, i.interest, i.total) for i in before.items] == [
        (D("180.00"), D("240.00"), D("1620.00")),
        (D("150.00"), D("150.00"), D("1300.00")),
        (D("0.00"), D("88.00"), D("1188.00")),
        (D("0.00"), D("33.00"), D("1133.00")),
    ]
    assert before.payoff == D("5241.00")
    assert [(i.penalty, i.interest, i.total) for i in on.items] == [
        (D("180.00"), D("252.00"), D("1632.00")),
        (D("150.00"), D("160.00"), D("1310.00")),
        (D("165.00"), D("99.00"), D("1364.00")),
        (D("165.00"), D("44.00"), D("1309.00")),
    ]
    assert on.payoff == D("5615.00")


def test_good_through_a_weekend_keeps_the_month_that_ended_on_it(two_years):
    parcel = two_years["A"].property
    issued = date(2026, 9, 15)

    # When: good through Saturday 10/31/2026 (a month of interest ends that day, so its last day
    # to pay moves to Monday 11/02), Sunday 11/01, and Tuesday 11/03.
    saturday = liens_on(parcel, good_through=date(2026, 10, 31), issued_on=issued)
    sunday = liens_on(parcel, good_through=date(2026, 11, 1), issued_on=issued)
    tuesday = liens_on(parcel, good_through=date(2026, 11, 3), issued_on=issued)

    # Then: Sunday owes what Saturday does (no new month until Tuesday).
    assert saturday.payoff == sunday.payoff == D("5615.00")
    assert [i.total for i in sunday.items] == [
        D("1632.00"),
        D("1310.00"),
        D("1364.00"),
        D("1309.00"),
    ]
    # 12.00 + 10.00 + 11.00 + 11.00 of interest more on Tuesday.
    assert [i.total for i in tuesday.items] == [
        D("1644.00"),
        D("1320.00"),
        D("1375.00"),
        D("1320.00"),
    ]
    assert tuesday.payoff == D("5659.00")


def test_a_parcel_with_nothing_owed_has_an_empty_list(reference, supervisor):
    parcel = Property.objects.create(parcel_number="30.-1-7", street_address="5 Lake St")

    liens = liens_on(parcel, good_through=date(2026, 7, 31), issued_on=date(2026, 7, 10))

    assert liens.items == [] and liens.payoff == D("0.00")


def test_bills_issued_after_the_date_of_issue_are_not_listed(two_years, dana, supervisor):
    parcel = two_years["A"].property
    tax_bill(
        parcel,
        dana,
        supervisor,
        year=2027,
        installment=1,
        due=date(2027, 1, 31),
        charges=[charge("city_tax", "1200.00")],
        number="T2027-1",
    )

    liens = liens_on(parcel, good_through=date(2026, 12, 31), issued_on=date(2026, 12, 1))

    assert "T2027-1" not in [i.bill.number for i in liens.items] and len(liens.items) == 4


def test_a_charge_type_marked_as_a_lien_makes_its_bill_one(parcel, dana, supervisor):
    # Given: an invoice on the parcel for a special assessment, and another for a returned-check
    # fee (not a lien unless an Admin marks it so).
    assessment = bill_issue(
        number="SA-1",
        bill_type=BillType.INVOICE,
        source="test",
        customer=dana,
        description="Sidewalk special assessment",
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 12, 31),
        charges=[charge("special_assessment", "1840.00")],
        by=supervisor,
        property=parcel,
    )
    fee = bill_issue(
        number="RC-1",
        bill_type=BillType.INVOICE,
        source="test",
        customer=dana,
        description="Returned check fee",
        issue_date=date(2026, 1, 1),
        due_date=date(2026, 12, 31),
        charges=[charge("returned_check_fee", "20.00")],
        by=supervisor,
        property=parcel,
    )

    assert list(lien_bills(parcel)) == [assessment]

    ChargeType.objects.filter(code="returned_check_fee").update(is_lien=True)
    assert set(lien_bills(parcel)) == {assessment, fee}


def test_bill_types_the_lien_terms_name_are_liens_whatever_their_charges(parcel, dana, supervisor):
    water = bill_issue(
        number="W-1",
        bill_type=BillType.WATER_SEWER,
        source="test",
        customer=dana,
        description="Water & sewer",
        issue_date=date(2026, 4, 1),
        due_date=date(2026, 12, 1),
        charges=[charge("water", "96.42")],
        by=supervisor,
        property=parcel,
    )
    assert list(lien_bills(parcel)) == []

    LienTerms.objects.update_or_create(
        pk=1, defaults={"lien_bill_types": [BillType.PROPERTY_TAX, BillType.WATER_SEWER]}
    )

    assert list(lien_bills(parcel)) == [water]


@pytest.mark.parametrize(
    ("good_through", "message"),
    [
        (date(2026, 7, 9), "before the date of issue 07/10/2026"),
        (date(2026, 10, 9), "at most 90 days after the date of issue, 10/08/2026 at the latest"),
    ],
)
def test_a_good_through_date_out_of_range_is_refused(parcel, good_through, message):
    with pytest.raises(BillingError, match=message):
        liens_on(parcel, good_through=good_through, issued_on=date(2026, 7, 10))
