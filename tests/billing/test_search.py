"""billing.selectors.search: the one-box lookup, by number, name (typos forgiven) or address."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from billing.models import Customer, Department
from billing.scanline import scanline_build
from billing.selectors import search
from billing.services import bill_import

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"
TODAY = date(2026, 11, 26)


@pytest.fixture
def city(reference, supervisor):
    for source in ("tax", "water", "parking"):
        bill_import(
            source=source,
            filename=f"{source}.csv",
            content=(SAMPLES / f"{source}.csv").read_bytes(),
            by=supervisor,
        )
    # a namesake, so that ranking matters
    Customer.objects.create(name="Dana Whitfield-Ortiz", address_line1="9 Cliff St")


def _names(result):
    return [group.customer.name for group in result.groups]


def test_exact_bill_number_opens_the_bill(city):
    result = search("T2027-90001-2", as_of=TODAY)
    assert result.bill is not None and result.bill.number == "T2027-90001-2"
    assert _names(result) == ["Dana Whitfield"]


@pytest.mark.parametrize(
    "query", ["02-90001", "71.-2-14", "KXT4412", "kxt 4412", "P2690002", "t2027-90001-1"]
)
def test_numbers_find_the_customer_first(city, query):
    result = search(query, as_of=TODAY)
    assert _names(result)[0] == "Dana Whitfield"


def test_everything_owed_is_shown_with_amounts_as_of_the_date(city):
    group = search("KXT4412", as_of=TODAY).groups[0]
    numbers = [owed.bill.number for owed in group.bills]
    assert numbers == ["P2690001", "P2690002", "W202611-02-90001", "T2027-90001-1", "T2027-90001-2"]
    first_ticket = group.bills[0].due
    # ticket of October 2: $20 fine, $10 late fee after 20 days (not yet the 60-day one)
    assert (first_ticket.principal, first_ticket.penalty) == (Decimal("20.00"), Decimal("10.00"))
    assert group.total_due == sum(owed.due.total for owed in group.bills)


def test_names_forgive_typos_and_rank_below_numbers(city):
    result = search("Dana Whitfeld", as_of=TODAY)
    assert _names(result)[:2] == ["Dana Whitfield", "Dana Whitfield-Ortiz"]
    assert "name" in result.groups[0].reasons


def test_street_address_finds_the_owner(city):
    result = search("216 N Aurora", as_of=TODAY)
    assert _names(result)[0] == "Fall Creek Apartments LLC"


def test_a_scanline_opens_its_bill_and_a_bad_check_digit_says_so(city):
    from billing.models import Bill

    bill = Bill.objects.get(number="P2690003")
    line = scanline_build(reference=bill.pk, amount=Decimal("75.00"))
    assert search(line, as_of=TODAY).bill == bill
    wrong = line[:-1] + str((int(line[-1]) + 1) % 10)
    result = search(wrong, as_of=TODAY)
    assert result.bill is None
    assert "check digit is wrong" in result.scanline_error


def test_the_directory_answers_too(city):
    result = search("dog license", as_of=TODAY)
    assert [d.name for d in result.departments] == ["City Clerk"]
    # and no customer is offered as a guess at "dog license"
    assert result.groups == []
    faq = search("appeal", as_of=TODAY)
    assert any("appeal a parking ticket" in f.question for f in faq.faqs)
    assert Department.objects.count() >= 8


def test_nothing_found_is_empty_not_an_error(city):
    result = search("zzzzqqqq", as_of=TODAY)
    assert result.groups == [] and result.bill is None
    assert search("   ", as_of=TODAY).groups == []
