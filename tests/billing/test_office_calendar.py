"""The office calendar (billing.models.Holiday): seeded with legal holidays from the `holidays`
package, kept by Admins (a snow day), read in one query by the selectors so that what a bill
owes moves with it, and limited to dates the app can compute with."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from billing.models import BillType, ChargeType, Holiday
from billing.selectors import amount_due, with_amounts_due
from billing.services import Charge, bill_issue, holidays_seed


def _bill(customer, by, number, due, bill_type=BillType.PROPERTY_TAX, code="city_tax"):
    return bill_issue(
        number=number,
        bill_type=bill_type,
        source="test",
        customer=customer,
        description="Test bill",
        issue_date=date(2026, 1, 1),
        due_date=due,
        charges=[Charge(ChargeType.objects.get(code=code), Decimal("1000.00"))],
        by=by,
    )


def test_legal_holidays_are_seeded_once_and_closures_are_kept(db):
    Holiday.objects.create(date=date(2026, 2, 3), name="Snow day", kind=Holiday.Kind.CLOSURE)
    Holiday.objects.filter(date=date(2026, 7, 3)).delete()
    holidays_seed(years=[2026, 2027])
    assert holidays_seed(years=[2026, 2027]) == 0  # nothing twice
    days = dict(Holiday.objects.filter(date__year__in=[2026, 2027]).values_list("date", "name"))
    assert days[date(2026, 1, 1)] == "New Year's Day"
    assert days[date(2026, 7, 3)] == "Independence Day (observed)"  # for Saturday the 4th
    assert days[date(2027, 7, 5)] == "Independence Day (observed)"  # for Sunday the 4th
    assert days[date(2026, 11, 3)] == "Election Day"  # a New York holiday
    assert days[date(2026, 2, 3)] == "Snow day"


def test_the_issue_example_through_the_selectors(reference, dana, clerk):
    # $1,000.00 due Saturday January 31, 2026, paid Monday February 2: nothing more
    bill = _bill(dana, clerk, "T-SAT", date(2026, 1, 31))
    assert amount_due(bill, date(2026, 2, 2)).total == Decimal("1000.00")
    assert amount_due(bill, date(2026, 2, 3)).total == Decimal("1010.00")


def test_a_holiday_from_the_calendar_moves_the_due_date(reference, dana, clerk):
    # due Monday January 19, 2026, Martin Luther King Jr. Day: Tuesday is on time
    bill = _bill(dana, clerk, "T-MLK", date(2026, 1, 19))
    assert amount_due(bill, date(2026, 1, 20)).interest == Decimal("0.00")
    Holiday.objects.filter(date=date(2026, 1, 19)).delete()  # were the office open that day
    assert amount_due(bill, date(2026, 1, 20)).interest == Decimal("10.00")


def test_an_admin_adds_a_snow_day_and_it_counts_at_once(client, admin_user, reference, dana):
    # given water due Tuesday December 15, 2026: the 10% penalty comes on the 16th
    bill = _bill(dana, admin_user, "W-SNOW", date(2026, 12, 15), BillType.WATER_SEWER, "water")
    assert amount_due(bill, date(2026, 12, 16)).penalty == Decimal("100.00")
    # when an Admin closes the office that day
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:billing_holiday_add"),
        {"date": "2026-12-15", "name": "Snow day", "kind": "closure", "_save": "Save"},
    )
    assert response.status_code == 302
    # then paying on the 16th is on time, on the customer page and at the counter alike
    assert amount_due(bill, date(2026, 12, 16)).penalty == Decimal("0.00")
    [owed] = with_amounts_due([bill], date(2026, 12, 16))
    assert owed.due.total == Decimal("1000.00")


@pytest.mark.parametrize(
    ("day", "message"),
    [
        # beyond what the books compute with at all: the admin's shared date field says so
        ("0001-01-01", "01/01/1900"),
        ("9999-12-31", "12/31/2199"),
        # within that, but beyond the office calendar's seeded years
        ("1999-12-31", "The office calendar holds dates from 01/01/2000 to 12/31/2099"),
        ("2100-01-01", "The office calendar holds dates from 01/01/2000 to 12/31/2099"),
    ],
)
def test_a_date_outside_the_calendar_is_refused_with_a_message(client, admin_user, day, message):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:billing_holiday_add"),
        {"date": day, "name": "Closed", "kind": "closure", "_save": "Save"},
    )
    assert response.status_code == 200
    assert message in response.text
    assert not Holiday.objects.filter(name="Closed").exists()


def test_the_database_refuses_a_date_outside_the_calendar(db):
    with pytest.raises(IntegrityError, match="holiday_date_computable"), transaction.atomic():
        Holiday.objects.create(date=date(1999, 12, 31), name="Too early")


def test_only_admins_keep_the_calendar(client, users, reference):
    for role in ("Clerk", "Supervisor"):
        client.force_login(users[role])
        response = client.get(reverse("admin:billing_holiday_changelist"))
        assert response.status_code in (302, 403)
    client.force_login(users["Admin"])
    assert client.get(reverse("admin:billing_holiday_changelist")).status_code == 200


def test_amounts_due_read_the_calendar_in_one_query(
    reference, dana, clerk, django_assert_num_queries
):
    bills = [
        _bill(dana, clerk, "T-A", date(2026, 1, 31)),
        _bill(dana, clerk, "T-B", date(2026, 6, 30)),
        _bill(dana, clerk, "W-C", date(2026, 3, 20), BillType.WATER_SEWER, "water"),
    ]
    with_amounts_due(bills, date(2026, 11, 30))  # loads the rules and calendar once
    # the reference version, the penalties assessed, the payment plans: one query each, however
    # many bills (the rules and the calendar come from the reference cache, ledger.reference)
    with django_assert_num_queries(3):
        owed = with_amounts_due(bills, date(2026, 11, 30))
    assert [o.due.total for o in owed] == [
        # 10 months from Feb 3 (Jan 31 is a Saturday) and October's 15%
        Decimal("1000.00") + Decimal("100.00") + Decimal("150.00"),
        # July 1 through November 30: 5 months, and October's 15%
        Decimal("1000.00") + Decimal("50.00") + Decimal("150.00"),
        Decimal("1100.00"),  # water: the 10% penalty
    ]


def test_bills_not_yet_past_due_need_no_calendar(reference, dana, clerk, django_assert_num_queries):
    bill = _bill(dana, clerk, "T-FUTURE", date(2027, 1, 29))
    with_amounts_due([bill], date(2027, 1, 29))  # loads the rules once
    with django_assert_num_queries(3):  # the reference version, the penalties assessed, the plans
        [owed] = with_amounts_due([bill], date(2027, 1, 29))
    assert owed.due.total == Decimal("1000.00")
